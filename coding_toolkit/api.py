"""``coding_toolkit.annotate``: the library entry point behind the CLI (workers and Spark call the batch function).

    import coding_toolkit as ct
    summary = ct.annotate("notes.jsonl", ct.RunConfig(format="csv"), "suggestions.csv")  # a resumable run
    for result in ct.annotate(notes, ct.RunConfig()):  # no sink: NoteResult | Rejected per note, in order
        ...
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coding_toolkit.run_config import RunConfig

if TYPE_CHECKING:
    from coding_toolkit.bulk.runner import Rejected, RunSummary
    from coding_toolkit.pipeline import Pipeline
    from coding_toolkit.records import Note, NoteResult

_LOADED: tuple[tuple, Any] | None = None  # (RunConfig.pipeline_key, Pipeline): one loaded model per process


def pipeline_for(config: RunConfig, *, progress: bool = False) -> Pipeline:
    """The pipeline ``config`` describes, loaded once per process (the last one asked for is kept)."""
    from coding_toolkit.pipeline import Pipeline

    global _LOADED
    if _LOADED is not None and _LOADED[0] == config.pipeline_key:
        return _LOADED[1]
    _LOADED = None  # drop the earlier model before loading another: one model in memory
    pipeline = Pipeline.from_config(config, progress=progress)
    _LOADED = (config.pipeline_key, pipeline)
    return pipeline


def annotate(notes: Iterable[Note] | str | Path, config: RunConfig | None = None, sink: Any = None, *,
             db: str | None = None, resume: bool = False, overwrite: bool = False, progress: bool = False,
             pipeline: Pipeline | None = None, ledger_path: str | Path | None = None,
             rejects_path: str | Path | None = None, freeze_model: bool = False,
             ) -> RunSummary | Iterator[NoteResult | Rejected]:
    """Annotate ``notes`` (Note records, or a notes file/folder read with ``config``'s columns).

    Without ``sink``: an iterator of ``NoteResult`` (or ``Rejected``, with the reason) per note, in
    order; nothing is written. With ``sink`` (an output path written in ``config.format``, or a sink
    object) and/or ``db`` (the SQL tables, a SQLAlchemy URL or SQLite file): a batched, resumable run
    into it (``bulk/lifecycle.py``), returning its ``RunSummary``, with the CLI's rules: an output
    that no earlier run records, or one a completed run wrote from other notes, pack or settings, is
    refused (InputError naming the fix) unless ``overwrite``; the same run again is ``up_to_date``
    (nothing done); ``resume`` continues a stopped run. The ledger and rejects file default to the
    CLI's for that output. ``pipeline`` reuses a loaded pipeline instead of loading ``config``'s;
    ``freeze_model`` moves the loaded model out of the garbage collector's reach (process-wide: for a
    process that only annotates, as the CLI does).
    """
    config = config or RunConfig()
    if isinstance(notes, (str, Path)):  # a file's own episode_id field counts without episode_column
        from dataclasses import replace

        from coding_toolkit.io.notes_reader import episode_column_of
        config = replace(config, episode_column=episode_column_of(notes, config.episode_column, config.source_db))
    if sink is None and db is None:
        if isinstance(notes, (str, Path)):
            notes = config.read_notes(notes)
        return _results(notes, pipeline or pipeline_for(config, progress=progress), config)
    from coding_toolkit.bulk.lifecycle import plan_run
    from coding_toolkit.bulk.runner import RunSummary

    by_path = sink is None or isinstance(sink, (str, Path))
    out = (str(sink) if sink is not None else None) if by_path else getattr(sink, "path", None)
    plan = plan_run(notes, config, out, db, resume=resume, overwrite=overwrite, progress=progress,
                    ledger_path=ledger_path, rejects_path=rejects_path)
    if plan.up_to_date:
        return RunSummary(up_to_date=True, message=plan.message)
    if pipeline is None:
        pipeline = pipeline_for(plan.config, progress=progress)
    if freeze_model:
        from coding_toolkit.process import freeze_loaded_objects
        freeze_loaded_objects()  # the loaded model is long-lived: keep the collector from rescanning it
    return plan.execute(pipeline, None if by_path else sink, progress=progress)


def _results(notes: Iterable[Note], pipeline: Pipeline, config: RunConfig) -> Iterator[NoteResult | Rejected]:
    from coding_toolkit.bulk.runner import batched, process_batch

    for batch in batched(notes, config.batch_notes, config.batch_chars):
        yield from process_batch(pipeline, batch)
