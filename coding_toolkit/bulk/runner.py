"""Run a pipeline over a stream of notes: batched, resumable, optionally in a process pool.

Memory stays flat: notes are read lazily, at most ``2 x workers`` batches are in flight, and
the resume ledger (not memory) remembers which note ids were written.
"""
from __future__ import annotations

import csv
import gc
import json
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coding_toolkit.bulk.ledger import Ledger
from coding_toolkit.errors import ToolkitError
from coding_toolkit.io.sinks.base import spreadsheet_safe
from coding_toolkit.io.serialize import dumps_result, suggestion_from_json, suggestion_to_json
from coding_toolkit.pipeline import NoteRejected, Pipeline, text_hash
from coding_toolkit.records import Note, NoteResult

log = logging.getLogger(__name__)

# batches are bounded by notes and by characters, so one huge note does not hold up a batch
DEFAULT_BATCH_NOTES = 64
DEFAULT_BATCH_CHARS = 300_000


@dataclass(frozen=True)
class Rejected:
    note_id: str
    source: str
    reason: str  # never the note's text
    category: str  # short fixed label, for counts
    text_hash: str = ""
    retry: bool = False  # a processing failure: a resumed run tries the note again


def _rejected(note: Note, reason: str, category: str, *, retry: bool = False) -> Rejected:
    text = note.text if isinstance(note.text, str) else ""
    return Rejected(note.note_id, note.source or "", reason, category, text_hash(text), retry)


# a run where more than this share of the notes that reached the pipeline failed in processing is
# broken (the model, a MedCAT change, a stage), not its notes: the CLI exits non-zero (RunFailed)
FAILED_RUN_SHARE = 0.5
PROCESSING_FAILED = "processing failed"


@dataclass
class RunSummary:
    written: int = 0
    rejected: int = 0
    skipped_done: int = 0
    batches: int = 0
    rejects_file: str | None = None
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def processing_failures(self) -> int:
        return self.reasons.get(PROCESSING_FAILED, 0)

    def mostly_failed(self) -> bool:
        """More than FAILED_RUN_SHARE of the notes this run processed (written or failed) failed."""
        tried = self.written + self.processing_failures
        return tried > 0 and self.processing_failures > FAILED_RUN_SHARE * tried


def batched(notes: Iterable[Note], max_notes: int, max_chars: int) -> Iterator[list[Note]]:
    batch: list[Note] = []
    chars = 0
    for note in notes:
        batch.append(note)
        chars += len(note.text) if isinstance(note.text, str) else 0
        if len(batch) >= max_notes or chars >= max_chars:
            yield batch
            batch, chars = [], 0
    if batch:
        yield batch


def process_batch(pipeline: Pipeline, notes: list[Note]) -> list[NoteResult | Rejected]:
    """Results in note order. A note-specific failure becomes a reject; a failure that would hit
    every note (a configuration error, a lost database, no memory or disk) stops the run, which
    ``--resume`` then continues."""
    out: list[NoteResult | Rejected] = []
    for note in notes:
        try:
            out.append(pipeline.process(note))
        except NoteRejected as err:
            out.append(_rejected(note, str(err), err.category))
        except (ToolkitError, OSError, MemoryError):
            raise
        except Exception as err:  # one bad note must never stop the run
            # only the exception's type: its message may quote the note's text
            log.warning("note %s failed: %s", note.note_id, type(err).__name__)
            out.append(_rejected(note, f"processing failed ({type(err).__name__}); rerun with --resume to "
                                       "retry, or report it with the note id", PROCESSING_FAILED, retry=True))
    return out


# -- process pool: the pipeline is loaded once in the parent and inherited by forked workers ----
_WORKER_PIPELINE: Pipeline | None = None
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent(parent_pid: int) -> None:
    """Make a worker exit when the run's process dies, however it dies (SIGKILL included).

    A worker blocked on the pool's queue never sees EOF (forked workers hold the queue's write end
    too), so without this a killed run leaves its workers waiting forever. Linux: the kernel sends
    SIGKILL on the parent's death (prctl PR_SET_PDEATHSIG). Everywhere: a thread that checks the
    parent pid, which also covers a parent that died before prctl took effect.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):
            log.debug("prctl(PR_SET_PDEATHSIG) unavailable; the parent check thread remains")
    # the run handles SIGTERM; a worker just stops (its batch is not committed, --resume redoes it)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os._exit(1)

    if os.getppid() != parent_pid:
        os._exit(1)
    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _forked_worker_init(parent_pid: int) -> None:
    _die_with_parent(parent_pid)


def _spawned_worker_init(recipe: dict[str, Any], parent_pid: int) -> None:
    """Load the pipeline once in a spawned worker (packs with MetaCAT models: torch is not fork-safe)."""
    global _WORKER_PIPELINE
    _die_with_parent(parent_pid)
    import torch

    torch.set_num_threads(1)  # one process per core already
    _WORKER_PIPELINE = Pipeline.from_pack(**recipe)
    gc.freeze()


def _make_pool(pipeline: Pipeline, workers: int) -> ProcessPoolExecutor:
    """Fork workers that inherit the loaded pipeline (copy-on-write, no reload) unless torch is
    loaded: a forked child of a process with torch's thread pools can deadlock, so packs with
    MetaCAT models use spawned workers that each load the pack once."""
    global _WORKER_PIPELINE
    if "torch" in sys.modules and pipeline.recipe is not None:
        return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_spawned_worker_init, initargs=(pipeline.recipe, os.getpid()))
    _WORKER_PIPELINE = pipeline
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_forked_worker_init, initargs=(os.getpid(),))


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop the workers now (a run stopped by a signal or an error): their batches were not committed."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=10)
        if process.is_alive():
            process.kill()


class RunStopped(ToolkitError):
    """SIGTERM (or SIGHUP) stopped the run between or inside batches; everything committed is kept."""

    exit_code = 128 + signal.SIGTERM


@contextmanager
def _stop_on_terminate():
    """Turn SIGTERM/SIGHUP into an exception in the main thread, so a stopped run closes its pool,
    output and ledger (resumable), instead of dying and leaving its workers behind."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise RunStopped(f"stopped by {signal.Signals(signum).name}; the notes written so far are kept; "
                         "fix: run the same command with --resume to continue")

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@dataclass(frozen=True)
class SerialisedResult:
    """A NoteResult already written as its JSONL line, with what the runner's ledger needs."""

    note_id: str
    episode_id: str | None
    text_hash: str
    line: bytes


def _worker_batch(notes: list[Note], as_lines: bool = False) -> list[NoteResult | SerialisedResult | Rejected]:
    assert _WORKER_PIPELINE is not None
    results = process_batch(_WORKER_PIPELINE, notes)
    if not as_lines:
        return results
    return [SerialisedResult(r.note_id, r.episode_id, r.text_hash, dumps_result(r))
            if isinstance(r, NoteResult) else r for r in results]


def _summary(result: NoteResult) -> str:
    return json.dumps([suggestion_to_json(s) for s in result.suggestions], ensure_ascii=False)


def summaries_as_results(ledger: Ledger, provenance: dict[str, Any]) -> Iterator[NoteResult]:
    """Earlier notes' suggestions rebuilt from the ledger (no mentions), for aggregating sinks."""
    for note_id, episode_id, suggestions in ledger.summaries():
        yield NoteResult(note_id=note_id, episode_id=episode_id, mentions=(), provenance=provenance,
                         suggestions=tuple(suggestion_from_json(s) for s in suggestions))


def run(notes: Iterable[Note], pipeline: Pipeline, sink, *, ledger_path: str | Path,
        resume: bool = False, workers: int = 1, settings: dict[str, str] | None = None,
        batch_notes: int = DEFAULT_BATCH_NOTES, batch_chars: int = DEFAULT_BATCH_CHARS,
        rejects_path: str | Path | None = None, progress: bool = False,
        total: int | None = None, identity: dict[str, str] | None = None) -> RunSummary:
    """Annotate ``notes`` into ``sink``; see the module docstring for the guarantees.

    ``identity``: facts a resume may change (e.g. the input's fingerprint), stored in the ledger
    with the completion time so that a re-run can tell "up to date" from "changed"."""
    from datetime import datetime, timezone

    from tqdm import tqdm

    ledger = Ledger(ledger_path)
    summary = RunSummary()
    pool = None
    with _stop_on_terminate():
        try:
            ledger.check_run({"pack_hash": pipeline.pack.hash, **(settings or {})}, resume=resume)
            ledger.record({**(identity or {}), "complete": ""})
            first_batch = ledger.next_batch()
            sink.open(resume_position=ledger.last_position())
            # aggregating sinks (CDS) need the notes written before a resume: only for them is each
            # note's suggestion summary kept in the ledger
            keep_summaries = hasattr(sink, "replay")
            if keep_summaries:
                sink.replay(summaries_as_results(ledger, pipeline.provenance))
            position = ledger.last_position()
            gc.freeze()  # the loaded model is long-lived: keep the collector from rescanning it

            pool = _make_pool(pipeline, workers) if workers > 1 else None
            # workers serialise for a sink that takes lines (JSONL) unless summaries are needed
            as_lines = bool(getattr(sink, "accepts_lines", False)) and not keep_summaries
            bar = tqdm(total=total, unit="note", disable=not progress, dynamic_ncols=True, smoothing=0.05)
            in_flight: deque = deque()
            in_flight_ids: set[str] = set()
            batch_no = first_batch

            def submit(todo: list[Note], pre: list[Rejected]):
                future = pool.submit(_worker_batch, todo, as_lines) if pool and todo else None
                results = None if future else process_batch(pipeline, todo)
                in_flight.append((todo, pre, future, results))

            def drain_one():
                nonlocal position, batch_no
                todo, pre, future, results = in_flight.popleft()
                results = future.result() if future else results
                done = [r for r in results if not isinstance(r, Rejected)]
                rejected = pre + [r for r in results if isinstance(r, Rejected)]
                if done:
                    position = sink.write(done)
                ledger.commit_batch(
                    batch_no, position,
                    [(r.note_id, r.text_hash, r.episode_id, _summary(r) if keep_summaries else None) for r in done],
                    [(r.note_id, r.source, r.reason, r.text_hash, r.retry) for r in rejected])
                batch_no += 1
                summary.batches += 1
                summary.written += len(done)
                summary.rejected += len(rejected)
                for r in rejected:
                    summary.reasons[r.category] = summary.reasons.get(r.category, 0) + 1
                for note in todo:
                    in_flight_ids.discard(note.note_id)
                bar.update(len(todo) + len(pre))

            for raw in batched(notes, batch_notes, batch_chars):
                seen = ledger.seen([n.note_id for n in raw])
                todo: list[Note] = []
                pre: list[Rejected] = []
                batch_ids: set[str] = set()
                for note in raw:
                    earlier = seen.get(note.note_id, ())
                    hash_ = text_hash(note.text) if isinstance(note.text, str) else ""
                    if any(h == hash_ and b < first_batch for h, b in earlier):
                        summary.skipped_done += 1  # written (or rejected for good) by the run being resumed
                        bar.update(1)
                        continue
                    if earlier or note.note_id in in_flight_ids or note.note_id in batch_ids:
                        pre.append(_rejected(note, "duplicate note_id: an earlier note with this id was already "
                                                   "annotated; give each note a unique id", "duplicate note_id"))
                        continue
                    batch_ids.add(note.note_id)
                    todo.append(note)
                in_flight_ids |= batch_ids
                submit(todo, pre)
                while len(in_flight) > (2 * workers if pool else 0):
                    drain_one()
            while in_flight:
                drain_one()
            bar.close()
            if pool:
                pool.shutdown()
                pool = None
            sink.close()
            if rejects_path:
                summary.rejects_file = _write_rejects(ledger, Path(rejects_path))
            ledger.record({"complete": datetime.now(timezone.utc).isoformat(timespec="seconds")})
            return summary
        finally:
            if pool is not None:  # stopped by a signal or an error: no worker may outlive the run
                _stop_pool(pool)
            ledger.close()


def _write_rejects(ledger: Ledger, path: Path) -> str | None:
    """All rejects of the run (including resumed parts), written atomically; no note text."""
    rows = list(ledger.rejects())
    if not rows:
        if path.exists():
            path.unlink()
        return None
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["note_id", "source", "reason"])
        writer.writerows(spreadsheet_safe(row) for row in rows)  # note ids come from outside
    os.replace(tmp, path)
    return str(path)
