"""The JSONL record of a note (io.serialize.result_to_json) in CogStack MedCATservice's shapes.

MedCATservice (medcat-service in CogStack's cogstack-nlp) answers ``/api/process`` with
``{"result": {"text", "annotations": [{"<id>": entity, ...}], "success", "timestamp",
"elapsed_time", "footer"?}, "medcat_info": {...}}`` where an entity has MedCAT's fields
``pretty_name, cui, type_ids, source_value, detected_name, acc, context_similarity, start, end,
id, meta_anns``. Built from the record, so the two never disagree. Our additions ride alongside:
each entity's ``status``/``reason``/``codes``, and the result's ``suggestions`` and ``provenance``.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

_NOT_TASKS = frozenset(("sources", "triggers"))


def timestamp() -> str:
    return datetime.now(tz=timezone.utc).isoformat(timespec="milliseconds")


def meta_anns(meta: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """MedCAT ``meta_anns`` from a mention's ``meta``.

    The toolkit's labels are decisions (rules or a MetaCAT model's argmax) without a kept
    probability, so ``confidence`` is 1.0 and ``source`` says which classifier decided.
    """
    sources = meta.get("sources") or {}
    return {task: {"value": value, "confidence": 1.0, "name": task, "source": sources.get(task, "rules")}
            for task, value in meta.items() if task not in _NOT_TASKS}


def entity(index: int, mention: dict[str, Any]) -> dict[str, Any]:
    text = mention["text"]
    return {
        "pretty_name": mention["name"],
        "cui": mention["sctid"],
        "type_ids": mention.get("type_ids") or [],
        "types": [],
        "source_value": text,
        # MedCAT's detected_name is the matched name, normalised, tokens joined by "~"
        "detected_name": "~".join(text.lower().split()),
        "acc": mention["confidence"],
        "context_similarity": mention["confidence"],
        "start": mention["start"],
        "end": mention["end"],
        "id": index,
        "meta_anns": meta_anns(mention.get("meta") or {}),
        # additions: the context filter's decision and the map rows
        "status": mention["status"],
        "reason": mention.get("reason"),
        "codes": mention.get("codes") or [],
    }


def passes(ent: dict[str, Any], filters: list[tuple[str, list[str]]] | None) -> bool:
    """MedCATservice's ``meta_anns_filters``: keep entities whose every named task has one of the values."""
    if not filters:
        return True
    anns = ent["meta_anns"]
    return all(task in anns and anns[task]["value"] in values for task, values in filters)


def annotations(record: dict[str, Any] | None, *, mode: str = "dict",
                filters: list[tuple[str, list[str]]] | None = None) -> list:
    """``[{"0": entity, ...}]`` (MedCATservice's default "dict" mode) or ``[[entity, ...]]`` ("list")."""
    mentions = record["mentions"] if record else []
    ents = [e for e in (entity(i, m) for i, m in enumerate(mentions)) if passes(e, filters)]
    return [ents] if mode == "list" else [{str(e["id"]): e for e in ents}]


def process_result(text: str, record: dict[str, Any] | None, elapsed: float, content: dict[str, Any], *,
                   mode: str = "dict", filters=None) -> dict[str, Any]:
    """One document's ``result``; ``record`` None for a blank document (success, no annotations)."""
    out: dict[str, Any] = {
        "text": text,
        "annotations": annotations(record, mode=mode, filters=filters),
        "success": True,
        "timestamp": timestamp(),
        "elapsed_time": elapsed,
    }
    for key in ("footer", "metadata"):
        if content.get(key) is not None:
            out[key] = content[key]
    out["suggestions"] = record["suggestions"] if record else []
    if record:
        out["note_id"] = record["note_id"]
        out["episode_id"] = record["episode_id"]
        out["provenance"] = record["provenance"]
    return out


def error_result(message: str, content: dict[str, Any]) -> dict[str, Any]:
    out = {"success": False, "errors": [message], "timestamp": timestamp()}
    if content.get("footer") is not None:
        out["footer"] = content["footer"]
    return out
