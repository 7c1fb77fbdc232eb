"""Symptoms explained by a kept diagnosis of the same note are filtered ('explained by I21.9'); others stay."""
from __future__ import annotations

import json

from coding_toolkit.records import Note
from coding_toolkit.suggest import CodingRules, review_mentions, suggestions_for
from coding_toolkit.suggest.config import DEFAULT_RULES_FILE

from .helpers import HTN, kept, row

CHEST_PAIN = [row("29857009", "R074")]
FEVER = [row("386661006", "R509")]
MI = [row("22298006", "I219")]
SEPSIS = [row("91302008", "A419")]
FRACTURE = [row("5913000", "S720")]


def _reasons(mentions, rules=None):
    return [am.decision.reason for am in review_mentions("x" * 200, mentions, [None] * len(mentions), rules)]


def test_a_symptom_beside_the_diagnosis_that_explains_it_is_filtered():
    mentions = [kept("chest pain", 0, CHEST_PAIN), kept("MI", 40, MI)]
    assert _reasons(mentions) == ["explained by I21.9", None]
    out = review_mentions("x" * 200, mentions, [None, None])
    assert [s.code for s in suggestions_for(out)] == ["I219"]


def test_an_unexplained_symptom_stays_and_may_be_primary():
    # chest pain; MI ruled out (negated); hypertension explains nothing: R07.4 stays, ranked before I10
    mentions = [kept("chest pain", 0, CHEST_PAIN), kept("MI", 40, MI, status="filtered", reason="negated"),
                kept("hypertension", 80, HTN)]
    assert _reasons(mentions)[0] is None
    assert [s.code for s in suggestions_for(mentions)] == ["R074", "I10X"]


def test_body_systems_decide():
    assert _reasons([kept("fever", 0, FEVER), kept("sepsis", 20, SEPSIS)])[0] == "explained by A41.9"
    assert _reasons([kept("fever", 0, FEVER), kept("fracture", 20, FRACTURE)])[0] is None
    assert _reasons([kept("chest pain", 0, CHEST_PAIN), kept("sepsis", 20, SEPSIS)])[0] is None


def test_switched_off_every_symptom_stays():
    off = CodingRules.load(overrides={"explained_symptoms": False})
    assert _reasons([kept("chest pain", 0, CHEST_PAIN), kept("MI", 40, MI)], off) == [None, None]


def test_concept_pairs_and_a_knowledge_index_refine_the_chapters(tmp_path):
    data = json.loads(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))
    data["explained_symptoms"]["concept_pairs"] = [{"symptom": "29857009", "explained_by": "91302008"}]
    (tmp_path / "rules.json").write_text(json.dumps(data), encoding="utf-8")
    rules = CodingRules.load(tmp_path / "rules.json")
    mentions = [kept("chest pain", 0, CHEST_PAIN), kept("sepsis", 20, SEPSIS)]
    assert _reasons(mentions, rules)[0] == "explained by A41.9"

    class Says:
        def __init__(self, answer):
            self.answer = answer

        def explains(self, symptom, disorder):
            return self.answer

    pair = [kept("chest pain", 0, CHEST_PAIN), kept("MI", 40, MI)]
    assert review_mentions("x" * 99, pair, [None, None], knowledge=Says(False))[0].decision.status == "kept"
    assert review_mentions("x" * 99, pair, [None, None], knowledge=Says(None))[0].decision.status == "filtered"



def test_starter_pipeline(pipeline):
    text = "Presenting complaint: central chest pain.\nDiagnosis: acute myocardial infarction."
    result = pipeline.process(Note("n", text))
    pain = next(am for am in result.mentions if am.mention.text == "chest pain")
    assert pain.decision.status == "filtered" and pain.decision.reason.startswith("explained by I21")
    assert not any(s.code.startswith("R") for s in result.suggestions)
    alone = pipeline.process(Note("n", "Presenting complaint: central chest pain.\nMI ruled out. No cause found."))
    assert [s.code for s in alone.suggestions][:1] == ["R074"]


def test_a_condition_named_only_in_the_past_history_explains_nothing():
    ihd = [row("414545008", "I259")]
    past = kept("IHD", 40, ihd, temporality="Historical", reason="chronic condition: historical label ignored")
    assert _reasons([kept("chest pain", 0, CHEST_PAIN), past])[0] is None
    assert _reasons([kept("chest pain", 0, CHEST_PAIN), kept("IHD", 40, ihd)])[0] == "explained by I25.9"


def test_the_review_page_lists_an_explained_symptom_among_the_dropped_codes(pipeline):
    from coding_toolkit.io.serialize import result_to_json
    from coding_toolkit.review.data import dropped_codes

    text = "Presenting complaint: central chest pain.\nDiagnosis: acute myocardial infarction."
    dropped = dropped_codes(result_to_json(pipeline.process(Note("n", text))))
    assert [(d["code"], d["reason"][:16]) for d in dropped] == [("R074", "explained by I21")]
