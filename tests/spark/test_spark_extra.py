"""Without pyspark the Spark engine says which extra to install (and nothing else imports pyspark)."""
from __future__ import annotations

import subprocess
import sys

CODE = """
import sys
sys.modules["pyspark"] = None  # as if the extra were not installed
import coding_toolkit.cli.annotate_cmd, coding_toolkit.bulk.runner, coding_toolkit.pipeline
from coding_toolkit.errors import MissingExtraError
try:
    import coding_toolkit.bulk.spark
except MissingExtraError as e:
    print(e)
"""


def test_missing_pyspark_names_the_extra():
    done = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "pip install 'coding-toolkit[spark]'" in done.stdout


def test_cli_without_pyspark_is_one_line_error(tmp_path, fixture_notes):
    code = ("import sys; sys.modules['pyspark'] = None; from coding_toolkit.cli.main import main; "
            f"sys.argv = ['coding-toolkit', 'annotate', {str(fixture_notes)!r}, '--engine', 'spark', "
            f"'--out', {str(tmp_path / 'o')!r}]; main()")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "coding-toolkit[spark]" in done.stderr and "Traceback" not in done.stderr
