"""``fhir``: NDJSON, one FHIR R4 Bundle (type ``collection``) per note.

Each Bundle holds a DocumentReference for the note (its id only, unless the run sets
``fhir_include_text``), a Condition per ICD-10 suggestion (ICD-10 + SNOMED CT codings,
verificationStatus ``unconfirmed``, evidence pointing at the DocumentReference with the span
offsets in an extension), a Procedure per OPCS-4 suggestion (status ``unknown``: not confirmed)
and a Provenance naming the pack hash and the map release. Every Bundle is validated by building
it with the ``fhir.resources`` R4B models (R4-compatible for these resources) and serialised from
the model. Resource ids are UUIDv5 of note, text hash and code, so a re-written batch is identical.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from coding_toolkit import __version__
from coding_toolkit.io.sinks.base import FileSink
from coding_toolkit.records import CodeSuggestion, NoteResult

SYS: dict[str, str] = json.loads((Path(__file__).with_name("fhir_systems.json")).read_text("utf-8"))
_NS = uuid.UUID("6f1c2f4e-4d0b-5b8e-9a51-2b1f6c3d9e70")  # fixed namespace for resource ids
ICD, OPCS = "ICD-10", "OPCS-4"
SUGGESTED = "SUGGESTED - CODER TO CONFIRM"
ILLUSTRATIVE = "ILLUSTRATIVE map, not for clinical use"


def icd_display_code(code: str) -> str:
    """CDS ``I219``/``I10X``/``E143D``/``H360A`` -> ``I21.9``/``I10``/``E14.3``/``H36.0``.

    FHIR codes carry no dagger/asterisk mark.
    """
    c = code.replace(" ", "").replace(".", "")
    if len(c) >= 5 and c[-1] in "DA":
        c = c[:-1]
    c = c.rstrip("-")
    if len(c) == 4 and c.endswith("X"):
        c = c[:3]
    return c if len(c) <= 3 else f"{c[:3]}.{c[3:]}"


def opcs_display_code(code: str) -> str:
    c = code.replace(" ", "").replace(".", "")
    return c if len(c) <= 3 else f"{c[:3]}.{c[3:]}"


def _uid(*parts: str) -> str:
    return str(uuid.uuid5(_NS, "|".join(parts)))


def _cc(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


class FhirSink(FileSink):
    def __init__(self, path: Path, *, run: dict[str, Any] | None = None):
        super().__init__(path, run=run)
        self.include_text = bool(self.run.get("fhir_include_text"))
        started = self.run.get("started")
        self.recorded = (started.isoformat() if isinstance(started, datetime) else started) or datetime.now(
            timezone.utc
        ).isoformat(timespec="seconds")

    def encode(self, results: Sequence[NoteResult]) -> bytes:
        return "".join(
            Bundle.model_validate(self.bundle(r)).model_dump_json() + "\n" for r in results
        ).encode("utf-8")

    def bundle(self, r: NoteResult) -> dict[str, Any]:
        """The Bundle for one note as a FHIR JSON dict (validated by ``encode``)."""
        prov = {**self.run, **r.provenance}
        doc_id = _uid(r.note_id, r.text_hash, "DocumentReference")
        doc_ref = {"reference": f"urn:uuid:{doc_id}", "display": f"note {r.note_id}"}
        subject = {"display": "patient of the source note (not identified by the toolkit)"}
        encounter = (
            {"identifier": {"system": SYS["episode_id"], "value": r.episode_id}}
            if r.episode_id is not None
            else None
        )
        attachment: dict[str, Any] = {
            "contentType": "text/plain; charset=utf-8",
            "title": f"note {r.note_id}",
        }
        if self.include_text and r.text is not None:
            attachment["data"] = base64.b64encode(r.text.encode("utf-8")).decode("ascii")
        document: dict[str, Any] = {
            "resourceType": "DocumentReference",
            "id": doc_id,
            "status": "current",
            "identifier": [{"system": SYS["note_id"], "value": r.note_id}],
            "content": [{"attachment": attachment}],
        }
        if encounter:
            document["context"] = {"encounter": [encounter]}
        entries = [document]
        for s in r.suggestions:
            if s.code.startswith("#") or s.system not in (ICD, OPCS):
                continue
            entries.append(
                self._condition(r, s, doc_ref, subject, encounter)
                if s.system == ICD
                else self._procedure(r, s, doc_ref, subject, encounter)
            )
        targets = [{"reference": f"urn:uuid:{e['id']}"} for e in entries[1:]] or [
            {"reference": doc_ref["reference"]}
        ]
        map_display = f"NHS SNOMED CT map release {prov.get('map_release') or 'unknown'}"
        if prov.get("illustrative"):
            map_display += f" - {ILLUSTRATIVE}"
        provenance = {
            "resourceType": "Provenance",
            "id": _uid(r.note_id, r.text_hash, "Provenance"),
            "target": targets,
            "recorded": self.recorded,
            "agent": [
                {
                    "type": {"coding": [_cc(SYS["provenance_agent_type"], "assembler", "Assembler")]},
                    "who": {"display": f"coding-toolkit {prov.get('toolkit_version') or __version__}"},
                }
            ],
            "entity": [
                {"role": "source", "what": doc_ref},
                {
                    "role": "derivation",
                    "what": {
                        "identifier": {
                            "system": SYS["pack_hash"],
                            "value": str(prov.get("pack_hash") or "unknown"),
                        },
                        "display": f"model pack {prov.get('pack_hash') or 'unknown'}",
                    },
                },
                {
                    "role": "derivation",
                    "what": {
                        "identifier": {
                            "system": SYS["map_release"],
                            "value": str(prov.get("map_release") or "unknown"),
                        },
                        "display": map_display,
                    },
                },
            ],
        }
        entries.append(provenance)
        return {
            "resourceType": "Bundle",
            "id": _uid(r.note_id, r.text_hash, "Bundle"),
            "type": "collection",
            "entry": [{"fullUrl": f"urn:uuid:{e['id']}", "resource": e} for e in entries],
        }

    def _spans(self, r: NoteResult, s: CodeSuggestion) -> list[tuple[Any, dict[str, Any]]]:
        out = []
        for i in s.evidence:
            if not 0 <= i < len(r.mentions):
                continue
            m = r.mentions[i].mention
            parts = [{"url": "start", "valueInteger": m.start}, {"url": "end", "valueInteger": m.end}]
            if self.include_text:
                parts.append({"url": "text", "valueString": m.text})
            out.append((m, {"url": SYS["ext_evidence_span"], "extension": parts}))
        return out

    def _common(self, r, s, subject, encounter, code_system, code) -> dict[str, Any]:
        codings = [_cc(code_system, code, s.title)] + [_cc(SYS["snomed"], sctid) for sctid in s.sctids]
        res: dict[str, Any] = {
            "extension": [{"url": SYS["ext_confidence"], "valueDecimal": round(float(s.confidence), 6)}],
            "code": {"coding": codings, "text": s.title or code},
            "subject": subject,
            "note": [{"text": SUGGESTED + (f". Map advice: {s.advice}" if s.advice else "")}],
        }
        if s.advice:
            res["extension"].append({"url": SYS["ext_map_advice"], "valueString": s.advice})
        if encounter:
            res["encounter"] = encounter
        return res

    def _condition(self, r, s, doc_ref, subject, encounter) -> dict[str, Any]:
        res = {
            "resourceType": "Condition",
            "id": _uid(r.note_id, r.text_hash, s.system, s.code),
            "verificationStatus": {
                "coding": [_cc(SYS["condition_ver_status"], "unconfirmed", "Unconfirmed")]
            },
            "category": [
                {"coding": [_cc(SYS["condition_category"], "encounter-diagnosis", "Encounter Diagnosis")]}
            ],
            **self._common(r, s, subject, encounter, SYS["icd10"], icd_display_code(s.code)),
        }
        spans = self._spans(r, s)
        res["evidence"] = [
            {
                "extension": [ext],
                "code": [{"coding": [_cc(SYS["snomed"], m.sctid, m.name)]}],
                "detail": [doc_ref],
            }
            for m, ext in spans
        ] or [{"detail": [doc_ref]}]
        return res

    def _procedure(self, r, s, doc_ref, subject, encounter) -> dict[str, Any]:
        res = {
            "resourceType": "Procedure",
            "id": _uid(r.note_id, r.text_hash, s.system, s.code),
            "status": "unknown",
            **self._common(r, s, subject, encounter, SYS["opcs4"], opcs_display_code(s.code)),
            "report": [doc_ref],
        }
        res["extension"] += [ext for _, ext in self._spans(r, s)]
        return res
