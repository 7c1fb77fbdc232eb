#!/usr/bin/env python3
"""Recall and precision of the starter pack on examples/ (with and without name variants).

Builds the starter pack twice (name variants on / off) into a temporary folder, annotates
examples/notes.jsonl and scores against examples/gold.json:

- concepts: a gold mention (kept or filtered) is found when a predicted mention has the same SCTID
  and an overlapping span; precision counts predicted mentions that match any gold mention;
- filter: of the gold ``filtered`` mentions that were found, how many the pipeline filtered
  (and with the gold reason); of the gold kept mentions found, how many it kept (or refined into a kept, more specific concept);
- codes: the pipeline's suggested codes (CDS form, defaults) per note vs the gold ICD-10/OPCS-4 codes,
  plus "in alternatives" recall (the gold code is the default or one of the shown alternatives).

    python benchmarks/bench_starter_recall.py [--json out.json] [--markdown]

``--markdown`` prints the table docs/starter.md shows (DOC_ROWS); tests/starter checks its
"with variants" column against the starter pack, so the page cannot drift from the tool.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("MEDCAT_DISABLE_VERSION_CHECK", "true")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coding_toolkit.resources import data_path  # noqa: E402

REASON_OF = {  # gold reason -> the ContextLabels field/value that expresses it
    "negated": ("negation", "Negated"),
    "historical": ("temporality", "Historical"),
    "hypothetical": ("temporality", "Hypothetical"),
    "uncertain": ("temporality", "Uncertain"),
    "family": ("experiencer", "Other"),
    "service name": None,  # a coding rule (suggest/service_names.py): the decision's reason says it
    "explained": None,  # a coding rule (suggest/explained_symptoms.py): "explained by I21.3"
}


def load_examples():
    notes = [
        json.loads(line)
        for line in open(data_path("examples", "notes.jsonl"), encoding="utf-8")
        if line.strip()
    ]
    gold = json.loads(data_path("examples", "gold.json").read_text(encoding="utf-8"))["notes"]
    return notes, gold


def _overlaps(a_start, a_end, b_start, b_end) -> bool:
    return a_start < b_end and b_start < a_end


def _match(gold_mentions, predicted):
    """Index pairs (gold i -> predicted j) with the same SCTID and overlapping spans."""
    pairs = {}
    used = set()
    for i, g in enumerate(gold_mentions):
        for j, p in enumerate(predicted):
            if (
                j not in used
                and p["sctid"] == g["sctid"]
                and _overlaps(g["start"], g["end"], p["start"], p["end"])
            ):
                pairs[i] = j
                used.add(j)
                break
    return pairs


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


def score_concepts(notes, gold, annotate) -> dict:
    tp = n_gold = n_pred = 0
    missed = []
    seconds = 0.0
    for note in notes:
        g = gold[note["note_id"]]
        gold_mentions = g["concepts"] + g["filtered"]
        started = time.perf_counter()
        predicted = [{"sctid": m.sctid, "start": m.start, "end": m.end} for m in annotate(note["text"])]
        seconds += time.perf_counter() - started
        pairs = _match(gold_mentions, predicted)
        tp += len(pairs)
        n_gold += len(gold_mentions)
        n_pred += len(predicted)
        missed += [f"{note['note_id']}:{gm['text']}" for i, gm in enumerate(gold_mentions) if i not in pairs]
    return {
        "gold_mentions": n_gold,
        "predicted_mentions": n_pred,
        "found": tp,
        "recall": _ratio(tp, n_gold),
        "precision": _ratio(tp, n_pred),
        "docs_per_second": round(len(notes) / seconds, 1) if seconds else None,
        "missed": missed,
    }


def score_pipeline(notes, gold, pipeline) -> dict:
    from coding_toolkit.records import Note
    from coding_toolkit.suggest import primary_and_others

    code_tp = code_gold = code_pred = code_in_alts = primary_ok = primary_gold = 0
    kept_ok = kept_found = filt_ok = filt_reason_ok = filt_found = 0
    wrong_codes, missed_codes, wrongly_kept, wrongly_filtered, primary_wrong = [], [], [], [], []
    for note in notes:
        g = gold[note["note_id"]]
        result = pipeline.process(
            Note(note_id=note["note_id"], text=note["text"], episode_id=note["episode_id"])
        )
        predicted = [
            {"sctid": am.mention.sctid, "start": am.mention.start, "end": am.mention.end, "am": am}
            for am in result.mentions
        ]
        for kind, mentions in (("kept", g["concepts"]), ("filtered", g["filtered"])):
            pairs = _match(mentions, predicted)
            for i, j in pairs.items():
                am = predicted[j]["am"]
                if kind == "kept":
                    kept_found += 1
                    # a part refined into a more specific concept is coded through it (refine/)
                    if am.decision.status == "kept" or (am.decision.reason or "").startswith("refined into "):
                        kept_ok += 1
                    else:
                        wrongly_filtered.append(
                            f"{note['note_id']}:{mentions[i]['text']} ({am.decision.reason})"
                        )
                else:
                    filt_found += 1
                    expected = REASON_OF[mentions[i]["reason"]]
                    if am.decision.status == "filtered":
                        filt_ok += 1
                        filt_reason_ok += ((am.decision.reason or "").startswith(mentions[i]["reason"]) if expected is None
                                           else getattr(am.labels, expected[0]) == expected[1])
                    else:
                        wrongly_kept.append(
                            f"{note['note_id']}:{mentions[i]['text']} ({mentions[i]['reason']})"
                        )
        want = set(g["icd10"]) | set(g["opcs4"])
        got = {s.code for s in result.suggestions}
        shown = set(got)
        for s in result.suggestions:
            shown |= {a.code for a in s.alternatives}
        code_tp += len(want & got)
        code_in_alts += len(want & shown)
        code_gold += len(want)
        code_pred += len(got)
        if g["icd10"]:  # the gold's first ICD-10 code is the primary diagnosis; CDS puts ours first
            primary_gold += 1
            primary, _ = primary_and_others(result.suggestions, "ICD-10")  # the CDS primary position
            primary_ok += primary == g["icd10"][0]
            if primary != g["icd10"][0]:
                primary_wrong.append(f"{note['note_id']}:{primary} (gold {g['icd10'][0]})")
        wrong_codes += [f"{note['note_id']}:{c}" for c in sorted(got - want)]
        missed_codes += [f"{note['note_id']}:{c}" for c in sorted(want - got)]
    return {
        "codes": {
            "gold": code_gold,
            "suggested": code_pred,
            "correct": code_tp,
            "recall": _ratio(code_tp, code_gold),
            "precision": _ratio(code_tp, code_pred),
            "recall_default_or_alternative": _ratio(code_in_alts, code_gold),
            "primary_diagnosis_agreement": _ratio(primary_ok, primary_gold),
            "primary_disagreements": primary_wrong,
            "missed": missed_codes,
            "extra": wrong_codes,
        },
        "filter": {
            "gold_filtered_found": filt_found,
            "filtered": filt_ok,
            "reason_correct": filt_reason_ok,
            "filtered_rate": _ratio(filt_ok, filt_found),
            "reason_rate": _ratio(filt_reason_ok, filt_found),
            "gold_kept_found": kept_found,
            "kept": kept_ok,
            "kept_rate": _ratio(kept_ok, kept_found),
            "wrongly_kept": wrongly_kept,
            "wrongly_filtered": wrongly_filtered,
        },
    }


def _pipeline_for(path):
    try:
        from coding_toolkit.pipeline import Pipeline

        return Pipeline.from_pack(path)
    except ImportError as e:  # the pipeline's stages are not all present yet: score concepts only
        print(f"pipeline unavailable ({e}); scoring concepts only", file=sys.stderr)
        return None


def run() -> dict:
    from coding_toolkit.concepts.starter import build_starter_pack

    notes, gold = load_examples()
    report = {"notes": len(notes)}
    with tempfile.TemporaryDirectory(prefix="bench-starter-") as tmp:
        for variants in (False, True):
            label = "with_variants" if variants else "without_variants"
            started = time.perf_counter()
            path = build_starter_pack(Path(tmp) / label, variants=variants)
            build_s = round(time.perf_counter() - started, 1)
            report[label] = {"build_seconds": build_s, **score_pack(path)}
    return report


# the rows of docs/starter.md's table: (label, path into a pack's report)
DOC_ROWS = [
    ("names in the pack", ("names",)),
    ("concept recall (gold mentions found, same SCTID, overlapping span)", ("concepts", "recall")),
    ("concept precision", ("concepts", "precision")),
    ("code recall (suggested default codes vs gold)", ("codes", "recall")),
    ("code precision", ("codes", "precision")),
    ("code recall, gold code = default or a shown alternative", ("codes", "recall_default_or_alternative")),
    ("primary diagnosis = gold primary", ("codes", "primary_diagnosis_agreement")),
    ("gold-filtered mentions that were filtered", ("filter", "filtered_rate")),
    ("... with the gold reason", ("filter", "reason_rate")),
    ("gold-kept mentions that were kept", ("filter", "kept_rate")),
]


def doc_value(entry: dict, keys: tuple) -> str:
    value = entry
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    if value is None:
        return "-"
    return f"{value:,}" if isinstance(value, int) else f"{value:.3f}"


def markdown_table(report: dict) -> str:
    lines = ["| | without variants | with variants |", "|---|---:|---:|"]
    for label, keys in DOC_ROWS:
        lines.append(f"| {label} | {doc_value(report['without_variants'], keys)} | "
                     f"{doc_value(report['with_variants'], keys)} |")
    return "\n".join(lines)


def score_pack(path) -> dict:
    """One pack's report entry (without the build time)."""
    from coding_toolkit.concepts.pack import load_pack

    notes, gold = load_examples()
    pack = load_pack(path)
    entry = {"names": pack.provenance.get("counts", {}).get("names"),
             "concepts": score_concepts(notes, gold, pack.annotate)}
    pipeline = _pipeline_for(path)
    if pipeline is not None:
        entry.update(score_pipeline(notes, gold, pipeline))
    return entry


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the full report here")
    parser.add_argument("--markdown", action="store_true", help="print docs/starter.md's table too")
    args = parser.parse_args(argv)
    report = run()
    if args.json:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    if args.markdown:
        print(markdown_table(report))
    print(f"notes: {report['notes']}")
    print(f"{'':34}{'without variants':>18}{'with variants':>16}")
    rows = [
        ("names in pack", ("names",)),
        ("build seconds", ("build_seconds",)),
        ("concept recall", ("concepts", "recall")),
        ("concept precision", ("concepts", "precision")),
        ("annotation docs/s", ("concepts", "docs_per_second")),
        ("code recall (defaults)", ("codes", "recall")),
        ("code precision (defaults)", ("codes", "precision")),
        ("code recall (default or alt.)", ("codes", "recall_default_or_alternative")),
        ("primary diagnosis = gold primary", ("codes", "primary_diagnosis_agreement")),
        ("filtered mentions filtered", ("filter", "filtered_rate")),
        ("  ... with the gold reason", ("filter", "reason_rate")),
        ("kept mentions kept", ("filter", "kept_rate")),
    ]
    for label, keys in rows:
        values = []
        for side in ("without_variants", "with_variants"):
            v = report[side]
            for k in keys:
                v = v.get(k) if isinstance(v, dict) else None
            values.append("-" if v is None else str(v))
        print(f"{label:34}{values[0]:>18}{values[1]:>16}")
    print("missed concepts (with variants):", ", ".join(report["with_variants"]["concepts"]["missed"]))
    if "codes" in report["with_variants"]:
        print("missed codes (with variants):", ", ".join(report["with_variants"]["codes"]["missed"]))
        print("extra codes (with variants):", ", ".join(report["with_variants"]["codes"]["extra"]))
        print("wrongly kept:", ", ".join(report["with_variants"]["filter"]["wrongly_kept"]))
        print("wrongly filtered:", ", ".join(report["with_variants"]["filter"]["wrongly_filtered"]))
        print("primary diagnosis differs:", ", ".join(report["with_variants"]["codes"]["primary_disagreements"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
