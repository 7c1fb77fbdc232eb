"""Laterality and modifiers inside a name: "fractured left neck of femur" links *Fracture of neck of
femur*, with "left" kept on the mention (``Mention.qualifiers``).

For each listed word (``refine_rules.json: inside_names``) that no concept mention covers, the
linker runs once more on a short window of its line with the word blanked out (same offsets); a
mention found there that spans the word, with name text on both sides of it, replaces the mentions
it overlaps. Only notes with such a free word pay for the extra (short) linking call.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from coding_toolkit.records import Mention


def word_pattern(words: Sequence[str]) -> re.Pattern:
    alternatives = sorted({re.escape(w) for w in words}, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])", re.IGNORECASE)


def link_inside_names(text: str, mentions: list[Mention], annotate: Callable[[str], list[Mention]],
                      pattern: re.Pattern, window: int, is_attribute: Callable[[Mention], bool]) -> list[Mention]:
    out = list(mentions)
    for m in pattern.finditer(text):
        a, b = m.span()
        if any(x.start <= a and b <= x.end and not is_attribute(x) for x in out):
            continue  # already inside a linked name ("left ventricular failure")
        line_start = text.rfind("\n", 0, a) + 1
        line_end = text.find("\n", b)
        line_end = len(text) if line_end < 0 else line_end
        ws, we = max(line_start, a - window), min(line_end, b + window)
        before, after = text[ws:a], text[b:we]
        if not re.search(r"\w\s*$", before) or not re.match(r"\s*\w", after):
            continue  # a name must go on past the word on both sides
        found = [f for f in annotate(before + " " * (b - a) + after)
                 if f.start + ws < a and f.end + ws > b and not is_attribute(f)]
        if not found:
            continue
        f = max(found, key=lambda f: f.end - f.start)
        start, end = f.start + ws, f.end + ws
        new = replace(f, start=start, end=end, text=text[start:end],
                      qualifiers=(*f.qualifiers, " ".join(m.group(0).lower().split())))
        out = [x for x in out if x.end <= start or x.start >= end]
        out.append(new)
        out.sort(key=lambda x: (x.start, x.end))
    return out
