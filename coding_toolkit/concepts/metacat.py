"""Train MedCAT MetaCAT models offline and attach them to a pack (extra ``meta``: torch).

Offline recipe (docs/reference.md §5): a byte-level BPE tokenizer trained locally on the export's texts,
``TokenizerWrapperBPE``, a BiLSTM with ``embeddings=None`` (embeddings learnt from scratch),
``category_value2id`` set before training, attached with ``cat.add_addon(MetaCATAddon(...))``.
The BERT path would try to download a model, so it is never used here.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import coding_toolkit.offline  # noqa: F401  (before medcat)
from coding_toolkit.concepts.export import load_export, validate_export
from coding_toolkit.errors import MissingExtraError, PackError, TrainingError

log = logging.getLogger(__name__)

# small BiLSTM: trains in seconds to minutes on CPU from a few hundred examples
DEFAULTS = {"epochs": 20, "vocab_size": 3000, "embedding_size": 100, "hidden_size": 128, "cntx_left": 15,
            "cntx_right": 10, "batch_size": 32, "lr": 0.002, "seed": 13,
            # one torch thread: on a busy 2-core machine two threads were 8x slower (oversubscription)
            "threads": 1}


def _meta_imports():
    try:
        import torch  # noqa: F401
        from medcat.components.addons.meta_cat.mctokenizers.bpe_tokenizer import TokenizerWrapperBPE
        from medcat.components.addons.meta_cat.meta_cat import MetaCAT, MetaCATAddon
        from medcat.config.config_meta_cat import ConfigMetaCAT
        from tokenizers import ByteLevelBPETokenizer
    except ImportError as err:
        raise MissingExtraError(getattr(err, "name", None) or "torch", "meta") from err
    return MetaCAT, MetaCATAddon, TokenizerWrapperBPE, ConfigMetaCAT, ByteLevelBPETokenizer


@dataclass
class TrainedMeta:
    """A trained MetaCAT for one task, with its config and training report."""

    task: str
    metacat: Any
    config: Any
    report: dict = field(default_factory=dict)

    @property
    def values(self) -> list[str]:
        return sorted(self.config.general.category_value2id, key=self.config.general.category_value2id.get)

    def predict(self, items: Sequence[tuple[str, int, int]]) -> list[str]:
        """The predicted value for each (text, start, end) span."""
        return predict_spans(self.metacat, items)


def predict_spans(metacat, items: Sequence[tuple[str, int, int]]) -> list[str]:
    """Run a MetaCAT model on given spans (no NER needed): the same samples its training used."""
    from medcat.components.addons.meta_cat.data_utils import prepare_from_json
    from medcat.components.addons.meta_cat.ml_utils import predict

    cfg = metacat.config
    id2value = {i: v for v, i in cfg.general.category_value2id.items()}
    any_value = next(iter(cfg.general.category_value2id))
    samples, where = [], []
    for index, (text, start, end) in enumerate(items):
        doc = _export([(text, [(start, end, any_value)])], cfg.general.category_name)
        prepared = prepare_from_json(doc, cfg.general.cntx_left, cfg.general.cntx_right, metacat.tokenizer,
                                     replace_center=cfg.general.replace_center, lowercase=cfg.general.lowercase)
        rows = prepared.get(cfg.general.category_name, [])
        if rows:
            samples.append([rows[0][0], rows[0][1]])
            where.append(index)
    out = [id2value[0]] * len(items)  # a span that maps to no token (empty text) gets the first value
    if samples:
        predictions, _ = predict(metacat.model, samples, cfg)
        for index, pred in zip(where, predictions):
            out[index] = id2value[int(pred)]
    return out


def _export(docs: Iterable[tuple[str, Sequence[tuple[int, int, str]]]], task: str) -> dict:
    """A minimal MedCATtrainer export: one document per text, annotations with one meta task."""
    documents = []
    for i, (text, spans) in enumerate(docs):
        annotations = [{"id": j, "cui": "C", "value": text[s:e], "start": s, "end": e, "validated": True,
                        "correct": True, "deleted": False, "killed": False, "irrelevant": False,
                        "meta_anns": {task: {"name": task, "value": value, "validated": True}}}
                       for j, (s, e, value) in enumerate(spans)]
        documents.append({"id": i, "name": str(i), "text": text, "annotations": annotations})
    return {"projects": [{"name": "rows", "id": 0, "cuis": "", "documents": documents}]}


def _task_values(data: Mapping, task: str, source: str) -> list[str]:
    values, tasks = set(), set()
    for project in data["projects"]:
        for doc in project.get("documents", []):
            for ann in doc.get("annotations", []):
                if ann.get("deleted") or ann.get("killed") or ann.get("irrelevant"):
                    continue
                metas = ann.get("meta_anns") or {}
                tasks.update(metas)
                if task in metas:
                    values.add(str(metas[task]["value"]))
    if not values:
        raise TrainingError(f"{source}: no annotation has the meta-annotation task {task!r} (tasks found: "
                            f"{', '.join(sorted(tasks)) or 'none'}); fix: pass --task with one of those")
    if len(values) < 2:
        raise TrainingError(f"{source}: task {task!r} has only the value {sorted(values)[0]!r}; fix: annotate "
                            "examples of at least two values")
    return sorted(values)


def train_metacat(export: Mapping, task: str, *, epochs: int | None = None, progress: bool = False,
                  source: str = "<export>", **options) -> TrainedMeta:
    """Train one MetaCAT (BPE tokenizer + BiLSTM) on a MedCATtrainer export dict (validated here)."""
    MetaCAT, _, TokenizerWrapperBPE, ConfigMetaCAT, ByteLevelBPETokenizer = _meta_imports()
    opts = {**DEFAULTS, **options, **({"epochs": epochs} if epochs is not None else {})}
    export = validate_export(export, source)  # also turns list-style meta_anns (older exports) into dicts
    values = _task_values(export, task, source)
    texts = [doc["text"].lower() for p in export["projects"] for doc in p.get("documents", [])]
    bbpe = ByteLevelBPETokenizer()
    bbpe.train_from_iterator(texts, vocab_size=opts["vocab_size"], min_frequency=2, show_progress=progress,
                             special_tokens=["<PAD>"])
    cnf = ConfigMetaCAT()
    cnf.general.category_name = task
    cnf.general.category_value2id = {v: i for i, v in enumerate(values)}  # before training, else inference fails
    cnf.general.tokenizer_name = "bbpe"
    cnf.general.cntx_left, cnf.general.cntx_right = opts["cntx_left"], opts["cntx_right"]
    cnf.general.seed = opts["seed"]
    cnf.model.model_name = "lstm"
    cnf.model.nclasses = len(values)
    cnf.model.input_size = opts["embedding_size"]
    cnf.model.hidden_size = opts["hidden_size"]
    cnf.train.nepochs = opts["epochs"]
    cnf.train.batch_size = opts["batch_size"]
    cnf.train.lr = opts["lr"]
    cnf.train.auto_save_model = False  # keep the last model in memory; the pack saves it
    cnf.train.compute_class_weights = True  # negated/historical are the minority classes
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(opts["threads"])
    try:
        mc = MetaCAT(tokenizer=TokenizerWrapperBPE(bbpe), embeddings=None, config=cnf)
        report = mc.train_raw(export)
    except Exception as err:  # medcat raises bare Exception/KeyError on bad data
        raise TrainingError(f"{source}: MetaCAT training for task {task!r} failed ({type(err).__name__}: {err}); "
                            "fix: check the export's meta-annotations") from err
    finally:
        torch.set_num_threads(threads)
    return TrainedMeta(task, mc, cnf, _summarise(report))


def _summarise(report: Any) -> dict:
    """Keep the JSON-serialisable numbers of medcat's training report."""
    try:
        return json.loads(json.dumps(report, default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o)))
    except (TypeError, ValueError):
        return {"report": str(report)}


def attach(cat, trained: TrainedMeta) -> None:
    """Add the trained MetaCAT to a CAT's pipeline (refusing a second model for the same task)."""
    _, MetaCATAddon, *_ = _meta_imports()
    for addon in cat.get_addons():
        if getattr(addon, "addon_type", "") == "meta_cat" and str(addon.name) == trained.task:
            raise PackError(f"the pack already has a MetaCAT for task {trained.task!r}; fix: train from a pack "
                            "without it, or use another task name")
    cat.add_addon(MetaCATAddon(trained.config, cat.pipe.tokenizer, trained.metacat))


def _heldout_spans(export: Mapping, task: str) -> tuple[list[tuple[str, int, int]], list[str]]:
    """(text, start, end) and the gold value of every gold annotation carrying ``task``."""
    from coding_toolkit.concepts.export import documents, is_positive

    items, gold = [], []
    for _, doc in documents(export):
        for ann in doc["annotations"]:
            if is_positive(ann) and task in ann["meta_anns"]:
                items.append((doc["text"], ann["start"], ann["end"]))
                gold.append(str(ann["meta_anns"][task]["value"]))
    return items, gold


def train_meta(pack_dir, export_path, task: str, out_dir, *, epochs: int = DEFAULTS["epochs"],
               progress: bool = False, test_fraction: float = 0.2, seed: int = 0, force: bool = False,
               **options) -> dict:
    """Train a MetaCAT for ``task`` from a MedCATtrainer export, attach it and save a new pack.

    The model is trained on a seeded document split and scored, with the rules, on the held-out
    documents; a model less accurate than the rules for its task is not attached (TrainingError)
    unless ``force``: a worse MetaCAT would silently make the context filter worse.
    """
    from coding_toolkit.concepts.pack import check_new_dir, load_pack
    from coding_toolkit.concepts.train import split_export
    from coding_toolkit.context.evaluate import compare_with_rules

    # check the pack (hash, layout; the model loads later) and --out before minutes of training
    pack = load_pack(pack_dir, lazy=True)
    check_new_dir(out_dir)
    export = load_export(export_path)
    if not 0 < test_fraction < 1:
        raise TrainingError(f"test_fraction={test_fraction}: must be in (0, 1), the model is scored against the "
                            "rules on held-out documents; fix: e.g. --test-fraction 0.2")
    train_part, test_part = split_export(export, test_fraction, seed)
    items, gold = _heldout_spans(test_part, task)
    trained = train_metacat(train_part, task, epochs=epochs, progress=progress, source=str(export_path),
                            **options)
    comparison = compare_with_rules(items, gold, task, trained.predict) if items else None
    if comparison is None:
        if not force:
            why = (f"the held-out documents have no annotation with task {task!r}" if not items else
                   f"task {task!r} has no rules to compare with (not in the task table)")
            raise TrainingError(f"{export_path}: cannot check the MetaCAT model against the rules: {why}; not "
                                "attached; fix: raise --test-fraction or annotate more documents, or pass --force")
    elif comparison["model_accuracy"] < comparison["rules_accuracy"] and not force:
        raise TrainingError(
            f"{export_path}: the MetaCAT model for {task!r} is worse than the rules on the held-out split "
            f"({comparison['task']} accuracy {comparison['model_accuracy']:.3f} vs rules "
            f"{comparison['rules_accuracy']:.3f} on {comparison['n']} spans), so it was not attached; fix: "
            "annotate more examples (or train more epochs), or pass --force to attach it anyway")
    attach(pack.cat, trained)
    heldout = {"heldout_" + k: v for k, v in (comparison or {}).items() if k != "task"}
    metrics = {"task": task, "values": trained.values, "epochs": epochs, **heldout,
               "forced": bool(force and (comparison is None or
                                         comparison["model_accuracy"] < comparison["rules_accuracy"])),
               "report": trained.report}
    out = pack.save(out_dir, note=f"MetaCAT {task} trained on {Path(export_path).name}",
                    training={"kind": "meta", "task": task, "export": str(export_path),
                              "values": trained.values, "epochs": epochs, "test_fraction": test_fraction,
                              "seed": seed, **heldout, "forced": metrics["forced"]})
    metrics["out"] = str(out)
    log.info("MetaCAT %s attached; pack saved to %s", task, out)
    return metrics


def train_meta_on_rows(rows: Iterable[tuple[str, int, int, str]], task: str, *, epochs: int = DEFAULTS["epochs"],
                       progress: bool = False, **options) -> TrainedMeta:
    """Train a MetaCAT from (text, start, end, value) rows, e.g. one half of a gold TSV."""
    by_text: dict[str, list[tuple[int, int, str]]] = {}
    for text, start, end, value in rows:
        by_text.setdefault(text, []).append((start, end, value))
    return train_metacat(_export(by_text.items(), task), task, epochs=epochs, progress=progress,
                         source="<rows>", **options)


def meta_predictor(cat) -> dict[str, Any]:
    """The MetaCAT models of a loaded CAT, task name -> MetaCAT (for span-level evaluation)."""
    return {str(a.name): a.mc for a in cat.get_addons() if getattr(a, "addon_type", "") == "meta_cat"}


__all__ = ["TrainedMeta", "train_meta", "train_meta_on_rows", "train_metacat", "attach", "predict_spans",
           "meta_predictor", "load_export"]
