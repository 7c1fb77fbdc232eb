"""The shipped starter data: GPS table, NOTICE, illustrative RF2 map release, example notes and gold."""
from __future__ import annotations

import csv
import json
import re

import pytest

from coding_toolkit.concepts.starter import ILLUSTRATIVE_RELEASE, starter_inputs
from coding_toolkit.resources import data_path

MAP_HEADER = ["id", "effectiveTime", "active", "moduleId", "refsetId", "referencedComponentId", "mapGroup",
              "mapPriority", "mapRule", "mapAdvice", "mapTarget", "correlationId", "mapBlock"]
ICD10, OPCS411 = "999002271000000101", "1891651000000103"
ICD_TARGET = re.compile(r"^[A-Z]\d{2}([0-9X]([0-9]|-)?[DA]?)?$")
OPCS_TARGET = re.compile(r"^[A-Z]\d{3}$")
KEPT_TAGS = {"disorder", "finding", "procedure", "situation", "regime/therapy", "event", "organism"}


@pytest.fixture(scope="module")
def map_rows() -> list[list[str]]:
    files = list(data_path("mappings", "illustrative", ILLUSTRATIVE_RELEASE).glob(
        "Snapshot/Refset/Map/der2_iisssciRefset_ExtendedMapUKCLSnapshot_GB1000000_*.txt"))
    assert len(files) == 1
    raw = files[0].read_bytes()
    assert b"\r\n" in raw and raw.count(b"\n") == raw.count(b"\r\n"), "RF2 files use CRLF line ends"
    lines = raw.decode("utf-8").split("\r\n")
    assert lines[-1] == ""
    rows = [line.split("\t") for line in lines[:-1]]
    assert rows[0] == MAP_HEADER
    return rows[1:]


@pytest.fixture(scope="module")
def gold() -> dict:
    return json.loads(data_path("examples", "gold.json").read_text(encoding="utf-8"))["notes"]


@pytest.fixture(scope="module")
def notes() -> dict:
    lines = data_path("examples", "notes.jsonl").read_text(encoding="utf-8").splitlines()
    return {n["note_id"]: n for n in map(json.loads, filter(None, lines))}


def test_gps_table_shape_and_tags():
    path = data_path("model_packs", "gps_concepts.tsv")
    assert path.stat().st_size < 2_000_000
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert len(rows) == 20376
    assert {r["semantic_tag"] for r in rows} == KEPT_TAGS
    for r in rows:
        assert r["sctid"].isdigit()
        assert r["fsn"] == f"{r['term']} ({r['semantic_tag']})"
    assert {"22298006", "84114007", "6025007"} <= {r["sctid"] for r in rows}


def test_notice_carries_the_verbatim_attribution():
    text = data_path("model_packs", "NOTICE").read_text(encoding="utf-8")
    assert "Creative Commons Attribution 4.0 International Public License" in text
    assert "SNOMED CT is © and ® SNOMED International" in text
    assert "hl7.terminology.r4@7.0.1" in text


def test_regenerate_script_rejects_wrong_package(tmp_path):
    import subprocess
    import sys

    bogus = tmp_path / "ValueSet-snomed-intl-gps.json"
    bogus.write_text(json.dumps({"url": "x", "version": "1", "copyright": "c",
                                 "compose": {"include": [{"concept": [{"code": "1", "display": "A (disorder)"}]}]}}))
    script = data_path("model_packs", "regenerate_gps.py")
    done = subprocess.run([sys.executable, str(script), str(tmp_path), "--out", str(tmp_path)],
                          capture_output=True, text=True)
    assert done.returncode != 0 and "expected 26158 GPS concepts, found 1" in done.stderr


def test_illustrative_release_is_labelled():
    folder = starter_inputs()["map_release"]
    assert "Illustrative" in folder.name
    readme = data_path("mappings", "illustrative", "README.md").read_text(encoding="utf-8")
    assert "ILLUSTRATIVE" in readme and "not the NHS map" in readme and "not for clinical use" in readme


def test_map_rows_are_well_formed(map_rows, gps_ids):
    assert len(map_rows) >= 150
    ids = set()
    for row in map_rows:
        assert len(row) == 13
        ids.add(row[0])
        assert row[2] == "1" and row[1] == "20260101"
        assert row[4] in (ICD10, OPCS411)
        assert row[5] in gps_ids, f"{row[5]} is not a GPS concept"
        assert row[6].isdigit() and row[7].isdigit() and row[12].isdigit()
        assert row[9], "every row has map advice"
        target = row[10]
        if target != "#NIS":
            assert (ICD_TARGET if row[4] == ICD10 else OPCS_TARGET).match(target), target
    assert len(ids) == len(map_rows), "row ids are unique"


def test_map_has_the_required_shapes(map_rows):
    targets = {r[10] for r in map_rows}
    assert "#NIS" in targets
    assert any(t.endswith("D") for t in targets) and any(t.endswith("A") for t in targets)
    by_group: dict[tuple, list[int]] = {}
    for r in map_rows:
        by_group.setdefault((r[4], r[5], r[12], r[6]), []).append(int(r[7]))
    assert any(len(p) >= 3 for (refset, *_), p in by_group.items() if refset == ICD10)
    assert any(len(p) >= 3 for (refset, *_), p in by_group.items() if refset == OPCS411)
    for priorities in by_group.values():
        assert sorted(priorities) == list(range(1, len(priorities) + 1))
    # heart failure: block 1 default is the highest priority, I50.9; blocks 2 and 3 thyrotoxic pairs
    hf = [r for r in map_rows if r[5] == "84114007"]
    block1 = sorted((int(r[7]), r[10]) for r in hf if r[12] == "1" and r[6] == "1")
    assert len(block1) == 16 and block1[-1] == (16, "I509")
    assert {r[12] for r in hf} == {"1", "2", "3"}
    # a dagger code in group 1 and its asterisk partner in group 2
    retino = {(r[6], r[10]) for r in map_rows if r[5] == "4855003"}
    assert ("1", "E143D") in retino and ("2", "H360A") in retino


def test_map_release_reads_with_the_release_reader():
    from coding_toolkit.terminology.release import Release

    release = Release(starter_inputs()["map_release"])
    assert release.illustrative is True
    assert len(release.map_files()) == 1


def test_examples_notes(notes):
    assert len(notes) >= 30
    for note in notes.values():
        assert set(note) == {"note_id", "episode_id", "text"}
        assert len(note["text"]) > 200


def _codes_the_rules_add() -> set[str]:
    from coding_toolkit.suggest import CodingRules
    from coding_toolkit.suggest.rule_sections import OpcsLaterality, StatusCodes

    rules = CodingRules.load()
    status = rules.section(StatusCodes)
    tables = status.medications + status.allergies + status.devices
    return ({row[3] for row in status.from_history} | {code for code, _why, _words in tables}
            | {code for _side, code in rules.section(OpcsLaterality).codes})


def test_gold_consistent_with_notes(notes, gold, gps_ids, map_rows):
    assert set(gold) == set(notes)
    targets = {r[10] for r in map_rows}
    added = _codes_the_rules_add()  # history, status and laterality codes (suggest/status_codes.py, laterality.py)
    reasons = set()
    for note_id, entry in gold.items():
        text = notes[note_id]["text"]
        for m in entry["concepts"] + entry["filtered"]:
            assert 0 <= m["start"] < m["end"] <= len(text)
            assert text[m["start"]:m["end"]] == m["text"], (note_id, m)
            assert m["sctid"] in gps_ids
        reasons |= {m["reason"] for m in entry["filtered"]}
        for code in entry["icd10"]:
            assert ICD_TARGET.match(code) and code in targets | added, (note_id, code)
        for code in entry["opcs4"]:
            assert OPCS_TARGET.match(code) and code in targets | added, (note_id, code)
    assert reasons == {"negated", "historical", "hypothetical", "uncertain", "family", "explained", "service name"}
