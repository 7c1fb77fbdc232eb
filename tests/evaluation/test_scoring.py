"""The scoring on a case computed by hand (docs/evaluation.md, "How the scores are computed")."""
from __future__ import annotations

import pytest

from coding_toolkit.evaluation.coded import read_coded
from coding_toolkit.evaluation.scoring import Scorer
from coding_toolkit.records import Alternative, CodeSuggestion, NoteResult


def _s(system, code, rank, *, confidence=0.9, alternatives=(), kind=None, never_primary=None, sctid="1"):
    return CodeSuggestion(system=system, code=code, display=None, title=None, sctids=(sctid,), evidence=(0,),
                          advice="", alternatives=tuple(Alternative(code=a) for a in alternatives),
                          confidence=confidence, kind=kind, rank=rank, never_primary=never_primary)


def _note(note_id, episode, *suggestions):
    return NoteResult(note_id=note_id, episode_id=episode, mentions=(), suggestions=suggestions, provenance={})


@pytest.fixture
def coded(tmp_path):
    path = tmp_path / "coded.csv"
    path.write_text("episode_id,system,position,code\n"
                    "A,ICD-10,1,E11.3†\nA,ICD-10,2,H36.0*\nA,OPCS-4,1,H01.9\n"
                    "B,ICD-10,1,I21.9\nB,ICD-10,2,I10\n", encoding="utf-8")
    return read_coded(path)


def test_hand_computed_case(coded):
    scorer = Scorer()
    # A: E14.3† (alternative E11.3†) and its asterisk H36.0*, a symptom, a procedure
    a = scorer.add(coded.episodes["A"], [_note("a1", "A",
        _s("ICD-10", "E143D", 1, kind="dagger", alternatives=("E103D", "E113D")),
        _s("ICD-10", "H360A", 2, kind="asterisk", never_primary="asterisk"),
        _s("ICD-10", "R060", 3, sctid="2"),
        _s("OPCS-4", "H019", 1, sctid="3"))])
    assert a == {"tp": {("ICD-10", "H360"), ("OPCS-4", "H019")}, "fp": {("ICD-10", "E143"), ("ICD-10", "R060")},
                 "fn": {("ICD-10", "E113")}, "alt": {("ICD-10", "E113")}}
    # B: two notes; the episode ranks the more confident I21.9 first
    scorer.add(coded.episodes["B"], [_note("b1", "B", _s("ICD-10", "I10X", 1, confidence=0.5, sctid="4")),
                                     _note("b2", "B", _s("ICD-10", "I219", 1, confidence=0.95, sctid="5"))])
    result = scorer.result()
    # tp 4 (H36.0, H01.9, I21.9, I10), fp 2 (E14.3, R06.0), fn 1 (E11.3)
    assert result["codes"] == {"precision": 0.6667, "recall": 0.8, "f1": 0.7273, "tp": 4, "fp": 2, "fn": 1}
    assert result["episodes"] == 2 and result["notes"] == 3
    # A's first-ranked ICD-10 is E14.3 (coded E11.3): no; B's is I21.9: yes
    assert result["primary_agreement"] == 0.5 and result["primary"] == {"agree": 1, "episodes": 2}
    assert result["alternatives"] == {"missed": 1, "shown_as_alternative": 1, "recall_with_alternatives": 1.0}
    assert result["by_system"]["OPCS-4"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "tp": 1, "fp": 0, "fn": 0}
    icd = result["by_chapter"]["ICD-10"]
    assert list(icd) == ["IV Endocrine, nutritional, metabolic", "VII Eye and adnexa", "IX Circulatory system",
                         "XVIII Symptoms, signs, abnormal findings"]  # classification order
    assert icd["IV Endocrine, nutritional, metabolic"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0,
                                                           "tp": 0, "fp": 1, "fn": 1}
    assert icd["IX Circulatory system"]["tp"] == 2
    by_code = {(r["system"], r["code"]): r for r in result["by_code"]}
    assert by_code[("ICD-10", "E113")]["as_alternative"] == 1 and by_code[("ICD-10", "E113")]["display"] == "E11.3"
    assert by_code[("ICD-10", "I10X")]["display"] == "I10"
    assert [r["code"] for r in result["top_false_positives"]] == ["E143", "R060"]
    assert [r["code"] for r in result["top_misses"]] == ["E113"]


def test_no_primary_when_no_code_may_be_primary(coded):
    scorer = Scorer()
    scorer.add(coded.episodes["A"], [_note("a1", "A", _s("ICD-10", "E113D", 1, never_primary="asterisk"))])
    assert scorer.result()["primary"] == {"agree": 0, "episodes": 1}  # the CDS primary position stays empty


def test_one_note_episode_order_is_the_note_order_on_the_example_notes():
    """The scoring takes a one-note episode's suggestions as they are: the episode rules over one note
    change nothing (checked here on notes the rules were not written from)."""
    import json
    from pathlib import Path

    from coding_toolkit.api import pipeline_for
    from coding_toolkit.records import Note
    from coding_toolkit.run_config import RunConfig
    from coding_toolkit.suggest.episode import episode_suggestions

    pipeline = pipeline_for(RunConfig())
    examples = Path(__file__).parent.parent.parent / "examples" / "notes.jsonl"
    checked = 0
    for line in examples.read_text(encoding="utf-8").splitlines():
        note = json.loads(line)
        result = pipeline.process(Note(note["note_id"], note["text"]))
        assert episode_suggestions([result.suggestions], pipeline.rules) == result.suggestions, note["note_id"]
        checked += bool(result.suggestions)
    assert checked >= 30
