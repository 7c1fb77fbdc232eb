"""Annotate notes on Apache Spark: the same pipeline, partition by partition.

The only module that imports pyspark (the ``spark`` extra). How it works:

* The pack folder is shipped once per job with ``SparkContext.addFile(..., recursive=True)``
  (or read in place from shared storage: ``ship_pack=False``) and loaded once per Python worker
  into a module-level cache keyed by the pack's content hash; Spark reuses Python workers, so
  later tasks find it loaded. Never per row.
* Notes are hash-partitioned by note id (so duplicates of an id meet in one partition, where the
  first in input order wins, as in the local runner) and annotated with ``mapInPandas`` in
  batches bounded by notes and characters (``runner.batched``/``runner.process_batch``).
* One note-level frame holds each note's JSONL contract object (``result_to_json``, serialised
  exactly as the JSONL sink does) and is persisted; mentions and suggestions are exploded from it
  with ``from_json``, so notes are annotated once and there is one serialiser.

Column choices (docs/spark.md): contract fields keep their names and order; lists of scalars are
Spark arrays (``type_ids``, ``sctids``, ``evidence``); the open-ended nested parts ``meta``,
``codes`` and ``alternatives`` are JSON strings (``from_json``/``get_json_object`` read them).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from coding_toolkit.errors import InputError, MissingExtraError, PackError
from coding_toolkit.pipeline import DEFAULT_MAX_NOTE_CHARS

try:  # the optional extra: fail with the pip fix, not an ImportError
    import pyspark  # noqa: F401
    from pyspark import SparkFiles, StorageLevel
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql import functions as F
except ImportError as _e:  # pragma: no cover - exercised only without the extra
    raise MissingExtraError("pyspark", "spark") from _e

from coding_toolkit.bulk.runner import DEFAULT_BATCH_CHARS, DEFAULT_BATCH_NOTES  # the same batch bounds

log = logging.getLogger(__name__)

__all__ = ["annotate_dataframe", "annotate_notes_frame", "split_results", "write_parquet", "write_sql",
           "annotate_with_spark", "NOTE_SCHEMA", "MENTION_FIELDS", "SUGGESTION_FIELDS"]

DEFAULT_BUCKETS = 16  # Parquet partitions (bucket = pmod(xxhash64(note_id), buckets))
TABLES = ("notes", "mentions", "suggestions", "rejects")
DUPLICATE_REASON = ("duplicate note_id: an earlier note with this id was already annotated; "
                    "give each note a unique id")

# note level: one row per input note; ``result`` is the JSONL contract line (status "ok")
NOTE_SCHEMA = ("note_id string, episode_id string, source string, status string, reason string, "
               "text_hash string, n_mentions int, n_suggestions int, result string")
# the contract's mention / suggestion fields in contract order (io/serialize.py); a JSON object or
# list declared as ``string`` is kept by from_json as its raw JSON text
MENTION_FIELDS = (("start", "int"), ("end", "int"), ("text", "string"), ("sctid", "string"),
                  ("name", "string"), ("confidence", "double"), ("type_ids", "array<string>"),
                  ("meta", "string"), ("status", "string"), ("reason", "string"), ("codes", "string"))
SUGGESTION_FIELDS = (("system", "string"), ("code", "string"), ("display", "string"), ("title", "string"),
                     ("sctids", "array<string>"), ("evidence", "array<int>"), ("advice", "string"),
                     ("alternatives", "string"), ("confidence", "double"), ("kind", "string"),
                     ("rank", "int"), ("never_primary", "string"), ("chosen_because", "string"))


def _struct(fields) -> str:
    return "struct<" + ", ".join(f"`{n}`: {t}" for n, t in fields) + ">"


_RESULT_SCHEMA = (f"`mentions` array<{_struct(MENTION_FIELDS)}>, "
                  f"`suggestions` array<{_struct(SUGGESTION_FIELDS)}>")


# -- worker side ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _WorkerConfig:
    """Everything a Python worker needs; pickled into the mapInPandas closure (small)."""

    pack_name: str  # SparkFiles name of the shipped pack folder
    pack_hash: str  # content hash the driver saw: the worker refuses anything else
    pack_path: str | None  # shared-storage path read in place (ship_pack=False), else None
    policy: str | None  # file contents (small JSON), so nothing else has to be shipped
    rules: str | None
    max_note_chars: int
    batch_notes: int
    batch_chars: int

    @property
    def key(self) -> tuple:
        return (self.pack_hash, _sha(self.policy), _sha(self.rules), self.max_note_chars)


_PIPELINE: tuple[tuple, object] | None = None  # (config key, Pipeline): one loaded pack per worker
_LOADS = 0  # packs loaded by this worker process (tests check it stays at one)


def _sha(text: str | None) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16] if text is not None else ""


def _materialise(text: str | None, suffix: str) -> str | None:
    """Write shipped file contents to a worker-local file (the pipeline takes paths)."""
    if text is None:
        return None
    path = Path(tempfile.gettempdir()) / f"coding_toolkit_{_sha(text)}{suffix}"
    if not path.exists():
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    return str(path)


def _worker_pipeline(cfg: _WorkerConfig):
    global _PIPELINE, _LOADS
    if _PIPELINE is not None and _PIPELINE[0] == cfg.key:
        return _PIPELINE[1]
    _PIPELINE = None  # drop an earlier pack before loading another: one model in memory
    import coding_toolkit.offline  # noqa: F401  (before medcat)
    from coding_toolkit.pipeline import Pipeline

    path = cfg.pack_path or SparkFiles.get(cfg.pack_name)
    pipeline = Pipeline.from_pack(path, policy_path=_materialise(cfg.policy, ".policy.json"),
                                  rules_path=_materialise(cfg.rules, ".rules.json"),
                                  max_note_chars=cfg.max_note_chars)
    if pipeline.pack.hash != cfg.pack_hash:
        raise PackError(f"{path}: the executor's pack has hash {pipeline.pack.hash[:16]}..., the driver's "
                        f"{cfg.pack_hash[:16]}... (the pack folder changed during the Spark session); "
                        "fix: start a new Spark session or give the rebuilt pack a new folder name")
    _PIPELINE = (cfg.key, pipeline)
    _LOADS += 1
    log.info("loaded pack %s in Python worker %d", cfg.pack_hash[:12], os.getpid())
    return pipeline


def _note_row(note_id, episode_id, source, status, reason, text_hash="", result=None) -> dict:
    """One NOTE_SCHEMA row; ``result`` (a NoteResult) serialised exactly as the JSONL sink writes a line."""
    from coding_toolkit.io.serialize import dumps_result

    return {"note_id": note_id, "episode_id": episode_id, "source": source, "status": status,
            "reason": reason, "text_hash": text_hash,
            "n_mentions": len(result.mentions) if result else 0,
            "n_suggestions": len(result.suggestions) if result else 0,
            "result": dumps_result(result).decode("utf-8") if result is not None else None}


def _annotate_partitions(cfg: _WorkerConfig):
    """The mapInPandas function: input columns note_id, text, episode_id, source (sorted by input order)."""

    def run(frames):
        import pandas as pd

        from coding_toolkit.bulk.runner import Rejected, batched, process_batch
        from coding_toolkit.records import Note

        columns = [c.split()[0] for c in NOTE_SCHEMA.split(", ")]
        seen: set[str] = set()  # ids of this partition (all duplicates of an id land here)

        def frame(rows):
            out = pd.DataFrame(rows, columns=columns)
            return out.astype({"n_mentions": "int32", "n_suggestions": "int32"})

        for pdf in frames:
            rows, notes = [], []
            for note_id, text, episode_id, source, problem in zip(
                    pdf["note_id"], pdf["text"], pdf["episode_id"], pdf["source"], pdf["problem"]):
                note_id = note_id.strip() if isinstance(note_id, str) else ""
                episode_id = episode_id if isinstance(episode_id, str) and episode_id.strip() else None
                source = source if isinstance(source, str) else ""
                if not note_id:
                    rows.append(_note_row(None, episode_id, source, "rejected",
                                          "missing note id; fix: fill the id column for every note"))
                elif note_id in seen:
                    rows.append(_note_row(note_id, episode_id, source, "rejected", DUPLICATE_REASON))
                else:
                    seen.add(note_id)
                    notes.append(Note(note_id=note_id, text=text if isinstance(text, str) else "",
                                      episode_id=episode_id, source=source,
                                      problem=problem if isinstance(problem, str) else None))
            if rows:
                yield frame(rows)
            for batch in batched(notes, cfg.batch_notes, cfg.batch_chars):
                pipeline = _worker_pipeline(cfg)  # loaded on the first batch that needs it
                out = []
                for note, res in zip(batch, process_batch(pipeline, batch)):
                    if isinstance(res, Rejected):
                        out.append(_note_row(res.note_id, note.episode_id, res.source, "rejected", res.reason))
                    else:
                        out.append(_note_row(res.note_id, res.episode_id, note.source, "ok", None,
                                             res.text_hash, res))
                yield frame(out)

    return run


# -- driver side ------------------------------------------------------------------------------
def _read_optional(path, what: str) -> str | None:
    if path is None:
        return None
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise InputError(f"{path}: cannot read the {what} file ({e.strerror}); fix: check the path") from e


def _pack_content_hash(pack_path) -> str:
    from coding_toolkit.concepts.pack import read_pack_json

    return read_pack_json(Path(pack_path).resolve())["content_hash"]


def _ship_pack(spark: SparkSession, pack_path, ship: bool) -> tuple[str, str, str | None]:
    """Check the pack on the driver (cheap: pack.json only) and register it with Spark."""
    from coding_toolkit.concepts.pack import read_pack_json

    root = Path(pack_path).resolve() if "://" not in str(pack_path) else Path(pack_path)
    content_hash = read_pack_json(root)["content_hash"]
    if not ship:
        return root.name, content_hash, str(root)
    sc = spark.sparkContext
    # Spark names shipped files by their base name: one name, one folder per session
    shipped = [re.sub(r"^file:/+", "/", f).rstrip("/") for f in sc.listFiles]
    clash = [f for f in shipped if f.rsplit("/", 1)[-1] == root.name and f != str(root)]
    if clash:
        raise PackError(f"{root}: another pack folder with the same name ({clash[0]}) was already shipped "
                        "in this Spark session; fix: rename one of the folders or start a new session")
    if str(root) not in shipped:
        sc.addFile(str(root), recursive=True)
    return root.name, content_hash, None


def annotate_notes_frame(notes_df: DataFrame, pack_path, *, text_column: str = "text",
                         id_column: str = "note_id", episode_column: str | None = None,
                         source_column: str | None = None, order_column: str | None = None,
                         problem_column: str | None = None, max_batch_chars: int = DEFAULT_BATCH_CHARS, max_batch_notes: int = DEFAULT_BATCH_NOTES,
                         max_note_chars: int = DEFAULT_MAX_NOTE_CHARS, policy_path=None, rules_path=None,
                         ship_pack: bool = True, partitions: int | None = None) -> DataFrame:
    """Annotate ``notes_df`` once; one persisted row per note (schema ``NOTE_SCHEMA``).

    ``status`` is "ok" (``result`` holds the JSONL contract line) or "rejected" (``reason``).
    ``order_column`` decides which of several notes with one id wins (the smallest); default:
    the input order. ``partitions``: how many tasks (default 2 x the cluster's parallelism).
    """
    columns = notes_df.columns
    for col, option in ((text_column, "text_column"), (id_column, "id_column"),
                        (episode_column, "episode_column"), (source_column, "source_column"),
                        (order_column, "order_column"), (problem_column, "problem_column")):
        if col and col not in columns:
            raise InputError(f"notes DataFrame: column '{col}' not found (columns: {', '.join(columns)}); "
                             f"fix: pass {option} with one of those names")
    spark = notes_df.sparkSession
    pack_name, pack_hash, shared_path = _ship_pack(spark, pack_path, ship_pack)
    cfg = _WorkerConfig(pack_name=pack_name, pack_hash=pack_hash, pack_path=shared_path,
                        policy=_read_optional(policy_path, "policy"), rules=_read_optional(rules_path, "rules"),
                        max_note_chars=max_note_chars, batch_notes=max_batch_notes, batch_chars=max_batch_chars)
    n = partitions or 2 * spark.sparkContext.defaultParallelism
    # an explicit partition count is never coalesced by adaptive execution, so all cores get work
    notes = notes_df.select(
        F.col(id_column).cast("string").alias("note_id"), F.col(text_column).cast("string").alias("text"),
        (F.col(episode_column).cast("string") if episode_column else F.lit(None).cast("string")).alias("episode_id"),
        (F.col(source_column).cast("string") if source_column else F.lit(None).cast("string")).alias("source"),
        # set by the toolkit's reader for text it had to damage (bytes that are not UTF-8)
        (F.col(problem_column).cast("string") if problem_column else F.lit(None).cast("string")).alias("problem"),
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
    rejects = notes_frame.filter(F.col("status") == "rejected").select("note_id", "episode_id", "source", "reason")
    return mentions, suggestions, rejects


def annotate_dataframe(notes_df: DataFrame, pack_path, *, text_column: str = "text", id_column: str = "note_id",
                       episode_column: str | None = None, max_batch_chars: int = DEFAULT_BATCH_CHARS,
                       policy_path=None, rules_path=None, **options) -> tuple[DataFrame, DataFrame, DataFrame]:
    """Annotate a Spark DataFrame of notes; return (mentions, suggestions, rejects) DataFrames.

    Notes are annotated once (a persisted note-level frame; see ``annotate_notes_frame`` for the
    other ``options``); all three frames derive from it. Columns: see ``split_results`` and docs/spark.md.
    """
    frame = annotate_notes_frame(notes_df, pack_path, text_column=text_column, id_column=id_column,
                                 episode_column=episode_column, max_batch_chars=max_batch_chars,
                                 policy_path=policy_path, rules_path=rules_path, **options)
    return split_results(frame)


# -- Parquet output ----------------------------------------------------------------------------
def _bucket(buckets: int):
    return F.pmod(F.xxhash64(F.coalesce("note_id", F.lit(""))), F.lit(buckets)).cast("int")


def write_parquet(notes_frame: DataFrame, out: str, *, buckets: int = DEFAULT_BUCKETS) -> dict[str, int]:
    """Write notes/, mentions/, suggestions/ and rejects/ under ``out``, partitioned by ``bucket``.

    Re-runnable: each bucket holding any of this run's notes is replaced in every table (Spark's
    dynamic partition overwrite, plus removal of a touched bucket a table no longer has rows
    for), so re-running the same notes never duplicates rows; other buckets are left alone.
    Returns the row count per table.
    """
    spark = notes_frame.sparkSession
    spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
    mentions, suggestions, rejects = split_results(notes_frame)
    notes = notes_frame.filter(F.col("status") == "ok").select(
        "note_id", "episode_id", "text_hash", "n_mentions", "n_suggestions", "result")
    frames = dict(zip(TABLES, (notes, mentions, suggestions, rejects)))
    # rows per bucket and table in one pass over the persisted frame (cheaper than counting 4 outputs)
    ok, rejected = F.col("status") == "ok", F.col("status") == "rejected"
    per_bucket = notes_frame.groupBy(_bucket(buckets).alias("bucket")).agg(
        F.count(F.when(ok, 1)).alias("notes"),
        F.sum(F.when(ok, F.col("n_mentions")).otherwise(0)).alias("mentions"),
        F.sum(F.when(ok, F.col("n_suggestions")).otherwise(0)).alias("suggestions"),
        F.count(F.when(rejected, 1)).alias("rejects")).collect()
    counts = {}
    for name, df in frames.items():
        table = f"{out.rstrip('/')}/{name}"
        df.withColumn("bucket", _bucket(buckets)).write.mode("overwrite").partitionBy("bucket").parquet(table)
        counts[name] = int(sum(r[name] for r in per_bucket))
        _drop_buckets(spark, table, [r["bucket"] for r in per_bucket if not r[name]])
    return counts


def _drop_buckets(spark: SparkSession, table: str, buckets) -> None:
    """Delete stale ``bucket=N`` folders through Hadoop's FileSystem (works on any Spark storage)."""
    if not buckets:
        return
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    for b in buckets:
        path = jvm.org.apache.hadoop.fs.Path(f"{table}/bucket={b}")
        fs = path.getFileSystem(conf)
        if fs.exists(path):
            fs.delete(path, True)


# -- SQL output (the same tables as ``annotate --db``) --------------------------------------------
def write_sql(notes_frame: DataFrame, db_url: str, *, run_id: str | None = None, run: dict | None = None,
              batch_notes: int = 500) -> str:
    """Write the annotated notes into the ``--db`` tables (io/sinks/sql.py) from the executors.

    The driver creates the tables and the run row; each partition writes its notes in
    transactions that replace this run's rows for those notes, so re-running with the same
    ``run_id`` never duplicates. Executors need the database driver and network access to it.
    Returns the run id.
    """

    from coding_toolkit.io.sinks.sql import SqlSink

    run = dict(run or {}, run_id=run_id or (run or {}).get("run_id") or str(uuid.uuid4()))
    first = notes_frame.filter(F.col("status") == "ok").select("result").first()
    if first is not None:  # the run row records the pack and map release like a local run
        prov = json.loads(first["result"])["provenance"]
        run.setdefault("pack_hash", prov.get("pack_hash"))
        release = prov.get("map_release")
        run.setdefault("map_release", release)
        run.setdefault("illustrative", bool(prov.get("illustrative")))
    sink = SqlSink(db_url=db_url, run=run)
    sink.open()  # tables + run row, once, on the driver (InputError for a bad URL)
    sink.close()

    def write_partition(rows):
        from coding_toolkit.io.serialize import result_from_json
        from coding_toolkit.io.sinks.sql import SqlSink

        part = SqlSink(db_url=db_url, run=run)
        part.open()
        try:
            batch = []
            for row in rows:
                batch.append(result_from_json(json.loads(row["result"])))
                if len(batch) >= batch_notes:
                    part.write(batch)
                    batch = []
            part.write(batch)
        finally:
            part.close()

    notes_frame.filter(F.col("status") == "ok").select("result").foreachPartition(write_partition)
    return run["run_id"]


# -- the CLI entry point ----------------------------------------------------------------------
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")  # dbfs:/, s3a://, abfss://, hdfs://, file:/


def _session(master: str | None) -> tuple[SparkSession, bool]:
    """The active session, or a new one (created=True) for ``master``.

    Under spark-submit (the JVM started this Python) the submitted master and settings stand;
    otherwise ``master`` defaults to local[*].
    """
    active = SparkSession.getActiveSession()
    if active is not None:
        return active, False
    builder = (SparkSession.builder.appName("coding-toolkit annotate")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.sources.partitionOverwriteMode", "dynamic")
               .config("spark.executorEnv.MEDCAT_DISABLE_VERSION_CHECK", "true")
               .config("spark.executorEnv.HF_HUB_OFFLINE", "1"))
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ
    if master or not submitted:
        master = master or "local[*]"
        builder = builder.master(master)
    if not submitted and master.startswith("local"):
        # the local JVM starts its Python workers from PYSPARK_PYTHON (spark.pyspark.python alone is
        # not enough there): without it, a venv that is not activated (cron, a service unit) gets the
        # system python3, without the toolkit. A user's own choice stands.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        # workers must run this interpreter (the one with the toolkit installed); few shuffle tasks;
        # the JVM only moves data here (MedCAT runs in Python), so its quick JIT tier suffices and
        # cuts a one-off run's start-up (measured: 49 s -> 31 s for 317 notes, docs/spark.md)
        builder = (builder.config("spark.pyspark.python", os.environ.get("PYSPARK_PYTHON", sys.executable))
                   .config("spark.sql.shuffle.partitions", "8")
                   .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1"))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark, True


def _stage_local_notes(notes, staging: Path, text_column, id_column, episode_column) -> Path:
    """Stream a local notes file through the toolkit's reader into Parquet: the same ids, decoding
    and skipped records as the local engine, with flat memory, readable by Spark."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from coding_toolkit.io.notes_reader import read_notes

    schema = pa.schema([("note_id", pa.string()), ("text", pa.string()), ("episode_id", pa.string()),
                        ("source", pa.string()), ("problem", pa.string()), ("order", pa.int64())])
    staging.mkdir(parents=True, exist_ok=True)
    path = staging / "notes.parquet"
    chunk: list = []
    order = 0
    with pq.ParquetWriter(path, schema) as writer:
        for note in read_notes(notes, text_column=text_column, id_column=id_column, episode_column=episode_column):
            chunk.append((note.note_id, note.text, note.episode_id, note.source, note.problem, order))
            order += 1
            if len(chunk) >= 5_000:
                writer.write_table(pa.Table.from_pylist([dict(zip(schema.names, c)) for c in chunk], schema))
                chunk = []
        if chunk:
            writer.write_table(pa.Table.from_pylist([dict(zip(schema.names, c)) for c in chunk], schema))
    return path


def _read_remote_notes(spark: SparkSession, notes: str, text_column, id_column, episode_column) -> DataFrame:
    """Notes on storage the cluster reads (dbfs:/, s3a://, abfss://, hdfs://): Spark's own readers."""
    suffix = Path(notes.split("?")[0]).suffix.lower()
    if suffix in (".parquet", ".pq") or suffix == "":
        df = spark.read.parquet(notes)
    elif suffix in (".jsonl", ".ndjson", ".json"):
        df = spark.read.json(notes)
    elif suffix in (".csv", ".tsv", ".tab"):
        df = (spark.read.option("header", True).option("multiLine", True).option("escape", '"')
              .option("sep", "\t" if suffix != ".csv" else ",").csv(notes))
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
                        buckets: int = DEFAULT_BUCKETS, ship_pack: bool = True, db: str | None = None,
                        run_id: str | None = None) -> str:
    """``coding-toolkit annotate NOTES --engine spark --out DIR``: Parquet tables under ``out``.

    A local NOTES file is read with the toolkit's own reader (same note ids as ``--engine local``)
    and staged as Parquet under ``out/_staging``; a URI (dbfs:/, s3a://, ...) is read by Spark.
    With a remote ``master``, ``out`` must be storage the executors can reach. Returns a summary line.
    """
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
                        source_column="source", order_column="order", problem_column="problem")
        frame = annotate_notes_frame(df, pack, max_note_chars=max_note_chars, policy_path=policy_path,
                                     rules_path=rules_path, ship_pack=ship_pack, **cols)
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
    summary = (f"annotated {counts['notes']} notes on Spark ({counts['mentions']} mentions, "
               f"{counts['suggestions']} suggestions) -> {out_dir}/{{notes,mentions,suggestions,rejects}} "
               f"(Parquet)")
    if db:
        summary += f"; tables in {db.split('@')[-1]} (run {run_id})"
    if counts["rejects"]:
        summary += f"; rejected {counts['rejects']} (see {out_dir}/rejects)"
    if first is not None and first["warning"]:  # e.g. the illustrative starter map
        summary += f"; {first['warning']}"
    return summary
