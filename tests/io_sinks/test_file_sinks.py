import csv
import json
import os
import subprocess
import sys
import textwrap

import pytest

from coding_toolkit.errors import InputError
from coding_toolkit.io.serialize import result_from_json
from coding_toolkit.io.sinks import FORMATS, Sink, open_sink
from coding_toolkit.io.sinks.csv_sink import COLUMNS

from .builders import note_a, note_b


def _lines(path):
    return [json.loads(x) for x in path.read_text("utf-8").splitlines()]


def test_unknown_format_lists_valid_names(tmp_path):
    with pytest.raises(InputError) as e:
        open_sink("xml", tmp_path / "x")
    assert "valid formats: cds, csv, fhir, jsonl, sql" in str(e.value)


def test_every_format_meets_the_sink_contract(tmp_path):
    """Each registered sink has every ``Sink`` member, with the values the runner relies on."""
    members = {name for name in Sink.__annotations__} | {
        name for name in vars(Sink) if not name.startswith("_")}
    assert members == {"path", "accepts_lines", "aggregates", "open", "write", "replay", "abort", "close"}
    seen = {}
    for fmt in FORMATS:
        out = tmp_path / f"out.{fmt}"
        sink = open_sink(fmt, out, db_url=f"sqlite:///{tmp_path}/o.db" if fmt == "sql" else None)
        assert all(hasattr(sink, name) for name in members), fmt
        seen[fmt] = (sink.path == out, sink.accepts_lines, sink.aggregates)
    # only JSONL takes pre-serialised lines, only CDS aggregates (replayed on resume); SQL is no file
    assert seen == {"jsonl": (True, True, False), "csv": (True, False, False), "cds": (True, False, True),
                    "fhir": (True, False, False), "sql": (False, False, False)}


def test_the_cli_format_choices_are_the_registered_file_formats():
    from coding_toolkit.cli.annotate_cmd import annotate
    from coding_toolkit.io.sinks import FILE_FORMATS

    fmt, = [p for p in annotate.params if p.name == "fmt"]
    assert list(fmt.type.choices) == list(FILE_FORMATS) == [f for f in FORMATS if f != "sql"]


def test_a_cds_sink_with_sql_replays_to_the_aggregating_sink_only(tmp_path):
    sink = open_sink("cds", tmp_path / "o.cds", db_url=f"sqlite:///{tmp_path}/o.db", run={"run_id": "r1"})
    assert sink.path == tmp_path / "o.cds" and sink.aggregates and not sink.accepts_lines
    sink.open()
    sink.replay([note_a()])  # an earlier part of the run: into the table, not into the database again
    sink.write([note_b()])
    sink.close()
    rows = list(csv.reader((tmp_path / "o.cds").open(encoding="utf-8")))
    assert [r[0] for r in rows[1:]] == ["n1", "n2"]
    import sqlite3

    assert [r[0] for r in sqlite3.connect(tmp_path / "o.db").execute("select note_id from notes")] == ["n2"]


def test_jsonl_round_trips_through_the_file(tmp_path):
    out = tmp_path / "o.jsonl"
    sink = open_sink("jsonl", out)
    sink.open()
    pos = sink.write([note_a(), note_b()])
    sink.close()
    assert pos == out.stat().st_size
    got = [result_from_json(d) for d in _lines(out)]
    want = [note_a(), note_b()]
    assert [g.note_id for g in got] == ["n1", "n2"]
    # the note text is not part of the JSONL contract; everything else round-trips
    assert got == [w.__class__(**{**w.__dict__, "text": None}) for w in want]


CRASHER = textwrap.dedent("""
    import os, signal, sys
    sys.path.insert(0, {tests!r})
    from io_sinks.builders import note_a, note_b
    from coding_toolkit.io.sinks import open_sink
    sink = open_sink({fmt!r}, {out!r})
    sink.open()
    with open({ledger!r}, "w") as ledger:
        for i in range(3):
            pos = sink.write([note_a(f"a{{i}}"), note_b(f"b{{i}}")])
            ledger.write(f"{{pos}}\\n"); ledger.flush(); os.fsync(ledger.fileno())
    sink._fh.write(b'{{"note_id": "half-writ')   # a batch cut off mid-line by the kill
    sink._fh.flush()
    os.kill(os.getpid(), signal.SIGKILL)
""")


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "fhir"])
def test_resume_after_kill_drops_half_written_tail(tmp_path, fmt):
    out, ledger = tmp_path / f"o.{fmt}", tmp_path / "ledger"
    tests = os.path.dirname(os.path.dirname(__file__))
    proc = subprocess.run(
        [sys.executable, "-c", CRASHER.format(tests=tests, fmt=fmt, out=str(out), ledger=str(ledger))],
        capture_output=True,
    )
    assert proc.returncode == -9, proc.stderr.decode()
    last = int(ledger.read_text().split()[-1])
    assert out.stat().st_size > last  # the torn tail is there
    sink = open_sink(fmt, out)
    sink.open(resume_position=last)
    sink.write([note_a("a3"), note_b("b3")])
    sink.close()
    ids = [f"{p}{i}" for i in range(4) for p in "ab"]
    if fmt == "csv":
        with open(out, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert [
            r["note_id"] for r in rows if r["status"] == "suggested" and r["code"] in ("I10X", "I219")
        ] == ids
        assert "half-writ" not in out.read_text("utf-8")
    else:
        docs = _lines(out)  # every line parses: the tail is gone
        got = (
            [d["note_id"] for d in docs]
            if fmt == "jsonl"
            else [d["entry"][0]["resource"]["identifier"][0]["value"] for d in docs]
        )
        assert got == ids


def test_resume_beyond_file_end_is_a_clear_error(tmp_path):
    out = tmp_path / "o.jsonl"
    out.write_bytes(b"{}\n")
    with pytest.raises(InputError, match="o.jsonl: cannot resume at byte 99.*rerun without --resume"):
        open_sink("jsonl", out).open(resume_position=99)


def test_csv_header_once_and_filtered_rows(tmp_path):
    out = tmp_path / "o.csv"
    sink = open_sink("csv", out)
    sink.open()
    pos = sink.write([note_a()])
    sink.close()
    sink = open_sink("csv", out)
    sink.open(resume_position=pos)
    sink.write([note_b()])
    sink.close()
    text = out.read_text("utf-8")
    assert text.count("note_id,episode_id,status") == 1
    with open(out, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames) == COLUMNS
        rows = list(reader)
    sugg = [r for r in rows if r["status"] == "suggested"]
    # the suggestion stage's ranking, as in CDS: ICD-10 (MI with 2 mentions first, the asterisk right
    # after its dagger), then OPCS-4; rows carry text and offsets of every supporting mention
    n1 = [r for r in sugg if r["note_id"] == "n1"]
    assert [r["code"] for r in n1] == ["I219", "Z764", "E143D", "H360A", "H019"]
    assert [r["rank"] for r in n1] == ["1", "2", "3", "4", "1"]
    assert n1[1]["never_primary"] == "map advice: CODE MUST NEVER BE USED IN A PRIMARY POSITION"
    assert n1[3]["never_primary"].startswith("asterisk")
    mi = sugg[0]
    assert mi["evidence_text"] == "Acute MI | MI" and mi["evidence_offsets"] == "0-8;62-64"
    assert (
        mi["n_evidence"] == "2"
        and mi["alternatives"] == "I25.2 Old MI"
        and mi["pack_hash"] == "sha256:abc123"
    )
    filtered = [r for r in rows if r["status"] == "filtered"]
    assert len(filtered) == 1
    f = filtered[0]
    assert (f["code"], f["reason"], f["blocked_codes"], f["evidence_offsets"]) == (
        "",
        "negated",
        "E149",
        "10-18",
    )
    assert "negation=Negated" in f["meta"]
    assert sugg[-1]["note_id"] == "n2" and sugg[-1]["code"] == "I10X"


def test_resume_at_zero_rewrites_the_header(tmp_path):
    out = tmp_path / "o.csv"
    out.write_bytes(b"note_id,episode_id,sta")  # killed while writing the header
    sink = open_sink("csv", out)
    sink.open(resume_position=0)
    sink.write([note_b()])
    sink.close()
    assert out.read_bytes().startswith((",".join(COLUMNS) + "\r\n").encode())
    assert out.read_text("utf-8").count("note_id,episode_id") == 1


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_every_file_output_follows_the_umask(tmp_path, umask):
    previous = os.umask(umask)
    try:
        modes = {}
        for fmt in ("jsonl", "csv", "cds", "fhir"):
            out = tmp_path / f"o{umask:o}.{fmt}"
            sink = open_sink(fmt, out)
            sink.open()
            sink.write([note_a(), note_b()])
            sink.close()
            modes[fmt] = out.stat().st_mode & 0o777
    finally:
        os.umask(previous)
    assert modes == {fmt: 0o666 & ~umask for fmt in modes}, {k: oct(v) for k, v in modes.items()}


def test_csv_and_cds_cells_never_start_a_formula(tmp_path):
    """Note ids (and episode ids) come from outside: a spreadsheet must not run them as formulas."""
    hostile = {"=HYPERLINK(\"http://x\")": "+1", "@SUM(A1)": "-2+3", "\tcmd": "ok"}
    results = [note_a(note_id=nid, episode_id=ep) for nid, ep in hostile.items()]
    for fmt in ("csv", "cds"):
        out = tmp_path / f"h.{fmt}"
        sink = open_sink(fmt, out)
        sink.open()
        sink.write(results)
        sink.close()
        with open(out, newline="", encoding="utf-8") as fh:
            cells = [cell for row in csv.reader(fh) for cell in row]
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], (fmt, cells[:30])
        # episode ids are a column of the csv output (cds without --episode-column has one row per note)
        for value in (*hostile, *(hostile.values() if fmt == "csv" else ())):
            if value != "ok":
                assert f"'{value}" in cells, (fmt, value)
