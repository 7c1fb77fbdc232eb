"""MedCATtrainer export validation and the gold/rejected rules."""
from __future__ import annotations

import json

import pytest

from coding_toolkit.concepts.export import (
    is_positive,
    is_rejected,
    load_export,
    project_cuis,
    validate_export,
)
from coding_toolkit.errors import TrainingError


def _export(**ann):
    base = {"start": 0, "end": 5, "cui": "1", "value": "Asthm"}
    base.update(ann)
    return {"projects": [{"name": "p", "documents": [{"id": 7, "name": "d", "text": "Asthma", "annotations": [base]}]}]}


def test_toy_export_loads_and_normalises_list_meta_anns(mct_export):
    data = load_export(mct_export)
    docs = data["projects"][0]["documents"]
    assert len(docs) == 24
    n03 = next(d for d in docs if d["name"] == "n03")
    negated = [a for a in n03["annotations"] if a["meta_anns"]]
    assert negated[0]["meta_anns"]["Negation"]["value"] == "Negated"


@pytest.mark.parametrize("field", ["start", "end", "cui", "value"])
def test_missing_field_names_project_document_annotation(tmp_path, field):
    data = _export()
    del data["projects"][0]["documents"][0]["annotations"][0][field]
    path = tmp_path / "e.json"
    path.write_text(json.dumps(data))
    with pytest.raises(TrainingError) as err:
        load_export(path)
    msg = str(err.value)
    assert str(path) in msg and "project 0 ('p')" in msg and "document 0 (id 7)" in msg
    assert "annotation 0" in msg and f"missing field '{field}'" in msg


def test_structural_errors(tmp_path):
    with pytest.raises(TrainingError, match="'projects'"):
        validate_export({"documents": []})
    with pytest.raises(TrainingError, match="field 'text'"):
        validate_export({"projects": [{"documents": [{"annotations": []}]}]})
    with pytest.raises(TrainingError, match="outside the document text"):
        validate_export(_export(end=50))
    with pytest.raises(TrainingError, match="not valid JSON"):
        (tmp_path / "bad.json").write_text("{")
        load_export(tmp_path / "bad.json")
    with pytest.raises(TrainingError, match="not found"):
        load_export(tmp_path / "missing.json")


def test_positive_and_rejected_rules():
    assert is_positive({"correct": True}) and is_positive({})
    assert not is_positive({"correct": False}) and is_rejected({"correct": False})
    assert not is_positive({"deleted": True}) and is_rejected({"deleted": True})
    assert not is_positive({"killed": True}) and not is_rejected({"killed": True})
    assert not is_positive({"irrelevant": True})
    assert project_cuis({"cuis": "1, 2,,3"}) == {"1", "2", "3"} and project_cuis({}) == set()
