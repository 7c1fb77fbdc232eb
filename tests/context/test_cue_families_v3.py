"""Cue families of rules v3 (issue 12): general historical and hypothetical forms, their scope ends,
possibility cues (UNCERTAIN) and pseudo-triggers. Sentences are written for the tests, not taken
from the benchmark kit."""
from __future__ import annotations

import pytest

from coding_toolkit.context.classifier import ContextClassifier
from coding_toolkit.context.rules import load_rules
from tests.context.one_mention import label, temporality


@pytest.fixture(scope="module")
def kit() -> ContextClassifier:
    """The ConText kit's convention: possibility is not temporality."""
    return ContextClassifier(load_rules(extra={"categories": {"UNCERTAIN": {}}}))


# -- historical --------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, target, trigger", [
    # the verb opens the scope, the anchor may lie beyond the date cue's own reach
    ("He underwent a coronary artery bypass graft with left internal mammary artery to the left anterior "
     "descending artery and saphenous vein grafts three years ago.", "coronary artery bypass graft", "underwent"),
    ("He had a large anterior myocardial infarction complicated by cardiogenic shock and ventricular septal "
     "rupture in April 2001.", "myocardial infarction", "had"),
    ("She was first diagnosed with rheumatoid arthritis affecting both hands and later the knees and ankles "
     "at the age of 34.", "rheumatoid arthritis", "was first diagnosed"),
])
def test_past_tense_verb_with_a_time_anchor(clf, text, target, trigger):
    got = label(clf, text, target)
    assert (got.temporality, got.triggers["temporality"]) == ("Historical", trigger)


@pytest.mark.parametrize("text, target", [
    ("He underwent coronary angiography, which showed a tight stenosis.", "coronary angiography"),  # no anchor
    ("She had chest pain this morning.", "chest pain"),
    ("She had a fall in the past week.", "fall"),  # a recent window is no anchor
    ("He was diagnosed with pneumonia in the emergency department.", "pneumonia"),
])
def test_past_tense_verb_without_an_anchor_is_no_cue(clf, text, target):
    assert temporality(clf, text, target) == "Recent"


@pytest.mark.parametrize("text, target", [
    ("Tuberculosis treated two years earlier.", "Tuberculosis"),
    ("Pneumonia in her twenties.", "Pneumonia"),
    ("Measles when she was a child.", "Measles"),
    ("Fractured femur in the remote past.", "Fractured femur"),
    ("Appendicectomy (1998).", "Appendicectomy"),
    ("During his last admission he had a urinary tract infection.", "urinary tract infection"),
])
def test_dates_durations_and_life_periods_before_now(clf, text, target):
    assert temporality(clf, text, target) == "Historical"


@pytest.mark.parametrize("text, target", [
    ("Diabetic since 2015, on metformin.", "Diabetic"),
    ("Hypertension since 2009.", "Hypertension"),
    ("Type 2 diabetes for 10 years.", "Type 2 diabetes"),
])
def test_since_a_date_is_ongoing_not_historical(clf, text, target):
    assert temporality(clf, text, target) == "Recent"
    # the same condition with a past date is historical (the policy's chronic list then keeps it)
    assert temporality(clf, "Hypertension diagnosed in 2009.", "Hypertension") == "Historical"


@pytest.mark.parametrize("text, target, trigger", [
    ("h/o asthma.", "asthma", "h/o"),
    ("s/p appendectomy.", "appendectomy", "s/p"),
    ("Status-post appendectomy.", "appendectomy", "Status-post"),
    ("PSHx: cholecystectomy, hernia repair.", "hernia repair", "section: pshx"),
    ("Previous surgeries: hernia repair.", "hernia repair", "section: previous surgeries"),
    ("PMH: asthma, COPD.", "COPD", "section: pmh"),
    ("Obstetric history: pre-eclampsia.", "pre-eclampsia", "section: obstetric history"),
    ("He used to drink alcohol heavily.", "alcohol", "used to"),
    ("She quit after her stroke.", "stroke", "quit"),  # ("quit smoking": the habit word is a cue itself)
    ("Former heroin user.", "heroin user", "Former"),  # the short cue, not a longer literal hiding the target
])
def test_history_labels_headings_and_past_habits(clf, text, target, trigger):
    got = label(clf, text, target)
    assert (got.temporality, got.triggers["temporality"]) == ("Historical", trigger)


def test_used_to_meaning_employed_to_is_no_habit(clf):
    assert temporality(clf, "Metformin is used to treat diabetes.", "diabetes") == "Recent"
    assert temporality(clf, "A cannula was used to infiltrate the hernia sac.", "hernia sac") == "Recent"


def test_history_scope_ends_at_this_stay(clf):
    assert temporality(clf, "History of asthma, on arrival he was wheezy.", "wheezy") == "Recent"
    assert temporality(clf, "Previous MI; in the emergency department troponin was raised.", "troponin") == "Recent"
    assert temporality(clf, "History of asthma, on arrival he was wheezy.", "asthma") == "Historical"


def test_historical_pseudo_triggers(clf):
    # "history and physical" is the history-taking
    assert temporality(clf, "History and physical examination revealed pneumonia.", "pneumonia") == "Recent"
    # "no history of" is negation (and keeps the kit's Historical temporality)
    got = label(clf, "No history of diabetes.", "diabetes")
    assert (got.negation, got.temporality) == ("Negated", "Historical")


# -- hypothetical --------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, target", [
    ("If she develops fever, she should return.", "fever"),
    ("Should he develop chest pain, he should call 999.", "chest pain"),
    ("Return if the wound becomes red or swollen.", "swollen"),
    ("Return to the ED with any worsening shortness of breath.", "shortness of breath"),
    ("In case of bleeding, stop the warfarin.", "bleeding"),
    ("Watch for signs of infection.", "infection"),
    ("He is at risk of falls.", "falls"),
    ("Aspirin to prevent stroke.", "stroke"),
    ("DVT prophylaxis.", "DVT"),
    ("Prophylaxis against endocarditis.", "endocarditis"),
    ("Referred for screening for colorectal cancer.", "colorectal cancer"),
    ("Colorectal cancer screening.", "Colorectal cancer"),
])
def test_conditionals_and_instructions_are_hypothetical_in_both_conventions(clf, kit, text, target):
    assert temporality(clf, text, target) == "Hypothetical"
    assert temporality(kit, text, target) == "Hypothetical"


@pytest.mark.parametrize("text, target, expected", [
    ("The risks of the procedure include bleeding, infection and damage to the bowel.", "infection", "Hypothetical"),
    ("Risks including stroke and death were discussed.", "stroke", "Hypothetical"),
    ("Side effects such as nausea and diarrhoea were explained.", "diarrhoea", "Hypothetical"),
    ("Untreated, this may lead to renal failure.", "renal failure", "Hypothetical"),
    ("She may develop lymphoedema.", "lymphoedema", "Hypothetical"),
    # what happened is not a risk; listed risk factors are the patient's own conditions
    ("Postoperative complications included pneumonia.", "pneumonia", "Recent"),
    ("Cardiac risk factors include hypertension and diabetes.", "diabetes", "Historical"),
])
def test_consent_risks_and_what_could_happen(clf, text, target, expected):
    assert temporality(clf, text, target) == expected


@pytest.mark.parametrize("text, target", [
    ("Chest pain, rule out myocardial infarction.", "myocardial infarction"),
    ("Biopsies taken to r/o coeliac disease.", "coeliac disease"),
    ("?appendicitis.", "appendicitis"),
    ("Query pulmonary embolism.", "pulmonary embolism"),
    ("Dopplers to evaluate for DVT.", "DVT"),
    ("Pneumonia cannot be excluded.", "Pneumonia"),
])
def test_possibility_cues_are_uncertain_for_coding_and_recent_in_the_kit_convention(clf, kit, text, target):
    assert temporality(clf, text, target) == "Uncertain"  # not established, so not coded as confirmed
    assert temporality(kit, text, target) == "Recent"  # as the ConText kit annotates them


@pytest.mark.parametrize("text, target", [
    ("If the rash spreads, she has been given cream for her eczema.", "eczema"),  # the main clause
    ("Return if fever. Diabetes is controlled.", "Diabetes"),  # the sentence end
    ("Return if worse, otherwise continue treatment for cellulitis.", "cellulitis"),
    ("If she has any worsening pain she should return, because her fracture is displaced.", "fracture"),
])
def test_conditional_scope_ends_at_clause_and_sentence_boundaries(clf, text, target):
    assert temporality(clf, text, target) == "Recent"


@pytest.mark.parametrize("text, target", [
    ("Paracetamol if needed for pain.", "pain"),
    ("Oxycodone as required for breakthrough pain.", "breakthrough pain"),
    ("Mobilise as tolerated with physiotherapy for her hip fracture.", "hip fracture"),
])
def test_medication_instructions_are_pseudo_hypothetical(clf, text, target):
    assert temporality(clf, text, target) == "Recent"


# -- negation cues learnt from medspaCy's default list ------------------------------------------------
@pytest.mark.parametrize("text, target", [
    ("Lack of peripheral oedema.", "peripheral oedema"),
    ("Discharged without any signs of infection.", "infection"),
    ("The lungs are clear of consolidation.", "consolidation"),
])
def test_added_negation_cues(clf, text, target):
    got = label(clf, text, target)
    assert got.negation == "Negated"
    assert got.temporality == "Recent"  # "any signs of" inside the negation cue is not a hypothetical cue


def test_first_tokens_of_the_v3_patterns_lose_no_match(clf):
    """Token dispatch finds the same triggers as trying every pattern at every character, on v3's forms."""
    import dataclasses

    full = ContextClassifier(dataclasses.replace(
        clf.rules, rules=tuple(dataclasses.replace(r, first_tokens=None) for r in clf.rules.rules)))
    texts = [
        "He underwent a graft three years ago. She was first diagnosed with RA at the age of 34.",
        "Tuberculosis treated two years earlier; pneumonia in her twenties; measles when she was a child.",
        "Appendicectomy (1998). During his last admission he had a UTI. Diabetic since 2015, for 10 years.",
        "Return to the ED with any pain. Should the patient develop fever, come back if worse.",
        "If the rash spreads, she has been given cream, otherwise continue. Risks of surgery include bleeding.",
        "Side effects such as nausea. It may lead to renal failure. Metformin is used to treat diabetes.",
    ]
    def spans(c, text):
        return [(t.start, t.end, t.rule.key) for t in c.find_triggers(text)]

    for text in texts:
        assert spans(clf, text) == spans(full, text), text
    assert sum(len(clf.find_triggers(t)) for t in texts) >= 20


@pytest.mark.parametrize("text,target", [
    ("Diabetic retinopathy noted at eye screening.", "Diabetic retinopathy"),
    ("Atrial fibrillation found on routine surveillance.", "Atrial fibrillation"),
])
def test_a_finding_made_at_screening_is_not_hypothetical(clf, text, target):
    assert temporality(clf, text, target) == "Recent"
