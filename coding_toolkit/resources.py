"""Find the data shipped with the toolkit (mappings/, model_packs/, examples/).

In a source checkout they sit beside the package; after ``pip install .`` they are installed
as data files under ``<prefix>/share/coding_toolkit/`` (``~/.local/share/...`` for ``--user``).
"""
from __future__ import annotations

import os
import site
import sys
from pathlib import Path

from coding_toolkit.errors import InputError

_REPO = Path(__file__).resolve().parent.parent
_SHARE = [Path(base) / "share" / "coding_toolkit" for base in (sys.prefix, site.USER_BASE) if base]


def data_path(*parts: str) -> Path:
    """Path of a shipped data file, e.g. ``data_path("mappings", "refsets.json")``."""
    roots = [_REPO, *_SHARE]
    for root in roots:
        candidate = root.joinpath(*parts)
        if candidate.exists():
            return candidate
    raise InputError(f"shipped data file {'/'.join(parts)} not found in {', '.join(map(str, roots))}; "
                     "fix: reinstall the toolkit")


def cache_dir() -> Path:
    """Where derived artefacts (the built starter pack) are cached; override with CODING_TOOLKIT_CACHE."""
    root = os.environ.get("CODING_TOOLKIT_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "coding_toolkit")
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def state_dir() -> Path:
    """Where run state lives (annotate's resume ledgers), in one place rather than beside each output;
    override with CODING_TOOLKIT_STATE (default ``$XDG_STATE_HOME/coding_toolkit``, ``~/.local/state/...``)."""
    root = os.environ.get("CODING_TOOLKIT_STATE") or os.path.join(
        os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state"), "coding_toolkit")
    path = Path(root)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"{path}: cannot create the run-state folder ({err.strerror}); fix: set "
                         "CODING_TOOLKIT_STATE to a writable folder") from err
    return path
