"""The model/train/evaluate commands: success paths on the tiny pack and one-line errors (exit 2)."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from coding_toolkit.cli.main import cli


def run(*args):
    result = CliRunner().invoke(cli, list(map(str, args)))
    return result


def assert_one_line_error(result, *fragments):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    error_lines = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(error_lines) == 1, result.output
    for fragment in fragments:
        assert fragment in error_lines[0], result.output


def test_every_command_has_help():
    for args in (["model", "build"], ["model", "info"], ["train", "unsupervised"], ["train", "supervised"],
                 ["train", "meta"], ["evaluate"]):
        result = run(*args, "--help")
        assert result.exit_code == 0 and "Usage" in result.output


def test_model_info_text_and_json(tiny_pack):
    result = run("model", "info", tiny_pack)
    assert result.exit_code == 0, result.output
    assert "SnomedCT_UKClinicalRF2_PRODUCTION_20241120T000001Z" in result.output and "spell check off" in result.output
    data = json.loads(run("model", "info", tiny_pack, "--json").output)
    assert data["counts"]["concepts"] >= 20 and data["provenance"]["versions"]["medcat"]


def test_model_info_errors(tmp_path, pack_copy):
    assert_one_line_error(run("model", "info", tmp_path / "none"), "not found")
    (pack_copy / "maps.sqlite").write_bytes(b"tampered")
    assert_one_line_error(run("model", "info", pack_copy), "content hash mismatch", "fix:")


def test_model_build_errors(tmp_path, rf2_release, fixture_notes):
    assert run("model", "build", tmp_path / "missing", "--out", tmp_path / "o").exit_code == 2  # click usage error
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "f").write_text("x")
    assert_one_line_error(run("model", "build", rf2_release, "--out", busy), "not empty")
    assert_one_line_error(run("model", "build", tmp_path, "--out", tmp_path / "o"), "fix:")  # not a release
    assert_one_line_error(run("model", "build", rf2_release, "--out", tmp_path / "o2", "--notes", fixture_notes,
                              "--text-column", "body"), "'body' not found", "note_id, text", "--text-column")


def test_evaluate_json_and_errors(tiny_pack, mct_export, tmp_path):
    result = run("evaluate", "--pack", tiny_pack, "--export", mct_export, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) >= {"concepts", "per_concept", "codes"} and data["codes"]["ICD-10"]["tp"] > 0
    text = run("evaluate", "--pack", tiny_pack, "--export", mct_export).output
    assert "concepts (span + SCTID)" in text and "codes ICD-10" in text
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"projects": [{"name": "p", "documents": [
        {"id": 1, "text": "Asthma", "annotations": [{"start": 0, "end": 6, "value": "Asthma"}]}]}]}))
    assert_one_line_error(run("evaluate", "--pack", tiny_pack, "--export", bad),
                          "document 0 (id 1) annotation 0", "missing field 'cui'")
    assert_one_line_error(run("evaluate", "--pack", tmp_path / "none", "--export", mct_export), "not found")


def test_train_errors(tiny_pack, mct_export, fixture_notes, tmp_path):
    assert_one_line_error(run("train", "supervised", "--pack", tiny_pack, "--export", tmp_path / "none.json",
                              "--out", tmp_path / "o"), "export file not found")
    assert_one_line_error(run("train", "supervised", "--pack", tiny_pack, "--export", mct_export,
                              "--out", tmp_path / "o", "--test-fraction", "2"), "test_fraction")
    assert_one_line_error(run("train", "unsupervised", "--pack", tiny_pack, "--notes", fixture_notes,
                              "--out", tmp_path / "u", "--text-column", "body"), "'body' not found")
    assert_one_line_error(run("train", "unsupervised", "--pack", tmp_path / "none", "--notes", fixture_notes,
                              "--out", tmp_path / "u"), "not found")


@pytest.mark.slow
def test_train_supervised_prints_before_and_after(tiny_pack, mct_export, tmp_path):
    result = run("train", "supervised", "--pack", tiny_pack, "--export", mct_export, "--out", tmp_path / "s")
    assert result.exit_code == 0, result.output
    assert "before  P" in result.output and "after   P" in result.output
    assert (tmp_path / "s" / "pack.json").exists()


def test_train_supervised_on_a_small_export_trains_on_all_of_it(tiny_pack, mct_export, tmp_path):
    data = json.loads(mct_export.read_text(encoding="utf-8"))
    data["projects"][0]["documents"] = data["projects"][0]["documents"][:1]  # a review of one note
    small = tmp_path / "small.json"
    small.write_text(json.dumps(data), encoding="utf-8")
    result = run("train", "supervised", "--pack", tiny_pack, "--export", small, "--out", tmp_path / "s")
    assert result.exit_code == 0, result.output
    assert "trained on 1 document: " in result.output
    assert "held-out: none; the export has 1 document(s), fewer than 10: all were trained on and no held-out " \
           "score was computed" in result.output
    assert "before  P" not in result.output and (tmp_path / "s" / "pack.json").exists()
    # a held-out share asked for explicitly is kept, and refused when it cannot be made
    assert_one_line_error(run("train", "supervised", "--pack", tiny_pack, "--export", small, "--out",
                              tmp_path / "t", "--test-fraction", "0.2"), "at least 2 documents")


def _export_with_other_cuis(mct_export, path, keep: int):
    """The toy export with all but ``keep`` of its concepts renamed to UMLS-style CUIs (another terminology)."""
    data = json.loads(mct_export.read_text(encoding="utf-8"))
    cuis = sorted({a["cui"] for p in data["projects"] for d in p["documents"] for a in d["annotations"]})
    renamed = {cui: f"C{i:07d}" for i, cui in enumerate(cuis[keep:], start=1)}
    for p in data["projects"]:
        p["cuis"] = ""
        for d in p["documents"]:
            for a in d["annotations"]:
                a["cui"] = renamed.get(a["cui"], a["cui"])
    path.write_text(json.dumps(data), encoding="utf-8")
    return len(cuis), len(renamed)


@pytest.mark.slow
def test_train_supervised_refuses_an_export_of_another_terminology(tiny_pack, mct_export, tmp_path):
    export = tmp_path / "umls.json"
    total, new = _export_with_other_cuis(mct_export, export, keep=1)
    refused = run("train", "supervised", "--pack", tiny_pack, "--export", export, "--out", tmp_path / "s")
    assert_one_line_error(refused, f"{new} of {total} annotated concepts", "not in the pack", "C0000001",
                          "--allow-new-concepts")
    assert not (tmp_path / "s").exists(), "nothing written on refusal"
    allowed = run("train", "supervised", "--pack", tiny_pack, "--export", export, "--out", tmp_path / "s",
                  "--allow-new-concepts")
    assert allowed.exit_code == 0, allowed.output
    assert f"warning: {new} of {total} annotated concepts were not in the pack" in allowed.output
    provenance = json.loads((tmp_path / "s" / "pack.json").read_text(encoding="utf-8"))
    assert provenance["training"][-1]["new_concepts"] == new


@pytest.mark.slow
def test_train_supervised_accepts_a_few_new_concepts(tiny_pack, mct_export, tmp_path):
    export = tmp_path / "mostly_snomed.json"
    data = json.loads(mct_export.read_text(encoding="utf-8"))
    data["projects"][0]["documents"][0]["annotations"][0]["cui"] = "C0000099"  # 1 of 17: a minority
    export.write_text(json.dumps(data), encoding="utf-8")
    result = run("train", "supervised", "--pack", tiny_pack, "--export", export, "--out", tmp_path / "s")
    assert result.exit_code == 0, result.output
    assert "warning: 1 of 17 annotated concepts were not in the pack" in result.output


@pytest.mark.slow
def test_model_info_compare_names_what_differs_in_a_rebuild(tiny_pack, rf2_release, fixture_notes, tmp_path):
    from coding_toolkit.concepts.build import build_pack_from_release

    rebuilt = build_pack_from_release(rf2_release, tmp_path / "rebuilt", notes=fixture_notes)
    same = run("model", "info", tiny_pack, "--compare", tiny_pack, "--json")
    assert same.exit_code == 0, same.output
    assert json.loads(same.output)["compare"] == {"pack": str(tiny_pack), "same_hash": True, "hash_schemes": [2, 2],
                                                  "files": [], "provenance": [], "provenance_hashed": [],
                                                  "provenance_not_hashed": []}
    result = run("model", "info", tiny_pack, "--compare", rebuilt, "--json")
    assert result.exit_code == 0, result.output
    diff = json.loads(result.output)["compare"]
    assert "build.time" in diff["provenance_not_hashed"] and "counts.concepts" not in diff["provenance"]
    assert diff["same_hash"] and diff["files"] == [] and diff["provenance_hashed"] == []  # issue 17 item 10
    text = run("model", "info", tiny_pack, "--compare", rebuilt).output
    assert "compare" in text and "build.time" in text
