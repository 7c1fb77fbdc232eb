"""Uncertain final diagnosis: coded as confirmed under a main-diagnosis heading, filtered elsewhere."""
from __future__ import annotations

import pytest

from coding_toolkit.records import Note
from coding_toolkit.suggest import CodingRules, review_mentions, suggestions_for

from .helpers import HF, kept

REASON = "uncertain diagnosis: not coded as confirmed"


def _uncertain(start=11, reason=REASON):
    return kept("heart failure", start, HF, status="filtered", reason=reason, temporality="Uncertain")


def test_uncertain_under_the_final_diagnosis_is_coded_with_the_standards_reason():
    [am] = review_mentions("Final diagnosis: probable heart failure", [_uncertain()], ["final diagnosis"])
    assert (am.decision.status, am.decision.reason) == ("kept", "uncertain final diagnosis coded as confirmed (standard)")
    [s] = suggestions_for([am], headings=["final diagnosis"])
    assert (s.code, s.stated_under) == ("I509", "final diagnosis")


@pytest.mark.parametrize("heading", [None, "plan", "history", "differential diagnosis", "working diagnosis"])
def test_uncertain_elsewhere_stays_filtered(heading):
    [am] = review_mentions("x" * 40, [_uncertain()], [heading])
    assert (am.decision.status, am.decision.reason) == ("filtered", REASON)


def test_other_reasons_and_the_switch_keep_it_filtered():
    both = _uncertain(reason="generic; " + REASON)
    assert review_mentions("x" * 40, [both], ["diagnosis"])[0].decision.status == "filtered"
    off = CodingRules.load(overrides={"uncertain_final_diagnosis": False})
    assert review_mentions("x" * 40, [_uncertain()], ["diagnosis"], off)[0].decision.status == "filtered"



def test_starter_pipeline_final_statement_versus_plan(pipeline):
    text = "Final diagnosis: probable pulmonary embolism.\nPlan: CTPA to rule out pneumonia."
    result = pipeline.process(Note("n", text))
    decisions = {am.mention.text: am.decision for am in result.mentions}
    assert decisions["pulmonary embolism"].status == "kept"
    assert decisions["pneumonia"].status == "filtered"
    assert [s.rank for s in result.suggestions if s.system == "ICD-10"] == [1]
    assert result.provenance["coding_rules"]["uncertain_final_diagnosis"] is True


def test_an_uncertain_procedure_option_under_the_heading_is_not_coded():
    from .helpers import row

    option = kept("dilation and curettage", 11, [row("8001006", "Q103", system="OPCS-4")], status="filtered",
                  reason=REASON, temporality="Uncertain")
    assert review_mentions("x" * 60, [option], ["diagnosis"])[0].decision.status == "filtered"
