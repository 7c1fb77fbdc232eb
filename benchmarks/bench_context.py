"""Context filter benchmark: rules vs MetaCAT on the shared NegEx/ConText dev set, and rule speed.

    python benchmarks/bench_context.py [--epochs 20] [--no-metacat] [--json]

Rules are scored on the whole set, cross-validated by report (``--folds`` folds of whole reports:
per-fold figures, their spread and the pooled figure) and on the held-out half; a MetaCAT per task
is trained on one half (split by report, so sentences of one report never sit on both sides) and
scored on the other. The rules have no fitted parameters: their pooled cross-validated figure equals
the whole-set one, and the fold spread says how much unseen reports can move it. The v3 cues were
written reading only folds 0-2 (``--unread-folds`` scores the others apart); folds 3-4 were read once
afterwards, for one data change (background-history headings, docs/context.md). Possibility cues
("rule out", "?", "possible", "versus") give Uncertain, scored as Recent: the kit annotates possibility
so (Recent, Affirmed; medspaCy's POSSIBLE_EXISTENCE has no temporality). The "possibility as
Hypothetical" figures file them as Hypothetical instead (rules v3's convention), for comparison.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEV = ROOT.parent / "shared" / "benchmarks" / "context" / "negex_context_dev.tsv"


def _report_ids(path: Path) -> dict[int, str]:
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        return {line: row.get("report", "") for line, row in
                enumerate(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE), start=2)}


def _brief(result: dict) -> dict:
    return {"Negated F1": result["negation"]["Negated"]["f1"],
            "Historical F1": result["temporality"]["Historical"]["f1"],
            "Hypothetical F1": result["temporality"]["Hypothetical"]["f1"],
            "Other F1": result["experiencer"]["Other"]["f1"],
            "negation acc": result["negation"]["accuracy"], "temporality acc": result["temporality"]["accuracy"],
            "experiencer acc": result["experiencer"]["accuracy"], "n": result["n"]}


def report_folds(reports: dict[int, str], rows, k: int) -> list[list]:
    """k folds of whole reports: report ids in numeric order dealt round-robin (a report never spans folds)."""
    ids = sorted({reports[r.line] for r in rows}, key=lambda x: (len(x), x))
    fold_of = {rid: i % k for i, rid in enumerate(ids)}
    folds: list[list] = [[] for _ in range(k)]
    for row in rows:
        folds[fold_of[reports[row.line]]].append(row)
    return folds


def cross_validate(folds: list[list], classify) -> dict:
    """Score each fold on its own, and all folds' predictions pooled. ``classify`` is fitted on
    nothing (rules), so there is no training side to keep apart; a fitted method must be refitted
    per fold on the other folds before it is passed here."""
    from coding_toolkit.context.evaluate import predict_rows, score

    per_fold, gold, pred, support = [], [], [], []
    for fold in folds:
        p = predict_rows(fold, classify)
        result = score([r.gold for r in fold], p)
        per_fold.append(_brief(result))
        support.append({"Negated F1": result["negation"]["Negated"]["support"],
                        "Historical F1": result["temporality"]["Historical"]["support"],
                        "Hypothetical F1": result["temporality"]["Hypothetical"]["support"]})
        gold += [r.gold for r in fold]
        pred += p
    spread = {}
    for key in ("Negated F1", "Historical F1", "Hypothetical F1"):
        # a fold without that label has no F1 of it (0.0 would be noise, not a measurement)
        values = [f[key] for f, n in zip(per_fold, support) if n[key]]
        spread[key] = {"mean": round(sum(values) / len(values), 4), "min": min(values), "max": max(values),
                       "folds_with_label": len(values)}
    return {"pooled": _brief(score(gold, pred)), "per_fold": per_fold, "spread": spread,
            "rows_per_fold": [len(f) for f in folds]}


def rule_speed(classifier) -> dict:
    note = ("Presenting complaint: chest pain radiating to the left arm.\n"
            "Past medical history: hypertension, type 2 diabetes, previous appendicectomy.\n"
            "He denies shortness of breath, palpitations or syncope. No fever. His mother has asthma.\n"
            "Impression: ?acute coronary syndrome. Plan: angiogram. Return if the pain recurs.\n") * 5
    spans = [(i, i + 10) for i in range(0, len(note) - 10, 24)]  # ~1 mention per 24 characters
    classifier.classify(note, spans)
    runs, start = 0, time.perf_counter()
    while time.perf_counter() - start < 2.0:
        classifier.classify(note, spans)
        runs += 1
    elapsed = time.perf_counter() - start
    return {"mentions_per_s": round(runs * len(spans) / elapsed), "notes_per_s": round(runs / elapsed, 1),
            "note_chars": len(note), "mentions_per_note": len(spans)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tsv", type=Path, default=DEV)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--no-metacat", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (of whole reports)")
    parser.add_argument("--unread-folds", default="3,4",
                        help="folds scored apart: not read while writing the v3 cues (see the docstring)")
    parser.add_argument("--medspacy-rules", type=Path, default=None,
                        help="medspaCy sdist (.tar.gz) or its context_rules.json: score its default rules in this engine")
    args = parser.parse_args(argv)
    if not args.tsv.exists():
        print(f"SKIP: shared benchmark data not found at {args.tsv} (needs ../shared next to the project)")
        return 0

    from coding_toolkit.context.classifier import ContextClassifier
    from coding_toolkit.context.evaluate import TASKS, predict_rows, read_gold_tsv, score

    clf = ContextClassifier()
    rows, skipped = read_gold_tsv(args.tsv)
    start = time.perf_counter()
    predicted = predict_rows(rows, clf.classify)
    dev_rate = len(rows) / (time.perf_counter() - start)
    out = {"rules_full": score([r.gold for r in rows], predicted, skipped),
           "speed": {**rule_speed(clf), "dev_set_mentions_per_s": round(dev_rate)}}

    reports = _report_ids(args.tsv)
    ids = sorted({reports[r.line] for r in rows})
    test_reports = set(ids[1::2])
    train = [r for r in rows if reports[r.line] not in test_reports]
    test = [r for r in rows if reports[r.line] in test_reports]
    test_pred = predict_rows(test, clf.classify)
    out["split"] = {"train_rows": len(train), "test_rows": len(test), "by": "report (alternate report ids)"}
    out["rules_test_half"] = score([r.gold for r in test], test_pred)

    from coding_toolkit.context.rules import load_rules

    folds = report_folds(reports, rows, args.folds)
    unread = [int(i) for i in args.unread_folds.split(",") if i.strip()]
    as_hyp = ContextClassifier(load_rules(extra={"categories": {"UNCERTAIN": {"temporality": "Hypothetical"}}}))
    out["cv_by_report"] = cross_validate(folds, clf.classify)
    unread_rows = [r for i in unread for r in folds[i]]
    out["unread_folds"] = {"folds": unread, "rules": _brief(score([r.gold for r in unread_rows],
                                                                    predict_rows(unread_rows, clf.classify)))}
    out["rules_full_uncertain_as_hypothetical"] = score([r.gold for r in rows], predict_rows(rows, as_hyp.classify),
                                                        skipped)
    if args.medspacy_rules is not None:
        from medspacy_rules import convert, read_medspacy_rules

        medspacy = ContextClassifier(load_rules(convert(read_medspacy_rules(args.medspacy_rules))))
        out["medspacy_rules_full"] = score([r.gold for r in rows], predict_rows(rows, medspacy.classify), skipped)
        out["medspacy_rules_speed"] = rule_speed(medspacy)

    if not args.no_metacat:
        from dataclasses import replace

        from coding_toolkit.concepts.metacat import train_meta_on_rows

        merged = list(test_pred)
        out["metacat_train_s"] = {}
        for task in TASKS:
            if len({r.gold[task] for r in train}) < 2:
                continue
            t0 = time.perf_counter()
            model = train_meta_on_rows([(r.sentence, r.start, r.end, r.gold[task]) for r in train], task,
                                       epochs=args.epochs)
            out["metacat_train_s"][task] = round(time.perf_counter() - t0, 1)
            values = model.predict([(r.sentence, r.start, r.end) for r in test])
            merged = [replace(p, **{task: v}) for p, v in zip(merged, values)]
        out["metacat_test_half"] = score([r.gold for r in test], merged)

    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"rules, whole dev set ({out['rules_full']['n']} spans, {skipped} skipped):")
    print("  ", json.dumps(_brief(out["rules_full"])))
    print("  possibility as Hypothetical (rules v3 convention):",
          json.dumps(_brief(out["rules_full_uncertain_as_hypothetical"])))
    if "medspacy_rules_full" in out:
        print("  medspaCy 1.3.1 default rules in this engine (no sections):", json.dumps(_brief(out["medspacy_rules_full"])),
              "speed", json.dumps(out["medspacy_rules_speed"]))
    cv = out["cv_by_report"]
    print(f"cross-validated by report, {args.folds} folds of whole reports {cv['rows_per_fold']} rows:")
    print("   pooled", json.dumps(cv["pooled"]))
    print("   per-fold F1 mean/min/max", json.dumps(cv["spread"]))
    print(f"folds {unread} (scored apart: not read while writing the v3 cues, {len(unread_rows)} spans):")
    print("  ", json.dumps(out["unread_folds"]["rules"]))
    print(f"held-out half ({len(test)} spans; train half {len(train)}):")
    print("  rules   ", json.dumps(_brief(out["rules_test_half"])))
    if "metacat_test_half" in out:
        print("  MetaCAT ", json.dumps(_brief(out["metacat_test_half"])), "train s:", out["metacat_train_s"])
    print("rule speed:", json.dumps(out["speed"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
