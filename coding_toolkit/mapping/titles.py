"""Read TRUD classification title files so outputs carry code titles (docs/reference.md §4).

ICD-10 5th Edition ``CodesAndTitlesAndMetadata``: tab-separated with a header (CODE, ALT_CODE,
USAGE, ..., DESCRIPTION), read by name. OPCS-4 ``CodesAndTitles``: no header, code and title.
Titles are keyed by the display code without dagger/asterisk (``E14.3``, ``I10``, ``H01.9``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from coding_toolkit.errors import MapError, where
from coding_toolkit.mapping.codes import base_code
from coding_toolkit.terminology.rf2 import TAB_FILE_OPTIONS

ICD10_COLUMNS = ["CODE", "DESCRIPTION"]


def _check(path: Path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise MapError(
            f"title file {path} does not exist; fix: pass the file from the TRUD classification release"
        )
    return path


def _frame(path: Path, header) -> pd.DataFrame:
    try:
        return pd.read_csv(path, header=header, **TAB_FILE_OPTIONS)
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise MapError(
            f"{where(path)}: cannot read titles ({err}); fix: pass the unmodified TRUD file"
        ) from err


def read_icd10_titles(path: str | Path) -> list[dict]:
    """Rows {system, code, title, version, source} from an ICD-10 CodesAndTitlesAndMetadata file."""
    path = _check(path)
    frame = _frame(path, 0)
    missing = [c for c in ICD10_COLUMNS if c not in frame.columns]
    if missing:
        raise MapError(
            f"{where(path, 1)}: header lacks {', '.join(missing)} (found {', '.join(frame.columns)}); "
            "fix: pass ICD10_Edition5_CodesAndTitlesAndMetadata_GB_<date>.txt"
        )
    out = []
    for i, (code, title) in enumerate(zip(frame["CODE"], frame["DESCRIPTION"])):
        key = base_code(code, "ICD-10")
        if key is None:
            raise MapError(
                f"{where(path, i + 2, 'CODE')}: {code!r} is not an ICD-10 code; fix: repair the row"
            )
        out.append(
            {"system": "ICD-10", "code": key, "title": title, "version": "5th Edition", "source": path.name}
        )
    return out


def opcs_version_from_name(path: Path) -> str | None:
    m = re.search(r"OPCS-?4\.?(\d{1,2})", path.name, re.IGNORECASE)
    return f"4.{m.group(1)}" if m else None


def read_opcs_titles(path: str | Path, version: str | None = None) -> list[dict]:
    """Rows {system, code, title, version, source} from an OPCS-4 CodesAndTitles file (no header)."""
    path = _check(path)
    frame = _frame(path, None)
    if frame.shape[1] < 2:
        raise MapError(
            f"{where(path, 1)}: expected two tab-separated columns (code, title); "
            "fix: pass 'OPCS4<version> CodesAndTitles <Mon YYYY> V1.0.txt'"
        )
    version = version or opcs_version_from_name(path) or ""
    out = []
    for i, (code, title) in enumerate(zip(frame[0], frame[1])):
        key = base_code(code, "OPCS-4")
        if key is None:
            raise MapError(
                f"{where(path, i + 1, 'code')}: {code!r} is not an OPCS-4 code; fix: repair the row"
            )
        out.append({"system": "OPCS-4", "code": key, "title": title, "version": version, "source": path.name})
    return out
