"""Notes readers: every input kind, streaming, clear errors, stable ids, bad bytes never stop a run."""
from __future__ import annotations

import json
import logging

import pytest

from coding_toolkit.errors import InputError
from coding_toolkit.io import notes_reader
from coding_toolkit.io.notes_reader import count_notes, read_notes

ROWS = [("a1", "Heart failure.", "e1"), ("", "Asthma, \"wheeze\"\nsecond line", "e1"), ("a3", "Pneumonia", "e2")]


@pytest.fixture
def csv_file(tmp_path):
    import pandas as pd

    path = tmp_path / "notes.csv"
    pd.DataFrame(ROWS, columns=["note_id", "body", "episode"]).to_csv(path, index=False)
    return path


def test_csv_with_columns_chunks_and_fallback_id(csv_file, monkeypatch):
    monkeypatch.setattr(notes_reader, "CHUNK_ROWS", 2)  # cross a chunk boundary
    notes = list(read_notes(csv_file, text_column="body", episode_column="episode"))
    assert [n.text for n in notes] == [r[1] for r in ROWS]
    assert [n.note_id for n in notes] == ["a1", "notes.csv:3", "a3"]
    assert [n.problem_kind for n in notes if n.problem] == ["missing note_id"], "a blank id in an id column"
    assert [n.episode_id for n in notes] == ["e1", "e1", "e2"]
    assert count_notes(csv_file) == 3


def test_missing_text_column_names_file_columns_and_fix(csv_file):
    with pytest.raises(InputError) as err:
        list(read_notes(csv_file))
    msg = str(err.value)
    assert str(csv_file) in msg and "'text' not found" in msg and "note_id, body, episode" in msg
    assert "--text-column" in msg
    with pytest.raises(InputError, match="--episode-column"):
        list(read_notes(csv_file, text_column="body", episode_column="visit"))


def test_an_id_column_named_but_missing_is_an_error_not_file_row_ids(csv_file, tmp_path):
    """A mistyped --id-column used to fall back to file:row ids silently, losing the trust's ids."""
    with pytest.raises(InputError) as err:
        list(read_notes(csv_file, text_column="body", id_column="nope"))
    assert "'nope' not found" in str(err.value) and "--id-column" in str(err.value)
    without_ids = tmp_path / "plain.csv"
    without_ids.write_text("body\nAsthma.\n", encoding="utf-8")  # the default id column may be absent
    assert [n.note_id for n in read_notes(without_ids, text_column="body")] == ["plain.csv:2"]
    lines = tmp_path / "m.jsonl"
    lines.write_text(json.dumps({"doc_id": "d1", "text": "Asthma."}) + "\n" + json.dumps({"text": "COPD."}) + "\n",
                     encoding="utf-8")
    notes = list(read_notes(lines, id_column="doc_id"))
    assert notes[0].note_id == "d1" and notes[0].problem is None
    assert notes[1].problem_kind == "missing note_id" and "'doc_id'" in notes[1].problem


def test_tsv_keeps_quotes_literal(tmp_path):
    path = tmp_path / "n.tsv"
    path.write_text("id\ttext\n1\tSaid \"no chest pain\"\n2\t\"Quoted\" start, no end\n", encoding="utf-8")
    notes = list(read_notes(path, id_column="id"))
    assert notes[0].note_id == "1" and notes[0].text == 'Said "no chest pain"'
    assert notes[1].note_id == "2" and notes[1].text == '"Quoted" start, no end'


def test_every_jsonl_line_is_a_note_or_a_rejected_note(tmp_path, caplog):
    path = tmp_path / "n.jsonl"
    path.write_text("\n".join([json.dumps({"note_id": "x", "text": "one"}), "{broken",
                               json.dumps({"other": 1}), json.dumps(["a", "list"]), "",
                               json.dumps({"text": "four"})]) + "\n")
    with caplog.at_level(logging.WARNING):
        notes = list(read_notes(path))
    assert [(n.note_id, n.text) for n in notes] == [
        ("x", "one"), ("n.jsonl:2", ""), ("n.jsonl:3", ""), ("n.jsonl:4", ""), ("n.jsonl:6", "four")]
    bad = [n for n in notes if n.problem]
    assert [n.source for n in bad] == ["n.jsonl:2", "n.jsonl:3", "n.jsonl:4"]
    assert {n.problem_kind for n in bad} == {"malformed line"}
    assert "not valid JSON (Expecting property name enclosed in double quotes at character 2)" in bad[0].problem
    assert "line 1" not in bad[0].problem and "no field 'text' (fields: other)" in bad[1].problem
    assert "not an object" in bad[2].problem and all("fix:" in n.problem for n in bad)
    assert [n.problem.split(": ")[0] for n in bad] == ["n.jsonl:2", "n.jsonl:3", "n.jsonl:4"], "file:line, one form"
    assert "n.jsonl:2" in caplog.text and "n.jsonl:3" in caplog.text and "one" not in caplog.text
    assert count_notes(path) == len(notes)


def test_jsonl_bad_first_lines_are_rejects_when_a_later_line_is_good(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_text("not json\n" + json.dumps({"note_id": "a", "text": "asthma"}) + "\n")
    notes = list(read_notes(path))
    assert [(n.note_id, bool(n.problem)) for n in notes] == [("f.jsonl:1", True), ("a", False)]


def test_jsonl_without_a_single_usable_line_is_a_file_error(tmp_path):
    bad_first = tmp_path / "b.jsonl"
    bad_first.write_text(json.dumps({"body": "x"}) + "\n" + json.dumps({"body": "y"}) + "\n")
    with pytest.raises(InputError, match=r"b.jsonl:1: column 'text' not found \(columns: body\)"):
        list(read_notes(bad_first))
    not_json = tmp_path / "c.jsonl"
    not_json.write_text("note_id,text\n1,asthma\n")
    with pytest.raises(InputError, match=r"c.jsonl:1: not a JSON object per line .*fix:"):
        list(read_notes(not_json))


def test_a_null_or_blank_note_id_is_rejected_not_renamed(tmp_path):
    path = tmp_path / "i.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [
        {"note_id": None, "text": "a"}, {"note_id": " ", "text": "b"}, {"text": "c"}, {"note_id": 7, "text": "d"}]))
    notes = list(read_notes(path))
    assert [n.note_id for n in notes] == ["i.jsonl:1", "i.jsonl:2", "i.jsonl:3", "7"]
    assert [n.problem_kind for n in notes if n.problem] == ["missing note_id", "missing note_id"]
    assert "field 'note_id' is null" in notes[0].problem and "is empty" in notes[1].problem
    assert notes[2].problem is None, "a record without the field: a note without ids"


def test_episode_id_field_is_used_without_episode_column(tmp_path):
    from coding_toolkit.io.notes_reader import episode_column_of

    path = tmp_path / "e.jsonl"
    path.write_text(json.dumps({"note_id": "a", "text": "x", "episode_id": "E1"}) + "\n")
    assert episode_column_of(path, None) == "episode_id"
    assert episode_column_of(path, "spell") == "spell"
    plain = tmp_path / "p.csv"
    plain.write_text("note_id,text\na,x\n")
    assert episode_column_of(plain, None) is None
    with_col = tmp_path / "w.csv"
    with_col.write_text("note_id,text,episode_id\na,x,S9\n")
    assert episode_column_of(with_col, None) == "episode_id"
    assert [n.episode_id for n in read_notes(with_col, episode_column="episode_id")] == ["S9"]


@pytest.mark.parametrize("head, kind", [(b"PK\x03\x04\x14\x00\x06\x00", "an Excel or zip file"),
                                        (b"\x00\x01\x02binary", "a binary file")])
def test_a_binary_file_given_as_text_is_one_clear_error(tmp_path, head, kind):
    for name in ("n.csv", "n.jsonl", "n.tsv"):
        path = tmp_path / name
        path.write_bytes(head + b"\x00" * 100)
        with pytest.raises(InputError) as err:
            list(read_notes(path))
        assert str(err.value).startswith(f"{path}: not a text file (it looks like {kind}); fix: ")


def test_a_utf16_file_is_told_to_be_saved_as_utf8(tmp_path):
    path = tmp_path / "u.csv"
    path.write_bytes("note_id,text\na,asthma\n".encode("utf-16"))
    with pytest.raises(InputError, match=r"u.csv: the file is UTF-16 text; fix: save it as UTF-8"):
        list(read_notes(path))


def test_non_utf8_bytes_replaced_and_reported(tmp_path, caplog):
    path = tmp_path / "n.jsonl"
    path.write_bytes(b'{"text": "caf\xe9 ok"}\n{"text": "fine"}\n')
    with caplog.at_level(logging.WARNING):
        notes = list(read_notes(path))
    assert notes[0].text == "caf\ufffd ok" and notes[1].text == "fine"
    assert notes[0].problem.startswith("n.jsonl:1: ") and "UTF-8" in notes[0].problem and notes[1].problem is None
    assert caplog.text == "", "the reject row says it: no WARNING line before it on the terminal"
    csv_path = tmp_path / "n.csv"
    csv_path.write_bytes(b"text\nna\xefve\nplain\n")
    with caplog.at_level(logging.DEBUG, logger="coding_toolkit.io.notes_reader"):
        assert [n.text for n in read_notes(csv_path)] == ["na\ufffdve", "plain"]
    assert "n.csv:2" in caplog.text and "U+FFFD" in caplog.text and "na\ufffdve" not in caplog.text


def test_parquet_by_batches(tmp_path, monkeypatch):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "n.parquet"
    pq.write_table(pa.table({"note_id": ["p1", None, "p3"], "text": ["a", "b", None]}), path, row_group_size=2)
    monkeypatch.setattr(notes_reader, "CHUNK_ROWS", 1)
    notes = list(read_notes(path))
    assert [(n.note_id, n.text) for n in notes] == [("p1", "a"), ("n.parquet:2", "b"), ("p3", "")]
    assert count_notes(path) == 3
    with pytest.raises(InputError, match="columns: note_id, text"):
        list(read_notes(path, text_column="body"))


def test_txt_folder(tmp_path):
    (tmp_path / "b.txt").write_text("second")
    (tmp_path / "a.txt").write_text("first")
    (tmp_path / "skip.md").write_text("no")
    assert [(n.note_id, n.text) for n in read_notes(tmp_path)] == [("a", "first"), ("b", "second")]
    assert count_notes(tmp_path) == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no .txt files"):
        list(read_notes(empty))


def test_unknown_format_and_missing_file(tmp_path):
    with pytest.raises(InputError, match="unknown notes format '.docx'"):
        read_notes(tmp_path / "n.docx")
    with pytest.raises(InputError, match="not found"):
        read_notes(tmp_path / "n.csv")


def _sql_table(url):
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS ct_reader_notes"))
        conn.execute(sa.text("CREATE TABLE ct_reader_notes (note_id VARCHAR(10), body TEXT, ep VARCHAR(10))"))
        conn.execute(sa.text("INSERT INTO ct_reader_notes VALUES ('s1', 'Asthma', 'e'), (NULL, 'CCF', 'e')"))
    engine.dispose()


def test_sql_query_sqlite(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'n.db'}"
    _sql_table(url)
    monkeypatch.setattr(notes_reader, "CHUNK_ROWS", 1)
    query = "SELECT note_id, body, ep FROM ct_reader_notes ORDER BY body"
    notes = list(read_notes(query, source_db=url, text_column="body", episode_column="ep"))
    assert [(n.note_id, n.text, n.episode_id) for n in notes] == [("s1", "Asthma", "e"), ("sql:2", "CCF", "e")]
    assert count_notes(query, source_db=url) == 2
    with pytest.raises(InputError, match="'text' not found.*note_id, body, ep"):
        list(read_notes(query, source_db=url))
    with pytest.raises(InputError, match="the notes query failed"):
        list(read_notes("SELECT * FROM missing_table", source_db=url))


@pytest.mark.postgres
def test_sql_query_postgres(pg_url):
    _sql_table(pg_url)
    notes = list(read_notes("SELECT * FROM ct_reader_notes ORDER BY body", source_db=pg_url, text_column="body"))
    assert [n.text for n in notes] == ["Asthma", "CCF"]


def test_csv_row_with_unquoted_comma_is_rejected_by_line_never_shifted(tmp_path, caplog):
    path = tmp_path / "u.csv"
    path.write_text('note_id,text\nA,"Diagnosis: asthma, hypertension"\nB,COPD, smoker\n'
                    'C,"two\nlines"\nD,Asthma, wheeze, cough\nE,fine\n', encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        notes = list(read_notes(path))
    assert [n.note_id for n in notes] == ["A", "u.csv:3", "C", "u.csv:5", "E"]
    assert notes[0].text == "Diagnosis: asthma, hypertension" and notes[2].text == "two\nlines"
    bad = [n for n in notes if n.problem]
    assert [n.problem_kind for n in bad] == ["malformed row", "malformed row"]
    assert bad[0].problem.startswith("u.csv:3: 3 fields where the header has 2") and "quote" in bad[0].problem
    assert bad[1].problem.startswith("u.csv:6: 4 fields"), "physical line, after a two-line record"
    assert all("COPD" not in n.problem and "smoker" not in n.problem and n.text == "" for n in bad)
    assert "u.csv:3" in caplog.text and "COPD" not in caplog.text
    assert count_notes(path) == 5


def test_csv_unterminated_quote_keeps_the_notes_before_and_rejects_the_rest(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('note_id,text\nA,ok\nZ,fine\nB,"never closed\nC,more\nD,end\n', encoding="utf-8")
    notes = list(read_notes(path))
    assert [n.note_id for n in notes[:2]] == ["A", "Z"] and not notes[0].problem and not notes[1].problem
    assert len(notes) == 3, "one reject row for the rest of the file"
    bad = notes[2]
    assert bad.source == "q.csv:4" and bad.problem_kind == "malformed row" and bad.text == ""
    assert bad.problem.startswith("q.csv:4: malformed quoting") and "rest of the file" in bad.problem
    assert "fix:" in bad.problem and "\n" not in bad.problem and "never closed" not in bad.problem


def test_csv_broken_quoting_in_the_first_record_is_a_file_error(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('note_id,text\nB,"never closed\nC,more\n', encoding="utf-8")
    with pytest.raises(InputError) as err:
        list(read_notes(path))
    msg = str(err.value)
    assert msg.startswith(f"{path}:2: ") and "quot" in msg and "fix:" in msg and "\n" not in msg


def test_csv_long_field_and_bom_header(tmp_path):
    path = tmp_path / "b.csv"
    long_text = "asthma " * 40_000  # over the csv module's default 128 KiB field limit
    path.write_bytes("\ufeffnote_id,text\n".encode("utf-8") + f'X,"{long_text}"\n'.encode())
    notes = list(read_notes(path))
    assert notes[0].note_id == "X" and notes[0].text == long_text and notes[0].problem is None


@pytest.mark.parametrize("name, content", [("e.jsonl", b""), ("b.jsonl", b"\n\n"), ("e.csv", b""),
                                           ("h.csv", b"note_id,text\n"), ("e.tsv", b"")])
def test_a_file_without_notes_is_one_error_in_every_format(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=rf"{name}: the file (holds no notes|is empty)"):
        list(read_notes(path))


def test_a_parquet_file_without_rows_is_an_error(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "e.parquet"
    pq.write_table(pa.table({"text": pa.array([], pa.string())}), path)
    with pytest.raises(InputError, match="holds no notes"):
        list(read_notes(path))
