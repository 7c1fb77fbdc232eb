"""``jsonl``: one ``result_to_json`` object per line, compact UTF-8 JSON (the default output)."""

from __future__ import annotations

from collections.abc import Sequence

from coding_toolkit.io.serialize import dumps_result
from coding_toolkit.io.sinks.base import FileSink
from coding_toolkit.records import NoteResult


class JsonlSink(FileSink):
    # process-pool workers may hand over results already serialised (objects with a ``line``), which
    # spares the parent process unpickling and serialising every note
    accepts_lines = True

    def encode(self, results: Sequence[NoteResult]) -> bytes:
        return b"".join((r.line if hasattr(r, "line") else dumps_result(r)) + b"\n" for r in results)
