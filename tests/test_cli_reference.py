"""Every command has help text and is documented in docs/cli.md; --help does not import medcat."""
import subprocess
import sys
from pathlib import Path

from coding_toolkit.cli.main import COMMANDS, cli
from coding_toolkit.cli.reference import _walk, render_reference

DOC = Path(__file__).parent.parent / "docs" / "cli.md"


def test_docs_cli_md_is_generated_from_current_help():
    import difflib

    current, documented = render_reference(), DOC.read_text(encoding="utf-8")
    diff = "\n".join(list(difflib.unified_diff(documented.splitlines(), current.splitlines(), lineterm=""))[:30])
    assert documented == current, (
        f"docs/cli.md is stale: run python -m coding_toolkit.cli.reference > docs/cli.md\n{diff}")


def test_every_command_has_help_and_all_groups_are_registered():
    names = [" ".join(path) for path, _, _ in _walk(cli, ["coding-toolkit"])]
    for top in COMMANDS:
        assert f"coding-toolkit {top}" in names
    for path, command, _ in _walk(cli, ["coding-toolkit"]):
        assert (command.help or "").strip(), f"{' '.join(path)} has no help text"
    for needed in ("maps import", "maps show", "model build", "model info", "train unsupervised",
                   "train supervised", "train meta", "context evaluate"):
        assert f"coding-toolkit {needed}" in names


def test_top_level_help_does_not_import_medcat():
    code = ("import sys; from coding_toolkit.cli.main import main; sys.argv=['coding-toolkit','--help'];\n"
            "try:\n main()\nexcept SystemExit: pass\nassert 'medcat' not in sys.modules, 'medcat imported'\n"
            "assert 'torch' not in sys.modules and 'pyspark' not in sys.modules")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "annotate" in done.stdout
