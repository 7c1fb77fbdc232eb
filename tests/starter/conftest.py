"""Fixtures for the starter data tests: the shipped GPS table, illustrative map and examples."""
from __future__ import annotations

import csv

import pytest

from coding_toolkit.resources import data_path


@pytest.fixture(scope="session")
def gps_ids() -> set[str]:
    with open(data_path("model_packs", "gps_concepts.tsv"), encoding="utf-8", newline="") as fh:
        return {row["sctid"] for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)}
