"""Possibility cues (issue 12): hedged diagnoses are Uncertain, their scope, and the look-alikes that
are not possibility. Sentences are written for the tests, not taken from the benchmark kit."""
from __future__ import annotations

import pytest

from tests.context.one_mention import label


@pytest.mark.parametrize("text, target", [
    ("Possible pneumonia in the right base.", "pneumonia"),
    ("Probable viral gastroenteritis.", "viral gastroenteritis"),
    ("Likely cellulitis of the left shin.", "cellulitis"),
    ("Suspected pulmonary embolism on admission.", "pulmonary embolism"),
    ("Appearances suspicious for malignancy.", "malignancy"),
    ("The lesion may represent a haemangioma.", "haemangioma"),
    ("Differential diagnosis includes sarcoidosis.", "sarcoidosis"),
    ("Gout is likely.", "Gout"),
    ("A small effusion cannot be excluded.", "effusion"),
    ("Consolidation versus atelectasis at the left base.", "Consolidation"),
    ("Consolidation versus atelectasis at the left base.", "atelectasis"),
    ("Pneumonia vs aspiration.", "aspiration"),
])
def test_hedged_diagnoses_are_uncertain(clf, text, target):
    lab = label(clf, text, target)
    assert lab.temporality == "Uncertain" and lab.negation == "Affirmed"


@pytest.mark.parametrize("text, target, negation, temporality", [
    # an assertion that findings fit, not a hedge
    ("Appearances consistent with pneumonia.", "pneumonia", "Affirmed", "Recent"),
    ("Findings in keeping with a fracture.", "fracture", "Affirmed", "Recent"),
    # improbability is negation (longest match beats "likely"/"probable")
    ("Pulmonary embolism is unlikely.", "Pulmonary embolism", "Negated", "Recent"),
    ("Low probability of pulmonary embolism.", "pulmonary embolism", "Negated", "Recent"),
    # the hedge reaches a few words only, and not past the sentence
    ("Possible viral illness. Asthma is well controlled.", "Asthma", "Affirmed", "Recent"),
])
def test_look_alikes_are_not_possibility(clf, text, target, negation, temporality):
    lab = label(clf, text, target)
    assert (lab.negation, lab.temporality) == (negation, temporality)


@pytest.mark.parametrize("text, target", [
    ("History of possible seizures.", "seizures"),
    ("Possible previous myocardial infarction on the ECG.", "myocardial infarction"),
    ("Previous biopsy report suggesting probable sarcoidosis.", "sarcoidosis"),
])
def test_a_past_hedged_condition_is_historical(clf, text, target):
    """UNCERTAIN yields to HISTORICAL in scope (``yields_to`` in the rule file), at any distance."""
    assert label(clf, text, target).temporality == "Historical"


def test_yields_to_names_known_categories():
    from coding_toolkit.context.rules import load_rules
    from coding_toolkit.errors import ContextRuleError

    with pytest.raises(ContextRuleError, match="yields_to.UNCERTAIN.*'PAST'"):
        load_rules(extra={"yields_to": {"UNCERTAIN": ["PAST"]}})
    rules = load_rules(extra={"yields_to": {"FAMILY": ["HISTORICAL"]}})
    assert rules.yields_to["FAMILY"] == {"HISTORICAL"} and rules.yields_to["UNCERTAIN"] == {"HISTORICAL"}


@pytest.mark.parametrize("text, target", [
    ("Differential diagnosis: pneumonia, pulmonary embolism.\n\nPlan: antibiotics.", "pulmonary embolism"),
    ("Differential diagnosis\n1. Pneumonia\n2. Pulmonary embolism\n\nExamination: chest clear.", "Pneumonia"),
    ("DISCHARGE SUMMARY DIFFERENTIAL DIAGNOSIS: pneumonia. FINDINGS: clear.", "pneumonia"),
    ("DDx: gout, pseudogout.", "pseudogout"),
])
def test_a_differential_heading_makes_its_list_uncertain(clf, text, target):
    # the heading ends its sentence, so only the section (not the "differential diagnosis" trigger) reaches the list
    assert label(clf, text, target).temporality == "Uncertain"


def test_the_section_after_a_differential_is_not_uncertain(clf):
    text = "Differential diagnosis: pneumonia.\n\nDiagnosis: asthma."
    assert label(clf, text, "asthma").temporality == "Recent"


def test_a_blood_count_differential_is_not_a_differential_diagnosis(clf):
    text = "FBC: Hb 120.\nDifferential: lymphocytosis noted.\n"
    assert label(clf, text, "lymphocytosis").temporality == "Recent"
