"""A note four times longer costs about four times the work, not sixteen (issue 24, item 18).

Work is counted, never timed: the characters copied by slicing the note (a quadratic step copied
the text before each bracket) and the Python lines run by the segmenter (a quadratic step compared
every heading with every other). The time ratios are measured by benchmarks/bench_long_note.py.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples" / "notes.jsonl"


def _text(chars: int) -> str:
    base = "\n\n".join(json.loads(line)["text"] for line in EXAMPLES.open(encoding="utf-8"))
    base += "\nGORD (gastro-oesophageal reflux disease) and COPD (chronic obstructive pulmonary disease).\n"
    return (base * (chars // len(base) + 1))[:chars]


class _CountingText(str):
    """A note that counts the characters its slices copy."""

    copied = 0

    def __getitem__(self, key):
        part = str.__getitem__(self, key)
        if isinstance(key, slice):
            _CountingText.copied += len(part)
        return part


def _copied(chars: int) -> int:
    from coding_toolkit.concepts.abbreviations import find_definitions

    _CountingText.copied = 0
    found = find_definitions(_CountingText(_text(chars)))
    assert found, "the text defines abbreviations"
    return _CountingText.copied


def test_finding_abbreviation_definitions_is_linear_in_the_note():
    small, large = _copied(50_000), _copied(200_000)
    assert large <= 5 * small, f"4x the text copied {large / small:.1f}x the characters"


def _lines_run(segmenter, chars: int) -> int:
    text = _text(chars)
    count = 0

    def trace(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return trace

    sys.settrace(trace)
    try:
        segmenter.split(text)
    finally:
        sys.settrace(None)
    return count


def test_segmenting_is_linear_in_the_note():
    from coding_toolkit.context.classifier import ContextClassifier

    segmenter = ContextClassifier()._segmenter
    small, large = _lines_run(segmenter, 50_000), _lines_run(segmenter, 200_000)
    assert large <= 5 * small, f"4x the text ran {large / small:.1f}x the lines"
