"""One run's configuration, frozen: which pack and rules, how notes are read, how the run is batched.

The one shape shared by the CLI (``annotate``'s options take their defaults from here), the library
entry point (``coding_toolkit.annotate``), spawned local workers (which load the pipeline from it)
and Spark executors (``bulk/spark/worker.py`` ships it with the pack). Light: no heavy imports.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from coding_toolkit.io.notes_reader import DEFAULT_ID_COLUMN

if TYPE_CHECKING:
    from coding_toolkit.records import Note

# a note longer than this is rejected (reported, not processed): MedCAT's cost grows with length
# and such "notes" are usually concatenated exports. Override with --max-note-chars.
DEFAULT_MAX_NOTE_CHARS = 1_000_000
# batches are bounded by notes and by characters, so one huge note does not hold up a batch
DEFAULT_BATCH_NOTES = 64
DEFAULT_BATCH_CHARS = 300_000
DEFAULT_TEXT_COLUMN = "text"
DEFAULT_FORMAT = "jsonl"
DEFAULT_WORKERS = 1
DEFAULT_LINKER = "medcat"  # concepts/linkers.py: the registry of linkers by name


@dataclass(frozen=True)
class RunConfig:
    """How to annotate: every field has the CLI's default, so ``RunConfig()`` is ``coding-toolkit annotate``'s."""

    pack: str | None = None  # pack folder; None: the embedded starter pack (illustrative map)
    policy_path: str | None = None  # filter policy JSON (docs/context.md); None: the built-in policy
    rules_path: str | None = None  # context rules JSON merged after the built-in rules
    max_note_chars: int = DEFAULT_MAX_NOTE_CHARS
    # reading notes from a file (or, with source_db, a SQL query)
    text_column: str = DEFAULT_TEXT_COLUMN
    id_column: str = DEFAULT_ID_COLUMN
    episode_column: str | None = None
    source_db: str | None = None
    # writing and running
    format: str = DEFAULT_FORMAT  # jsonl, csv, cds or fhir: the sink made for an output path
    workers: int = DEFAULT_WORKERS
    batch_notes: int = DEFAULT_BATCH_NOTES
    batch_chars: int = DEFAULT_BATCH_CHARS
    linker: str = DEFAULT_LINKER  # the concept linker loaded from the pack folder (concepts/linkers.py)
    profile_path: str | None = None  # a trust's coding profile (``coding-toolkit learn``); None: none

    @property
    def pipeline_key(self) -> tuple:
        """What decides the loaded pipeline (``Pipeline.from_config``; one per key and process)."""
        return (self.pack, self.policy_path, self.rules_path, self.max_note_chars, self.linker, self.profile_path)

    def read_notes(self, notes: str | Path) -> Iterator[Note]:
        """The notes of a file or folder, or (with ``source_db``) of the SQL query ``notes``, streaming."""
        from coding_toolkit.io.notes_reader import read_notes

        if self.source_db:
            return read_notes(None, text_column=self.text_column, id_column=self.id_column,
                              episode_column=self.episode_column, source_db=self.source_db, query=str(notes))
        return read_notes(notes, text_column=self.text_column, id_column=self.id_column,
                          episode_column=self.episode_column)

    def settings(self, out: str | None, db: str | None) -> dict[str, str]:
        """What a resumed run must share with the run it continues (kept in its ledger and in the SQL
        ``runs.arguments``): the output, format and what shapes each note's result."""
        settings = {"format": self.format, "out": str(Path(out).resolve()) if out else "", "db": db or "",
                    "episode_column": self.episode_column or "", "max_note_chars": str(self.max_note_chars),
                    "policy": self.policy_path or "", "rules": self.rules_path or ""}
        if self.linker != DEFAULT_LINKER:  # recorded only when not the default: earlier ledgers stay valid
            settings["linker"] = self.linker
        if self.profile_path:
            settings["profile"] = _with_digest(self.profile_path)
        return settings


def _with_digest(path: str) -> str:
    """A file named with its content's hash: a profile learnt again under the same name is another setting."""
    import hashlib

    try:
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
    except OSError:
        digest = "unreadable"
    return f"{path} sha256:{digest}"
