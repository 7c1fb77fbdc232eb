"""Fixtures for the starter data tests: the shipped GPS table, illustrative map and examples."""
from __future__ import annotations

import csv
import importlib.util
import sys

import pytest

from coding_toolkit.resources import data_path


@pytest.fixture(scope="session")
def gps_ids() -> set[str]:
    with open(data_path("model_packs", "gps_concepts.tsv"), encoding="utf-8", newline="") as fh:
        return {row["sctid"] for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)}


@pytest.fixture(scope="module")
def maker():
    """make_illustrative_map.py as a module (it lives beside its data, not in the package)."""
    path = data_path("mappings", "illustrative", "make_illustrative_map.py")
    spec = importlib.util.spec_from_file_location("make_illustrative_map", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_illustrative_map"] = module
    spec.loader.exec_module(module)
    return module
