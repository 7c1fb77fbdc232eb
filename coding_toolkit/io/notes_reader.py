"""Read notes, streaming, from CSV/TSV, JSONL, Parquet, a folder of .txt files or a SQL query.

``read_notes(source, ...)`` yields :class:`~coding_toolkit.records.Note` one at a time and never
holds the whole input in memory: CSV/TSV are read in chunks, JSONL line by line, Parquet by
record batches, SQL with ``yield_per``.

Decisions (documented in docs/models.md):

* A missing text (or named id/episode) column is a file-level mistake: :class:`InputError`
  naming the file, the columns found and the ``--text-column`` fix, before any note is yielded.
* One bad record never stops a long run. Bytes that are not UTF-8 are replaced with U+FFFD, a
  DEBUG log names the file and line (never the text), and the Note carries a ``problem`` so that
  ``annotate`` rejects it (listed in the rejects file) while training may still use it.
* Every record read ends up as a note or a rejected note: a JSONL line that is not JSON, not an
  object, or lacks the text field becomes a rejected Note naming ``file:line`` (never dropped). Only
  when no line of the file is a usable record is it the file that is wrong: InputError.
* A CSV/TSV row whose field count is not the header's (an unquoted comma) is never re-interpreted:
  it becomes a rejected Note (``problem`` names the line, never the text). Broken quoting (a quote
  left open) makes record boundaries untrustworthy from that line on: the notes before it are kept,
  the rest of the file becomes one rejected Note naming the line (an InputError when it is the
  first record).
* A file that is not text (NUL bytes near its start: a spreadsheet, a zip) is an InputError.
* A notes file without any note (empty, blank lines only, a CSV header only, a Parquet file with no
  rows) is an InputError in every format; a SQL query returning no rows is not.
* A note without an id (no id column or field) gets the stable id ``<file name>:<line or row>``; a
  note whose id column or field is there but null or blank is rejected (it could not be traced back).
* Episodes: without ``episode_column``, a column or field named ``episode_id`` is used when the
  input has one (``episode_column_of``).
* Text is not validated here beyond its type (the pipeline rejects empty or huge notes).
"""
from __future__ import annotations

import csv
import json
import logging
from collections.abc import Iterator
from pathlib import Path

from coding_toolkit.dburl import normalise_url
from coding_toolkit.dburl import safe_url as _safe_url
from coding_toolkit.errors import InputError
from coding_toolkit.records import Note

DEFAULT_ID_COLUMN = "note_id"  # without it notes get file:row ids; a column named otherwise must exist

log = logging.getLogger(__name__)

CHUNK_ROWS = 10_000
DEFAULT_EPISODE_COLUMN = "episode_id"  # used without --episode-column when the input has it
_SNIFF_BYTES = 8192
_MAX_LEADING_BAD = 1000  # bad JSONL lines before any good one: beyond this the file is not JSONL
_REPLACEMENT = "\ufffd"
_FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
            ".parquet": "parquet", ".pq": "parquet"}


def notes_format(source) -> str:
    """The input kind of ``source``: csv, tsv, jsonl, parquet or txtdir."""
    path = Path(source)
    if path.is_dir():
        return "txtdir"
    kind = notes_format_of_name(path.name)
    if kind is None:
        raise InputError(
            f"{path}: unknown notes format '{path.suffix}'; fix: use .csv, .tsv, .jsonl, .parquet "
            f"or a folder of .txt files")
    if not path.exists():
        raise InputError(f"{path}: notes file not found; fix: check the path")
    return kind


def read_notes(source, *, text_column: str = "text", id_column: str = "note_id",
               episode_column: str | None = None, source_db: str | None = None,
               query: str | None = None) -> Iterator[Note]:
    """Yield the notes of ``source`` (a file, a folder of .txt files, or a SQL query with ``source_db``)."""
    if source_db is not None:
        return _read_sql(source_db, query or str(source), text_column, id_column, episode_column)
    kind = notes_format(source)
    path = Path(source)
    if kind == "txtdir":
        return _read_txtdir(path)
    if kind != "parquet":
        _check_is_text(path)
    reader = {"csv": _read_csv, "tsv": _read_csv, "jsonl": _read_jsonl, "parquet": _read_parquet}[kind]
    return _not_empty(path, reader(path, text_column, id_column, episode_column))


def _check_is_text(path: Path) -> None:
    """A binary file (a spreadsheet, a zip, a Parquet file named .csv) read as text would show
    garbage column names: NUL bytes never occur in UTF-8 text, so they tell it apart."""
    with open(path, "rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # text, but UTF-16 (NUL in every other byte)
        raise InputError(f"{path}: the file is UTF-16 text; fix: save it as UTF-8 (e.g. iconv -f utf-16 -t utf-8, "
                         "or 'CSV UTF-8' in Excel)")
    if b"\x00" in head:
        kind = "an Excel or zip file" if head.startswith(b"PK\x03\x04") else (
            "a Parquet file" if head.startswith(b"PAR1") else "a binary file")
        raise InputError(f"{path}: not a text file (it looks like {kind}); fix: export the notes as "
                         "UTF-8 CSV, TSV or JSONL, or give a Parquet file a .parquet name")


def episode_column_of(source, episode_column: str | None, source_db: str | None = None) -> str | None:
    """The episode column to read: the one given, else ``episode_id`` when the input has it (a
    CSV/TSV header, the first JSONL record, a Parquet schema), else None. Cheap: reads one record."""
    if episode_column or source_db is not None or source is None:
        return episode_column
    try:
        kind = notes_format(source)
        path = Path(source)
        if kind == "parquet":
            import pyarrow.parquet as pq
            names = pq.ParquetFile(path).schema_arrow.names
        elif kind in ("csv", "tsv"):
            _check_is_text(path)
            names = next(_csv_rows(path, "\t" if kind == "tsv" else ","), (0, []))[1]
        elif kind == "jsonl":
            _check_is_text(path)
            names = next((list(r) for r in _json_objects(path)), [])
        else:
            return None
    except Exception:  # the reader reports a bad input with its own message
        log.debug("could not look for an episode column in %s", source, exc_info=True)
        return None
    return DEFAULT_EPISODE_COLUMN if DEFAULT_EPISODE_COLUMN in names else None


def _json_objects(path: Path) -> Iterator[dict]:
    with open(path, "rb") as fh:
        for raw in fh:
            try:
                record = json.loads(raw) if raw.strip() else None
            except ValueError:
                continue
            if isinstance(record, dict):
                yield record


def _not_empty(path: Path, notes: Iterator[Note]) -> Iterator[Note]:
    """A notes file without a single note is a mistake (wrong file, failed export), whatever its
    format: InputError, exit 2. (A SQL query may rightly return no rows: that is not an error.)"""
    empty = True
    for note in notes:
        empty = False
        yield note
    if empty:
        raise InputError(f"{path}: the file holds no notes; fix: check that it is the right file and that "
                         "the export that wrote it finished")


def count_notes(source, *, text_column: str = "text", id_column: str = "note_id",
                episode_column: str | None = None, source_db: str | None = None,
                query: str | None = None) -> int | None:
    """How many notes ``read_notes`` would yield, cheaply where possible (for progress totals); None if unknown."""
    try:
        if source_db is not None:
            import sqlalchemy as sa
            engine = sa.create_engine(normalise_url(source_db))
            with engine.connect() as conn:
                sql = f"SELECT count(*) FROM ({query or source}) AS ct_notes"
                return int(conn.execute(sa.text(sql)).scalar_one())
        kind = notes_format(source)
        path = Path(source)
        if kind == "txtdir":
            return sum(1 for _ in _txt_files(path))
        if kind == "parquet":
            import pyarrow.parquet as pq
            return pq.ParquetFile(path).metadata.num_rows
        if kind == "jsonl":
            with open(path, "rb") as fh:
                return sum(1 for line in fh if line.strip())
        return max(sum(1 for _ in _csv_rows(path, "\t" if kind == "tsv" else ",")) - 1, 0)
    except Exception:  # a progress total is a nicety: never fail the run for it
        log.debug("could not count notes in %s", source, exc_info=True)
        return None


def _missing_column(where: str, column: str, found, option: str) -> InputError:
    return InputError(
        f"{where}: column '{column}' not found (columns: {', '.join(map(str, found)) or 'none'}); "
        f"fix: pass {option} with one of those names")


def _check_columns(where: str, found, text_column, id_column, episode_column) -> bool:
    """Raise for a missing text/episode column, or an id column named other than the default; return
    whether the id column exists (without the default one, notes get ``file:row`` ids)."""
    found = list(found)
    if text_column not in found:
        raise _missing_column(where, text_column, found, "--text-column")
    if episode_column and episode_column not in found:
        raise _missing_column(where, episode_column, found, "--episode-column")
    if id_column != DEFAULT_ID_COLUMN and id_column not in found:  # a mistyped name would lose the ids
        raise _missing_column(where, id_column, found, "--id-column")
    return id_column in found


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN from a columnar reader
        return ""
    return value if isinstance(value, str) else str(value)


MISSING_ID_CATEGORY = "missing note_id"  # the reject category of a note without an id (both engines)


def clean_id(value) -> str:
    """A note or episode id as every reader takes it: text, stripped; "" when missing."""
    return _as_text(value).strip()


def notes_format_of_name(name: str) -> str | None:
    """The notes format a file name's extension says (csv, tsv, jsonl, parquet), or None."""
    return _FORMATS.get(Path(name).suffix.lower())


def _note(name: str, row: int, text, note_id, episode_id, *, decoded: bool = False,
          id_field: str | None = None) -> Note:
    """``decoded``: the text was decoded here with replacement, so a U+FFFD in it marks bytes that
    were not UTF-8 (columnar and SQL sources hand over text that was never decoded by us).
    ``id_field``: the id column or field is there for this note, so a null or blank id is an error
    in the source (rejected), not a note without ids (which gets ``name:row``)."""
    given, was_null = clean_id(note_id), note_id is None or note_id != note_id  # None or NaN
    note_id = given or f"{name}:{row}"
    episode = clean_id(episode_id) or None
    text = _as_text(text)
    if id_field and not given:
        log.warning("%s:%d: rejected a note whose '%s' is empty", name, row, id_field)
        return Note(note_id=note_id, text=text, episode_id=episode, source=f"{name}:{row}",
                    problem=(f"{name}:{row}: field '{id_field}' is {'null' if was_null else 'empty'}, so "
                             "the note cannot be traced back to its record; fix: give every note an id"),
                    problem_kind=MISSING_ID_CATEGORY)
    problem = None
    if decoded and _REPLACEMENT in text:
        # DEBUG: the note is rejected and the rejects file and summary say why; a WARNING line
        # before it only repeated that on the terminal
        log.debug("%s:%d: bytes that are not UTF-8 were replaced with U+FFFD", name, row)
        problem = _not_utf8(f"{name}:{row}")
    return Note(note_id=note_id, text=text, episode_id=episode, source=f"{name}:{row}", problem=problem)


def _not_utf8(where: str) -> str:
    return (f"{where}: the note holds bytes that are not UTF-8 (shown as U+FFFD); "
            "fix: re-encode the file as UTF-8, e.g. iconv -f cp1252 -t utf-8")


class _BrokenQuoting(Exception):
    """The CSV record starting on ``line`` has broken quoting: no record boundary after it can be trusted."""

    def __init__(self, line: int, detail: str):
        super().__init__(detail)
        self.line = line


def _quoting_problem(where: str, detail: str, rest: bool) -> str:
    return (f"{where}: malformed quoting in the record starting on this line ({detail})"
            + ("; it and the rest of the file were not read" if rest else "")
            + "; fix: close the quote, and double any quote inside a quoted field (\"\")")


def _csv_rows(path: Path, sep: str) -> Iterator[tuple[int, list[str]]]:
    """(first line number, fields) of each record of a CSV/TSV file, streaming, blank lines skipped.

    The standard library's reader in strict mode: a quote left open (or stray text after a closing
    quote) raises _BrokenQuoting naming the record's first line, never a silent merge of the lines
    after it.
    """
    # notes may be long: the default limit (128 KiB per field) would reject them as malformed
    csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        # TSV has no quoting convention: a quote there is part of the text
        reader = csv.reader(handle, delimiter=sep, strict=True,
                            quoting=csv.QUOTE_NONE if sep == "\t" else csv.QUOTE_MINIMAL)
        start = 1
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                raise _BrokenQuoting(start, str(e)) from None
            if fields:
                yield start, fields
            start = reader.line_num + 1


def _read_csv(path: Path, text_column, id_column, episode_column) -> Iterator[Note]:
    """Rows whose field count is not the header's are rejected by line number (an unquoted comma
    would otherwise shift every column after it and invent a note id); never re-interpreted."""
    sep = "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
    rows = _csv_rows(path, sep)
    try:
        header = next(rows, None)
    except _BrokenQuoting as e:
        raise InputError(_quoting_problem(f"{path}:{e.line}", str(e), False)) from None
    if header is None:
        raise InputError(f"{path}: the file is empty; fix: give a {sep!r}-separated file with a header")
    columns = header[1]
    has_id = _check_columns(str(path), columns, text_column, id_column, episode_column)
    text_at, id_at = columns.index(text_column), columns.index(id_column) if has_id else None
    episode_at = columns.index(episode_column) if episode_column else None
    row = 1  # the header is row 1; a note without an id is "<file>:<row>" (a record may span lines)
    while True:
        try:
            line, fields = next(rows)
        except StopIteration:
            return
        except _BrokenQuoting as e:
            if row == 1:  # not a single record could be read: the file is wrong, nothing to keep
                raise InputError(_quoting_problem(f"{path}:{e.line}", str(e), False)) from None
            log.warning("%s:%d: broken quoting; the rest of the file was rejected", path.name, e.line)
            yield Note(note_id=f"{path.name}:{row + 1}", text="", source=f"{path.name}:{e.line}",
                       problem=_quoting_problem(f"{path.name}:{e.line}", str(e), True), problem_kind="malformed row")
            return
        row += 1
        if len(fields) != len(columns):
            log.warning("%s:%d: rejected a row of %d fields (header: %d)", path.name, line, len(fields),
                        len(columns))
            yield Note(note_id=f"{path.name}:{row}", text="", source=f"{path.name}:{line}",
                       problem=(f"{path.name}:{line}: {len(fields)} fields where the header has "
                                f"{len(columns)}, so the columns cannot be trusted; fix: quote fields that "
                                f"contain {'a tab' if sep != ',' else 'commas'} (\"...\") and re-run"),
                       problem_kind="malformed row")
            continue
        yield _note(path.name, row, fields[text_at], fields[id_at] if has_id else None,
                    fields[episode_at] if episode_at is not None else None, decoded=True,
                    id_field=id_column if has_id else None)


def _jsonl_problem(line: str, text_column: str, episode_column: str | None) -> tuple[dict | None, str]:
    """(record, "") for a usable line, else (the object if it was one, why the line is not a note)."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as e:  # its own "line 1 column N" would be a second location: the character only
        return None, f"not valid JSON ({e.msg} at character {e.pos + 1})"
    if not isinstance(record, dict):
        return None, f"a JSON {type(record).__name__}, not an object"
    for column in (text_column, episode_column):
        if column and column not in record:
            return record, f"no field '{column}' (fields: {', '.join(map(str, record)) or 'none'})"
    return record, ""


def _read_jsonl(path: Path, text_column, id_column, episode_column) -> Iterator[Note]:
    """Every non-blank line becomes a Note: a bad line a rejected one naming ``file:line``. Bad
    lines before the first good one are held (line numbers only) until one is found: a file with
    no good line at all is the wrong file or the wrong --text-column (InputError)."""
    held: list[tuple[int, str]] = []
    first_object: tuple[int, dict] | None = None
    good = False
    with open(path, "rb") as fh:
        for line_no, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            line = raw.decode("utf-8", errors="replace")
            record, reason = _jsonl_problem(line, text_column, episode_column)
            if reason:
                if good:
                    yield _bad_line(path, line_no, reason)
                    continue
                held.append((line_no, reason))
                if record is not None and first_object is None:
                    first_object = (line_no, record)
                if len(held) > _MAX_LEADING_BAD:
                    break
                continue
            if not good:
                good = True
                for held_line, held_reason in held:
                    yield _bad_line(path, held_line, held_reason)
                held = []
            assert record is not None
            # a JSON "\ufffd" escape decodes to U+FFFD too: only a line that held bad bytes counts
            yield _note(path.name, line_no, record[text_column], record.get(id_column),
                        record.get(episode_column) if episode_column else None,
                        decoded=_REPLACEMENT in line and b"\xef\xbf\xbd" not in raw,
                        id_field=id_column if id_column in record or id_column != DEFAULT_ID_COLUMN else None)
    if held:  # no usable line at all: the file (or the column asked for) is wrong
        if first_object is not None:
            line_no, record = first_object
            _check_columns(f"{path}:{line_no}", record.keys(), text_column, id_column, episode_column)
        line_no, reason = held[0]
        raise InputError(f"{path}:{line_no}: not a JSON object per line ({reason}); "
                         f"fix: write one JSON object per line (JSONL)")


def _bad_line(path: Path, line_no: int, reason: str) -> Note:
    log.warning("%s:%d: rejected a line: %s", path.name, line_no, reason.split(" (")[0])
    return Note(note_id=f"{path.name}:{line_no}", text="", source=f"{path.name}:{line_no}",
                problem=(f"{path.name}:{line_no}: {reason}; fix: write the note as one JSON object "
                         "per line with its text field"),
                problem_kind="malformed line")


def _read_parquet(path: Path, text_column, id_column, episode_column) -> Iterator[Note]:
    import pyarrow.parquet as pq

    try:
        pfile = pq.ParquetFile(path)
    except Exception as e:
        raise InputError(f"{path}: not a readable Parquet file ({e}); fix: check the file") from e
    names = pfile.schema_arrow.names
    has_id = _check_columns(str(path), names, text_column, id_column, episode_column)
    columns = [c for c in (text_column, id_column if has_id else None, episode_column) if c]
    row = 0
    for batch in pfile.iter_batches(batch_size=CHUNK_ROWS, columns=columns):
        data = batch.to_pydict()
        texts = data[text_column]
        ids = data[id_column] if has_id else [None] * len(texts)
        episodes = data[episode_column] if episode_column else [None] * len(texts)
        for text, note_id, episode in zip(texts, ids, episodes):
            row += 1
            yield _note(path.name, row, text, note_id, episode, id_field=id_column if has_id else None)


def _txt_files(folder: Path):
    # sorted for a stable order (resumable training relies on it)
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".txt")


def _read_txtdir(folder: Path) -> Iterator[Note]:
    files = _txt_files(folder)
    if not files:
        raise InputError(f"{folder}: no .txt files in the folder; fix: point to a folder of .txt notes")
    for path in files:
        raw = path.read_bytes()
        text = raw.decode("utf-8", errors="replace")
        damaged = _REPLACEMENT in text and b"\xef\xbf\xbd" not in raw
        if damaged:
            log.warning("%s: bytes that are not UTF-8 were replaced with U+FFFD", path.name)
        yield Note(note_id=path.stem, text=text, source=str(path.name),
                   problem=_not_utf8(path.name) if damaged else None)


def _read_sql(url: str, query: str, text_column, id_column, episode_column) -> Iterator[Note]:
    import sqlalchemy as sa

    name = _safe_url(url)
    try:
        engine = sa.create_engine(normalise_url(url))
    except Exception as e:
        raise InputError(f"{name}: cannot use this database URL ({e}); fix: give a SQLAlchemy URL") from e
    try:
        with engine.connect() as conn:
            result = conn.execution_options(yield_per=CHUNK_ROWS).execute(sa.text(query))
            keys = list(result.keys())
            has_id = _check_columns(f"{name} query", keys, text_column, id_column, episode_column)
            for row, rec in enumerate(result, start=1):
                m = rec._mapping
                yield _note("sql", row, m[text_column], m[id_column] if has_id else None,
                            m[episode_column] if episode_column else None, id_field=id_column if has_id else None)
    except sa.exc.SQLAlchemyError as e:
        raise InputError(f"{name}: the notes query failed ({type(e).__name__}: {e.args[0] if e.args else e}); "
                         f"fix: check the query and the database") from e
    finally:
        engine.dispose()


def texts_of(source, **kwargs) -> Iterator[str]:
    """Only the texts of ``source`` (for model building and training)."""
    return (note.text for note in read_notes(source, **kwargs))


__all__ = ["read_notes", "count_notes", "notes_format", "texts_of", "episode_column_of"]

