"""Counts in messages: "1 note", "2 notes" (summary lines are read by people, not parsed)."""
from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun, singular for exactly 1; ``plural`` for nouns not made by adding "s"."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"
