"""Abbreviations defined in a note, found in the manner of Schwartz & Hearst (2003).

"familial adenomatous polyposis (FAP)" defines FAP for the rest of the note; so does the reverse,
"FAP (familial adenomatous polyposis)". Later uses of the short form are linked as the long form
(``Rewrite``: the text MedCAT sees has each later short form replaced by its long form, and the
linked spans are mapped back onto the short form). A short form used before its definition is left
as it is.

Why not the PyPI package ``abbreviations`` (0.2.5, the other Python Schwartz-Hearst): it returns a
dict without the offsets of the later uses or of the long form, calls ``logging.basicConfig`` at
import (it re-configures the host's logging), logs sentence text at debug level (patient text in
logs), drops a whole line (a whole note here) when one parenthesis is unbalanced, counts ``;`` and
``:`` as closing brackets (so nested parentheses go wrong), and has had no release since 2019.

Pure Python, no MedCAT: the algorithm is small and each step below is tested.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

__all__ = ["Abbreviation", "find_definitions", "Rewrite", "rewrite"]

_WORD = re.compile(r"[^\s]+")
_SENTENCE_END = re.compile(r"[.!?]\s+(?=[A-Z])|[;\n]")
MAX_SHORT_CHARS = 10


@dataclass(frozen=True)
class Abbreviation:
    """One definition: ``long`` at [long_start, long_end), ``short`` at [short_start, short_end)."""

    short: str
    long: str
    short_start: int
    short_end: int
    long_start: int
    long_end: int
    # the parenthesised part, brackets included: "(FAP)" or "(familial adenomatous polyposis)"
    paren_start: int
    paren_end: int
    reverse: bool = False  # "FAP (familial adenomatous polyposis)"

    @property
    def end(self) -> int:
        """Where the definition ends: uses of the short form after this are linked."""
        return max(self.paren_end, self.long_end, self.short_end)


def _is_short_form(candidate: str) -> bool:
    """S&H's conditions plus one for clinical text: a capital letter ("(see below)" is no abbreviation)."""
    if not 2 <= len(candidate) <= MAX_SHORT_CHARS or len(candidate.split()) > 2:
        return False
    if not candidate[0].isalnum() or not any(c.isalpha() for c in candidate):
        return False
    return any(c.isupper() for c in candidate)


def best_long_form(short: str, long: str) -> str | None:
    """Schwartz & Hearst's match: every letter/digit of ``short``, right to left, found in ``long``,
    the first one at the start of a word; returns the shortest such suffix of ``long`` (or None)."""
    s, l_index = len(short) - 1, len(long) - 1
    while s >= 0:
        c = short[s].lower()
        if not c.isalnum():
            s -= 1
            continue
        while l_index >= 0 and (long[l_index].lower() != c
                                or (s == 0 and l_index > 0 and long[l_index - 1].isalnum())):
            l_index -= 1
        if l_index < 0:
            return None
        if s == 0:
            return long[l_index:]
        l_index -= 1
        s -= 1
    return None


_BRACKET = re.compile(r"[()\n]")
MAX_BRACKET_CHARS = 400  # a "definition" longer than this is no definition
LOOK_BACK_CHARS = 300  # long forms are at most 20 words


def _matching_close(text: str, open_at: int) -> int:
    """Index of the ')' closing the '(' at ``open_at`` (nesting counted), or -1."""
    depth = 0
    for m in _BRACKET.finditer(text, open_at, min(len(text), open_at + MAX_BRACKET_CHARS)):
        c = m.group()
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return m.start()
        else:
            return -1
    return -1


def _window_start(text: str, end: int, max_words: int) -> int:
    """Start of the ``max_words`` words before ``end``, not crossing a sentence end or a bracket."""
    low = max(0, end - LOOK_BACK_CHARS)
    floor = max(text.rfind("(", low, end), text.rfind(")", low, end), low - 1) + 1
    for m in _SENTENCE_END.finditer(text, floor, end):
        floor = m.end()
    words = [m.start() for m in _WORD.finditer(text, floor, end)]
    return words[-max_words] if len(words) >= max_words else floor


def _accept(short: str, long: str) -> bool:
    n = len(short)
    return (len(long) > n and len(long.split()) <= min(n + 5, n * 2)
            and short.lower() not in long.lower().split() and long.count("(") == long.count(")"))


def find_definitions(text: str) -> list[Abbreviation]:
    """Every abbreviation defined in ``text``, in text order."""
    if "(" not in text:
        return []
    found = []
    for m in re.finditer(r"(?<=\s)\(", text):
        open_at = m.start()
        close = _matching_close(text, open_at)
        if close < 0:
            continue
        inner_start = open_at + 1
        inner = text[inner_start:close]
        # "(FAP; OMIM 175100)", "(HD, refs)", "(FAP (ref))": the short form comes first
        cut = re.search(r"[;,(]", inner)
        if cut:
            inner = inner[:cut.start()]
        stripped = inner.strip()
        if not stripped:
            continue
        s_start = inner_start + (len(inner) - len(inner.lstrip()))
        # looked for backwards from the bracket, never over the text before it (a long note has
        # thousands of brackets: copying or searching its whole prefix for each was quadratic)
        before_end = open_at
        while before_end > 0 and text[before_end - 1].isspace():
            before_end -= 1
        if _is_short_form(stripped):
            n = len(stripped)
            win = _window_start(text, before_end, min(n + 5, n * 2))
            long = best_long_form(stripped, text[win:before_end])
            if long and _accept(stripped, long):
                found.append(Abbreviation(stripped, long, s_start, s_start + len(stripped),
                                          before_end - len(long), before_end, open_at, close + 1))
            continue
        # the reverse: "FAP (familial adenomatous polyposis)": the word before the bracket
        word_start = before_end
        while word_start > 0 and not text[word_start - 1].isspace():
            word_start -= 1
            if before_end - word_start > MAX_SHORT_CHARS:  # longer than any short form: no need for its start
                break
        short = text[word_start:before_end] if before_end - word_start <= MAX_SHORT_CHARS else ""
        if short and not cut and _is_short_form(short):
            long = best_long_form(short, stripped)
            if long == stripped and _accept(short, long):
                found.append(Abbreviation(short, long, word_start, before_end, s_start,
                                          s_start + len(long), open_at, close + 1, reverse=True))
    return found


@dataclass(frozen=True)
class _Segment:
    new_start: int
    new_end: int
    orig_start: int
    orig_end: int


@dataclass(frozen=True)
class Rewrite:
    """The text MedCAT links (later short forms replaced by long forms) and the way back."""

    text: str
    segments: tuple[_Segment, ...]  # replaced parts, in order
    # short forms of the definitions themselves, with the long form they stand for
    definitions: tuple[Abbreviation, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int] | None:
        """Span in the original text of a span of ``self.text``; None for a span strictly inside a
        replacement (part of a long form does not stand for the whole short form)."""
        if not self.segments:
            return start, end
        starts = [s.new_start for s in self.segments]
        first = self._find(starts, start)
        last = self._find(starts, end - 1)
        if first is not None and first is last and (start > first.new_start or end < first.new_end):
            return None
        return self._map(starts, start, first, True), self._map(starts, end, last, False)

    def _find(self, starts, pos):
        i = bisect_right(starts, pos) - 1
        if i >= 0 and pos < self.segments[i].new_end:
            return self.segments[i]
        return None

    def _map(self, starts, pos, seg, is_start):
        if seg is not None:
            return seg.orig_start if is_start else seg.orig_end
        i = bisect_right(starts, pos - (0 if is_start else 1)) - 1
        if i < 0:
            return pos
        prev = self.segments[i]
        return prev.orig_end + (pos - prev.new_end)


def rewrite(text: str, definitions: list[Abbreviation] | None = None) -> Rewrite:
    """Replace every use of a defined short form after its definition by the long form.

    A short form defined twice takes the later meaning from its second definition on; a trailing
    plural "s" ("RCCs") is kept on the long form.
    """
    definitions = find_definitions(text) if definitions is None else definitions
    if not definitions:
        return Rewrite(text, (), ())
    by_short: dict[str, list[Abbreviation]] = {}
    for d in definitions:
        by_short.setdefault(d.short, []).append(d)
    pattern = re.compile(r"(?<![\w-])(" + "|".join(sorted(map(re.escape, by_short), key=len, reverse=True))
                         + r")(s?)(?![\w-])")
    taken = [(d.paren_start, d.end) for d in definitions]  # never rewrite inside a definition
    # the linker reads "glucose-6-phosphate dehydrogenase (G6PD) deficiency" without the bracket, so
    # the whole phrase can match a name; blanks keep every offset
    blanked = list(text)
    for d in definitions:
        if not d.reverse:
            blanked[d.paren_start:d.paren_end] = " " * (d.paren_end - d.paren_start)
    source = "".join(blanked)
    parts, segments = [], []
    pos = shift = 0
    for m in pattern.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        meaning = None
        for d in by_short[m.group(1)]:
            if d.end <= m.start():
                meaning = d  # the latest definition before this use
        if meaning is None:
            continue  # used before it is defined: left alone
        long = meaning.long + (m.group(2) if not meaning.long.endswith("s") else "")
        parts.append(source[pos:m.start()])
        new_start = m.start() + shift
        parts.append(long)
        segments.append(_Segment(new_start, new_start + len(long), m.start(), m.end()))
        shift += len(long) - (m.end() - m.start())
        pos = m.end()
    parts.append(source[pos:])
    return Rewrite("".join(parts), tuple(segments), tuple(definitions))
