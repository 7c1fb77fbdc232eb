"""Social-history content cues (issue 12, data/social_history_rules.json): tobacco, alcohol and drug use
statements are social history (Historical, as under a 'Social history:' heading) without the heading;
the same words as a cause, a test or an acute problem are no cue. Sentences written for the tests."""
from __future__ import annotations

import pytest

from coding_toolkit.context.rules import DEFAULT_EXTRA_RULES, load_rules
from tests.context.one_mention import label


@pytest.mark.parametrize("text, target", [
    ("The patient smokes cigarettes.", "smokes cigarettes"),
    ("He smokes 20 cigarettes a day.", "cigarettes"),
    ("She drinks alcohol socially.", "alcohol"),
    ("Denies alcohol or drugs.", "alcohol"),
    ("Denies alcohol or drugs.", "drugs"),
    ("No tobacco, alcohol or illicit drugs.", "tobacco"),
    ("Alcohol: two units a week.", "Alcohol"),
    ("History of intravenous drug use.", "intravenous drug use"),
])
def test_habit_statements_are_social_history(clf, text, target):
    assert label(clf, text, target).temporality == "Historical"


def test_negated_habit_stays_negated(clf):
    lab = label(clf, "Denies alcohol or drugs.", "drugs")
    assert (lab.negation, lab.temporality) == ("Negated", "Historical")


@pytest.mark.parametrize("text, target", [
    ("Admitted with alcohol withdrawal.", "alcohol withdrawal"),  # an acute problem of this stay
    ("Serum alcohol level was raised.", "alcohol level"),  # a test
    ("Smoking-related lung disease was noted on the CT.", "lung disease"),  # a cause, not a habit
    ("Smoking cessation advice given; COPD exacerbation.", "COPD exacerbation"),
    ("Allergic to sulfa drugs.", "sulfa drugs"),  # medicines, not recreational drugs
])
def test_non_habit_uses_are_no_cue(clf, text, target):
    assert label(clf, text, target).temporality == "Recent"


def test_family_is_merged_by_default():
    assert any(p.name == "social_history_rules.json" for p in DEFAULT_EXTRA_RULES)
    rules = load_rules()
    assert any(r.literal == "smokes" and r.categories == ("HISTORICAL",) for r in rules.rules)


@pytest.mark.parametrize("text, target", [
    ("Smoker with chest pain for two days.", "chest pain"),  # a habit word reaches only what it touches
    ("IVDU, endocarditis on echo.", "endocarditis"),
    ("No alcohol, chest pain since this morning.", "chest pain"),
    ("Cocaine-induced chest pain.", "chest pain"),
])
def test_habit_cue_does_not_reach_a_following_condition(clf, text, target):
    assert label(clf, text, target).temporality == "Recent"


def test_touching_scope_zero_is_white_space_only():
    from coding_toolkit.context.classifier import ContextClassifier

    clf = ContextClassifier(load_rules({"categories": {"HISTORICAL": {"temporality": "Historical"}},
                                        "rules": [{"literal": "old", "category": "HISTORICAL",
                                                   "direction": "FORWARD", "max_scope": 0}]}))
    assert label(clf, "old   infarct", "infarct").temporality == "Historical"
    assert label(clf, "old, infarct", "infarct").temporality == "Recent"
    assert label(clf, "old large infarct", "infarct").temporality == "Recent"
