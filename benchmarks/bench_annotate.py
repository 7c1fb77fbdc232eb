"""Bulk annotation throughput and memory, measured in one run (issue 5 targets).

    python benchmarks/bench_annotate.py [--pack PACK] [--notes ../shared/benchmarks/notes/mtsamples_317.jsonl]

Prints, on the same pack and notes:
  * toolkit single worker vs a plain loop of ``cat.get_entities`` (target >= 0.9),
  * ``--workers 2`` vs ``--workers 1`` (target >= 1.7 on 2 cores),
  * peak RSS for 10x the notes vs 1x (target <= 1.2).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_NOTES = ROOT.parent / "shared" / "benchmarks" / "notes" / "mtsamples_317.jsonl"


def _notes(path: Path, copies: int):
    from coding_toolkit.records import Note

    base = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for copy in range(copies):
        for row in base:
            yield Note(note_id=f"{row['note_id']}-{copy}", text=row["text"])


def _run_toolkit(pipeline, notes, workers: int, out: Path) -> float:
    from coding_toolkit.bulk import runner
    from coding_toolkit.io.sinks import open_sink
    from coding_toolkit.run_config import RunConfig

    for suffix in ("", ".ledger.sqlite", ".ledger.sqlite-wal", ".ledger.sqlite-shm"):
        Path(f"{out}{suffix}").unlink(missing_ok=True)
    sink = open_sink("jsonl", out, run={"pack_hash": pipeline.pack.hash})
    start = time.perf_counter()
    runner.run(notes, RunConfig(workers=workers), sink, pipeline=pipeline, ledger_path=f"{out}.ledger.sqlite")
    return time.perf_counter() - start


def _freeze_like_the_cli() -> None:
    """What ``coding-toolkit annotate`` does after loading the pack (its entry point, not the library)."""
    try:
        from coding_toolkit.process import freeze_loaded_objects
    except ImportError:  # a tree from before issue 16: the library froze the heap itself
        return
    freeze_loaded_objects()


def _peak_rss_mb(pack: str, notes: Path, copies: int, workdir: Path) -> float:
    """Peak RSS of a fresh process annotating ``copies`` x the notes (one worker)."""
    code = f"""
import json, resource, sys
sys.path.insert(0, {str(ROOT)!r}); sys.path.insert(0, {str(ROOT / "benchmarks")!r})
from bench_annotate import _notes, _run_toolkit
from coding_toolkit.pipeline import Pipeline
from pathlib import Path
pipeline = Pipeline.from_pack({pack!r})
from bench_annotate import _freeze_like_the_cli; _freeze_like_the_cli()
_run_toolkit(pipeline, _notes(Path({str(notes)!r}), {copies}), 1, Path({str(workdir / f"mem{copies}.jsonl")!r}))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pack", default=None, help="pack folder (default: the starter pack)")
    parser.add_argument("--notes", type=Path, default=DEFAULT_NOTES)
    parser.add_argument("--memory-copies", type=int, default=10)
    args = parser.parse_args()
    if not args.notes.exists():
        print(f"SKIPPED: benchmark notes not found at {args.notes} (they live in ../shared/benchmarks)")
        return
    from coding_toolkit.pipeline import Pipeline

    if args.pack is None:
        from coding_toolkit.concepts.starter import starter_pack_path

        args.pack = str(starter_pack_path())
    pipeline = Pipeline.from_pack(args.pack)
    _freeze_like_the_cli()
    texts = [n.text for n in _notes(args.notes, 1)]
    cat = pipeline.pack.cat
    print(
        f"pack: {args.pack} ({len(cat.cdb.cui2info):,} concepts); notes: {len(texts)} "
        f"(mean {sum(map(len, texts)) / len(texts):,.0f} chars)"
    )
    # "plain MedCAT": the same pack's model loaded the way a MedCAT user would, without the
    # toolkit's constant-time entity constructor (concepts/pack.py)
    from medcat.cat import CAT

    plain = CAT.load_model_pack(str(Path(args.pack) / "medcat"))

    def loop(model) -> float:
        start = time.perf_counter()
        for text in texts:
            model.get_entities(text)
        return time.perf_counter() - start

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for text in texts[:10]:  # warm caches once for every contender
            cat.get_entities(text)
            plain.get_entities(text)
        plain_times, tuned_times, tk_times = [], [], []
        for _ in range(2):  # alternate to even out machine noise
            plain_times.append(loop(plain))
            tuned_times.append(loop(cat))
            tk_times.append(_run_toolkit(pipeline, _notes(args.notes, 1), 1, tmp / "w1.jsonl"))
        raw, tuned, tk1 = min(plain_times), min(tuned_times), min(tk_times)
        tk2 = _run_toolkit(pipeline, _notes(args.notes, 2), 2, tmp / "w2.jsonl") / 2
        tk1b = _run_toolkit(pipeline, _notes(args.notes, 2), 1, tmp / "w1b.jsonl") / 2
        n = len(texts)
        print(f"plain MedCAT get_entities loop        : {n / raw:7.1f} notes/s")
        print(f"get_entities loop on the toolkit's CAT: {n / tuned:7.1f} notes/s (constant-time entity spans)")
        print(f"toolkit --workers 1 (end to end)      : {n / tk1:7.1f} notes/s")
        print(f"  ratio toolkit / plain MedCAT loop    = {raw / tk1:.3f} (target >= 0.9)")
        print(f"  ratio toolkit / loop on the same CAT = {tuned / tk1:.3f} (the toolkit's own overhead)")
        print(f"toolkit --workers 2                   : {n / tk2:7.1f} notes/s")
        print(f"  ratio workers 2 / workers 1          = {tk1b / tk2:.3f} (target >= 1.7)")
        m1 = _peak_rss_mb(args.pack, args.notes, 1, tmp)
        m10 = _peak_rss_mb(args.pack, args.notes, args.memory_copies, tmp)
        print(
            f"peak RSS 1x notes = {m1:,.0f} MB; {args.memory_copies}x notes = {m10:,.0f} MB; "
            f"ratio = {m10 / m1:.3f} (target <= 1.2)"
        )


if __name__ == "__main__":
    os.environ.setdefault("MEDCAT_DISABLE_VERSION_CHECK", "true")
    main()
