"""The scoring's code key and chapters: codes compared as 4-character CDS codes, dagger/asterisk ignored.

``E14.3†``, ``E143D``, ``E143-D`` and ``E1430`` are all ``E143``; ``I10``/``I10X`` are ``I10X``;
OPCS-4 ``H01.9``/``H019`` are ``H019``. Chapters come from ``data/chapters.json``.
"""
from __future__ import annotations

import json
from bisect import bisect_right
from functools import lru_cache
from pathlib import Path

from coding_toolkit.mapping.codes import icd_parts
from coding_toolkit.records import CodeSystem

ICD, OPCS = str(CodeSystem.ICD10), str(CodeSystem.OPCS4)
_DATA = Path(__file__).parent / "data" / "chapters.json"
# the spellings of a system a trust's file may use -> the toolkit's name
_SYSTEMS = {"ICD10": ICD, "ICD": ICD, "ICD105THEDITION": ICD, "ICD10INTERNATIONAL": ICD,
            "OPCS4": OPCS, "OPCS": OPCS}


@lru_cache(maxsize=256)  # a file spells its systems a few ways, on every row
def system_name(value: str) -> str | None:
    """``ICD-10`` or ``OPCS-4`` for the usual spellings (``icd10``, ``OPCS 4``, ...), None otherwise."""
    return _SYSTEMS.get("".join(ch for ch in (value or "").upper() if ch.isalnum()))


@lru_cache(maxsize=65536)
def score_key(code: str, system: str) -> str | None:
    """The 4-character CDS code the scoring compares, or None when ``code`` is not a code of ``system``."""
    compact = (code or "").strip().upper().replace(" ", "")
    if system == OPCS:
        compact = compact.replace(".", "")
        ok = len(compact) == 4 and compact[0].isalpha() and compact[1:].isdigit() and compact[0] not in "IO"
        return compact if ok else None
    if compact.endswith(("-D", "-A")):  # the 6-character CDS field: unused 5th character before the mark
        compact = compact[:-2] + compact[-1]
    parts = icd_parts(compact)
    if parts is None and len(compact) == 5 and compact[3:].isdigit():  # a 5th character in CDS form
        parts = icd_parts(compact[:4])
    if parts is None:
        return None
    category, fourth = parts[0], parts[1]
    return category + (fourth or "X")


@lru_cache(maxsize=1)
def _chapters() -> tuple[list[str], list[tuple[str, str, str]], dict[str, str], dict[str, int]]:
    data = json.loads(_DATA.read_text(encoding="utf-8"))
    order = {f"{row[0]} {row[3]}": i for i, row in enumerate(data["icd10"])}  # classification order
    order.update({f"{letter} {name}": 100 + i for i, (letter, name) in enumerate(sorted(data["opcs4"].items()))})
    rows = sorted(data["icd10"], key=lambda row: row[1])  # by first code, for the bisection
    return [row[1] for row in rows], [(row[0], row[2], row[3]) for row in rows], data["opcs4"], order


def chapter(key: str, system: str) -> str:
    """``IX Circulatory system`` / ``K Heart`` for a score key; ``other`` outside every chapter."""
    starts, rows, opcs, _ = _chapters()
    if system == OPCS:
        name = opcs.get(key[:1])
        return f"{key[:1]} {name}" if name else "other"
    at = bisect_right(starts, key[:3]) - 1
    if at >= 0 and key[:3] <= rows[at][1]:
        return f"{rows[at][0]} {rows[at][2]}"
    return "other"


def chapter_order(label: str) -> tuple[int, str]:
    """Sort key: chapters in classification order (I ... XXII, A ... Z), ``other`` last."""
    return (_chapters()[3].get(label, 1000), label)


def display_key(key: str, system: str) -> str:
    """``I21.3``, ``I10``, ``H01.9``: how a coder reads a score key."""
    if system == OPCS:
        return f"{key[:3]}.{key[3:]}"
    return key[:3] if key[3] == "X" else f"{key[:3]}.{key[3:]}"
