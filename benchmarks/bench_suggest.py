#!/usr/bin/env python3
"""Cost of the suggestion stage (coding rules) against the whole pipeline, measured in one run.

Annotates examples/notes.jsonl with the starter pack once, then times, per note: the whole
``Pipeline.process``; the suggestion stage with every coding rule on (service names, alternatives
from the note, specificity, never-primary, primary from the heading, ranking); and the same stage with the switchable rules
off (merge and ranking only). Prints microseconds per note and the ratios.

    python benchmarks/bench_suggest.py [--repeat 50]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("MEDCAT_DISABLE_VERSION_CHECK", "true")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args(argv)
    from coding_toolkit.pipeline import Pipeline
    from coding_toolkit.records import Note
    from coding_toolkit.resources import data_path
    from coding_toolkit.suggest import CodingRules, filter_service_names, suggestions_for
    from coding_toolkit.suggest.config import RULE_NAMES

    pipeline = Pipeline.from_pack(None)
    notes = [Note(d["note_id"], d["text"]) for d in
             (json.loads(line) for line in data_path("examples", "notes.jsonl").read_text("utf-8").splitlines())]
    done = [(n.text, pipeline.process(n)) for n in notes]
    # each mention's heading, as the pipeline hands it to the suggestion stage (primary from the heading)
    headings = [pipeline.context.classifier.classify_with_headings(t, [(m.mention.start, m.mention.end)
                                                                       for m in r.mentions])[1] for t, r in done]
    off = CodingRules.load(overrides={name: False for name in RULE_NAMES})

    def per_note(work) -> float:
        started = time.perf_counter()
        for _ in range(args.repeat):
            work()
        return 1e6 * (time.perf_counter() - started) / (args.repeat * len(notes))

    whole = per_note(lambda: [pipeline.process(n) for n in notes]) if args.repeat else 0.0
    rules_on = per_note(lambda: [suggestions_for(filter_service_names(t, r.mentions, pipeline.coding_rules),
                                                 pipeline.coding_rules, h) for (t, r), h in zip(done, headings)])
    rules_off = per_note(lambda: [suggestions_for(filter_service_names(t, r.mentions, off), off, h)
                                  for (t, r), h in zip(done, headings)])
    print(f"notes: {len(notes)} x {args.repeat}")
    print(f"Pipeline.process                    {whole:8.0f} us/note")
    print(f"suggestion stage, every rule on     {rules_on:8.0f} us/note  ({rules_on / whole:.1%} of process)")
    print(f"suggestion stage, switchable off    {rules_off:8.0f} us/note  (rules on / off = {rules_on / rules_off:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
