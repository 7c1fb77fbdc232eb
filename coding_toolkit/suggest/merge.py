"""Mentions -> one suggestion per code: the map default of every classifiable group of every kept mention.

The map engine has already marked each MapRow's ``default`` (block 1, highest priority in each
group: see ``mapping.engine.default_priority``). A code supported by several mentions (or several
concepts) appears once, with all of them as evidence. Alternatives are the other rows of the same
concept and system: the context-specific priorities of the same group and the other blocks, in map
order. ``merge_suggestions`` joins suggestions of the same code (an episode's notes, a rule that
chose a code another concept already gave).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from coding_toolkit.records import Alternative, AnnotatedMention, CodeSuggestion, MapRow


def evolve(record, **changes):
    """``dataclasses.replace`` for the flat frozen records (no ``__post_init__``), several times faster:
    the suggestion rules copy each suggestion a few times per note, on every run's hot path."""
    new = object.__new__(type(record))
    new.__dict__.update(record.__dict__)
    new.__dict__.update(changes)
    return new


def alternative(row: MapRow, reason: str | None = None) -> Alternative:
    return Alternative(code=row.target, display=row.display, title=row.title, block=row.block, group=row.group,
                       priority=row.priority, advice=row.advice, classifiable=row.classifiable, sctid=row.sctid,
                       reason=reason)


def _alt_key(a: Alternative) -> tuple:
    return (a.sctid, a.block, a.group, a.priority, a.code, a.reason)


def merge_mentions(mentions: Sequence[AnnotatedMention]) -> list[CodeSuggestion]:
    """One suggestion per (system, default code) over the kept mentions, in order of first mention."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for index, annotated in enumerate(mentions):
        if annotated.decision.status != "kept":
            continue
        for row in annotated.codes:
            if not (row.default and row.classifiable):
                continue
            key = (row.system, row.target)
            entry = merged.get(key)
            if entry is None:
                entry = merged[key] = {
                    "row": row, "sctids": [], "evidence": [], "alternatives": [], "seen_alt": set(),
                    "confidence": 0.0}
            if row.sctid not in entry["sctids"]:
                entry["sctids"].append(row.sctid)
                for alt in annotated.codes:
                    alt_key = (alt.sctid, alt.block, alt.group, alt.priority, alt.system)
                    if alt.system == row.system and alt is not row and not (
                            alt.block == row.block and alt.group != row.group) and not alt.default \
                            and alt_key not in entry["seen_alt"]:
                        entry["seen_alt"].add(alt_key)
                        entry["alternatives"].append(alternative(alt))
            entry["evidence"].append(index)
            entry["confidence"] = max(entry["confidence"], annotated.mention.confidence)
    return [
        CodeSuggestion(
            system=e["row"].system, code=e["row"].target, display=e["row"].display,
            title=e["row"].title, sctids=tuple(e["sctids"]), evidence=tuple(e["evidence"]),
            advice=e["row"].advice, alternatives=tuple(e["alternatives"]),
            confidence=round(e["confidence"], 4), kind=e["row"].kind)
        for e in merged.values()]


def earliest_statement(*suggestions: CodeSuggestion) -> dict[str, Any]:
    """``stated_under`` and ``rank`` of the one of ``suggestions`` stated earliest under a main-diagnosis
    heading (the first of them on a tie), for ``evolve``; {} when none is stated."""
    stated = [x for x in suggestions if x.stated_under]
    if not stated:
        return {}
    first = min(stated, key=lambda x: x.rank)
    return {"stated_under": first.stated_under, "rank": first.rank}


def merge_suggestions(suggestions: Iterable[CodeSuggestion]) -> list[CodeSuggestion]:
    """One suggestion per (system, code): concepts and alternatives joined, evidence added up, best
    confidence kept; the first one's code fields (and rule notes) win. Order of first appearance."""
    merged: dict[tuple[str, str], CodeSuggestion] = {}
    for s in suggestions:
        key = (s.system, s.code)
        old = merged.get(key)
        if old is None:
            merged[key] = s
            continue
        seen = {_alt_key(a) for a in old.alternatives}
        merged[key] = evolve(
            old,
            sctids=tuple(dict.fromkeys(old.sctids + s.sctids)),
            evidence=old.evidence + s.evidence,
            alternatives=old.alternatives + tuple(a for a in s.alternatives if _alt_key(a) not in seen),
            confidence=max(old.confidence, s.confidence),
            title=old.title or s.title,
            display=old.display or s.display,
            advice=old.advice or s.advice,
            kind=old.kind or s.kind,
            chosen_because=old.chosen_because or s.chosen_because,
            # stated under a main-diagnosis heading in either: the earlier stated order (an episode: note ranks)
            **earliest_statement(old, s),
        )
    return list(merged.values())
