"""Laterality and modifiers inside a name: "fractured left neck of femur" links *Fracture of neck of
femur*, with "left" kept on the mention (``Mention.qualifiers``).

For each listed word (``refine_rules.json: inside_names``) that no concept mention covers, the
linker runs once more on a short window of its line with the word blanked out (same offsets); a
mention found there that spans the word, with name text on both sides of it, replaces the mentions
it overlaps. Only notes with such a free word pay for the extra (short) linking call.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from coding_toolkit.records import Mention

_WORD = re.compile(r"\w+")
MAX_NAME_WORDS = 6


def _named_across(text: str, ws: int, we: int, a: int, b: int, named, paired=None) -> list[Mention]:
    """The longest run of words around the blank [a, b) that is exactly one concept's name.

    ``paired(w1, w2)``: whether two words stand side by side in some name; a run is only looked up
    within the chain of such pairs around the blank."""
    words = [(m.start() + ws, m.end() + ws, m.group(0).lower()) for m in _WORD.finditer(text[ws:we])]
    left = [w for w in words if w[1] <= a][-MAX_NAME_WORDS:]
    right = [w for w in words if w[0] >= b][:MAX_NAME_WORDS]
    if paired is not None:
        i = len(left) - 1
        while i > 0 and paired(left[i - 1][2], left[i][2]):
            i -= 1
        j = 1
        while j < len(right) and paired(right[j - 1][2], right[j][2]):
            j += 1
        left, right = left[i:], right[:j]
    for size in range(min(MAX_NAME_WORDS, len(left) + len(right)), 1, -1):
        for k in range(max(1, size - len(right)), min(len(left), size - 1) + 1):
            run = left[len(left) - k:] + right[:size - k]
            concepts = named([w[2] for w in run])
            if len(concepts) == 1:
                sctid, name, types = concepts[0]
                start, end = run[0][0], run[-1][1]
                return [Mention(start - ws, end - ws, text[start:end], sctid, name, 1.0, types)]
    return []


def _has_pair(pairs: np.ndarray, first: str, second: str) -> bool:
    key = hash(f"{first} {second}")
    i = int(pairs.searchsorted(key))
    return i < len(pairs) and pairs[i] == key


def word_pattern(words: Sequence[str]) -> tuple[str, ...]:
    """The words, lower case, longest first ("minimally displaced" before "displaced")."""
    return tuple(sorted({" ".join(w.lower().split()) for w in words}, key=len, reverse=True))


def _occurrences(text: str, words: tuple[str, ...]) -> list[tuple[int, int]]:
    """Spans of the words as whole words (str.find per word: one alternation regex over a long note
    costs ~1 ms), in text order, a longer word winning over one inside it."""
    lower = text.lower()
    found: list[tuple[int, int]] = []
    for word in words:
        i = lower.find(word)
        while i >= 0:
            j = i + len(word)
            if (i == 0 or not _in_word(lower[i - 1])) and (j == len(lower) or not _in_word(lower[j])) and \
                    not any(a <= i < b for a, b in found):
                found.append((i, j))
            i = lower.find(word, j)
    return sorted(found)


def _in_word(ch: str) -> bool:
    return ch.isalnum() or ch in "_-"


def _word_before(text: str, a: int) -> str | None:
    """The word ending just before position ``a`` (spaces between; none across a line end)."""
    i = a
    while i > 0 and text[i - 1] in " \t":
        i -= 1
    j = i
    while j > 0 and (text[j - 1].isalnum() or text[j - 1] == "_"):
        j -= 1
    return text[j:i].lower() if j < i else None


_AFTER = re.compile(r"[ \t]*(\w+)")


def _word_after(text: str, b: int) -> str | None:
    m = _AFTER.match(text, b)
    return m.group(1).lower() if m else None


def link_inside_names(text: str, mentions: list[Mention], annotate: Callable[[str], list[Mention]],
                      words: tuple[str, ...], window: int, is_attribute: Callable[[Mention], bool],
                      pairs: np.ndarray | None = None,
                      named: Callable[[list[str]], list[tuple[str, str, tuple[str, ...]]]] | None = None
                      ) -> list[Mention]:
    """``pairs``: sorted hashes of the word pairs in the pack's names (``Pack.name_word_pairs``): only
    where the words either side of the blank are such a pair is a name looked for. ``named``: words ->
    the concepts with exactly that name, as (sctid, preferred name, type ids) (a dictionary look-up
    of the pack's names); without it, the linker runs again on the window with the word blanked."""
    out = list(mentions)
    covered = [(x.start, x.end) for x in out if not is_attribute(x)]  # sorted by start, not overlapping
    starts = [c[0] for c in covered]
    for a, b in _occurrences(text, words):
        i = bisect.bisect_right(starts, a) - 1
        if i >= 0 and covered[i][1] >= b:
            continue  # already inside a linked name ("left ventricular failure")
        prev, nxt = _word_before(text, a), _word_after(text, b)
        if prev is None or nxt is None:
            continue  # a name must go on past the word on both sides, on the same line
        if pairs is not None and not _has_pair(pairs, prev, nxt):
            continue  # no name has these two words side by side
        line_start = text.rfind("\n", 0, a) + 1
        line_end = text.find("\n", b)
        line_end = len(text) if line_end < 0 else line_end
        ws, we = max(line_start, a - window), min(line_end, b + window)
        before, after = text[ws:a], text[b:we]
        if named is not None:
            found = [f for f in _named_across(text, ws, we, a, b, named, None if pairs is None else
                                              (lambda w1, w2: _has_pair(pairs, w1, w2))) if not is_attribute(f)]
        else:
            found = [f for f in annotate(before + " " * (b - a) + after)
                     if f.start + ws < a and f.end + ws > b and not is_attribute(f)]
        if not found:
            continue
        f = max(found, key=lambda f: f.end - f.start)
        start, end = f.start + ws, f.end + ws
        new = replace(f, start=start, end=end, text=text[start:end],
                      qualifiers=(*f.qualifiers, " ".join(text[a:b].lower().split())))
        out = [x for x in out if x.end <= start or x.start >= end]
        out.append(new)
        out.sort(key=lambda x: (x.start, x.end))
        covered = [(x.start, x.end) for x in out if not is_attribute(x)]
        starts = [c[0] for c in covered]
    return out
