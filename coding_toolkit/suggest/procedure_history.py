"""Procedures told in the history: done before this episode, not coded as done in it.

A note's history of the presenting illness (``HPI:``, ``History:``, ``Brief history:``, ``Reason for
referral:`` ... ``procedures_in_history.headings``) tells what happened before: "He had a cystoscopy
done, which showed...", "circumcision 1 week ago", "on recent cystoscopy he had a recurrent tumour",
"She had a recent D&C and laparoscopy". Written in the past tense with no date, such a procedure has no
history cue for the context rules (the same words in a hospital course are this stay's operation), yet
a coder codes only the operations of this episode: those of the operation note's procedure statement or
the discharge summary's procedure list and course. So a kept mention whose concept the map codes in
OPCS-4 only, under such a heading, is labelled ``Historical`` (trigger ``section: <heading>
(procedure)``) and filtered with the policy's historical reason; the history and status codes then
treat it as any past operation (a joint replacement told in the history gives Z96.6). Diagnoses under
the same headings are the presenting problem and stay kept. Switch: ``procedures_in_history``.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from coding_toolkit.records import AnnotatedMention, CodeSystem, FilterDecision
from coding_toolkit.suggest.config import CodingRules
from coding_toolkit.suggest.merge import evolve
from coding_toolkit.suggest.rule_sections import ProceduresInHistory


def is_procedure(am: AnnotatedMention) -> bool:
    """A mention whose concept the map codes in OPCS-4 only (an operation or procedure)."""
    return bool(am.codes) and all(row.system == CodeSystem.OPCS4 for row in am.codes)


def procedures_in_history(mentions: Sequence[AnnotatedMention], headings: Sequence[str | None] | None,
                          rules: CodingRules) -> tuple[AnnotatedMention, ...]:
    if not rules.on("procedures_in_history") or headings is None:
        return tuple(mentions)
    section = rules.section(ProceduresInHistory)
    out = []
    for i, am in enumerate(mentions):
        heading = headings[i] if i < len(headings) else None
        if heading in section.headings and am.decision.status == "kept" and is_procedure(am):
            labels = replace(am.labels, temporality="Historical",
                             triggers={**am.labels.triggers, "temporality": f"section: {heading} (procedure)"})
            am = evolve(am, labels=labels, decision=FilterDecision("filtered", section.reason))
        out.append(am)
    return tuple(out)
