"""The real starter pipeline, loaded once for the suggestion tests that run whole notes."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def pipeline():
    from coding_toolkit.pipeline import Pipeline

    return Pipeline.from_pack(None)  # the starter pack (built into the cache on first use)
