"""``coding-toolkit annotate``: the main job."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from coding_toolkit.cli.options import notes_input_options, pipeline_options, profile_option
from coding_toolkit.concepts.linkers import LINKERS
from coding_toolkit.io.sinks.base import FILE_FORMATS
from coding_toolkit.run_config import (
    DEFAULT_BATCH_NOTES,
    DEFAULT_FORMAT,
    DEFAULT_LINKER,
    DEFAULT_WORKERS,
    RunConfig,
)
from coding_toolkit.wording import counted


@click.command()
@click.argument("notes")
@click.option("--pack", default=None, metavar="PACK_DIR",
              help="Model pack folder, or 'starter' for the embedded starter pack (illustrative map; the default).")
@click.option("--out", default=None, metavar="FILE", help="Output file (required unless --db is given).")
@click.option("--format", "fmt", type=click.Choice(FILE_FORMATS), default=DEFAULT_FORMAT, show_default=True,
              help="jsonl: full records; csv: one row per suggestion; cds: CDS code columns; fhir: R4 Bundles (NDJSON).")
@click.option("--db", default=None, metavar="URL", help="Also write runs/notes/mentions/suggestions tables here (SQLAlchemy URL or SQLite file).")
@notes_input_options
@click.option("--workers", default=DEFAULT_WORKERS, show_default=True, type=click.IntRange(1, 64),
              help="Processes; the pack is loaded once and shared by forked workers.")
@click.option("--resume", is_flag=True, help="Continue a killed run: skip notes already written, no duplicates.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output (and its run ledger) instead of refusing.")
@click.option("--engine", type=click.Choice(["local", "spark"]), default="local", show_default=True)
@click.option("--spark-master", default=None, metavar="URL", help="Spark master for --engine spark (default local[*]).")
@pipeline_options("Longer notes are rejected (listed in the rejects file), not processed.")
@click.option("--linker", type=click.Choice(sorted(LINKERS)), default=DEFAULT_LINKER, show_default=True,
              help="Concept linker loaded from the pack folder (concepts/linkers.py).")
@profile_option
@click.option("--batch-size", default=DEFAULT_BATCH_NOTES, show_default=True, type=click.IntRange(1), help="Notes per batch.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on when stderr is a terminal).")
def annotate(notes, pack, out, fmt, db, text_column, id_column, episode_column, source_db, workers,
             resume, overwrite, engine, spark_master, policy_path, rules_path, max_note_chars, linker, batch_size,
             progress, profile_path=None):
    """Annotate NOTES and write ICD-10/OPCS-4 code suggestions with evidence.

    NOTES is a CSV/TSV, JSONL or Parquet file, a folder of .txt files, or (with --source-db) a SQL query.
    Rejected notes (empty, too long, duplicate id, undecodable) are listed in OUT.rejects.csv.
    """
    if out is None and db is None:
        raise click.UsageError("give --out FILE, --db URL, or both")
    if progress is None:
        progress = sys.stderr.isatty()
    if pack is not None:
        from coding_toolkit.concepts.pack import resolve_pack_path
        pack = str(resolve_pack_path(pack))
    if engine == "spark":
        ctx = click.get_current_context()
        ignored = [f"--{name.replace('_', '-')}" for name in ("fmt", "workers", "resume", "overwrite", "batch_size")
                   if ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT]
        if ignored:
            raise click.UsageError(f"{', '.join(ignored).replace('--fmt', '--format')} cannot be used with "
                                   "--engine spark: it writes partitioned Parquet under --out and re-runs "
                                   "without duplicates (see docs/spark.md)")
        if out is None:
            raise click.UsageError("--engine spark needs --out DIR (Parquet tables are written there)")
        from coding_toolkit.io.outputs import check_db_output, check_output
        check_output(out, "--out")  # the local engine's run plan checks its own outputs (bulk/lifecycle.py)
        check_db_output(db)
        from coding_toolkit.bulk.spark import annotate_with_spark
        from coding_toolkit.io.notes_reader import episode_column_of

        # an 'episode_id' column by default (coding_toolkit.annotate does the same for the local engine)
        episode_column = episode_column_of(notes, episode_column, source_db)

        config = RunConfig(pack=pack, policy_path=policy_path, rules_path=rules_path, max_note_chars=max_note_chars,
                           text_column=text_column, id_column=id_column, episode_column=episode_column, linker=linker,
                           profile_path=profile_path and str(Path(profile_path).resolve()))
        click.echo(annotate_with_spark(notes, config=config, out=out, master=spark_master, db=db))
        return
    if resume and overwrite:
        raise click.UsageError("--resume continues an output and --overwrite replaces it: give one of them")
    from coding_toolkit.api import annotate as annotate_notes
    from coding_toolkit.bulk.runner import reject_breakdown

    config = RunConfig(pack=pack, policy_path=policy_path, rules_path=rules_path, max_note_chars=max_note_chars,
                       text_column=text_column, id_column=id_column, episode_column=episode_column,
                       source_db=source_db, format=fmt, workers=workers, batch_notes=batch_size, linker=linker,
                       profile_path=profile_path and str(Path(profile_path).resolve()))
    summary = annotate_notes(notes, config, out, db=db, resume=resume, overwrite=overwrite, progress=progress,
                             freeze_model=True)
    if summary.up_to_date:
        click.echo(summary.message)
        return
    where = ", ".join(x for x in (out, db) if x)
    click.echo(f"annotated {counted(summary.written, 'note')} -> {where}"
               + (f"; skipped {summary.skipped_done} already written" if summary.skipped_done else "")
               + (f"; rejected {summary.rejected} ({reject_breakdown(summary.reasons)}; see {summary.rejects_file})"
                  if summary.rejected else ""))
    if summary.illustrative:
        click.echo("note: codes come from the ILLUSTRATIVE starter map, not the NHS map; not for clinical use",
                   err=True)
    if summary.mostly_failed():
        from coding_toolkit.errors import RunFailed

        failed, tried = summary.processing_failures, summary.written + summary.processing_failures
        raise RunFailed(
            f"{failed} of the {counted(tried, 'note')} processed ({failed / tried:.0%}) failed in processing and are "
            f"listed in {summary.rejects_file} (reason 'processing failed'): when most notes fail, the pack, "
            "MedCAT or the toolkit is broken, not the notes; fix: read the WARNING lines above (rerun with "
            "-v for more), correct the cause, then run the same command with --resume to retry those notes")
