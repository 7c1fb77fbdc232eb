"""Headings and service names are filtered with reason 'service name'; the same words in a sentence are coded."""
import pytest

from coding_toolkit.suggest import CodingRules, filter_service_names, suggestions_for

from .helpers import HF, STROKE, T2DM, kept, row

RULES = CodingRules.load()


def _decide(text, surface, codes, rules=RULES, nth=1, **kw):
    start = -1
    for _ in range(nth):
        start = text.index(surface, start + 1)
    [am] = filter_service_names(text, [kept(text[start:start + len(surface)], start, codes, **kw)], rules)
    return am.decision


@pytest.mark.parametrize("text,surface", [
    ("Stroke Unit discharge summary\nDiagnosis: ischaemic stroke.", "Stroke"),
    ("Seen in the Heart Failure Clinic today.", "Heart Failure"),
    ("Plan: heart failure nurse follow-up.", "heart failure"),
    ("Diabetes nurse review arranged.", "Diabetes"),
    ("diabetes specialist nurse review", "diabetes"),
    ("Referred to the stroke team.", "stroke"),
    ("Department of Diabetes and Endocrinology", "Diabetes"),
    ("Heart failure\tclinic letter", "Heart failure"),
])
def test_service_and_document_names_are_filtered(text, surface):
    assert _decide(text, surface, STROKE).status == "filtered"
    assert _decide(text, surface, STROKE).reason == "service name"


@pytest.mark.parametrize("text,surface", [
    ("Diagnosis: Heart failure with reduced ejection fraction.", "Heart failure"),
    ("Heart failure. Nurse to review fluid balance.", "Heart failure"),
    ("Heart failure\nClinic review in 6 weeks.", "Heart failure"),  # a new line is not part of the name
    ("Admitted with stroke, unit bed found later.", "stroke"),
    ("She has type 2 diabetes united with obesity.", "type 2 diabetes"),  # 'united' is not 'unit'
])
def test_the_same_words_in_a_sentence_are_coded(text, surface):
    assert _decide(text, surface, HF).status == "kept"


def test_n010_heading_gives_no_code_but_the_diagnosis_does():
    text = "Stroke Unit discharge summary\nDiagnosis: stroke."
    ams = filter_service_names(text, [kept("Stroke", 0, STROKE), kept("stroke", 41, STROKE)], RULES)
    assert [am.decision.reason for am in ams] == ["service name", None]
    [s] = suggestions_for(ams)
    assert s.code == "I64X" and s.evidence == (1,)


def test_overrides_other_filter_reasons_and_can_be_switched_off():
    text = "if symptoms return, attend the DVT clinic"
    assert _decide(text, "DVT", T2DM, status="filtered", reason="hypothetical").reason == "service name"
    off = CodingRules.load(overrides={"service_names": False})
    assert _decide("Stroke Unit", "Stroke", STROKE, rules=off).status == "kept"


@pytest.mark.parametrize("text,surface", [
    ("DISCHARGE SUMMARY - Stroke Medicine\nDiagnosis: ischaemic stroke.", "Stroke"),  # a document line
    ("Stroke Medicine\nDiagnosis: ischaemic stroke.", "Stroke"),  # a capitalised specialty
    ("STROKE\nDiagnosis: ischaemic stroke.", "STROKE"),  # a title in capitals
    ("Seen by Stroke Medicine on the ward.\nDiagnosis: ischaemic stroke.", "Stroke"),
    ("Diagnosis: ischaemic stroke.\nStroke Surgery team review requested", "Stroke"),
])
def test_mentions_on_heading_lines_are_service_names(text, surface):
    assert _decide(text, surface, STROKE).reason == "service name"
    off = CodingRules.load(overrides={"service_names": False})
    assert _decide(text, surface, STROKE, rules=off).status == "kept"


@pytest.mark.parametrize("text,surface", [
    ("Stroke.", "Stroke"),  # a one-line note is not a title
    ("Stroke\nSeen in ED, CT confirmed an infarct.", "Stroke"),  # a first line without title words
    ("Procedure: left cataract surgery.\nNo complications.", "cataract"),  # an operation, not a specialty
    ("Listed for cataract surgery in the spring.\nReview then.", "cataract"),
    ("Stroke Medicine: ischaemic stroke confirmed\nPlan: aspirin.", "ischaemic stroke"),  # after the colon
])
def test_the_same_words_off_heading_lines_are_coded(text, surface):
    assert _decide(text, surface, STROKE).status == "kept"


def test_a_note_flattened_onto_one_line_has_no_heading_lines():
    text = ("DISCHARGE SUMMARY,  HISTORY:,  82-year-old with dysphagia on and off for two years, admitted via the "
            "emergency department, seen by the speech therapist.")
    assert _decide(text, "dysphagia", STROKE).status == "kept"


CIRCUMCISION = [row("112912000", "N303", system="OPCS-4")]


@pytest.mark.parametrize("text,surface", [
    ("CIRCUMCISION - OLDER PERSON\nOPERATIVE NOTE:\nThe foreskin was excised.", "CIRCUMCISION"),  # the title
    ("Circumcision operation note\nThe foreskin was excised.", "Circumcision"),  # a document line
])
def test_an_operation_on_a_title_or_document_line_is_the_operation_done(text, surface):
    assert _decide(text, surface, CIRCUMCISION).status == "kept"
    # the same line still names a service for a diagnosis, and "... Unit" for an operation
    assert _decide(text.replace(surface, "Stroke"), "Stroke", STROKE).reason == "service name"
    assert _decide("Circumcision Clinic\nSeen today.", "Circumcision", CIRCUMCISION).reason == "service name"
