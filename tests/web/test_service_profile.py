"""``coding-toolkit serve --profile``: the service applies a trust's coding profile as annotate does."""
from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import require_module
from tests.web.live_server import live_server

httpx = require_module("httpx", "service")
require_module("fastapi", "service")


def test_service_applies_the_profile_like_annotate(tiny_pack, fixture_notes, tmp_path):
    from coding_toolkit.evaluation.profile import CodingProfile
    from coding_toolkit.records import CodeSuggestion

    profile = CodingProfile(min_suggested=20)
    chest_pain = CodeSuggestion("ICD-10", "R074", None, None, ("29857009",), (0,), "")
    for _ in range(30):  # suggested for chest pain in 30 episodes, never coded
        profile.count_episode([chest_pain], frozenset())
    path = tmp_path / "profile.json"
    profile.save(path)
    note = next(json.loads(line) for line in fixture_notes.read_text().splitlines() if '"n01"' in line)
    out = tmp_path / "annotated.jsonl"
    notes = tmp_path / "n01.jsonl"
    notes.write_text(json.dumps(note) + "\n")
    subprocess.run([sys.executable, "-m", "coding_toolkit", "annotate", str(notes), "--pack", str(tiny_pack),
                    "--out", str(out), "--profile", str(path), "--no-progress"], check=True, capture_output=True)
    with live_server(["serve", "--pack", str(tiny_pack), "--profile", str(path)], tmp_path / "server.log") as s:
        r = httpx.post(s.url + "/api/suggest", json={"note": {"note_id": "n01", "text": note["text"]}})
    assert r.status_code == 200
    body = r.json()
    assert [x["code"] for x in body["suggestions"]] == ["I219", "I10X"]
    assert next(m for m in body["mentions"] if m["sctid"] == "29857009")["reason"] == "rarely coded here: 0 of 30"
    assert body["provenance"]["coding_profile"]["file"] == "profile.json"
    assert r.content == out.read_bytes().strip()  # the same record annotate writes
