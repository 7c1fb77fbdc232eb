"""MetaCAT task table: a pack's MetaCAT task and value names -> our context tasks and values.

A ``Mention.meta`` holds the pack's MetaCAT values, task name -> value name (``{"Presence": "False"}``).
Pack task/value names differ, so they go through a table (``data/metacat_tasks.json``) to our tasks
(negation, temporality, experiencer). An unknown task or value is an error, not a guess.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coding_toolkit.context.rules import TASK_VALUES, read_json_object
from coding_toolkit.errors import ContextRuleError

DEFAULT_TASK_TABLE = Path(__file__).with_name("data") / "metacat_tasks.json"


@dataclass(frozen=True)
class TaskTable:
    """MetaCAT task name -> (our task, {value name -> {our task: value}})."""

    tasks: Mapping[str, tuple[str, Mapping[str, Mapping[str, str]]]]
    ignore: frozenset[str]
    source: str

    @classmethod
    def load(cls, path: str | Path | Mapping[str, Any] | None = None) -> TaskTable:
        if isinstance(path, Mapping):
            data, source = path, "<task table>"
        else:
            source = str(path or DEFAULT_TASK_TABLE)
            data = read_json_object(source, "task table", 'use {"tasks": {...}, "ignore": [...]}')
        tasks = {}
        for name, entry in (data.get("tasks") or {}).items():
            ours = entry.get("task") if isinstance(entry, Mapping) else None
            if ours not in TASK_VALUES:
                raise ContextRuleError(f"{source} field 'tasks.{name}.task': {ours!r} is not a task; fix: use one of "
                                       f"{', '.join(TASK_VALUES)}")
            values = {}
            for value, target in (entry.get("values") or {}).items():
                sets = {ours: target} if isinstance(target, str) else dict(target)
                for task, our_value in sets.items():
                    if task not in TASK_VALUES or our_value not in TASK_VALUES[task]:
                        raise ContextRuleError(
                            f"{source} field 'tasks.{name}.values.{value}': {task}={our_value!r} is not valid; "
                            f"fix: use one of {', '.join(f'{t}={v}' for t in TASK_VALUES for v in TASK_VALUES[t])}")
                values[value] = sets
            tasks[name] = (ours, values)
        return cls(tasks, frozenset(data.get("ignore", [])), source)

    def check_tasks(self, names: Sequence[str], where: str = "the pack") -> None:
        """Refuse, before any note is read, MetaCAT task names this table cannot translate."""
        unknown = [n for n in names if n not in self.tasks and n not in self.ignore]
        if unknown:
            raise ContextRuleError(
                f"{where} has MetaCAT task(s) {', '.join(map(repr, unknown))} that the task table does not "
                f"know (known: {', '.join(sorted(self.tasks))}); fix: add them under \"tasks\" (or "
                f"\"ignore\") in {self.source}")

    def translate(self, meta: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
        """``{our task: (value, "metacat:<Task>")}`` for a mention's MetaCAT values."""
        out: dict[str, tuple[str, str]] = {}
        for name, raw in meta.items():
            if name in self.ignore:
                continue
            value = raw.get("value") if isinstance(raw, Mapping) else raw
            if name not in self.tasks:
                raise ContextRuleError(
                    f"unknown MetaCAT task {name!r} (value {value!r}) in the pack; known: "
                    f"{', '.join(sorted(self.tasks))}; fix: add it under \"tasks\" (or \"ignore\") in {self.source}")
            _, values = self.tasks[name]
            if value not in values:
                raise ContextRuleError(
                    f"unknown value {value!r} for MetaCAT task {name!r}; known: {', '.join(sorted(values))}; "
                    f"fix: add it to tasks.{name}.values in {self.source}")
            for task, our_value in values[value].items():
                out[task] = (our_value, f"metacat:{name}")
        return out

