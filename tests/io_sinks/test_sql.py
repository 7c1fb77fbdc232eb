import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import StatementError

from coding_toolkit.errors import InputError
from coding_toolkit.io.sinks import open_sink
from coding_toolkit.records import NoteResult

from .builders import note_a, note_b

RUN = {
    "run_id": "run-1",
    "pack_hash": "sha256:abc123",
    "map_release": "20241120",
    "toolkit_version": "0.1.0",
    "started": "2025-01-02T03:04:05+00:00",
    "arguments": {"format": "jsonl", "workers": 2},
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request, tmp_path):
    """(url, run dict, schema-qualifying prefix for raw SQL) on SQLite or on the real PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/out.db", dict(RUN), ""
        return
    url = request.getfixturevalue("pg_url")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield url, {**RUN, "db_schema": schema}, f"{schema}."
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


def _q(url, sql, **params):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params)]
    finally:
        engine.dispose()


def _counts(url, s):
    return [
        _q(url, f"SELECT count(*) FROM {s}{t}")[0][0]
        for t in ("runs", "notes", "mentions", "suggestions", "suggestion_evidence")
    ]


def test_tables_rows_and_coder_queries(db):
    url, run, s = db
    sink = open_sink("sql", None, db_url=url, run=run)
    sink.open()
    assert sink.write([note_a("n1", "E1"), note_b("n2", "E1")]) is None
    sink.close()
    assert _counts(url, s) == [1, 2, 7, 6, 7]
    # which notes suggest I21.9, with the evidence spans (docs/outputs.md example query)
    rows = _q(
        url,
        f"""
        SELECT s.note_id, s.code, m.start_offset, m.end_offset, m.text
        FROM {s}suggestions s
        JOIN {s}suggestion_evidence e ON e.run_id = s.run_id AND e.note_id = s.note_id
             AND e.suggestion_index = s.suggestion_index
        JOIN {s}mentions m ON m.run_id = e.run_id AND m.note_id = e.note_id
             AND m.mention_index = e.mention_index
        WHERE s.system = 'ICD-10' AND s.code = :code ORDER BY m.start_offset""",
        code="I219",
    )
    assert rows == [("n1", "I219", 0, 8, "Acute MI"), ("n1", "I219", 62, 64, "MI")]
    # filtered mentions are kept with their reason
    assert _q(url, f"SELECT sctid, reason, negation FROM {s}mentions WHERE status = 'filtered'") == [
        ("73211009", "negated", "Negated")
    ]
    # codes of an episode in the suggestion stage's rank per system (the CDS order: asterisk after dagger)
    assert _q(
        url,
        f"SELECT code, rank FROM {s}suggestions WHERE episode_id = 'E1' AND note_id = 'n1' ORDER BY system, rank",
    ) == [("I219", 1), ("Z764", 2), ("E143D", 3), ("H360A", 4), ("H019", 1)]
    assert _q(url, f"SELECT pack_hash, map_release, toolkit_version FROM {s}runs") == [
        ("sha256:abc123", "20241120", "0.1.0")
    ]


def test_rewriting_a_batch_never_duplicates(db):
    url, run, s = db
    for _ in range(2):  # a crashed run re-writes its last batch on resume, with the same run id
        sink = open_sink("sql", None, db_url=url, run=run)
        sink.open()
        sink.write([note_a("n1"), note_b("n2")])
        sink.write([note_b("n2")])  # and a note written again in a later batch replaces itself
        sink.close()
    assert _counts(url, s) == [1, 2, 7, 6, 7]
    # a new run keeps its own rows
    other = open_sink("sql", None, db_url=url, run={**run, "run_id": "run-2"})
    other.open()
    other.write([note_b("n2")])
    other.close()
    assert _counts(url, s) == [2, 3, 8, 7, 8]


def test_failed_batch_leaves_nothing_behind(db):
    url, run, s = db
    sink = open_sink("sql", None, db_url=url, run=run)
    sink.open()
    sink.write([note_b("n0")])
    bad = note_b("n9")
    bad = NoteResult(
        note_id="n9", mentions=bad.mentions, suggestions=bad.suggestions, provenance={"not json": object()}
    )  # fails inside the transaction
    with pytest.raises(StatementError):  # the JSON column cannot store object()
        sink.write([note_a("n1"), bad])
    sink.close()
    assert _q(url, f"SELECT note_id FROM {s}notes") == [("n0",)]
    assert _counts(url, s) == [1, 1, 1, 1, 1]


def test_sqlite_default_from_out_and_bad_url(tmp_path):
    sink = open_sink("sql", tmp_path / "o.db", run=RUN)
    sink.open()
    sink.write([note_b()])
    sink.close()
    assert _q(f"sqlite:///{tmp_path}/o.db", "SELECT code FROM suggestions") == [("I10X",)]
    with pytest.raises(InputError, match="fix: pass --db URL"):
        open_sink("sql", None)
    with pytest.raises(InputError, match=r"cannot create or open the output tables.*fix: check --db URL"):
        open_sink("sql", None, db_url=f"sqlite:///{tmp_path}/missing/dir/o.db").open()


def test_documented_example_queries_run(db):
    from pathlib import Path

    url, run, s = db
    sink = open_sink("sql", None, db_url=url, run=run)
    sink.open()
    sink.write([note_a("n1", "E1"), note_b("n2", "E1"), note_b("n3", "E1")])
    sink.close()
    doc = (Path(__file__).parents[2] / "docs" / "outputs.md").read_text("utf-8")
    block = doc.split("```sql")[1].split("```")[0]
    queries = [q.strip() for q in block.split(";") if q.strip()]
    engine = create_engine(url, connect_args={"options": f"-csearch_path={s[:-1]}"} if s else {})
    params = {"run": "run-1", "episode": "E1", "note": "n1"}
    try:
        with engine.connect() as conn:
            results = [
                list(conn.execute(text(q), {k: v for k, v in params.items() if f":{k}" in q}))
                for q in queries
            ]
    finally:
        engine.dispose()
    assert len(results) == 4
    assert [tuple(r[:2]) for r in results[0]] == [("n1", "I219"), ("n1", "I219")]
    assert results[1][0][1] == "I10X" and results[1][0][3] == 2  # hypertension in 2 notes ranks first
    assert [r[0] for r in results[2]] == ["73211009"] and results[2][0][3] == "negated"
    assert results[3][0][2] == "sha256:abc123"


def test_long_map_release_names_fit(tmp_path, pg_url):
    """A UK bundle has many release folders: the run row must hold all their names (PostgreSQL too)."""
    import sqlalchemy as sa

    from coding_toolkit.io.sinks.sql import SqlSink

    release = ", ".join(f"SnomedCT_UKClinicalRF2_PRODUCTION_2024112{i}T000001Z" for i in range(6))
    for url in (f"sqlite:///{tmp_path / 'r.db'}", pg_url):
        sink = SqlSink(db_url=url, run={"run_id": f"long-{tmp_path.name}", "map_release": release},
                       prefix="longrel_")
        sink.open()
        sink.close()
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            stored = conn.execute(sa.text(
                f"SELECT map_release FROM longrel_runs WHERE run_id = 'long-{tmp_path.name}'")).scalar()
        engine.dispose()
        assert stored == release and len(release) > 128


def test_plain_postgresql_url_uses_psycopg3_and_both_forms_work(pg_url):
    """``postgresql://`` (what SQLAlchemy 2.1 maps to psycopg 3) and ``postgresql+psycopg2://`` both reach
    the real server; ``postgres://`` is accepted too."""
    import sqlalchemy as sa

    from coding_toolkit.dburl import normalise_url
    from coding_toolkit.io.notes_reader import read_notes
    from coding_toolkit.io.sinks.sql import SqlSink

    rest = pg_url.partition("://")[2]
    assert normalise_url(f"postgresql://{rest}") == f"postgresql+psycopg://{rest}"
    assert normalise_url(f"postgres://{rest}") == f"postgresql+psycopg://{rest}"
    assert normalise_url(f"postgresql+psycopg2://{rest}") == f"postgresql+psycopg2://{rest}"
    assert normalise_url(f"postgresql+pg8000://{rest}") == f"postgresql+pg8000://{rest}"
    for url in (f"postgresql://{rest}", f"postgresql+psycopg2://{rest}"):
        run_id = f"plain-{uuid.uuid4().hex[:8]}"
        sink = SqlSink(db_url=url, run={"run_id": run_id}, prefix="plainurl_")
        sink.open()
        sink.write([note_a()])
        sink.close()
        engine = sa.create_engine(normalise_url(url))
        assert engine.dialect.driver == ("psycopg" if "+" not in url.partition("://")[0] else "psycopg2")
        engine.dispose()
        [note] = list(read_notes(None, source_db=url, text_column="note_id", id_column="note_id",
                                 query=f"SELECT note_id FROM plainurl_notes WHERE run_id = '{run_id}'"))
        assert note.note_id == note_a().note_id


def test_never_primary_chosen_because_and_stated_under_are_columns(db):
    from dataclasses import replace

    url, run, s = db
    result = note_a("n1", "E1")
    first = replace(result.suggestions[0], stated_under="discharge diagnosis")
    result = replace(result, suggestions=(first, *result.suggestions[1:]))
    sink = open_sink("sql", None, db_url=url, run=run)
    sink.open()
    sink.write([result])
    sink.close()
    expected = sorted((x.code, x.never_primary, x.chosen_because) for x in result.suggestions
                      if x.never_primary or x.chosen_because)
    assert expected, "the builder note must carry a code that may not be primary"
    assert sorted(_q(url, f"SELECT code, never_primary, chosen_because FROM {s}suggestions "
                          "WHERE never_primary IS NOT NULL OR chosen_because IS NOT NULL")) == expected
    assert _q(url, f"SELECT code, rank FROM {s}suggestions WHERE stated_under = 'discharge diagnosis'") == [
        (first.code, first.rank)]


def test_a_database_from_an_earlier_version_gains_the_new_columns_and_keeps_its_rows(db):
    url, run, s = db
    sink = open_sink("sql", None, db_url=url, run=run)
    sink.open()
    sink.write([note_b("n0")])
    sink.close()
    engine = create_engine(url)
    with engine.begin() as conn:  # the suggestions table as an earlier version made it
        for column in ("never_primary", "chosen_because", "stated_under"):
            conn.execute(text(f"ALTER TABLE {s}suggestions DROP COLUMN {column}"))
    engine.dispose()
    later = open_sink("sql", None, db_url=url, run={**run, "run_id": "run-2"})
    later.open()
    later.write([note_a("n1", "E1")])
    later.close()
    assert _counts(url, s) == [2, 2, 7, 6, 7]
    assert _q(url, f"SELECT count(*) FROM {s}suggestions WHERE run_id = 'run-2' "
                   "AND never_primary IS NOT NULL")[0][0] >= 1
    assert _q(url, f"SELECT count(*) FROM {s}suggestions WHERE run_id = 'run-1' "
                   "AND never_primary IS NULL")[0][0] >= 1


def test_a_missing_key_column_stops_with_the_fix(tmp_path):
    url = f"sqlite:///{tmp_path}/old.db"
    engine = create_engine(url)
    with engine.begin() as conn:  # a "runs" table that is not ours: no run_id key
        conn.execute(text("CREATE TABLE runs (started VARCHAR(40))"))
    engine.dispose()
    sink = open_sink("sql", None, db_url=url, run=dict(RUN))
    with pytest.raises(InputError, match=r"runs has no column 'run_id'.*fix: write to a new database"):
        sink.open()
