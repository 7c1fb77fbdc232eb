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

Modules: ``schema`` (the tables' columns), ``worker`` (the executors' side: one loaded pack per
Python worker, the partition annotator), ``shipping`` (the pack and rule files, from the driver),
``frames`` (DataFrame in, note-level frame out), ``writers`` (Parquet and SQL), ``session`` and
``job`` (``annotate --engine spark``).
"""
from coding_toolkit.errors import MissingExtraError

try:  # the optional extra: fail with the pip fix, not an ImportError
    import pyspark  # noqa: F401
except ImportError as _e:  # pragma: no cover - exercised only without the extra
    raise MissingExtraError("pyspark", "spark") from _e

from coding_toolkit.bulk.spark.frames import annotate_dataframe, annotate_notes_frame, split_results
from coding_toolkit.bulk.spark.job import annotate_with_spark
from coding_toolkit.bulk.spark.schema import (
    DEFAULT_BUCKETS,
    DUPLICATE_REASON,
    MENTION_FIELDS,
    NOTE_SCHEMA,
    SUGGESTION_FIELDS,
    TABLES,
)
from coding_toolkit.bulk.spark.writers import TableCounts, write_parquet, write_sql

__all__ = ["annotate_dataframe", "annotate_notes_frame", "split_results", "write_parquet", "write_sql",
           "annotate_with_spark", "NOTE_SCHEMA", "MENTION_FIELDS", "SUGGESTION_FIELDS", "DEFAULT_BUCKETS",
           "DUPLICATE_REASON", "TABLES", "TableCounts"]
