"""Shipped data files: found in a checkout; a missing one is a one-line ToolkitError, not a traceback."""
from __future__ import annotations

import pytest

from coding_toolkit.errors import InputError, ToolkitError
from coding_toolkit.resources import data_path


def test_shipped_refset_table_is_found():
    assert data_path("mappings", "refsets.json").is_file()


def test_missing_shipped_file_says_reinstall():
    with pytest.raises(InputError, match=r"no/such\.json not found.*fix: reinstall the toolkit") as info:
        data_path("no", "such.json")
    assert isinstance(info.value, ToolkitError)
