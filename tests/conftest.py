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


# What a developer's plain ``pytest`` leaves out, so that it runs in seconds on a clone: ``--all`` (or
# ``-m`` naming them) runs them; CI (``CI`` set, as .ci/run does) always runs everything and fails on
# any skip. Marks come from the tests (``pytest.mark.slow``, ...) and from what they use (below).
OPT_IN = {"postgres": "needs PostgreSQL (CT_TEST_PG_URL)", "spark": "starts Spark (Java)",
          "chromium": "drives headless Chromium", "slow": "builds or trains models"}


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def pytest_addoption(parser):
    parser.addoption("--all", action="store_true", dest="run_all",
                     help="also run the PostgreSQL, Spark, Chromium and slow tests (CI always does)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if "pg_url" in used:
            item.add_marker(pytest.mark.postgres)
        if "browser" in used:
            item.add_marker(pytest.mark.chromium)
        if "spark" in Path(str(item.fspath)).parts:
            item.add_marker(pytest.mark.spark)
    if _in_ci() or config.getoption("run_all") or config.getoption("markexpr"):
        return
    for item in items:
        asked = [OPT_IN[m.name] for m in item.iter_markers() if m.name in OPT_IN]
        if asked:
            item.add_marker(pytest.mark.skip(reason=f"{asked[0]}: run with --all (CI runs everything)"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI a skipped test is a failed one: nothing may silently not run there."""
    outcome = yield
    report = outcome.get_result()
    if _in_ci() and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome, report.longrepr = "failed", f"skipped in CI ({reason}); CI must run every test"


def _require(reason: str):
    """Skip on a developer machine, but fail in CI: no test may skip itself there."""
    if _in_ci():
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
