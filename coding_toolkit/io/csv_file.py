"""CSV files a coder opens in a spreadsheet: every text cell formula-safe, the file written atomically.

One writer for every whole CSV file the toolkit writes (the CDS table, the rejects list, the review
exports): a reader never sees half a file, a crash leaves the earlier file, and no cell that came
from outside (a note id, a reviewer's reason) runs as a formula. The streaming CSV sink appends
batches itself (``io/sinks/csv_sink.py``) but uses the same cell rule.
"""
from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO, Any

# a spreadsheet runs a cell that starts with one of these as a formula (CSV/formula injection), and
# note text, ids and names come from outside: such cells get a leading apostrophe (OWASP's advice)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(row: Iterable[Any]) -> list:
    """``row`` with every text cell that a spreadsheet would evaluate neutralised by a leading ``'``."""
    return [f"'{v}" if isinstance(v, str) and v.startswith(_FORMULA_STARTS) else v for v in row]


def fsync_dir(path: Path) -> None:
    """Make a create/rename inside ``path`` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _current_umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it: put it back at once
    os.umask(mask)
    return mask


def write_atomic(path: str | Path, write: Callable[[IO[str]], None]) -> None:
    """Write a text file through ``write(handle)`` into a temporary file beside ``path``, then rename
    it over ``path`` (durably): the file is whole or, on any error, as it was before."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes the file 0600; the output gets the mode every other output gets (umask)
        os.fchmod(fd, 0o666 & ~_current_umask())
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def write_csv(path: str | Path, rows: Iterable[Sequence[Any]]) -> None:
    """``rows`` (the header first) as a CSV file (CRLF, UTF-8), spreadsheet-safe, written atomically."""
    write_atomic(path, lambda fh: csv.writer(fh, lineterminator="\r\n").writerows(
        spreadsheet_safe(row) for row in rows))
