"""The Spark session ``annotate --engine spark`` runs in: the active one, or a new local one."""
from __future__ import annotations

import os
import re
import sys

from pyspark.sql import SparkSession

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
