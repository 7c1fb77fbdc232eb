"""Without a main-diagnosis heading the primary is what the episode was for; background comorbidities last."""
from __future__ import annotations

from coding_toolkit.records import Note
from coding_toolkit.suggest import CodingRules, suggestions_for

from .helpers import HIP_FRACTURE, HTN, T2DM, kept, row

CELLULITIS = [row("128045006", "L039")]
AKI = [row("14669001", "N179")]
CHEMO = [row("367336001", "Z511")]
BREAST_CANCER = [row("254837009", "C509")]
COLONOSCOPY = [row("73761001", "H229", system="OPCS-4")]
ANAEMIA = [row("87522002", "D509")]
OFF = CodingRules.load(overrides={"primary_focus": False})


def _icd(mentions, headings, text, rules=None):
    return [(s.code, s.stated_under) for s in suggestions_for(mentions, rules, headings, text) if s.system == "ICD-10"]


def test_background_comorbidities_rank_after_the_condition_treated():
    # type 2 diabetes mentioned more often than the cellulitis it sits beside
    mentions = [kept("type 2 diabetes", 0, T2DM), kept("cellulitis", 30, CELLULITIS), kept("T2DM", 60, T2DM)]
    assert [c for c, _ in _icd(mentions, [None] * 3, None)] == ["L039", "E119"]
    assert [c for c, _ in _icd(mentions, [None] * 3, None, OFF)] == ["E119", "L039"]


def test_the_indication_of_the_main_procedure_ranks_first():
    text = "Colonoscopy for iron deficiency anaemia.\nHypertension. Hypertension."
    mentions = [kept("Colonoscopy", 0, COLONOSCOPY), kept("iron deficiency anaemia", 16, ANAEMIA),
                kept("Hypertension", 41, HTN), kept("Hypertension", 55, HTN)]
    assert _icd(mentions, [None] * 4, text)[0] == ("D509", "indication for H22.9")


def test_the_presenting_problem_ranks_before_a_condition_arising_during_the_stay():
    text = "Presenting complaint: fall, fractured neck of femur.\nDeveloped AKI on day 3. AKI resolved."
    mentions = [kept("fractured neck of femur", 28, HIP_FRACTURE), kept("AKI", 63, AKI), kept("AKI", 80, AKI)]
    headings = ["presenting complaint", None, None]
    assert _icd(mentions, headings, text) == [("S720", "presenting problem"), ("N179", None)]
    assert [c for c, _ in _icd(mentions, headings, text, OFF)] == ["N179", "S720"]


def test_an_admission_reason_code_ranks_first():
    text = "Admitted for chemotherapy for breast cancer. Breast cancer."
    mentions = [kept("chemotherapy", 13, CHEMO), kept("breast cancer", 30, BREAST_CANCER),
                kept("Breast cancer", 45, BREAST_CANCER)]
    assert _icd(mentions, [None] * 3, text)[0] == ("Z511", "admission reason")


def test_a_main_diagnosis_heading_wins():
    text = "Presenting complaint: cellulitis.\nDiagnosis: AKI."
    mentions = [kept("cellulitis", 22, CELLULITIS), kept("AKI", 45, AKI)]
    assert _icd(mentions, ["presenting complaint", "diagnosis"], text)[0] == ("N179", "diagnosis")


def test_starter_pipeline(pipeline):
    text = ("Presenting complaint: cellulitis of the left leg.\nPast medical history: type 2 diabetes, depression.\n"
            "Type 2 diabetes well controlled. Depression stable.")
    result = pipeline.process(Note("n", text))
    icd = [s for s in result.suggestions if s.system == "ICD-10"]
    assert icd[0].stated_under == "presenting problem" and icd[0].code.startswith("L03")
    assert {s.code[:3] for s in icd[1:]} == {"E11", "F32"}


def test_a_current_problem_ranks_before_conditions_named_only_in_the_past_history():
    # coronary disease only in the past history (kept as chronic), pneumonia spoken of now
    ihd = [row("414545008", "I251")]
    pneumonia = [row("233604007", "J189")]
    past = kept("coronary artery disease", 0, ihd, temporality="Historical",
                reason="chronic condition: historical label ignored")
    mentions = [past, kept("coronary artery disease", 40, ihd, temporality="Historical"),
                kept("pneumonia", 80, pneumonia)]
    assert _icd(mentions, [None] * 3, None)[0] == ("J189", "current problem (not only past history)")
    assert _icd(mentions, [None] * 3, None, OFF)[0] == ("I251", None)


def test_a_background_code_stated_as_the_indication_is_the_focus():
    text = "Procedure: colonoscopy for GORD symptoms.\nAsthma. Asthma."
    gord = [row("235595009", "K219")]
    asthma = [row("195967001", "J459")]
    mentions = [kept("colonoscopy", 11, COLONOSCOPY), kept("GORD", 27, gord), kept("Asthma", 42, asthma),
                kept("Asthma", 50, asthma)]
    assert _icd(mentions, [None] * 4, text)[0] == ("K219", "indication for H22.9")


def test_the_indication_is_in_the_procedure_s_sentence_not_its_paragraph():
    # a paragraph written as one line: the anaemia of the next sentence is not what the colonoscopy was for
    text = "Colonoscopy for rectal bleeding was done. Iron deficiency anaemia was treated. Cellulitis noted."
    mentions = [kept("Colonoscopy", 0, COLONOSCOPY), kept("Iron deficiency anaemia", 42, ANAEMIA),
                kept("Cellulitis", 79, CELLULITIS), kept("Cellulitis", 79, CELLULITIS)]
    assert all(why is None for _, why in _icd(mentions, [None] * 4, text))
    text = "Colonoscopy for iron deficiency anaemia was done. Cellulitis noted. Cellulitis again."
    mentions = [kept("Colonoscopy", 0, COLONOSCOPY), kept("iron deficiency anaemia", 16, ANAEMIA),
                kept("Cellulitis", 50, CELLULITIS), kept("Cellulitis", 68, CELLULITIS)]
    assert _icd(mentions, [None] * 4, text)[0] == ("D509", "indication for H22.9")
