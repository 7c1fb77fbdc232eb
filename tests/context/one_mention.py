"""Label one mention of a test sentence (the helper the cue-family tests share)."""
from __future__ import annotations


def label(clf, text: str, target: str):
    """The ContextLabels of the first occurrence of ``target`` in ``text``."""
    start = text.index(target)
    return clf.classify(text, [(start, start + len(target))])[0]


def temporality(clf, text: str, target: str) -> str:
    return label(clf, text, target).temporality
