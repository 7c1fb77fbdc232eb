"""``cds``: one row per note (or per episode) in Commissioning Data Set code positions.

The table is ``suggest.episode.cds_table`` (the coding rules re-applied over all notes of a row, in
the run's rules: ``run["coding_rules"]``, else the defaults); this sink only keeps what it needs and
writes the file. Episodes span notes, so the sink keeps each note's suggestions (without display
texts: small) and writes the whole file atomically and spreadsheet-safe in ``close()``. On resume
the runner re-feeds earlier results (suggestions only) through ``replay``; re-feeding a note replaces it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from coding_toolkit.io.csv_file import write_csv
from coding_toolkit.io.sinks.base import SinkBase
from coding_toolkit.mapping.codes import cds_code  # noqa: F401  (review/ imports it from here)
from coding_toolkit.records import CodeSuggestion, NoteResult
from coding_toolkit.suggest.config import CodingRules
from coding_toolkit.suggest.episode import STATUS, cds_table

__all__ = ["CdsSink", "STATUS", "cds_code"]


def _compact(s: CodeSuggestion) -> CodeSuggestion:
    # what the episode rules need (codes, alternatives, evidence counts), not the display texts
    return replace(s, display=None, title=None, alternatives=tuple(replace(a, title=None) for a in s.alternatives))


class CdsSink(SinkBase):
    aggregates = True  # the table is whole only at close: a resumed run replays the notes before

    def __init__(self, path: Path, *, run: dict[str, Any] | None = None):
        self.path: Path = Path(path)
        self.run = run or {}
        self.by_episode = bool(self.run.get("episode_column"))
        self.rules: CodingRules = self.run.get("coding_rules") or CodingRules.load()
        self._notes: dict[str, NoteResult] = {}  # note id -> its compacted result, in first-written order

    def open(self, resume_position: int | None = None) -> None:
        # the file is rewritten whole in close(); earlier results come back through replay()
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def abort(self) -> None:
        """A run that stopped: write nothing (the table is whole only at close; --resume rebuilds it)."""
        self._notes.clear()

    def replay(self, results: Iterable[NoteResult]) -> None:
        """Earlier notes' suggestions, re-fed from the runner's ledger on resume (this sink aggregates)."""
        self.write(results)

    def write(self, results: Iterable[NoteResult]) -> None:
        for r in results:
            self._notes[r.note_id] = NoteResult(
                note_id=r.note_id, episode_id=r.episode_id, mentions=(),
                suggestions=tuple(_compact(s) for s in r.suggestions),
                provenance={"illustrative": True} if r.provenance.get("illustrative") else {})
        return None

    def table(self) -> list[list[str]]:
        """Header plus one row per note/episode (what ``close`` writes)."""
        return cds_table(self._notes.values(), self.rules, by_episode=self.by_episode)

    def close(self) -> None:
        write_csv(self.path, self.table())
