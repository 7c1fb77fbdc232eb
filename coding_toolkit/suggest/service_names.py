"""Headings and service names: "Stroke Unit", "Heart Failure Clinic", "diabetes nurse" are not diagnoses.

A mention directly followed on the same line by a service word (``unit``, ``clinic``, ``team``,
``nurse``, ``discharge summary`` ...) or directly preceded by ``Department of`` names a ward,
unit, clinic, service, team or document. It is filtered with reason ``service name`` (whatever the
context filter said), so it gives no code and a coder still sees it. The word lists are data
(``data/coding_rules.json``: ``service_names.following`` / ``preceding``). "Heart failure" in a
sentence, or "heart failure. Nurse to review", is untouched.

Heading lines (``service_names.heading_line``): every mention on the note's title line
("DISCHARGE SUMMARY - Stroke Medicine", "Endoscopy report and discharge": its first non-empty line, in
capitals, with " - " or a title word, when more lines follow and it has no colon), on a line
naming a document ("CARDIOLOGY - DISCHARGE SUMMARY"), or followed by a capitalised specialty word with
no colon after it on its line ("Stroke Medicine", "Vascular Surgery") is a service name too; a heading line
is short (``max_length``), so a note flattened onto one line has none. "Cataract
surgery" in a sentence ("listed for left cataract surgery") is untouched.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from coding_toolkit.records import AnnotatedMention, FilterDecision
from coding_toolkit.suggest.config import CodingRules
from coding_toolkit.suggest.merge import evolve
from coding_toolkit.suggest.note_text import line_bounds
from coding_toolkit.suggest.procedure_history import is_procedure
from coding_toolkit.suggest.rule_sections import ServiceNames


def _alternation(phrases: Sequence[str]) -> str:
    # longest first, so "specialist nurse" is tried before "specialist"; a space matches spaces/tabs
    return "|".join(r"[ \t]+".join(map(re.escape, p.split())) for p in sorted(phrases, key=len, reverse=True))


@lru_cache(maxsize=8)
def _patterns(following: tuple[str, ...], preceding: tuple[str, ...]) -> tuple[re.Pattern | None, re.Pattern | None]:
    after = re.compile(rf"[ \t]+(?:{_alternation(following)})(?!\w)", re.IGNORECASE) if following else None
    before = re.compile(rf"(?<!\w)(?:{_alternation(preceding)})[ \t]+(?:the[ \t]+)?$", re.IGNORECASE) \
        if preceding else None
    return after, before


_LEADING_SPACE = re.compile(r"\s*")


@lru_cache(maxsize=8)
def _document_pattern(words: tuple[str, ...]) -> re.Pattern | None:
    return re.compile(rf"(?<!\w)(?:{_alternation(words)})(?!\w)", re.IGNORECASE) if words else None


@lru_cache(maxsize=8)
def _final_words(preceding: tuple[str, ...]) -> frozenset[str]:
    # the word right before a mention that a "preceding" phrase can end with ("of", "for", "the")
    return frozenset({p.split()[-1] for p in preceding} | {"the"})


def _last_word(text: str, start: int) -> str:
    head = text[max(0, start - 12):start].rstrip().lower()
    return head.rsplit(None, 1)[-1] if head.split() else ""


def is_service_name(text: str, start: int, end: int, rules: CodingRules) -> bool:
    section = rules.section(ServiceNames)
    after, before = _patterns(section.following, section.preceding)
    if after is not None and after.match(text, end):
        return True
    if before is not None and _last_word(text, start) in _final_words(section.preceding):
        line_start = text.rfind("\n", 0, start) + 1
        if before.search(text[max(line_start, start - 60):start]):
            return True
    return False


def _is_title(text: str, line_start: int, line_end: int, rules: CodingRules) -> bool:
    """The note's first non-empty line, a title: more lines follow, no colon, no sentence end, and written
    as a title (capitals, "X - Y", or a title word: report, letter, summary ...)."""
    if line_start != _LEADING_SPACE.match(text).end():  # type: ignore[union-attr]  # (always matches)
        return False
    line = text[line_start:line_end].strip()
    if ":" in line or line.endswith(".") or not text[line_end:].strip():
        return False
    words = set(re.findall(r"[a-z]+", line.lower()))
    return line.upper() == line or " - " in line or bool(words & set(rules.section(ServiceNames).title_words))


def _heading_line(text: str, line_start: int, line_end: int, rules: CodingRules) -> bool:
    """The whole line is a heading line: the note's title, or a short line naming a document."""
    line = text[line_start:line_end]
    if len(line.strip()) > rules.section(ServiceNames).line_max_length:  # a sentence, or a note flattened to a line
        return False
    documents = _document_pattern(rules.section(ServiceNames).document_words)
    return _is_title(text, line_start, line_end, rules) or (documents is not None and documents.search(line) is not None)


def _followed_by_specialty(text: str, end: int, line_end: int, rules: CodingRules) -> bool:
    words = _patterns(rules.section(ServiceNames).service_words, ())[0]
    found = words.match(text, end) if words is not None else None
    # a specialty is written as a title ("Stroke Medicine"); "cataract surgery" in a sentence is an operation
    return found is not None and found.group().lstrip()[:1].isupper() and ":" not in text[end:line_end]


def on_heading_line(text: str, start: int, end: int, rules: CodingRules,
                    lines: dict[int, bool] | None = None, procedure: bool = False) -> bool:
    """A mention on a title or document line, or directly followed by a specialty word on a short line without
    a colon after it, names a service (``service_names.heading_line``). A ``procedure`` on a title or document
    line names the operation the document is about ("CIRCUMCISION - OLDER PERSON, OPERATIVE NOTE:",
    "Colonoscopy report"), not a service. ``lines`` caches each line's verdict."""
    line_start, line_end = line_bounds(text, start)
    heading = lines.get(line_start) if lines is not None else None
    if heading is None and not procedure:
        heading = _heading_line(text, line_start, line_end, rules)
        if lines is not None:
            lines[line_start] = heading
    heading = heading and not procedure
    # a specialty word follows after a space, written with a capital ("Stroke Medicine"): test that first
    return heading or (text[end:end + 1] in (" ", "\t") and text[end + 1:end + 2].isupper()
                       and line_end - line_start <= rules.section(ServiceNames).line_max_length
                       and _followed_by_specialty(text, end, line_end, rules))


def filter_service_names(text: str, mentions: Sequence[AnnotatedMention], rules: CodingRules
                         ) -> tuple[AnnotatedMention, ...]:
    if not rules.on("service_names"):
        return tuple(mentions)
    decision = FilterDecision("filtered", rules.section(ServiceNames).reason)
    lines: dict[int, bool] = {}  # line start -> whether the whole line is a heading line
    return tuple(evolve(am, decision=decision)
                 if is_service_name(text, am.mention.start, am.mention.end, rules)
                 or on_heading_line(text, am.mention.start, am.mention.end, rules, lines, is_procedure(am)) else am
                 for am in mentions)

