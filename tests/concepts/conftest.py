"""Fixtures for the concept-model tests: the toy MedCATtrainer export and a writable pack copy."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.fixture(scope="session")
def mct_export() -> Path:
    """24 documents (the 12 fixture notes + 12 with abbreviations), one rejected and one deleted annotation."""
    return FIXTURES / "mct_export.json"


@pytest.fixture
def pack_copy(tiny_pack, tmp_path) -> Path:
    """A copy of the tiny pack that a test may tamper with."""
    dst = tmp_path / "pack"
    shutil.copytree(tiny_pack, dst)
    return dst


@pytest.fixture(scope="session")
def loaded_pack(tiny_pack):
    from coding_toolkit.concepts.pack import load_pack

    return load_pack(tiny_pack)
