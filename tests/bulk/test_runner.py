"""Bulk annotation: every note written once, bad notes rejected not fatal, resume after a kill."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from coding_toolkit.bulk.rerun import ledger_path_for
from coding_toolkit.cli.main import cli

pytestmark = pytest.mark.slow


def _fixture_texts(fixture_notes: Path) -> list[str]:
    return [json.loads(line)["text"] for line in fixture_notes.read_text(encoding="utf-8").splitlines() if line.strip()]


def _write_notes(path: Path, texts: list[str], n: int) -> list[str]:
    ids = [f"note-{i:05d}" for i in range(n)]
    with open(path, "w", encoding="utf-8") as handle:
        for i, note_id in enumerate(ids):
            handle.write(json.dumps({"note_id": note_id, "text": texts[i % len(texts)] + f" Ref {i}."}) + "\n")
    return ids


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _annotate(*args: str):
    return CliRunner().invoke(cli, ["annotate", *args], catch_exceptions=False)


def test_each_note_once_bad_notes_rejected_with_reasons(tmp_path, tiny_pack, fixture_notes):
    texts = _fixture_texts(fixture_notes)
    notes = tmp_path / "notes.jsonl"
    with open(notes, "w", encoding="utf-8") as handle:
        for i, text in enumerate(texts):
            handle.write(json.dumps({"note_id": f"n{i}", "text": text}) + "\n")
        handle.write(json.dumps({"note_id": "empty", "text": "   "}) + "\n")
        handle.write(json.dumps({"note_id": "huge", "text": "pneumonia " * 5000}) + "\n")
        handle.write(json.dumps({"note_id": "n0", "text": "duplicate id with other text"}) + "\n")
    with open(notes, "ab") as handle:  # a Windows-1252 pound sign: not UTF-8
        handle.write(b'{"note_id": "latin1", "text": "Paid \xa35 for asthma inhaler."}\n')
    out = tmp_path / "out.jsonl"
    result = _annotate(str(notes), "--pack", str(tiny_pack), "--out", str(out), "--max-note-chars", "20000")
    assert result.exit_code == 0, result.output
    records = _read_jsonl(out)
    assert [r["note_id"] for r in records] == [f"n{i}" for i in range(len(texts))]
    assert any(r["suggestions"] for r in records), "fixture notes must produce code suggestions"
    rejects = (tmp_path / "out.jsonl.rejects.csv").read_text(encoding="utf-8")
    assert any(line.startswith("empty,") and line.endswith(",empty note text; fix: remove the row or give it text")
               for line in rejects.splitlines())
    assert "huge" in rejects and "over the limit" in rejects
    assert "duplicate note_id" in rejects
    assert "latin1" in rejects and "not UTF-8" in rejects and "iconv" in rejects
    assert "pneumonia pneumonia" not in rejects and "inhaler" not in rejects, "no note text in rejects"
    assert "rejected 4" in result.output


def test_rerun_of_a_completed_run_is_up_to_date_and_resume_skips_done_notes(tmp_path, tiny_pack, fixture_notes):
    notes = tmp_path / "notes.jsonl"
    ids = _write_notes(notes, _fixture_texts(fixture_notes), 20)
    out = tmp_path / "out.jsonl"
    assert _annotate(str(notes), "--pack", str(tiny_pack), "--out", str(out)).exit_code == 0
    assert not list(tmp_path.glob("*.ledger.sqlite*")), "ledgers live in the run-state folder"
    assert ledger_path_for(str(out), None).exists()
    written = out.read_bytes()
    again = _annotate(str(notes), "--pack", str(tiny_pack), "--out", str(out))
    assert again.exit_code == 0 and "up to date" in again.output and out.read_bytes() == written
    resumed = _annotate(str(notes), "--pack", str(tiny_pack), "--out", str(out), "--resume")
    assert resumed.exit_code == 0 and "skipped 20" in resumed.output
    assert [r["note_id"] for r in _read_jsonl(out)] == ids
    other = CliRunner().invoke(cli, ["annotate", str(notes), "--pack", str(tiny_pack), "--out", str(out),
                                     "--resume", "--format", "csv"])
    assert other.exit_code == 2 and "format" in other.output


def test_changed_input_is_refused_and_overwrite_replaces(tmp_path, tiny_pack, fixture_notes):
    notes = tmp_path / "notes.jsonl"
    texts = _fixture_texts(fixture_notes)
    _write_notes(notes, texts, 6)
    out = tmp_path / "out.jsonl"
    assert _annotate(str(notes), "--pack", str(tiny_pack), "--out", str(out)).exit_code == 0
    ids = _write_notes(notes, texts, 9)  # the notes changed since
    refused = CliRunner().invoke(cli, ["annotate", str(notes), "--pack", str(tiny_pack), "--out", str(out)])
    assert refused.exit_code == 2, refused.output
    assert "a different notes input (changed since)" in refused.output and "--overwrite" in refused.output
    assert "--resume to add only new notes" in refused.output  # only the input changed: resume works
    other_format = CliRunner().invoke(cli, ["annotate", str(notes), "--pack", str(tiny_pack), "--out", str(out),
                                            "--format", "csv"])
    assert other_format.exit_code == 2 and "--format" in other_format.output
    assert "--resume" not in other_format.output  # a changed format cannot be resumed: not offered
    assert len(_read_jsonl(out)) == 6, "nothing replaced on refusal"
    other_col = CliRunner().invoke(cli, ["annotate", str(notes), "--pack", str(tiny_pack), "--out", str(out),
                                         "--overwrite", "--resume"])
    assert other_col.exit_code == 2
    replaced = _annotate(str(notes), "--pack", str(tiny_pack), "--out", str(out), "--overwrite")
    assert replaced.exit_code == 0 and [r["note_id"] for r in _read_jsonl(out)] == ids
    stranger = tmp_path / "mine.jsonl"
    stranger.write_text("keep me\n")
    kept = CliRunner().invoke(cli, ["annotate", str(notes), "--pack", str(tiny_pack), "--out", str(stranger)])
    assert kept.exit_code == 2 and "--overwrite" in kept.output and stranger.read_text() == "keep me\n"


def test_a_run_stopped_by_a_configuration_error_does_not_block_its_fix(tmp_path, tiny_pack, fixture_notes):
    notes = tmp_path / "notes.csv"
    notes.write_text("note_id,body\nA,Asthma.\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    wrong = CliRunner().invoke(cli, ["annotate", str(notes), "--pack", str(tiny_pack), "--out", str(out),
                                     "--format", "csv"])
    assert wrong.exit_code == 2 and "--text-column" in wrong.output
    assert not out.exists() and not ledger_path_for(str(out), None).exists()
    fixed = _annotate(str(notes), "--pack", str(tiny_pack), "--out", str(out), "--format", "csv",
                      "--text-column", "body")
    assert fixed.exit_code == 0, fixed.output
    # a killed run (ledger with no committed batch) does not block a plain re-run either
    from coding_toolkit.bulk.ledger import Ledger

    ledger = Ledger(ledger_path_for(str(out), None))
    ledger.db.execute("DELETE FROM batches")
    ledger.db.execute("DELETE FROM run WHERE key = 'complete'")
    ledger.close()
    again = _annotate(str(notes), "--pack", str(tiny_pack), "--out", str(out), "--format", "csv",
                      "--text-column", "body")
    assert again.exit_code == 0 and "annotated 1 note -> " in again.output


def test_workers_2_gives_the_same_output_as_workers_1(tmp_path, tiny_pack, fixture_notes):
    notes = tmp_path / "notes.jsonl"
    _write_notes(notes, _fixture_texts(fixture_notes), 60)
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert _annotate(str(notes), "--pack", str(tiny_pack), "--out", str(one), "--batch-size", "7").exit_code == 0
    assert _annotate(str(notes), "--pack", str(tiny_pack), "--out", str(two), "--batch-size", "7",
                     "--workers", "2").exit_code == 0
    assert one.read_text(encoding="utf-8") == two.read_text(encoding="utf-8")


def test_killed_run_resumes_without_lost_or_duplicated_notes(tmp_path, tiny_pack, fixture_notes):
    notes = tmp_path / "notes.jsonl"
    ids = _write_notes(notes, _fixture_texts(fixture_notes), 3000)
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "coding_toolkit", "annotate", str(notes), "--pack", str(tiny_pack),
           "--out", str(out), "--batch-size", "5", "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ledger = ledger_path_for(str(out), None)
    deadline = time.time() + 120
    batches = 0
    while time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
        if ledger.exists():
            try:
                batches = sqlite3.connect(ledger).execute("SELECT COUNT(*) FROM batches").fetchone()[0]
            except sqlite3.Error:
                continue
            if batches >= 3:
                break
    assert proc.poll() is None, "run finished before it could be killed; make the input larger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with open(out, "a", encoding="utf-8") as handle:  # a half-written line, as a crash mid-write leaves
        handle.write('{"note_id": "note-99999", "mentions": [')
    done = subprocess.run(cmd + ["--resume"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    written = [r["note_id"] for r in _read_jsonl(out)]
    assert written == ids, "every note exactly once, in input order"


def test_resume_lists_each_reject_once_and_continues_with_new_notes(tmp_path, tiny_pack, fixture_notes):
    texts = _fixture_texts(fixture_notes)
    notes = tmp_path / "notes.jsonl"
    first = [{"note_id": "A", "text": texts[0]}, {"note_id": "A", "text": texts[1]}, {"note_id": "E", "text": " "}]
    notes.write_text("".join(json.dumps(r) + "\n" for r in first), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert _annotate(str(notes), "--pack", str(tiny_pack), "--out", str(out), "--batch-size", "1").exit_code == 0
    with open(notes, "a", encoding="utf-8") as handle:  # the input grew while the run was down
        handle.write(json.dumps({"note_id": "B", "text": texts[2]}) + "\n")
    resumed = _annotate(str(notes), "--pack", str(tiny_pack), "--out", str(out), "--batch-size", "1", "--resume")
    assert resumed.exit_code == 0 and "skipped 3" in resumed.output
    assert [r["note_id"] for r in _read_jsonl(out)] == ["A", "B"]
    rows = (tmp_path / "out.jsonl.rejects.csv").read_text(encoding="utf-8").splitlines()
    assert sorted(row.split(",")[0] for row in rows[1:]) == ["A", "E"], rows


def test_annotate_reads_notes_from_a_sql_query(tmp_path, tiny_pack, fixture_notes):
    import sqlite3

    db = tmp_path / "source.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE letters (doc_id TEXT, body TEXT)")
    texts = _fixture_texts(fixture_notes)
    conn.executemany("INSERT INTO letters VALUES (?, ?)", [(f"L{i}", t) for i, t in enumerate(texts)])
    conn.commit()
    conn.close()
    out = tmp_path / "out.jsonl"
    result = _annotate("SELECT doc_id, body FROM letters ORDER BY doc_id", "--source-db", str(db),
                       "--text-column", "body", "--id-column", "doc_id", "--pack", str(tiny_pack), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(r["note_id"] for r in _read_jsonl(out)) == sorted(f"L{i}" for i in range(len(texts)))
    bad = CliRunner().invoke(cli, ["annotate", "SELECT doc_id FROM letters", "--source-db", str(db),
                                   "--text-column", "body", "--pack", str(tiny_pack), "--out", str(tmp_path / "b.jsonl")])
    assert bad.exit_code == 2 and "'body' not found" in bad.output and "--text-column" in bad.output


def test_csv_rows_with_unquoted_commas_are_rejected_by_line_not_shifted(tmp_path, tiny_pack):
    notes = tmp_path / "u.csv"
    notes.write_text('note_id,text\nA,Diagnosis: asthma, hypertension\nB,COPD, smoker\n'
                     'C,"Asthma, wheeze"\n', encoding="utf-8")
    out = tmp_path / "u.jsonl"
    result = _annotate(str(notes), "--pack", str(tiny_pack), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert [r["note_id"] for r in _read_jsonl(out)] == ["C"], "no id invented from a shifted column"
    rows = (tmp_path / "u.jsonl.rejects.csv").read_text(encoding="utf-8").splitlines()
    assert [r.split(",")[0] for r in rows[1:]] == ["u.csv:2", "u.csv:3"]
    assert "u.csv:2: 3 fields where the header has 2" in rows[1] and "rejected 2" in result.output
    assert "asthma" not in "\n".join(rows).lower() and "COPD" not in "\n".join(rows)


def test_csv_unterminated_quote_stops_with_one_line_naming_it(tmp_path, tiny_pack):
    notes = tmp_path / "q.csv"
    notes.write_text('note_id,text\nA,"never closed\nB,more\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["annotate", str(notes), "--pack", str(tiny_pack),
                                      "--out", str(tmp_path / "q.jsonl")])
    assert result.exit_code == 2 and result.exception is not None
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "q.csv:2" in lines[0] and "Traceback" not in result.output


def _children(pid: int) -> list[int]:
    """Live (not zombie) processes whose parent is ``pid``, from /proc."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            if fields[0] != "Z" and int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2:].split()[0] != "Z"


def _start_and_wait_for_batches(cmd, ledger: Path, batches: int = 2) -> tuple[subprocess.Popen, list[int]]:
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
        try:
            done = sqlite3.connect(ledger).execute("SELECT COUNT(*) FROM batches").fetchone()[0]
        except sqlite3.Error:
            continue
        if done >= batches:
            break
    assert proc.poll() is None, "run finished before it could be stopped; make the input larger"
    workers = _children(proc.pid)
    assert len(workers) >= 2, f"expected 2 workers, found {workers}"
    return proc, workers


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_stopping_a_workers_2_run_leaves_no_worker_and_resumes(tmp_path, tiny_pack, fixture_notes, sig):
    notes = tmp_path / "notes.jsonl"
    ids = _write_notes(notes, _fixture_texts(fixture_notes), 1500)
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "coding_toolkit", "annotate", str(notes), "--pack", str(tiny_pack),
           "--out", str(out), "--batch-size", "5", "--workers", "2", "--no-progress"]
    proc, workers = _start_and_wait_for_batches(cmd, ledger_path_for(str(out), None))
    os.kill(proc.pid, sig)
    stderr = proc.communicate(timeout=60)[1]
    deadline = time.time() + 15
    while time.time() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.2)
    survivors = [w for w in workers if _alive(w)]
    for pid in survivors:  # do not leave them behind when the test fails
        os.kill(pid, signal.SIGKILL)
    assert not survivors, "a worker outlived its run"
    if sig in (signal.SIGTERM, signal.SIGINT):  # Ctrl-C: 130, as shells report it
        assert proc.returncode == 128 + sig
        lines = stderr.strip().splitlines()
        by = "Ctrl-C" if sig == signal.SIGINT else "SIGTERM"
        assert lines[-1].startswith(f"Error: stopped by {by}; ") and "--resume" in lines[-1]
        committed = int(lines[-1].split("; ")[1].split()[0])
        ledger = sqlite3.connect(ledger_path_for(str(out), None))
        assert committed == ledger.execute("SELECT COUNT(*) FROM done").fetchone()[0] > 0, "the count said is true"
        ledger.close()
        assert "Traceback" not in stderr and "Aborted!" not in stderr
    done = subprocess.run(cmd + ["--resume"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert [r["note_id"] for r in _read_jsonl(out)] == ids, "every note exactly once, in input order"


def test_empty_jsonl_and_empty_csv_behave_the_same(tmp_path, tiny_pack):
    for name in ("empty.jsonl", "empty.csv"):
        notes = tmp_path / name
        notes.write_text("")
        out = tmp_path / f"{name}.out.jsonl"
        result = CliRunner().invoke(cli, ["annotate", str(notes), "--pack", str(tiny_pack), "--out", str(out)])
        assert result.exit_code == 2, (name, result.output)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and name in lines[0] and "fix:" in lines[0], lines
        assert not out.exists(), "a failed run leaves no output behind"


def test_progress_bar_has_a_total_and_v_keeps_library_chatter_out(tmp_path, tiny_pack, fixture_notes):
    notes = tmp_path / "notes.jsonl"
    _write_notes(notes, _fixture_texts(fixture_notes), 7)
    base = [sys.executable, "-m", "coding_toolkit"]
    args = ["annotate", str(notes), "--pack", str(tiny_pack), "--batch-size", "2"]
    shown = subprocess.run(base + ["-v"] + args + ["--out", str(tmp_path / "a.jsonl"), "--progress"],
                           capture_output=True, text=True, timeout=300)
    assert shown.returncode == 0, shown.stderr
    assert "7/7" in shown.stderr, "the bar knows the total (so it shows an ETA)"
    assert "INFO coding_toolkit" in shown.stderr
    assert not [line for line in shown.stderr.splitlines() if line.startswith(("INFO medcat", "DEBUG medcat"))]
    chatty = subprocess.run(base + ["-vv"] + args + ["--out", str(tmp_path / "b.jsonl")],
                            capture_output=True, text=True, timeout=300)
    assert chatty.returncode == 0, chatty.stderr
    assert "INFO coding_toolkit" in chatty.stderr and len(chatty.stderr) >= len(shown.stderr) - len("7/7")
