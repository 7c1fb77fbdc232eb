"""Shared fixtures: the tiny RF2 release, a tiny MedCAT pack built from it, PostgreSQL, shared data."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("MEDCAT_DISABLE_VERSION_CHECK", "true")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# run ledgers of the tests' annotate runs (and their subprocesses) stay out of the user's state folder
os.environ["CODING_TOOLKIT_STATE"] = tempfile.mkdtemp(prefix="ct-state-")

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
SHARED = HERE.parent.parent / "shared"


def _require(reason: str):
    """Skip on a developer machine, but fail in CI: no test may skip itself there."""
    if os.environ.get("CI"):
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def require_module(name: str, extra: str):
    """Import an optional dependency; skip locally without it, fail in CI (which installs every extra)."""
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError:
        _require(f"{name} is not installed: pip install '.[{extra}]'")


@pytest.fixture(scope="session")
def rf2_release() -> Path:
    """Tiny UK-layout release: International + UK Clinical folders, CRLF, literal quotes."""
    return FIXTURES / "rf2"


@pytest.fixture(scope="session")
def fixture_notes() -> Path:
    """A few short notes (JSONL) mentioning the fixture release's concepts."""
    return FIXTURES / "notes.jsonl"


@pytest.fixture(scope="session")
def tiny_pack(tmp_path_factory, rf2_release, fixture_notes) -> Path:
    """A real MedCAT pack built from the fixture release (with its maps), once per test run."""
    from coding_toolkit.concepts.build import build_pack_from_release

    out = tmp_path_factory.mktemp("packs") / "tiny"
    build_pack_from_release(rf2_release, out, notes=fixture_notes)
    return out


@pytest.fixture(scope="session")
def pg_url() -> str:
    url = os.environ.get("CT_TEST_PG_URL")
    if not url:
        _require("set CT_TEST_PG_URL to a PostgreSQL URL (.ci/run starts a server)")
    return url


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.exists():
        _require(f"shared benchmark data not found at {SHARED}")
    return SHARED
