"""``coding-toolkit annotate --engine spark`` end to end, in its own process, against --engine local."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def _cli(*args, cwd):
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable,
               JAVA_TOOL_OPTIONS="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:ActiveProcessorCount=2")
    return subprocess.run([sys.executable, "-m", "coding_toolkit", "annotate", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def test_cli_engine_spark_matches_local_jsonl(spark_ready, tiny_pack, fixture_notes, tmp_path):
    import pyarrow.dataset as ds

    # the fixture notes plus one with bytes that are not UTF-8: both engines must reject it
    notes_file = tmp_path / "notes.jsonl"
    notes_file.write_bytes(fixture_notes.read_bytes().rstrip(b"\n") + b'\n{"note_id": "bad", "text": "caf\xe9 asthma"}\n')
    fixture_notes = notes_file
    out = tmp_path / "spark_out"
    done = _cli(str(fixture_notes), "--pack", str(tiny_pack), "--engine", "spark", "--spark-master", "local[2]",
                "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = done.stdout.strip().splitlines()[-1]
    assert summary.startswith("annotated 12 notes on Spark") and str(out) in summary
    assert {p.name for p in out.iterdir()} >= {"notes", "mentions", "suggestions", "rejects"}
    assert not (out / "_staging").exists()

    local = tmp_path / "local.jsonl"
    done_local = _cli(str(fixture_notes), "--pack", str(tiny_pack), "--out", str(local), "--no-progress",
                      cwd=tmp_path)
    assert done_local.returncode == 0, done_local.stderr[-3000:]
    expected = {r["note_id"]: r for r in map(json.loads, local.read_text(encoding="utf-8").splitlines())}

    notes = ds.dataset(out / "notes", format="parquet", partitioning="hive").to_table().to_pylist()
    assert {r["note_id"]: json.loads(r["result"]) for r in notes} == expected
    mentions = ds.dataset(out / "mentions", format="parquet", partitioning="hive").to_table()
    assert mentions.num_rows == sum(len(r["mentions"]) for r in expected.values())
    rejects = ds.dataset(out / "rejects", format="parquet", partitioning="hive").to_table().to_pylist()
    assert [(r["note_id"], "not UTF-8" in r["reason"]) for r in rejects] == [("bad", True)]
    assert "bad" in (tmp_path / "local.jsonl.rejects.csv").read_text(encoding="utf-8")



def test_cli_engine_spark_bad_notes_path_is_one_line_error(spark_ready, tmp_path):
    done = _cli(str(tmp_path / "missing.jsonl"), "--engine", "spark", "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert done.returncode == 2
    assert "missing.jsonl" in done.stderr and "Traceback" not in done.stderr


def test_engine_spark_from_a_venv_that_is_not_activated(spark_ready, tiny_pack, fixture_notes, tmp_path):
    """As cron or a service unit runs it: venv/bin/coding-toolkit, no PYSPARK_PYTHON, the venv not on PATH."""
    from pathlib import Path

    script = Path(sys.executable).parent / "coding-toolkit"
    assert script.exists(), f"{script}: the toolkit's console script (pip install .) is missing"
    env = {k: v for k, v in os.environ.items() if k not in ("PYSPARK_PYTHON", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if Path(p).resolve() != script.parent.resolve())
    env["JAVA_TOOL_OPTIONS"] = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:ActiveProcessorCount=2"
    out = tmp_path / "spark_out"
    done = subprocess.run([str(script), "annotate", str(fixture_notes), "--pack", str(tiny_pack), "--engine",
                           "spark", "--spark-master", "local[1]", "--out", str(out)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1].startswith("annotated 12 notes on Spark")
