"""CPU milliseconds per note in each stage of annotation, one worker, in this process (issue 15).

    python benchmarks/stage_times.py [--pack DIR] [--notes FILE.jsonl] [--copies N]

Loads the pack as ``annotate`` does (``Pipeline.from_pack``, every compiled stage whose guard holds),
then times each note's ``Pipeline.process`` and a JSONL sink write with ``time.thread_time`` (CPU
of this thread, so other load on a shared machine inflates it far less than wall time), split into:
MedCAT tokens (``get_doc`` less its components: the tokenizer, tagging included when it is the
one-pass step), every MedCAT core component and addon by name (dictionary NER, linker, ...), the
toolkit's mention building (``Pack.annotate`` less ``get_doc``), maps (``MapEngine.lookup``), context
rules, suggestions (service-name filter and ``suggestions_for``), the rest of ``process`` and
writing. Each component is timed through a subclass given to the loaded instance (its identity is
kept, so the pipeline runs exactly the same steps). Prints a table and a JSON line.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MEDCAT_DISABLE_VERSION_CHECK", "true")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
NOTES = ROOT.parent / "shared" / "benchmarks" / "notes" / "mtsamples_317.jsonl"

CPU: dict[str, float] = defaultdict(float)
clock = time.thread_time


def _timed(name: str, func):
    def wrapper(*args, **kwargs):
        t = clock()
        try:
            return func(*args, **kwargs)
        finally:
            CPU[name] += clock() - t
    return wrapper


def _time_component(comp, name: str) -> None:
    """Give ``comp`` a subclass whose ``__call__`` adds its CPU time to ``name``."""
    base = type(comp)
    timed = _timed(name, base.__call__)
    comp.__class__ = type(f"Timed{base.__name__}", (base,), {"__call__": lambda self, doc: timed(self, doc)})


def instrument(pipeline) -> None:
    import coding_toolkit.pipeline as pl

    cat = pipeline.pack.cat
    medcat = cat._pipeline
    for comp in medcat._components + medcat._addons:
        _time_component(comp, f"medcat {getattr(comp, 'full_name', type(comp).__name__)}")
    get_doc = medcat.get_doc  # the instance's (one-pass tokens) or MedCAT's own
    medcat.get_doc = _timed("medcat get_doc", get_doc)
    pack = pipeline.pack
    pack.annotate = _timed("annotate", pack.annotate)
    pipeline.engine.lookup = _timed("maps", pipeline.engine.lookup)
    pipeline.context.run_with_headings = _timed("context rules", pipeline.context.run_with_headings)
    pl.filter_service_names = _timed("suggestions", pl.filter_service_names)
    pl.suggestions_for = _timed("suggestions", pl.suggestions_for)


def run(pack: str | None, notes: Path, copies: int) -> dict:
    from coding_toolkit.io.sinks import open_sink
    from coding_toolkit.pipeline import Pipeline
    from coding_toolkit.records import Note

    base = [json.loads(line) for line in notes.read_text(encoding="utf-8").splitlines() if line.strip()]
    pipeline = Pipeline.from_pack(pack)
    for row in base[:10]:
        pipeline.process(Note(note_id="warm", text=row["text"]))
    instrument(pipeline)
    CPU.clear()
    with tempfile.TemporaryDirectory() as tmp:
        sink = open_sink("jsonl", Path(tmp) / "out.jsonl", run={"pack_hash": pipeline.pack.hash})
        sink.open(resume_position=None)
        process, write = _timed("process", pipeline.process), _timed("writing", sink.write)
        n = 0
        wall = time.perf_counter()
        for copy in range(copies):
            for row in base:
                write([process(Note(note_id=f"{row['note_id']}-{copy}", text=row["text"]))])
                n += 1
        wall = time.perf_counter() - wall
        sink.close()
    comps = {k: v for k, v in CPU.items() if k.startswith("medcat ") and k != "medcat get_doc"}
    ms = {"MedCAT tokens": CPU["medcat get_doc"] - sum(comps.values())}
    ms.update({k.removeprefix("medcat "): v for k, v in comps.items()})
    ms["mentions (Pack.annotate less get_doc)"] = CPU["annotate"] - CPU["medcat get_doc"]
    for k in ("maps", "context rules", "suggestions"):
        ms[k] = CPU[k]
    ms["process, rest"] = CPU["process"] - CPU["annotate"] - CPU["maps"] - CPU["context rules"] - CPU["suggestions"]
    ms["writing"] = CPU["writing"]
    ms = {k: round(1000 * v / n, 3) for k, v in ms.items()}
    return {"pack": str(pipeline.pack.path), "notes": n, "cpu_ms_per_note": ms,
            "total_cpu_ms_per_note": round(sum(ms.values()), 3), "wall_notes_s": round(n / wall, 1),
            "ner": os.environ.get("CODING_TOOLKIT_NER", "dict")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pack", default=None, help="pack folder (default: the starter pack)")
    ap.add_argument("--notes", type=Path, default=NOTES)
    ap.add_argument("--copies", type=int, default=3)
    args = ap.parse_args()
    if not args.notes.exists():
        print(f"SKIPPED: notes not found at {args.notes} (the MTSamples notes live in ../shared/benchmarks)")
        return
    res = run(args.pack, args.notes, args.copies)
    print(f"pack {res['pack']}: {res['notes']} notes, NER {res['ner']}, {res['wall_notes_s']} notes/s wall")
    for k, v in res["cpu_ms_per_note"].items():
        print(f"  {k:<42} {v:>8.3f} ms/note")
    print(f"  {'total':<42} {res['total_cpu_ms_per_note']:>8.3f} ms/note")
    print(json.dumps(res))


if __name__ == "__main__":
    main()
