"""Headings and service names: "Stroke Unit", "Heart Failure Clinic", "diabetes nurse" are not diagnoses.

A mention directly followed on the same line by a service word (``unit``, ``clinic``, ``team``,
``nurse``, ``discharge summary`` ...) or directly preceded by ``Department of`` names a ward,
unit, clinic, service, team or document. It is filtered with reason ``service name`` (whatever the
context filter said), so it gives no code and a coder still sees it. The word lists are data
(``data/coding_rules.json``: ``service_names.following`` / ``preceding``). "Heart failure" in a
sentence, or "heart failure. Nurse to review", is untouched.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from coding_toolkit.records import AnnotatedMention, FilterDecision
from coding_toolkit.suggest.config import CodingRules
from coding_toolkit.suggest.merge import evolve


def _alternation(phrases: Sequence[str]) -> str:
    # longest first, so "specialist nurse" is tried before "specialist"; a space matches spaces/tabs
    return "|".join(r"[ \t]+".join(map(re.escape, p.split())) for p in sorted(phrases, key=len, reverse=True))


@lru_cache(maxsize=8)
def _patterns(following: tuple[str, ...], preceding: tuple[str, ...]) -> tuple[re.Pattern | None, re.Pattern | None]:
    after = re.compile(rf"[ \t]+(?:{_alternation(following)})(?!\w)", re.IGNORECASE) if following else None
    before = re.compile(rf"(?<!\w)(?:{_alternation(preceding)})[ \t]+(?:the[ \t]+)?$", re.IGNORECASE) \
        if preceding else None
    return after, before


@lru_cache(maxsize=8)
def _final_words(preceding: tuple[str, ...]) -> frozenset[str]:
    # the word right before a mention that a "preceding" phrase can end with ("of", "for", "the")
    return frozenset({p.split()[-1] for p in preceding} | {"the"})


def _last_word(text: str, start: int) -> str:
    head = text[max(0, start - 12):start].rstrip().lower()
    return head.rsplit(None, 1)[-1] if head.split() else ""


def is_service_name(text: str, start: int, end: int, rules: CodingRules) -> bool:
    after, before = _patterns(rules.service_following, rules.service_preceding)
    if after is not None and after.match(text, end):
        return True
    if before is not None and _last_word(text, start) in _final_words(rules.service_preceding):
        line_start = text.rfind("\n", 0, start) + 1
        if before.search(text[max(line_start, start - 60):start]):
            return True
    return False


def filter_service_names(text: str, mentions: Sequence[AnnotatedMention], rules: CodingRules
                         ) -> tuple[AnnotatedMention, ...]:
    if not rules.service_names:
        return tuple(mentions)
    decision = FilterDecision("filtered", rules.service_reason)
    return tuple(evolve(am, decision=decision)
                 if is_service_name(text, am.mention.start, am.mention.end, rules) else am
                 for am in mentions)
