"""Option decorators shared by several commands (one definition, one spelling everywhere)."""
from __future__ import annotations

import sys

import click

from coding_toolkit.run_config import (
    DEFAULT_ID_COLUMN,
    DEFAULT_MAX_NOTE_CHARS,
    DEFAULT_TEXT_COLUMN,
    RunConfig,
)


def _column_options(func, formats: str):
    func = click.option("--id-column", default=DEFAULT_ID_COLUMN, show_default=True, metavar="COL",
                        help=f"Column holding the note id ({formats}).")(func)
    func = click.option("--text-column", default=DEFAULT_TEXT_COLUMN, show_default=True, metavar="COL",
                        help=f"Column holding the note text ({formats}).")(func)
    return func


def notes_file_options(func):
    """--text-column / --id-column for commands reading a notes file or folder (no episodes, no SQL)."""
    return _column_options(func, "CSV/TSV/JSONL/Parquet")


def notes_input_options(func):
    """--text-column / --id-column / --episode-column / --source-db for every command reading notes."""
    func = click.option("--source-db", default=None, metavar="URL",
                        help="Read notes with NOTES as a SQL query against this SQLAlchemy URL.")(func)
    func = click.option("--episode-column", default=None, metavar="COL",
                        help="Column grouping notes into hospital episodes (CDS output: one row per episode). "
                             "Default: a column or JSONL field named episode_id when the input has one.")(func)
    return _column_options(func, "CSV/TSV/JSONL/Parquet/SQL")


def pipeline_options(max_note_chars_help: str):
    """--policy / --rules / --max-note-chars: how every command that runs the pipeline builds it."""
    def wrap(func):
        func = click.option("--max-note-chars", default=DEFAULT_MAX_NOTE_CHARS, show_default=True, type=click.IntRange(1),
                            help=max_note_chars_help)(func)
        func = click.option("--rules", "rules_path", default=None, type=click.Path(exists=True, dir_okay=False),
                            help="Context rules JSON merged after the built-in rules (a cue defined again: yours wins).")(func)
        func = click.option("--policy", "policy_path", default=None,
                            type=click.Path(exists=True, dir_okay=False),
                            help="Filter policy JSON (which labels suppress a code, minimum confidence).")(func)
        return func
    return wrap


def profile_option(func):
    """--profile: a trust's coding profile from ``coding-toolkit learn`` (docs/evaluation.md)."""
    return click.option("--profile", "profile_path", default=None, type=click.Path(exists=True, dir_okay=False),
                        metavar="PROFILE.json",
                        help="Coding profile from 'coding-toolkit learn': calibrated confidence, codes this trust "
                             "rarely assigns filtered, alternatives in its coders' order.")(func)


def _progress_default(ctx, param, value):
    return sys.stderr.isatty() if value is None else value


def progress_option(func):
    """--progress/--no-progress; unset means on when stderr is a terminal (not in logs or pipes)."""
    return click.option("--progress/--no-progress", default=None, callback=_progress_default,
                        help="Progress bars (default: on when stderr is a terminal).")(func)


def read_notes_from_options(notes: str, text_column: str, id_column: str, episode_column: str | None,
                            source_db: str | None):
    config = RunConfig(text_column=text_column, id_column=id_column, episode_column=episode_column,
                       source_db=source_db)
    return config.read_notes(notes)
