"""Evaluation: span+SCTID matching, per concept, and code level through the pack's maps."""
from __future__ import annotations

from collections import Counter, defaultdict

from coding_toolkit.concepts.evaluate import evaluate, prf, score_sets


def test_prf_and_score_sets():
    counts = defaultdict(Counter)
    score_sets({(0, 3, "a"), (5, 9, "b")}, {(0, 3, "a"), (5, 8, "b"), (10, 12, "c")}, counts)
    assert counts["__all__"] == Counter(tp=1, fp=2, fn=1)
    assert counts["b"] == Counter(fp=1, fn=1)
    assert prf(1, 2, 1) == {"precision": 0.3333, "recall": 0.5, "f1": 0.4, "tp": 1, "fp": 2, "fn": 1}
    assert prf(0, 0, 0)["f1"] == 0.0


def _doc(text, anns, name="d"):
    return {"name": name, "text": text, "annotations": [
        {"start": text.index(v), "end": text.index(v) + len(v), "cui": c, "value": v, **extra}
        for v, c, extra in anns]}


def test_evaluate_concepts_and_codes(loaded_pack):
    text = "Heart attack last year. Laparoscopic appendicectomy. HTN."
    export = {"projects": [{"name": "p", "documents": [_doc(text, [
        ("Heart attack", "22298006", {}),
        ("appendicectomy", "80146002", {}),
        ("HTN", "38341003", {}),                      # missed by the untrained pack
        ("last year", "84114007", {"correct": False}),  # rejected: not gold
    ])]}]}
    result = evaluate(loaded_pack, export)
    assert result["concepts"] == {"precision": 1.0, "recall": 0.6667, "f1": 0.8, "tp": 2, "fp": 0, "fn": 1}
    assert result["per_concept"]["38341003"]["fn"] == 1
    assert result["per_concept"]["22298006"]["name"] == "Myocardial infarction"
    # I21.9 and the appendicectomy OPCS code found; hypertension's I10X missed
    assert result["codes"]["OPCS-4"]["tp"] == 1
    assert result["codes"]["ICD-10"]["tp"] == 1 and result["codes"]["ICD-10"]["fn"] >= 1
    assert result["pack"]["hash"] == loaded_pack.hash


def test_project_cui_filter_limits_scored_predictions(loaded_pack):
    text = "Heart attack and asthma."
    export = {"projects": [{"name": "p", "cuis": "22298006", "documents": [_doc(text, [
        ("Heart attack", "22298006", {})])]}]}
    assert evaluate(loaded_pack, export)["concepts"]["fp"] == 0


def test_evaluate_toy_export(loaded_pack, mct_export):
    result = evaluate(loaded_pack, mct_export)
    assert result["documents"] == 24 and result["gold_annotations"] == 65
    assert result["concepts"]["precision"] == 1.0 and 0.4 < result["concepts"]["recall"] < 0.8
