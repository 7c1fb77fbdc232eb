"""Find the data shipped with the toolkit (mappings/, model_packs/, examples/).

In a source checkout they sit beside the package; after ``pip install .`` they are installed
as data files under ``<prefix>/share/coding_toolkit/``.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from coding_toolkit.errors import InputError

_REPO = Path(__file__).resolve().parent.parent
_SHARE = Path(sys.prefix) / "share" / "coding_toolkit"


def data_path(*parts: str) -> Path:
    """Path of a shipped data file, e.g. ``data_path("mappings", "refsets.json")``."""
    for root in (_REPO, _SHARE):
        candidate = root.joinpath(*parts)
        if candidate.exists():
            return candidate
    raise InputError(
        f"shipped data file {'/'.join(parts)} not found in {_REPO} or {_SHARE}; fix: reinstall the toolkit")


def cache_dir() -> Path:
    """Where derived artefacts (the built starter pack) are cached; override with CODING_TOOLKIT_CACHE."""
    root = os.environ.get("CODING_TOOLKIT_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "coding_toolkit")
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path
