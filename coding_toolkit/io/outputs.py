"""Where a command writes: checked before any work, and OS errors turned into one line with the fix.

``check_output`` runs first in every command that writes a file or folder (``--out``, ``--db`` as
a SQLite file): it creates the missing folders above the output (as ``annotate`` and ``model build``
always did) and proves that a file can be created there, so a wrong path fails in a second with a
message naming the option, instead of a traceback after an hour of work. ``describe_os_error``
words an ``OSError`` met later (a full disk in the middle of a run) for the CLI.
"""
from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from coding_toolkit.errors import InputError

_FULL = (errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC))
_DENIED = (errno.EACCES, errno.EPERM, errno.EROFS)


def check_output(path, option: str) -> Path:
    """Create the folders above ``path`` and check that a file can be written beside it (a pack
    folder's parent also holds its resumable checkpoint); InputError naming ``option`` otherwise."""
    path = Path(path)
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".coding-toolkit-write-check-", dir=parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise InputError(f"{option} {path}: {_problem(err, parent)}") from None
    return path


def sqlite_file(url: str | Path) -> Path | None:
    """The file of a SQLite database given as a path or a ``sqlite:///`` URL; None for others."""
    text = str(url)
    if "://" not in text:
        return Path(text).expanduser()
    if text.startswith("sqlite:///") and text[len("sqlite:///"):] not in ("", ":memory:"):
        return Path(text[len("sqlite:///"):].split("?", 1)[0])
    return None


def check_db_output(url: str | Path | None, option: str = "--db") -> None:
    """``check_output`` for a SQLite file database (other databases report their own errors)."""
    path = sqlite_file(url) if url is not None else None
    if path is not None:
        check_output(path, option)


def _file_in_the_way(path: Path) -> Path | None:
    """The nearest existing ancestor of ``path`` that is not a folder, if any."""
    for ancestor in [path, *path.parents]:
        if ancestor.exists() or ancestor.is_symlink():
            return None if ancestor.is_dir() else ancestor
    return None


def _problem(err: OSError, folder: Path) -> str:
    blocking = _file_in_the_way(folder)
    if blocking is not None or err.errno == errno.ENOTDIR:
        return (f"{blocking or 'a part of the path'} is a file, not a folder; fix: choose a path inside a "
                "folder, or move that file")
    reason = err.strerror or type(err).__name__
    if err.errno in _FULL:
        return f"the disk is full in {folder} ({reason}); fix: free space there or choose another disk"
    if err.errno in _DENIED:
        return f"cannot write in {folder} ({reason}); fix: choose a folder you can write to"
    return f"cannot write in {folder} ({reason}); fix: choose another folder"


_DB_DISK_ERRORS = ("database or disk is full", "disk I/O error")  # SQLite's words for a failed write


def disk_full(err: BaseException) -> bool:
    """An OSError, or a database error caused by one, that says the disk (or a size limit) is full
    or a write to it failed."""
    seen = 0
    current: BaseException | None = err
    while current is not None and seen < 5:
        if isinstance(current, OSError) and current.errno in _FULL:
            return True
        if any(words in str(current) for words in _DB_DISK_ERRORS):
            return True
        current = getattr(current, "orig", None) or current.__cause__
        seen += 1
    return False


def describe_os_error(err: BaseException) -> str:
    """One line for an error the OS raised while a command ran (no traceback for users)."""
    name = getattr(err, "filename", None)
    where = f"{name}: " if name else ""
    if disk_full(err):
        reason = getattr(err, "strerror", None) or str(getattr(err, "orig", None) or err).split("\n")[0][:80]
        return (f"{where}a write failed: the disk is full or a file size limit was reached ({reason}); fix: free space (or "
                "write to another disk), then run the same command again: annotate continues with --resume, "
                "nothing committed is lost")
    if isinstance(err, OSError):
        reason = err.strerror or type(err).__name__
        if name and (err.errno == errno.ENOTDIR or _file_in_the_way(Path(name).parent) is not None):
            return f"{where}a part of the path is a file, not a folder; fix: choose a path inside a folder"
        if err.errno in _DENIED:
            return f"{where}no permission ({reason}); fix: choose a path you can write to (or read, for an input)"
        return f"{where}{reason}; fix: check the path and the disk"
    return f"{type(err).__name__}: {err}"
