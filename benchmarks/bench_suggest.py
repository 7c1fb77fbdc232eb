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
    from coding_toolkit.records import AnnotatedMention, Note
    from coding_toolkit.resources import data_path
    from coding_toolkit.suggest import CodingRules, review_mentions, suggestions_for
    from coding_toolkit.suggest.config import RULE_NAMES

    pipeline = Pipeline.from_pack(None)
    notes = [Note(d["note_id"], d["text"]) for d in
             (json.loads(line) for line in data_path("examples", "notes.jsonl").read_text("utf-8").splitlines())]
    # each note's mentions as the context stage leaves them (before the coding rules), with their headings
    staged = []
    for n in notes:
        r = pipeline.process(n)
        mentions = [am.mention for am in r.mentions]
        decisions, headings = pipeline.context.run_with_headings(n.text, mentions, [am.codes for am in r.mentions])
        staged.append((n.text, tuple(AnnotatedMention(m, lab, dec, am.codes)
                                     for m, am, (lab, dec) in zip(mentions, r.mentions, decisions)), headings))
    off = CodingRules.load(overrides={name: False for name in RULE_NAMES})

    def per_note(work) -> float:
        started = time.perf_counter()
        for _ in range(args.repeat):
            work()
        return 1e6 * (time.perf_counter() - started) / (args.repeat * len(notes))

    def stage(rules):
        # what Pipeline.process runs after the context stage: the mention rules, then the code rules
        return [suggestions_for(review_mentions(t, ms, h, rules), rules, h, t) for t, ms, h in staged]

    whole = per_note(lambda: [pipeline.process(n) for n in notes]) if args.repeat else 0.0
    rules_on = per_note(lambda: stage(pipeline.coding_rules))
    rules_off = per_note(lambda: stage(off))
    print(f"notes: {len(notes)} x {args.repeat}")
    print(f"Pipeline.process                    {whole:8.0f} us/note")
    print(f"suggestion stage, every rule on     {rules_on:8.0f} us/note  ({rules_on / whole:.1%} of process)")
    print(f"suggestion stage, switchable off    {rules_off:8.0f} us/note  (rules on / off = {rules_on / rules_off:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
