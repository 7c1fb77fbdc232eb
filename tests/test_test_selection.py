"""A developer's plain ``pytest`` skips the PostgreSQL/Spark/Chromium/slow tests unless asked; CI
(``CI=true``, set by .ci/run) runs them and turns any skip into a failure (tests/conftest.py)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_TEST = "tests/io_readers/test_notes_reader.py::test_sql_query_postgres"


def _pytest(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("CI", "CT_TEST_PG_URL")}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                          cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=300)


def test_a_plain_local_run_skips_opt_in_tests_and_says_how_to_run_them():
    done = _pytest(PG_TEST, "-rs")
    assert done.returncode == 0 and "1 skipped" in done.stdout, done.stdout
    assert "needs PostgreSQL" in done.stdout and "--all" in done.stdout


def test_asking_runs_them_and_ci_fails_on_any_skip(tmp_path):
    # asked for (--all) without a PostgreSQL URL: the fixture's own skip, with its reason
    asked = _pytest(PG_TEST, "--all", "-rs")
    assert asked.returncode == 0 and "set CT_TEST_PG_URL" in asked.stdout, asked.stdout
    # CI: the same missing server is a failure, never a skip
    ci = _pytest(PG_TEST, CI="true")
    assert ci.returncode == 1 and "1 error" in ci.stdout and "required in CI" in ci.stdout, ci.stdout
    # and a test that skips itself fails in CI too (this suite's conftest loaded as a plugin)
    (tmp_path / "test_skips.py").write_text("import pytest\n\ndef test_it():\n    pytest.skip('no reason')\n")
    skipping = _pytest("-p", "tests.conftest", str(tmp_path / "test_skips.py"), CI="true")
    assert skipping.returncode == 1 and "skipped in CI (Skipped: no reason)" in skipping.stdout, skipping.stdout
    assert _pytest("-p", "tests.conftest", str(tmp_path / "test_skips.py")).returncode == 0  # locally: a skip
