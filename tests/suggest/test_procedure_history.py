"""A procedure told in the history of the presenting illness was done before this episode: not coded as done."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest

from coding_toolkit.errors import ContextRuleError
from coding_toolkit.suggest import CodingRules, review_mentions, suggestions_for
from coding_toolkit.suggest.config import DEFAULT_RULES_FILE

from .helpers import kept, row

CYSTOSCOPY = [row("386745004", "M459", system="OPCS-4")]
KNEE_REPLACEMENT = [row("609588000", "W409", system="OPCS-4")]
HAEMATURIA = [row("34436003", "R31X")]
OFF = CodingRules.load(overrides={"procedures_in_history": False})


def _codes(mentions, headings, rules=None):
    reviewed = review_mentions("", mentions, headings, rules)
    return reviewed, [s.code for s in suggestions_for(reviewed, rules, headings)]


def test_a_procedure_in_the_history_is_historical_and_the_presenting_problem_stays():
    mentions = [kept("haematuria", 0, HAEMATURIA), kept("cystoscopy", 40, CYSTOSCOPY)]
    headings = ["history of present illness", "history of present illness"]
    reviewed, codes = _codes(mentions, headings)
    assert codes == ["R31X"]
    assert reviewed[1].decision.reason == "historical" and reviewed[1].labels.temporality == "Historical"
    assert reviewed[1].labels.triggers["temporality"] == "section: history of present illness (procedure)"
    # switched off, the history's cystoscopy is coded as before
    assert _codes(mentions, headings, OFF)[1] == ["R31X", "M459"]


def test_the_operation_under_the_procedure_heading_or_the_indication_is_coded():
    for heading in ("procedure performed", "indications", "hospital course", None):
        assert _codes([kept("cystoscopy", 0, CYSTOSCOPY)], [heading])[1] == ["M459"]


def test_a_joint_replacement_told_in_the_history_gives_its_status_code():
    reviewed, codes = _codes([kept("total knee replacement", 0, KNEE_REPLACEMENT)], ["history"])
    assert codes == ["Z966"] and reviewed[0].decision.status == "filtered"


TURBT = [row("176258007", "M421", system="OPCS-4")]


def _at(text, word, codes, **kw):
    return kept(word, text.index(word), codes, **kw)


def _past(text, word, heading="indications", codes=CYSTOSCOPY, rules=None):
    """The reviewed mention of ``word`` in ``text`` under ``heading``."""
    reviewed = review_mentions(text, [_at(text, word, codes)], [heading], rules)
    return reviewed[0]


@pytest.mark.parametrize("text, word, trigger", [
    ("One year ago, he was unable to catheterize and was taken to theatre and had cystoscopy.", "cystoscopy",
     "One year ago (procedure)"),
    ("She had a recent D&C and laparoscopy, and a mass was noted.", "laparoscopy", "recent (procedure)"),
    ("He was found to have a new tumour last fall, and cystoscopy in November showed a lesion.", "cystoscopy",
     "in November (procedure)"),
    ("In January of 1991 underwent cystoscopy.", "cystoscopy", "In January of 1991 (procedure)"),
    ("Cystoscopy 2 years ago was normal.", "Cystoscopy", "2 years ago (procedure)"),
    ("Previous cystoscopy was normal.", "cystoscopy", "Previous (procedure)"),
])
def test_a_procedure_told_with_a_past_time_is_historical_under_any_heading(text, word, trigger):
    am = _past(text, word)
    assert am.decision.status == "filtered" and am.decision.reason == "historical"
    assert am.labels.temporality == "Historical" and am.labels.triggers["temporality"] == trigger
    assert _past(text, word, rules=OFF).decision.status == "kept"  # the switch turns it off too


@pytest.mark.parametrize("text, word", [
    ("He is booked for cystoscopy in November.", "cystoscopy"),  # a plan: still to be done
    ("We will see him for cystoscopy in November.", "cystoscopy"),
    ("He is to have cystoscopy in November.", "cystoscopy"),
    ("He was admitted in November and underwent cystoscopy.", "cystoscopy"),  # this admission's month
    ("On admission in November he underwent cystoscopy.", "cystoscopy"),
    ("Antibiotics were given prior to cystoscopy.", "cystoscopy"),  # "prior to" is no past cue
    ("He had a TURBT two years ago; he then underwent cystoscopy.", "cystoscopy"),  # another clause
    ("He had a TURBT two years ago but today underwent cystoscopy.", "cystoscopy"),
    ("He underwent cystoscopy, which was normal.", "cystoscopy"),  # past tense alone: this episode's
    ("The recent results were reviewed by the team and a cystoscopy was performed.", "cystoscopy"),  # too far
])
def test_a_plan_this_episode_or_another_clause_keeps_the_procedure(text, word):
    assert _past(text, word).decision.status == "kept"


def test_past_time_cues_leave_diagnoses_alone():
    text = "He had a recent myocardial infarction in November."
    am = review_mentions(text, [_at(text, "myocardial infarction", [row("22298006", "I219")])], ["indications"])[0]
    assert am.decision.status == "kept" and am.labels.temporality == "Recent"


def test_a_past_cue_beats_a_plan_heading_but_a_month_there_is_the_plan():
    planned = dict(status="filtered", reason="hypothetical", temporality="Hypothetical")
    text = "IMPRESSION/PLAN: The patient had a recent circumcision.\nPlan: cystoscopy in November."
    circ = _at(text, "circumcision", [row("72310004", "N303", system="OPCS-4")], **planned)
    scope = _at(text, "cystoscopy", CYSTOSCOPY, **planned)
    circ, scope = (replace(am, labels=replace(am.labels, triggers={"temporality": f"section: {h}"}))
                   for am, h in ((circ, "impression/plan"), (scope, "plan")))
    reviewed = review_mentions(text, [circ, scope], ["impression/plan", "plan"])
    assert reviewed[0].decision.reason == "historical" and reviewed[0].labels.triggers["temporality"] == \
        "recent (procedure)"
    assert reviewed[1].decision.reason == "hypothetical" and reviewed[1].labels.temporality == "Hypothetical"


def test_a_compound_heading_counts_when_its_first_part_is_a_history_heading():
    assert _codes([kept("cystoscopy", 0, CYSTOSCOPY)], ["hpi/ros"])[1] == []
    assert _codes([kept("cystoscopy", 0, CYSTOSCOPY)], ["procedure/hpi"])[1] == ["M459"]


def test_a_rules_copy_without_past_time_reads_no_cue_and_a_bad_count_is_named(tmp_path):
    data = json.loads(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))
    del data["procedures_in_history"]["past_time"]
    (tmp_path / "old.json").write_text(json.dumps(data), encoding="utf-8")
    old = CodingRules.load(overrides={"file": "old.json"}, base_dir=tmp_path)
    text = "One year ago he had cystoscopy."
    assert _past(text, "cystoscopy", rules=old).decision.status == "kept"
    assert _past(text, "cystoscopy").decision.status == "filtered"
    data = json.loads(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))
    data["procedures_in_history"]["past_time"]["words_before"] = 0
    (tmp_path / "bad.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ContextRuleError, match=r"bad.json field 'procedures_in_history.past_time.words_before': "
                                               r"0 is not a number of words \(1-20\).*fix: e.g. 4"):
        CodingRules.load(overrides={"file": "bad.json"}, base_dir=tmp_path)


def test_the_real_pipeline_reads_compound_headings_and_past_procedures(pipeline):
    from coding_toolkit.records import Note

    note = ("PAST MEDICAL HISTORY/SURGERIES/HOSPITALIZATIONS:\nDeep vein thrombosis and pulmonary embolism after "
            "an operation.\nDiagnosis/Plan: Pneumonia. Asthma.\nIndications: He had a recent cystoscopy.\n"
            "Procedure: colonoscopy.\n")
    result = pipeline.process(Note("n1", note))
    codes = [(s.code, s.stated_under) for s in result.suggestions]
    # the DVT and PE are history (Z86.7, not I80/I26); the diagnoses of "Diagnosis/Plan" rank first, as stated;
    # the recent cystoscopy is not this episode's operation, the colonoscopy is
    assert codes == [("J189", "diagnosis"), ("J459", "diagnosis"), ("Z867", None), ("H229", None)]
    scope = next(am for am in result.mentions if am.mention.text == "cystoscopy")
    assert scope.decision.reason == "historical" and scope.labels.triggers["temporality"] == "recent (procedure)"
