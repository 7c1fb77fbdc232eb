"""Specificity within a category: the unspecified code leaves the defaults, kept as an alternative."""
import json

import pytest

from coding_toolkit.errors import ContextRuleError
from coding_toolkit.suggest import CodingRules, suggestions_for

from .helpers import AF, CCF, CKD, CKD3, HF, HTN, STROKE, T2DM, kept, row


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


ASTHMA = [row("195967001", "J459")]
ALLERGIC_ASTHMA = [row("389145006", "J450")]
ACUTE_SEVERE_ASTHMA = [row("708090002", "J46X")]


def test_asthma_gives_way_to_acute_severe_asthma_of_the_neighbouring_category():
    out = suggestions_for([kept("Acute severe asthma", 0, ACUTE_SEVERE_ASTHMA), kept("Asthma since childhood", 40, ASTHMA)])
    assert [s.code for s in out] == ["J46X"]
    [superseded] = [a for a in out[0].alternatives if a.reason]
    assert (superseded.code, superseded.reason) == ("J459", "superseded by J46")
    assert out[0].evidence == (0,)
    # J45 asthma alone, and the switch off: both stay
    assert [s.code for s in suggestions_for([kept("Asthma", 0, ASTHMA)])] == ["J459"]
    off = CodingRules.load(overrides={"specificity": False})
    both = [kept("Acute severe asthma", 0, ACUTE_SEVERE_ASTHMA), kept("asthma", 40, ASTHMA)]
    assert {s.code for s in suggestions_for(both, off)} == {"J46X", "J459"}


def test_a_chain_leaves_every_replaced_code_with_the_code_left_standing():
    # J45.9 gives way to J45.0 (same category), J45.0 to J46: J46 lists both
    out = suggestions_for([kept("acute severe asthma", 0, ACUTE_SEVERE_ASTHMA), kept("allergic asthma", 30, ALLERGIC_ASTHMA),
                           kept("asthma", 60, ASTHMA)])
    assert [s.code for s in out] == ["J46X"]
    assert {(a.code, a.reason) for a in out[0].alternatives if a.reason} == {("J450", "superseded by J46"),
                                                                               ("J459", "superseded by J46")}


def test_neighbouring_categories_only_where_the_pair_is_listed():
    aki, ckd_n19 = [row("14669001", "N179")], [row("42399005", "N19X")]
    assert [s.code for s in suggestions_for([kept("renal failure", 0, ckd_n19), kept("AKI", 20, aki)])] == ["N179"]
    # AKI and CKD are both coded (N17 does not replace N18); a specific anaemia does not replace CKD
    both = suggestions_for([kept("AKI", 0, aki), kept("CKD stage 3", 20, CKD3)])
    assert {s.code for s in both} == {"N179", "N183"}
    ida, anaemia = [row("87522002", "D509")], [row("271737000", "D649")]
    assert [s.code for s in suggestions_for([kept("anaemia", 0, anaemia), kept("iron deficiency anaemia", 20, ida)])] == ["D509"]
    # a stroke named as infarction replaces stroke NOS; a TIA (G45) does not
    infarct, tia = [row("432504007", "I639")], [row("266257000", "G459")]
    assert [s.code for s in suggestions_for([kept("stroke", 0, STROKE), kept("cerebral infarction", 20, infarct)])] == ["I639"]
    assert {s.code for s in suggestions_for([kept("stroke", 0, STROKE), kept("TIA", 20, tia)])} == {"I64X", "G459"}


def _rules_with(tmp_path, **specificity):
    from coding_toolkit.suggest.rule_fields import DEFAULT_RULES_FILE

    data = json.loads(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))
    data["specificity"].update(specificity)
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return CodingRules.load(path)


def test_a_code_in_not_superseding_does_not_replace_a_neighbour(tmp_path):
    rules = _rules_with(tmp_path, not_superseding=["I252", "J46X"])
    out = suggestions_for([kept("Acute severe asthma", 0, ACUTE_SEVERE_ASTHMA), kept("asthma", 40, ASTHMA)], rules)
    assert {s.code for s in out} == {"J46X", "J459"}


def test_a_bad_neighbouring_range_names_the_field(tmp_path):
    with pytest.raises(ContextRuleError, match=r"specificity.neighbouring_categories\[0\].superseded_by\[0\]"):
        _rules_with(tmp_path, neighbouring_categories=[{"codes": [{"from": "J45"}], "superseded_by": [{"from": "J4"}]}])


HYSTERECTOMY = [row("236886002", "Q079", system="OPCS-4")]
TAH = [row("116140006", "Q074", system="OPCS-4")]
VASECTOMY = [row("22523008", "N171", system="OPCS-4")]
VARICOCELE_OP = [row("1111000", "N199", system="OPCS-4")]


def test_unspecified_opcs_code_superseded_by_specific_code_of_the_same_category():
    # an operation note names the operation in full, then "the hysterectomy" in the description: one operation
    out = suggestions_for([kept("Total abdominal hysterectomy", 0, TAH), kept("hysterectomy", 400, HYSTERECTOMY)])
    assert [s.code for s in out] == ["Q074"]
    [superseded] = [a for a in out[0].alternatives if a.reason]
    assert (superseded.code, superseded.reason) == ("Q079", "superseded by Q07.4")
    assert [s.code for s in suggestions_for([kept("hysterectomy", 0, HYSTERECTOMY)])] == ["Q079"]


def test_neighbouring_icd10_categories_do_not_reach_opcs_codes_of_the_same_letters():
    # ICD-10 N19 gives way to N17; OPCS-4 N19 (varicocele) and N17 (vas deferens) are different operations
    out = suggestions_for([kept("vasectomy", 0, VASECTOMY), kept("varicocele ligation", 40, VARICOCELE_OP)])
    assert {s.code for s in out} == {"N171", "N199"}


CYSTOSCOPY = [row("386745004", "M459", system="OPCS-4")]
TURP = [row("90199006", "M653", system="OPCS-4")]
TURBT = [row("176106009", "M421", system="OPCS-4")]
URETEROSCOPY = [row("446407004", "M271", system="OPCS-4")]


def test_the_cystoscopy_of_a_transurethral_resection_of_a_bladder_tumour_is_not_coded_apart():
    out = suggestions_for([kept("Cystoscopy", 0, CYSTOSCOPY), kept("transurethral resection", 20, TURBT)])
    assert [s.code for s in out] == ["M421"]
    [superseded] = [a for a in out[0].alternatives if a.reason]
    assert (superseded.code, superseded.reason) == ("M459", "superseded by M42.1")
    # a cystoscopy alone, or beside an operation on another site (ureter; prostate, as examples N029 codes
    # it), stays; the switch off keeps both
    assert [s.code for s in suggestions_for([kept("Cystoscopy", 0, CYSTOSCOPY)])] == ["M459"]
    for other in (URETEROSCOPY, TURP):
        out = suggestions_for([kept("Cystoscopy", 0, CYSTOSCOPY), kept("operation", 20, other)])
        assert {s.code for s in out} == {"M459", other[0].target}
    off = CodingRules.load(overrides={"specificity": False})
    out = suggestions_for([kept("Cystoscopy", 0, CYSTOSCOPY), kept("TURBT", 20, TURBT)], off)
    assert {s.code for s in out} == {"M459", "M421"}
