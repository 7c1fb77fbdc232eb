"""Paths and file helpers shared by the mapping tests."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TITLES = FIXTURES / "titles"
ICD10_TITLES = next(TITLES.glob("ICD10_*"))
OPCS_TITLES = next(TITLES.glob("OPCS4*"))
UK = "SnomedCT_UKClinicalRF2_PRODUCTION_20241120T000001Z"
INT = "SnomedCT_InternationalRF2_PRODUCTION_20240701T120000Z"


def uk_map_file(release: Path) -> Path:
    return next((release / UK / "Snapshot" / "Refset" / "Map").glob("*UKCLSnapshot*"))


def append_line(path: Path, line: str) -> None:
    with open(path, "a", encoding="utf-8", newline="") as fh:
        fh.write(line + "\r\n")
