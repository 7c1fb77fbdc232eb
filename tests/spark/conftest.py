"""Spark fixtures: one real local[2] session per test module, sized for a 2-core machine."""
from __future__ import annotations

import os
import shutil
import sys

import pytest


def _require(reason: str):
    """Skip on a developer machine, but fail in CI (same rule as tests/conftest.py)."""
    if os.environ.get("CI"):
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def spark_ready() -> None:
    """pyspark importable and a Java runtime present (CI installs one in .ci/run)."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        _require("pyspark is not installed; fix: pip install '.[spark]'")
    java_home = os.environ.get("JAVA_HOME")
    if not shutil.which("java") and not (java_home and os.path.exists(os.path.join(java_home, "bin", "java"))):
        _require("no Java runtime for Spark; fix: apt-get install default-jre-headless")


@pytest.fixture(scope="module")
def spark(spark_ready):
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (SparkSession.builder.master("local[2]").appName("coding-toolkit tests")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "4")
               .config("spark.default.parallelism", "2")
               .config("spark.driver.memory", "1g")
               # 2 cores: a serial GC and the quick JIT tier start the JVM faster for short jobs
               .config("spark.driver.extraJavaOptions",
                       "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:ActiveProcessorCount=2")
               .config("spark.pyspark.python", sys.executable)
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
