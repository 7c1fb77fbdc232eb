"""``coding_toolkit.annotate``: the library entry point behind the CLI, the local workers and Spark.

    import coding_toolkit as ct
    summary = ct.annotate("notes.jsonl", ct.RunConfig(format="csv"), "suggestions.csv")  # a resumable run
    for result in ct.annotate(notes, ct.RunConfig()):  # no sink: NoteResult | Rejected per note, in order
        ...
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
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
    global _LOADED
    if _LOADED is not None and _LOADED[0] == config.pipeline_key:
        return _LOADED[1]
    _LOADED = None  # drop the earlier model before loading another: one model in memory
    pipeline = config.load_pipeline(progress=progress)
    _LOADED = (config.pipeline_key, pipeline)
    return pipeline


def run_record(pipeline: Pipeline, config: RunConfig, settings: dict[str, str], run_id: str) -> dict[str, Any]:
    """The run's description that sinks record (the SQL ``runs`` row; the CDS sink's coding rules)."""
    prov = pipeline.provenance
    return {"run_id": run_id, "started": datetime.now(timezone.utc).isoformat(),
            "pack_hash": pipeline.pack.hash, "map_release": prov.get("map_release"),
            "toolkit_version": prov.get("toolkit_version"), "illustrative": prov.get("illustrative"),
            "episode_column": config.episode_column, "arguments": settings,
            "coding_rules": pipeline.coding_rules}  # the CDS sink re-applies them per episode


def annotate(notes: Iterable[Note] | str | Path, config: RunConfig | None = None, sink: Any = None, *,
             db: str | None = None, pipeline: Pipeline | None = None, ledger_path: str | Path | None = None, resume: bool = False,
             rejects_path: str | Path | None = None, progress: bool = False, total: int | None = None,
             run_id: str | None = None, identity: dict[str, str] | None = None,
             ) -> RunSummary | Iterator[NoteResult | Rejected]:
    """Annotate ``notes`` (Note records, or a notes file/folder read with ``config``'s columns).

    Without ``sink``: an iterator of ``NoteResult`` (or ``Rejected``, with the reason) per note, in
    order; nothing is written. With ``sink`` (a sink object, or an output path written in
    ``config.format``) and/or ``db`` (the SQL tables, a SQLAlchemy URL or SQLite file): a batched, resumable run (``bulk/runner.py``) into it, returning its
    ``RunSummary``; the resume ledger defaults to the one ``coding-toolkit annotate`` keeps for that
    output. ``pipeline`` reuses a loaded pipeline instead of loading ``config``'s.
    """
    config = config or RunConfig()
    if isinstance(notes, (str, Path)):
        from dataclasses import replace

        from coding_toolkit.io.notes_reader import episode_column_of
        config = replace(config, episode_column=episode_column_of(notes, config.episode_column, config.source_db))
        notes = config.read_notes(notes)
    if pipeline is None:
        pipeline = pipeline_for(config, progress=progress)
    if sink is None and db is None:
        return _results(notes, pipeline, config)
    from coding_toolkit.bulk import rerun, runner

    by_path = sink is None or isinstance(sink, (str, Path))
    out = (str(sink) if sink is not None else None) if by_path else getattr(sink, "path", None)
    out = str(out) if out is not None else None
    settings = config.settings(out, db)
    run_id = run_id or uuid.uuid4().hex
    if by_path:
        from coding_toolkit.io.sinks import open_sink

        if out and Path(out).is_dir():
            from coding_toolkit.errors import InputError
            raise InputError(f"--out {out} is a folder; give a file name such as {Path(out) / 'suggestions.jsonl'}")
        sink = open_sink(config.format, out, db_url=db, run=run_record(pipeline, config, settings, run_id))
    if ledger_path is None:
        if out is None and db is None:
            raise ValueError("annotate: give ledger_path for a sink that is not a file")
        ledger_path = rerun.ledger_path_for(out, db)
    return runner.run(notes, pipeline, sink, ledger_path=ledger_path, resume=resume, workers=config.workers,
                      settings={**settings, "run_id": run_id}, batch_notes=config.batch_notes,
                      batch_chars=config.batch_chars, rejects_path=rejects_path, progress=progress,
                      total=total, identity=identity)


def _results(notes: Iterable[Note], pipeline: Pipeline, config: RunConfig) -> Iterator[NoteResult | Rejected]:
    from coding_toolkit.bulk.runner import batched, process_batch

    for batch in batched(notes, config.batch_notes, config.batch_chars):
        yield from process_batch(pipeline, batch)
