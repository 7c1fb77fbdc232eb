"""The notes under review: annotate's JSONL results joined to their texts, and what the page shows.

The results file holds no note text (patient data stays in the notes source), so the text comes
from ``--notes`` and is checked against the ``text_hash`` annotate recorded: a note edited since it
was coded would put the evidence highlights on the wrong words.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Container, Iterable
from pathlib import Path
from typing import Any

import orjson

from coding_toolkit.errors import InputError, MapError, where
from coding_toolkit.io.digest import file_sha256
from coding_toolkit.io.serialize import suggestion_from_json
from coding_toolkit.io.sinks.cds import cds_code
from coding_toolkit.mapping.codes import base_code, to_cds, to_display
from coding_toolkit.pipeline import text_hash
from coding_toolkit.suggest import primary_and_others
from coding_toolkit.suggest.primary_focus import is_focus
from coding_toolkit.suggest.ranking import dagger_asterisk_partners

SYSTEMS = ("ICD-10", "OPCS-4")


def file_hash(path: Path) -> str:
    return file_sha256(path)


def read_results(path: str | Path) -> list[dict[str, Any]]:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: results file not found; fix: give the JSONL file 'coding-toolkit annotate' wrote")
    records, seen = [], set()
    with open(path, "rb") as fh:
        for line_no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = orjson.loads(line)
                _check_record(record)
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as e:
                raise InputError(f"{where(path, line_no)}: not an annotate JSONL record ({type(e).__name__}: "
                                 f"{str(e)[:80]}); fix: give the --format jsonl output of annotate") from e
            if record["note_id"] in seen:
                raise InputError(f"{where(path, line_no, 'note_id')}: note {record['note_id']!r} appears twice; "
                                 "fix: review one run's output")
            seen.add(record["note_id"])
            records.append(record)
    if not records:
        raise InputError(f"{path}: no records; fix: annotate some notes first")
    return records


_MENTION_KEYS = ("start", "end", "text", "sctid", "name", "status", "codes")
_SUGGESTION_KEYS = ("system", "code", "sctids", "evidence")


def _check_record(record) -> None:
    """The fields the review uses (cheaper than building the records: a 1 MB note has 300k map rows)."""
    if not isinstance(record, dict) or not isinstance(record["note_id"], str):
        raise TypeError("field 'note_id' must be a string")
    for name, keys in (("mentions", _MENTION_KEYS), ("suggestions", _SUGGESTION_KEYS)):
        for i, item in enumerate(record[name]):
            missing = [k for k in keys if k not in item]
            if missing:
                raise KeyError(f"{name}[{i}] lacks {', '.join(missing)}")


def join_texts(records: list[dict[str, Any]], notes: Iterable, notes_name: str) -> list[tuple]:
    """(note_id, episode_id, text, record JSON) per record, in results order; texts checked by hash."""
    wanted = {r["note_id"]: r for r in records}
    texts: dict[str, str] = {}
    for note in notes:
        record = wanted.get(note.note_id)
        if record is None:
            continue
        coded = (record.get("provenance") or {}).get("text_hash")
        if coded and text_hash(note.text) != coded:
            raise InputError(f"{note.source or notes_name}: the text of note {note.note_id!r} differs from the "
                             "text that was coded (text_hash); fix: review with the notes annotate read, or "
                             "annotate again")
        texts[note.note_id] = note.text
    missing = [n for n in wanted if n not in texts]
    if missing:
        raise InputError(f"{notes_name}: {len(missing)} coded note(s) not found, e.g. {missing[:3]}; fix: give the "
                         "notes file annotate read (and the same --id-column)")
    return [(r["note_id"], r.get("episode_id"), texts[r["note_id"]], json.dumps(r)) for r in records]


class CodeCatalogue:
    """Codes a coder may type when amending or adding: the pack's map targets and classification titles."""

    def __init__(self, codes: dict[str, dict[str, str | None]] | None = None, source: str = "no pack",
                 concepts: Callable[[], Container[str]] | None = None):
        self.codes = codes or {}
        self.source = source
        self._concepts_of_pack = concepts  # called once, when an added code first names a concept
        self._concepts: Container[str] | None = None

    @classmethod
    def from_pipeline(cls, pipeline) -> CodeCatalogue:
        engine = pipeline.engine
        store = engine.store
        codes: dict[str, dict[str, str | None]] = {s: {} for s in SYSTEMS}
        titles = store.titles()
        for system, (refset_id, _version) in engine.systems.items():
            for target in store.targets(refset_id):
                display = to_display(target, system)
                if display:
                    codes.setdefault(system, {})[cds_code(target)] = titles.get((system, base_code(target, system)))
        for (system, code), title in titles.items():
            try:
                codes.setdefault(system, {}).setdefault(to_cds(code, system), title)
            except MapError:
                continue
        pack = pipeline.pack
        return cls(codes, source=f"pack {pack.path}", concepts=lambda: pack.cat.cdb.cui2info)

    def check(self, system: str, code: str, field: str) -> tuple[str, str | None]:
        """(CDS code, title) of a typed code; ValueError naming ``field`` when it is not a known code."""
        try:
            cds = to_cds(code, system)
        except MapError as e:
            raise FieldError(field, str(e)) from None
        known = self.codes.get(system)
        if known and cds not in known:
            raise FieldError(field, f"{code!r} is neither a map target nor a titled {system} code in the "
                                    f"{self.source}; fix: check the code")
        return cds, (known or {}).get(cds)


    def check_concept(self, sctid: str, field: str) -> None:
        """A typed SNOMED CT concept id must be a concept of the pack: it becomes training data."""
        if not (sctid.isdigit() and 6 <= len(sctid) <= 18 and not sctid.startswith("0")):
            raise FieldError(field, f"{sctid!r} is not a SNOMED CT concept id (6 to 18 digits); fix: leave it "
                                    "out to use the concept of the mention at the span, or give the concept's id")
        if self._concepts is None and self._concepts_of_pack is not None:
            self._concepts = self._concepts_of_pack()
        if self._concepts is not None and sctid not in self._concepts:
            raise FieldError(field, f"concept {sctid} is not in the {self.source}; fix: leave it out to use the "
                                    "concept of the mention at the span, or give a concept of the pack")


class FieldError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _chosen_row(record: dict[str, Any], s: dict[str, Any]) -> dict[str, Any] | None:
    for index in s["evidence"]:
        for row in record["mentions"][index]["codes"]:
            if row["default"] and cds_code(row["target"]) == cds_code(s["code"]) and row["system"] == s["system"]:
                return row
    return None


def why(row: dict[str, Any] | None, stated_under: str | None = None, chosen_because: str | None = None) -> str:
    """Why the map (or a coding rule: ``chosen_because``) chose the code, and why it ranks where it does when
    the note states it under its main-diagnosis heading, or it is what the episode was for (``stated_under``)."""
    parts = []
    if row is not None:
        parts.append(f"map default: block {row['block']}, group {row['group']}, priority {row['priority']}"
                     + (f"; rule: {row['rule']}" if row.get("rule") else ""))
    if chosen_because:
        parts.append(chosen_because if row is not None else f"added by a coding rule: {chosen_because}")
    if stated_under and is_focus(stated_under):
        parts.append(f"ranked first as what the episode was for ({stated_under})")
    elif stated_under:
        parts.append(f"ranked with the codes stated under the note's '{stated_under}' heading, in stated order")
    return "; ".join(parts)


def ordered_suggestions(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The record's suggestions in CDS order (diagnoses, then procedures; primary first), annotated
    with position, dagger/asterisk partners and why the map chose the code."""
    suggestions = [suggestion_from_json(s) for s in record["suggestions"]]  # mentions are not needed
    by_key = {(s["system"], cds_code(s["code"])): s for s in record["suggestions"]}
    typed = {(s.system, cds_code(s.code)): s for s in suggestions}
    out = []
    for system in SYSTEMS:
        # the suggestion stage's ranking (CDS positions); #NIS/#NC targets are reviewed last, below
        primary, others = primary_and_others([s for s in suggestions if not s.code.startswith("#")], system)
        for position, code in [("primary", primary)] * bool(primary) + [("secondary", c) for c in others]:
            s = dict(by_key[(system, code)])
            s["position"] = position
            s["pairs"] = [p.code for p in dagger_asterisk_partners(typed[(system, code)], suggestions)]
            s["why"] = why(_chosen_row(record, s), s.get("stated_under"), s.get("chosen_because"))
            out.append(s)
    placed = {(s["system"], cds_code(s["code"])) for s in out}
    # codes CDS leaves out (#NIS targets) still get reviewed, last
    out += [dict(s, position="not in CDS", pairs=[], why=why(_chosen_row(record, s), s.get("stated_under"),
                                                                   s.get("chosen_because")))
            for s in record["suggestions"] if (s["system"], cds_code(s["code"])) not in placed]
    return out


def dropped_codes(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Codes the context filter kept out: each filtered mention's default map codes, with the reason."""
    out = []
    for index, m in enumerate(record["mentions"]):
        if m["status"] == "kept":
            continue
        for row in m["codes"]:
            if row["default"] and row["classifiable"]:
                out.append({"system": row["system"], "code": row["target"], "display": row["display"],
                            "title": row.get("title"), "mention": index, "reason": m.get("reason")})
    return out
