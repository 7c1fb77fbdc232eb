"""DataFrame in, one persisted note-level frame out (annotated once), and the per-row tables from it."""
from __future__ import annotations

from pyspark import StorageLevel
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from coding_toolkit.bulk.spark.schema import _RESULT_SCHEMA, MENTION_FIELDS, NOTE_SCHEMA, SUGGESTION_FIELDS
from coding_toolkit.bulk.spark.shipping import _ship_pack
from coding_toolkit.bulk.spark.worker import _annotate_partitions, _WorkerConfig
from coding_toolkit.errors import InputError
from coding_toolkit.pipeline import RunRules
from coding_toolkit.run_config import (
    DEFAULT_BATCH_CHARS,
    DEFAULT_BATCH_NOTES,
    DEFAULT_LINKER,
    DEFAULT_MAX_NOTE_CHARS,
    RunConfig,
)


def annotate_notes_frame(notes_df: DataFrame, pack_path, *, text_column: str = "text",
                         id_column: str = "note_id", episode_column: str | None = None,
                         source_column: str | None = None, order_column: str | None = None,
                         problem_column: str | None = None, problem_kind_column: str | None = None,
                         max_batch_chars: int = DEFAULT_BATCH_CHARS, max_batch_notes: int = DEFAULT_BATCH_NOTES,
                         max_note_chars: int = DEFAULT_MAX_NOTE_CHARS, policy_path=None, rules_path=None,
                         profile_path=None, ship_pack: bool = True, partitions: int | None = None,
                         linker: str = DEFAULT_LINKER) -> DataFrame:
    """Annotate ``notes_df`` once; one persisted row per note (schema ``NOTE_SCHEMA``).

    ``status`` is "ok" (``result`` holds the JSONL contract line) or "rejected" (``reason``).
    ``order_column`` decides which of several notes with one id wins (the smallest); default:
    the input order. ``partitions``: how many tasks (default 2 x the cluster's parallelism).
    ``profile_path``: a trust's coding profile (``coding-toolkit learn``), applied as the local engine does.
    """
    columns = notes_df.columns
    for col, option in ((text_column, "text_column"), (id_column, "id_column"),
                        (episode_column, "episode_column"), (source_column, "source_column"),
                        (order_column, "order_column"), (problem_column, "problem_column"),
                        (problem_kind_column, "problem_kind_column")):
        if col and col not in columns:
            raise InputError(f"notes DataFrame: column '{col}' not found (columns: {', '.join(columns)}); "
                             f"fix: pass {option} with one of those names")
    spark = notes_df.sparkSession
    pack_name, pack_hash, shared_path = _ship_pack(spark, pack_path, ship_pack)
    # the rules and the profile are loaded (and a bad file reported) here on the driver; executors get
    # the objects
    rules = RunRules.load(RunConfig(policy_path=policy_path, rules_path=rules_path,
                                    profile_path=str(profile_path) if profile_path else None), pack_hash=pack_hash)
    cfg = _WorkerConfig.of(pack_name, pack_hash, shared_path, rules=rules,
                           run=RunConfig(max_note_chars=max_note_chars, batch_notes=max_batch_notes,
                                         batch_chars=max_batch_chars, linker=linker))
    n = partitions or 2 * spark.sparkContext.defaultParallelism
    # an explicit partition count is never coalesced by adaptive execution, so all cores get work
    notes = notes_df.select(
        F.col(id_column).cast("string").alias("note_id"), F.col(text_column).cast("string").alias("text"),
        (F.col(episode_column).cast("string") if episode_column else F.lit(None).cast("string")).alias("episode_id"),
        (F.col(source_column).cast("string") if source_column else F.lit(None).cast("string")).alias("source"),
        # set by the toolkit's reader for text it had to damage (bytes that are not UTF-8)
        (F.col(problem_column).cast("string") if problem_column else F.lit(None).cast("string")).alias("problem"),
        # and its reject category (records.Note.problem_kind), counted like the local engine's
        (F.col(problem_kind_column).cast("string") if problem_kind_column
         else F.lit(None).cast("string")).alias("problem_kind"),
        (F.col(order_column) if order_column else F.monotonically_increasing_id()).alias("_order"),
    ).repartition(n, "note_id").sortWithinPartitions("_order").drop("_order")
    return notes.mapInPandas(_annotate_partitions(cfg), NOTE_SCHEMA).persist(StorageLevel.MEMORY_AND_DISK)


def split_results(notes_frame: DataFrame) -> tuple[DataFrame, DataFrame, DataFrame]:
    """(mentions, suggestions, rejects) from a note-level frame, one row per mention/suggestion/reject."""
    ok = notes_frame.filter(F.col("status") == "ok").select(
        "note_id", "episode_id", F.from_json("result", _RESULT_SCHEMA).alias("r"))
    mentions = ok.select("note_id", "episode_id", F.posexplode("r.mentions").alias("mention_index", "m")) \
        .select("note_id", "episode_id", "mention_index", *[F.col(f"m.`{n}`").alias(n) for n, _ in MENTION_FIELDS])
    suggestions = ok.select("note_id", "episode_id",
                            F.posexplode("r.suggestions").alias("suggestion_index", "s")) \
        .select("note_id", "episode_id", "suggestion_index",
                *[F.col(f"s.`{n}`").alias(n) for n, _ in SUGGESTION_FIELDS])
    rejects = notes_frame.filter(F.col("status") == "rejected").select("note_id", "episode_id", "source", "category",
                                                                       "reason")
    return mentions, suggestions, rejects


def annotate_dataframe(notes_df: DataFrame, pack_path, *, text_column: str = "text", id_column: str = "note_id",
                       episode_column: str | None = None, max_batch_chars: int = DEFAULT_BATCH_CHARS,
                       policy_path=None, rules_path=None, profile_path=None,
                       **options) -> tuple[DataFrame, DataFrame, DataFrame]:
    """Annotate a Spark DataFrame of notes; return (mentions, suggestions, rejects) DataFrames.

    Notes are annotated once (a persisted note-level frame; see ``annotate_notes_frame`` for the
    other ``options``); all three frames derive from it. Columns: see ``split_results`` and docs/spark.md.
    """
    frame = annotate_notes_frame(notes_df, pack_path, text_column=text_column, id_column=id_column,
                                 episode_column=episode_column, max_batch_chars=max_batch_chars,
                                 policy_path=policy_path, rules_path=rules_path, profile_path=profile_path,
                                 **options)
    return split_results(frame)
