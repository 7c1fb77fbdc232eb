"""Every record read ends up as an output record or a reject row: nothing vanishes (issue 24, items 1, 5, 17)."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from coding_toolkit.cli.main import cli

pytestmark = pytest.mark.slow


def _annotate(*args: str):
    return CliRunner().invoke(cli, ["annotate", *args], catch_exceptions=False)


def _rejects(out: Path) -> list[dict]:
    with open(f"{out}.rejects.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_malformed_jsonl_lines_are_reject_rows_and_the_counts_add_up(tmp_path, tiny_pack):
    lines = [json.dumps({"note_id": "a", "text": "Heart failure."}), "{not json", json.dumps(["a list"]),
             json.dumps({"note_id": "b", "body": "no text field"}), json.dumps({"note_id": None, "text": "Asthma."}),
             "", json.dumps({"note_id": "c", "text": "Asthma."})]
    notes = tmp_path / "n.jsonl"
    notes.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = _annotate(str(notes), "--pack", str(tiny_pack), "--out", str(out))
    assert result.exit_code == 0, result.output
    written = [json.loads(x)["note_id"] for x in out.read_text(encoding="utf-8").splitlines()]
    rejects = _rejects(out)
    assert written == ["a", "c"]
    assert [r["source"] for r in rejects] == ["n.jsonl:2", "n.jsonl:3", "n.jsonl:4", "n.jsonl:5"]
    assert len(written) + len(rejects) == sum(1 for x in lines if x.strip()), "every line accounted for"
    assert "not valid JSON" in rejects[0]["reason"] and "no field 'text'" in rejects[2]["reason"]
    assert "'note_id' is null" in rejects[3]["reason"]
    assert "annotated 2 notes" in result.output and "rejected 4" in result.output


def test_an_unterminated_csv_quote_keeps_the_notes_before_it(tmp_path, tiny_pack):
    notes = tmp_path / "q.csv"
    notes.write_text('note_id,text\nA,Heart failure.\nB,Asthma.\nC,"never closed\nD,more\nE,end\n',
                     encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = _annotate(str(notes), "--pack", str(tiny_pack), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert [json.loads(x)["note_id"] for x in out.read_text(encoding="utf-8").splitlines()] == ["A", "B"]
    rejects = _rejects(out)
    assert len(rejects) == 1 and rejects[0]["source"] == "q.csv:4"
    assert "malformed quoting" in rejects[0]["reason"] and "rest of the file" in rejects[0]["reason"]


def test_broken_quoting_in_the_first_record_is_exit_2_and_nothing_left(tmp_path, tiny_pack):
    notes = tmp_path / "q.csv"
    notes.write_text('note_id,text\nC,"never closed\nD,more\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["annotate", str(notes), "--pack", str(tiny_pack), "--out", str(out)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{notes}:2: " in result.output and "fix:" in result.output
    assert not out.exists()


def test_an_episode_id_field_groups_cds_rows_without_episode_column(tmp_path, tiny_pack):
    notes = tmp_path / "e.jsonl"
    notes.write_text("".join(json.dumps(r) + "\n" for r in [
        {"note_id": "a", "episode_id": "E1", "text": "Heart failure."},
        {"note_id": "b", "episode_id": "E1", "text": "Essential hypertension."},
        {"note_id": "c", "episode_id": "E2", "text": "Asthma."}]), encoding="utf-8")
    out = tmp_path / "out.csv"
    result = _annotate(str(notes), "--pack", str(tiny_pack), "--out", str(out), "--format", "cds")
    assert result.exit_code == 0, result.output
    with open(out, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["EPISODE_ID"], r["NOTE_IDS"]) for r in rows] == [("E1", "a;b"), ("E2", "c")]
