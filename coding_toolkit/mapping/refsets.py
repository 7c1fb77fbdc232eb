"""The map reference sets the toolkit knows, read from ``mappings/refsets.json`` (data, not code)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from coding_toolkit.errors import MapError, where
from coding_toolkit.resources import data_path


@dataclass(frozen=True)
class RefsetInfo:
    refset_id: str
    system: str  # "ICD-10" | "OPCS-4" | "ICD-10 (International)"
    version: str
    variant: str  # "uk" (mapBlock) | "international" (mapCategoryId)
    retired: bool = False


def version_key(version: str) -> tuple:
    """Sort key for classification versions: "4.11" > "4.10" > "4.9" (numeric parts, not text)."""
    return tuple(int(p) if p.isdigit() else p for p in version.replace("-", ".").split("."))


@lru_cache(maxsize=4)
def load_refsets(path: str | None = None) -> dict[str, RefsetInfo]:
    """refset id -> RefsetInfo from ``path`` or the shipped ``mappings/refsets.json``."""
    file = Path(path) if path else data_path("mappings", "refsets.json")
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        return {
            str(r["refset_id"]): RefsetInfo(
                str(r["refset_id"]),
                r["system"],
                str(r["version"]),
                r.get("variant", "uk"),
                bool(r.get("retired", False)),
            )
            for r in data["maps"]
        }
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise MapError(
            f"{where(file)}: cannot read the map refset list ({err}); fix: restore mappings/refsets.json "
            "(a 'maps' list of {refset_id, system, version})"
        ) from err
