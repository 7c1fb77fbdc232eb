"""The run lifecycle is the library's (bulk/lifecycle.py): ``coding_toolkit.annotate`` refuses,
skips, resumes and cleans up exactly as ``coding-toolkit annotate`` does."""
from __future__ import annotations

import json

import pytest

import coding_toolkit as ct
from coding_toolkit.bulk import rerun


@pytest.fixture()
def notes(tmp_path):
    path = tmp_path / "notes.jsonl"
    path.write_text('{"note_id": "a", "text": "Type 2 diabetes."}\n{"note_id": "b", "text": "Asthma."}\n',
                    encoding="utf-8")
    return path


def test_a_library_run_is_up_to_date_the_second_time_and_refused_after_the_notes_change(tiny_pack, notes, tmp_path):
    config = ct.RunConfig(pack=str(tiny_pack))
    out = tmp_path / "out.jsonl"
    first = ct.annotate(notes, config, out)
    assert (first.written, first.up_to_date) == (2, False)
    before = out.read_bytes()
    again = ct.annotate(notes, config, out)
    assert again.up_to_date and "is up to date" in again.message and again.written == 0
    assert out.read_bytes() == before
    notes.write_text(notes.read_text() + '{"note_id": "c", "text": "Heart failure."}\n', encoding="utf-8")
    with pytest.raises(ct.InputError, match="different notes input.*--overwrite"):
        ct.annotate(notes, config, out)
    resumed = ct.annotate(notes, config, out, resume=True)  # adds only the new note
    assert (resumed.written, resumed.skipped_done) == (1, 2)
    assert [json.loads(line)["note_id"] for line in out.read_text().splitlines()] == ["a", "b", "c"]
    replaced = ct.annotate(notes, config, out, overwrite=True)
    assert replaced.written == 3 and len(out.read_text().splitlines()) == 3


def test_an_output_no_run_records_is_never_replaced_without_overwrite(tiny_pack, notes, tmp_path):
    out = tmp_path / "mine.jsonl"
    out.write_text("a coder's own file\n", encoding="utf-8")
    with pytest.raises(ct.InputError, match="no earlier run of this toolkit records it.*--overwrite"):
        ct.annotate(notes, ct.RunConfig(pack=str(tiny_pack)), out)
    assert out.read_text(encoding="utf-8") == "a coder's own file\n"
    with pytest.raises(ct.InputError, match="give one of them"):
        ct.annotate(notes, ct.RunConfig(pack=str(tiny_pack)), out, resume=True, overwrite=True)


def test_a_run_stopped_before_its_first_batch_leaves_nothing_that_blocks_the_fixed_command(tiny_pack, notes, tmp_path):
    out = tmp_path / "out.csv"
    wrong = ct.RunConfig(pack=str(tiny_pack), format="csv", text_column="body")  # no such column
    with pytest.raises(ct.InputError, match="body"):
        ct.annotate(notes, wrong, out)
    assert not out.exists() and not rerun.ledger_path_for(str(out), None).exists()
    summary = ct.annotate(notes, ct.RunConfig(pack=str(tiny_pack), format="csv"), out)  # no --overwrite needed
    assert summary.written == 2 and summary.rejects_file is None


def test_a_library_run_writes_its_rejects_where_the_cli_does(tiny_pack, tmp_path):
    notes = [ct.Note(note_id="a", text="Asthma."), ct.Note(note_id="b", text=" ")]
    out = tmp_path / "out.jsonl"
    summary = ct.annotate(notes, ct.RunConfig(pack=str(tiny_pack)), out)
    assert summary.rejects_file == f"{out}.rejects.csv"
    assert "empty note text; fix: remove the row or give it text" in (tmp_path / "out.jsonl.rejects.csv").read_text(encoding="utf-8")
    # notes given in memory have no fingerprint: a completed run of them is never taken as up to date
    with pytest.raises(ct.InputError, match="--overwrite"):
        ct.annotate(notes, ct.RunConfig(pack=str(tiny_pack)), out)
