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
