"""Split a note into sentences and sections once, so every mention is looked up by bisection.

Sentence ends: ``.``/``!``/``?`` followed by white space (not after a listed abbreviation), blank
lines, a new line that starts a list item or a capitalised line, inline list markers (``2)``), and
section headings. Sections: a heading (``Past medical history:``) opens a section that lasts until
the next heading or the first blank line after its content. A known heading written in upper case
(``... DISCHARGE SUMMARY PAST MEDICAL HISTORY: ...``) opens a section even in the middle of a line:
de-identified and flattened records put whole notes on one line. A mention that *is* the heading
(``ALLERGIES: none``) belongs to its section too.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Mapping, Sequence

from coding_toolkit.context.rules import SectionRule

_LINE_START = r"(?:^|(?<=\n)|(?<=\s\s)|(?<=[.;]\s))[ \t]*"
_SENTENCE_END = re.compile(
    r"[.!?]+[\"')\]]*[ \t]+(?=\S)"          # end punctuation then white space
    r"|\n[ \t]*\n\s*"                        # blank line
    r"|\n[ \t]*(?=[-*\u2022\u00b7>]|\d{1,2}[.)]\s|[A-Z])"  # new line opening a list item or capitalised line
    r"|(?<=\s)(?=\d{1,2}\)\s)"               # inline list marker "2) "
)
# generic headings: an ALL-CAPS phrase, or a capitalised phrase at the start of a line, then a colon
_GENERIC_HEADING = re.compile(
    _LINE_START + r"([A-Z][A-Z0-9/&(),' -]{1,60}?)[ \t]*:(?!\d)"
    r"|(?:^|(?<=\n))[ \t]*([A-Z][A-Za-z/&' -]{1,40}?)[ \t]*:(?!\d)", re.MULTILINE)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)\.$")


@dataclass(frozen=True)
class Section:
    start: int  # first character after the heading
    end: int
    heading: str
    sets: Mapping[str, str]
    heading_start: int = -1  # first character of the heading text


@dataclass(frozen=True)
class Segments:
    sentence_starts: list[int]
    sections: list[Section]
    section_starts: list[int]
    length: int

    def sentence_of(self, pos: int) -> tuple[int, int]:
        i = bisect_right(self.sentence_starts, pos) - 1
        end = self.sentence_starts[i + 1] if i + 1 < len(self.sentence_starts) else self.length
        return self.sentence_starts[i], end

    def section_of(self, pos: int, end: int | None = None) -> Section | None:
        """The section holding ``pos``; a span ``pos..end`` that is just the heading's words belongs to it too."""
        i = bisect_right(self.section_starts, pos) - 1
        if i >= 0 and self.sections[i].start <= pos < self.sections[i].end:
            return self.sections[i]
        if end is not None and i + 1 < len(self.sections):
            nxt = self.sections[i + 1]
            if nxt.heading_start <= pos and end <= nxt.start and self._only_heading(nxt, pos, end):
                return nxt
        return None

    @staticmethod
    def _only_heading(section: Section, pos: int, end: int) -> bool:
        return end - pos <= len(section.heading) + 2


class Segmenter:
    def __init__(self, sections: Sequence[SectionRule], abbreviations: Sequence[str]):
        self._sets: dict[str, Mapping[str, str]] = {}
        for rule in sections:
            for heading in rule.headings:
                self._sets[heading] = rule.sets  # later files override earlier ones
        alternatives = sorted(self._sets, key=len, reverse=True)
        body = "|".join(r"\s+".join(map(re.escape, h.split())) for h in alternatives) or "(?!)"
        self._known = re.compile(_LINE_START + r"(" + body + r")[ \t]*:(?!\d)", re.IGNORECASE | re.MULTILINE)
        # upper case only (case-sensitive): an inline "PAST MEDICAL HISTORY:" after other words on the line
        upper = "|".join(r"\s+".join(map(re.escape, h.upper().split())) for h in alternatives) or "(?!)"
        # (not after a connector: "HOSPITAL COURSE & PLAN:" is one heading, not a "PLAN:" section)
        self._known_inline = re.compile(r"(?<![\w/&+,-])(?<![&/+,-]\s)(?<!\sAND\s)(" + upper + r")[ \t]*:(?!\d)")
        self._abbreviations = frozenset(abbreviations)

    def split(self, text: str) -> Segments:
        cuts = {0}
        for m in _SENTENCE_END.finditer(text):
            if m.group(0)[:1] == "." and self._after_abbreviation(text, m.start()):
                continue
            cuts.add(m.end())
        headings: dict[int, tuple[int, str]] = {}  # start -> (end, heading)
        for m in _GENERIC_HEADING.finditer(text):
            g = 1 if m.group(1) is not None else 2
            headings[m.start(g)] = (m.end(), " ".join(m.group(g).lower().split()))
        for regex in (self._known_inline, self._known):
            for m in regex.finditer(text):
                headings[m.start(1)] = (m.end(), " ".join(m.group(1).lower().split()))
        # a generic heading that runs into an inline known one ("SUMMARY PAST MEDICAL HISTORY:") ends there
        for start in sorted(headings):
            end, name = headings[start]
            inner = [s for s in headings if start < s < end and headings[s][0] == end]
            if inner:
                headings[start] = (min(inner), name)
        starts = sorted(headings)
        sections = []
        for i, start in enumerate(starts):
            end_heading, name = headings[start]
            cuts.add(start)
            cuts.add(end_heading)
            sets = self._sets.get(name)
            if not sets:
                continue
            stop = starts[i + 1] if i + 1 < len(starts) else len(text)
            content = len(text) - len(text[end_heading:].lstrip())  # skip blank lines right after the heading
            blank = _BLANK_LINE.search(text, content, stop)
            sections.append(Section(end_heading, blank.start() if blank else stop, name, sets, start))
        cuts.discard(len(text))
        return Segments(sorted(cuts), sections, [s.start for s in sections], len(text))

    def _after_abbreviation(self, text: str, dot: int) -> bool:
        m = _WORD_BEFORE.search(text, max(0, dot - 12), dot + 1)
        return bool(m) and m.group(1).lower() in self._abbreviations
