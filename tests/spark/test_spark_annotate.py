"""Spark engine = local engine: same notes and pack give the same JSONL objects, mentions
(filtered ones with their reason), suggestions (CDS codes) and rejects; Parquet re-runs do not duplicate."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def _fixture_rows(fixture_notes: Path) -> list[dict]:
    return [json.loads(line) for line in fixture_notes.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def notes_rows(fixture_notes) -> list[dict]:
    rows = [{"note_id": r["note_id"], "text": r["text"], "episode": f"ep{i % 3}"}
            for i, r in enumerate(_fixture_rows(fixture_notes))]
    rows.append({"note_id": "empty", "text": "   ", "episode": "ep0"})
    rows.append({"note_id": "n01", "text": "Duplicate id: pneumonia.", "episode": "ep1"})  # later: rejected
    rows.append({"note_id": None, "text": "No id: asthma.", "episode": None})
    return rows


@pytest.fixture(scope="module")
def local_results(tiny_pack, notes_rows) -> dict[str, dict]:
    """The local engine's JSONL objects for the first note of each id."""
    from coding_toolkit.bulk.runner import process_batch
    from coding_toolkit.io.serialize import result_to_json
    from coding_toolkit.pipeline import Pipeline
    from coding_toolkit.records import Note, NoteResult

    pipeline = Pipeline.from_pack(tiny_pack)
    notes, seen = [], set()
    for r in notes_rows:
        if r["note_id"] and r["note_id"] not in seen:
            seen.add(r["note_id"])
            notes.append(Note(note_id=r["note_id"], text=r["text"], episode_id=r["episode"]))
    return {res.note_id: result_to_json(res) for res in process_batch(pipeline, notes)
            if isinstance(res, NoteResult)}


@pytest.fixture(scope="module")
def spark_frame(spark, tiny_pack, notes_rows):
    from coding_toolkit.bulk.spark import annotate_notes_frame

    df = spark.createDataFrame(notes_rows, "note_id string, text string, episode string")
    frame = annotate_notes_frame(df, tiny_pack, episode_column="episode", partitions=4)
    yield frame
    frame.unpersist()


def _mention_json(row) -> dict:
    d = row.asDict()
    d["meta"], d["codes"] = json.loads(d["meta"]), json.loads(d["codes"])
    return {k: v for k, v in d.items() if k not in ("note_id", "episode_id", "mention_index")
            and not (k in ("qualifiers", "parts") and v is None)}  # optional keys of the JSONL contract


def _suggestion_json(row) -> dict:
    d = row.asDict()
    d["alternatives"] = json.loads(d["alternatives"])
    return {k: v for k, v in d.items() if k not in ("note_id", "episode_id", "suggestion_index")}


def test_spark_output_equals_local_output(spark_frame, local_results):
    from coding_toolkit.bulk.spark import split_results

    ok = {r.note_id: r for r in spark_frame.filter("status = 'ok'").collect()}
    assert set(ok) == set(local_results)
    for note_id, local in local_results.items():
        assert json.loads(ok[note_id].result) == local, note_id  # the whole JSONL object, provenance included
        assert ok[note_id].text_hash == local["provenance"]["text_hash"]

    mentions, suggestions, _ = split_results(spark_frame)
    by_note: dict[str, list] = {}
    for row in mentions.orderBy("note_id", "mention_index").collect():
        by_note.setdefault(row.note_id, []).append(row)
    sugg: dict[str, list] = {}
    for row in suggestions.orderBy("note_id", "suggestion_index").collect():
        sugg.setdefault(row.note_id, []).append(row)
    for note_id, local in local_results.items():
        rows = by_note.get(note_id, [])
        assert [r.mention_index for r in rows] == list(range(len(local["mentions"])))
        assert [_mention_json(r) for r in rows] == local["mentions"], note_id
        assert all(r.episode_id == local["episode_id"] for r in rows)
        assert [_suggestion_json(r) for r in sugg.get(note_id, [])] == local["suggestions"], note_id

    # the comparison covers what matters: filtered mentions with a reason, and CDS-form codes
    filtered = mentions.filter("status = 'filtered'").collect()
    assert filtered and all(r.reason for r in filtered)
    codes = {r.code for r in suggestions.collect()}
    assert codes and all(" " not in c and "." not in c for c in codes)


def test_rejects_empty_duplicate_and_missing_id(spark_frame):
    from coding_toolkit.bulk.spark import DUPLICATE_REASON, split_results

    _, _, rejects = split_results(spark_frame)
    rows = rejects.collect()
    reasons = {(r.note_id, r.category, r.reason) for r in rows}
    assert ("empty", "empty", "empty note text; fix: remove the row or give it text") in reasons
    assert ("n01", "duplicate note_id", DUPLICATE_REASON) in reasons
    assert any(r.note_id is None and r.category == "missing note_id" and r.reason.startswith("missing note id")
               for r in rows)
    assert len(rows) == 3
    # the first n01 (fixture text) won, not the later duplicate
    first = spark_frame.filter("note_id = 'n01' AND status = 'ok'").collect()
    assert len(first) == 1 and "Duplicate id" not in first[0].result


def test_pack_loaded_once_per_python_worker(spark, spark_frame):
    spark_frame.count()  # materialised (4 partitions on 2 cores: workers run several tasks)

    def probe(frames):  # through mapInPandas, like the annotation (the same Python worker pool)
        import os

        import pandas as pd

        from coding_toolkit.bulk.spark import worker as mod
        for _ in frames:
            yield pd.DataFrame({"pid": [os.getpid()], "loads": [mod._LOADS]})

    rows = spark.range(0, 8, numPartitions=8).mapInPandas(probe, "pid long, loads int").collect()
    seen = {r.pid: r.loads for r in rows}
    assert seen and all(loads <= 1 for loads in seen.values()), seen
    assert sum(seen.values()) >= 1 and len(seen) <= 2, seen


def test_parquet_rerun_does_not_duplicate(spark, tiny_pack, notes_rows, tmp_path):
    from coding_toolkit.bulk.spark import annotate_notes_frame, write_parquet

    out = str(tmp_path / "out")

    def run(rows):
        frame = annotate_notes_frame(spark.createDataFrame(rows, "note_id string, text string, episode string"),
                                     tiny_pack, episode_column="episode", partitions=2)
        try:
            return write_parquet(frame, out, buckets=4)
        finally:
            frame.unpersist()

    def table(name):
        return spark.read.parquet(f"{out}/{name}")

    first = run(notes_rows)
    assert first["notes"] == len({r["note_id"] for r in notes_rows if r["note_id"]}) - 1  # "empty" rejected
    assert first["mentions"] > 0 and first["rejects"] == 3
    assert first.reject_categories == {"empty": 1, "duplicate note_id": 1, "missing note_id": 1}
    assert run(notes_rows) == first
    for name in ("notes", "mentions", "suggestions", "rejects"):
        assert table(name).count() == first[name], name
    assert table("mentions").select("note_id", "mention_index").distinct().count() == first["mentions"]

    # a note emptied since the last run leaves notes/mentions and appears in rejects, no stale rows
    changed = [dict(r, text="") if r["note_id"] == "n01" and "Duplicate" not in r["text"] else r
               for r in notes_rows]
    run(changed)
    assert table("notes").filter("note_id = 'n01'").count() == 0
    assert table("mentions").filter("note_id = 'n01'").count() == 0
    assert table("rejects").filter("note_id = 'n01' AND reason = 'empty note text; fix: remove the row or give it text'").count() == 1
    assert run(notes_rows) == first
    assert table("rejects").count() == 3


def test_bad_inputs_raise_clear_errors(spark, tiny_pack, tmp_path):
    from coding_toolkit.bulk.spark import annotate_dataframe
    from coding_toolkit.errors import InputError, PackError

    df = spark.createDataFrame([("a", "chest pain")], "id string, body string")
    with pytest.raises(InputError, match="column 'text' not found.*id, body.*text_column"):
        annotate_dataframe(df, tiny_pack)
    with pytest.raises(PackError, match="not found"):
        annotate_dataframe(df, tmp_path / "no-pack", text_column="body", id_column="id")


@pytest.mark.postgres
def test_sql_output_same_tables_as_local_db_and_rerun_safe(spark_frame, local_results, pg_url):
    import uuid

    import sqlalchemy as sa

    from coding_toolkit.bulk.spark import write_sql

    run_id = f"spark-test-{uuid.uuid4().hex[:8]}"
    assert write_sql(spark_frame, pg_url, run_id=run_id) == run_id
    write_sql(spark_frame, pg_url, run_id=run_id)  # the same run again: rows replaced, not added
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as conn:
            notes = dict(conn.execute(sa.text("SELECT note_id, n_mentions FROM notes WHERE run_id = :r"),
                                      {"r": run_id}).all())
            codes = conn.execute(sa.text("SELECT note_id, code FROM suggestions WHERE run_id = :r "
                                         "ORDER BY note_id, suggestion_index"), {"r": run_id}).all()
            pack_hash = conn.execute(sa.text("SELECT pack_hash FROM runs WHERE run_id = :r"),
                                     {"r": run_id}).scalar_one()
    finally:
        engine.dispose()
    assert notes == {k: len(v["mentions"]) for k, v in local_results.items()}
    assert [tuple(c) for c in codes] == [(k, s["code"]) for k in sorted(local_results)
                                         for s in local_results[k]["suggestions"]]
    assert pack_hash == next(iter(local_results.values()))["provenance"]["pack_hash"]
