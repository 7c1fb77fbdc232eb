"""Resolved during the stay: kept and labelled Resolved; with a history cue or section it stays Historical."""
import json

import pytest

from coding_toolkit.context.classifier import ContextClassifier
from coding_toolkit.context.policy import DEFAULT_POLICY, Policy
from coding_toolkit.context.rules import load_rules
from coding_toolkit.context.stage import ContextStage
from coding_toolkit.errors import ContextRuleError
from coding_toolkit.records import Mention

CLF = ContextClassifier()


def _labels(text, surface, clf=CLF):
    a = text.index(surface)
    return clf.classify(text, [(a, a + len(surface))])[0]


@pytest.mark.parametrize("text,surface,cue", [
    ("Post-operative delirium, resolved.", "delirium", "resolved"),
    ("Diagnosis: Lower respiratory tract infection. Acute confusion, resolved.", "Acute confusion", "resolved"),
    ("Hypokalaemia during treatment, corrected.", "Hypokalaemia", "corrected"),
    ("Hyperkalaemia (K 6.8) treated.", "Hyperkalaemia", "treated"),
    ("Symptoms settled with analgesia.", "Symptoms", "settled"),
])
def test_resolution_cue_alone_is_resolved_not_negated(text, surface, cue):
    labels = _labels(text, surface)
    assert (labels.negation, labels.temporality) == ("Affirmed", "Resolved")
    assert labels.triggers["temporality"] == cue  # the cue is the evidence


@pytest.mark.parametrize("text,surface", [
    ("DVT resolved in 2019.", "DVT"),
    ("Pneumonia, resolved in 2019.", "Pneumonia"),
    ("Previous DVT, resolved.", "DVT"),
    ("History of pneumonia, treated.", "pneumonia"),
    ("Past medical history: DVT, resolved.", "DVT"),
])
def test_resolution_with_a_history_cue_or_section_stays_historical(text, surface):
    assert _labels(text, surface).temporality == "Historical"


def test_not_resolved_is_neither_resolved_nor_negated():
    labels = _labels("Pneumonia not resolved.", "Pneumonia")
    assert (labels.negation, labels.temporality) == ("Affirmed", "Recent")


def test_negation_is_still_separate():
    assert _labels("No pneumonia.", "pneumonia").negation == "Negated"


def test_resolved_kept_by_default_policy_with_a_note_and_filtered_when_policy_says_so(tmp_path):
    text = "Post-operative delirium, resolved."
    m = Mention(start=15, end=23, text="delirium", sctid="2776000", name="Delirium", confidence=0.9)
    [(labels, decision)] = ContextStage().run(text, [m])
    assert labels.temporality == "Resolved"
    assert decision.status == "kept" and decision.reason == "resolved during this stay: still coded"
    data = json.loads(DEFAULT_POLICY.read_text(encoding="utf-8"))
    data["suppress"]["temporality"]["Resolved"] = "resolved before discharge"
    data.pop("chronic_conditions")
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    [(_, decision)] = ContextStage(policy=Policy.load(path)).run(text, [m])
    assert (decision.status, decision.reason) == ("filtered", "resolved before discharge")


def test_resolution_family_is_its_own_file_and_a_named_rule_file_replaces_it(tmp_path):
    rules = load_rules()
    assert "RESOLVED" in rules.weak_categories
    assert any(s.endswith("resolution_rules.json") for s in rules.sources)
    base_only = ContextClassifier(load_rules(load_rules.__globals__["DEFAULT_RULES"]))
    assert _labels("Acute confusion, resolved.", "Acute confusion", base_only).negation == "Negated"


def test_weak_category_must_exist(tmp_path):
    bad = tmp_path / "r.json"
    bad.write_text(json.dumps({"categories": {"A": {"negation": "Negated"}}, "weak_categories": ["B"]}))
    with pytest.raises(ContextRuleError, match="weak_categories.*fix:"):
        load_rules(bad)


def test_resolution_on_a_line_after_a_history_list_is_this_stay():
    # N009: the delirium line follows the past-history list; the heading's own line stays Historical
    text = ("Past medical history: Dementia, atrial fibrillation, hypothyroidism.\n"
            "Post-operative delirium, resolved.\nPlan: physiotherapy.")
    assert _labels(text, "delirium").temporality == "Resolved"
    assert _labels(text, "hypothyroidism").temporality == "Historical"


def test_resolved_scored_as_recent_against_a_gold_set_without_it():
    from coding_toolkit.context.evaluate import score
    from coding_toolkit.records import ContextLabels

    gold = [{"negation": "Affirmed", "temporality": "Recent", "experiencer": "Patient"}]
    assert score(gold, [ContextLabels(temporality="Resolved")])["temporality"]["accuracy"] == 1.0
    assert score(gold, [ContextLabels(temporality="Historical")])["temporality"]["accuracy"] == 0.0
    gold_with = [{**gold[0], "temporality": "Resolved"}]
    assert score(gold_with, [ContextLabels(temporality="Recent")])["temporality"]["accuracy"] == 0.0


def test_filtering_resolved_can_spare_chronic_conditions(tmp_path):
    from coding_toolkit.records import MapRow

    data = json.loads(DEFAULT_POLICY.read_text(encoding="utf-8"))
    data["suppress"]["temporality"]["Resolved"] = "resolved"
    data["chronic_ignores"] = ["Historical", "Resolved"]
    data["chronic_conditions"] = str(DEFAULT_POLICY.parent / "chronic_conditions.json")
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    text = "Hypertension, treated with ramipril. Hypokalaemia, corrected."
    htn = Mention(start=0, end=12, text="Hypertension", sctid="38341003", name="Hypertension", confidence=0.9)
    low_k = Mention(start=37, end=49, text="Hypokalaemia", sctid="43339004", name="Hypokalaemia", confidence=0.9)
    rows = [MapRow(sctid="38341003", system="ICD-10", version="5th Edition", refset_id="999002271000000101", block=1,
                   group=1, priority=1, target="I10X", display="I10", advice="", default=True)]
    [(l1, d1), (l2, d2)] = ContextStage(policy=Policy.load(path)).run(text, [htn, low_k], [rows, []])
    assert (l1.temporality, d1.status) == ("Resolved", "kept") and (l2.temporality, d2.status) == ("Resolved", "filtered")
