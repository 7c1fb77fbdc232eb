"""The coding rules on the example notes the issue names, through the real starter pack and CDS sink."""
from __future__ import annotations

import csv
import json

import pytest

from coding_toolkit.records import Note
from coding_toolkit.resources import data_path

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def results():
    from coding_toolkit.pipeline import Pipeline

    pipeline = Pipeline.from_pack(None)  # the starter pack (built into the cache on first use)
    notes = [json.loads(line) for line in data_path("examples", "notes.jsonl").read_text("utf-8").splitlines()]
    return {n["note_id"]: pipeline.process(Note(n["note_id"], n["text"], n["episode_id"])) for n in notes}


def _icd(result):
    return [s.code for s in result.suggestions if s.system == "ICD-10"]


def _mention(result, text):
    return next(am for am in result.mentions if am.mention.text == text)


def test_n009_fall_is_secondary_and_resolved_delirium_is_coded(results):
    r = results["N009"]
    assert _icd(r)[:2] == ["S720", "W190"]  # "mechanical fall at home": place of occurrence .0 home
    fall = next(s for s in r.suggestions if s.code == "W190")
    assert fall.chosen_because == "stated in the note: 'at home' (at home)"
    delirium = _mention(r, "delirium")
    assert delirium.decision.status == "kept" and delirium.labels.temporality == "Resolved"
    assert "F059" in _icd(r)


def test_n033_acute_confusion_resolved_is_kept_and_the_fall_never_primary(results):
    r = results["N033"]
    assert _mention(r, "Acute confusion").decision.status == "kept"
    assert _icd(r)[0] == "J22X" and next(s for s in r.suggestions if s.code == "W199").never_primary


def test_n010_heading_is_a_service_name_not_the_primary(results):
    r = results["N010"]
    assert _mention(r, "Stroke").decision.reason == "service name"
    assert _icd(r)[0] == "I639" and "I64X" not in _icd(r)


def test_n005_type_2_retinopathy(results):
    r = results["N005"]
    assert _icd(r)[:2] == ["E113D", "H360A"] and not {"E143D", "E119"} & set(_icd(r))
    assert "type 2 diabetes" in r.suggestions[0].chosen_because


def test_every_starter_suggestion_has_a_title(results):
    assert all(s.title for r in results.values() for s in r.suggestions)


def test_cds_primary_follows_the_ranking(results, tmp_path):
    from coding_toolkit.io.sinks import open_sink

    out = tmp_path / "cds.csv"
    sink = open_sink("cds", out)
    sink.open()
    sink.write(list(results.values()))
    sink.close()
    with open(out, newline="", encoding="utf-8") as fh:
        rows = {row["NOTE_ID"]: row for row in csv.DictReader(fh)}
    for note_id, r in results.items():
        icd = [s for s in r.suggestions if s.system == "ICD-10"]
        expected = icd[0].code if icd and icd[0].never_primary is None else ""
        assert rows[note_id]["PRIMARY DIAGNOSIS (ICD)"] == expected, note_id
    assert rows["N009"]["PRIMARY DIAGNOSIS (ICD)"] == "S720"


def test_docs_coders_heart_failure_alternatives_are_what_the_tool_prints():
    from pathlib import Path

    from coding_toolkit.pipeline import Pipeline

    result = Pipeline.from_pack(None).process(Note("hf", "Impression: heart failure."))
    hf = next(s for s in result.suggestions if s.code == "I509")
    listed = ", ".join(a.display or a.code for a in hf.alternatives)
    coders = (Path(__file__).resolve().parents[2] / "docs" / "coders.md").read_text(encoding="utf-8")
    assert f"suggests **{hf.display}** and lists as alternatives, in this order:\n{listed}\n" in coders, listed


def test_docs_starter_figures_are_what_the_starter_pack_scores():
    import importlib.util
    from pathlib import Path

    from coding_toolkit.concepts.starter import starter_pack_path

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("bench_starter_recall", root / "benchmarks" / "bench_starter_recall.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    entry = bench.score_pack(starter_pack_path())
    page = (root / "docs" / "starter.md").read_text(encoding="utf-8")
    rows = {line.split(" | ")[0].lstrip("| "): line for line in page.splitlines() if line.startswith("| ")}
    for label, keys in bench.DOC_ROWS:
        assert rows[label].endswith(f"| {bench.doc_value(entry, keys)} |"), (label, rows[label], entry)
