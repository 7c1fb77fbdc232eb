"""Option decorators shared by several commands (one definition, one spelling everywhere)."""
from __future__ import annotations

import click


def notes_input_options(func):
    """--text-column / --id-column / --episode-column / --source-db for every command reading notes."""
    func = click.option("--source-db", default=None, metavar="URL",
                        help="Read notes with NOTES as a SQL query against this SQLAlchemy URL.")(func)
    func = click.option("--episode-column", default=None, metavar="COL",
                        help="Column grouping notes into hospital episodes (CDS output: one row per episode).")(func)
    func = click.option("--id-column", default="note_id", show_default=True, metavar="COL",
                        help="Column holding the note id (CSV/TSV/JSONL/Parquet/SQL).")(func)
    func = click.option("--text-column", default="text", show_default=True, metavar="COL",
                        help="Column holding the note text (CSV/TSV/JSONL/Parquet/SQL).")(func)
    return func


def read_notes_from_options(notes: str, text_column: str, id_column: str, episode_column: str | None,
                            source_db: str | None):
    from coding_toolkit.io.notes_reader import read_notes

    if source_db:
        return read_notes(None, text_column=text_column, id_column=id_column,
                          episode_column=episode_column, source_db=source_db, query=notes)
    return read_notes(notes, text_column=text_column, id_column=id_column, episode_column=episode_column)
