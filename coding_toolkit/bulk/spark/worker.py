"""The executors' side: one loaded pack per Python worker (cached by content hash) and the
``mapInPandas`` function annotating a partition's notes."""
from __future__ import annotations

import hashlib
import logging
import os
import pickle
from dataclasses import dataclass, replace

from pyspark import SparkFiles

from coding_toolkit.bulk.spark.schema import DUPLICATE_CATEGORY, DUPLICATE_REASON, NOTE_SCHEMA
from coding_toolkit.errors import PackError
from coding_toolkit.pipeline import RunRules
from coding_toolkit.run_config import RunConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _WorkerConfig:
    """Everything a Python worker needs; pickled into the mapInPandas closure (small)."""

    pack_name: str  # SparkFiles name of the shipped pack folder
    pack_hash: str  # content hash the driver saw: the worker refuses anything else
    pack_path: str | None  # shared-storage path read in place (ship_pack=False), else None
    run: RunConfig  # max_note_chars, the batch bounds and the linker (its paths are the driver's: not used here)
    # the policy, coding rules and context rules, loaded (and checked) on the driver: no file travels
    rules: RunRules
    rules_digest: str  # identity of ``rules`` (a changed rule is another worker configuration)

    @classmethod
    def of(cls, pack_name: str, pack_hash: str, pack_path: str | None, run: RunConfig, rules: RunRules):
        digest = hashlib.sha256(pickle.dumps(rules)).hexdigest()[:16]
        return cls(pack_name, pack_hash, pack_path, run, rules, digest)

    @property
    def key(self) -> tuple:
        return (self.pack_hash, self.rules_digest, self.run.max_note_chars, self.run.linker)


_PIPELINE: tuple[tuple, object] | None = None  # (config key, Pipeline): one loaded pack per worker
_LOADS = 0  # packs loaded by this worker process (tests check it stays at one)


def _worker_pipeline(cfg: _WorkerConfig):
    global _PIPELINE, _LOADS
    if _PIPELINE is not None and _PIPELINE[0] == cfg.key:
        return _PIPELINE[1]
    _PIPELINE = None  # drop an earlier pack before loading another: one model in memory
    import coding_toolkit.offline  # noqa: F401  (before medcat)
    from coding_toolkit.pipeline import Pipeline
    from coding_toolkit.process import freeze_loaded_objects

    path = cfg.pack_path or SparkFiles.get(cfg.pack_name)
    pipeline = Pipeline.from_config(replace(cfg.run, pack=path), rules=cfg.rules)
    if pipeline.pack.hash != cfg.pack_hash:
        raise PackError(f"{path}: the executor's pack has hash {pipeline.pack.hash[:16]}..., the driver's "
                        f"{cfg.pack_hash[:16]}... (the pack folder changed during the Spark session); "
                        "fix: start a new Spark session or give the rebuilt pack a new folder name")
    _PIPELINE = (cfg.key, pipeline)
    _LOADS += 1
    freeze_loaded_objects()  # the Python worker keeps this model for its lifetime
    log.info("loaded pack %s in Python worker %d", cfg.pack_hash[:12], os.getpid())
    return pipeline


def _note_row(note_id, episode_id, source, status, category=None, reason=None, text_hash="", result=None) -> dict:
    """One NOTE_SCHEMA row; ``result`` (a NoteResult) serialised exactly as the JSONL sink writes a line."""
    from coding_toolkit.io.serialize import dumps_result

    return {"note_id": note_id, "episode_id": episode_id, "source": source, "status": status,
            "category": category, "reason": reason, "text_hash": text_hash,
            "n_mentions": len(result.mentions) if result else 0,
            "n_suggestions": len(result.suggestions) if result else 0,
            "result": dumps_result(result).decode("utf-8") if result is not None else None}


def _annotate_partitions(cfg: _WorkerConfig):
    """The mapInPandas function: input columns note_id, text, episode_id, source, problem, problem_kind
    (sorted by input order)."""

    def run(frames):
        import pandas as pd

        from coding_toolkit.bulk.runner import Rejected, batched, process_batch
        from coding_toolkit.io.notes_reader import MISSING_ID_CATEGORY, clean_id
        from coding_toolkit.records import Note

        columns = [c.split()[0] for c in NOTE_SCHEMA.split(", ")]
        seen: set[str] = set()  # ids of this partition (all duplicates of an id land here)

        def frame(rows):
            out = pd.DataFrame(rows, columns=columns)
            return out.astype({"n_mentions": "int32", "n_suggestions": "int32"})

        for pdf in frames:
            rows, notes = [], []
            for note_id, text, episode_id, source, problem, kind in zip(
                    pdf["note_id"], pdf["text"], pdf["episode_id"], pdf["source"], pdf["problem"],
                    pdf["problem_kind"]):
                note_id = clean_id(note_id)  # the local reader's rule for ids and episodes
                episode_id = clean_id(episode_id) or None
                source = source if isinstance(source, str) else ""
                if not note_id:
                    rows.append(_note_row(None, episode_id, source, "rejected", MISSING_ID_CATEGORY,
                                          "missing note id; fix: fill the id column for every note"))
                elif note_id in seen:
                    rows.append(_note_row(note_id, episode_id, source, "rejected", DUPLICATE_CATEGORY,
                                          DUPLICATE_REASON))
                else:
                    seen.add(note_id)
                    notes.append(Note(note_id=note_id, text=text if isinstance(text, str) else "",
                                      episode_id=episode_id, source=source,
                                      problem=problem if isinstance(problem, str) else None,
                                      # the reader's category for it (malformed line, missing note_id ...)
                                      problem_kind=kind if isinstance(kind, str) and kind else Note.problem_kind))
            if rows:
                yield frame(rows)
            for batch in batched(notes, cfg.run.batch_notes, cfg.run.batch_chars):
                pipeline = _worker_pipeline(cfg)  # loaded on the first batch that needs it
                out = []
                for note, res in zip(batch, process_batch(pipeline, batch)):  # batched once, here
                    if isinstance(res, Rejected):
                        out.append(_note_row(res.note_id, note.episode_id, res.source, "rejected", res.category,
                                             res.reason))
                    else:
                        out.append(_note_row(res.note_id, res.episode_id, note.source, "ok",
                                             text_hash=res.text_hash, result=res))
                yield frame(out)

    return run
