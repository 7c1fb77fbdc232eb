"""MetaCAT values from the pack override the rules per task, through the task table."""
from __future__ import annotations

import pytest

from coding_toolkit.context.meta_models import TaskTable
from coding_toolkit.context.stage import ContextStage
from coding_toolkit.errors import ContextRuleError
from coding_toolkit.records import Mention


def m(text, note, meta):
    start = note.index(text)
    return Mention(start, start + len(text), text, "1", text, 0.9, (), meta)


def test_metacat_task_overrides_rules_only_for_its_task():
    note = "History of asthma. No cough."
    stage = ContextStage()
    labels = stage.labels(note, [m("asthma", note, {"Presence": "False"}), m("cough", note, {"Negation": "Affirmed"})])
    asthma, cough = labels
    assert asthma.negation == "Negated" and asthma.sources["negation"] == "metacat:Presence"
    assert asthma.temporality == "Historical" and asthma.sources["temporality"] == "rules"
    assert cough.negation == "Affirmed" and cough.sources["negation"] == "metacat:Negation"
    assert "negation" not in cough.triggers


def test_value_mapping_to_other_task_and_dict_values():
    note = "Possible pneumonia."
    lab, = ContextStage().labels(note, [m("pneumonia", note, {"Presence": {"value": "Hypothetical (N/A)"}})])
    assert lab.temporality == "Hypothetical" and lab.sources["temporality"] == "metacat:Presence"


def test_unknown_task_and_value_fail_clearly():
    note = "Asthma."
    stage = ContextStage()
    with pytest.raises(ContextRuleError, match=r"unknown MetaCAT task 'Mood'.*fix: add it"):
        stage.labels(note, [m("Asthma", note, {"Mood": "Happy"})])
    with pytest.raises(ContextRuleError, match=r"unknown value 'Maybe' for MetaCAT task 'Negation'.*known: Affirmed"):
        stage.labels(note, [m("Asthma", note, {"Negation": "Maybe"})])


def test_custom_table_and_ignore():
    table = TaskTable.load({"tasks": {"Status": {"task": "negation", "values": {"Other": "Negated"}}},
                            "ignore": ["Certainty"]})
    note = "Asthma."
    lab, = ContextStage(task_table=table).labels(note, [m("Asthma", note, {"Status": "Other", "Certainty": "x"})])
    assert lab.negation == "Negated"
    with pytest.raises(ContextRuleError, match="tasks.Bad.task"):
        TaskTable.load({"tasks": {"Bad": {"task": "mood", "values": {}}}})


def test_the_stage_is_exported_from_the_context_package():
    import coding_toolkit.context as context

    assert context.ContextStage is ContextStage
    assert ContextStage.__module__ == "coding_toolkit.context.stage"
