"""Low-level RF2 access: find release folders and Snapshot files, read tables in chunks.

RF2 files are UTF-8, tab-separated, CRLF, one header line and no quoting (a ``"`` in a term is
literal), so they are read with ``quoting=QUOTE_NONE`` and every field as text. Columns are taken
from the header by name, never by position.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from coding_toolkit.errors import ReleaseError, ToolkitError, where

CHUNK_ROWS = 250_000
_FOLDER_RE = re.compile(
    r"^SnomedCT_(?P<kind>[A-Za-z0-9]+?)RF2_(?P<status>[A-Z]+)_(?P<date>\d{8})(?:T\d{6}Z)?"
)
_BAD_ROW_RE = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
# the semantic tag ending an FSN: "Heart failure (disorder)" -> "disorder"
TAG_RE = re.compile(r"\s*\(([^()]*)\)\s*$")


@lru_cache(maxsize=1)
def constants() -> dict:
    """The RF2 ids and file patterns kept as data (rf2.json beside this module)."""
    return json.loads((Path(__file__).with_name("rf2.json")).read_text(encoding="utf-8"))


def semantic_tag(fsn: str) -> str:
    """``Heart failure (disorder)`` -> ``disorder`` ("" without a tag)."""
    m = TAG_RE.search(fsn)
    return m.group(1) if m else ""


def strip_tag(term: str) -> str:
    """``Heart failure (disorder)`` -> ``Heart failure`` (a term without a tag is only stripped)."""
    return TAG_RE.sub("", term).strip()


def is_release_folder(path: Path) -> bool:
    return path.is_dir() and (path / "Snapshot").is_dir()


def find_release_folders(path: str | Path) -> list[Path]:
    """The ``SnomedCT_*RF2_*`` folders at ``path`` (a folder a trust unzipped, or one release folder)."""
    root = Path(path)
    if not root.exists():
        raise ReleaseError(
            f"release folder {root} does not exist; fix: pass the folder you unzipped "
            "the TRUD download into (it holds SnomedCT_*RF2_* folders)"
        )
    if not root.is_dir():
        raise ReleaseError(f"release path {root} is a file, not a folder; fix: unzip it and pass the folder")
    if is_release_folder(root):
        return [root]
    folders = sorted(p for p in root.iterdir() if is_release_folder(p))
    if not folders:  # a zip often unpacks into one more level of folders
        folders = sorted(
            p for child in root.iterdir() if child.is_dir() for p in child.iterdir() if is_release_folder(p)
        )
    if not folders:
        raise ReleaseError(
            f"release folder {root} holds no SnomedCT_*RF2_* folder with a Snapshot/ inside; "
            "fix: pass the folder you unzipped the TRUD release into"
        )
    return folders


def folder_info(folder: Path) -> dict:
    """Name, kind (International, UKClinical, Monolith...) and release date parsed from a folder name."""
    m = _FOLDER_RE.match(folder.name)
    date = m.group("date") if m else None
    return {
        "name": folder.name,
        "kind": m.group("kind") if m else None,
        "date": f"{date[:4]}-{date[4:6]}-{date[6:]}" if date else None,
    }


def snapshot_files(folder: Path, kind: str) -> list[Path]:
    """Files of one kind ("concept", "description", ...) under ``folder/Snapshot`` (never Full/Delta)."""
    pattern = constants()["file_patterns"][kind]
    return sorted((folder / "Snapshot").rglob(pattern))


def read_header(path: Path) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return fh.readline().rstrip("\r\n").split("\t")


def check_columns(path: Path, header: list[str], required: list[str], error: type[ToolkitError]) -> None:
    missing = [c for c in required if c not in header]
    if missing:
        raise error(
            f"{where(path, 1)}: header lacks column(s) {', '.join(missing)} (found: {', '.join(header)}); "
            "fix: use an unmodified RF2 Snapshot file"
        )


# how every TRUD tab-separated file is read (RF2 and the classification title files alike): text
# columns, no quoting (a '"' in a term is literal), empty fields stay empty, a BOM is tolerated
TAB_FILE_OPTIONS = dict(sep="\t", dtype=str, quoting=csv.QUOTE_NONE, keep_default_na=False, encoding="utf-8-sig")


def read_chunks(
    path: Path, columns: list[str], *, error: type[ToolkitError] = ReleaseError, chunksize: int = CHUNK_ROWS
) -> Iterator[pd.DataFrame]:
    """Yield DataFrames of ``columns`` (all text) from an RF2 file; the index is the 0-based data row."""
    header = read_header(path)
    check_columns(path, header, columns, error)
    # all columns are read (no usecols): only then does the parser reject rows with extra fields
    reader = pd.read_csv(path, chunksize=chunksize, **TAB_FILE_OPTIONS)
    last = header[-1]
    try:
        for chunk in reader:
            short = chunk[last].to_numpy() == ""
            if short.any():  # RF2's last column is never blank: the row lost fields
                pos = int(short.argmax())
                raise error(
                    f"{where(path, line_of(chunk, pos), last)}: blank last field; the row has fewer "
                    f"fields than the header ({len(header)}); fix: repair or re-extract the file"
                )
            yield chunk[columns]
    except pd.errors.ParserError as err:
        m = _BAD_ROW_RE.search(str(err))
        if m:
            raise error(
                f"{where(path, int(m.group(2)))}: row has {m.group(3)} fields, the header has "
                f"{m.group(1)}; fix: repair or re-extract the file (RF2 files are tab-separated, "
                "no quoting)"
            ) from err
        raise error(f"{where(path)}: cannot parse ({err}); fix: re-extract the file") from err
    except UnicodeDecodeError as err:
        raise error(f"{where(path)}: not UTF-8 ({err.reason}); fix: re-extract the file unmodified") from err


def line_of(chunk: pd.DataFrame, position: int) -> int:
    """File line number (header is line 1) of the row at ``position`` in ``chunk``."""
    return int(chunk.index[position]) + 2


def to_int(
    chunk: pd.DataFrame, column: str, path: Path, *, error: type[ToolkitError] = ReleaseError, dtype=np.int64
) -> np.ndarray:
    """Column as integers; a blank or non-integer value raises ``error`` naming file, line and field."""
    try:  # fast path: numpy parses digit strings ~6x faster than pd.to_numeric
        return chunk[column].to_numpy().astype(dtype)
    except (ValueError, TypeError, OverflowError):
        pass
    values = pd.to_numeric(chunk[column], errors="coerce")
    bad = (values.isna() | (values % 1 != 0)).to_numpy()
    if bad.any():
        pos = int(np.argmax(bad))
        raise error(
            f"{where(path, line_of(chunk, pos), column)}: {chunk[column].iloc[pos]!r} is not an integer; "
            "fix: repair the row (a short row or a stray tab shifts columns)"
        )
    return values.to_numpy(dtype=dtype)


def active_mask(chunk: pd.DataFrame, path: Path, *, error: type[ToolkitError] = ReleaseError) -> np.ndarray:
    values = chunk["active"].to_numpy()
    ok = (values == "1") | (values == "0")
    if not ok.all():
        pos = int(np.argmin(ok))
        raise error(
            f"{where(path, line_of(chunk, pos), 'active')}: {values[pos]!r} is not 0 or 1; "
            "fix: repair the row"
        )
    return values == "1"
