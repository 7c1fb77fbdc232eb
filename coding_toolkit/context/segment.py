"""Split a note into sentences and sections once, so every mention is looked up by bisection.

Sentence ends: ``.``/``!``/``?`` followed by white space (not after a listed abbreviation), blank
lines, a new line that starts a list item or a capitalised line, inline list markers (``2)``), and
section headings. Sections: a heading (``Past medical history:``, or a known heading alone on its
line without a colon) opens a section that lasts until the next heading or the first blank line
after its content (a list whose items are set apart by blank lines, ``1. MI`` / blank /
``2. COPD``, lasts while the line after a blank line is another item); an inline label (content on the
heading's own line: ``PMH: asthma``, ``Hx: MI``) ends earlier, at a new line opening with a capital
letter (a list below it, ``- COPD``, or a wrapped lower-case line continues it). A known heading written in upper case
(``... DISCHARGE SUMMARY PAST MEDICAL HISTORY: ...``) opens a section even in the middle of a line:
de-identified and flattened records put whole notes on one line. A mention that *is* the heading
(``ALLERGIES: none``) belongs to its section too. Every heading opens a section (``Segments.headed``),
whether or not its rule sets a task: ``under`` gives the heading a mention is stated under
(``Discharge diagnosis:``; ``phrase`` the whole heading as written), ``section_of`` the section that
sets its labels.

A heading made of headings joined by "/" (``PAST MEDICAL HISTORY/SURGERIES/HOSPITALIZATIONS:``,
``Impression/Plan:``, ``Past medical/surgical history:``) that is not itself listed takes the meaning of
its parts (``compound_sets``) when every part is a known heading: a task's value stands when every part
gives it, a part that sets nothing counting as "this episode" (so ``PMH/PSH`` is history, ``HPI/PMH`` sets
nothing); with a part that is no known heading (``PLAN/FOLLOW-UP``) it sets nothing. One exception:
``Plan`` joined to diagnostic statements only (``joins_plan`` in the rules: ``Impression/Plan``,
``Diagnosis/Plan``) is still a plan, because a plan section's value suppresses only procedures (policy
``section_procedures_only``): the diagnoses stated stay coded, the procedures are to be done. Joined to a
narrative of this stay (``Hospital course/Plan``) it sets nothing: the course tells the operations done.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from coding_toolkit.context.rules import SectionRule

# A heading starts a line: at the note's start, or after a new line, two white spaces or ". "/"; "
# (then optional blanks). Speed: a regex that opens with look-behinds is tried at every character,
# so the heading regexes consume the white space before the heading instead (look-behinds are then
# checked only after white space); a heading at the very start of the note is matched apart.
_AFTER_SPACE = r"\s(?:(?<=\n)|(?<=\s\s)|(?<=[.;]\s))[ \t]*"
_SENTENCE_END = re.compile(
    r"[.!?]+[\"')\]]*[ \t]+(?=\S)"          # end punctuation then white space
    r"|\n[ \t]*\n\s*"                        # blank line
    r"|\n[ \t]*(?=[-*\u2022\u00b7>]|\d{1,2}[.)]\s|[A-Z])"  # new line opening a list item or capitalised line
)
# inline list marker "2) " after white space: found from its ")" (a literal start is searched fast)
_LIST_MARKER = re.compile(r"\)\s")
_MARKER_DIGITS = re.compile(r"(?<=\s)\d{1,2}")
# generic headings: an ALL-CAPS phrase, or a capitalised phrase at the start of a line, then a colon
_CAPS_HEADING = r"([A-Z][A-Z0-9/&(),' -]{1,60}?)[ \t]*:(?!\d)"
_LINE_HEADING = r"([A-Z][A-Za-z/&' -]{1,40}?)[ \t]*:(?!\d)"
_GENERIC_HEADING = re.compile(_AFTER_SPACE + _CAPS_HEADING + r"|\n[ \t]*" + _LINE_HEADING)
_GENERIC_HEADING_AT_START = re.compile(r"[ \t]*(?:" + _CAPS_HEADING + "|" + _LINE_HEADING + ")")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
# an inline label ("PMH: asthma") ends at a new line that opens with a capital (new prose or heading)
_CAPITALISED_LINE = re.compile(r"\n[ \t]*(?=[A-Z])")
_SPACES = re.compile(r"\s*")
# a list item's opening: "- ", "* ", "\u2022 ", "1. ", "2) "
_LIST_ITEM = re.compile(r"(?:[-*\u2022\u00b7]|\d{1,2}[.)])[ \t]")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)\.$")


_NO_SETS: Mapping[str, str] = {}
# the value a plan heading gives, kept when joined to diagnostic statements only ("Impression/Plan": a plan,
# whose section value filters only procedures, so the impression's diagnoses stay coded)
_PLAN = ("temporality", "Hypothetical")


def compound_sets(name: str, known: Mapping[str, Mapping[str, str]],
                  joins_plan: frozenset[str] = frozenset()) -> Mapping[str, str] | None:
    """What the heading ``name`` (lower case) sets: its own rule, else its "/"-joined parts' (module
    doc); None when it is not known and not made only of known headings. A part missing its last word ("past
    medical" of "past medical/surgical history") is read with the final part's last word."""
    if name in known:
        return known[name]
    if "/" not in name:
        return None
    parts = [" ".join(p.split()) for p in name.split("/")]
    shared = parts[-1].rsplit(" ", 1)[-1] if " " in parts[-1] else ""
    found = []
    for part in parts:
        heading = part if part in known else f"{part} {shared}"
        if heading not in known:  # a part we do not know ("PLAN/FOLLOW-UP"): the whole is not read from its parts
            return None
        found.append((heading, known[heading]))
    out: dict[str, str] = {}
    for task in sorted({t for _, sets in found for t in sets}):
        given = {sets.get(task) for _, sets in found}
        value = next(v for v in given if v is not None)
        if len(given) == 1 or (given == {None, value} and (task, value) == _PLAN
                               and all(h in joins_plan for h, sets in found if task not in sets)):
            out[task] = value
    return out


@dataclass(frozen=True)
class Section:
    start: int  # first character after the heading
    end: int
    heading: str
    sets: Mapping[str, str]  # task -> value the section gives its mentions; empty for most headings
    heading_start: int = -1  # first character of the heading text
    # the whole heading as written when a longer generic one ran into it ("suspected diagnosis" for
    # "SUSPECTED DIAGNOSIS:", whose section is "diagnosis"); else the heading
    phrase: str = ""


@dataclass(frozen=True)
class Segments:
    sentence_starts: list[int]
    headed: list[Section]  # every heading's section, in order; ``sets`` empty for most
    headed_starts: list[int]
    length: int

    @property
    def sections(self) -> list[Section]:
        """The sections that set a task (``Past medical history:``)."""
        return [s for s in self.headed if s.sets]

    def sentence_of(self, pos: int) -> tuple[int, int]:
        i = bisect_right(self.sentence_starts, pos) - 1
        end = self.sentence_starts[i + 1] if i + 1 < len(self.sentence_starts) else self.length
        return self.sentence_starts[i], end

    def section_of(self, pos: int, end: int | None = None) -> Section | None:
        """The section holding ``pos`` when it sets a task (``under``'s, else None)."""
        section = self.under(pos, end)
        return section if section is not None and section.sets else None

    def under(self, pos: int, end: int | None = None) -> Section | None:
        """The section of whichever heading holds ``pos``; a span ``pos..end`` that is just the heading's
        words belongs to it too. Sections do not overlap: each ends by the next heading."""
        i = bisect_right(self.headed_starts, pos) - 1
        if i >= 0 and self.headed[i].start <= pos < self.headed[i].end:
            return self.headed[i]
        if end is not None and i + 1 < len(self.headed):
            nxt = self.headed[i + 1]
            if nxt.heading_start <= pos and end <= nxt.start and self._only_heading(nxt, pos, end):
                return nxt
        return None

    @staticmethod
    def _only_heading(section: Section, pos: int, end: int) -> bool:
        return end - pos <= len(section.heading) + 2


class Segmenter:
    def __init__(self, sections: Sequence[SectionRule], abbreviations: Sequence[str]):
        self._sets: dict[str, Mapping[str, str]] = {}
        joins_plan: set[str] = set()
        for rule in sections:
            for heading in rule.headings:
                self._sets[heading] = rule.sets  # later files override earlier ones
                if rule.joins_plan:
                    joins_plan.add(heading)
                else:
                    joins_plan.discard(heading)
        self._joins_plan = frozenset(joins_plan)
        body = _phrase_trie(self._sets) or "(?!)"
        self._known_at_start = re.compile(r"[ \t]*(" + body + r")[ \t]*:(?!\d)", re.IGNORECASE)
        self._known = re.compile(_AFTER_SPACE + r"(" + body + r")[ \t]*:(?!\d)", re.IGNORECASE)
        # a known heading alone on its line, without a colon ("Past Medical History" then the list below)
        self._known_line_at_start = re.compile(r"[ \t]*(" + body + r")[ \t]*(?=\r?\n)", re.IGNORECASE)
        self._known_line = re.compile(r"\n[ \t]*(" + body + r")[ \t]*(?=\r?\n)", re.IGNORECASE)
        # upper case only (case-sensitive): an inline "PAST MEDICAL HISTORY:" after other words on the line
        # (not after a connector: "HOSPITAL COURSE & PLAN:" is one heading, not a "PLAN:" section)
        # (the look-ahead for a heading's first letter comes first: it fails fast at most characters)
        upper = [h.upper() for h in self._sets]
        first = "[" + "".join(sorted({re.escape(h[0]) for h in upper})) + "]" if upper else "(?!)"
        self._known_inline = re.compile(
            rf"(?={first})(?<![\w/&+,-])(?<![&/+,-]\s)(?<!\sAND\s)(" + (_phrase_trie(upper) or "(?!)")
            + r")[ \t]*:(?!\d)")
        self._abbreviations = frozenset(abbreviations)
        self._compound: dict[str, Mapping[str, str]] = {}

    def split(self, text: str) -> Segments:
        cuts = {0}
        for m in _SENTENCE_END.finditer(text):
            if m.group(0)[:1] == "." and self._after_abbreviation(text, m.start()):
                continue
            cuts.add(m.end())
        for m in _LIST_MARKER.finditer(text):
            for width in (1, 2):  # "2) " or "12) "
                if width < m.start() and _MARKER_DIGITS.fullmatch(text, m.start() - width, m.start()):
                    cuts.add(m.start() - width)
        headings: dict[int, tuple[int, str]] = {}  # start -> (end, heading)
        for m in _scan(_GENERIC_HEADING_AT_START, _GENERIC_HEADING, text):
            g = m.lastindex  # the ALL-CAPS or the line-start alternative
            headings[m.start(g)] = (m.end(), " ".join(m.group(g).lower().split()))
        for m in [*self._known_inline.finditer(text), *_scan(self._known_at_start, self._known, text),
                  *_scan(self._known_line_at_start, self._known_line, text)]:
            headings[m.start(1)] = (m.end(), " ".join(m.group(1).lower().split()))
        # a generic heading that runs into an inline known one ("SUMMARY PAST MEDICAL HISTORY:") ends there
        phrases: dict[int, str] = {}  # the known heading's start -> the whole phrase
        ordered = sorted(headings)
        for at, start in enumerate(ordered):
            end, name = headings[start]
            # only the headings that start inside this one (bisect: a long note has thousands of headings)
            inner = [s for s in ordered[at + 1:bisect_left(ordered, end, at + 1)] if headings[s][0] == end]
            if inner:
                headings[start] = (min(inner), name)
                phrases.setdefault(min(inner), name)
        starts = sorted(headings)
        sections = []
        for i, start in enumerate(starts):
            end_heading, name = headings[start]
            cuts.add(start)
            cuts.add(end_heading)
            stop = starts[i + 1] if i + 1 < len(starts) else len(text)
            content = _SPACES.match(text, end_heading).end()  # skip blank lines right after the heading
            blank = _BLANK_LINE.search(text, content, stop)
            # a list whose items are set apart by blank lines goes on while the next line is an item too
            if blank and _LIST_ITEM.match(text, content):
                while blank:
                    item = _SPACES.match(text, blank.end()).end()
                    if item >= stop or not _LIST_ITEM.match(text, item):
                        break
                    blank = _BLANK_LINE.search(text, item, stop)
            end = blank.start() if blank else stop
            if "\n" not in text[end_heading:content]:  # an inline label: content on the heading's line
                line = _CAPITALISED_LINE.search(text, content, end)
                end = line.start() if line else end
            sections.append(Section(end_heading, end, name, self._sets_of(name), start,
                                    phrases.get(start, name)))
        cuts.discard(len(text))
        return Segments(sorted(cuts), sections, [s.start for s in sections], len(text))

    def _sets_of(self, name: str) -> Mapping[str, str]:
        if "/" not in name:
            return self._sets.get(name) or _NO_SETS
        if name not in self._compound:  # notes repeat their headings: each is worked out once
            if len(self._compound) >= 4096:  # bounded over a long run
                self._compound.clear()
            self._compound[name] = compound_sets(name, self._sets, self._joins_plan) or _NO_SETS
        return self._compound[name]

    def _after_abbreviation(self, text: str, dot: int) -> bool:
        m = _WORD_BEFORE.search(text, max(0, dot - 12), dot + 1)
        return bool(m) and m.group(1).lower() in self._abbreviations


def _scan(at_start: re.Pattern, after_space: re.Pattern, text: str) -> list[re.Match]:
    """The matches of a heading regex: ``at_start`` at position 0, then ``after_space`` (which opens
    with white space: ``_AFTER_SPACE`` or a new line) after it; the match found at 0 ends on ":" or
    before its line's end, so it cannot hide a later one."""
    first = at_start.match(text)
    return [first, *after_space.finditer(text, first.end())] if first else list(after_space.finditer(text))


def _phrase_trie(phrases) -> str:
    """Alternation of phrases as a character trie (fast); longer phrases are tried first, as in a
    longest-first alternation; a space matches any white space."""
    trie: dict = {}
    for phrase in phrases:
        node = trie
        for ch in " ".join(phrase.split()):
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [(r"\s+" if ch == " " else re.escape(ch)) + emit(child) for ch, child in sorted(node.items()) if ch]
        if "" in node:
            branches.append("")
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return emit(trie) if trie else ""
