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


def test_an_export_of_concepts_the_pack_lacks_is_refused_not_scored_zero(loaded_pack, tmp_path):
    import json

    import pytest
    from click.testing import CliRunner

    from coding_toolkit.cli.main import cli
    from coding_toolkit.errors import TrainingError

    text = "Heart attack. HTN."
    foreign = {"projects": [{"name": "p", "documents": [_doc(text, [("Heart attack", "C0027051", {}),
                                                                     ("HTN", "C0020538", {})])]}]}
    with pytest.raises(TrainingError, match=r"none of its 2 annotated concepts is in the pack .*fix:"):
        evaluate(loaded_pack, foreign)
    path = tmp_path / "foreign.json"
    path.write_text(json.dumps(foreign))
    result = CliRunner().invoke(cli, ["evaluate", "--pack", str(loaded_pack.path), "--export", str(path)])
    assert result.exit_code == 2 and f"Error: {path}: none of its 2 annotated concepts" in result.output
    assert "Heart attack" not in result.output, "never the export's text"
    # one concept of two not in the pack: scored, with a warning that says how many
    half = {"projects": [{"name": "p", "documents": [_doc(text, [("Heart attack", "22298006", {}),
                                                                  ("HTN", "C0020538", {})])]}]}
    path.write_text(json.dumps(half))
    result = CliRunner().invoke(cli, ["evaluate", "--pack", str(loaded_pack.path), "--export", str(path)])
    assert result.exit_code == 0 and "1 of 2 annotated concepts are not in the pack (e.g. C0020538)" in result.output
    assert evaluate(loaded_pack, half)["concepts_not_in_pack"]["new"] == 1


def test_no_gold_codes_is_said_not_scored(loaded_pack, tmp_path):
    import json

    from click.testing import CliRunner

    from coding_toolkit.cli.main import cli

    text = "Fracture of the femur."  # a concept of the pack that maps to no code
    unmapped = next(cui for cui in loaded_pack.cat.cdb.cui2info
                    if not loaded_pack_engine_codes(loaded_pack, cui))
    name = loaded_pack.cat.cdb.get_name(unmapped)
    export = {"projects": [{"name": "p", "documents": [{"name": "d", "text": text + " " + name, "annotations": [
        {"start": len(text) + 1, "end": len(text) + 1 + len(name), "cui": unmapped, "value": name}]}]}]}
    result = evaluate(loaded_pack, export)
    assert "no gold codes" in result["codes_note"]
    path = tmp_path / "e.json"
    path.write_text(json.dumps(export))
    out = CliRunner().invoke(cli, ["evaluate", "--pack", str(loaded_pack.path), "--export", str(path)]).output
    assert "codes: n/a (no gold codes" in out


def loaded_pack_engine_codes(pack, cui):
    from coding_toolkit.concepts.evaluate import pack_engine

    return [r for r in pack_engine(pack).defaults(cui) if r.classifiable]
