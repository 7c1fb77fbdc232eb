"""Where a position of a note sits: its line, and the heading of the section that line is under.

The coding rules that read the note itself (medication and allergy lists, sides of an operation,
heading lines) need only lines and ``Heading:`` labels: a line that opens with a capitalised label and
a colon (``Medications: ...``, ``PMH:``) starts a section that runs to the next such line or the first
blank line. The context stage's segmenter is richer; the suggestion stage depends on records only.
"""
from __future__ import annotations

import re

_LABEL = re.compile(r"[ \t]*([A-Za-z][A-Za-z0-9/&'(), -]{0,50}?)[ \t]*:(?!\d)")


def line_bounds(text: str, pos: int) -> tuple[int, int]:
    """(start, end) of the line holding ``pos`` (end excludes the new line)."""
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, len(text) if end < 0 else end


_SENTENCE_END = re.compile(r"[.!?][\"')\]]*\s+")


def sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    """(start, end) of the sentence holding ``pos`` within its line: a line may be a whole paragraph."""
    start, end = line_bounds(text, pos)
    before = [m.end() for m in _SENTENCE_END.finditer(text, start, pos)]
    after = _SENTENCE_END.search(text, pos, end)
    return (before[-1] if before else start), (after.start() if after else end)


def label_of_line(text: str, start: int, end: int) -> tuple[str, int] | None:
    """(heading lower case with single spaces, position after its colon) when the line opens with a label."""
    match = _LABEL.match(text, start, end)
    if match is None:
        return None
    return " ".join(match.group(1).lower().split()), match.end()


def heading_at(text: str, pos: int) -> str | None:
    """The label heading the section that holds ``pos`` (its own line's, when ``pos`` is after the colon),
    looking back to the first blank line; None when there is none."""
    start, end = line_bounds(text, pos)
    while True:
        label = label_of_line(text, start, end)
        if label is not None and (label[1] <= pos or end < pos):
            return label[0]
        if start == 0:
            return None
        prev_end = start - 1
        prev_start = text.rfind("\n", 0, prev_end) + 1
        if not text[prev_start:prev_end].strip():
            return None
        start, end = prev_start, prev_end


def first_part(heading: str) -> str | None:
    """The first of a heading's parts joined by "/" ("diagnosis" of "diagnosis/plan"), which names what the
    section mainly holds; None for a heading without "/"."""
    if "/" not in heading:
        return None
    return " ".join(heading.split("/", 1)[0].split()) or None
