"""Uncertain final diagnosis: "probable/likely/suspected/?" in the final diagnostic statement is coded as confirmed.

The National Clinical Coding Standards code an uncertain diagnosis stated in the final diagnostic
statement as if it were confirmed. A mention labelled Uncertain (and filtered for that reason alone:
not negated, the patient's own; a diagnosis, not a procedure option "D&C versus medical management") that
sits under a main-diagnosis heading (the list is
``primary_from_heading.headings`` / ``not_after``: ``main_heading.main_heading``) is kept, with the reason
``uncertain final diagnosis coded as confirmed (standard)``. Anywhere else ("Plan: CTPA to rule out
PE", "?PE" in the history, a differential diagnosis) the mention stays filtered. Switch:
``uncertain_final_diagnosis``.
"""
from __future__ import annotations

from collections.abc import Sequence

from coding_toolkit.records import AnnotatedMention, FilterDecision
from coding_toolkit.suggest.config import CodingRules
from coding_toolkit.suggest.main_heading import main_heading
from coding_toolkit.suggest.merge import evolve
from coding_toolkit.suggest.procedure_history import is_procedure
from coding_toolkit.suggest.rule_sections import UncertainFinalDiagnosis


def filtered_only_as(am: AnnotatedMention, temporality: str) -> bool:
    """Filtered for its temporality alone (one reason; affirmed; the patient's): "Uncertain" here, "Historical"
    for the history codes (``status_codes.py``)."""
    labels = am.labels
    return (am.decision.status == "filtered" and labels.temporality == temporality and labels.negation == "Affirmed"
            and labels.experiencer == "Patient" and "; " not in (am.decision.reason or ""))


def code_uncertain_final(mentions: Sequence[AnnotatedMention], headings: Sequence[str | None] | None,
                         rules: CodingRules) -> tuple[AnnotatedMention, ...]:
    if not rules.on("uncertain_final_diagnosis") or headings is None:
        return tuple(mentions)
    kept = FilterDecision("kept", rules.section(UncertainFinalDiagnosis).reason)
    out = []
    for i, am in enumerate(mentions):
        heading = headings[i] if i < len(headings) else None
        stated = heading is not None and main_heading(heading, rules) is not None
        out.append(evolve(am, decision=kept) if stated and not is_procedure(am) and filtered_only_as(am, "Uncertain")
                   else am)
    return tuple(out)
