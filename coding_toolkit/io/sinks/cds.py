"""``cds``: one row per note (or per episode) in Commissioning Data Set code positions.

PRIMARY DIAGNOSIS (ICD), SECONDARY DIAGNOSIS (ICD) 1..n, PRIMARY PROCEDURE (OPCS),
PROCEDURE (OPCS) 2..n, each in CDS code format, in the order the suggestion stage ranks them
(``suggest.episode_suggestions``: the note rules re-applied over all notes of the row), and a
SUGGESTION_STATUS column saying these are suggestions for a coder to confirm (CSV has no comments).

Episodes span notes, so the sink keeps each note's suggestions (without display texts: small)
and writes the whole file atomically in ``close()``; the coding rules for the episode are the
run's (``run["coding_rules"]``, else the defaults). On resume the runner
re-feeds earlier results (suggestions only) through ``write()``; re-feeding a note replaces it.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from coding_toolkit.io.sinks.base import fsync_dir, spreadsheet_safe
from coding_toolkit.records import CodeSuggestion, CodeSystem, NoteResult
from coding_toolkit.suggest import CodingRules, primary_and_others
from coding_toolkit.suggest.episode import episode_suggestions

STATUS = "SUGGESTED - CODER TO CONFIRM"
ILLUSTRATIVE = " - ILLUSTRATIVE MAP, NOT FOR CLINICAL USE"
ICD, OPCS = CodeSystem.ICD10, CodeSystem.OPCS4


@dataclass
class _Row:
    episode_id: str | None
    notes: dict[str, tuple[CodeSuggestion, ...]] = field(default_factory=dict)
    illustrative: bool = False


def cds_code(code: str) -> str:
    """CDS form of a map target: no dot, no space (older map rows write ``I394 A``)."""
    return code.replace(" ", "").replace(".", "")


def _compact(s: CodeSuggestion) -> CodeSuggestion:
    # what the episode rules need (codes, alternatives, evidence counts), not the display texts
    return replace(s, display=None, title=None, alternatives=tuple(replace(a, title=None) for a in s.alternatives))


def _cds(positions: tuple[str, list[str]]) -> tuple[str, list[str]]:
    primary, others = positions
    return cds_code(primary), [cds_code(c) for c in others]


class CdsSink:
    def __init__(self, path: Path, *, run: dict[str, Any] | None = None):
        self.path = Path(path)
        self.run = run or {}
        self.by_episode = bool(self.run.get("episode_column"))
        self.rules = self.run.get("coding_rules") or CodingRules.load()
        self._rows: dict[tuple[str, str], _Row] = {}

    def open(self, resume_position: int | None = None) -> None:
        # the file is rewritten whole in close(); earlier results come back through write()
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def abort(self) -> None:
        """A run that stopped: write nothing (the table is whole only at close; --resume rebuilds it)."""
        self._rows.clear()

    def replay(self, results: Sequence[NoteResult]) -> None:
        """Earlier notes' suggestions, re-fed from the runner's ledger on resume (this sink aggregates)."""
        self.write(results)

    def write(self, results: Sequence[NoteResult]) -> None:
        for r in results:
            key = (
                ("episode", r.episode_id)
                if self.by_episode and r.episode_id is not None
                else ("note", r.note_id)
            )
            row = self._rows.get(key)
            if row is None:
                row = self._rows[key] = _Row(episode_id=r.episode_id if key[0] == "episode" else None)
            row.notes[r.note_id] = tuple(_compact(s) for s in r.suggestions)
            row.illustrative = row.illustrative or bool(r.provenance.get("illustrative"))
        return None

    def table(self) -> list[list[str]]:
        """Header plus one row per note/episode (what ``close`` writes)."""
        body, n_dx, n_px = [], 1, 1
        for key, row in self._rows.items():
            # the coding rules (suggest/) decide codes and order; this sink only writes positions
            ranked = episode_suggestions(row.notes.values(), self.rules)
            dx = _cds(primary_and_others(ranked, ICD))
            px = _cds(primary_and_others(ranked, OPCS))
            n_dx, n_px = max(n_dx, len(dx[1])), max(n_px, len(px[1]))
            ident = [row.episode_id or "", ";".join(row.notes)] if self.by_episode else [key[1]]
            body.append((ident, STATUS + (ILLUSTRATIVE if row.illustrative else ""), dx, px))
        ident_cols = ["EPISODE_ID", "NOTE_IDS"] if self.by_episode else ["NOTE_ID"]
        header = (
            ident_cols
            + ["SUGGESTION_STATUS", "PRIMARY DIAGNOSIS (ICD)"]
            + [f"SECONDARY DIAGNOSIS (ICD) {i}" for i in range(1, n_dx + 1)]
            + ["PRIMARY PROCEDURE (OPCS)"]
            + [f"PROCEDURE (OPCS) {i}" for i in range(2, n_px + 2)]
        )
        table = [header]
        for ident, status, (pdx, sdx), (ppx, spx) in body:
            table.append(
                ident
                + [status, pdx]
                + sdx
                + [""] * (n_dx - len(sdx))
                + [ppx]
                + spx
                + [""] * (n_px - len(spx))
            )
        return table

    def close(self) -> None:
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        try:
            # mkstemp makes the file 0600; the output gets the mode every other output gets (umask)
            os.fchmod(fd, 0o666 & ~_current_umask())
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                csv.writer(fh, lineterminator="\r\n").writerows(spreadsheet_safe(row) for row in self.table())
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        fsync_dir(self.path.parent)


def _current_umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it: put it back at once
    os.umask(mask)
    return mask
