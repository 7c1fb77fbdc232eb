"""Decisions out: MedCATtrainer export (training data), confirmed codes as CDS/CSV, agreement figures.

MedCATtrainer export is concept-level: each decision becomes annotations of its evidence mentions
(the SNOMED CT concept at that span). A coding decision is not a concept judgement: only a decision
whose concept the coder marked wrong becomes a negative example (docs/review.md).
- accept: ``correct: true``
- reject, concept wrong ("wrong concept"): ``correct: false`` (``train supervised`` uses it as a
  negative, never as a positive); concept right ("right concept, not coded here"): ``correct: true``
- amend: ``correct: true`` (the concept was right, the code was not) unless the concept was marked
  wrong (``correct: false``)
- add: ``manually_created: true`` at the coder's span, with the concept of a mention there (or the
  one given); an added code without a concept cannot be concept training data and is counted as skipped.
- a reject or amend saved before decisions carried the concept judgement says nothing about the
  concept (except an amend to an alternative of the same concept): left out and counted.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from coding_toolkit.io import csv_file
from coding_toolkit.mapping.codes import cds_code
from coding_toolkit.records import CodeSuggestion, NoteResult
from coding_toolkit.review.app import Review
from coding_toolkit.suggest.config import RULE_NAMES, CodingRules
from coding_toolkit.suggest.episode import cds_table

CONFIRMED = "CONFIRMED BY CODER"
CSV_COLUMNS = ("note_id", "episode_id", "system", "code", "display", "title", "decision", "suggested_code",
               "reviewer", "decided_at", "reason")


def _decisions_by_note(review: Review) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for d in review.store.current():
        out.setdefault(d["note_id"], []).append(d)
    return out


def mct_export(review: Review) -> tuple[dict[str, Any], dict[str, int]]:
    documents, counts = [], {"documents": 0, "correct": 0, "incorrect": 0, "manually_created": 0,
                             "skipped_added_without_concept": 0, "skipped_without_concept_judgement": 0}
    ann_id = 0
    for doc_id, (note_id, decisions) in enumerate(_decisions_by_note(review).items(), 1):
        note = review.notes[note_id]
        record, text = note["record"], note["text"]
        suggestions = {(s["system"], cds_code(s["code"])): s for s in record["suggestions"]}
        spans: dict[tuple[int, int, str], dict[str, Any]] = {}
        for d in decisions:
            if d["decision"] == "add":
                if not d["sctid"]:
                    counts["skipped_added_without_concept"] += 1
                    continue
                key = (d["span_start"], d["span_end"], d["sctid"])
                spans[key] = {"correct": True, "manually_created": True, "user": d["reviewer"]}
                continue
            s = suggestions.get((d["system"], d["code"]))
            if s is None:
                continue
            correct = _concept_correct(d, s)
            if correct is None:
                counts["skipped_without_concept_judgement"] += 1
                continue
            for index in s["evidence"]:
                m = record["mentions"][index]
                key = (m["start"], m["end"], m["sctid"])
                old = spans.get(key)
                # a span supporting several codes is correct if any accepted code was right about it
                spans[key] = {"correct": correct or bool(old and old["correct"]), "manually_created": False,
                              "user": d["reviewer"]}
        annotations = []
        for (start, end, sctid), a in sorted(spans.items()):
            ann_id += 1
            annotations.append({"id": ann_id, "user": a["user"] or "reviewer", "cui": sctid,
                                "value": text[start:end], "start": start, "end": end, "validated": True,
                                "correct": a["correct"], "deleted": False, "alternative": False, "killed": False,
                                "irrelevant": False, "manually_created": a["manually_created"], "acc": 1.0,
                                "meta_anns": {}})
            counts["manually_created" if a["manually_created"] else ("correct" if a["correct"] else "incorrect")] += 1
        documents.append({"id": doc_id, "name": note_id, "text": text, "annotations": annotations})
    counts["documents"] = len(documents)
    export = {"projects": [{"name": "coding-toolkit review", "id": 1, "cuis": "", "tuis": "",
                            "documents": documents}]}
    return export, counts


def _concept_correct(d: dict[str, Any], s: dict[str, Any]) -> bool | None:
    """Whether the decision says the evidence's concept is right, wrong, or (an older decision
    without the judgement) nothing: only the coder's "wrong concept" is a negative example."""
    if d["decision"] == "accept":
        return True
    if d["concept"] is not None:
        return d["concept"] == "right"
    if d["decision"] == "amend" and any(cds_code(a["code"]) == d["amended_code"] and a.get("sctid") in s["sctids"]
                                        for a in s.get("alternatives", [])):
        return True  # an alternative of the same concept: the map choice was wrong, not the concept
    return None


def final_codes(review: Review) -> dict[str, list[dict[str, Any]]]:
    """Per reviewed note, the coder's codes: accepted, amended (to the new code) and added."""
    out: dict[str, list[dict[str, Any]]] = {}
    for note_id, decisions in _decisions_by_note(review).items():
        record = review.notes[note_id]["record"]
        suggestions = {(s["system"], cds_code(s["code"])): s for s in record["suggestions"]}
        codes = []
        for d in decisions:
            if d["decision"] == "reject":
                continue
            s = suggestions.get((d["system"], d["code"]))
            code = d["amended_code"] if d["decision"] == "amend" else d["code"]
            alt = next((a for a in (s or {}).get("alternatives", []) if cds_code(a["code"]) == code), None)
            title = (alt or {}).get("title") if d["decision"] == "amend" else (s or {}).get("title")
            codes.append({"system": d["system"], "code": code, "title": title, "decision": d["decision"],
                          "suggested_code": d["code"] if d["decision"] != "add" else "",
                          "evidence": tuple(s["evidence"]) if s else (), "sctids": tuple(s["sctids"]) if s else (),
                          "confidence": s["confidence"] if s else 1.0,
                          "advice": (alt or s or {}).get("advice") or "", "reviewer": d["reviewer"],
                          "decided_at": d["decided_at"], "reason": d["reason"]})
        out[note_id] = codes
    return out


def run_rules(review: Review) -> CodingRules:
    """The coding rules of the run whose suggestions were reviewed: its switches, as every reviewed
    record's provenance states them (``coding_rules``); the defaults where a record states none."""
    switches: dict[str, bool] = {}
    for note in review.notes.values():
        stated = (note["record"].get("provenance") or {}).get("coding_rules") or {}
        switches.update((k, v) for k, v in stated.items() if k in RULE_NAMES and isinstance(v, bool))
    return CodingRules.load(overrides=switches, where="the reviewed records' provenance")


def write_cds(review: Review, path: Path, rules: CodingRules | None = None) -> int:
    """CDS code positions of the confirmed codes (per episode when the notes have episodes), ordered
    by ``rules`` (default: the reviewed run's, ``run_rules``)."""
    finals = final_codes(review)
    kinds = {"D": "dagger", "A": "asterisk"}
    results = [NoteResult(
        note_id=note_id, episode_id=review.notes[note_id]["episode_id"], mentions=(), provenance={},
        suggestions=tuple(CodeSuggestion(system=c["system"], code=c["code"], display=None, title=c["title"],
                                         sctids=c["sctids"], evidence=c["evidence"] or (0,), advice=c["advice"],
                                         confidence=c["confidence"], kind=kinds.get(c["code"][-1:]))
                          for c in codes)) for note_id, codes in finals.items()]
    header, *rows = cds_table(results, rules or run_rules(review),
                              by_episode=any(r.episode_id for r in results), status=CONFIRMED)
    header[header.index("SUGGESTION_STATUS")] = "CODING_STATUS"
    csv_file.write_csv(path, [header, *rows])
    return len(rows)


def write_csv(review: Review, path: Path) -> int:
    rows = []
    from coding_toolkit.mapping.codes import to_display

    for note_id, codes in final_codes(review).items():
        for c in codes:
            rows.append([note_id, review.notes[note_id]["episode_id"] or "", c["system"], c["code"],
                         to_display(c["code"], c["system"]) or "", c["title"] or "", c["decision"],
                         c["suggested_code"], c["reviewer"] or "", c["decided_at"], c["reason"] or ""])
    csv_file.write_csv(path, [CSV_COLUMNS, *rows])  # ids and reviewers' reasons come from outside: spreadsheet-safe
    return len(rows)


def write_mct(review: Review, path: Path) -> dict[str, int]:
    export, counts = mct_export(review)
    csv_file.write_atomic(path, lambda fh: json.dump(export, fh, ensure_ascii=False, indent=1))
    return counts


def agreement(review: Review) -> dict[str, Any]:
    """Code-level precision/recall of the suggestions against the coder's final codes.

    Over reviewed notes (at least one decision). Suggestions still to do are left out of both
    sides: a code nobody looked at is neither agreed nor disagreed with.
    """
    finals = final_codes(review)
    out: dict[str, Any] = {"notes_reviewed": len(finals), "systems": {}}
    for system in ("ICD-10", "OPCS-4", "all"):
        tp = suggested = final = 0
        for note_id, codes in finals.items():
            decided = {d["code"] for d in review.store.current(note_id)
                       if d["decision"] != "add" and (system == "all" or d["system"] == system)}
            s = {(c["system"], c["code"]) for c in review.notes[note_id]["record"]["suggestions"]
                 if cds_code(c["code"]) in decided and (system == "all" or c["system"] == system)}
            s = {(sys_, cds_code(code)) for sys_, code in s}
            f = {(c["system"], c["code"]) for c in codes if system == "all" or c["system"] == system}
            tp, suggested, final = tp + len(s & f), suggested + len(s), final + len(f)
        out["systems"][system] = {
            "suggested_reviewed": suggested, "final_codes": final, "agreed": tp,
            "precision": round(tp / suggested, 4) if suggested else None,
            "recall": round(tp / final, 4) if final else None}
    return out
