"""``evaluate --coded`` and ``learn`` on the example notes (issue 25), measured in one run.

    python benchmarks/bench_evaluate.py [--episodes 1500] [--pack PACK]

Prints:
  * the example notes scored against their gold codes (examples/gold.json),
  * a coding profile learnt from a synthetic history (benchmarks/synthetic_history.py: the coder
    model is documented there), before/after on its held-out episodes,
  * the speed of ``evaluate --coded`` against plain ``annotate`` on the same notes and pack, loaded
    once (notes per second of evaluate / of annotate, median of 5 alternating runs after one warm-up
    pair; target >= 0.9),
    in wall-clock and in this process's CPU time (the latter is what a busy shared machine
    disturbs least: everything runs in this process with one worker); and once each as commands in
    fresh processes, as a user runs them.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))


def _line(label: str, m: dict, primary: float) -> str:
    return (f"  {label:<28} P {m['precision']:.3f}  R {m['recall']:.3f}  F1 {m['f1']:.3f}  "
            f"(tp {m['tp']}, fp {m['fp']}, fn {m['fn']})  primary agreement {primary:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=1500)
    parser.add_argument("--pack", default=None, help="pack folder (default: the starter pack)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-evaluate-"))
    os.environ["CODING_TOOLKIT_STATE"] = str(work / "state")

    from synthetic_history import NOTES, gold_as_coded, make_history

    from coding_toolkit.api import annotate, pipeline_for
    from coding_toolkit.evaluation.evaluate import evaluate_coded
    from coding_toolkit.evaluation.learn import learn_profile
    from coding_toolkit.evaluation.run import annotate_variant, variants
    from coding_toolkit.process import freeze_loaded_objects
    from coding_toolkit.run_config import RunConfig

    base = RunConfig(pack=args.pack, episode_column="episode_id")
    variant = variants([args.pack], [], base)[0]
    pipeline_for(variant.config)  # loaded once: every timing below excludes the load
    freeze_loaded_objects()  # as both commands do after loading

    gold = evaluate_coded(str(gold_as_coded(work / "gold.csv")), str(NOTES), [variant], episode_column="episode_id")
    print(f"example notes vs their gold codes ({gold['episodes']} episodes):")
    print(_line("suggestions", gold["codes"], gold["primary_agreement"]))

    notes, coded = make_history(work / "history", episodes=args.episodes)
    t = time.perf_counter()
    profile, summary = learn_profile(str(coded), str(notes), variant, episode_column="episode_id", seed=2024,
                                     held_out_share=0.3, min_suggested=20, max_share=0.1, prior_weight=5.0)
    learn_s = time.perf_counter() - t
    held = summary["held_out"]
    print(f"synthetic history: {args.episodes} episodes; profile learnt from {summary['profile']['episodes_learnt']}, "
          f"{summary['pairs']} concept/code pairs, {summary['rarely_coded_pairs']} rarely coded "
          f"({learn_s:.1f} s, annotation included)")
    print(f"held-out {summary['profile']['episodes_held_out']} episodes:")
    for name in ("before", "after"):
        print(_line(name, held[name]["codes"], held[name]["primary_agreement"]))
    print("  calibration (held out, after): " + "; ".join(
        f"{b['from']:.1f}-{b['to']:.1f}: {b['suggestions']} at {b['mean_confidence']:.2f} -> {b['share_coded']:.2f} coded"
        for b in held["calibration"]))

    n_notes = sum(1 for _ in open(notes, encoding="utf-8"))
    wall, cpu, times = [], [], {"annotate": [], "evaluate": []}
    for attempt in range(6):  # the first pair warms the process (allocator, caches) and is not counted
        os.environ["CODING_TOOLKIT_STATE"] = str(work / f"speed-{attempt}")  # a fresh annotation each time
        out = work / f"plain-{attempt}.jsonl"
        t, c = time.perf_counter(), time.process_time()
        annotate(str(notes), variant.config, str(out), ledger_path=work / f"plain-{attempt}.ledger")
        plain, plain_cpu = time.perf_counter() - t, time.process_time() - c
        t, c = time.perf_counter(), time.process_time()
        evaluate_coded(str(coded), str(notes), [variant], episode_column="episode_id")
        evaluated, evaluated_cpu = time.perf_counter() - t, time.process_time() - c
        os.environ["CODING_TOOLKIT_STATE"] = str(work / f"speed-run-only-{attempt}")
        c = time.process_time()
        annotate_variant(str(notes), variant)  # evaluate's annotate run alone, without the scoring
        times.setdefault("run only", []).append(time.process_time() - c)
        if attempt == 0:
            continue
        wall.append(plain / evaluated)
        cpu.append(plain_cpu / evaluated_cpu)
        times["annotate"].append(plain_cpu)
        times["evaluate"].append(evaluated_cpu)
        print(f"speed, run {attempt}: annotate {n_notes / plain:.1f} notes/s, evaluate --coded "
              f"{n_notes / evaluated:.1f} notes/s; ratio {wall[-1]:.2f} wall, {cpu[-1]:.2f} CPU")
    print(f"evaluate --coded vs plain annotate, median of 5: {statistics.median(wall):.2f} wall-clock, "
          f"{statistics.median(cpu):.2f} CPU time; fastest of 5 each (the least disturbed): "
          f"{min(times['annotate']) / min(times['evaluate']):.2f} CPU time (target >= 0.9)")
    print("median CPU seconds: " + ", ".join(f"{k} {statistics.median(v):.3f}" for k, v in times.items())
          + " (run only: evaluate's annotate run without the scoring)")
    # as a user runs them: each command in a fresh process (pack load included), once each
    env = {**os.environ, "CODING_TOOLKIT_STATE": str(work / "cli")}
    cli = [sys.executable, "-m", "coding_toolkit"]
    pack = ["--pack", args.pack] if args.pack else []
    t = time.perf_counter()
    subprocess.run([*cli, "annotate", str(notes), "--out", str(work / "cli.jsonl"), "--episode-column", "episode_id",
                    "--no-progress", *pack], check=True, env=env, capture_output=True)
    plain = time.perf_counter() - t
    t = time.perf_counter()
    subprocess.run([*cli, "evaluate", "--coded", str(coded), "--notes", str(notes), "--episode-column", "episode_id",
                    "--no-progress", *pack], check=True, env=env, capture_output=True)
    evaluated = time.perf_counter() - t
    print(f"as commands (fresh processes, pack load included): annotate {plain:.1f} s, evaluate --coded "
          f"{evaluated:.1f} s, ratio {plain / evaluated:.2f}")


if __name__ == "__main__":
    main()
