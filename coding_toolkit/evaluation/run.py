"""An evaluation is an ``annotate`` run (``coding_toolkit.annotate``: batched, parallel, resumable)
per variant into a JSONL file in the state folder, then the scoring over that file.

The work file of a variant is keyed by the notes input and the variant (pack, policy, rules), so a
re-run with the same notes and pack only scores again; a run stopped part-way continues where it
stopped (the run ledger); changed notes or pack annotate again.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from coding_toolkit.evaluation.coded import CodedEpisode, CodedHistory, Reject
from coding_toolkit.io.sinks.base import SinkBase
from coding_toolkit.records import NoteResult
from coding_toolkit.run_config import RunConfig
from coding_toolkit.suggest.merge import evolve


@dataclass(frozen=True)
class Variant:
    """One pack/policy combination scored side by side with the others."""

    label: str
    config: RunConfig


@dataclass
class Annotated:
    """A variant's annotate run: its JSONL results and what the run reported."""

    variant: Variant
    path: Path
    rules: Any
    pack_hash: str
    provenance: dict
    rejects_file: str | None = None
    rejected: int = 0
    reused: bool = False
    results: list[NoteResult] | None = None  # collected while written (a fresh run)


class CollectingSink(SinkBase):
    """The JSONL work file's sink, keeping what the scoring needs of each note as it is written, so a
    fresh run is scored without reading its output back (a resumed run reads it back: ``read_results``)."""

    accepts_lines = True  # as the JSONL sink: parallel workers hand over serialised lines

    def __init__(self, inner, *, keep_mentions: bool):
        self.inner, self.path, self.keep_mentions = inner, inner.path, keep_mentions
        self.results: list[NoteResult] = []
        self.resumed = False

    def open(self, resume_position: int | None = None) -> None:
        self.resumed = resume_position is not None
        self.inner.open(resume_position=resume_position)

    def write(self, results) -> int | None:
        position = self.inner.write(results)
        for r in results:
            if not isinstance(r, NoteResult):  # a worker's serialised line
                r = _result_from_line(r.line, with_mentions=self.keep_mentions)
            elif not self.keep_mentions:
                r = evolve(r, mentions=())
            self.results.append(r)
        return position

    def abort(self) -> None:
        self.inner.abort()

    def close(self) -> None:
        self.inner.close()


def _result_from_line(line: bytes, *, with_mentions: bool) -> NoteResult:
    from coding_toolkit.io.serialize import result_from_json

    data = _loads(line)
    if not with_mentions:
        data["mentions"] = ()
    return result_from_json(data)


try:  # the same optional speed-up as io/serialize.py
    from orjson import loads as _loads
except ImportError:  # pragma: no cover - depends on the environment
    _loads = json.loads  # type: ignore[assignment]


@dataclass
class Episodes:
    """A variant's results grouped by episode (a note without an episode is its own)."""

    by_episode: dict[str, list[NoteResult]] = field(default_factory=dict)
    notes: int = 0


def variants(packs: Sequence[str | None], policies: Sequence[str | None], base: RunConfig) -> list[Variant]:
    """Every pack with every policy; labels are the pack folder and policy file names."""
    packs = list(packs) or [None]
    policies = list(policies) or [None]
    out = []
    for pack in packs:
        for policy in policies:
            parts = [Path(pack).name if pack else "starter"]
            if len(policies) > 1 or policy:
                parts.append(Path(policy).name if policy else "default policy")
            out.append(Variant(" + ".join(parts), replace(base, pack=pack, policy_path=policy, format="jsonl")))
    labels = [v.label for v in out]
    if len(set(labels)) != len(labels):
        out = [Variant(f"{v.label} [{i}]", v.config) for i, v in enumerate(out, 1)]
    return out


def work_dir(notes: str, config: RunConfig) -> Path:
    from coding_toolkit.resources import state_dir

    key = json.dumps([str(Path(notes).resolve()) if not config.source_db else notes, config.pipeline_key,
                      config.text_column, config.id_column, config.episode_column], default=str)
    folder = state_dir() / "evaluate" / hashlib.sha1(key.encode()).hexdigest()[:16]
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def annotate_variant(notes: str, variant: Variant, *, progress: bool = False, keep_mentions: bool = False,
                     loaded: Callable[[], None] | None = None) -> Annotated:
    """Annotate ``notes`` for ``variant`` into its work file, or reuse/continue an earlier run of it.

    ``loaded`` is called once the variant's pipeline is loaded (the CLI freezes the loaded objects
    there, ``process.freeze_loaded_objects``: the entry point's decision, not the library's)."""
    from coding_toolkit.api import pipeline_for
    from coding_toolkit.bulk import rerun
    from coding_toolkit.bulk.ledger import Ledger
    from coding_toolkit.bulk.lifecycle import plan_run, run_record
    from coding_toolkit.io.sinks import open_sink

    config = variant.config
    pipeline = pipeline_for(config, progress=progress)
    if loaded is not None:
        loaded()
    out = work_dir(notes, config) / "suggestions.jsonl"
    ledger = rerun.ledger_path_for(str(out), None)
    identity = {"input": rerun.input_fingerprint(notes, config.source_db), "text_column": config.text_column,
                "id_column": config.id_column}
    prior = Ledger.inspect(ledger)
    same = bool(prior is not None and prior["batches"] > 0 and out.exists()
            and prior["run"].get("pack_hash") == pipeline.pack.hash
            and all(prior["run"].get(k) == v for k, v in {**config.settings(str(out), None), **identity}.items()))
    rejects = rerun.rejects_path_for(str(out), ledger)
    done = Annotated(variant, out, pipeline.rules, pipeline.pack.hash, pipeline.provenance,
                     rejects_file=str(rejects) if rejects.exists() else None)
    if same and prior is not None and prior["run"].get("complete"):
        done.reused = True
        return done
    # the work file is the evaluation's own: a run of the same notes and settings continues, any other is replaced
    plan = plan_run(notes, config, str(out), None, resume=same, overwrite=not same, progress=progress,
                    ledger_path=ledger, rejects_path=rejects)
    sink = CollectingSink(open_sink("jsonl", out, run=run_record(pipeline, plan.config, plan.settings, plan.run_id)),
                          keep_mentions=keep_mentions)
    summary: Any = plan.execute(pipeline, sink, progress=progress)
    done.rejected = summary.rejected
    done.rejects_file = summary.rejects_file
    if not sink.resumed:
        done.results = sink.results
    return done


def results_of(run: Annotated, *, with_mentions: bool) -> Iterator[NoteResult]:
    """A variant's results: those its run collected, else (reused or resumed) read from its work file."""
    if run.results is not None:
        return iter(run.results)
    return read_results(run.path, with_mentions=with_mentions)


def read_results(path: Path, *, with_mentions: bool) -> Iterator[NoteResult]:
    """The results of a work file; without ``with_mentions`` only what the scoring needs (suggestions)."""
    with open(path, "rb") as fh:
        for line in fh:
            yield _result_from_line(line, with_mentions=with_mentions)


def group_episodes(results: Iterator[NoteResult]) -> Episodes:
    grouped = Episodes()
    for r in results:
        grouped.by_episode.setdefault(r.episode_id or r.note_id, []).append(r)
        grouped.notes += 1
    return grouped


def match_episodes(coded: CodedHistory, found: Sequence[Episodes], notes: str,
                   rejects_files: Sequence[str | None]) -> tuple[list[CodedEpisode], list[Reject]]:
    """The coded episodes every variant has notes for (the same episodes for all), and the others, listed."""
    listed = list(coded.rejects)
    with_notes = set.intersection(*(set(e.by_episode) for e in found)) if found else set()
    where_rejected = "; ".join(sorted({f for f in rejects_files if f}))
    scored = []
    for episode in coded.episodes.values():
        if episode.episode_id in with_notes:
            scored.append(episode)
        else:
            why = "no annotated note in NOTES for this episode (no note has its id"
            why += f", or every note was rejected: see {where_rejected})" if where_rejected else ")"
            listed.append(Reject(episode.episode_id, f"{coded.path}:{episode.line}", why + "; not scored"))
    uncoded = sorted(set().union(*(set(e.by_episode) for e in found)) - set(coded.episodes)
                     - {r.episode_id for r in coded.rejects}) if found else []
    listed.extend(Reject(e, notes, "episode not in CODED (not coded, or a different id); not scored") for e in uncoded)
    return scored, listed
