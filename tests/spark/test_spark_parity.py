"""``annotate --engine spark`` and ``--engine local`` on the same notes, pack and options give the same
result: a trust's coding profile applied identically (provenance included), rejects counted under the
same categories, and the mentions table carrying every part of the JSONL mention (refinement's
``qualifiers`` and ``parts``). Both engines run as a user runs them: the CLI, in its own process."""
from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

pytestmark = [pytest.mark.spark, pytest.mark.slow]

# notes a coder would see, on the refinement release's concepts
NOTES = [
    {"note_id": "r1", "text": "Fractured left neck of femur after a fall."},
    {"note_id": "r2", "text": "Diagnosis: symptomatic gallstones with chronic cholecystitis."},
    {"note_id": "r3", "text": "Problems:\n- gallstones\n- chronic cholecystitis\n"},
    {"note_id": "r4", "text": "Sepsis secondary to a chest source; E. coli grown in blood cultures."},
    {"note_id": "r5", "text": "Gallstones on ultrasound. Chronic cholecystitis on histology."},
]
MAX_NOTE_CHARS = 300


def _bad_lines() -> list[bytes]:
    """One line of each kind the reader or the pipeline rejects, each under its own category."""
    return [b"{not json", json.dumps(["a list"]).encode(),                    # malformed line x2
            json.dumps({"note_id": "nt", "body": "no text field"}).encode(),  # malformed line
            json.dumps({"note_id": None, "text": "Gallstones."}).encode(),    # missing note_id
            json.dumps({"note_id": "blank", "text": "   "}).encode(),         # empty
            json.dumps({"note_id": "long", "text": "Gallstones. " * 40}).encode(),  # too long
            json.dumps({"note_id": "r1", "text": "Sepsis."}).encode(),        # duplicate note_id
            b'{"note_id": "latin1", "text": "caf\xe9 gallstones"}']             # damaged text


def _cli(*args, cwd):
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable,
               JAVA_TOOL_OPTIONS="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:ActiveProcessorCount=2")
    return subprocess.run([sys.executable, "-m", "coding_toolkit", "annotate", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900)


def _profile(path: Path) -> Path:
    """This trust never codes chronic cholecystitis (K81.1) when it is suggested (30 episodes)."""
    from coding_toolkit.evaluation.profile import CodingProfile
    from coding_toolkit.records import CodeSuggestion

    profile = CodingProfile(min_suggested=20)
    chronic = CodeSuggestion("ICD-10", "K811", None, None, ("20824003",), (0,), "")
    gallstones = CodeSuggestion("ICD-10", "K802", None, None, ("235919008",), (0,), "")
    for i in range(30):
        profile.count_episode([chronic, gallstones], frozenset({("ICD-10", "K802")} if i < 12 else ()))
    profile.save(path)
    return path


@pytest.fixture(scope="module")
def runs(spark_ready, tmp_path_factory):
    """Both engines through the CLI on one notes file (good and bad lines) with one profile."""
    import pyarrow.dataset as ds

    from coding_toolkit.concepts.build import build_pack_from_release
    from tests.refine.release import write_release

    tmp = tmp_path_factory.mktemp("parity")
    pack = build_pack_from_release(write_release(tmp / "release"), tmp / "pack")
    notes = tmp / "notes.jsonl"
    notes.write_bytes(b"\n".join([json.dumps(n).encode() for n in NOTES] + _bad_lines()) + b"\n")
    profile = _profile(tmp / "profile.json")
    common = [str(notes), "--pack", str(pack), "--profile", str(profile), "--max-note-chars", str(MAX_NOTE_CHARS)]

    local = tmp / "local.jsonl"
    done_local = _cli(*common, "--out", str(local), "--no-progress", cwd=tmp)
    assert done_local.returncode == 0, done_local.stderr[-3000:]
    out = tmp / "spark_out"
    done_spark = _cli(*common, "--engine", "spark", "--spark-master", "local[2]", "--out", str(out), cwd=tmp)
    assert done_spark.returncode == 0, done_spark.stderr[-3000:]

    def table(name):
        return ds.dataset(out / name, format="parquet", partitioning="hive").to_table().to_pylist()

    with open(f"{local}.rejects.csv", encoding="utf-8", newline="") as fh:
        local_rejects = list(csv.DictReader(fh))
    return {
        "local": {r["note_id"]: r for r in map(json.loads, local.read_text(encoding="utf-8").splitlines())},
        "local_line": done_local.stdout.strip().splitlines()[-1], "local_rejects": local_rejects,
        "spark_line": done_spark.stdout.strip().splitlines()[-1],
        "spark_notes": {r["note_id"]: json.loads(r["result"]) for r in table("notes")},
        "mentions": table("mentions"), "rejects": table("rejects"), "pack": pack,
    }


def test_the_profile_is_applied_on_spark_as_locally(runs):
    local, spark = runs["local"], runs["spark_notes"]
    assert set(spark) == set(local) == {n["note_id"] for n in NOTES}
    for note_id, record in local.items():
        assert spark[note_id] == record, note_id  # suggestions, confidences, filtered mentions, provenance
    prov = local["r3"]["provenance"]["coding_profile"]
    assert prov["file"] == "profile.json" and len(prov["sha256"]) == 16
    # the profile did something a coder sees: K81.1 left the list, its mention says why
    assert [s["code"] for s in local["r3"]["suggestions"] if s["system"] == "ICD-10"] == ["K802"]
    chronic = next(m for m in local["r3"]["mentions"] if m["sctid"] == "20824003")
    assert (chronic["status"], chronic["reason"]) == ("filtered", "rarely coded here: 0 of 30")
    k802 = next(s for s in local["r3"]["suggestions"] if s["code"] == "K802")
    assert k802["confidence"] == pytest.approx((12 + 5 * 12 / 60) / (30 + 5), abs=1e-4)  # calibrated


def _breakdown(line: str) -> Counter:
    """'rejected 8 (3 malformed line, 1 empty, ...; see X)' -> Counter({'malformed line': 3, ...})."""
    found = re.search(r"rejected (\d+) \(([^;]*);", line)
    assert found, line
    counts = Counter({kind: int(n) for n, kind in (part.split(" ", 1) for part in found.group(2).split(", "))})
    assert sum(counts.values()) == int(found.group(1))
    return counts


def test_rejects_are_counted_by_category_as_locally(runs):
    expected = Counter({"malformed line": 3, "missing note_id": 1, "empty": 1, "too long": 1,
                        "duplicate note_id": 1, "damaged text": 1})
    assert _breakdown(runs["local_line"]) == expected
    assert _breakdown(runs["spark_line"]) == expected
    assert Counter(r["category"] for r in runs["rejects"]) == expected
    # the same notes with the same reasons as the local rejects file
    assert sorted((r["note_id"], r["source"], r["reason"]) for r in runs["rejects"]) == \
        sorted((r["note_id"], r["source"], r["reason"]) for r in runs["local_rejects"])


def test_mentions_table_carries_qualifiers_and_parts(runs):
    by_note: dict[str, list] = {}
    for row in sorted(runs["mentions"], key=lambda r: (r["note_id"], r["mention_index"])):
        by_note.setdefault(row["note_id"], []).append(row)
    for note_id, record in runs["local"].items():
        rows = by_note[note_id]
        assert [r["mention_index"] for r in rows] == list(range(len(record["mentions"])))
        as_json = [{k: json.loads(v) if k in ("meta", "codes") else v for k, v in r.items()
                    if k not in ("note_id", "episode_id", "mention_index", "bucket")
                    and not (k in ("qualifiers", "parts") and v is None)}  # optional in the contract
                   for r in rows]
        assert as_json == record["mentions"], note_id
    # the refinement parts are there to compare: a laterality inside a name, a refined combination
    assert any(r["qualifiers"] == ["left"] for r in by_note["r1"])
    combined = next(r for r in by_note["r2"] if r["parts"])
    assert [by_note["r2"][i]["reason"] for i in combined["parts"]] == [f"refined into {combined['sctid']}"] * 2


def test_sql_mentions_carry_qualifiers_and_parts_from_both_engines(spark, runs, pg_url):
    """``--db`` tables: Spark's write_sql and the local SQL sink give the same mention rows."""
    import uuid

    import sqlalchemy as sa

    from coding_toolkit.api import annotate
    from coding_toolkit.bulk.spark import annotate_notes_frame, write_sql
    from coding_toolkit.io.sinks.sql import SqlSink
    from coding_toolkit.records import Note
    from coding_toolkit.run_config import RunConfig

    pack = str(runs["pack"])
    local_run, spark_run = (f"parity-{kind}-{uuid.uuid4().hex[:8]}" for kind in ("local", "spark"))
    sink = SqlSink(db_url=pg_url, run={"run_id": local_run})  # the local engine's --db sink
    sink.open()
    try:
        sink.write(list(annotate([Note(n["note_id"], n["text"]) for n in NOTES], RunConfig(pack=pack))))
    finally:
        sink.close()
    frame = annotate_notes_frame(spark.createDataFrame(NOTES, "note_id string, text string"), pack, partitions=2)
    try:
        write_sql(frame, pg_url, run_id=spark_run)
    finally:
        frame.unpersist()
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as conn:
            rows = {run: conn.execute(sa.text(
                "SELECT note_id, mention_index, sctid, status, reason, qualifiers, parts FROM mentions "
                "WHERE run_id = :r ORDER BY note_id, mention_index"), {"r": run}).all()
                for run in (local_run, spark_run)}
    finally:
        engine.dispose()
    assert rows[local_run] and [tuple(r) for r in rows[spark_run]] == [tuple(r) for r in rows[local_run]]
    assert any(r.qualifiers == ["left"] for r in rows[spark_run])
    assert any(r.parts for r in rows[spark_run]) and all(r.qualifiers is None for r in rows[spark_run]
                                                         if r.note_id == "r4")
