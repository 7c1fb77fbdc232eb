#!/usr/bin/env python3
"""Concept linking on text no one here wrote: NCBI disease corpus, silver SNOMED CT ids (issue 10).

    python benchmarks/bench_linking.py [--part dev|train] [--data ../shared/benchmarks/linking]
                                       [--no-throughput] [--errors N] [--json out.json]
                                       [--train-unsupervised]

Scoring as the data's README defines it: gold mentions whose ``sctids`` include a concept of the
pack; **recall** = share of them overlapped by a suggested mention with one of the gold sctids;
**precision** = of the suggested mentions overlapping such a gold mention, the share whose sctid is
one of that gold mention's sctids. "Suggested" = the pack's mentions minus those the policy filters
as ``generic`` (negated or historical mentions are still correct links, so they count).

Rows: the starter pack with every mechanism on, then each mechanism off in turn (abbreviations,
name variants, precedence = longest match + generic filter), and plain MedCAT (FSN names only,
its own ``get_entities`` output). Then the throughput of ``annotate`` end to end (one worker, JSONL,
ledger) against a plain MedCAT loop (``CAT.load_model_pack`` + ``get_entities``) on the same pack
and notes, measured in this run.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("MEDCAT_DISABLE_VERSION_CHECK", "true")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DATA = ROOT.parent / "shared" / "benchmarks" / "linking"


def load_part(data: Path, part: str) -> list[dict]:
    path = data / f"ncbi_disease_{part}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _overlaps(a, b) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def score(docs, annotate, pack_cuis, errors: collections.Counter | None = None) -> dict:
    """recall / precision as the README defines them; ``annotate(text)`` -> [(start, end, sctid, name)]."""
    n_gold = found = n_pred = correct = 0
    for doc in docs:
        predicted = annotate(doc["text"])
        gold = [g for g in doc["mentions"] if pack_cuis.intersection(g["sctids"])]
        for g in gold:
            n_gold += 1
            span = (g["start"], g["end"])
            if any(p[2] in g["sctids"] and _overlaps(span, p) for p in predicted):
                found += 1
            elif errors is not None:
                errors[f"missed: {g['text']}"] += 1
        for p in predicted:
            over = [g for g in gold if _overlaps((g["start"], g["end"]), p)]
            if over:
                n_pred += 1
                if any(p[2] in g["sctids"] for g in over):
                    correct += 1
                elif errors is not None:
                    errors[f"wrong: {doc['text'][p[0]:p[1]]} -> {p[3]} (gold {over[0]['text']})"] += 1
    return {"gold": n_gold, "recall": round(found / n_gold, 3) if n_gold else None,
            "overlapping_predictions": n_pred,
            "precision": round(correct / n_pred, 3) if n_pred else None}


def toolkit_annotator(pack, policy, *, abbreviations=True, precedence=True):
    generic = getattr(policy, "generic", None)

    def annotate(text):
        pack.abbreviations, pack.precedence = abbreviations, precedence
        out = []
        for m in pack.annotate(text):
            # the generic filter is part of "precedence": the policy's decision, context labels aside
            if precedence and generic is not None and generic.matches(m):
                continue
            out.append((m.start, m.end, m.sctid, m.name))
        return out
    return annotate


def plain_annotator(cat):
    def annotate(text):
        return [(e["start"], e["end"], str(e["cui"]), e["pretty_name"])
                for e in cat.get_entities(text)["entities"].values()]
    return annotate


def throughput(pack_path: Path, texts: list[str]) -> dict:
    """notes/s of ``annotate`` end to end (1 worker) vs a plain MedCAT get_entities loop, same run."""
    from medcat.cat import CAT

    from coding_toolkit.bulk import runner
    from coding_toolkit.io.sinks import open_sink
    from coding_toolkit.pipeline import Pipeline
    from coding_toolkit.records import Note
    from coding_toolkit.run_config import RunConfig

    pipeline = Pipeline.from_pack(pack_path)
    plain = CAT.load_model_pack(str(pack_path / "medcat"))
    for text in texts[:10]:
        plain.get_entities(text)
        pipeline.pack.annotate(text)

    def plain_loop():
        start = time.perf_counter()
        for text in texts:
            plain.get_entities(text)
        return time.perf_counter() - start

    def toolkit(out: Path):
        for suffix in ("", ".ledger.sqlite", ".ledger.sqlite-wal", ".ledger.sqlite-shm"):
            Path(f"{out}{suffix}").unlink(missing_ok=True)
        sink = open_sink("jsonl", out, run={"pack_hash": pipeline.pack.hash})
        notes = (Note(note_id=str(i), text=t) for i, t in enumerate(texts))
        start = time.perf_counter()
        runner.run(notes, RunConfig(workers=1), sink, pipeline=pipeline, ledger_path=f"{out}.ledger.sqlite")
        return time.perf_counter() - start

    plain_s, tk_s = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(3):  # alternate to even out machine noise
            plain_s.append(plain_loop())
            tk_s.append(toolkit(Path(tmp) / "out.jsonl"))
    n = len(texts)
    return {"notes": n, "plain_notes_per_s": round(n / min(plain_s), 1),
            "toolkit_notes_per_s": round(n / min(tk_s), 1), "ratio": round(min(plain_s) / min(tk_s), 3)}


def run(data: Path, part: str, *, with_throughput: bool, errors: int, train_unsupervised: bool = False) -> dict:
    from medcat.cat import CAT

    from coding_toolkit.concepts.pack import load_pack
    from coding_toolkit.concepts.starter import starter_pack_path
    from coding_toolkit.context.policy import Policy

    docs = load_part(data, part)
    policy = Policy.load()
    with_variants = load_pack(starter_pack_path(variants=True))
    without_variants = load_pack(starter_pack_path(variants=False))
    cuis = set(with_variants.cat.cdb.cui2info)
    report = {"part": part, "documents": len(docs), "rows": {}}
    err = collections.Counter()
    rows = {
        "starter pack, all mechanisms on": (toolkit_annotator(with_variants, policy), err),
        "  abbreviations off": (toolkit_annotator(with_variants, policy, abbreviations=False), None),
        "  name variants off": (toolkit_annotator(without_variants, policy), None),
        "  precedence off (no longest match, no generic filter)":
            (toolkit_annotator(with_variants, policy, precedence=False), None),
        "plain MedCAT, FSN names (get_entities)":
            (plain_annotator(CAT.load_model_pack(str(Path(without_variants.path) / "medcat"))), None),
    }
    for label, (annotate, counter) in rows.items():
        report["rows"][label] = score(docs, annotate, cuis, counter)
    report["errors"] = err.most_common(errors)
    if train_unsupervised and part != "train":
        # MedCAT's self-supervised training on the (unlabelled) train abstracts: an option a trust
        # can run on its own notes (coding-toolkit train unsupervised); never part of the shipped pack
        trained = load_pack(starter_pack_path(variants=True))
        texts = [d["text"] for d in load_part(data, "train")]
        started = time.perf_counter()
        trained.cat.trainer.train_unsupervised(texts, nepochs=1)
        report["unsupervised_seconds"] = round(time.perf_counter() - started, 1)
        report["rows"]["starter pack + MedCAT unsupervised training on the train part"] = score(
            docs, toolkit_annotator(trained, policy), cuis)
    if with_throughput:
        # the part's notes three times over: 100 short abstracts alone time too noisily
        report["throughput"] = throughput(Path(with_variants.path), [d["text"] for d in docs] * 3)
    with_variants.abbreviations = with_variants.precedence = True
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", default="dev", choices=["dev", "train"])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--no-throughput", dest="throughput", action="store_false")
    parser.add_argument("--errors", type=int, default=0, help="print the N most frequent misses/wrong links")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--train-unsupervised", action="store_true",
                        help="also score a copy trained with MedCAT's unsupervised training on the train part")
    args = parser.parse_args(argv)
    if not (args.data / f"ncbi_disease_{args.part}.jsonl").is_file():
        print(f"SKIPPED: linking data not found at {args.data} (it lives in ../shared/benchmarks/linking)")
        return 0
    report = run(args.data, args.part, with_throughput=args.throughput, errors=args.errors,
                 train_unsupervised=args.train_unsupervised)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    first = next(iter(report["rows"].values()))
    print(f"NCBI disease {report['part']}: {report['documents']} abstracts, {first['gold']} gold mentions "
          "with a concept in the pack")
    print(f"{'':58}{'recall':>8}{'precision':>11}{'overlapping':>13}")
    for label, row in report["rows"].items():
        print(f"{label:58}{row['recall']!s:>8}{row['precision']!s:>11}{row['overlapping_predictions']:>13}")
    if "throughput" in report:
        t = report["throughput"]
        print(f"throughput on {t['notes']} notes, 1 worker: plain MedCAT loop {t['plain_notes_per_s']} notes/s, "
              f"toolkit annotate {t['toolkit_notes_per_s']} notes/s")
        print(f"  ratio toolkit / plain MedCAT = {t['ratio']} (target >= 0.9)")
    if "unsupervised_seconds" in report:
        print(f"unsupervised training on the train part took {report['unsupervised_seconds']} s")
    for text, n in report["errors"]:
        print(f"{n:4}  {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
