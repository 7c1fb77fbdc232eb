"""Remember that a pack's files hashed to the content hash in its pack.json, so that the next load
does not read every byte again while nothing has changed (issue 27: start-up in seconds).

A pack is a dill pickle and loading it runs code, so a changed file must be hashed again before it is
unpickled. The verdict is therefore kept only with a fingerprint of every content file and pack.json:
relative path, size, inode, modification time and inode change time (ctime, in nanoseconds). Writing,
replacing, renaming in or ``touch``-ing a file back to its old mtime all change the ctime, which a
user cannot set, so any change means a full hash again. ``model info --verify`` and
``CODING_TOOLKIT_PACK_VERIFY=always`` hash the whole pack every time.

Verdicts live in the user's cache folder (``$CODING_TOOLKIT_CACHE/verified/``), never in the pack
folder: whoever can replace a pack's files cannot leave a verdict for this user with them. A cache
folder that cannot be written just means hashing every time.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

ENV = "CODING_TOOLKIT_PACK_VERIFY"  # "always": no remembered verdicts
_VERSION = 1


def always_hash() -> bool:
    return os.environ.get(ENV, "").strip().lower() == "always"


def fingerprint(root: Path, files) -> str:
    """A digest of the stat of ``files`` (relative path, size, inode, mtime, ctime) under ``root``."""
    digest = hashlib.sha256(f"v{_VERSION}".encode())
    for path in files:
        st = os.stat(path)
        rel = path.relative_to(root).as_posix()
        digest.update(f"\0{rel}\0{st.st_size}\0{st.st_dev}:{st.st_ino}\0{st.st_mtime_ns}\0{st.st_ctime_ns}".encode())
    return digest.hexdigest()


def _record_path(root: Path) -> Path:
    from coding_toolkit.resources import cache_dir

    key = hashlib.sha256(str(root.resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return cache_dir() / "verified" / f"{key}.json"


def is_verified(root: Path, content_hash: str, stamp: str) -> bool:
    """Whether ``root`` was verified against ``content_hash`` with exactly these files (``stamp``)."""
    if always_hash():
        return False
    try:
        record = json.loads(_record_path(root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (isinstance(record, dict) and record.get("content_hash") == content_hash
            and record.get("fingerprint") == stamp and record.get("path") == str(root.resolve()))


def remember(root: Path, content_hash: str, stamp: str) -> None:
    """Record that ``root`` hashed to ``content_hash`` with these files (atomic; failures only logged)."""
    try:
        path = _record_path(root)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"path": str(root.resolve()), "content_hash": content_hash,
                                   "fingerprint": stamp}), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as err:
        log.debug("could not remember the verified pack %s (%s): it is hashed again next time", root, err)


def forget(root: Path) -> None:
    try:
        _record_path(root).unlink(missing_ok=True)
    except OSError:
        pass
