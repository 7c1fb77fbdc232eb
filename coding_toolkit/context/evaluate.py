"""Score context labels against a gold TSV (the NegEx/ConText annotation kit format).

Columns: ``sentence``, ``start``, ``end`` (the target span) and gold ``negation``, ``temporality``,
``experiencer``. Gold values are normalised to ours through ``data/gold_values.json``
("Not particular" -> Hypothetical, "Family member" -> Other). Rows whose span is -1 are skipped.
"""
from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from coding_toolkit.context.rules import TASK_VALUES
from coding_toolkit.errors import InputError
from coding_toolkit.records import ContextLabels

TASKS = tuple(TASK_VALUES)
REQUIRED = ("sentence", "start", "end", *TASKS)
# a predicted temporality absent from the gold set -> the gold value it is scored as (see score)
SCORED_AS = {"Resolved": "Recent", "Uncertain": "Recent"}
GOLD_VALUES = json.loads((Path(__file__).with_name("data") / "gold_values.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class GoldRow:
    line: int
    sentence: str
    start: int
    end: int
    gold: dict[str, str]  # task -> our value


def read_gold_tsv(path: str | Path) -> tuple[list[GoldRow], int]:
    """Rows with a usable span, and the number of rows skipped because their span is -1."""
    path = Path(path)
    rows, skipped = [], 0
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as err:
        raise InputError(f"{path}: cannot open ({err.strerror}); fix: pass an existing TSV file") from err
    with handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(f"{path}:1 field '{missing[0]}': column missing (have {reader.fieldnames}); "
                             f"fix: the header needs {', '.join(REQUIRED)}")
        for line, raw in enumerate(reader, start=2):
            try:
                start, end = int(raw["start"]), int(raw["end"])
            except (TypeError, ValueError) as err:
                raise InputError(f"{path}:{line} field 'start'/'end': not integers ({raw['start']!r}, {raw['end']!r});"
                                 " fix: write character offsets into the sentence") from err
            if start < 0 or end < 0:
                skipped += 1
                continue
            sentence = raw["sentence"] or ""
            if end > len(sentence) or start > end:
                raise InputError(f"{path}:{line} field 'end': span ({start}, {end}) outside the sentence of "
                                 f"{len(sentence)} characters; fix: correct the offsets")
            gold = {}
            for task in TASKS:
                value = (raw[task] or "").strip()
                mapped = GOLD_VALUES[task].get(value, value if value in TASK_VALUES[task] else None)
                if mapped is None:
                    raise InputError(f"{path}:{line} field '{task}': unknown value {value!r}; fix: use one of "
                                     f"{', '.join([*TASK_VALUES[task], *GOLD_VALUES[task]])}")
                gold[task] = mapped
            rows.append(GoldRow(line, sentence, start, end, gold))
    return rows, skipped


def predict_rows(rows: Sequence[GoldRow], classify: Callable[[str, list[tuple[int, int]]], list[ContextLabels]]
                 ) -> list[ContextLabels]:
    """Classify each row's span, one call per distinct sentence (as a note would be)."""
    by_sentence: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        by_sentence.setdefault(row.sentence, []).append(i)
    out: list[ContextLabels | None] = [None] * len(rows)
    for sentence, indexes in by_sentence.items():
        labels = classify(sentence, [(rows[i].start, rows[i].end) for i in indexes])
        for i, label in zip(indexes, labels):
            out[i] = label
    return out  # type: ignore[return-value]


def score(gold: Iterable[dict[str, str]], predicted: Iterable[ContextLabels], skipped: int = 0) -> dict:
    """Precision/recall/F1 per value and accuracy per task: the ``context evaluate --json`` object."""
    gold = list(gold)
    # values the gold set may lack, scored as the gold value they are a kind of: Resolved (present during
    # this stay, resolved before discharge) is Recent; Uncertain (a possibility: "?PE", "rule out") is
    # Recent too, as the NegEx/ConText kit annotates possibility (Recent, Affirmed; medspaCy's
    # POSSIBLE_EXISTENCE has no temporality)
    present = {g.get("temporality") for g in gold}
    scored_as = {v: g for v, g in SCORED_AS.items() if v not in present}
    pairs = []
    for g, p in zip(gold, predicted):
        meta = p.as_meta()
        meta["temporality"] = scored_as.get(meta["temporality"], meta["temporality"])
        pairs.append((g, meta))
    result: dict = {}
    for task in TASKS:
        per_value = {}
        for value in TASK_VALUES[task]:
            tp = sum(1 for g, p in pairs if g[task] == value and p[task] == value)
            fp = sum(1 for g, p in pairs if g[task] != value and p[task] == value)
            fn = sum(1 for g, p in pairs if g[task] == value and p[task] != value)
            precision = tp / (tp + fp) if tp + fp else 0.0
            recall = tp / (tp + fn) if tp + fn else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            per_value[value] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
                                "support": tp + fn}
        per_value["accuracy"] = round(sum(1 for g, p in pairs if g[task] == p[task]) / len(pairs), 4) if pairs else 0.0
        result[task] = per_value
    result["n"] = len(pairs)
    result["skipped"] = skipped
    return result


def evaluate_file(path: str | Path, *, rules=None,
                  meta_models: Mapping[str, Callable[[list[tuple[str, int, int]]], list[str]]] | None = None,
                  task_table=None) -> dict:
    """Score the rules (and, per task, any MetaCAT models given) on a gold TSV.

    ``meta_models`` maps a MetaCAT task name (as in the pack, e.g. "Negation") to a function that
    predicts value names for (sentence, start, end) spans; values go through the task table.
    """
    from coding_toolkit.context.classifier import ContextClassifier
    from coding_toolkit.context.meta_models import TaskTable

    rows, skipped = read_gold_tsv(path)
    classifier = ContextClassifier(rules)
    predicted = predict_rows(rows, classifier.classify)
    if meta_models:
        table = task_table if isinstance(task_table, TaskTable) else TaskTable.load(task_table)
        items = [(r.sentence, r.start, r.end) for r in rows]
        per_task = {name: predict(items) for name, predict in meta_models.items()}
        merged = []
        for i, labels in enumerate(predicted):
            values, sources = labels.as_meta(), dict(labels.sources)
            for name, outputs in per_task.items():
                for task, (value, source) in table.translate({name: outputs[i]}).items():
                    values[task], sources[task] = value, source
            merged.append(replace(labels, sources=sources, **values))
        predicted = merged
    result = score([r.gold for r in rows], predicted, skipped)
    result["sources"] = {task: sorted({p.sources.get(task, "rules") for p in predicted}) for task in TASKS}
    return result


def compare_with_rules(items: Sequence[tuple[str, int, int]], gold: Sequence[str], task_name: str,
                       predict: Callable[[list[tuple[str, int, int]]], list[str]], *, rules=None,
                       task_table=None) -> dict | None:
    """Accuracy of a MetaCAT model (``predict``: spans -> value names of ``task_name``) and of the
    rules on the same gold spans, compared in our task's values. None when the task table does not
    map ``task_name`` to one of our tasks (nothing to compare with)."""
    from coding_toolkit.context.classifier import ContextClassifier
    from coding_toolkit.context.meta_models import TaskTable

    table = task_table if isinstance(task_table, TaskTable) else TaskTable.load(task_table)
    if task_name not in table.tasks:
        return None
    ours = table.tasks[task_name][0]

    def our_value(value: str) -> str:
        return table.translate({task_name: value}).get(ours, (None,))[0]

    rows = [GoldRow(0, text, start, end, {}) for text, start, end in items]
    by_rules = [getattr(label, ours) for label in predict_rows(rows, ContextClassifier(rules).classify)]
    expected = [our_value(v) for v in gold]
    by_model = [our_value(v) for v in predict(list(items))]
    n = len(expected)

    def accuracy(predicted):
        return round(sum(p == g for p, g in zip(predicted, expected)) / n, 4) if n else None

    return {"task": ours, "n": n, "model_accuracy": accuracy(by_model), "rules_accuracy": accuracy(by_rules)}
