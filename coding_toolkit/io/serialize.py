"""NoteResult <-> JSON: the stable output contract (docs/outputs.md) every sink builds on.

``result_to_json`` is on the hot path of every run (one call per note), so it builds plain
dicts by hand instead of ``dataclasses.asdict`` (which deep-copies recursively and costs several
times more). ``result_from_json(result_to_json(r)) == r`` for every result (hypothesis-tested).

Reserved keys: inside a mention's ``meta`` the names ``negation``, ``temporality``,
``experiencer``, ``sources`` and ``triggers`` belong to the context labels (MetaCAT task values
sit beside them under their own task names); in ``provenance`` the key ``text_hash`` carries the
note's text hash.
"""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

from coding_toolkit.records import (
    Alternative,
    AnnotatedMention,
    CodeSuggestion,
    ContextLabels,
    FilterDecision,
    MapRow,
    Mention,
    NoteResult,
)

try:  # optional speed-up: about 3x faster lines; the stdlib gives the same JSON values
    import orjson as _orjson
except ImportError:  # pragma: no cover - depends on the environment
    _orjson = None

__all__ = [
    "result_to_json",
    "result_from_json",
    "dumps_result",
    "suggestion_to_json",
    "suggestion_from_json",
]

_LABEL_KEYS = ("negation", "temporality", "experiencer")
_RESERVED_META = frozenset(_LABEL_KEYS + ("sources", "triggers"))
_ALTERNATIVE_FIELDS = frozenset(f.name for f in fields(Alternative))


def _row_json(row: MapRow) -> dict[str, Any]:
    # same keys and order as MapRow.to_json() (a flat dataclass), without asdict's deep copy
    return dict(row.__dict__)


def _mention_json(am: AnnotatedMention, row=_row_json) -> dict[str, Any]:
    m, labels = am.mention, am.labels
    meta: dict[str, Any] = dict(m.meta) if m.meta else {}
    meta["negation"] = labels.negation
    meta["temporality"] = labels.temporality
    meta["experiencer"] = labels.experiencer
    meta["sources"] = dict(labels.sources)
    meta["triggers"] = dict(labels.triggers)
    out = {
        "start": m.start,
        "end": m.end,
        "text": m.text,
        "sctid": m.sctid,
        "name": m.name,
        "confidence": m.confidence,
        "type_ids": list(m.type_ids),
        "meta": meta,
        "status": am.decision.status,
        "reason": am.decision.reason,
        "codes": [row(r) for r in am.codes],
    }
    # optional keys, written only when set (refinement: docs/outputs.md)
    if m.qualifiers:
        out["qualifiers"] = list(m.qualifiers)
    if am.parts:
        out["parts"] = list(am.parts)
    return out


def suggestion_to_json(s: CodeSuggestion) -> dict[str, Any]:
    return {
        "system": s.system,
        "code": s.code,
        "display": s.display,
        "title": s.title,
        "sctids": list(s.sctids),
        "evidence": list(s.evidence),
        "advice": s.advice,
        "alternatives": [dict(a.__dict__) for a in s.alternatives],
        "confidence": s.confidence,
        "kind": s.kind,
        "rank": s.rank,
        "never_primary": s.never_primary,
        "chosen_because": s.chosen_because,
        "stated_under": s.stated_under,
    }


def result_to_json(result: NoteResult, _row=_row_json) -> dict[str, Any]:
    """One note as the JSONL contract object (see docs/outputs.md)."""
    provenance = dict(result.provenance)
    provenance["text_hash"] = result.text_hash
    return {
        "note_id": result.note_id,
        "episode_id": result.episode_id,
        "mentions": [_mention_json(am, _row) for am in result.mentions],
        "suggestions": [suggestion_to_json(s) for s in result.suggestions],
        "provenance": provenance,
    }


def _same(row: MapRow) -> MapRow:
    return row  # orjson writes a dataclass as its fields, in order: the same object as MapRow.to_json()


def dumps_result(result: NoteResult) -> bytes:
    """``result_to_json(result)`` as one line of UTF-8 JSON (no newline), the JSONL sink's hot path."""
    if _orjson is not None:
        return _orjson.dumps(result_to_json(result, _same))
    return json.dumps(result_to_json(result), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _mention_from_json(d: dict[str, Any]) -> AnnotatedMention:
    meta = d.get("meta") or {}
    labels = ContextLabels(
        negation=meta.get("negation", "Affirmed"),
        temporality=meta.get("temporality", "Recent"),
        experiencer=meta.get("experiencer", "Patient"),
        sources=dict(meta.get("sources") or {}),
        triggers=dict(meta.get("triggers") or {}),
    )
    mention = Mention(
        start=d["start"],
        end=d["end"],
        text=d["text"],
        sctid=d["sctid"],
        name=d["name"],
        confidence=d["confidence"],
        type_ids=tuple(d.get("type_ids") or ()),
        meta={k: v for k, v in meta.items() if k not in _RESERVED_META},
        qualifiers=tuple(d.get("qualifiers") or ()),
    )
    return AnnotatedMention(
        mention=mention,
        labels=labels,
        decision=FilterDecision(status=d["status"], reason=d.get("reason")),
        codes=tuple(MapRow(**row) for row in d.get("codes") or ()),
        parts=tuple(d.get("parts") or ()),
    )


def suggestion_from_json(d: dict[str, Any]) -> CodeSuggestion:
    return CodeSuggestion(
        system=d["system"],
        code=d["code"],
        display=d.get("display"),
        title=d.get("title"),
        sctids=tuple(d.get("sctids") or ()),
        evidence=tuple(d.get("evidence") or ()),
        advice=d.get("advice") or "",
        alternatives=tuple(_alternative_from_json(a) for a in d.get("alternatives") or ()),
        confidence=d.get("confidence", 0.0),
        kind=d.get("kind"),
        rank=d.get("rank") or 0,
        never_primary=d.get("never_primary"),
        chosen_because=d.get("chosen_because"),
        stated_under=d.get("stated_under"),
    )


def _alternative_from_json(d: dict[str, Any]) -> Alternative:
    # older results (before Alternative records) may name the code "target"
    values = {k: v for k, v in d.items() if k in _ALTERNATIVE_FIELDS}
    values.setdefault("code", d.get("target") or "")
    return Alternative(**values)


def result_from_json(d: dict[str, Any]) -> NoteResult:
    """Inverse of ``result_to_json`` (e.g. to re-feed a resumed run's earlier results)."""
    provenance = dict(d.get("provenance") or {})
    text_hash = provenance.pop("text_hash", "") or ""
    return NoteResult(
        note_id=d["note_id"],
        episode_id=d.get("episode_id"),
        mentions=tuple(_mention_from_json(m) for m in d.get("mentions") or ()),
        suggestions=tuple(suggestion_from_json(s) for s in d.get("suggestions") or ()),
        provenance=provenance,
        text_hash=text_hash,
    )
