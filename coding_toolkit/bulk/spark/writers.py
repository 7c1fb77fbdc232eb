"""Writing the note-level frame: partitioned Parquet tables, and the ``--db`` SQL tables."""
from __future__ import annotations

import json
import uuid

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from coding_toolkit.bulk.spark.frames import split_results
from coding_toolkit.bulk.spark.schema import DEFAULT_BUCKETS, TABLES


# -- Parquet output ----------------------------------------------------------------------------
def _bucket(buckets: int):
    return F.pmod(F.xxhash64(F.coalesce("note_id", F.lit(""))), F.lit(buckets)).cast("int")


class TableCounts(dict):
    """Rows written per table (``notes``, ``mentions``, ``suggestions``, ``rejects``), and
    ``reject_categories``: the rejects per category, as the local engine counts them (``RunSummary.reasons``)."""

    def __init__(self, counts: dict[str, int], reject_categories: dict[str, int]):
        super().__init__(counts)
        self.reject_categories = reject_categories


def write_parquet(notes_frame: DataFrame, out: str, *, buckets: int = DEFAULT_BUCKETS) -> TableCounts:
    """Write notes/, mentions/, suggestions/ and rejects/ under ``out``, partitioned by ``bucket``.

    Re-runnable: each bucket holding any of this run's notes is replaced in every table (Spark's
    dynamic partition overwrite, plus removal of a touched bucket a table no longer has rows
    for), so re-running the same notes never duplicates rows; other buckets are left alone.
    Returns the row count per table (a dict) with the rejects per category.
    """
    spark = notes_frame.sparkSession
    spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
    mentions, suggestions, rejects = split_results(notes_frame)
    notes = notes_frame.filter(F.col("status") == "ok").select(
        "note_id", "episode_id", "text_hash", "n_mentions", "n_suggestions", "result")
    frames = dict(zip(TABLES, (notes, mentions, suggestions, rejects)))
    # rows per bucket, table and reject category in one pass over the persisted frame (cheaper than
    # counting 4 outputs); ``category`` is null for annotated notes
    ok, rejected = F.col("status") == "ok", F.col("status") == "rejected"
    tally = notes_frame.groupBy(_bucket(buckets).alias("bucket"), "category").agg(
        F.count(F.when(ok, 1)).alias("notes"),
        F.sum(F.when(ok, F.col("n_mentions")).otherwise(0)).alias("mentions"),
        F.sum(F.when(ok, F.col("n_suggestions")).otherwise(0)).alias("suggestions"),
        F.count(F.when(rejected, 1)).alias("rejects")).collect()
    per_bucket: dict[int, dict[str, int]] = {}
    categories: dict[str, int] = {}
    for r in tally:
        rows = per_bucket.setdefault(r["bucket"], dict.fromkeys(TABLES, 0))
        for name in TABLES:
            rows[name] += int(r[name] or 0)
        if r["rejects"]:
            categories[r["category"]] = categories.get(r["category"], 0) + int(r["rejects"])
    counts = {}
    for name, df in frames.items():
        table = f"{out.rstrip('/')}/{name}"
        df.withColumn("bucket", _bucket(buckets)).write.mode("overwrite").partitionBy("bucket").parquet(table)
        counts[name] = sum(rows[name] for rows in per_bucket.values())
        _drop_buckets(spark, table, [b for b, rows in per_bucket.items() if not rows[name]])
    return TableCounts(counts, categories)


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
