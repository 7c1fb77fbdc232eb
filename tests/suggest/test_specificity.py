"""Specificity within a category: the unspecified code leaves the defaults, kept as an alternative."""
from coding_toolkit.suggest import CodingRules, suggestions_for

from .helpers import AF, CCF, CKD, CKD3, HF, HTN, T2DM, kept, row


def test_unspecified_9_superseded_by_specific_code_of_the_same_category():
    out = suggestions_for([kept("chronic kidney disease", 0, CKD), kept("CKD stage 3", 30, CKD3)])
    assert [s.code for s in out] == ["N183"]
    [superseded] = [a for a in out[0].alternatives if a.reason]
    assert (superseded.code, superseded.reason) == ("N189", "superseded by N18.3")


def test_heart_failure_unspecified_gives_way_to_congestive():
    out = suggestions_for([kept("Congestive cardiac failure", 0, CCF), kept("heart failure", 40, HF)])
    assert [s.code for s in out] == ["I500"]
    assert out[0].evidence == (0,)  # the superseded mention is not counted as evidence for I50.0


def test_x_padded_code_superseded_only_by_a_4_character_sibling():
    paroxysmal = [row("282825002", "I480")]
    assert [s.code for s in suggestions_for([kept("AF", 0, AF), kept("paroxysmal AF", 9, paroxysmal)])] == ["I480"]
    # must not fire: I10 and I48 are different categories; two specific codes both stay
    assert {s.code for s in suggestions_for([kept("AF", 0, AF), kept("hypertension", 9, HTN)])} == {"I48X", "I10X"}
    e113, e115 = [row("4855003", "E113D")], [row("421895002", "E115")]
    assert {s.code for s in suggestions_for([kept("a", 0, e113), kept("b", 9, e115)])} == {"E113D", "E115"}


def test_unspecified_code_alone_stays_and_switch_off_keeps_both():
    assert [s.code for s in suggestions_for([kept("type 2 diabetes", 0, T2DM)])] == ["E119"]
    off = CodingRules.load(overrides={"specificity": False})
    assert {s.code for s in suggestions_for([kept("CKD", 0, CKD), kept("CKD 3", 9, CKD3)], off)} == {"N189", "N183"}


def test_filtered_specific_mention_does_not_supersede():
    out = suggestions_for([kept("CKD", 0, CKD), kept("CKD 3", 9, CKD3, status="filtered", reason="negated")])
    assert [s.code for s in out] == ["N189"]
