"""One run of ``annotate`` into an output, from the up-to-date check to the summary: in the library,
so ``coding_toolkit.annotate`` and ``coding-toolkit annotate`` apply the same rules.

    plan = plan_run(notes, config, out, db, resume=False, overwrite=False)
    if not plan.up_to_date:                 # the rules of bulk/rerun.py: start, resume, refuse or nothing to do
        summary = plan.execute(pipeline)    # the runner, with the run's ledger, id, rejects file and count

``plan_run`` reads no note and loads no model (an up-to-date output costs nothing); ``execute``
writes, and a run that stops before its first batch is committed leaves nothing behind that would
block the corrected command (its ledger and the header it wrote).
"""
from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coding_toolkit.bulk import rerun
from coding_toolkit.bulk.ledger import Ledger
from coding_toolkit.errors import InputError
from coding_toolkit.run_config import RunConfig

if TYPE_CHECKING:
    from coding_toolkit.bulk.runner import RunSummary
    from coding_toolkit.io.sinks.base import Sink
    from coding_toolkit.pipeline import Pipeline
    from coding_toolkit.records import Note

# the identity facts a resume may change (stored with the completion time); the settings may not
_RESUMABLE_IDENTITY = ("input", "text_column", "id_column")


def run_record(pipeline: Pipeline, config: RunConfig, settings: dict[str, str], run_id: str) -> dict[str, Any]:
    """The run's description that sinks record (the SQL ``runs`` row; the CDS sink's coding rules)."""
    prov = pipeline.provenance
    return {"run_id": run_id, "started": datetime.now(timezone.utc).isoformat(),
            "pack_hash": pipeline.pack.hash, "map_release": prov.get("map_release"),
            "toolkit_version": prov.get("toolkit_version"), "illustrative": prov.get("illustrative"),
            "episode_column": config.episode_column, "arguments": settings,
            "coding_rules": pipeline.coding_rules}  # the CDS sink re-applies them per episode


@dataclass(frozen=True)
class RunPlan:
    """What one run will do (``plan_run``), and ``execute`` to do it."""

    notes: Iterable[Note] | str | Path
    config: RunConfig  # its pack resolved (the starter pack's folder when none was given)
    out: str | None
    db: str | None
    ledger_path: Path
    rejects_path: Path
    resume: bool
    settings: dict[str, str]
    identity: dict[str, str] = field(default_factory=dict)
    run_id: str = ""
    up_to_date: bool = False
    message: str = ""  # why there is nothing to do

    def execute(self, pipeline: Pipeline, sink: Sink | None = None, *, progress: bool = False) -> RunSummary:
        """Annotate into ``sink`` (by default the sink of ``config.format`` for ``out`` and/or ``db``)."""
        from coding_toolkit.bulk import runner

        config, by_path = self.config, isinstance(self.notes, (str, Path))
        notes = config.read_notes(self.notes) if isinstance(self.notes, (str, Path)) else self.notes
        total = None
        if progress and by_path:  # a total gives the bar its ETA; counting is cheap next to annotating
            from coding_toolkit.io.notes_reader import count_notes
            total = count_notes(None if config.source_db else self.notes, text_column=config.text_column,
                                id_column=config.id_column, episode_column=config.episode_column,
                                source_db=config.source_db, query=str(self.notes) if config.source_db else None)
        if sink is None:
            from coding_toolkit.io.sinks import open_sink
            sink = open_sink(config.format, self.out, db_url=self.db,
                             run=run_record(pipeline, config, self.settings, self.run_id))
        try:
            summary = runner.run(notes, config, sink, pipeline=pipeline, ledger_path=self.ledger_path,
                                 resume=self.resume, settings={**self.settings, "run_id": self.run_id},
                                 rejects_path=self.rejects_path, progress=progress, total=total,
                                 identity={k: self.identity[k] for k in _RESUMABLE_IDENTITY if k in self.identity})
        except BaseException:
            # stopped before its first note was committed (e.g. a wrong column): leave nothing that would
            # block the corrected command
            prior = Ledger.inspect(self.ledger_path)
            if not self.resume and prior is not None and prior["batches"] == 0:
                rerun.discard(self.ledger_path)
                if self.out:  # written by this run only (a header at most): plan_run allowed replacing it
                    with contextlib.suppress(OSError):  # never hide the error that stopped the run
                        Path(self.out).unlink(missing_ok=True)
            raise
        summary.illustrative = bool(pipeline.provenance.get("illustrative"))
        return summary


def plan_run(notes: Iterable[Note] | str | Path, config: RunConfig, out: str | Path | None = None,
             db: str | None = None, *, resume: bool = False, overwrite: bool = False, progress: bool = False,
             ledger_path: str | Path | None = None, rejects_path: str | Path | None = None) -> RunPlan:
    """Decide what a run of ``notes`` into ``out`` and/or ``db`` does (bulk/rerun.py's rules): raises
    InputError for a run that must be refused (with the fix), returns an up-to-date plan when the same
    notes, pack and settings were already annotated, else the plan of the run to start or resume."""
    if resume and overwrite:
        raise InputError("--resume continues an output and --overwrite replaces it: give one of them")
    out = str(out) if out is not None else None
    if out and Path(out).is_dir():
        raise InputError(f"--out {out} is a folder; give a file name such as {Path(out) / 'suggestions.jsonl'}")
    from coding_toolkit.io.outputs import check_db_output, check_output
    if out:  # an output that cannot be written fails now, in one line, not after the model loads
        check_output(out, "--out")
    check_db_output(db)
    if ledger_path is None and out is None and db is None:
        raise ValueError("annotate: give ledger_path for a sink that is not a file")
    by_path = isinstance(notes, (str, Path))
    if by_path and not config.source_db:
        from coding_toolkit.io.notes_reader import notes_format
        notes_format(notes)  # a missing file or unknown format: one line, before anything else
    if config.pack is None:
        from coding_toolkit.concepts.starter import starter_pack_path
        config = replace(config, pack=str(starter_pack_path(progress=progress)))
    from coding_toolkit.concepts.pack import resolve_pack_path
    from coding_toolkit.concepts.pack_files import read_pack_json

    settings = config.settings(out, db)
    # notes given in memory have no fingerprint: a completed run of them is never "up to date"
    source = rerun.input_fingerprint(str(notes), config.source_db) if by_path else f"in memory {uuid.uuid4()}"
    identity = {**settings, "pack_hash": read_pack_json(resolve_pack_path(config.pack))["content_hash"],
                "input": source, "text_column": config.text_column, "id_column": config.id_column}
    ledger = Path(ledger_path) if ledger_path is not None else rerun.ledger_path_for(out, db)
    decision = rerun.decide(ledger, out=out, resume=resume, overwrite=overwrite, identity=identity)
    # a resumed run keeps its id, so SQL rows re-written after a kill replace, never duplicate
    run_id = (Ledger.existing_run_id(ledger) if resume else None) or uuid.uuid4().hex
    return RunPlan(notes=notes, config=config, out=out, db=db, ledger_path=ledger,
                   rejects_path=Path(rejects_path) if rejects_path else rerun.rejects_path_for(out, ledger),
                   resume=resume, settings=settings, identity=identity, run_id=run_id,
                   up_to_date=decision.up_to_date, message=decision.message)
