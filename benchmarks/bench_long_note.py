"""One long note: the time and memory of annotating it must grow linearly with its length (issue 24).

    python benchmarks/bench_long_note.py [--sizes 0.5 1 2 5]

The example notes (examples/notes.jsonl) repeated to each size (MB of text), one note each, through
the starter pack's whole pipeline in one process; prints seconds, mentions and peak RSS per size
and the ratios to the 1 MB note (a 5 MB note should cost about 5x). Figures on a shared 2-core
machine are noisy: compare the ratios within one run.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MEDCAT_DISABLE_VERSION_CHECK", "true")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[0.5, 1.0, 2.0, 5.0])
    args = parser.parse_args()

    from coding_toolkit.pipeline import Pipeline
    from coding_toolkit.records import Note
    from coding_toolkit.run_config import RunConfig

    texts = [json.loads(line)["text"] for line in (ROOT / "examples" / "notes.jsonl").open(encoding="utf-8")]
    base = "\n\n".join(texts)
    pipeline = Pipeline.from_config(RunConfig(max_note_chars=int(max(args.sizes) * 1_000_000) + 1))
    pipeline.process(Note(note_id="warm-up", text=base))
    rows = []
    for mb in sorted(args.sizes):
        n = int(mb * 1_000_000)
        text = (base * (n // len(base) + 1))[:n]
        started = time.perf_counter()
        result = pipeline.process(Note(note_id=f"{mb}MB", text=text))
        seconds = time.perf_counter() - started
        rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
        rows.append({"mb": mb, "seconds": round(seconds, 2), "mentions": len(result.mentions),
                     "peak_rss_gb": round(rss_gb, 2)})
        print(f"{mb:5.2f} MB  {seconds:7.1f} s  {len(result.mentions):7d} mentions  peak RSS {rss_gb:.2f} GB",
              flush=True)
    one = next((r for r in rows if r["mb"] == 1.0), rows[0])
    for r in rows:
        print(f"{r['mb']:5.2f} MB / {one['mb']} MB: size {r['mb'] / one['mb']:.1f}x, time "
              f"{r['seconds'] / one['seconds']:.2f}x")
    print(json.dumps({"long_note": rows}))


if __name__ == "__main__":
    main()
