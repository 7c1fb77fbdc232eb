"""Read ``der2_*Refset_ExtendedMap*Snapshot*`` files: detect the variant from the header, keep every column.

UK maps end with ``mapBlock``; the International map ends with ``mapCategoryId``. Rows are
validated (integers where integers belong) and, where the same row id appears more than once,
the latest effectiveTime wins; then only active rows are kept.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from coding_toolkit.errors import MapError, where
from coding_toolkit.terminology import rf2

COMMON = [
    "id",
    "effectiveTime",
    "active",
    "moduleId",
    "refsetId",
    "referencedComponentId",
    "mapGroup",
    "mapPriority",
    "mapRule",
    "mapAdvice",
    "mapTarget",
    "correlationId",
]
VARIANTS = {"mapBlock": "uk", "mapCategoryId": "international"}
# RF2 column -> store column
COLUMN_NAMES = {
    "id": "id",
    "effectiveTime": "effective_time",
    "active": "active",
    "moduleId": "module_id",
    "refsetId": "refset_id",
    "referencedComponentId": "sctid",
    "mapGroup": "map_group",
    "mapPriority": "map_priority",
    "mapRule": "map_rule",
    "mapAdvice": "map_advice",
    "mapTarget": "map_target",
    "correlationId": "correlation_id",
    "mapBlock": "map_block",
    "mapCategoryId": "map_category_id",
}


def detect_variant(path: Path) -> tuple[str, list[str]]:
    """("uk" | "international", header) from the file's header; MapError for anything else."""
    header = rf2.read_header(path)
    last = header[-1] if header else ""
    expected = " | ".join("\t".join(COMMON + [col]) for col in VARIANTS)
    if last not in VARIANTS or header[:-1] != COMMON:
        raise MapError(
            f"{where(path, 1)}: unexpected map columns {header!r}; expected either of: {expected}; "
            "fix: pass an unmodified RF2 ExtendedMap Snapshot file"
        )
    return VARIANTS[last], header


def read_map_file(path: Path, *, chunksize: int = rf2.CHUNK_ROWS) -> pd.DataFrame:
    """All rows (active and inactive) of one map file, validated, with store column names."""
    variant, header = detect_variant(path)
    parts = []
    for chunk in rf2.read_chunks(path, header, error=MapError, chunksize=chunksize):
        active = rf2.active_mask(chunk, path, error=MapError)
        frame = pd.DataFrame({COLUMN_NAMES[c]: chunk[c].to_numpy() for c in header})
        frame["active"] = active.astype(np.int16)
        for col in ("referencedComponentId", "refsetId"):
            rf2.to_int(chunk, col, path, error=MapError)  # validates: SCTIDs are integers
        for col in ("mapGroup", "mapPriority", "effectiveTime") + (("mapBlock",) if variant == "uk" else ()):
            frame[COLUMN_NAMES[col]] = rf2.to_int(chunk, col, path, error=MapError)
        empty = chunk["id"].to_numpy() == ""
        if empty.any():
            pos = int(np.argmax(empty))
            raise MapError(f"{where(path, rf2.line_of(chunk, pos), 'id')}: blank row id; fix: repair the row")
        frame["line"] = chunk.index.to_numpy() + 2
        parts.append(frame)
    frame = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=[COLUMN_NAMES[c] for c in header])
    )
    if variant == "uk":
        frame["map_category_id"] = None
    else:
        frame["map_block"] = 1  # the International map has no blocks: one complete solution
    frame["variant"] = variant
    frame["source_file"] = path.name
    return frame


def read_map_files(paths: list[Path], *, progress: bool = False) -> pd.DataFrame:
    """Active rows of all map files; the latest effectiveTime wins for a row id seen twice."""
    iterable = paths
    if progress:
        from tqdm import tqdm

        iterable = tqdm(paths, desc="reading map files", unit="file")
    frames = [read_map_file(p) for p in iterable]
    if not frames:
        return pd.DataFrame(columns=list(COLUMN_NAMES.values()) + ["variant", "source_file", "line"])
    frame = pd.concat(frames, ignore_index=True)
    frame = frame.sort_values(["id", "effective_time"], kind="stable").drop_duplicates("id", keep="last")
    frame = frame[frame["active"] == 1]
    return frame.sort_values(["refset_id", "sctid", "map_block", "map_group", "map_priority"]).reset_index(
        drop=True
    )
