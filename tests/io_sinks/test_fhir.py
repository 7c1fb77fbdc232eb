import base64
import json

from fhir.resources.R4B.bundle import Bundle

from coding_toolkit.io.sinks import open_sink
from coding_toolkit.io.sinks.fhir import SYS, icd_display_code, opcs_display_code
from coding_toolkit.records import NoteResult

from .builders import PROV, note_a, note_b


def _bundles(tmp_path, results, run=None):
    out = tmp_path / "o.ndjson"
    sink = open_sink("fhir", out, run=run)
    sink.open()
    sink.write(results)
    sink.close()
    lines = out.read_text("utf-8").splitlines()
    for line in lines:
        Bundle.model_validate_json(line)  # re-validates what was written
    return [json.loads(x) for x in lines]


def _by_type(bundle, rtype):
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == rtype]


def test_code_display_forms():
    assert [icd_display_code(c) for c in ("I219", "I10X", "E143D", "H360A", "I394 A")] == [
        "I21.9",
        "I10",
        "E14.3",
        "H36.0",
        "I39.4",
    ]
    assert [opcs_display_code(c) for c in ("H019", "A01")] == ["H01.9", "A01"]


def test_bundle_per_note_with_unconfirmed_conditions(tmp_path):
    b = _bundles(tmp_path, [note_a("n1", "E1"), note_b()], run={"started": "2025-01-02T03:04:05+00:00"})
    assert len(b) == 2 and all(x["type"] == "collection" for x in b)
    doc = _by_type(b[0], "DocumentReference")[0]
    assert doc["identifier"][0] == {"system": SYS["note_id"], "value": "n1"}
    assert "data" not in doc["content"][0]["attachment"]  # no note text by default
    conds = {c["code"]["coding"][0]["code"]: c for c in _by_type(b[0], "Condition")}
    assert set(conds) == {"I21.9", "Z76.4", "E14.3", "H36.0"}
    mi = conds["I21.9"]
    assert mi["verificationStatus"]["coding"][0]["code"] == "unconfirmed"
    assert mi["code"]["coding"][0]["system"] == "http://hl7.org/fhir/sid/icd-10"
    assert {"system": "http://snomed.info/sct", "code": "22298006"} in mi["code"]["coding"]
    doc_url = next(
        e["fullUrl"]
        for e in b[0]["entry"]
        if e["resource"] is not None and e["resource"]["resourceType"] == "DocumentReference"
    )
    assert [ev["detail"][0]["reference"] for ev in mi["evidence"]] == [doc_url, doc_url]
    spans = [{x["url"]: x["valueInteger"] for x in ev["extension"][0]["extension"]} for ev in mi["evidence"]]
    assert spans == [{"start": 0, "end": 8}, {"start": 62, "end": 64}]
    assert mi["encounter"]["identifier"]["value"] == "E1"
    assert "Acute MI" not in json.dumps(b[0])  # no patient text unless asked
    proc = _by_type(b[0], "Procedure")[0]
    assert proc["code"]["coding"][0] == {
        "system": "https://fhir.nhs.uk/Id/opcs-4",
        "code": "H01.9",
        "display": "Unspecified emergency excision of appendix",
    }
    assert proc["report"][0]["reference"] == doc_url
    prov = _by_type(b[0], "Provenance")[0]
    assert prov["recorded"].startswith("2025-01-02T03:04:05")
    whats = {e["what"].get("identifier", {}).get("system"): e["what"] for e in prov["entity"]}
    assert whats[SYS["pack_hash"]]["identifier"]["value"] == "sha256:abc123"
    assert whats[SYS["map_release"]]["identifier"]["value"] == "20241120"
    assert len(prov["target"]) == 5  # 4 conditions + 1 procedure


def test_text_and_illustrative_marker_on_request(tmp_path):
    r = note_a()
    r = NoteResult(
        note_id=r.note_id,
        mentions=r.mentions,
        suggestions=r.suggestions,
        provenance={**PROV, "illustrative": True},
        text_hash=r.text_hash,
        text=r.text,
    )
    b = _bundles(tmp_path, [r], run={"fhir_include_text": True})[0]
    data = _by_type(b, "DocumentReference")[0]["content"][0]["attachment"]["data"]
    assert base64.b64decode(data).decode() == r.text
    prov = _by_type(b, "Provenance")[0]
    assert any(
        "ILLUSTRATIVE map, not for clinical use" in e["what"].get("display", "") for e in prov["entity"]
    )


def test_rewrite_is_identical(tmp_path):
    run = {"started": "2025-01-02T03:04:05+00:00"}
    assert _bundles(tmp_path, [note_a()], run=run) == _bundles(tmp_path, [note_a()], run=run)
