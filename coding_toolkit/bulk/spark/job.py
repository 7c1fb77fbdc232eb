"""``coding-toolkit annotate NOTES --engine spark``: read (or stage) the notes, annotate, write."""
from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from coding_toolkit.bulk.runner import reject_breakdown
from coding_toolkit.bulk.spark.frames import annotate_notes_frame
from coding_toolkit.bulk.spark.schema import DEFAULT_BUCKETS
from coding_toolkit.bulk.spark.session import _URI, _session
from coding_toolkit.bulk.spark.shipping import _pack_content_hash
from coding_toolkit.bulk.spark.writers import write_parquet, write_sql
from coding_toolkit.errors import InputError
from coding_toolkit.run_config import DEFAULT_LINKER, DEFAULT_MAX_NOTE_CHARS, RunConfig
from coding_toolkit.wording import counted


def _stage_local_notes(notes, staging: Path, text_column, id_column, episode_column) -> Path:
    """Stream a local notes file through the toolkit's reader into Parquet: the same ids, decoding
    and skipped records as the local engine, with flat memory, readable by Spark."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from coding_toolkit.io.notes_reader import read_notes

    schema = pa.schema([("note_id", pa.string()), ("text", pa.string()), ("episode_id", pa.string()),
                        ("source", pa.string()), ("problem", pa.string()), ("problem_kind", pa.string()),
                        ("order", pa.int64())])
    staging.mkdir(parents=True, exist_ok=True)
    path = staging / "notes.parquet"
    chunk: list = []
    order = 0
    with pq.ParquetWriter(path, schema) as writer:
        for note in read_notes(notes, text_column=text_column, id_column=id_column, episode_column=episode_column):
            chunk.append((note.note_id, note.text, note.episode_id, note.source, note.problem,
                          note.problem_kind if note.problem else None, order))
            order += 1
            if len(chunk) >= 5_000:
                writer.write_table(pa.Table.from_pylist([dict(zip(schema.names, c)) for c in chunk], schema))
                chunk = []
        if chunk:
            writer.write_table(pa.Table.from_pylist([dict(zip(schema.names, c)) for c in chunk], schema))
    return path


def _read_remote_notes(spark: SparkSession, notes: str, text_column, id_column, episode_column) -> DataFrame:
    """Notes on storage the cluster reads (dbfs:/, s3a://, abfss://, hdfs://): Spark's own readers."""
    from coding_toolkit.io.notes_reader import notes_format_of_name

    suffix = Path(notes.split("?")[0]).suffix.lower()
    # the local reader's extensions; also a folder (Parquet dataset) and .json (Spark's JSON lines)
    kind = {"": "parquet", ".json": "jsonl"}.get(suffix) or notes_format_of_name(f"notes{suffix}")
    if kind == "parquet":
        df = spark.read.parquet(notes)
    elif kind == "jsonl":
        df = spark.read.json(notes)
    elif kind in ("csv", "tsv"):
        df = (spark.read.option("header", True).option("multiLine", True).option("escape", '"')
              .option("sep", "\t" if kind == "tsv" else ",").csv(notes))
    else:
        raise InputError(f"{notes}: unknown notes format '{suffix}'; fix: use .parquet, .jsonl or .csv")
    for col, option in ((text_column, "--text-column"), (id_column, "--id-column"),
                        (episode_column, "--episode-column")):
        if col and col not in df.columns:
            raise InputError(f"{notes}: column '{col}' not found (columns: {', '.join(df.columns)}); "
                             f"fix: pass {option} with one of those names (Spark input needs an id column)")
    return df


def annotate_with_spark(notes, *, pack=None, out, text_column: str = "text", id_column: str = "note_id",
                        episode_column: str | None = None, master: str | None = None,
                        max_note_chars: int = DEFAULT_MAX_NOTE_CHARS, policy_path=None, rules_path=None,
                        profile_path=None, buckets: int = DEFAULT_BUCKETS, ship_pack: bool = True, db: str | None = None,
                        run_id: str | None = None, config: RunConfig | None = None) -> str:
    """``coding-toolkit annotate NOTES --engine spark --out DIR``: Parquet tables under ``out``.

    ``config`` (the CLI's) gives the pack, columns, policy, rules, profile and note limit in place of those
    keyword arguments.
    A local NOTES file is read with the toolkit's own reader (same note ids as ``--engine local``)
    and staged as Parquet under ``out/_staging``; a URI (dbfs:/, s3a://, ...) is read by Spark.
    With a remote ``master``, ``out`` must be storage the executors can reach. Returns a summary line.
    """
    if config is not None:
        pack, text_column, id_column = config.pack, config.text_column, config.id_column
        episode_column, max_note_chars = config.episode_column, config.max_note_chars
        policy_path, rules_path, profile_path = config.policy_path, config.rules_path, config.profile_path
    if not out:
        raise InputError("--engine spark writes Parquet tables: give --out DIR")
    remote = bool(_URI.match(str(notes))) and not str(notes).startswith("file:")
    if not remote:
        from coding_toolkit.io.notes_reader import notes_format
        notes_format(notes)  # InputError for a missing file or unknown format before Spark starts
    if pack is None:
        from coding_toolkit.concepts.starter import starter_pack_path
        pack = starter_pack_path()
    out_dir = str(out) if _URI.match(str(out)) else str(Path(out).resolve())
    spark, created = _session(master)
    staging = None
    frame = None
    try:
        if remote:
            df = _read_remote_notes(spark, str(notes), text_column, id_column, episode_column)
            cols = dict(text_column=text_column, id_column=id_column, episode_column=episode_column)
        else:
            staging = Path(out_dir) / "_staging"
            df = spark.read.parquet(str(_stage_local_notes(notes, staging, text_column, id_column,
                                                           episode_column)))
            cols = dict(text_column="text", id_column="note_id", episode_column="episode_id",
                        source_column="source", order_column="order", problem_column="problem",
                        problem_kind_column="problem_kind")
        frame = annotate_notes_frame(df, pack, max_note_chars=max_note_chars, policy_path=policy_path,
                                     rules_path=rules_path, profile_path=profile_path, ship_pack=ship_pack,
                                     linker=config.linker if config is not None else DEFAULT_LINKER, **cols)
        counts = write_parquet(frame, out_dir, buckets=buckets)
        if db:
            # the same OUT and pack give the same run id, so a re-run replaces its rows
            key = f"{Path(out_dir).resolve()}|{_pack_content_hash(pack)}"
            run_id = run_id or str(uuid.uuid5(uuid.NAMESPACE_URL, key))
            run_id = write_sql(frame, db, run_id=run_id, run={"arguments": {"engine": "spark", "notes": str(notes)}})
        first = frame.filter(F.col("status") == "ok") \
            .select(F.get_json_object("result", "$.provenance.warning").alias("warning")).first()
    finally:
        if frame is not None:
            frame.unpersist()
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if created:
            spark.stop()
    summary = (f"annotated {counted(counts['notes'], 'note')} on Spark ({counted(counts['mentions'], 'mention')}, "
               f"{counted(counts['suggestions'], 'suggestion')}) -> {out_dir}/{{notes,mentions,suggestions,rejects}} "
               f"(Parquet)")
    if db:
        from coding_toolkit.dburl import safe_url

        summary += f"; tables in {safe_url(db)} (run {run_id})"  # never the password
    if counts["rejects"]:  # counted by category as the local engine's summary line counts them
        summary += f"; rejected {counts['rejects']} ({reject_breakdown(counts.reject_categories)}; see {out_dir}/rejects)"
    if first is not None and first["warning"]:  # e.g. the illustrative starter map
        summary += f"; {first['warning']}"
    return summary
