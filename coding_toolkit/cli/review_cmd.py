"""``coding-toolkit review``: the coder review page, its exports and agreement figures (docs/review.md)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import click

from coding_toolkit.cli.options import notes_file_options
from coding_toolkit.cli.web_options import checked_server_settings, server_options
from coding_toolkit.wording import counted


@click.group()
def review() -> None:
    """Coders check suggested codes against the note; decisions feed training."""


@review.command("serve")
@click.argument("results", type=click.Path(dir_okay=False))
@click.option("--notes", "notes_path", required=True, metavar="NOTES",
              help="The notes annotate read (CSV/TSV/JSONL/Parquet or a folder of .txt): the texts to show.")
@notes_file_options
@click.option("--pack", default=None, metavar="PACK_DIR|starter",
              help="Pack whose map and titles validate typed codes. Default: the starter pack.")
@click.option("--db", default="review.sqlite", show_default=True, type=click.Path(dir_okay=False),
              help="SQLite file the decisions are saved to (at once).")
@server_options(default_port=8765)
@click.option("--reviewer", default=None, help="Default reviewer name shown on the page.")
def serve(results, notes_path, text_column, id_column, pack, db, host, port, token_file, insecure_no_auth,
          reviewer):
    """Serve the review page for annotate's RESULTS (JSONL) on --host:--port."""
    from coding_toolkit.cli.options import read_notes_from_options
    from coding_toolkit.io.outputs import check_db_output
    from coding_toolkit.review.data import file_hash, join_texts, read_results
    from coding_toolkit.review.store import DecisionStore
    from coding_toolkit.web import server

    settings = checked_server_settings(host, token_file, insecure_no_auth)
    server.require_stack()
    if pack and pack != "starter":
        from coding_toolkit.concepts.pack import load_pack
        load_pack(pack, lazy=True)  # checked before anything is announced
    records = read_results(results)
    check_db_output(db)
    store = DecisionStore(db)
    store.bind_results(file_hash(Path(results)), str(Path(results).resolve()))
    notes = read_notes_from_options(notes_path, text_column, id_column, None, None)
    store.put_notes(join_texts(records, notes, notes_path))
    store.close()
    settings.update(db=os.path.abspath(db), pack=os.path.abspath(pack) if pack and pack != "starter" else None,
                    reviewer=reviewer, max_body_bytes=256 * 1024)
    url = f"http://{host}:{port}/" + ("?token=<token from --token-file>" if token_file else "")
    click.echo(f"reviewing {counted(len(records), 'note')}; decisions -> {db}; open {url}", err=True)
    server.run("coding_toolkit.review.app:create_app", settings, host=host, port=port, workers=1)


def _require_review_stack() -> None:
    """The review's model lives beside its web app (FastAPI): exports need the service extra too."""
    from coding_toolkit.web.server import require_stack

    require_stack()


def _review(db: str):
    from coding_toolkit.errors import InputError
    from coding_toolkit.review.app import Review
    from coding_toolkit.review.store import DecisionStore

    if not Path(db).is_file():
        raise InputError(f"--db {db}: not found; fix: give the file 'review serve --db' wrote")
    return Review(DecisionStore(db))


@review.command("export")
@click.option("--db", required=True, type=click.Path(dir_okay=False), help="The review's SQLite file.")
@click.option("--format", "fmt", type=click.Choice(["mct", "cds", "csv"]), default="mct", show_default=True,
              help="mct: MedCATtrainer JSON for train supervised/evaluate; cds/csv: the confirmed codes.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="File to write.")
def export(db, fmt, out):
    """Export decisions as training data (mct) or the coder's confirmed codes (cds, csv)."""
    _require_review_stack()
    from coding_toolkit.io.outputs import check_output
    from coding_toolkit.review import export as ex

    rv = _review(db)
    check_output(out, "--out")
    if fmt == "mct":
        counts = ex.write_mct(rv, Path(out))
        click.echo(f"{counted(counts['documents'], 'document')}: {counts['correct']} correct, {counts['incorrect']} "
                   f"incorrect, {counts['manually_created']} added annotations -> {out}"
                   + (f"; skipped {counts['skipped_added_without_concept']} added code(s) without a SNOMED CT "
                      "concept" if counts["skipped_added_without_concept"] else "")
                   + (f"; left out {counts['skipped_without_concept_judgement']} older reject/amend decision(s) "
                      "that do not say whether the concept was wrong"
                      if counts["skipped_without_concept_judgement"] else ""))
    else:
        n = (ex.write_cds if fmt == "cds" else ex.write_csv)(rv, Path(out))
        click.echo(f"{counted(n, 'row')} -> {out}")


@review.command("stats")
@click.option("--db", required=True, type=click.Path(dir_okay=False), help="The review's SQLite file.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def stats(db, as_json):
    """Code-level agreement: precision/recall of the suggestions against the coder's final codes."""
    _require_review_stack()
    from coding_toolkit.review.export import agreement

    figures = agreement(_review(db))
    if as_json:
        click.echo(json.dumps(figures, indent=2))
        return
    click.echo(f"notes reviewed: {figures['notes_reviewed']}")
    for system, f in figures["systems"].items():
        fmt = lambda x: "-" if x is None else f"{x:.3f}"  # noqa: E731
        click.echo(f"  {system:7} precision {fmt(f['precision'])}  recall {fmt(f['recall'])}  "
                   f"(agreed {f['agreed']} of {f['suggested_reviewed']} suggested, {f['final_codes']} final)")
