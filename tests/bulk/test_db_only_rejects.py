"""A database-only run (``--db`` without ``--out``) writes its rejects beside its ledger, in the
documented state folder, never into the working directory."""
from __future__ import annotations

import csv
import json

from click.testing import CliRunner

from coding_toolkit.cli.main import cli


def test_db_only_run_keeps_its_rejects_beside_the_ledger(tiny_pack, fixture_notes, tmp_path, monkeypatch):
    notes = tmp_path / "notes.jsonl"
    lines = fixture_notes.read_text(encoding="utf-8").splitlines()
    lines.append(json.dumps({"note_id": "EMPTY-1", "text": "   "}))
    notes.write_text("\n".join(lines) + "\n", encoding="utf-8")
    state = tmp_path / "state"
    monkeypatch.setenv("CODING_TOOLKIT_STATE", str(state))
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    res = CliRunner().invoke(cli, ["annotate", str(notes), "--pack", str(tiny_pack), "--db", f"sqlite:///{tmp_path}/out.db", "--no-progress"])
    assert res.exit_code == 0, res.output
    assert list(cwd.iterdir()) == []
    rejects = sorted((state / "runs").glob("db-*.rejects.csv"))
    assert len(rejects) == 1 and (state / "runs" / rejects[0].name.replace(".rejects.csv", ".ledger.sqlite")).exists()
    assert str(rejects[0]) in res.output
    with open(rejects[0], newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["note_id"] for r in rows] == ["EMPTY-1"]
