"""Rule files: user extension, clear errors naming file, rule index and field."""
from __future__ import annotations

import json

import pytest

from coding_toolkit.context.classifier import ContextClassifier
from coding_toolkit.context.rules import load_rules
from coding_toolkit.errors import ContextRuleError


def write(tmp_path, data, name="rules.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def test_shipped_rules_load():
    rules = load_rules()
    assert len(rules.rules) > 300
    assert {"NEGATED_EXISTENCE", "HISTORICAL", "HYPOTHETICAL", "FAMILY"} <= set(rules.categories)


def test_extra_rules_extend_and_override(tmp_path):
    extra = write(tmp_path, {"rules": [{"literal": "nae sign of", "category": "NEGATED_EXISTENCE",
                                        "direction": "FORWARD"}]})
    clf = ContextClassifier(load_rules(extra=extra))
    text = "Nae sign of cellulitis."
    assert clf.classify(text, [(12, 22)])[0].negation == "Negated"
    assert ContextClassifier().classify(text, [(12, 22)])[0].negation == "Affirmed"


@pytest.mark.parametrize("rule,field", [
    ({"literal": "x", "direction": "SIDEWAYS", "category": "NEGATED_EXISTENCE"}, "direction"),
    ({"literal": "x", "direction": "FORWARD", "category": "NOPE"}, "category"),
    ({"literal": "x", "direction": "FORWARD"}, "category"),
    ({"pattern": "(unclosed", "direction": "FORWARD", "category": "HISTORICAL"}, "pattern"),
    ({"literal": "x", "direction": "FORWARD", "category": "HISTORICAL", "max_scope": -1}, "max_scope"),
    ({"literal": "x", "direction": "FORWARD", "category": "HISTORICAL", "scope": 3}, "scope"),
    ({"direction": "FORWARD", "category": "HISTORICAL"}, "literal"),
    ({"pattern": "ago", "first_tokens": ["two words"], "direction": "FORWARD", "category": "HISTORICAL"},
     "first_tokens"),
    ({"pattern": "ago", "first_tokens": [], "direction": "FORWARD", "category": "HISTORICAL"}, "first_tokens"),
    ({"pattern": "ago", "first_tokens": "ago", "direction": "FORWARD", "category": "HISTORICAL"}, "first_tokens"),
    ({"literal": "x", "first_tokens": ["x"], "direction": "FORWARD", "category": "HISTORICAL"}, "first_tokens"),
    ({"literal": "x", "direction": "FORWARD", "category": "HISTORICAL", "over_lists": "yes"}, "over_lists"),
])
def test_bad_rule_names_file_index_field(tmp_path, rule, field):
    path = write(tmp_path, {"rules": [{"literal": "fine", "direction": "PSEUDO"}, rule]})
    with pytest.raises(ContextRuleError) as err:
        load_rules(extra=path)
    msg = str(err.value)
    assert str(path) in msg and "rule #1" in msg and f"field '{field}'" in msg and "fix:" in msg


def test_invalid_json_names_line(tmp_path):
    path = write(tmp_path, '{"rules": [\n  {"literal": "x",,}\n]}')
    with pytest.raises(ContextRuleError, match=r"rules\.json:2 .*not valid JSON"):
        load_rules(extra=path)


def test_bad_section_value(tmp_path):
    path = write(tmp_path, {"sections": [{"headings": ["pmh"], "sets": {"temporality": "Ancient"}}]})
    with pytest.raises(ContextRuleError, match="unknown temporality value 'Ancient'"):
        load_rules(extra=path)


def test_a_literal_twice_in_one_file_is_an_error_naming_both_rules(tmp_path):
    path = write(tmp_path, {"rules": [
        {"literal": "fine", "direction": "PSEUDO"},
        {"literals": ["nae sign of"], "category": "NEGATED_EXISTENCE", "direction": "FORWARD"},
        {"literals": ["Nae  sign of"], "category": "NEGATED_EXISTENCE", "direction": "BACKWARD"}]})
    with pytest.raises(ContextRuleError) as err:
        load_rules(extra=path)
    msg = str(err.value)
    assert str(path) in msg and "rule #2" in msg and "field 'literals'" in msg and "rule #1" in msg
    assert "'nae sign of'" in msg and "BIDIRECTIONAL" in msg and "fix:" in msg


def test_a_pattern_twice_in_one_file_is_an_error(tmp_path):
    rule = {"pattern": "nae\\s+sign", "category": "NEGATED_EXISTENCE", "direction": "FORWARD"}
    path = write(tmp_path, {"rules": [rule, dict(rule, direction="BACKWARD")]})
    with pytest.raises(ContextRuleError, match=r"rule #1 field 'pattern'.*already defined by rule #0"):
        load_rules(extra=path)


def test_a_later_file_overrides_a_shipped_literal(tmp_path):
    # "no" is a shipped FORWARD negation; a site file may make it a pseudo-trigger
    extra = write(tmp_path, {"rules": [{"literal": "no", "direction": "PSEUDO"}]})
    rules = load_rules(extra=extra)
    assert [r.direction for r in rules.rules if r.literal == "no"] == ["PSEUDO"]
    assert ContextClassifier(rules).classify("No cough.", [(3, 8)])[0].negation == "Affirmed"
    assert ContextClassifier().classify("No cough.", [(3, 8)])[0].negation == "Negated"


@pytest.mark.parametrize("lists, field", [
    ([","], "lists"),
    ({"separators": [], "item_words": 6, "clause_words": ["was"], "discussion_words": ["discussed"]}, "lists.separators"),
    ({"separators": [","], "item_words": 0, "clause_words": ["was"], "discussion_words": ["discussed"]}, "lists.item_words"),
    ({"separators": [","], "item_words": 6, "clause_words": ["was"]}, "lists.discussion_words"),
])
def test_a_bad_list_definition_names_the_field(tmp_path, lists, field):
    path = write(tmp_path, {"lists": lists})
    with pytest.raises(ContextRuleError, match=rf"field '{field}'.*fix:"):
        load_rules(extra=path)


def test_a_later_file_replaces_the_list_definition(tmp_path):
    text = "Risk of anaesthesia, bleeding, infection, pain and DVT were discussed."
    span = [(text.index("DVT"), text.index("DVT") + 3)]
    assert ContextClassifier().classify(text, span)[0].temporality == "Hypothetical"
    # a trust that wants 'discussed' not to count: the list scope no longer reaches DVT
    path = write(tmp_path, {"lists": {"separators": [",", "and"], "item_words": 6, "clause_words": ["was"],
                                      "discussion_words": ["consented"]}})
    assert ContextClassifier(load_rules(extra=path)).classify(text, span)[0].temporality == "Recent"
