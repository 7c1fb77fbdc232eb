"""Two context gaps found reading notes: the risks listed when consent is taken are not diagnoses ('risks
including bleeding, infection and DVT were explained'), and a backward cue inside a bracket opened after
a mention describes the bracket, not the mention. Sentences are written for the tests, not taken from
any benchmark."""
from __future__ import annotations

import pytest

from tests.context.one_mention import label, temporality


@pytest.mark.parametrize("text, target", [
    ("Risks including bleeding, infection, scarring and DVT were explained.", "DVT"),
    ("Risks and benefits were discussed, with bleeding, infection, DVT and PE in particular.", "PE"),
    ("Complications include wound infection, nerve injury and pulmonary embolism.", "pulmonary embolism"),
    ("The risks, benefits and alternatives, including bleeding and stroke, were explained.", "stroke"),
])
def test_items_of_a_consent_risk_list_are_hypothetical(clf, text, target):
    assert temporality(clf, text, target) == "Hypothetical"


@pytest.mark.parametrize("text, target", [
    ("Risk of anaesthesia, bleeding, infection, scarring, nerve damage and DVT were discussed.", "DVT"),
    ("Risks of anaesthesia, bleeding, wound infection, nerve injury, stiffness, MI, DVT and PE were explained.", "PE"),
    ("We discussed the risk of bleeding, infection, bile leak, bowel injury and retained stones.", "retained stones"),
    ("She is aware of the risk of bleeding, infection, a poor cosmetic result, meatal stenosis and the need for revision.",
     "meatal stenosis"),
])
def test_a_discussed_list_introduced_by_risk_of_is_hypothetical_to_its_end(clf, text, target):
    assert temporality(clf, text, target) == "Hypothetical"


@pytest.mark.parametrize("text, target", [
    # a clause after the risk: the verb ends the list
    ("Risk of bleeding was discussed given her duodenal ulcer, anaemia and CKD.", "CKD"),
    ("Risk of falls discussed, she has type 2 diabetes, hypertension and CKD.", "CKD"),
    # a problem list holding a risk, with no discussion of risks
    ("Problems: at risk of pressure ulcers, frailty, dementia, type 2 diabetes and CKD stage 3.", "CKD stage 3"),
    # a long item is no list item: beyond it the words are a statement
    ("Risk of rebleeding discussed, Hb 98 after a large melaena last week from a duodenal ulcer.", "duodenal ulcer"),
])
def test_beyond_a_risk_list_conditions_stay_the_patients(clf, text, target):
    assert temporality(clf, text, target) == "Recent"


@pytest.mark.parametrize("text, target", [
    ("Left leg DVT confirmed on ultrasound; risks of anticoagulation explained.", "DVT"),
    ("Postoperative course complicated by pulmonary embolism.", "pulmonary embolism"),
])
def test_a_condition_the_patient_has_stays_recent(clf, text, target):
    assert temporality(clf, text, target) == "Recent"


@pytest.mark.parametrize("text, target, expected", [
    ("Right carpal tunnel syndrome, severe on nerve conduction studies (absent sensory potentials).",
     "carpal tunnel syndrome", "Affirmed"),
    ("Carpal tunnel syndrome is absent.", "Carpal tunnel syndrome", "Negated"),
    ("Pneumonia (on the chest film) was ruled out.", "Pneumonia", "Negated"),
])
def test_a_backward_trigger_inside_a_later_bracket_stays_inside_it(clf, text, target, expected):
    assert label(clf, text, target).negation == expected
