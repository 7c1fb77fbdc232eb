"""``cds``: one row per note (or per episode) in Commissioning Data Set code positions.

PRIMARY DIAGNOSIS (ICD), SECONDARY DIAGNOSIS (ICD) 1..n, PRIMARY PROCEDURE (OPCS),
PROCEDURE (OPCS) 2..n, each in CDS code format, ordered by ``suggestion_rank_key``, and a
SUGGESTION_STATUS column saying these are suggestions for a coder to confirm (CSV has no comments).

Episodes span notes, so the sink keeps each note's codes (only codes and their evidence
strength: small) and writes the whole file atomically in ``close()``. On resume the runner
re-feeds earlier results (suggestions only) through ``write()``; re-feeding a note replaces it.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coding_toolkit.io.serialize import (
    NEVER_PRIMARY_ADVICE,
    can_be_primary,
    is_asterisk_code,
    is_dagger_code,
    suggestion_rank_key,
)
from coding_toolkit.io.sinks.base import fsync_dir, spreadsheet_safe
from coding_toolkit.records import CodeSuggestion, NoteResult

STATUS = "SUGGESTED - CODER TO CONFIRM"
ILLUSTRATIVE = " - ILLUSTRATIVE MAP, NOT FOR CLINICAL USE"
ICD, OPCS = "ICD-10", "OPCS-4"


@dataclass
class _Row:
    episode_id: str | None
    notes: dict[str, tuple[CodeSuggestion, ...]] = field(default_factory=dict)
    illustrative: bool = False


def cds_code(code: str) -> str:
    """CDS form of a map target: no dot, no space (older map rows write ``I394 A``)."""
    return code.replace(" ", "").replace(".", "")


def _compact(s: CodeSuggestion) -> CodeSuggestion:
    # keep only what ordering needs; evidence indexes are kept for their count
    return CodeSuggestion(
        system=s.system,
        code=cds_code(s.code),
        display=None,
        title=None,
        sctids=s.sctids,
        evidence=s.evidence,
        advice=s.advice if NEVER_PRIMARY_ADVICE in (s.advice or "") else "",
        confidence=s.confidence,
        kind=s.kind,
    )


def _merge(items: list[CodeSuggestion]) -> list[CodeSuggestion]:
    """One suggestion per code across an episode's notes: evidence added up, best confidence kept."""
    merged: dict[tuple[str, str], CodeSuggestion] = {}
    for s in items:
        key = (s.system, s.code)
        old = merged.get(key)
        if old is None:
            merged[key] = s
        else:
            merged[key] = CodeSuggestion(
                system=s.system,
                code=s.code,
                display=None,
                title=None,
                sctids=tuple(dict.fromkeys(old.sctids + s.sctids)),
                evidence=old.evidence + s.evidence,
                advice=old.advice or s.advice,
                confidence=max(old.confidence, s.confidence),
                kind=old.kind or s.kind,
            )
    return list(merged.values())


def _is_asterisk(s: CodeSuggestion) -> bool:
    return s.kind == "asterisk" or is_asterisk_code(s.code)


def _is_dagger(s: CodeSuggestion) -> bool:
    return s.kind == "dagger" or is_dagger_code(s.code)


def order_codes(suggestions: list[CodeSuggestion]) -> tuple[str, list[str]]:
    """(primary, others) in CDS order for one system.

    Strongest evidence first; an asterisk code directly follows the dagger code it shares a
    concept with; the primary is the strongest code allowed in a primary position (never an
    asterisk code or one whose map advice forbids it), moved to the front with its asterisk
    codes. When no code may be primary the primary is left empty for the coder.
    """
    ranked = sorted((s for s in suggestions if not s.code.startswith("#")), key=suggestion_rank_key)
    daggers = [s for s in ranked if _is_dagger(s)]
    attached: dict[str, list[CodeSuggestion]] = {}
    placed: set[str] = set()
    for s in ranked:
        if _is_asterisk(s):
            dagger = next((d for d in daggers if set(d.sctids) & set(s.sctids)), None)
            if dagger is not None:
                attached.setdefault(dagger.code, []).append(s)
                placed.add(s.code)
    blocks = [[s] + attached.get(s.code, []) for s in ranked if s.code not in placed]
    first = next((i for i, b in enumerate(blocks) if can_be_primary(b[0])), None)
    if first is None:
        return "", [s.code for b in blocks for s in b]
    head = blocks.pop(first)
    return head[0].code, [s.code for s in head[1:]] + [s.code for b in blocks for s in b]


class CdsSink:
    def __init__(self, path: Path, *, run: dict[str, Any] | None = None):
        self.path = Path(path)
        self.run = run or {}
        self.by_episode = bool(self.run.get("episode_column"))
        self._rows: dict[tuple[str, str], _Row] = {}

    def open(self, resume_position: int | None = None) -> None:
        # the file is rewritten whole in close(); earlier results come back through write()
        self.path.parent.mkdir(parents=True, exist_ok=True)

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
            items = [s for sugg in row.notes.values() for s in sugg]
            merged = _merge(items)
            dx = order_codes([s for s in merged if s.system == ICD])
            px = order_codes([s for s in merged if s.system == OPCS])
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
