"""A heading made of headings joined by "/" takes the meaning of its parts (segment.compound_sets)."""
from __future__ import annotations

import pytest

from coding_toolkit.context.classifier import ContextClassifier
from coding_toolkit.context.policy import Policy
from coding_toolkit.context.segment import compound_sets
from coding_toolkit.records import MapRow, Mention
from tests.context.one_mention import label


@pytest.fixture(scope="module")
def clf():
    return ContextClassifier()


@pytest.mark.parametrize("text, target", [
    # every part a history heading ("hospitalizations": earlier stays)
    ("PAST MEDICAL HISTORY/SURGERIES/HOSPITALIZATIONS:\nHe had a deep vein thrombosis after one operation.",
     "deep vein thrombosis"),
    ("PMH/PSH: asthma", "asthma"),
    ("Allergies/PMH:\nasthma", "asthma"),
    # a part missing the last word it shares with the final part ("past medical" history)
    ("Past medical/surgical history: asthma", "asthma"),
    ("Surgical/medical history: asthma", "asthma"),
])
def test_a_compound_of_history_headings_is_history(clf, text, target):
    lab = label(clf, text, target)
    assert lab.temporality == "Historical"
    assert lab.triggers["temporality"].startswith("section: ")


@pytest.mark.parametrize("text, target", [
    ("HPI/PMH: asthma", "asthma"),  # a current heading joined to a history one: not history
    ("Impression/PMH: asthma", "asthma"),
    ("Social/family history: asthma", "asthma"),  # history (social) and other experiencer (family): neither
    ("Tubes/drains: asthma", "asthma"),  # no part is a heading
    ("PMH/Tubes: asthma", "asthma"),  # a part that is no known heading: the whole is not read from its parts
    ("PLAN/FOLLOW-UP: asthma", "asthma"),
    ("Operation/procedure: asthma", "asthma"),
    ("PMH/Plan: asthma", "asthma"),  # history and plan disagree
])
def test_a_compound_whose_parts_disagree_sets_nothing(clf, text, target):
    lab = label(clf, text, target)
    assert lab.temporality == "Recent" and lab.experiencer == "Patient"


def test_the_same_words_without_the_slash_are_unchanged(clf):
    # the counter-case: a generic heading that is not a compound keeps setting nothing
    assert label(clf, "DRAINS: asthma", "asthma").temporality == "Recent"
    assert label(clf, "O/E: wheeze", "wheeze").temporality == "Recent"  # a listed heading with "/" is itself


@pytest.mark.parametrize("heading", ["IMPRESSION/PLAN", "Assessment/Plan", "Diagnosis/Plan"])
def test_a_plan_joined_to_a_current_heading_plans_procedures_and_keeps_diagnoses(clf, heading):
    text = f"{heading}: Bladder tumour. For cystoscopy and resection."
    policy = Policy.load()
    spans = [(text.index(w), text.index(w) + len(w)) for w in ("Bladder tumour", "cystoscopy")]
    labels = clf.classify(text, spans)
    assert [lab.temporality for lab in labels] == ["Hypothetical", "Hypothetical"]
    tumour = Mention(*spans[0], "Bladder tumour", "126885006", "Neoplasm of bladder", 0.9)
    scope = Mention(*spans[1], "cystoscopy", "176138000", "Cystoscopy", 0.9)
    icd = MapRow("126885006", "ICD-10", "5th Edition", "999002271000000101", 1, 1, 1, "D414", None, "", default=True)
    opcs = MapRow("176138000", "OPCS-4", "4.11", "999002741000000101", 1, 1, 1, "M459", None, "", default=True)
    decisions = [policy.decide(tumour, labels[0], [icd]), policy.decide(scope, labels[1], [opcs])]
    assert [d.status for d in decisions] == ["kept", "filtered"]


def test_a_plan_joined_to_a_narrative_of_this_stay_sets_nothing(clf):
    # the hospital course tells the operations done in this stay: they are not planned
    for heading in ("Hospital course/Plan", "Procedure/Plan", "Impression/Hospital course/Plan"):
        assert label(clf, f"{heading}: Cystoscopy and resection.", "Cystoscopy").temporality == "Recent"


def test_joins_plan_must_be_true_or_false(tmp_path):
    import json

    from coding_toolkit.context.rules import load_rules
    from coding_toolkit.errors import ContextRuleError

    bad = tmp_path / "mine.json"
    bad.write_text(json.dumps({"sections": [{"headings": ["assessment"], "sets": {}, "joins_plan": "yes"}]}))
    with pytest.raises(ContextRuleError, match=r"sections\[0\]\.joins_plan.*'yes' is not true or false"):
        load_rules(extra=bad)


def test_compound_sets_reads_the_parts_of_a_heading():
    known = {"pmh": {"temporality": "Historical"}, "psh": {"temporality": "Historical"}, "impression": {},
             "plan": {"temporality": "Hypothetical"}, "family history": {"experiencer": "Other"}}
    assert compound_sets("pmh/plan", known, frozenset({"impression"})) == {}
    assert compound_sets("pmh", known) == {"temporality": "Historical"}
    assert compound_sets("pmh/psh", known) == {"temporality": "Historical"}
    assert compound_sets("pmh/psh/other", known) is None
    assert compound_sets("impression/plan", known, frozenset({"impression"})) == {"temporality": "Hypothetical"}
    assert compound_sets("impression/plan", known) == {}  # "impression" not marked joins_plan
    assert compound_sets("impression/pmh", known) == {}
    assert compound_sets("pmh/family history", known) == {}
    assert compound_sets("tubes/drains", known) is None
    assert compound_sets("hospitalizations", known) is None
