"""Turn annotated mentions into code suggestions (one per code per note, with evidence).

Pure functions over records: no MedCAT, no database. The map engine has already marked each
MapRow's ``default`` (block 1, highest priority in each group: see ``mapping.engine.default_priority``).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from coding_toolkit.records import AnnotatedMention, CodeSuggestion, MapRow


def _alternative(row: MapRow) -> dict[str, Any]:
    return {"code": row.target, "display": row.display, "title": row.title, "block": row.block,
            "group": row.group, "priority": row.priority, "advice": row.advice,
            "classifiable": row.classifiable, "sctid": row.sctid}


def suggestions_for(mentions: Sequence[AnnotatedMention]) -> tuple[CodeSuggestion, ...]:
    """Suggest the default code of every classifiable map group of every kept mention.

    A code supported by several mentions (or several concepts) appears once, with all of them
    as evidence. Alternatives are the other rows of the same concept and system: the
    context-specific priorities of the same group and the other blocks, in map order.
    """
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
                        entry["alternatives"].append(_alternative(alt))
            entry["evidence"].append(index)
            entry["confidence"] = max(entry["confidence"], annotated.mention.confidence)
    return tuple(
        CodeSuggestion(
            system=e["row"].system, code=e["row"].target, display=e["row"].display,
            title=e["row"].title, sctids=tuple(e["sctids"]), evidence=tuple(e["evidence"]),
            advice=e["row"].advice, alternatives=tuple(e["alternatives"]),
            confidence=round(e["confidence"], 4), kind=e["row"].kind)
        for e in merged.values())
