"""Coder decisions in a SQLite file: every decision is a row (history kept), the latest per code counts.

Each POST is one committed transaction (WAL journal), so a page reload or a server restart loses
nothing that was acknowledged.
"""
from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from coding_toolkit.errors import InputError

DECISIONS = ("accept", "reject", "amend", "add")
# the coder's judgement of the SNOMED CT concept behind a decision, apart from the coding decision:
# "wrong": the text does not mean this concept (a negative training example); "right": the concept is
# right but the code is not (not coded in this episode, or another code of it). NULL: not said.
CONCEPT_JUDGEMENTS = ("right", "wrong")
SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    note_id TEXT NOT NULL,
    system TEXT NOT NULL,
    code TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('accept', 'reject', 'amend', 'add')),
    amended_code TEXT,
    reason TEXT,
    reviewer TEXT,
    decided_at TEXT NOT NULL,
    span_start INTEGER,
    span_end INTEGER,
    sctid TEXT,
    concept TEXT
);
CREATE INDEX IF NOT EXISTS decisions_note ON decisions (note_id, system, code);
CREATE TABLE IF NOT EXISTS review_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- the reviewed notes (text and annotate's record), so exports need only this file
CREATE TABLE IF NOT EXISTS review_notes (
    note_id TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    episode_id TEXT,
    text TEXT NOT NULL,
    record TEXT NOT NULL
);
"""
COLUMNS = ("id", "note_id", "system", "code", "decision", "amended_code", "reason", "reviewer", "decided_at",
           "span_start", "span_end", "sctid", "concept")


class DecisionStore:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            self.conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=FULL")
            self.conn.executescript(SCHEMA)
            columns = {row[1] for row in self.conn.execute("PRAGMA table_info(decisions)")}
            if "concept" not in columns:  # a file from before the concept judgement: its rows say nothing
                self.conn.execute("ALTER TABLE decisions ADD COLUMN concept TEXT")
        except sqlite3.DatabaseError as e:
            raise InputError(f"--db {self.path}: not a review database ({e}); fix: give a new file name "
                             "or the file an earlier 'review serve' wrote") from e

    def close(self) -> None:
        self.conn.close()

    def bind_results(self, results_hash: str, results_name: str) -> None:
        """Tie the file to one results file: decisions against other results would point at other notes."""
        with self._lock:
            row = self.conn.execute("SELECT value FROM review_meta WHERE key='results_hash'").fetchone()
            if row is None:
                self.conn.execute("INSERT INTO review_meta VALUES ('results_hash', ?), ('results_name', ?)",
                                  (results_hash, results_name))
            elif row[0] != results_hash and self.count():
                name = self.meta().get("results_name", "?")
                raise InputError(f"--db {self.path} holds decisions on other results ({name}); fix: give "
                                 "another --db for these results, or the results file it was made for")
            else:
                self.conn.execute("UPDATE review_meta SET value=? WHERE key='results_hash'", (results_hash,))

    def put_notes(self, rows: list[tuple[str, str | None, str, str]]) -> None:
        """(note_id, episode_id, text, record JSON) for every reviewed note, replacing earlier ones."""
        with self._lock:
            self.conn.execute("BEGIN")
            self.conn.execute("DELETE FROM review_notes")
            self.conn.executemany("INSERT INTO review_notes VALUES (?,?,?,?,?)",
                                  [(n, i, e, t, r) for i, (n, e, t, r) in enumerate(rows)])
            self.conn.execute("COMMIT")

    def notes(self) -> list[tuple[str, str | None, str, str]]:
        return self.conn.execute(
            "SELECT note_id, episode_id, text, record FROM review_notes ORDER BY position").fetchall()

    def meta(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT key, value FROM review_meta").fetchall())

    def add(self, *, note_id: str, system: str, code: str, decision: str, amended_code: str | None = None,
            reason: str | None = None, reviewer: str | None = None, span_start: int | None = None,
            span_end: int | None = None, sctid: str | None = None, concept: str | None = None) -> dict[str, Any]:
        decided_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self._lock:
            cur = self.conn.execute(
                "INSERT INTO decisions (note_id, system, code, decision, amended_code, reason, reviewer, "
                "decided_at, span_start, span_end, sctid, concept) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (note_id, system, code, decision, amended_code, reason, reviewer, decided_at, span_start,
                 span_end, sctid, concept))
            row_id = cur.lastrowid
        return self.get(row_id)

    def get(self, row_id: int) -> dict[str, Any]:
        row = self.conn.execute(f"SELECT {', '.join(COLUMNS)} FROM decisions WHERE id=?", (row_id,)).fetchone()
        return dict(zip(COLUMNS, row))

    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM decisions").fetchone()[0])

    def current(self, note_id: str | None = None) -> list[dict[str, Any]]:
        """The latest decision per (note, system, code), oldest first."""
        where, args = ("WHERE note_id=?", (note_id,)) if note_id is not None else ("", ())
        rows = self.conn.execute(
            f"SELECT {', '.join(COLUMNS)} FROM decisions WHERE id IN (SELECT max(id) FROM decisions {where} "
            "GROUP BY note_id, system, code) ORDER BY id", args).fetchall()
        return [dict(zip(COLUMNS, r)) for r in rows]
