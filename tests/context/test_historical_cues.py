"""Historical cues added for ConText temporality: past dates, comparison wording, cited earlier reports,
"status post recent", habitual admissions, risk factors, pseudo-triggers, inline upper-case headings."""
from __future__ import annotations

import pytest


def temporality(clf, text: str, target: str) -> tuple[str, str | None]:
    start = text.index(target)
    lab = clf.classify(text, [(start, start + len(target))])[0]
    return lab.temporality, lab.triggers.get("temporality")


@pytest.mark.parametrize("text, target", [
    ("Coronary artery disease status post bypass graft in **DATE[Apr   2007] with complication of mediastinitis.",
     "mediastinitis"),
    ("He had a pulmonary embolism in 2005.", "pulmonary embolism"),
    ("In April 2007 she developed cellulitis of the leg.", "cellulitis"),
    ("Appendicitis treated conservatively back in the early 1990s.", "Appendicitis"),
    ("Pneumonia two years ago.", "Pneumonia"),
    ("Rheumatic fever at age 12.", "Rheumatic fever"),
    ("She had a fractured wrist at the age of **AGE[in teens].", "fractured wrist"),
    ("Asthma since childhood.", "Asthma"),
    ("He had shingles last year.", "shingles"),
    ("In the past she has had gallstones.", "gallstones"),
    ("A bone marrow biopsy (S08-1, **DATE[Apr 07 06]) raised the possibility of lymphoma.", "lymphoma"),
])
def test_past_time_expressions_are_historical(clf, text, target):
    assert temporality(clf, text, target)[0] == "Historical"


@pytest.mark.parametrize("text, target", [
    ("Admitted on **DATE[Jan 09 2008] with mental status changes.", "mental status changes"),  # a day date: this stay
    ("Chest pain in the past 24 hours.", "Chest pain"),  # a recent window, not the past
    ("Vomiting over the last 3 days.", "Vomiting"),
    ("She had a fall in the past week.", "fall"),
    ("In 2007 he moved house; he now presents with chest pain.", "chest pain"),  # 'presents' ends the scope
])
def test_recent_time_expressions_stay_recent(clf, text, target):
    assert temporality(clf, text, target)[0] == "Recent"


def test_status_post_wins_over_recent(clf):
    text = "He is status post recent abdominal wall abscess and now has leg swelling."
    assert temporality(clf, text, "abdominal wall abscess") == ("Historical", "status post recent")
    assert temporality(clf, "He has a recent abdominal wall abscess.", "abdominal wall abscess")[0] == "Recent"


@pytest.mark.parametrize("text, target", [
    ("UNCHANGED elevated right hemidiaphragm.", "elevated right hemidiaphragm"),
    ("The density in the left globe is redemonstrated with no change.", "density"),
    ("Again seen is a small nodule in the right upper lobe.", "small nodule"),
    ("Small left pleural effusion, stable since the last film.", "pleural effusion"),
])
def test_radiology_comparison_cues_are_historical(clf, text, target):
    assert temporality(clf, text, target)[0] == "Historical"


def test_comparison_cue_does_not_cross_but(clf):
    text = "The right hemidiaphragm is elevated but unchanged."
    assert temporality(clf, text, "right hemidiaphragm is elevated")[0] == "Recent"


@pytest.mark.parametrize("text, target", [
    ("SEE ALSO PREVIOUS MARROW REPORT INDICATING PROBABLE SUBTLE INVOLVEMENT BY A B-CELL LYMPHOPROLIFERATIVE PROCESS.",
     "B-CELL LYMPHOPROLIFERATIVE PROCESS"),
    ("Review of the outside consultation report (slides not submitted) indicates a diagnosis of hairy cell leukemia.",
     "hairy cell leukemia"),
    ("The referral report describes a diagnosis of sarcoidosis.", "sarcoidosis"),
    ("A diagnosis of hairy cell leukemia was rendered at that time.", "hairy cell leukemia"),
])
def test_earlier_reports_are_historical(clf, text, target):
    assert temporality(clf, text, target)[0] == "Historical"


def test_habitual_admissions_and_risk_factors(clf):
    text = "He is admitted quite frequently for abdominal pain and partial small bowel obstruction."
    assert temporality(clf, text, "partial small bowel obstruction")[0] == "Historical"
    text = "Cardiac risk factors include hypertension and tobacco use."
    assert temporality(clf, text, "tobacco use")[0] == "Historical"
    # scope limited: the outcome named after a long list is not a risk factor
    text = "Given his risk factors including tobacco use, as well as age for coronary disease, we did an EKG."
    assert temporality(clf, text, "coronary disease")[0] == "Recent"


@pytest.mark.parametrize("text, target", [
    ("No focal deficits on history.", "focal deficits"),  # history = the history-taking
    ("Abdominal pain by history, worse after food.", "Abdominal pain"),
    ("She presents with a one-week history of chest pain.", "chest pain"),
])
def test_pseudo_historical_triggers(clf, text, target):
    assert temporality(clf, text, target)[0] == "Recent"


def test_inline_upper_case_heading_opens_a_section(clf):
    text = ("S_O_H Counters Report E_O_H GENERAL MEDICINE DISCHARGE SUMMARY PAST MEDICAL HISTORY: Gout. "
            "Hypertension. CHIEF COMPLAINT: chest pain.")
    assert temporality(clf, text, "Gout") == ("Historical", "section: past medical history")
    assert temporality(clf, text, "Hypertension")[0] == "Historical"
    assert temporality(clf, text, "chest pain")[0] == "Recent"  # the next inline heading ends the section


def test_inline_heading_needs_upper_case_and_no_connector(clf):
    # lower case mid-line is prose, not a heading
    assert temporality(clf, "He says his past medical history: gout.", "gout")[0] == "Recent"
    # "COURSE & PLAN:" is one heading, not a Plan section
    text = "HOSPITAL COURSE & PLAN: Examination is consistent with vasovagal syncope."
    assert temporality(clf, text, "vasovagal syncope")[0] == "Recent"


def test_mention_that_is_the_heading_takes_its_section(clf):
    text = "ALLERGIES:  He has no known allergies to penicillin."
    assert temporality(clf, text, "ALLERGIES") == ("Historical", "section: allergies")
    # a span running past the heading into its content is not "just the heading"
    assert temporality(clf, "ALLERGIES:  CODEINE.", "ALLERGIES:  CODEINE")[0] == "Recent"


@pytest.mark.parametrize("text, target", [
    ("He had tuberculosis in childhood.", "tuberculosis"),  # "in childhood" after the event (was forward only)
    ("Cholecystectomy 2001.", "Cholecystectomy"),  # a bare year after the event, as in history lists
    ("MI 2009, CABG 2010, now chest pain.", "MI"),
    ("Appendicectomy aged 12.", "Appendicectomy"),
])
def test_years_and_ages_after_the_event_are_historical(clf, text, target):
    assert temporality(clf, text, target)[0] == "Historical"


@pytest.mark.parametrize("text, target", [
    ("Mr Smith, aged 72, presents with chest pain.", "chest pain"),  # the patient's age, not the event's
    ("A man aged 65 with pneumonia.", "pneumonia"),
    ("Admitted on **DATE[Jan 09 2008] with chest pain.", "chest pain"),  # day dates: this stay
    ("Seen on 12 March 2008 with chest pain.", "chest pain"),
    ("Chest pain, January 2008.", "Chest pain"),
    ("Chest pain on 03/12/2008.", "Chest pain"),
    ("Diabetic since 2015.", "Diabetic"),  # ongoing since: chronic, not historical
    ("Healed fracture of the left radius.", "fracture of the left radius"),  # a present finding (kit: Recent)
])
def test_ages_day_dates_and_healed_findings_are_no_history_cue(clf, text, target):
    assert temporality(clf, text, target)[0] == "Recent"
