"""Read a trust's own coding (CODED): long rows or wide CDS rows, the shape told by the header.

long   ``episode_id, system, position, code``: one row per code; ``system`` ICD-10 | OPCS-4,
       ``position`` 1 = the primary diagnosis / procedure, ``code`` in CDS (``I219``) or dotted form.
wide   ``PRIMARY DIAGNOSIS (ICD)``, ``SECONDARY DIAGNOSIS (ICD) 1..n``, ``PRIMARY PROCEDURE (OPCS)``,
       ``PROCEDURE (OPCS) 2..n``: one row per episode (what ``annotate --format cds`` writes).

The episode column is ``episode_id``, or the ``--episode-column`` name when the header has it. A file
that is not one of these shapes is an error naming the missing columns; a bad row (unknown system,
invalid code or position, an episode on two wide rows) rejects its whole episode, listed with the
line and the reason, so that nothing is scored on half its codes and nothing is dropped silently.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from coding_toolkit.errors import InputError
from coding_toolkit.evaluation.codes import ICD, OPCS, score_key, system_name

LONG_COLUMNS = ("episode_id", "system", "position", "code")
PRIMARY_DIAGNOSIS, SECONDARY_DIAGNOSIS = "PRIMARY DIAGNOSIS (ICD)", "SECONDARY DIAGNOSIS (ICD)"
PRIMARY_PROCEDURE, PROCEDURE = "PRIMARY PROCEDURE (OPCS)", "PROCEDURE (OPCS)"
_NUMBERED = re.compile(r"^(.*\))\s*(\d*)$")


@dataclass(frozen=True)
class CodedEpisode:
    episode_id: str
    codes: frozenset[tuple[str, str]]  # (system, 4-character score key)
    primary: str | None  # score key of the coded primary diagnosis (ICD-10 position 1)
    line: int  # first line of the episode in CODED


@dataclass(frozen=True)
class Reject:
    """An episode left out of the scoring, and why (never note text)."""

    episode_id: str
    where: str  # CODED:line, or the notes input
    reason: str


@dataclass
class CodedHistory:
    path: str
    shape: str  # "long" | "wide"
    episodes: dict[str, CodedEpisode] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)


@dataclass
class _Building:
    line: int
    codes: set = field(default_factory=set)
    primary: str | None = None
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, what is wrong there)

    def where_and_reason(self, path: Path) -> tuple[str, str]:
        """The reject names the line of its first problem once; a problem on another line keeps its own."""
        first = self.problems[0][0]
        return f"{path}:{first}", "; ".join(problem if line == first else f"line {line}: {problem}"
                                            for line, problem in self.problems)


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line, stripped cells): the header first, then every non-blank row."""
    if not path.is_file():
        raise InputError(f"{path}: CODED file not found; fix: give the CSV/TSV of your coded episodes")
    delimiter = "\t" if path.suffix.lower() in (".tsv", ".tab", ".txt") else ","
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, delimiter=delimiter)
            header = next(reader, None)
            if not header:
                raise InputError(f"{path}: empty file, no header; fix: the first line names the columns "
                                 f"({', '.join(LONG_COLUMNS)}, or the CDS columns {PRIMARY_DIAGNOSIS} ...)")
            yield 1, [h.strip() for h in header]
            for row in reader:
                cells = [cell.strip() for cell in row]
                if not any(cells):
                    continue
                if len(cells) != len(header):
                    raise InputError(f"{path}:{reader.line_num}: {len(cells)} fields, the header has {len(header)}; "
                                     "fix: quote values holding the delimiter")
                yield reader.line_num, cells
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start}); fix: save it as UTF-8") from None


def _wide_columns(header: list[str]) -> list[tuple[int, str, int]] | None:
    """(column index, system, position) of the CDS code columns in position order, or None without them."""
    out: list[tuple[int, str, int]] = []
    for column, name_in_file in enumerate(header):
        m = _NUMBERED.match(name_in_file.upper())
        if not m:
            continue
        name, number = m.group(1).strip(), int(m.group(2) or 0)
        if name == PRIMARY_DIAGNOSIS:
            out.append((column, ICD, 1))
        elif name == SECONDARY_DIAGNOSIS:
            out.append((column, ICD, 2 + number))
        elif name == PRIMARY_PROCEDURE:
            out.append((column, OPCS, 1))
        elif name == PROCEDURE:
            out.append((column, OPCS, max(number, 2)))
    if not any(header[column].upper() == PRIMARY_DIAGNOSIS for column, _, _ in out):
        return None
    return sorted(out, key=lambda c: (c[1], c[2]))


def read_coded(path: str | Path, episode_column: str | None = None) -> CodedHistory:
    """The coded episodes of ``path`` and the episodes rejected with their reasons."""
    path = Path(path)
    rows = _rows(path)
    _, header = next(rows)
    lower = {h.lower(): i for i, h in enumerate(header)}  # column name -> index
    id_index = next((lower[c.lower()] for c in (episode_column, "episode_id") if c and c.lower() in lower), None)
    wide = _wide_columns(header)
    long_missing = [c for c in LONG_COLUMNS[1:] if c not in lower]
    if wide is None and long_missing:
        raise InputError(
            f"{path}: the header is neither the long shape ({', '.join(LONG_COLUMNS)}; missing "
            f"{', '.join(long_missing)}) nor CDS columns ({PRIMARY_DIAGNOSIS}, {SECONDARY_DIAGNOSIS} 1..n, "
            f"{PRIMARY_PROCEDURE}, {PROCEDURE} 2..n); found: {', '.join(header)}; fix: rename the columns")
    if id_index is None:
        wanted = f"'{episode_column}' or 'episode_id'" if episode_column else "'episode_id'"
        raise InputError(f"{path}: no episode column ({wanted}) in the header ({', '.join(header)}); fix: add it, "
                         "or name yours with --episode-column")
    history = CodedHistory(str(path), "wide" if wide is not None else "long")
    building: dict[str, _Building] = {}
    system_at, position_at, code_at = (lower.get(c, -1) for c in LONG_COLUMNS[1:])  # the long shape only
    for line, row in rows:
        episode = row[id_index]
        if not episode:
            history.rejects.append(Reject("", f"{path}:{line}", f"empty {header[id_index]}; fix: give every row "
                                                                 "its episode"))
            continue
        if wide is not None:
            if episode in building:
                building[episode].problems.append(
                    (line, f"episode also on line {building[episode].line}; fix: one CDS row per episode"))
                continue
            ep = building[episode] = _Building(line)
            for column, system, position in wide:
                if row[column]:
                    _add(ep, line, header[column], system, row[column], position)
            if not ep.codes and not ep.problems:
                ep.problems.append((line, "no codes in any CDS column; fix: give the episode its codes or remove the row"))
        else:
            ep = building.setdefault(episode, _Building(line))
            named = system_name(row[system_at])
            if named is None:
                ep.problems.append((line, f"unknown system {row[system_at]!r}; fix: ICD-10 or OPCS-4"))
                continue
            raw = row[position_at]
            if not raw.isdigit() or int(raw) < 1:
                ep.problems.append((line, f"position {raw!r} is not a whole number from 1; "
                                          "fix: 1 for the primary, 2, 3, ... for the others"))
                continue
            _add(ep, line, "code", named, row[code_at], int(raw))
    for episode, ep in building.items():
        if ep.problems:
            history.rejects.append(Reject(episode, *ep.where_and_reason(path)))
        else:
            history.episodes[episode] = CodedEpisode(episode, frozenset(ep.codes), ep.primary, ep.line)
    if not history.episodes:
        raise InputError(f"{path}: no usable coded episode ({len(history.rejects)} rejected; first: "
                         f"{history.rejects[0].where if history.rejects else 'no rows'}: "
                         f"{history.rejects[0].reason if history.rejects else 'the file has only a header'})")
    return history


def _add(ep: _Building, line: int, column: str, system: str, code: str, position: int) -> None:
    key = score_key(code, system)
    if key is None:
        ep.problems.append((line, f"{column} {code!r} is not an {system} code; fix: correct it (e.g. "
                                  f"{'I21.9 or I219' if system == ICD else 'K75.1 or K751'})"))
        return
    ep.codes.add((system, key))
    if system == ICD and position == 1:
        if ep.primary is not None and ep.primary != key:
            ep.problems.append((line, "a second primary diagnosis (position 1); fix: one per episode"))
        ep.primary = key
