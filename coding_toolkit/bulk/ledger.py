"""The resume ledger: which notes a run has durably written, and where the output file ends.

A SQLite file under the run-state folder (``bulk/rerun.py``: one per output). Each batch is committed in one transaction *after* the sink
has flushed it, recording the sink's byte position. On resume the sink is truncated back to the
last committed position (dropping a half-written tail) and committed notes are skipped, so a run
that was killed continues with no lost or duplicated note.

Key of a note: note id + text hash, within a ledger bound to one pack hash and output settings
(resuming with another pack is refused). A note id seen again with other text is rejected, not
silently re-annotated, since its first result is already in the output.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

from coding_toolkit.errors import InputError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS run (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS batches (batch INTEGER PRIMARY KEY, position INTEGER, notes INTEGER);
CREATE TABLE IF NOT EXISTS done (
    note_id TEXT PRIMARY KEY, text_hash TEXT, batch INTEGER, episode_id TEXT, summary TEXT);
-- retry = 1: the note failed for a reason that may pass on a later run (a processing error), so a
-- resumed run tries it again instead of skipping it
CREATE TABLE IF NOT EXISTS rejects (
    note_id TEXT, source TEXT, reason TEXT, batch INTEGER, text_hash TEXT, retry INTEGER);
CREATE INDEX IF NOT EXISTS rejects_note ON rejects (note_id);
"""


class Ledger:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(_SCHEMA)

    # -- run identity ------------------------------------------------------------------------
    @staticmethod
    def existing_run_id(path: str | Path) -> str | None:
        """The run id recorded in an existing ledger (a resumed run keeps its id), else None."""
        prior = Ledger.inspect(path)
        return prior["run"].get("run_id") if prior else None

    @staticmethod
    def inspect(path: str | Path) -> dict | None:
        """An existing ledger's run settings and how much it committed, without changing it; None if absent."""
        if not Path(path).exists():
            return None
        db = sqlite3.connect(path)
        try:
            run = dict(db.execute("SELECT key, value FROM run"))
            batches, notes = db.execute("SELECT COUNT(*), COALESCE(SUM(notes), 0) FROM batches").fetchone()
        except sqlite3.Error:
            return {"run": {}, "batches": 0, "notes": 0}  # unreadable: nothing usable was committed
        finally:
            db.close()
        return {"run": run, "batches": batches, "notes": notes}

    def record(self, values: dict[str, str]) -> None:
        """Store facts about the run that a resume may change (the input's fingerprint, completion)."""
        self.db.executemany("INSERT OR REPLACE INTO run VALUES (?, ?)", values.items())

    def check_run(self, settings: dict[str, str], *, resume: bool) -> None:
        """Record the run's settings; on resume refuse a ledger written with other settings."""
        stored = dict(self.db.execute("SELECT key, value FROM run"))
        if stored and not resume:
            raise InputError(
                f"{self.path} exists from an earlier run; pass --resume to continue it, "
                "or delete it (and the output) to start again")
        for key, value in settings.items():
            if key in stored and stored[key] != value:
                raise InputError(
                    f"cannot resume: {key} was {stored[key]!r} in {self.path}, now {value!r}; "
                    "use the same settings or start a new output")
        self.db.executemany("INSERT OR REPLACE INTO run VALUES (?, ?)", settings.items())

    def last_position(self) -> int | None:
        row = self.db.execute("SELECT position FROM batches ORDER BY batch DESC LIMIT 1").fetchone()
        return None if row is None else row[0]

    def committed(self) -> tuple[int, int]:
        """(notes written, notes rejected) committed so far: what a stopped run reports, read from the
        ledger itself, since a signal may land between a batch's commit and the run's own counters."""
        written = self.db.execute("SELECT COUNT(*) FROM done").fetchone()[0]
        rejected = self.db.execute("SELECT COUNT(DISTINCT note_id) FROM rejects").fetchone()[0]
        return written, rejected

    def next_batch(self) -> int:
        row = self.db.execute("SELECT COALESCE(MAX(batch), 0) FROM batches").fetchone()
        return row[0] + 1

    # -- per note ----------------------------------------------------------------------------
    def seen(self, note_ids: Sequence[str]) -> dict[str, list[tuple[str, int]]]:
        """note_id -> [(text hash, batch)] for each committed outcome of that id: written, or
        rejected for good (rejects marked for retry are left out, so a resumed run retries them)."""
        out: dict[str, list[tuple[str, int]]] = {}
        for start in range(0, len(note_ids), 500):
            chunk = list(note_ids[start:start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT note_id, text_hash, batch FROM done WHERE note_id IN ({marks}) UNION ALL "
                f"SELECT note_id, text_hash, batch FROM rejects WHERE retry = 0 AND note_id IN ({marks})",
                chunk + chunk)
            for note_id, hash_, batch in rows:
                out.setdefault(note_id, []).append((hash_, batch))
        return out

    def commit_batch(self, batch: int, position: int | None,
                     notes: Iterable[tuple[str, str, str | None, str | None]],
                     rejects: Iterable[tuple[str, str, str, str, bool]]) -> None:
        """notes: (note_id, text_hash, episode_id, summary_json or None);
        rejects: (note_id, source, reason, text_hash, retry)."""
        notes = list(notes)
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany(
                "INSERT OR REPLACE INTO done VALUES (?, ?, ?, ?, ?)",
                [(n, h, batch, e, s) for n, h, e, s in notes])
            self.db.executemany("INSERT INTO rejects VALUES (?, ?, ?, ?, ?, ?)",
                                [(n, s, r, batch, h, int(retry)) for n, s, r, h, retry in rejects])
            self.db.execute("INSERT INTO batches VALUES (?, ?, ?)", (batch, position, len(notes)))

    def summaries(self) -> Iterable[tuple[str, str | None, list[dict]]]:
        """Committed notes' (note_id, episode_id, suggestions) in write order, for re-feeding CDS."""
        for note_id, episode_id, summary in self.db.execute(
                "SELECT note_id, episode_id, summary FROM done ORDER BY batch, rowid"):
            yield note_id, episode_id, json.loads(summary or "[]")

    def rejects(self) -> Iterable[tuple[str, str, str]]:
        """Every reject of the run, once each: a retried note's earlier failure is dropped once it
        was written or rejected again on a later attempt."""
        yield from self.db.execute(
            "SELECT note_id, source, reason FROM rejects r WHERE NOT (retry = 1 AND ("
            " EXISTS (SELECT 1 FROM done d WHERE d.note_id = r.note_id AND d.batch > r.batch) OR"
            " EXISTS (SELECT 1 FROM rejects l WHERE l.note_id = r.note_id AND l.batch > r.batch)))"
            " ORDER BY batch, rowid")

    def close(self) -> None:
        self.db.close()
