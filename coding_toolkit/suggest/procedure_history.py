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
the same headings are the presenting problem and stay kept. A heading of parts joined by "/" counts
when its first part is listed ("HPI/ROS:"). Switch: ``procedures_in_history``.

Under any other heading (``INDICATIONS:``, ``GROSS FINDINGS:``) a procedure is past when its own clause
says so (``past_time``): "One year ago ... had cystoscopy", "a recent D&C", "cystoscopy in November
showed". Such cues are read for procedures only: "recent MI" is this episode's diagnosis, and the
context rules' "recent" ends a history scope. A plan before the procedure ("for cystoscopy in
November", "will have ... in November") or a word for this episode ("on admission", "today") in the
clause leaves it alone; the trigger is the cue as written, with " (procedure)". Such a cue also beats a
plan heading ("IMPRESSION/PLAN: The patient had a recent circumcision": historical, not planned), but a
month there does not ("Plan: cystoscopy in November" is when it will be done).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

from coding_toolkit.records import AnnotatedMention, CodeSystem, FilterDecision
from coding_toolkit.suggest.config import CodingRules
from coding_toolkit.suggest.merge import evolve
from coding_toolkit.suggest.note_text import first_part, sentence_bounds
from coding_toolkit.suggest.rule_sections import ProceduresInHistory

_NUMBER = r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|few|many|couple\s+of)"
_WORD = re.compile(r"\S+")
# "for cystoscopy", "for a repeat TURBT": the procedure is what something is for (a plan or a referral)
_FOR_BEFORE = re.compile(r"(?<!\w)for\s+(?:(?:a|an|the|repeat|further|another|his|her)\s+)*$", re.IGNORECASE)


def is_procedure(am: AnnotatedMention) -> bool:
    """A mention whose concept the map codes in OPCS-4 only (an operation or procedure)."""
    return bool(am.codes) and all(row.system == CodeSystem.OPCS4 for row in am.codes)


def _phrases(phrases: Sequence[str]) -> str:
    """An alternation, longest first; an empty list (an older rules file without ``past_time``) matches nothing."""
    return "|".join(r"\s+".join(map(re.escape, p.split())) for p in sorted(phrases, key=len, reverse=True)) or "(?!)"


@lru_cache(maxsize=8)
def _cues(section: ProceduresInHistory) -> tuple[re.Pattern, ...]:
    """(ago, in <month>, before-words, clause end, this episode, plan) patterns, case-insensitive."""
    def words(alternation: str, tail: str = "") -> re.Pattern:
        return re.compile(rf"(?<!\w)(?:{alternation}){tail}(?!\w)", re.IGNORECASE)
    return (words(rf"{_NUMBER}\s+(?:{_phrases(section.ago_units)})\s+ago"),
            words(rf"in\s+(?:early\s+|late\s+|mid-?\s*)?(?:{_phrases(section.months)})",
                  r"\.?(?:\s+(?:of\s+)?(?:19|20)\d\d)?"),
            words(_phrases(section.before), r"(?!\s+to\b)"),
            re.compile(rf";|(?<!\w)(?:{_phrases(section.clause_ends)})(?!\w)", re.IGNORECASE),
            words(_phrases(section.this_episode)), words(_phrases(section.plan_words)))


def _past_cue(text: str, start: int, end: int, section: ProceduresInHistory, dates: bool = True) -> str | None:
    """The past-time cue of the procedure at ``start:end`` in its own clause (module doc), else None;
    ``dates=False`` under a plan heading, where "in November" is when it will be done."""
    ago, month, before, clause_end, this_episode, plan = _cues(section)
    s0, s1 = sentence_bounds(text, start)
    ends = [m for m in clause_end.finditer(text, s0, s1)]
    c0 = max([m.end() for m in ends if m.end() <= start], default=s0)
    c0 = max(c0, text.rfind(":", c0, start) + 1)  # not the heading's words ("IMPRESSION/PLAN: ...")
    c1 = min([m.start() for m in ends if m.start() >= end], default=s1)
    head, tail = text[c0:start], text[end:c1]
    # a plan binds the procedure in its own comma-free stretch ("found to have a tumour last fall, and
    # cystoscopy in November showed" is no plan)
    planned = head[head.rfind(",") + 1:]
    if this_episode.search(text, c0, c1) or plan.search(planned) or _FOR_BEFORE.search(planned):
        return None
    found = ago.search(text, c0, c1)
    if found:
        return found.group(0)
    near_after = " ".join(_WORD.findall(tail)[:section.words_after])
    for m in (*month.finditer(head), *month.finditer(near_after)) if dates else ():
        return m.group(0)
    for m in before.finditer(head):
        if len(_WORD.findall(head[m.end():])) < section.words_before:
            return m.group(0)
    return None


def _planned_by_heading_only(am: AnnotatedMention) -> bool:
    """Filtered only because its section is a plan ("IMPRESSION/PLAN: ... had a recent circumcision"): a past
    cue in its own sentence decides, as a trigger beats a section in the context rules."""
    return (am.decision.reason == "hypothetical" and am.labels.temporality == "Hypothetical"
            and am.labels.triggers.get("temporality", "").startswith("section: "))


def procedures_in_history(mentions: Sequence[AnnotatedMention], headings: Sequence[str | None] | None,
                          rules: CodingRules, text: str | None = None) -> tuple[AnnotatedMention, ...]:
    if not rules.on("procedures_in_history"):
        return tuple(mentions)
    section = rules.section(ProceduresInHistory)
    out = []
    for i, am in enumerate(mentions):
        heading = headings[i] if headings is not None and i < len(headings) else None
        if (am.decision.status == "kept" or _planned_by_heading_only(am)) and is_procedure(am):
            if am.decision.status == "kept" and (
                    heading in section.headings or (heading and first_part(heading) in section.headings)):
                trigger = f"section: {heading} (procedure)"
            else:
                cue = _past_cue(text, am.mention.start, am.mention.end, section,
                                dates=am.decision.status == "kept") if text else None
                trigger = f"{' '.join(cue.split())} (procedure)" if cue else ""
            if trigger:
                labels = replace(am.labels, temporality="Historical",
                                 triggers={**am.labels.triggers, "temporality": trigger})
                am = evolve(am, labels=labels, decision=FilterDecision("filtered", section.reason))
        out.append(am)
    return tuple(out)
