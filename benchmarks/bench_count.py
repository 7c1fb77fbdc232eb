"""What a progress total costs: counting the notes (CSV and JSONL) vs annotating them, in one run.

    python benchmarks/bench_count.py [--notes 20000] [--annotate 300]

``annotate --progress`` counts the input first so that the bar has a total and an ETA. Prints the
counting rate per format, the starter pack's annotation rate on the same notes, and their ratio
(the share of a run's time spent counting).
"""
from __future__ import annotations

import argparse
import csv
import json
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--notes", type=int, default=20_000)
    parser.add_argument("--annotate", type=int, default=300)
    args = parser.parse_args()
    from coding_toolkit.io.notes_reader import count_notes, read_notes
    from coding_toolkit.pipeline import Pipeline

    texts = [json.loads(line)["text"] for line in (ROOT / "examples" / "notes.jsonl").read_text().splitlines()]
    with tempfile.TemporaryDirectory() as tmp:
        paths = {"jsonl": Path(tmp) / "n.jsonl", "csv": Path(tmp) / "n.csv"}
        with open(paths["jsonl"], "w", encoding="utf-8") as fh:
            for i in range(args.notes):
                fh.write(json.dumps({"note_id": str(i), "text": texts[i % len(texts)]}) + "\n")
        with open(paths["csv"], "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["note_id", "text"])
            writer.writerows((str(i), texts[i % len(texts)]) for i in range(args.notes))
        pipeline = Pipeline.from_pack(None)
        notes = list(read_notes(paths["jsonl"]))[: args.annotate]
        started = time.perf_counter()
        for note in notes:
            pipeline.process(note)
        annotate_rate = len(notes) / (time.perf_counter() - started)
        print(f"annotate (starter pack, 1 worker): {annotate_rate:,.1f} notes/s")
        for kind, path in paths.items():
            started = time.perf_counter()
            counted = count_notes(path)
            rate = counted / (time.perf_counter() - started)
            print(f"count {kind}: {counted} notes at {rate:,.0f} notes/s; counting / annotating time = "
                  f"{annotate_rate / rate:.4f}")


if __name__ == "__main__":
    main()
