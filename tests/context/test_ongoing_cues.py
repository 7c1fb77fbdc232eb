"""A condition the note states as ongoing stays current under a past-history heading; a past one stays history."""
import pytest

from coding_toolkit.context.classifier import ContextClassifier
from coding_toolkit.context.rules import DEFAULT_EXTRA_RULES, load_rules
from tests.context.one_mention import label

CLF = ContextClassifier()


@pytest.mark.parametrize("text,target,cue", [
    ("PAST MEDICAL HISTORY: Has prostate cancer.\nMEDICATION: He is receiving Lupron injection.", "prostate cancer",
     "Has"),
    ("PMH: known IHD, on aspirin.", "IHD", "known"),
    ("Past medical history: lymphoma, currently on treatment.", "lymphoma", "currently on treatment"),
    ("Past medical history: currently being treated for lymphoma.", "lymphoma", "currently being treated for"),
])
def test_an_ongoing_condition_under_a_history_heading_is_current(text, target, cue):
    labels = label(CLF, text, target)
    assert labels.temporality == "Recent"
    assert labels.triggers["temporality"] == cue


@pytest.mark.parametrize("text,target", [
    ("Past medical history: previous prostate cancer, treated 2015, in remission.", "prostate cancer"),
    ("PMH: prostate cancer 2015, in remission.", "prostate cancer"),
    ("PMH: He has a history of prostate cancer.", "prostate cancer"),
    ("PMH: has had a myocardial infarction.", "myocardial infarction"),
    ("He has known history of breast cancer.", "breast cancer"),
    ("Past medical history: MI 2010.", "MI"),
    ("Past surgical history: He has undergone appendectomy.", "appendectomy"),
    ("PMH: She has also had a DVT.", "DVT"),
    ("PMH: has completed chemotherapy.", "chemotherapy"),
    ("Past medical history: He did have complications of deep vein thrombosis with one of those operations.",
     "deep vein thrombosis"),
])
def test_a_past_condition_stays_history(text, target):
    assert label(CLF, text, target).temporality == "Historical"


def test_the_cue_changes_nothing_outside_a_history_section_and_does_not_hide_negation():
    assert label(CLF, "He has prostate cancer.", "prostate cancer").temporality == "Recent"
    negated = label(CLF, "PMH: has no history of prostate cancer.", "prostate cancer")
    assert negated.negation == "Negated"
    assert label(CLF, "Problem list: prostate cancer.", "prostate cancer").temporality == "Recent"


def test_the_cues_are_a_shipped_rule_file():
    assert any(p.name == "ongoing_rules.json" for p in DEFAULT_EXTRA_RULES)
    base_only = ContextClassifier(load_rules(DEFAULT_EXTRA_RULES[0].with_name("context_rules.json")))
    text = "PAST MEDICAL HISTORY: Has prostate cancer."
    assert label(base_only, text, "prostate cancer").temporality == "Historical"


@pytest.mark.parametrize("text,target,value", [
    ("The patient has a history of GOUT, on allopurinol.", "GOUT", "Historical"),
    ("The patient has a history of known RIGHT UPPER EXTREMITY DVT.", "RIGHT UPPER EXTREMITY DVT", "Historical"),
    ("If she has any NEW TINGLING, she should return.", "NEW TINGLING", "Hypothetical"),
])
def test_any_other_temporality_cue_in_scope_wins_over_the_ongoing_cue(text, target, value):
    assert label(CLF, text, target).temporality == value
