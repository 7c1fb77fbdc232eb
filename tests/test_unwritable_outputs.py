"""Every command that writes fails in one line (exit 2, the path and the fix) when it cannot write:
a parent that is a file, no permission, a full disk; a missing parent folder is created (issue 24, item 6).

'No permission' must hold for root too (CI runs as root): nothing may be created in /sys, whoever asks.
A full disk is a file size limit (RLIMIT_FSIZE) on a subprocess: writes past it fail with EFBIG.
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from coding_toolkit.cli.main import cli

NO_PERMISSION = Path("/sys/coding-toolkit-test")  # sysfs refuses new files, root included


def _commands(tmp_path: Path, tiny_pack: Path, rf2_release: Path, fixture_notes: Path):
    """(name, argv with {OUT} where the output goes) for every command that writes."""
    from coding_toolkit.review.store import DecisionStore

    review_db = tmp_path / "review.sqlite"
    DecisionStore(review_db).close()
    results = tmp_path / "results.jsonl"
    results.write_text(json.dumps({"note_id": "n01", "mentions": [], "suggestions": []}) + "\n")
    export = Path(__file__).parent / "fixtures" / "mct_export.json"
    return [
        ("annotate --out", ["annotate", str(fixture_notes), "--pack", str(tiny_pack), "--out", "{OUT}/o.jsonl"]),
        ("annotate --db", ["annotate", str(fixture_notes), "--pack", str(tiny_pack), "--db", "{OUT}/o.sqlite"]),
        ("model build", ["model", "build", str(rf2_release), "--out", "{OUT}/pk"]),
        ("train unsupervised", ["train", "unsupervised", "--pack", str(tiny_pack), "--notes", str(fixture_notes),
                                "--out", "{OUT}/pk"]),
        ("train supervised", ["train", "supervised", "--pack", str(tiny_pack), "--export", str(export),
                              "--out", "{OUT}/pk"]),
        ("train meta", ["train", "meta", "--pack", str(tiny_pack), "--export", str(export), "--task", "Negation",
                        "--out", "{OUT}/pk"]),
        ("maps import", ["maps", "import", str(rf2_release), "--db", "{OUT}/maps.sqlite"]),
        ("review export", ["review", "export", "--db", str(review_db), "--out", "{OUT}/x.json"]),
        ("review serve", ["review", "serve", str(results), "--notes", str(fixture_notes), "--db", "{OUT}/r.sqlite"]),
    ]


def _run(argv: list[str], out: Path):
    return CliRunner().invoke(cli, [a.replace("{OUT}", str(out)) for a in argv])


@pytest.mark.parametrize("case", ["parent is a file", "no permission"])
def test_every_writing_command_says_why_it_cannot_write(case, tmp_path, tiny_pack, rf2_release, fixture_notes):
    if case == "parent is a file":
        out = tmp_path / "afile"
        out.write_text("not a folder")
        expected = f"{out} is a file, not a folder; fix: "
    else:
        out = NO_PERMISSION
        if not Path("/sys").is_dir():
            pytest.skip("no /sys on this system")
        expected = "cannot write in /sys"
    for name, argv in _commands(tmp_path, tiny_pack, rf2_release, fixture_notes):
        result = _run(argv, out)
        assert result.exit_code == 2, (name, result.output, result.exception)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: --"), (name, result.output)
        assert str(out) in lines[0] and expected in lines[0], (name, lines[0])
        assert "Traceback" not in result.output


def test_a_missing_parent_folder_is_created(tmp_path, tiny_pack, rf2_release, fixture_notes):
    commands = dict(_commands(tmp_path, tiny_pack, rf2_release, fixture_notes))
    for name, written in (("annotate --out", "o.jsonl"), ("annotate --db", "o.sqlite"),
                          ("maps import", "maps.sqlite"), ("review export", "x.json")):
        out = tmp_path / "new" / name.replace(" ", "_").replace("-", "") / "deeper"
        result = _run(commands[name], out)
        assert result.exit_code == 0, (name, result.output)
        assert (out / written).is_file(), name


def _limited(argv: list[str], limit: int, cwd: Path):
    def limit_file_size():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run([sys.executable, "-m", "coding_toolkit", *argv], capture_output=True, text=True,
                          cwd=cwd, preexec_fn=limit_file_size, timeout=600)


def test_a_full_disk_mid_run_is_one_line_and_resume_loses_nothing(tmp_path, tiny_pack, fixture_notes):
    texts = [json.loads(x)["text"] for x in fixture_notes.read_text().splitlines() if x.strip()]
    notes = tmp_path / "n.jsonl"
    notes.write_text("".join(json.dumps({"note_id": f"x{i}", "text": texts[i % len(texts)] * 20}) + "\n"
                             for i in range(300)))
    argv = ["annotate", str(notes), "--pack", str(tiny_pack), "--out", "o.jsonl", "--no-progress",
            "--batch-size", "8"]
    full = _limited(argv, 400_000, tmp_path)
    assert full.returncode == 2, full.stderr
    assert full.stderr.count("\n") == 1 and "Traceback" not in full.stderr
    assert "o.jsonl: a write failed: the disk is full or a file size limit was reached" in full.stderr
    assert "--resume" in full.stderr
    resumed = subprocess.run([sys.executable, "-m", "coding_toolkit", *argv, "--resume"], capture_output=True,
                             text=True, cwd=tmp_path, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    ids = [json.loads(x)["note_id"] for x in (tmp_path / "o.jsonl").read_text().splitlines()]
    assert ids == [f"x{i}" for i in range(300)], "each note once, in order, after the resume"


def test_a_full_disk_during_a_map_import_is_one_line(tmp_path, rf2_release):
    result = _limited(["maps", "import", str(rf2_release), "--db", "maps.sqlite"], 40_000, tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and "free space" in result.stderr, result.stderr


def test_the_library_checks_its_outputs_before_loading_a_pack(tmp_path, fixture_notes):
    """coding_toolkit.annotate plans the run as the CLI does, so an unwritable output fails at once."""
    import coding_toolkit as ct
    from coding_toolkit.errors import InputError

    blocker = tmp_path / "afile"
    blocker.write_text("x")
    config = ct.RunConfig(pack=str(tmp_path / "no-such-pack"))  # never loaded: the output is checked first
    with pytest.raises(InputError, match="afile is a file, not a folder"):
        ct.annotate(str(fixture_notes), config, str(blocker / "o.jsonl"))
    with pytest.raises(InputError, match="cannot write in /sys"):
        ct.annotate(str(fixture_notes), config, "/sys/o.jsonl")
