"""A pack built from the hand-written refinement release (tests/refine/release.py), and its pipeline."""
from __future__ import annotations

import pytest

from tests.refine.release import write_release


@pytest.fixture(scope="session")
def refine_release(tmp_path_factory):
    return write_release(tmp_path_factory.mktemp("refine_release"))


@pytest.fixture(scope="session")
def refine_pack(refine_release, tmp_path_factory):
    from coding_toolkit.concepts.build import build_pack_from_release

    return build_pack_from_release(refine_release, tmp_path_factory.mktemp("refine") / "pack")


@pytest.fixture(scope="session")
def refine_pipeline(refine_pack):
    from coding_toolkit.pipeline import Pipeline

    return Pipeline.from_pack(refine_pack)


@pytest.fixture(scope="session")
def run(refine_pipeline):
    """note text -> NoteResult through the whole pipeline."""
    from coding_toolkit.records import Note

    return lambda text: refine_pipeline.process(Note("t", text))
