"""Train a pack: self-supervised on notes (resumable) and supervised on a MedCATtrainer export.

Both train ``pack.cat`` in place and write the result as a new pack (the input pack folder is
never modified).
"""
from __future__ import annotations

import json
import logging
import os
import random
import shutil
import time
from itertools import islice
from pathlib import Path

import coding_toolkit.offline  # noqa: F401  (before medcat)
from coding_toolkit.concepts.evaluate import evaluate_export
from coding_toolkit.concepts.export import (
    as_export,
    check_export_concepts,
    documents,
    is_positive,
    is_rejected,
    subset,
)
from coding_toolkit.concepts.pack import Pack, check_new_dir, load_pack
from coding_toolkit.concepts.reproducible import seed_training
from coding_toolkit.errors import PackError, TrainingError

log = logging.getLogger(__name__)

CHECKPOINT_EVERY = 2000


def progress_dir_for(out_dir) -> Path:
    """Where a partial unsupervised run keeps its checkpoint: beside ``out_dir``."""
    out = Path(out_dir)
    return out.parent / f".{out.name}.progress"


def _text(item) -> str:
    return item if isinstance(item, str) else item.text


def train_unsupervised(pack: Pack, notes_iter, out_dir, *, progress: bool = False,
                       checkpoint_every: int = CHECKPOINT_EVERY, total: int | None = None,
                       notes_name: str | None = None, seed: int = 0) -> dict:
    """Self-supervised training on notes (texts or Note records); writes the trained pack to ``out_dir``.

    Every ``checkpoint_every`` notes the model and the count of notes done are saved in
    ``.<out>.progress/`` beside ``out_dir``; running again with the same pack and notes resumes
    after the notes already trained on. The folder is removed when the run completes.
    ``seed`` seeds MedCAT's random draws: the same pack, notes and seed give the same pack hash
    (for a run that was not resumed: a resumed run is seeded again at the note it resumes from).
    """
    from tqdm import tqdm

    out = check_new_dir(out_dir)
    if checkpoint_every < 1:
        raise TrainingError(f"checkpoint_every={checkpoint_every}: must be at least 1")
    work = progress_dir_for(out)
    state_file = work / "state.json"
    done = 0
    cat = None
    if state_file.exists():
        state = json.loads(state_file.read_text(encoding="utf-8"))
        if state.get("source_pack_hash") != pack.hash:
            raise PackError(f"{work}: a partial run of another pack (hash {state.get('source_pack_hash', '?')[:12]}) "
                            f"is stored here; fix: delete {work} or train the same pack again")
        cat = load_pack(work / "checkpoint", verify=True).cat
        done = int(state["done"])
        log.info("resuming unsupervised training after %d notes", done)
    else:
        work.mkdir(parents=True, exist_ok=True)
    cat = cat if cat is not None else pack.cat
    resumed_from = done
    base = Pack(pack.path, pack.provenance, cat)

    def checkpoint(n: int) -> None:
        tmp = work / "checkpoint.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        base.save(tmp, note=f"checkpoint after {n} notes")
        shutil.rmtree(work / "checkpoint", ignore_errors=True)
        os.replace(tmp, work / "checkpoint")
        tmp_state = work / "state.json.tmp"
        tmp_state.write_text(json.dumps({"source_pack_hash": pack.hash, "done": n}), encoding="utf-8")
        os.replace(tmp_state, state_file)

    bar = tqdm(total=total, initial=done, desc="training", unit=" notes", disable=not progress)

    def feed():
        nonlocal done
        for item in islice(iter(notes_iter), done, None):
            yield _text(item)
            # medcat asks for the next note only after it has trained on this one
            done += 1
            bar.update(1)
            if done % checkpoint_every == 0:
                checkpoint(done)

    seed_training(seed + done)
    started = time.time()
    try:
        cat.trainer.train_unsupervised(feed(), nepochs=1, progress_print=10**9)
    finally:
        bar.close()
    seconds = time.time() - started
    trained = done - resumed_from
    stats = {"kind": "unsupervised", "notes": done, "resumed_from": resumed_from,
             "seconds": round(seconds, 1), "docs_per_s": round(trained / seconds, 1) if seconds else None,
             "notes_source": notes_name, "seed": seed}
    base.save(out, note=f"unsupervised training on {done} notes", training=stats)
    shutil.rmtree(work, ignore_errors=True)
    return {**stats, "pack": str(out)}


def split_export(export: dict, test_fraction: float, seed: int) -> tuple[dict, dict]:
    """(train, test) exports: a seeded random split of whole documents."""
    if not 0 <= test_fraction < 1:
        raise TrainingError(f"test_fraction={test_fraction}: must be in [0, 1); fix: e.g. --test-fraction 0.2")
    keys = [(id(p), id(d)) for p, d in documents(export)]
    if not keys:
        raise TrainingError("the export has no documents; fix: export a project with annotated documents")
    n_test = round(len(keys) * test_fraction)
    if test_fraction > 0:
        if len(keys) < 2:
            raise TrainingError("a held-out split needs at least 2 documents; fix: pass --test-fraction 0")
        n_test = min(max(n_test, 1), len(keys) - 1)
    order = list(keys)
    random.Random(seed).shuffle(order)
    test = set(order[:n_test])
    return (subset(export, lambda p, d: (id(p), id(d)) not in test),
            subset(export, lambda p, d: (id(p), id(d)) in test))


def _positives_only(export: dict) -> tuple[dict, dict]:
    """The export with only gold annotations, and counts of what was dropped and why."""
    dropped = {"rejected": 0, "deleted": 0, "killed": 0, "irrelevant": 0}
    projects = []
    for project in export["projects"]:
        docs = []
        for doc in project["documents"]:
            for ann in doc["annotations"]:
                if ann.get("killed"):
                    dropped["killed"] += 1
                elif ann.get("deleted"):
                    dropped["deleted"] += 1
                elif ann.get("irrelevant"):
                    dropped["irrelevant"] += 1
                elif ann.get("correct", True) is False:
                    dropped["rejected"] += 1
            docs.append({**doc, "annotations": [a for a in doc["annotations"] if is_positive(a)]})
        projects.append({**project, "documents": docs})
    return {"projects": projects}, dropped


def _train_negatives(cat, export: dict) -> int:
    """Train each rejected/deleted annotation as a negative example of its concept."""
    pipe = cat.pipe
    n = 0
    for _, doc in documents(export):
        rejected = [a for a in doc["annotations"] if is_rejected(a) and a["cui"] in cat.cdb.cui2info]
        if not rejected:
            continue
        mut_doc = pipe.tokenizer_with_tag(doc["text"])
        for ann in rejected:
            tokens = mut_doc.get_tokens(ann["start"], ann["end"])
            if not tokens:
                continue
            entity = pipe.entity_from_tokens_in_doc(tokens, mut_doc)
            cat.trainer.add_and_train_concept(ann["cui"], ann["value"], mut_doc, entity, negative=True,
                                              do_add_concept=False)
            n += 1
    return n


def _engine_for(pack):
    from coding_toolkit.concepts.evaluate import pack_engine
    return pack_engine(pack)


# the default held-out share, and the fewest documents for which it is used: a smaller export (a
# review of a few notes) is all trained on, since one or two held-out documents score nothing useful
DEFAULT_TEST_FRACTION = 0.2
MIN_DOCUMENTS_TO_HOLD_OUT = 10


def train_supervised(pack: Pack, export_path, out_dir, *, test_fraction: float | None = None, seed: int = 0,
                     nepochs: int = 1, progress: bool = False, allow_new_concepts: bool = False) -> dict:
    """Supervised training on a MedCATtrainer export; metrics on a held-out split before and after.

    ``test_fraction`` None: DEFAULT_TEST_FRACTION held out, or nothing for an export of fewer than
    MIN_DOCUMENTS_TO_HOLD_OUT documents (``training["held_out_note"]`` says so); a value given is
    used as is (a split that cannot be made is refused).

    Only gold annotations are trained as positives (a reviewer-rejected ``correct: false`` or a
    deleted annotation becomes a negative example, a killed one unlinks its name). An export whose
    concepts are mostly not in the pack is refused unless ``allow_new_concepts``.
    """
    out = check_new_dir(out_dir)
    export = as_export(export_path)
    concepts = check_export_concepts(export, pack.cat.cdb.cui2info, allow_new=allow_new_concepts,
                                     source=str(export_path) if not isinstance(export_path, dict) else "<export>")
    held_out_note = None
    if test_fraction is None:
        n_docs = sum(1 for _ in documents(export))
        test_fraction = DEFAULT_TEST_FRACTION if n_docs >= MIN_DOCUMENTS_TO_HOLD_OUT else 0.0
        if not test_fraction:
            held_out_note = (f"the export has {n_docs} document(s), fewer than {MIN_DOCUMENTS_TO_HOLD_OUT}: all were "
                             "trained on and no held-out score was computed (pass --test-fraction to hold some out)")
    train, test = split_export(export, test_fraction, seed)
    engine = _engine_for(pack)
    cat = pack.cat
    before = evaluate_export(pack, test, engine=engine) if test["projects"] else None

    positives, dropped = _positives_only(train)
    n_pos = sum(len(d["annotations"]) for _, d in documents(positives))
    if n_pos == 0:
        raise TrainingError(f"{export_path}: no accepted annotations in the training split; fix: export "
                            f"validated annotations (correct: true)")
    seed_training(seed)
    started = time.time()
    cat.trainer.train_supervised_raw(positives, nepochs=nepochs, never_terminate=True,
                                     disable_progress=not progress)
    negatives = _train_negatives(cat, train)
    killed = 0
    for _, doc in documents(train):
        for ann in doc["annotations"]:
            if ann.get("killed") and ann["cui"] in cat.cdb.cui2info:
                cat.trainer.unlink_concept_name(ann["cui"], ann["value"])
                killed += 1
    seconds = time.time() - started
    after = evaluate_export(pack, test, engine=engine) if test["projects"] else None

    n_train_docs = sum(1 for _ in documents(train))
    n_test_docs = sum(1 for _ in documents(test))
    stats = {"kind": "supervised", "export": Path(str(export_path)).name if not isinstance(export_path, dict)
             else "<dict>", "train_documents": n_train_docs, "test_documents": n_test_docs,
             "positives": n_pos, "negatives": negatives, "annotated_concepts": concepts["annotated"],
             "new_concepts": concepts["new"], "unlinked": killed, "dropped": dropped,
             "seed": seed, "test_fraction": test_fraction, "held_out_note": held_out_note,
             "seconds": round(seconds, 1),
             "f1_before": before["concepts"]["f1"] if before else None,
             "f1_after": after["concepts"]["f1"] if after else None}
    pack.save(out, note="supervised training on a MedCATtrainer export", training=stats)
    return {"before": before, "after": after, "training": stats, "pack": str(out)}
