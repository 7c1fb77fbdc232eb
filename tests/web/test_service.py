"""``coding-toolkit serve`` on a real loopback port, driven by a real HTTP client (httpx)."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import require_module
from tests.web.live_server import LiveServer, live_server

httpx = require_module("httpx", "service")
require_module("fastapi", "service")
require_module("uvicorn", "service")

TOKEN = "s3cret-token-for-tests-0123456789"
# MedCATservice's documented examples (its README): one document, and a bulk of two
MEDCAT_EXAMPLE = {"content": {"text": "The patient was diagnosed with leukemia."}}
MEDCAT_BULK_EXAMPLE = {"content": [{"text": "The patient was diagnosed with leukemia."},
                                   {"text": "The patient was diagnosed with cancer."}]}
ENTITY_FIELDS = {"pretty_name", "cui", "type_ids", "source_value", "detected_name", "acc",
                 "context_similarity", "start", "end", "id", "meta_anns"}


def _notes(path):
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def server(tiny_pack, tmp_path_factory):
    log = tmp_path_factory.mktemp("serve") / "server.log"
    with live_server(["serve", "--pack", str(tiny_pack)], log) as s:
        yield s


@pytest.fixture(scope="module")
def secured(tiny_pack, tmp_path_factory):
    """Token required, short notes only (2,000 characters; body limit 8 KiB)."""
    folder = tmp_path_factory.mktemp("serve-secured")
    token_file = folder / "token"
    token_file.write_text(TOKEN + "\n")
    token_file.chmod(0o600)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with live_server(["serve", "--pack", str(tiny_pack), "--token-file", str(token_file),
                      "--max-note-chars", "2000", "--max-body-bytes", "8192"],
                     folder / "server.log", headers=auth) as s:
        s.auth = auth
        yield s


@pytest.fixture(scope="module")
def annotate_lines(tiny_pack, fixture_notes, tmp_path_factory):
    """What ``coding-toolkit annotate`` writes for the fixture notes, by note id."""
    out = tmp_path_factory.mktemp("annotate") / "out.jsonl"
    subprocess.run([sys.executable, "-m", "coding_toolkit", "annotate", str(fixture_notes), "--pack",
                    str(tiny_pack), "--out", str(out), "--no-progress"], check=True, capture_output=True)
    lines = out.read_bytes().splitlines()
    return {json.loads(line)["note_id"]: line for line in lines}


def test_info_names_versions_pack_and_map(server, tiny_pack):
    info = httpx.get(server.url + "/api/info").json()
    pack_json = json.loads((tiny_pack / "pack.json").read_text())
    assert info["service_app_name"] == "coding-toolkit"
    assert info["pack_hash"] == pack_json["content_hash"]
    assert info["medcat_version"] == pack_json["versions"]["medcat"] == info["service_version"]
    assert info["toolkit_version"] == pack_json["versions"]["coding_toolkit"]
    assert info["map_release"]
    assert set(info["model_card_info"]) >= {"ontologies", "meta_cat_model_names", "model_last_modified_on"}
    assert info["illustrative"] is False and "warning" not in info


def test_medcatservice_documented_examples_have_its_shapes(server):
    r = httpx.post(server.url + "/api/process", json=MEDCAT_EXAMPLE)
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"result", "medcat_info"}
    result = body["result"]
    assert result["text"] == MEDCAT_EXAMPLE["content"]["text"]
    assert result["success"] is True and isinstance(result["annotations"], list)
    assert isinstance(result["annotations"][0], dict)
    assert {"timestamp", "elapsed_time"} <= set(result)
    assert set(body["medcat_info"]) >= {"service_app_name", "service_language", "service_version", "service_model"}

    bulk = httpx.post(server.url + "/api/process_bulk", json=MEDCAT_BULK_EXAMPLE).json()
    assert [r["text"] for r in bulk["result"]] == [d["text"] for d in MEDCAT_BULK_EXAMPLE["content"]]
    assert all(r["success"] is True for r in bulk["result"])
    assert bulk["medcat_info"] == body["medcat_info"]


def test_process_entities_carry_medcat_fields_and_our_additions(server, annotate_lines, fixture_notes):
    note = next(n for n in _notes(fixture_notes) if n["note_id"] == "n03")  # heart failure; no pneumonia
    record = json.loads(annotate_lines["n03"])
    r = httpx.post(server.url + "/api/process",
                   json={"content": {"text": note["text"], "footer": {"doc_id": 7}}}).json()["result"]
    entities = r["annotations"][0]
    assert list(entities) == [str(i) for i in range(len(record["mentions"]))]
    for key, ent in entities.items():
        m = record["mentions"][int(key)]
        assert ENTITY_FIELDS <= set(ent)
        assert (ent["cui"], ent["start"], ent["end"], ent["source_value"]) == (m["sctid"], m["start"], m["end"],
                                                                             m["text"])
        assert note["text"][ent["start"]:ent["end"]] == ent["source_value"]
        assert ent["meta_anns"]["negation"]["value"] == m["meta"]["negation"]
        assert (ent["status"], ent["reason"]) == (m["status"], m["reason"])
    assert any(e["status"] == "filtered" and e["reason"] == "negated" for e in entities.values())
    assert r["suggestions"] == record["suggestions"]
    assert r["footer"] == {"doc_id": 7}
    # MedCATservice's meta_anns_filters keeps only the named values
    kept = httpx.post(server.url + "/api/process", json={
        "content": {"text": note["text"]}, "meta_anns_filters": [["negation", ["Affirmed"]]]}).json()
    assert kept["result"]["annotations"][0]
    assert all(e["meta_anns"]["negation"]["value"] == "Affirmed" for e in kept["result"]["annotations"][0].values())
    assert len(kept["result"]["annotations"][0]) < len(entities)


def test_blank_documents_succeed_without_annotations_like_medcatservice(server):
    one = httpx.post(server.url + "/api/process", json={"content": {"text": "   "}}).json()["result"]
    assert one["success"] is True and one["annotations"] == [{}] and one["suggestions"] == []
    bulk = httpx.post(server.url + "/api/process_bulk", json={"content": [{"text": ""}, {"text": "heart failure"}]})
    first, second = bulk.json()["result"]
    assert first["annotations"] == [{}] and second["annotations"][0]


def test_suggest_is_byte_for_byte_the_annotate_record(server, annotate_lines, fixture_notes):
    notes = _notes(fixture_notes)
    for n in notes:
        r = httpx.post(server.url + "/api/suggest", json={"note": {"note_id": n["note_id"], "text": n["text"]}})
        assert r.status_code == 200
        assert r.content == annotate_lines[n["note_id"]], n["note_id"]
    payload = {"notes": [{"note_id": n["note_id"], "text": n["text"]} for n in notes]}
    ndjson = httpx.post(server.url + "/api/suggest", json=payload, headers={"Accept": "application/x-ndjson"})
    assert ndjson.content.splitlines() == [annotate_lines[n["note_id"]] for n in notes]
    listed = httpx.post(server.url + "/api/suggest", json=payload).json()
    assert [json.dumps(x, sort_keys=True) for x in listed["results"]] == [
        json.dumps(json.loads(annotate_lines[n["note_id"]]), sort_keys=True) for n in notes]


def test_suggest_cds_summary_is_per_episode(server):
    notes = [{"note_id": "a1", "episode_id": "E1", "text": "Impression: heart failure."},
             {"note_id": "a2", "episode_id": "E1", "text": "Essential hypertension, well controlled."},
             {"note_id": "b1", "episode_id": "E2", "text": "Exacerbation of asthma."},
             {"note_id": "b2", "episode_id": "E2", "text": ""}]
    body = httpx.post(server.url + "/api/suggest", json={"notes": notes, "cds": True}).json()
    assert [r["note_id"] for r in body["results"]] == ["a1", "a2", "b1"]
    assert body["rejected"] == [{"index": 3, "note_id": "b2", "field": "notes[3].text", "category": "empty",
                                 "reason": "empty note text; fix: remove the row or give it text"}]
    rows = {row["EPISODE_ID"]: row for row in body["cds"]["rows"]}
    assert set(rows) == {"E1", "E2"} and rows["E1"]["NOTE_IDS"] == "a1;a2"
    e1_codes = {s["code"] for r in body["results"][:2] for s in r["suggestions"] if s["system"] == "ICD-10"}
    row_codes = {v for k, v in rows["E1"].items() if "DIAGNOSIS" in k and v}
    assert row_codes == e1_codes and len(e1_codes) >= 2


def test_suggest_rejects_a_repeated_note_id_as_annotate_does(server):
    from coding_toolkit.bulk.runner import DUPLICATE_ID_REASON

    notes = [{"note_id": "a1", "episode_id": "E1", "text": "Impression: heart failure."},
             {"note_id": "a1", "episode_id": "E1", "text": "Impression: heart failure."},
             {"note_id": "a2", "episode_id": "E1", "text": "Exacerbation of asthma."}]
    body = httpx.post(server.url + "/api/suggest", json={"notes": notes, "cds": True}).json()
    assert [r["note_id"] for r in body["results"]] == ["a1", "a2"]
    assert body["rejected"] == [{"index": 1, "note_id": "a1", "field": "notes[1].note_id",
                                 "category": "duplicate note_id", "reason": DUPLICATE_ID_REASON}]
    assert body["cds"]["rows"][0]["NOTE_IDS"] == "a1;a2", "the CDS row names each note once"


def test_validation_errors_name_the_field_and_never_echo_text(server):
    secret = "Zebediah Quuxley attended with heart failure"
    cases = [({"content": {"txt": secret}}, "content.text"),
             ({"content": {"text": 12345}}, "content.text"),
             ({"contents": [secret]}, "content")]
    for payload, field in cases:
        r = httpx.post(server.url + "/api/process", json=payload)
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == field
        assert "Zebediah" not in r.text and "Traceback" not in r.text
    bad_json = httpx.post(server.url + "/api/process", content=b'{"content": {"text": "Zebediah',
                          headers={"Content-Type": "application/json"})
    assert bad_json.status_code == 422 and "not valid JSON" in bad_json.json()["detail"]
    assert "Zebediah" not in bad_json.text
    r = httpx.post(server.url + "/api/suggest", json={"note": {"note_id": "x", "text": "a"}, "notes": []})
    assert r.status_code == 422 and "exactly one of 'note'" in r.text
    r = httpx.post(server.url + "/api/suggest", json={"note": {"note_id": "", "text": secret}})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "note.note_id"
    httpx.post(server.url + "/api/process", json={"content": {"text": secret}})
    assert "Zebediah" not in server.log_text()


def test_token_is_required_and_checked(secured):
    url = secured.url + "/api/process"
    assert httpx.post(url, json=MEDCAT_EXAMPLE).status_code == 401
    wrong = httpx.post(url, json=MEDCAT_EXAMPLE, headers={"Authorization": "Bearer " + TOKEN[:-1] + "X"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"].startswith("Bearer")
    assert httpx.get(secured.url + "/api/info").status_code == 401
    assert httpx.post(url, json=MEDCAT_EXAMPLE, headers=secured.auth).status_code == 200


def test_body_and_note_limits_give_413(secured):
    url = secured.url + "/api/process"
    big = {"content": {"text": "heart failure. " * 1000}}  # over 8 KiB
    r = httpx.post(url, json=big, headers=secured.auth)
    assert r.status_code == 413 and "--max-body-bytes" in r.json()["detail"]

    def chunks():  # no Content-Length: the stream is counted as it arrives
        yield b'{"content": {"text": "'
        for _ in range(20):
            yield b"x" * 1000
        yield b'"}}'
    r = httpx.post(url, content=chunks(), headers={**secured.auth, "Content-Type": "application/json"})
    assert r.status_code == 413
    long_note = {"content": {"text": "asthma " * 400}}  # 2,800 characters, under the body limit
    r = httpx.post(url, json=long_note, headers=secured.auth)
    assert r.status_code == 413 and "over the limit of 2,000" in r.json()["detail"]
    bulk = httpx.post(secured.url + "/api/process_bulk", headers=secured.auth,
                      json={"content": [long_note["content"], {"text": "asthma"}]}).json()["result"]
    assert bulk[0]["success"] is False and "content[0].text" in bulk[0]["errors"][0]
    assert bulk[1]["success"] is True


def test_fifty_concurrent_clients_each_get_their_own_result(server):
    texts = [f"Note {i}: {'heart failure' if i % 2 else 'essential hypertension'} noted on day {i}."
             for i in range(50)]

    def one(i):
        with httpx.Client(timeout=120) as client:
            r = client.post(server.url + "/api/suggest", json={"note": {"note_id": f"c{i}", "text": texts[i]}})
            return i, r.status_code, r.json()

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(one, range(50)))
    for i, status, body in results:
        assert status == 200 and body["note_id"] == f"c{i}"
        names = {m["text"].lower() for m in body["mentions"]}
        assert names == ({"heart failure"} if i % 2 else {"essential hypertension"}), i
        assert all(texts[i][m["start"]:m["end"]] == m["text"] for m in body["mentions"])


def _wait_until_in_progress(url: str, done: threading.Event) -> dict:
    """Poll /api/info until it reports an annotating request in progress (the server's own count, so
    no sleep has to guess when a request arrived); fails if that request finished first."""
    while not done.is_set():
        info = httpx.get(url + "/api/info", timeout=30).json()
        if info["requests_in_progress"] >= 1:
            return info
    raise AssertionError("the request finished before /api/info saw it in progress")


def test_a_slow_request_does_not_block_info(server):
    bulk = {"content": [{"text": "Impression: heart failure. Known asthma. " * 200} for _ in range(40)]}
    done = threading.Event()
    out = {}

    def slow():
        out["r"] = httpx.post(server.url + "/api/process_bulk", json=bulk, timeout=300)
        done.set()

    thread = threading.Thread(target=slow)
    thread.start()
    try:
        # /api/info answered while the server itself counted the bulk request as in progress:
        # it was not queued behind it (an answer after the bulk would report 0)
        assert _wait_until_in_progress(server.url, done)["requests_in_progress"] == 1
    finally:
        thread.join()
    assert out["r"].status_code == 200 and len(out["r"].json()["result"]) == 40
    assert httpx.get(server.url + "/api/info").json()["requests_in_progress"] == 0


def test_sigterm_drains_in_flight_requests(tiny_pack, tmp_path):
    s = LiveServer(["serve", "--pack", str(tiny_pack)], tmp_path / "server.log")
    bulk = {"content": [{"text": "Impression: heart failure. Known asthma. " * 200} for _ in range(30)]}
    out = {}
    done = threading.Event()

    def post():
        out["r"] = httpx.post(s.url + "/api/process_bulk", json=bulk, timeout=300)
        done.set()

    thread = threading.Thread(target=post)
    try:
        thread.start()
        _wait_until_in_progress(s.url, done)  # SIGTERM only once the request is being processed
        s.terminate()
        thread.join(240)
        assert out["r"].status_code == 200 and len(out["r"].json()["result"]) == 30
        # uvicorn exits by re-raising the signal once drained (a clean stop for systemd)
        assert s.proc.wait(60) in (0, -signal.SIGTERM)
        with pytest.raises(httpx.TransportError):
            httpx.get(s.url + "/api/info", timeout=5)
    finally:
        s.stop()


def test_each_worker_loads_the_pack_once(tiny_pack, tmp_path):
    with live_server(["serve", "--pack", str(tiny_pack), "--workers", "2"], tmp_path / "server.log") as s:
        seen: dict[int, set[str]] = {}
        for i in range(400):  # until both workers answered (the kernel spreads new connections)
            with httpx.Client() as client:  # a new connection each time
                info = client.get(s.url + "/api/info").json()
                client.post(s.url + "/api/process", json={"content": {"text": "heart failure"}})
            seen.setdefault(info["worker_pid"], set()).add(info["pack_loaded_at"])
            if len(seen) == 2 and i >= 40:
                break
        assert s.proc.pid not in seen and len(seen) == 2, seen  # two workers, neither the parent
        assert all(len(loaded) == 1 for loaded in seen.values())  # each loaded its pack once


def test_non_loopback_bind_needs_a_token_or_explicit_opt_out(tmp_path):
    r = subprocess.run([sys.executable, "-m", "coding_toolkit", "serve", "--host", "0.0.0.0"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "--token-file" in r.stderr and "--insecure-no-auth" in r.stderr
    weak = tmp_path / "weak"
    weak.write_text("short\n")
    r = subprocess.run([sys.executable, "-m", "coding_toolkit", "serve", "--host", "0.0.0.0", "--token-file",
                        str(weak)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "at least 16 characters" in r.stderr


def test_a_wrong_pack_fails_before_anything_is_announced(tmp_path):
    for args in (["serve"], ["review", "serve", str(tmp_path / "r.jsonl"), "--notes", str(tmp_path / "n.jsonl")]):
        r = subprocess.run([sys.executable, "-m", "coding_toolkit", *args, "--pack", str(tmp_path / "notpack"),
                            "--port", "1"], capture_output=True, text=True, timeout=60)
        assert r.returncode == 2, r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "notpack: model pack folder not found; fix:" in lines[0], r.stderr
        assert "http://" not in r.stderr + r.stdout, "nothing is announced before the pack is checked"


def test_help_does_not_import_the_web_stack():
    code = ("import sys; from click.testing import CliRunner; from coding_toolkit.cli.main import cli;"
            "r = CliRunner().invoke(cli, ['--help']); assert 'serve' in r.output, r.output;"
            "bad = [m for m in ('fastapi', 'uvicorn', 'starlette', 'medcat') if m in sys.modules];"
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_without_the_service_extra_the_web_commands_say_which_extra(tmp_path):
    blocked = ("import sys; sys.modules['fastapi'] = sys.modules['uvicorn'] = None; "
               "from coding_toolkit.cli.main import main; sys.argv = ['coding-toolkit'] + sys.argv[1:]; main()")
    for args in (["serve"], ["review", "serve", str(tmp_path / "r.jsonl"), "--notes", str(tmp_path / "n.jsonl")],
                 ["review", "export", "--db", str(tmp_path / "r.sqlite"), "--out", str(tmp_path / "x.json")]):
        r = subprocess.run([sys.executable, "-c", blocked, *args], capture_output=True, text=True, timeout=60)
        assert r.returncode == 2, (args, r.stderr)
        assert r.stderr.strip().splitlines() == [
            "Error: optional dependency 'fastapi' is not installed; fix: pip install 'coding-toolkit[service]'"], r.stderr
