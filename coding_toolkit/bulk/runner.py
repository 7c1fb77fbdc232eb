"""Run a pipeline over a stream of notes: batched, resumable, optionally in a process pool.

Memory stays flat: notes are read lazily, at most ``2 x workers`` batches are in flight, and
the resume ledger (not memory) remembers which note ids were written.
"""
from __future__ import annotations

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
from coding_toolkit.io.csv_file import write_csv
from coding_toolkit.io.serialize import dumps_result, suggestion_from_json, suggestion_to_json
from coding_toolkit.io.sinks.base import Sink
from coding_toolkit.pipeline import NoteRejected, Pipeline, text_hash
from coding_toolkit.records import Note, NoteResult
from coding_toolkit.run_config import RunConfig
from coding_toolkit.wording import counted

log = logging.getLogger(__name__)



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

# one wording and category wherever a note id repeats (local runner, Spark partitions)
DUPLICATE_ID_REASON = ("duplicate note_id: an earlier note with this id was already annotated; "
                       "fix: give each note a unique id")
DUPLICATE_ID_CATEGORY = "duplicate note_id"


def reject_breakdown(categories: dict[str, int]) -> str:
    """'2 malformed line, 1 empty': a run's rejects by category, most first (both engines' summary lines)."""
    return ", ".join(f"{n} {c}" for c, n in sorted(categories.items(), key=lambda kv: (-kv[1], kv[0])))


@dataclass
class RunSummary:
    written: int = 0
    rejected: int = 0
    skipped_done: int = 0
    batches: int = 0
    rejects_file: str | None = None
    reasons: dict[str, int] = field(default_factory=dict)
    up_to_date: bool = False  # nothing was run: the same notes, pack and settings were annotated already
    message: str = ""  # why nothing was run
    illustrative: bool = False  # the codes come from the illustrative starter map

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
    import gc

    _die_with_parent(parent_pid)
    # what the parent loaded is out of this worker's collector's reach, so the collector's passes
    # never write to those objects' headers and their pages stay shared with the parent (a caller
    # that did not freeze them itself, e.g. through the API, otherwise sees every worker copy the
    # model bit by bit). No collection first: that would touch every inherited object.
    gc.freeze()


def _spawned_worker_init(config: RunConfig, parent_pid: int) -> None:
    """Load the pipeline once in a spawned worker (packs with MetaCAT models: torch is not fork-safe)."""
    global _WORKER_PIPELINE
    _die_with_parent(parent_pid)
    import torch

    from coding_toolkit.process import freeze_loaded_objects

    torch.set_num_threads(1)  # one process per core already
    _WORKER_PIPELINE = Pipeline.from_config(config)
    freeze_loaded_objects()  # a worker's entry: its process, its collector


def _make_pool(pipeline: Pipeline, workers: int) -> ProcessPoolExecutor:
    """Fork workers that inherit the loaded pipeline (copy-on-write, no reload) unless torch is
    loaded: a forked child of a process with torch's thread pools can deadlock, so packs with
    MetaCAT models use spawned workers that each load the pack once (from the configuration the
    pipeline was loaded with, ``Pipeline.from_config``)."""
    global _WORKER_PIPELINE
    if "torch" in sys.modules and pipeline.config is not None:
        return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_spawned_worker_init, initargs=(pipeline.config, os.getpid()))
    _WORKER_PIPELINE = pipeline
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_forked_worker_init, initargs=(os.getpid(),))


def _stop_pool(pool: ProcessPoolExecutor, *, wait_s: float = 10.0) -> None:
    """Stop the workers now (a run stopped by a signal or an error): their batches were not committed."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)
    results = getattr(pool, "_result_queue", None)  # shutdown() drops the pool's references
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=wait_s)
        if process.is_alive():
            process.kill()
            process.join(timeout=wait_s)
    # A worker stopped while sending its result leaves half a message in the result pipe: the pool's
    # manager thread then waits in recv() for the rest, and as a non-daemon thread it keeps the
    # process from exiting, forever. The parent holds the last write end once the workers are gone;
    # closing it turns that wait into EOF, which the manager handles as a broken pool and stops.
    writer = getattr(results, "_writer", None)
    if writer is not None:
        try:
            writer.close()
        except OSError:
            pass
    if manager is not None and manager.is_alive():
        manager.join(timeout=wait_s)
        if manager.is_alive():
            log.warning("the process pool's manager thread did not stop; the process may not exit")


class RunStopped(ToolkitError):
    """SIGTERM, SIGHUP or Ctrl-C (SIGINT) stopped the run between or inside batches; everything
    committed is kept. Exit code 128 + the signal's number (130 for Ctrl-C, as shells report it)."""

    exit_code = 128 + signal.SIGTERM

    def __init__(self, message: str, signum: int = signal.SIGTERM):
        super().__init__(message)
        self.signum = signum
        self.exit_code = 128 + signum

    @property
    def stopped_by(self) -> str:
        return "Ctrl-C" if self.signum == signal.SIGINT else signal.Signals(self.signum).name


@contextmanager
def _stop_on_terminate():
    """Turn SIGTERM/SIGHUP/SIGINT into an exception in the main thread, so a stopped run closes its
    pool, output and ledger (resumable), instead of dying and leaving its workers behind."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise RunStopped(f"stopped by {signal.Signals(signum).name}; the notes written so far are kept; "
                         "fix: run the same command with --resume to continue", signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)}
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
    """One batch in a worker: the batch the parent made, processed as it is (no re-batching)."""
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


def run(notes: Iterable[Note], config: RunConfig, sink: Sink, *, pipeline: Pipeline, ledger_path: str | Path,
        resume: bool = False, settings: dict[str, str] | None = None,
        rejects_path: str | Path | None = None, progress: bool = False,
        total: int | None = None, identity: dict[str, str] | None = None) -> RunSummary:
    """Annotate ``notes`` into ``sink`` with ``pipeline``, batched and in ``config.workers`` processes
    as ``config`` says; see the module docstring for the guarantees.

    ``settings``: what a resume must share (``RunConfig.settings`` and the run id), checked against
    the ledger. ``identity``: facts a resume may change (e.g. the input's fingerprint), stored in the
    ledger with the completion time so that a re-run can tell "up to date" from "changed"."""
    with _stop_on_terminate():
        job = _Run(pipeline, sink, Ledger(ledger_path), workers=config.workers)
        try:
            job.start({"pack_hash": pipeline.pack.hash, **(settings or {})}, identity or {}, resume=resume,
                      progress=progress, total=total)
            job.feed(notes, config.batch_notes, config.batch_chars)
            return job.finish(rejects_path)
        except RunStopped as stop:
            written, rejected = job.ledger.committed()
            this_run = max(0, written - job.summary.skipped_done)
            raise RunStopped(
                f"stopped by {stop.stopped_by}; {counted(written, 'note')} {'is' if written == 1 else 'are'} committed to the "
                f"output ({this_run} in this run) and {rejected} rejected, all kept; fix: run the same "
                "command with --resume to continue", stop.signum) from None
        finally:
            job.close()


class _Run:
    """One run's state: the ledger, the sink, the pool, the progress bar and the batches in flight.

    ``start`` checks the ledger and opens the sink; ``feed`` reads the notes in batches, skipping
    the ones a resumed run already wrote and rejecting duplicate ids; ``finish`` closes the sink and
    marks the run complete. ``close`` (always) stops the pool, releases the sink if ``finish`` did
    not close it, and closes the ledger: no worker or open output outlives a failed run."""

    def __init__(self, pipeline: Pipeline, sink: Sink, ledger: Ledger, *, workers: int):
        self.pipeline, self.sink, self.ledger, self.workers = pipeline, sink, ledger, workers
        self.summary = RunSummary()
        self.pool: ProcessPoolExecutor | None = None
        self.bar = None
        self.sink_open = False
        self.in_flight: deque = deque()  # (todo, pre-rejected, future or None, results or None)
        self.in_flight_ids: set[str] = set()
        self.keep_summaries = False
        self.as_lines = False
        self.first_batch = self.batch_no = 0
        self.position: int | None = None

    def start(self, settings: dict[str, str], identity: dict[str, str], *, resume: bool, progress: bool,
              total: int | None) -> None:
        from tqdm import tqdm

        ledger, sink = self.ledger, self.sink
        ledger.check_run(settings, resume=resume)
        ledger.record({**identity, "complete": ""})
        self.first_batch = self.batch_no = ledger.next_batch()
        sink.open(resume_position=ledger.last_position())
        self.sink_open = True
        # aggregating sinks (CDS) need the notes written before a resume: only for them is each
        # note's suggestion summary kept in the ledger
        self.keep_summaries = sink.aggregates
        if self.keep_summaries:
            sink.replay(summaries_as_results(ledger, self.pipeline.provenance))
        self.position = ledger.last_position()
        self.pool = _make_pool(self.pipeline, self.workers) if self.workers > 1 else None
        # workers serialise for a sink that takes lines (JSONL) unless summaries are needed
        self.as_lines = sink.accepts_lines and not self.keep_summaries
        self.bar = tqdm(total=total, unit="note", disable=not progress, dynamic_ncols=True, smoothing=0.05)

    def feed(self, notes: Iterable[Note], batch_notes: int, batch_chars: int) -> None:
        for raw in batched(notes, batch_notes, batch_chars):
            todo, pre = self._triage(raw)
            self._submit(todo, pre)
            while len(self.in_flight) > (2 * self.workers if self.pool else 0):
                self._drain_one()
        while self.in_flight:
            self._drain_one()

    def _triage(self, raw: list[Note]) -> tuple[list[Note], list[Rejected]]:
        """(notes to annotate, duplicate ids rejected) of one batch; notes already written are skipped."""
        seen = self.ledger.seen([n.note_id for n in raw])
        todo: list[Note] = []
        pre: list[Rejected] = []
        batch_ids: set[str] = set()
        for note in raw:
            earlier = seen.get(note.note_id, ())
            hash_ = text_hash(note.text) if isinstance(note.text, str) else ""
            if any(h == hash_ and b < self.first_batch for h, b in earlier):
                self.summary.skipped_done += 1  # written (or rejected for good) by the run being resumed
                self.bar.update(1)
                continue
            if earlier or note.note_id in self.in_flight_ids or note.note_id in batch_ids:
                pre.append(_rejected(note, DUPLICATE_ID_REASON, DUPLICATE_ID_CATEGORY))
                continue
            batch_ids.add(note.note_id)
            todo.append(note)
        self.in_flight_ids |= batch_ids
        return todo, pre

    def _submit(self, todo: list[Note], pre: list[Rejected]) -> None:
        future = self.pool.submit(_worker_batch, todo, self.as_lines) if self.pool and todo else None
        results = None if future else process_batch(self.pipeline, todo)
        self.in_flight.append((todo, pre, future, results))

    def _drain_one(self) -> None:
        todo, pre, future, results = self.in_flight.popleft()
        results = future.result() if future else results
        done = [r for r in results if not isinstance(r, Rejected)]
        rejected = pre + [r for r in results if isinstance(r, Rejected)]
        if done:
            try:
                self.position = self.sink.write(done)
            except OSError as err:  # a full disk: the message names the output (write() errors name no file)
                if err.filename is None and err.errno is not None:
                    err.filename = getattr(self.sink, "path", None)
                raise
        self.ledger.commit_batch(
            self.batch_no, self.position,
            [(r.note_id, r.text_hash, r.episode_id, _summary(r) if self.keep_summaries else None) for r in done],
            [(r.note_id, r.source, r.reason, r.text_hash, r.retry) for r in rejected])
        self.batch_no += 1
        summary = self.summary
        summary.batches += 1
        summary.written += len(done)
        summary.rejected += len(rejected)
        for r in rejected:
            summary.reasons[r.category] = summary.reasons.get(r.category, 0) + 1
        for note in todo:
            self.in_flight_ids.discard(note.note_id)
        self.bar.update(len(todo) + len(pre))

    def finish(self, rejects_path: str | Path | None) -> RunSummary:
        from datetime import datetime, timezone

        self.bar.close()
        if self.pool:
            self.pool.shutdown()
            self.pool = None
        self.sink_open = False
        self.sink.close()
        if rejects_path:
            self.summary.rejects_file = _write_rejects(self.ledger, Path(rejects_path))
        self.ledger.record({"complete": datetime.now(timezone.utc).isoformat(timespec="seconds")})
        return self.summary

    def close(self) -> None:
        try:
            if self.pool is not None:  # stopped by a signal or an error: no worker may outlive the run
                _stop_pool(self.pool)
                self.pool = None
            if self.bar is not None:
                self.bar.close()
            if self.sink_open:  # what was committed stays; an aggregating sink writes nothing partial
                self.sink_open = False
                self.sink.abort()
        finally:
            self.ledger.close()


def _write_rejects(ledger: Ledger, path: Path) -> str | None:
    """All rejects of the run (including resumed parts), written atomically; no note text."""
    rows = list(ledger.rejects())
    if not rows:
        if path.exists():
            path.unlink()
        return None
    write_csv(path, [["note_id", "source", "reason"], *rows])  # note ids come from outside: spreadsheet-safe
    return str(path)
