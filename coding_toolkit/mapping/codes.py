"""ICD-10 and OPCS-4 code formats (docs/reference.md §1).

Map/CDS form: ICD-10 without a dot, 3-character codes padded with X (``I10X``), daggers end in
``D`` (``E143D``), asterisks in ``A`` (``H360A``; older rows ``I394 A``); an unused 5th character is
``-`` when a 6th (D/A) follows in the 6-character CDS field (``E143-D``). OPCS-4: ``H019``.
Display form: ``I10``, ``I21.9``, ``E14.3†``, ``H36.0*``, ``H01.9``. ``#NIS``/``#NC`` are not codes.
"""

from __future__ import annotations

import re
from functools import lru_cache

from coding_toolkit.errors import MapError

DAGGER, ASTERISK = "†", "*"
# map/CDS form: category, 4th (digit or X), optional 5th (digit or '-'), optional D/A marker
_ICD_CDS = re.compile(r"^([A-Z]\d{2})([0-9X]?)([0-9-]?)([DA]?)$")
# display form: category, optional .4th[5th], optional †/* (ASCII '+' accepted for the dagger)
_ICD_DISPLAY = re.compile(r"^([A-Z]\d{2})(?:\.(\d)(\d?))?([†*+]?)$")
_OPCS = re.compile(r"^([A-Z]\d{2})\.?(\d?)$")


def _system_kind(system: str) -> str:
    upper = (system or "").upper()
    if upper.startswith("ICD"):
        return "icd"
    if upper.startswith("OPCS"):
        return "opcs"
    raise MapError(f"unknown classification {system!r}; fix: use 'ICD-10' or 'OPCS-4'")


# the NHS maps' special targets: what each means (the map's own words), for people reading a map
SPECIAL_TARGETS = {"#NIS": "not in scope of the classification", "#NC": "cannot be classified"}


def special_target_meaning(target: str) -> str:
    """What a special target (#NIS, #NC) means; a generic phrase for any other '#' target."""
    return SPECIAL_TARGETS.get(target.strip().upper(), "not a code")


def is_classifiable(target: str | None) -> bool:
    """False for ``#NIS`` (not in scope), ``#NC`` (cannot be classified) and blank targets."""
    return bool(target and target.strip()) and not target.strip().startswith("#")


@lru_cache(maxsize=65536)  # pure; a release has ~15k distinct targets and rules ask per suggestion
def _parse_icd(code: str) -> tuple[str, str, str, str] | None:
    """(category, 4th, 5th, marker D/A/'') from either form, or None if not an ICD-10 code."""
    compact = code.strip().upper().replace(" ", "")
    m = _ICD_DISPLAY.match(compact)
    if m:
        marker = {"†": "D", "+": "D", "*": "A", "": ""}[m.group(4)]
        return m.group(1), m.group(2) or "", m.group(3) or "", marker
    m = _ICD_CDS.match(compact)
    if m and m.group(2):
        fourth = "" if m.group(2) == "X" else m.group(2)
        fifth = "" if m.group(3) == "-" else m.group(3)
        if m.group(2) == "X" and fifth:
            return None
        return m.group(1), fourth, fifth, m.group(4)
    return None


@lru_cache(maxsize=65536)
def target_kind(target: str | None) -> str | None:
    """``"dagger"`` (E143D, E14.3†), ``"asterisk"`` (H360A, I394 A, H36.0*) or None."""
    if not is_classifiable(target):
        return None
    parsed = _parse_icd(target)
    if parsed is None:
        return None
    return {"D": "dagger", "A": "asterisk"}.get(parsed[3])


def icd_parts(target: str | None) -> tuple[str, str, str, str] | None:
    """(category, 4th, 5th, marker D/A/'') of an ICD-10 code in either form, or None for a non-code.

    ``E113D`` -> (``E11``, ``3``, ``""``, ``D``); ``I10X`` -> (``I10``, ``""``, ``""``, ``""``): an
    X-padded code has no 4th character. The one parser the suggestion rules and titles use.
    """
    if not is_classifiable(target):
        return None
    return _parse_icd(target)


def to_display(target: str | None, system: str) -> str | None:
    """Human form (``I21.9``, ``E14.3†``, ``H01.9``); None for #NIS/#NC or an unrecognised target."""
    if not is_classifiable(target):
        return None
    if _system_kind(system) == "opcs":
        m = _OPCS.match(target.strip().upper())
        if not m:
            return None
        return m.group(1) + (f".{m.group(2)}" if m.group(2) else "")
    parsed = _parse_icd(target)
    if parsed is None:
        return None
    cat, fourth, fifth, marker = parsed
    out = cat + (f".{fourth}{fifth}" if fourth else "")
    return out + {"D": DAGGER, "A": ASTERISK, "": ""}[marker]


def to_cds(code: str, system: str, *, six_char: bool = False) -> str:
    """Map/CDS form from display or map form (``E14.3†`` -> ``E143D``, ``I10`` -> ``I10X``).

    With ``six_char`` a dagger/asterisk code without a 5th character is written with ``-`` in the
    5th position (``E143-D``), as in the 6-character CDS field. Raises MapError for a non-code.
    """
    if not is_classifiable(code):
        raise MapError(
            f"{code!r} is not a code (#NIS: not in scope of the classification; #NC: cannot be classified); fix: pass a real {system} code"
        )
    if _system_kind(system) == "opcs":
        m = _OPCS.match(code.strip().upper())
        if not m:
            raise MapError(f"{code!r} is not an OPCS-4 code; fix: use the form H01.9 or H019")
        return m.group(1) + m.group(2)
    parsed = _parse_icd(code)
    if parsed is None:
        raise MapError(f"{code!r} is not an ICD-10 code; fix: use the form I21.9, E14.3†, I219 or E143D")
    cat, fourth, fifth, marker = parsed
    out = cat + (fourth or "X") + fifth
    if marker and six_char and not fifth:
        out += "-"
    return out + marker


def base_code(code: str, system: str) -> str | None:
    """Display form without dagger/asterisk (``E14.3``): the key classification titles are kept under."""
    display = to_display(code, system)
    return display.rstrip(DAGGER + ASTERISK) if display else None


def cds_code(code: str) -> str:
    """CDS form of a map target: no dot, no space (older map rows write ``I394 A``)."""
    return code.replace(" ", "").replace(".", "")
