"""The context stage: MetaCAT outputs (from the pack) where present, rules for the rest, then the policy.

``ContextStage.run(text, mentions, codes_per_mention)`` labels every mention of one note
(negation, temporality, experiencer: ``records.ContextLabels``) and decides whether its codes are
suggested or filtered (``records.FilterDecision``, with the reason). The pack's MetaCAT values are
translated by ``meta_models.TaskTable``; the rules are ``classifier.ContextClassifier``'s; the
decision is ``policy.Policy``'s (docs/context.md).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from coding_toolkit.context.classifier import ContextClassifier
from coding_toolkit.context.meta_models import TaskTable
from coding_toolkit.context.policy import Policy
from coding_toolkit.records import ContextLabels, FilterDecision, MapRow, Mention


class ContextStage:
    """Rules + MetaCAT + policy for all mentions of one note."""

    def __init__(self, classifier: ContextClassifier | None = None, policy: Policy | None = None,
                 task_table: TaskTable | str | Path | None = None):
        self.classifier = classifier or ContextClassifier()
        self.policy = policy or Policy.load()
        self.task_table = task_table if isinstance(task_table, TaskTable) else TaskTable.load(task_table)

    def labels(self, text: str, mentions: Sequence[Mention]) -> list[ContextLabels]:
        return self._labels(text, mentions)[0]

    def _labels(self, text: str, mentions: Sequence[Mention]) -> tuple[list[ContextLabels], list[str | None]]:
        rule_labels, headings = self.classifier.classify_with_headings(text, [(m.start, m.end) for m in mentions])
        out = []
        for mention, labels in zip(mentions, rule_labels):
            if mention.meta:
                from_models = self.task_table.translate(mention.meta)
                if from_models:
                    values = labels.as_meta()
                    sources, triggers = dict(labels.sources), dict(labels.triggers)
                    for task, (value, source) in from_models.items():
                        values[task] = value
                        sources[task] = source
                        triggers.pop(task, None)
                    labels = replace(labels, sources=sources, triggers=triggers, **values)
            out.append(labels)
        return out, headings

    def run(self, text: str, mentions: Sequence[Mention], codes_per_mention: Sequence[Sequence[MapRow]] | None = None
            ) -> list[tuple[ContextLabels, FilterDecision]]:
        return self.run_with_headings(text, mentions, codes_per_mention)[0]

    def run_with_headings(self, text: str, mentions: Sequence[Mention],
                          codes_per_mention: Sequence[Sequence[MapRow]] | None = None
                          ) -> tuple[list[tuple[ContextLabels, FilterDecision]], list[str | None]]:
        """``run``, and the heading of the section holding each mention (lower case, e.g. "discharge
        diagnosis"; None = none): the suggestion stage ranks codes stated under a main-diagnosis heading first."""
        if codes_per_mention is None:
            codes_per_mention = [()] * len(mentions)
        if len(codes_per_mention) != len(mentions):
            raise ValueError(f"{len(mentions)} mentions but {len(codes_per_mention)} code lists")
        labels, headings = self._labels(text, mentions)
        return ([(lab, self.policy.decide(m, lab, codes)) for m, lab, codes in zip(mentions, labels, codes_per_mention)],
                headings)
