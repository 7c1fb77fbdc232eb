"""``--engine spark`` (local[N]) against the local runner (``--workers 2``) on the same pack and notes.

    python benchmarks/bench_spark.py [--pack PACK] [--notes ../shared/benchmarks/notes/mtsamples_317.jsonl]
                                     [--copies 3] [--masters local[1],local[2]]

Prints docs/s for each engine and the ratio, measured two ways:
  * cold: the whole ``coding-toolkit annotate`` command in a fresh process (start-up, pack load,
    JVM start for Spark, annotation, output), as a user runs it once;
  * warm: annotation + output only, with the pack already loaded (local: a loaded pipeline and
    forked workers; Spark: a session whose Python workers loaded the pack in a warm-up job), on
    ``--copies`` x the notes; for each master in ``--masters`` (how throughput scales with cores).
Pack: the starter pack if it can be built/loaded, else the tiny test pack.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_NOTES = ROOT.parent / "shared" / "benchmarks" / "notes" / "mtsamples_317.jsonl"
JAVA_OPTS = "-XX:+UseSerialGC -XX:ActiveProcessorCount=2 -XX:TieredStopAtLevel=1"


def _pack(arg: str | None, tmp: Path) -> str:
    if arg:
        return arg
    try:
        from coding_toolkit.concepts.starter import starter_pack_path

        return str(starter_pack_path())
    except Exception as e:  # the starter pack is optional here: fall back to the test pack
        print(f"starter pack unavailable ({type(e).__name__}: {e}); using the tiny test pack")
        from coding_toolkit.concepts.build import build_pack_from_release

        fixtures = ROOT / "tests" / "fixtures"
        return str(build_pack_from_release(fixtures / "rf2", tmp / "tiny", notes=fixtures / "notes.jsonl"))


def _copies(notes: Path, copies: int, out: Path) -> int:
    rows = [json.loads(line) for line in notes.read_text(encoding="utf-8").splitlines() if line.strip()]
    with open(out, "w", encoding="utf-8") as fh:
        for c in range(copies):
            for r in rows:
                fh.write(json.dumps({"note_id": f"{r['note_id']}-{c}", "text": r["text"]}) + "\n")
    return len(rows) * copies


def _cli(*args: str) -> float:
    env = dict(
        os.environ,
        PYSPARK_PYTHON=sys.executable,
        JAVA_TOOL_OPTIONS=JAVA_OPTS,
        MEDCAT_DISABLE_VERSION_CHECK="true",
        HF_HUB_OFFLINE="1",
    )
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "coding_toolkit", "annotate", *args],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def _warm_local(pack: str, notes: Path, out: Path, workers: int) -> float:
    from coding_toolkit.bulk import runner
    from coding_toolkit.io.notes_reader import read_notes
    from coding_toolkit.io.sinks import open_sink
    from coding_toolkit.pipeline import Pipeline
    from coding_toolkit.run_config import RunConfig

    pipeline = Pipeline.from_pack(pack)
    times = []
    for i in range(2):
        target = out / f"local{i}.jsonl"
        sink = open_sink("jsonl", target, run={"pack_hash": pipeline.pack.hash})
        start = time.perf_counter()
        runner.run(read_notes(notes), RunConfig(workers=workers), sink, pipeline=pipeline, ledger_path=f"{target}.ledger.sqlite")
        times.append(time.perf_counter() - start)
    return min(times)


def _warm_spark(pack: str, notes: Path, out: Path, master: str) -> tuple[float, float]:
    """(annotation seconds, annotation + Parquet output seconds), best of two warm runs."""
    from pyspark.sql import SparkSession

    from coding_toolkit.bulk.spark import annotate_notes_frame, write_parquet

    spark = (SparkSession.builder.master(master).appName("bench_spark").config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false").config("spark.sql.shuffle.partitions", "8")
             .config("spark.pyspark.python", sys.executable)
             .config("spark.driver.extraJavaOptions", JAVA_OPTS).getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    try:
        df = spark.read.json(str(notes)).select("note_id", "text").cache()
        df.count()
        runs = []
        for i in range(3):  # run 0 loads the pack in each Python worker (warm-up)
            frame = annotate_notes_frame(df, pack)
            start = time.perf_counter()
            frame.count()  # annotation only: the frame is persisted
            annotated = time.perf_counter() - start
            write_parquet(frame, str(out / f"spark-{master}-{i}"))
            runs.append((annotated, time.perf_counter() - start))
            frame.unpersist()
        return min(r[0] for r in runs[1:]), min(r[1] for r in runs[1:])
    finally:
        spark.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pack", default=None)
    parser.add_argument("--notes", type=Path, default=DEFAULT_NOTES)
    parser.add_argument("--copies", type=int, default=3, help="notes x COPIES for the warm runs")
    parser.add_argument("--masters", default="local[1],local[2]")
    args = parser.parse_args()
    if not args.notes.exists():
        print(f"SKIPPED: benchmark notes not found at {args.notes} (they live in ../shared/benchmarks)")
        return
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        print("SKIPPED: no Java runtime for Spark (apt-get install default-jre-headless)")
        return
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        pack = _pack(args.pack, tmp)
        n = sum(1 for line in args.notes.read_text(encoding="utf-8").splitlines() if line.strip())
        print(f"pack: {pack}; notes: {n} from {args.notes.name}; machine: {os.cpu_count()} cores")

        local_cold = _cli(
            str(args.notes),
            "--pack",
            pack,
            "--workers",
            "2",
            "--no-progress",
            "--out",
            str(tmp / "cold.jsonl"),
        )
        spark_cold = _cli(
            str(args.notes),
            "--pack",
            pack,
            "--engine",
            "spark",
            "--spark-master",
            "local[2]",
            "--out",
            str(tmp / "cold_spark"),
        )
        print(f"cold (whole command)   local --workers 2: {n / local_cold:6.1f} docs/s ({local_cold:.1f} s)")
        print(
            f"cold (whole command)   spark local[2]   : {n / spark_cold:6.1f} docs/s ({spark_cold:.1f} s)"
            f"   ratio spark/local = {local_cold / spark_cold:.2f}"
        )

        many = tmp / "many.jsonl"
        m = _copies(args.notes, args.copies, many)
        local_warm = _warm_local(pack, many, tmp, 2)
        print(f"warm ({m} notes)  local --workers 2: {m / local_warm:6.1f} docs/s")
        spark_warm = {}
        for master in args.masters.split(","):
            annotate, total = spark_warm[master] = _warm_spark(pack, many, tmp, master)
            print(f"warm ({m} notes)  spark {master:<10}: {m / total:6.1f} docs/s"
                  f"   ratio spark/local = {local_warm / total:.2f}"
                  f"   (annotation alone {m / annotate:6.1f} docs/s, Parquet output {total - annotate:.1f} s)")
        if len(spark_warm) > 1:
            first, last = list(spark_warm)[0], list(spark_warm)[-1]
            print(f"spark scaling {first} -> {last}: x{spark_warm[first][0] / spark_warm[last][0]:.2f} "
                  f"(annotation), x{spark_warm[first][1] / spark_warm[last][1]:.2f} (with output)")

if __name__ == "__main__":
    os.environ.setdefault("MEDCAT_DISABLE_VERSION_CHECK", "true")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    main()
