"""``--rules FILE`` on annotate/serve/evaluate adds to the shipped context rules (as ``context evaluate
--rules`` does): a trust's partial file cannot silently switch off the shipped negation, and the
output names the file it added (session 8: a new user's run with the example rule file coded a
negated diagnosis and a family history as the patient's)."""
from __future__ import annotations

import json
from pathlib import Path

from coding_toolkit.pipeline import Pipeline
from coding_toolkit.records import Note

EXAMPLE_RULES = Path(__file__).resolve().parents[2] / "examples" / "context_kit_convention.json"
TEXT = "No evidence of pneumonia. Screened out for asthma. Impression: heart failure."


def _decisions(pipeline) -> dict[str, str]:
    result = pipeline.process(Note(note_id="n", text=TEXT))
    return {m.mention.text.lower(): m.decision.status for m in result.mentions}, result.provenance


def test_a_rules_file_adds_to_the_shipped_rules(tiny_pack, tmp_path):
    plain, prov = _decisions(Pipeline.from_pack(tiny_pack))
    assert plain["pneumonia"] == "filtered" and "context_rules_added" not in prov
    extra = tmp_path / "trust_rules.json"  # a cue of the trust's own, nothing else
    extra.write_text(json.dumps({"rules": [{"literal": "screened out for", "category": "NEGATED_EXISTENCE",
                                            "direction": "FORWARD"}]}), encoding="utf-8")
    added, prov = _decisions(Pipeline.from_pack(tiny_pack, rules_path=str(extra)))
    assert added["pneumonia"] == "filtered"  # the shipped negation still applies
    assert added["asthma"] == "filtered" and plain["asthma"] == "kept"  # and the trust's cue too
    assert added["heart failure"] == "kept"
    assert prov["context_rules_added"] == [{"file": "trust_rules.json",
                                            "sha256": prov["context_rules_added"][0]["sha256"]}]
    assert len(prov["context_rules_added"][0]["sha256"]) == 16


def test_the_shipped_example_rule_file_keeps_negation(tiny_pack):
    added, prov = _decisions(Pipeline.from_pack(tiny_pack, rules_path=str(EXAMPLE_RULES)))
    assert added["pneumonia"] == "filtered"
    assert [a["file"] for a in prov["context_rules_added"]] == [EXAMPLE_RULES.name]
