"""``sql``: runs, notes, mentions, suggestions and suggestion_evidence tables (SQLAlchemy Core).

Tables are created if missing, with the indexes coders' tools query by (note, episode, code,
system, SNOMED CT concept, status). Each ``write()`` is one transaction that first deletes the
batch's rows for this run and then inserts them, so re-writing a batch after a crash never
duplicates. SQLite and PostgreSQL are tested. Schema and example queries: docs/outputs.md.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    select,
)
from sqlalchemy import inspect as inspect_db
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.schema import CreateColumn

from coding_toolkit import __version__
from coding_toolkit.dburl import normalise_url, safe_url
from coding_toolkit.errors import InputError
from coding_toolkit.io.sinks.base import SinkBase
from coding_toolkit.records import NoteResult


def make_tables(metadata: MetaData, prefix: str = "") -> dict[str, Table]:
    p = prefix
    runs = Table(
        f"{p}runs",
        metadata,
        Column("run_id", String(64), primary_key=True),
        Column("started", String(40)),
        Column("pack_hash", String(128)),
        Column("map_release", Text),  # every release folder of a UK bundle: can be long
        Column("toolkit_version", String(40)),
        Column("illustrative", Boolean, default=False),
        Column("arguments", JSON),
    )
    notes = Table(
        f"{p}notes",
        metadata,
        Column("run_id", String(64), primary_key=True),
        Column("note_id", String, primary_key=True),
        Column("episode_id", String),
        Column("text_hash", String(128)),
        Column("n_mentions", Integer),
        Column("n_suggestions", Integer),
        Column("provenance", JSON),
        Column("written_at", String(40)),
        ForeignKeyConstraint(["run_id"], [runs.c.run_id]),
        Index(f"ix_{p}notes_note_id", "note_id"),
        Index(f"ix_{p}notes_episode_id", "episode_id"),
    )
    mentions = Table(
        f"{p}mentions",
        metadata,
        Column("run_id", String(64), primary_key=True),
        Column("note_id", String, primary_key=True),
        Column("mention_index", Integer, primary_key=True),
        Column("start_offset", Integer),
        Column("end_offset", Integer),
        Column("text", Text),
        Column("sctid", String(20)),
        Column("name", Text),
        Column("confidence", Float),
        Column("negation", String(20)),
        Column("temporality", String(20)),
        Column("experiencer", String(20)),
        Column("meta", JSON),
        Column("status", String(16)),
        Column("reason", Text),
        Column("codes", JSON),
        # refinement's optional parts of a mention (null when unset, as the JSONL line leaves them out):
        # words inside the linked name, and the mention indexes a refined mention was made from
        Column("qualifiers", JSON),
        Column("parts", JSON),
        ForeignKeyConstraint(["run_id", "note_id"], [notes.c.run_id, notes.c.note_id]),
        Index(f"ix_{p}mentions_note_id", "note_id"),
        Index(f"ix_{p}mentions_sctid", "sctid"),
        Index(f"ix_{p}mentions_status", "status"),
    )
    suggestions = Table(
        f"{p}suggestions",
        metadata,
        Column("run_id", String(64), primary_key=True),
        Column("note_id", String, primary_key=True),
        Column("suggestion_index", Integer, primary_key=True),
        Column("episode_id", String),
        Column("system", String(10)),
        Column("code", String(16)),
        Column("display", String(32)),
        Column("title", Text),
        Column("sctids", JSON),
        Column("advice", Text),
        Column("alternatives", JSON),
        Column("confidence", Float),
        Column("kind", String(10)),
        Column("n_evidence", Integer),
        Column("rank", Integer),
        # why the code may not be primary (asterisk, map advice, external cause); NULL = it may be
        Column("never_primary", Text),
        # set when a coding rule chose a map alternative over the default (the supporting mention)
        Column("chosen_because", Text),
        # the main-diagnosis heading the code is stated under (such codes rank ahead, in stated order); NULL = not
        Column("stated_under", Text),
        Column("status", String(16), default="suggested"),
        ForeignKeyConstraint(["run_id", "note_id"], [notes.c.run_id, notes.c.note_id]),
        Index(f"ix_{p}suggestions_note_id", "note_id"),
        Index(f"ix_{p}suggestions_episode_id", "episode_id"),
        Index(f"ix_{p}suggestions_system_code", "system", "code"),
        Index(f"ix_{p}suggestions_status", "status"),
    )
    evidence = Table(
        f"{p}suggestion_evidence",
        metadata,
        Column("run_id", String(64), primary_key=True),
        Column("note_id", String, primary_key=True),
        Column("suggestion_index", Integer, primary_key=True),
        Column("mention_index", Integer, primary_key=True),
        Column("sctid", String(20)),
        ForeignKeyConstraint(
            ["run_id", "note_id", "suggestion_index"],
            [suggestions.c.run_id, suggestions.c.note_id, suggestions.c.suggestion_index],
        ),
        Index(f"ix_{p}suggestion_evidence_sctid", "sctid"),
    )
    return {
        "runs": runs,
        "notes": notes,
        "mentions": mentions,
        "suggestions": suggestions,
        "suggestion_evidence": evidence,
    }


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")



def add_missing_columns(engine: Engine, tables) -> list[str]:
    """Add to existing tables the nullable columns a newer version of these tables has (an additive
    upgrade, e.g. ``suggestions.never_primary``), so a database made by an earlier version keeps its
    rows and takes this version's. Returns "table.column" for each column added. A missing column
    that is part of a key cannot be added this way: that stops with the fix."""
    inspector = inspect_db(engine)
    added: list[str] = []
    with engine.begin() as conn:
        for table in tables:
            have = {c["name"] for c in inspector.get_columns(table.name, schema=table.schema)}
            for column in table.columns:
                if column.name in have:
                    continue
                if column.primary_key or not column.nullable:
                    raise InputError(
                        f"database table {table.fullname} has no column {column.name!r}, which this version "
                        "needs and cannot add to existing rows; fix: write to a new database (--db URL)")
                ddl = CreateColumn(column).compile(dialect=engine.dialect)
                quoted = engine.dialect.identifier_preparer.format_table(table)
                conn.exec_driver_sql(f"ALTER TABLE {quoted} ADD COLUMN {ddl}")
                added.append(f"{table.name}.{column.name}")
    return added

log = logging.getLogger(__name__)


class SqlSink(SinkBase):
    """Writes results to a database; ``db_url`` defaults to SQLite at ``out``."""

    def __init__(
        self,
        *,
        db_url: str | None = None,
        out: str | Path | None = None,
        run: dict[str, Any] | None = None,
        schema: str | None = None,
        prefix: str = "",
    ):
        if db_url is None:
            if out is None:
                raise InputError(
                    "the sql output needs a database; fix: pass --db URL "
                    "(e.g. sqlite:///suggestions.db or postgresql://user@host/db)"
                )
            db_url = str(out)
        self.db_url = normalise_url(db_url)
        self.run = dict(run or {})
        self.run_id = str(self.run.get("run_id") or uuid.uuid4())
        self.metadata = MetaData(schema=schema or self.run.get("db_schema"))
        self.tables = make_tables(self.metadata, prefix or self.run.get("db_table_prefix", ""))
        self.engine: Engine | None = None

    def open(self, resume_position: int | None = None) -> None:
        try:
            self.engine = engine = create_engine(self.db_url, future=True)
            self.metadata.create_all(engine)
            added = add_missing_columns(engine, self.tables.values())
            if added:
                log.info("database %s: added columns of this version to existing tables: %s",
                         self._safe_url(), ", ".join(added))
            runs = self.tables["runs"]
            with engine.begin() as conn:
                exists = conn.execute(select(runs.c.run_id).where(runs.c.run_id == self.run_id)).first()
                if exists is None:
                    started = self.run.get("started")
                    conn.execute(
                        runs.insert().values(
                            run_id=self.run_id,
                            started=started.isoformat()
                            if isinstance(started, datetime)
                            else (started or _now()),
                            pack_hash=self.run.get("pack_hash"),
                            map_release=(lambda r: r if r is None or isinstance(r, str) else json.dumps(r))(
                                self.run.get("map_release")),
                            toolkit_version=self.run.get("toolkit_version") or __version__,
                            illustrative=bool(self.run.get("illustrative")),
                            arguments=json.loads(json.dumps(self.run.get("arguments") or {}, default=str)),
                        )
                    )
        except SQLAlchemyError as e:
            raise InputError(
                f"database {self._safe_url()}: cannot create or open the output tables "
                f"({type(e).__name__}: {e.orig if hasattr(e, 'orig') else e}); "
                f"fix: check --db URL and that the user may create tables"
            ) from e

    def _safe_url(self) -> str:
        return safe_url(self.db_url)

    def write(self, results: Sequence[NoteResult]) -> None:
        if self.engine is None:
            raise RuntimeError("SqlSink.write() before open()")
        if not results:
            return None
        t = self.tables
        now = _now()
        # the last copy of a note id in a batch wins, like a re-written batch
        latest = {r.note_id: r for r in results}
        keys = list(latest)
        notes, mentions, suggestions, evidence = [], [], [], []
        for nid, r in latest.items():
            notes.append(
                {
                    "run_id": self.run_id,
                    "note_id": nid,
                    "episode_id": r.episode_id,
                    "text_hash": r.text_hash,
                    "n_mentions": len(r.mentions),
                    "n_suggestions": len(r.suggestions),
                    "provenance": r.provenance,
                    "written_at": now,
                }
            )
            for i, am in enumerate(r.mentions):
                m, lab = am.mention, am.labels
                mentions.append(
                    {
                        "run_id": self.run_id,
                        "note_id": nid,
                        "mention_index": i,
                        "start_offset": m.start,
                        "end_offset": m.end,
                        "text": m.text,
                        "sctid": m.sctid,
                        "name": m.name,
                        "confidence": m.confidence,
                        "negation": lab.negation,
                        "temporality": lab.temporality,
                        "experiencer": lab.experiencer,
                        "meta": {**m.meta, "sources": lab.sources, "triggers": lab.triggers},
                        "status": am.decision.status,
                        "reason": am.decision.reason,
                        "codes": [dict(c.__dict__) for c in am.codes],
                        "qualifiers": list(m.qualifiers) if m.qualifiers else None,
                        "parts": list(am.parts) if am.parts else None,
                    }
                )
            for j, s in enumerate(r.suggestions):
                suggestions.append(
                    {
                        "run_id": self.run_id,
                        "note_id": nid,
                        "suggestion_index": j,
                        "episode_id": r.episode_id,
                        "system": s.system,
                        "code": s.code,
                        "display": s.display,
                        "title": s.title,
                        "sctids": list(s.sctids),
                        "advice": s.advice,
                        "alternatives": [dict(a.__dict__) for a in s.alternatives],
                        "confidence": s.confidence,
                        "kind": s.kind,
                        "n_evidence": len(s.evidence),
                        "rank": s.rank or j + 1,  # the suggestion stage's rank within the system
                        "never_primary": s.never_primary,
                        "chosen_because": s.chosen_because,
                        "stated_under": s.stated_under,
                        "status": "suggested",
                    }
                )
                for i in dict.fromkeys(s.evidence):
                    sctid = r.mentions[i].mention.sctid if 0 <= i < len(r.mentions) else None
                    evidence.append(
                        {
                            "run_id": self.run_id,
                            "note_id": nid,
                            "suggestion_index": j,
                            "mention_index": i,
                            "sctid": sctid,
                        }
                    )
        with self.engine.begin() as conn:
            for name in ("suggestion_evidence", "suggestions", "mentions", "notes"):  # children first
                table = t[name]
                for chunk in _chunks(keys, 500):
                    conn.execute(
                        delete(table).where(table.c.run_id == self.run_id, table.c.note_id.in_(chunk))
                    )
            for name, rows in (
                ("notes", notes),
                ("mentions", mentions),
                ("suggestions", suggestions),
                ("suggestion_evidence", evidence),
            ):
                if rows:
                    conn.execute(t[name].insert(), rows)
        return None

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()
            self.engine = None


def _chunks(items: list, n: int):
    for i in range(0, len(items), n):
        yield items[i : i + n]
