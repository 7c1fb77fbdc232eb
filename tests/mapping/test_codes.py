"""Code formats: CDS/map form <-> display form (docs/reference.md §1)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coding_toolkit.errors import MapError
from coding_toolkit.mapping.codes import base_code, is_classifiable, target_kind, to_cds, to_display


@pytest.mark.parametrize(
    "target,display,kind",
    [
        ("I10X", "I10", None),
        ("I219", "I21.9", None),
        ("E143D", "E14.3†", "dagger"),
        ("H360A", "H36.0*", "asterisk"),
        ("I394 A", "I39.4*", "asterisk"),
        ("E143-D", "E14.3†", "dagger"),
        ("K37X", "K37", None),
        ("M8445", "M84.45", None),
        ("E14.3†", "E14.3†", "dagger"),
        ("H36.0*", "H36.0*", "asterisk"),
        ("i21.9", "I21.9", None),
    ],
)
def test_icd10_display_and_kind(target, display, kind):
    assert to_display(target, "ICD-10") == display
    assert target_kind(target) == kind


@pytest.mark.parametrize(
    "code,cds,six",
    [
        ("E14.3†", "E143D", "E143-D"),
        ("I10", "I10X", "I10X"),
        ("I21.9", "I219", "I219"),
        ("H36.0*", "H360A", "H360-A"),
        ("I394 A", "I394A", "I394-A"),
        ("E143-D", "E143D", "E143-D"),
        ("M84.45", "M8445", "M8445"),
        ("M84.45†", "M8445D", "M8445D"),
    ],
)
def test_icd10_cds(code, cds, six):
    assert to_cds(code, "ICD-10") == cds
    assert to_cds(code, "ICD-10", six_char=True) == six
    assert 4 <= len(six) <= 6


def test_opcs():
    assert to_display("H019", "OPCS-4") == "H01.9"
    assert to_display("H01", "OPCS-4") == "H01"
    assert to_cds("H01.9", "OPCS-4") == "H019"
    assert target_kind("H019") is None
    assert base_code("H019", "OPCS-4") == "H01.9"


@pytest.mark.parametrize("target", ["#NIS", "#NC", "", "  "])
def test_not_classifiable(target):
    assert not is_classifiable(target)
    assert to_display(target, "ICD-10") is None and to_display(target, "OPCS-4") is None
    assert target_kind(target) is None
    with pytest.raises(MapError, match="not a code"):
        to_cds(target, "ICD-10")


def test_garbage_and_unknown_system():
    assert to_display("hello", "ICD-10") is None
    with pytest.raises(MapError, match="not an ICD-10 code"):
        to_cds("hello", "ICD-10")
    with pytest.raises(MapError, match="unknown classification"):
        to_display("I10X", "READ")


letters = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
digit = st.sampled_from("0123456789")


@given(letters, digit, digit, st.one_of(st.just("X"), digit), st.sampled_from(["", "D", "A"]))
def test_icd10_round_trip(letter, d1, d2, fourth, marker):
    cds = f"{letter}{d1}{d2}{fourth}{marker}"
    display = to_display(cds, "ICD-10")
    assert display is not None
    assert to_cds(display, "ICD-10") == cds
    assert target_kind(cds) == {"": None, "D": "dagger", "A": "asterisk"}[marker]
    assert ("." in display) == (fourth != "X")


@given(letters, digit, digit, digit)
def test_opcs_round_trip(letter, d1, d2, d3):
    cds = f"{letter}{d1}{d2}{d3}"
    assert to_cds(to_display(cds, "OPCS-4"), "OPCS-4") == cds
