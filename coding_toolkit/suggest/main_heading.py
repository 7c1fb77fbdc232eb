"""Primary from the heading: codes stated under the note's main-diagnosis heading rank first.

NHS coders take the primary diagnosis from the diagnosis statement of the discharge summary
(``Discharge diagnosis:``, ``Primary diagnosis:``, ``Reason for admission:`` ...: the list is data,
``primary_from_heading.headings`` in ``data/coding_rules.json``). A heading is a main-diagnosis
heading when it, or its last words, are on that list, unless the word before those last words is one
of ``not_after`` ("differential diagnosis", "admission diagnosis", "other diagnoses": no; "clinical
diagnosis", "DISCHARGE SUMMARY DISCHARGE DIAGNOSIS": yes); a heading of parts joined by "/" is one when
its first part is ("Diagnosis/Plan": yes; "Plan/Diagnosis", "Impression/Plan": no). A suggestion with a kept mention in such
a section gets ``stated_under`` (the listed heading) and, for ranking, its place in the order the
heading states the codes (``rank``: 1, 2, ... by the first such mention's offset). ``ranking.rank``
puts these codes first, in that order, and the rest after them in evidence-strength order.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from coding_toolkit.records import AnnotatedMention, CodeSuggestion
from coding_toolkit.suggest.config import CodingRules
from coding_toolkit.suggest.merge import evolve
from coding_toolkit.suggest.note_text import first_part
from coding_toolkit.suggest.rule_sections import PrimaryFromHeading


def mark_stated_under_heading(suggestions: list[CodeSuggestion], mentions: Sequence[AnnotatedMention],
                              headings: Sequence[str | None], rules: CodingRules) -> list[CodeSuggestion]:
    """``suggestions`` (one note's, from ``merge_mentions``) with ``stated_under`` and the stated order set
    on those supported by a mention under a main-diagnosis heading; ``headings[i]`` is mention i's heading."""
    if not rules.on("primary_from_heading"):
        return suggestions
    main: dict[str | None, str | None] = {None: None}  # a note's heading -> its listed main heading, or None
    for heading in headings:
        if heading is not None and heading not in main:
            main[heading] = main_heading(heading, rules)
    first: dict[int, int] = {}  # id(suggestion) -> its first evidence mention under a main heading
    for s in suggestions:
        stated = [i for i in s.evidence if i < len(headings) and main[headings[i]]]
        if stated:
            first[id(s)] = min(stated, key=lambda i: mentions[i].mention.start)
    if not first:
        return suggestions
    order = {key: n for n, key in enumerate(sorted(first, key=lambda k: mentions[first[k]].mention.start), 1)}
    return [evolve(s, stated_under=main[headings[first[id(s)]]], rank=order[id(s)]) if id(s) in first else s
            for s in suggestions]


@lru_cache(maxsize=4096)  # pure; asked for every mention's heading by several rules
def main_heading(heading: str, rules: CodingRules) -> str | None:
    """The listed main-diagnosis heading ``heading`` (lower case, single spaces) is, or ends with, when the
    word before that ending does not qualify it away (``not_after``); else None."""
    words, section = heading.split(), rules.section(PrimaryFromHeading)
    for k in range(len(words)):
        ending = " ".join(words[k:])
        if ending in section.headings:
            return ending if k == 0 or words[k - 1] not in section.not_after else None
    first = first_part(heading)
    return main_heading(first, rules) if first else None
