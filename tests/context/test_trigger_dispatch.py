"""Triggers are looked up per token: patterns with/without first_tokens, look-behinds at a range start,
longest-first overlaps, and the shipped first_tokens agree with a scan at every character."""
from __future__ import annotations

import dataclasses
import json

from coding_toolkit.context.classifier import ContextClassifier
from coding_toolkit.context.rules import load_rules

CATEGORIES = {"NEGATED_EXISTENCE": {"negation": "Negated"}, "HISTORICAL": {"temporality": "Historical"}}
DAYS_AGO = r"(?<!\w)(?:\d+|few)\s+days?\s+ago(?!\w)"


def classifier(*rules: dict) -> ContextClassifier:
    return ContextClassifier(load_rules({"categories": CATEGORIES, "rules": list(rules)}))


def found(clf: ContextClassifier, text: str, start: int = 0, end: int | None = None) -> list[str]:
    return [text[t.start:t.end] for t in clf.find_triggers(text, start, end)]


def test_pattern_with_first_tokens_matches_only_at_those_tokens():
    clf = classifier({"pattern": DAYS_AGO, "first_tokens": ["<num>", "few"], "direction": "BIDIRECTIONAL",
                      "category": "HISTORICAL"})
    text = "Fever 3 days ago, cough a FEW days ago; rash 2days ago."
    assert found(clf, text) == ["3 days ago", "FEW days ago"]
    assert clf.classify(text, [(0, 5)])[0].temporality == "Historical"
    # a pattern that can also start elsewhere is only tried at its listed tokens
    narrow = classifier({"pattern": DAYS_AGO, "first_tokens": ["few"], "direction": "BIDIRECTIONAL",
                         "category": "HISTORICAL"})
    assert found(narrow, text) == ["FEW days ago"]


def test_pattern_without_first_tokens_is_tried_at_every_character():
    rule = {"pattern": r"ectomy", "direction": "BIDIRECTIONAL", "category": "HISTORICAL"}
    text = "Appendicectomy and cholecystectomy."
    assert [(t.start, t.end) for t in classifier(rule).find_triggers(text)] == [(8, 14), (28, 34)]
    # with first_tokens the same regex is tried only where a listed token starts (never mid-word)
    assert found(classifier({**rule, "first_tokens": ["ectomy"]}), text) == []
    # non-overlapping matches of one pattern, as finditer gives them
    twice = {"pattern": r"(?<!\w)a\s+a(?!\w)", "direction": "FORWARD", "category": "NEGATED_EXISTENCE"}
    for clf in (classifier(twice), classifier({**twice, "first_tokens": ["a"]})):
        assert [(t.start, t.end) for t in clf.find_triggers("a a a a")] == [(0, 3), (4, 7)]


def test_literal_at_range_start_sees_the_word_before():
    clf = ContextClassifier()
    text = "Xno fever. No cough."
    assert found(clf, text, 1, 10) == []           # "no" inside "Xno": the look-behind sees "X"
    assert found(clf, text, 11) == ["No"]
    assert found(clf, "denies nothing", 0, 9) == ["denies", "no"]  # range end cuts "nothing" like a text end


def test_overlapping_triggers_longest_first():
    clf = ContextClassifier()
    assert found(clf, "no increase in pain") == ["no increase"]
    assert found(clf, "There is no evidence of pneumonia") == ["no evidence of"]
    # a literal and a pattern over the same characters: longest wins, a tie keeps the literal (found first)
    tie = classifier({"literal": "old scar", "direction": "FORWARD", "category": "HISTORICAL"},
                     {"pattern": r"old\s+scar(?:\s+tissue)?", "first_tokens": ["old"], "direction": "FORWARD",
                      "category": "NEGATED_EXISTENCE"})
    [t] = tie.find_triggers("an old scar here")
    assert t.rule.literal == "old scar"
    [t] = tie.find_triggers("an old scar tissue here")
    assert t.rule.pattern is not None


def _without_first_tokens(clf: ContextClassifier) -> ContextClassifier:
    rules = clf.rules
    return ContextClassifier(dataclasses.replace(
        rules, rules=tuple(dataclasses.replace(r, first_tokens=None) for r in rules.rules)))


def test_shipped_first_tokens_agree_with_scanning_every_character(shared_dir):
    """The shipped patterns' first_tokens lose no match: same triggers as trying each pattern everywhere."""
    fast = ContextClassifier()
    assert sum(r.first_tokens is not None for r in fast.rules.rules) == sum(r.pattern is not None
                                                                             for r in fast.rules.rules)
    full = _without_first_tokens(fast)
    texts = [json.loads(line)["text"]
             for line in (shared_dir / "benchmarks" / "notes" / "mtsamples_317.jsonl").open(encoding="utf-8")]
    texts += [line.split("\t")[5] for line in
              (shared_dir / "benchmarks" / "context" / "negex_context_dev.tsv").open(encoding="utf-8")][1:]
    texts.append("Seen 3 days ago; (**DATE[Jan 2019]) ?PE. Mother reports: - none. Should he develop pain")
    def spans(clf, text):
        return [(t.start, t.end, t.rule.key) for t in clf.find_triggers(text)]

    differ = [t[:60] for t in texts if spans(fast, t) != spans(full, t)]
    assert not differ
    assert sum(len(fast.find_triggers(t)) for t in texts) > 5000
