"""The sink protocol, the byte-offset file sink the streaming formats share, and the registry.

Resume contract: a file sink's ``write`` returns the byte offset after the batch, once the batch
is on disk (flush + fsync). The bulk runner records that offset in its ledger together with the
batch's notes; after a crash ``open(resume_position=offset)`` truncates the file there, which
drops a half-written tail, and the runner carries on with the notes after the ledger's last batch.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from coding_toolkit.errors import InputError
from coding_toolkit.io.csv_file import fsync_dir
from coding_toolkit.records import NoteResult

log = logging.getLogger(__name__)

# format name -> "module:class"; imported only when named (the FHIR models are heavy)
FORMATS: dict[str, str] = {
    "jsonl": "coding_toolkit.io.sinks.jsonl:JsonlSink",
    "csv": "coding_toolkit.io.sinks.csv_sink:CsvSink",
    "cds": "coding_toolkit.io.sinks.cds:CdsSink",
    "fhir": "coding_toolkit.io.sinks.fhir:FhirSink",
    "sql": "coding_toolkit.io.sinks.sql:SqlSink",
}


# the --format choices: every registered format but the SQL tables (those are --db)
FILE_FORMATS: tuple[str, ...] = tuple(name for name in FORMATS if name != "sql")


class Sink(Protocol):
    """What the bulk runner (``bulk/runner.py``) asks of an output; ``SinkBase`` gives the defaults."""

    #: the output file (None: not a file, e.g. the SQL tables); its run ledger is keyed by it
    path: Path | None
    #: ``write`` takes results already serialised by the workers (objects with a ``line``: JSONL)
    accepts_lines: bool
    #: writes only in ``close`` from everything it was given: on resume the runner ``replay``s the
    #: notes written before (their suggestions, from the ledger), so it keeps them in the ledger
    aggregates: bool

    def open(self, resume_position: int | None = None) -> None:
        """Start writing; on resume truncate the output to ``resume_position``."""

    def write(self, results: Sequence[NoteResult]) -> int | None:
        """Write one batch durably; return the new byte position (None when not a byte stream)."""

    def replay(self, results: Iterable[NoteResult]) -> None:
        """Take back the notes an earlier part of a resumed run wrote (aggregating sinks only)."""

    def abort(self) -> None:
        """Release the output after a failed or stopped run (what was committed stays)."""

    def close(self) -> None:
        """Finish the output (a completed run)."""


class SinkBase:
    """The defaults of the ``Sink`` members: a streaming sink that needs no replay and whose abort
    is a close (what was written and committed is kept; ``--resume`` continues after it)."""

    path: Path | None = None
    accepts_lines = False
    aggregates = False

    def replay(self, results: Iterable[NoteResult]) -> None:
        if self.aggregates:
            raise NotImplementedError(f"{type(self).__name__} aggregates, so it must implement replay()")

    def abort(self) -> None:
        self.close()

    def close(self) -> None:
        raise NotImplementedError


def open_sink(
    fmt: str, out: str | Path | None, *, db_url: str | None = None, run: dict[str, Any] | None = None
) -> Sink:
    """Create the sink for output format ``fmt`` (call ``.open()`` on it before writing)."""
    if fmt not in FORMATS:
        raise InputError(
            f"unknown output format '{fmt}'; valid formats: {', '.join(sorted(FORMATS))}; "
            f"fix: pass --format with one of these"
        )
    module, cls = FORMATS[fmt].split(":")
    sink_cls = getattr(importlib.import_module(module), cls)
    if fmt == "sql":
        return sink_cls(db_url=db_url, out=out, run=run or {})
    if out is None:
        if db_url is not None:  # --db alone: the tables are the output
            return open_sink("sql", None, db_url=db_url, run=run)
        raise InputError(f"output format '{fmt}' needs an output file; fix: pass --out PATH")
    file_sink = sink_cls(Path(out), run=run or {})
    if db_url is not None:
        return TeeSink(file_sink, open_sink("sql", None, db_url=db_url, run=run))
    return file_sink


class TeeSink(SinkBase):
    """A file sink and the SQL tables written together; the file's byte position is the one recorded."""

    def __init__(self, primary: Sink, *others: Sink):
        self.sinks = (primary, *others)
        self.path = primary.path
        self.aggregates = any(sink.aggregates for sink in self.sinks)

    def open(self, resume_position: int | None = None) -> None:
        self.sinks[0].open(resume_position=resume_position)
        for sink in self.sinks[1:]:
            sink.open(resume_position=None)  # SQL writes are idempotent per (run, note)

    def write(self, results: Sequence[NoteResult]) -> int | None:
        position = self.sinks[0].write(results)
        for sink in self.sinks[1:]:
            sink.write(results)
        return position

    def replay(self, results: Iterable[NoteResult]) -> None:
        results = list(results)
        for sink in self.sinks:
            if sink.aggregates:
                sink.replay(results)

    def close(self) -> None:
        for sink in self.sinks:
            sink.close()

    def abort(self) -> None:
        for sink in self.sinks:
            sink.abort()


class FileSink(SinkBase):
    """Append-only byte stream with fsync per batch and truncate-on-resume.

    Subclasses implement ``encode(results) -> bytes`` and may return a header from ``header()``,
    written only when the file is empty after ``open`` (so never twice on resume).
    """

    def __init__(self, path: Path, *, run: dict[str, Any] | None = None):
        self.path: Path = Path(path)
        self.run = run or {}
        self._fh: BinaryIO | None = None

    def header(self) -> bytes:
        return b""

    def encode(self, results: Sequence[NoteResult]) -> bytes:
        raise NotImplementedError

    def open(self, resume_position: int | None = None) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if resume_position is None:
            self._fh = open(self.path, "wb")  # a fresh run replaces any earlier output
            fsync_dir(self.path.parent)
        else:
            size = self.path.stat().st_size if self.path.exists() else None
            if size is None or resume_position < 0 or resume_position > size:
                have = "does not exist" if size is None else f"has {size} bytes"
                raise InputError(
                    f"{self.path}: cannot resume at byte {resume_position}: the file {have}, so it was "
                    f"changed or replaced since the run stopped; fix: rerun without --resume"
                )
            self._fh = open(self.path, "r+b")
            if size > resume_position:
                log.info("%s: dropping %d bytes of an unfinished batch", self.path, size - resume_position)
            self._fh.truncate(resume_position)
            self._fh.seek(resume_position)
        if self._fh.tell() == 0:
            head = self.header()
            if head:
                self._fh.write(head)
                self._sync()

    def _sync(self) -> None:
        assert self._fh is not None
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def write(self, results: Sequence[NoteResult]) -> int:
        if self._fh is None:
            raise RuntimeError(f"{type(self).__name__}.write() before open()")
        data = self.encode(results)
        if data:
            self._fh.write(data)
            self._sync()
        return self._fh.tell()

    def close(self) -> None:
        if self._fh is not None:
            self._sync()
            self._fh.close()
            self._fh = None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
