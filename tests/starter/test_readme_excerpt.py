"""README's "real excerpt" of note N005 is what the tool writes for it (it had gone stale: the
excerpt showed the map default E14.3 after the toolkit had learnt to choose E11.3 from the note)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from coding_toolkit.io.serialize import result_to_json
from coding_toolkit.pipeline import Pipeline
from coding_toolkit.records import Note

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _readme_blocks() -> list[dict]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("note N005")
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", text[start:], re.S)[:2]]


def test_the_readme_excerpt_of_n005_is_the_tools_output():
    suggestion, mention = _readme_blocks()
    note = next(json.loads(line) for line in (ROOT / "examples" / "notes.jsonl").read_text(encoding="utf-8").splitlines()
                if json.loads(line)["note_id"] == "N005")
    out = result_to_json(Pipeline.from_pack(None).process(Note(note_id="N005", text=note["text"])))
    actual = next(s for s in out["suggestions"] if s["code"] == suggestion["code"])
    for key, value in suggestion.items():
        if key != "alternatives":
            assert actual[key] == value, key
    assert [{k: a.get(k) for k in shown} for a, shown in zip(actual["alternatives"], suggestion["alternatives"])] == \
        suggestion["alternatives"]
    assert len(actual["alternatives"]) == len(suggestion["alternatives"])
    filtered = next(m for m in out["mentions"] if m["start"] == mention["start"])
    for key in ("end", "text", "sctid", "status", "reason"):
        assert filtered[key] == mention[key], key
    assert {k: filtered["meta"][k] for k in mention["meta"]} == mention["meta"]
