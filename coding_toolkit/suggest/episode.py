"""Episode level: the same coding rules over all notes of an episode (CDS per episode).

The notes' suggestions are joined per code (evidence added up, best confidence kept), then the
note rules run again over the whole episode: an alternative established by another note, an
unspecified code superseded by a specific one from another note, and one ranking.

``cds_table`` lays the result out in Commissioning Data Set code positions; the CDS sink, the
service's ``cds`` answer and the review's confirmed-codes export all call it with the run's rules.
"""
from __future__ import annotations

from collections.abc import Iterable

from coding_toolkit.mapping.codes import cds_code
from coding_toolkit.records import CodeSuggestion, CodeSystem, NoteResult
from coding_toolkit.suggest.config import CodingRules
from coding_toolkit.suggest.merge import merge_suggestions
from coding_toolkit.suggest.ranking import primary_and_others

STATUS = "SUGGESTED - CODER TO CONFIRM"
ILLUSTRATIVE = " - ILLUSTRATIVE MAP, NOT FOR CLINICAL USE"


def episode_suggestions(per_note: Iterable[Iterable[CodeSuggestion]], rules: CodingRules | None = None
                        ) -> tuple[CodeSuggestion, ...]:
    from coding_toolkit.suggest import apply_code_rules

    joined = merge_suggestions(s for note in per_note for s in note)
    return apply_code_rules(joined, rules, describe=lambda s: s.display or s.code)


def _cds(positions: tuple[str, list[str]]) -> tuple[str, list[str]]:
    primary, others = positions
    return cds_code(primary), [cds_code(c) for c in others]


def cds_table(results: Iterable[NoteResult], rules: CodingRules | None, *, by_episode: bool,
              status: str = STATUS) -> list[list[str]]:
    """Header plus one row per note, or per episode (``by_episode``; a note without one: its own row),
    in first-seen order: PRIMARY DIAGNOSIS (ICD), SECONDARY DIAGNOSIS (ICD) 1..n, PRIMARY PROCEDURE
    (OPCS), PROCEDURE (OPCS) 2..n in CDS code form, as ``rules`` (the run's) decide codes and order.
    ``status`` fills the status column (marked when a note's codes come from the illustrative map)."""
    rows: dict[tuple[str, str | None], list[NoteResult]] = {}
    for r in results:
        key = ("episode", r.episode_id) if by_episode and r.episode_id is not None else ("note", r.note_id)
        rows.setdefault(key, []).append(r)
    body, n_dx, n_px = [], 1, 1
    for (kind, ident), notes in rows.items():
        ranked = episode_suggestions((r.suggestions for r in notes), rules)
        dx = _cds(primary_and_others(ranked, CodeSystem.ICD10))
        px = _cds(primary_and_others(ranked, CodeSystem.OPCS4))
        n_dx, n_px = max(n_dx, len(dx[1])), max(n_px, len(px[1]))
        cells = [ident or "" if kind == "episode" else "", ";".join(r.note_id for r in notes)] if by_episode \
            else [ident or ""]
        illustrative = any(r.provenance.get("illustrative") for r in notes)
        body.append((cells, status + (ILLUSTRATIVE if illustrative else ""), dx, px))
    header = ((["EPISODE_ID", "NOTE_IDS"] if by_episode else ["NOTE_ID"])
              + ["SUGGESTION_STATUS", "PRIMARY DIAGNOSIS (ICD)"]
              + [f"SECONDARY DIAGNOSIS (ICD) {i}" for i in range(1, n_dx + 1)]
              + ["PRIMARY PROCEDURE (OPCS)"]
              + [f"PROCEDURE (OPCS) {i}" for i in range(2, n_px + 2)])
    return [header] + [cells + [state, pdx] + sdx + [""] * (n_dx - len(sdx)) + [ppx] + spx + [""] * (n_px - len(spx))
                       for cells, state, (pdx, sdx), (ppx, spx) in body]
