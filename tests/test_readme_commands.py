"""README's first screen: exactly two self-contained set-up commands, and .ci/run runs the second verbatim."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setup_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", readme, re.S).group(1)
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_readme_has_exactly_two_self_contained_setup_commands():
    commands = _setup_commands()
    assert len(commands) == 2, commands
    for command in commands:
        # a fresh Debian/Ubuntu Python refuses pip install outside a virtual environment (PEP 668)
        assert command.startswith("python3 -m venv .venv && . .venv/bin/activate && pip install "), command
        assert "\\" not in command, "one line each, so that it can be pasted and run as it is"
    assert commands[0].endswith("coding-toolkit annotate examples/notes.jsonl --out suggestions.jsonl")
    assert commands[1].endswith("python -m pytest")
    # the meta extra needs torch: the CPU build goes in first, so pip never pulls the CUDA one (GBs)
    cpu = "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu && "
    assert cpu in commands[1] and commands[1].index(cpu) < commands[1].index("'.[test,meta")
    assert "meta" not in commands[0], "the first command needs no torch"


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    lines = [line for line in ci.splitlines() if line.strip() and not line.startswith("#")]
    assert lines[-1] == _setup_commands()[1]
    assert "rm -rf .venv" in ci, "from a clean .venv, as a new user"
