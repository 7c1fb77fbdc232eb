"""The FastAPI app of ``coding-toolkit serve``.

One ``Pipeline`` per worker process, loaded when the app is built (before the port accepts
requests), shared by all requests. Processing runs in the thread pool under a lock, so one
MedCAT model is never entered by two threads at once, and ``/api/info`` (async, lock-free)
answers while a long request is being processed.
"""
from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from coding_toolkit import __version__
from coding_toolkit.bulk.runner import DUPLICATE_ID_REASON
from coding_toolkit.io.serialize import dumps_result, result_to_json
from coding_toolkit.pipeline import NoteRejected, Pipeline
from coding_toolkit.records import Note
from coding_toolkit.service import medcat_shape
from coding_toolkit.web.app_base import fast_json, guard, new_app
from coding_toolkit.web.server import settings_from_env

APP_NAME = "coding-toolkit"


class Content(BaseModel):
    """One MedCATservice document; ``note_id``/``episode_id`` are our optional additions."""

    model_config = ConfigDict(extra="ignore")
    text: str
    metadata: dict[str, Any] | None = None
    footer: Any = None
    note_id: str | None = None
    episode_id: str | None = None


class ProcessRequest(BaseModel):
    content: Content
    meta_anns_filters: list[tuple[str, list[str]]] | None = None


class BulkRequest(BaseModel):
    content: list[Content]
    meta_anns_filters: list[tuple[str, list[str]]] | None = None


class SuggestNote(BaseModel):
    note_id: str = Field(min_length=1)
    text: str
    episode_id: str | None = None


class SuggestRequest(BaseModel):
    note: SuggestNote | None = None
    notes: list[SuggestNote] | None = None
    cds: bool = False  # add the CDS summary (per episode when the notes have episode ids)

    @model_validator(mode="after")
    def _one_of(self):
        if (self.note is None) == (self.notes is None):
            raise ValueError("give exactly one of 'note' (one note) or 'notes' (a list)")
        return self


class PipelineHost:
    """The worker's pipeline and the lock that serialises its use."""

    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline
        self.lock = threading.Lock()
        self.loaded_at = medcat_shape.timestamp()
        # annotating requests being answered (shown by /api/info: monitoring, and tests that must
        # know a request is being processed without guessing with a sleep)
        self.in_progress = 0
        self._count_lock = threading.Lock()

    @contextmanager
    def request(self):
        with self._count_lock:
            self.in_progress += 1
        try:
            yield
        finally:
            with self._count_lock:
                self.in_progress -= 1

    def run(self, note: Note):
        with self.lock:
            return self.pipeline.process(note)

    def info(self) -> dict[str, Any]:
        prov = self.pipeline.provenance
        pack = self.pipeline.pack
        versions = pack.provenance.get("versions") or {}
        medcat_version = versions.get("medcat") or _medcat_version()
        meta_tasks = list(pack.provenance.get("meta_tasks") or [])
        info = {
            # MedCATservice's ServiceInfo fields (service_version is the MedCAT version there too)
            "service_app_name": APP_NAME,
            "service_language": "en",
            "service_version": medcat_version,
            "service_model": prov["pack_name"],
            "model_card_info": {"ontologies": ["SNOMED CT"], "meta_cat_model_names": meta_tasks,
                                "rel_cat_model_names": [], "model_last_modified_on": None},
            # ours
            "toolkit_version": __version__,
            "medcat_version": medcat_version,
            "pack_name": prov["pack_name"],
            "pack_hash": prov["pack_hash"],
            "map_release": prov.get("map_release"),
            "illustrative": prov.get("illustrative", False),
            "max_note_chars": self.pipeline.max_note_chars,
            # which worker answered, and when it loaded its pack (once per worker, never per request)
            "worker_pid": os.getpid(),
            "pack_loaded_at": self.loaded_at,
        }
        if prov.get("warning"):
            info["warning"] = prov["warning"]
        return info


def _medcat_version() -> str:
    from importlib.metadata import version

    return version("medcat")


def _too_long(err: NoteRejected) -> bool:
    return err.category == "too long"


def build_app(pipeline: Pipeline, settings: dict[str, Any]):
    host = PipelineHost(pipeline)
    info = host.info()
    medcat_info = {k: info[k] for k in ("service_app_name", "service_language", "service_version",
                                        "service_model", "model_card_info")}
    mode = settings.get("entity_output_mode", "dict")
    app = new_app("coding-toolkit annotation service", __version__)

    def annotate_content(content: Content, index: int, filters) -> dict[str, Any]:
        started = time.perf_counter()
        note = Note(note_id=content.note_id or str(index), text=content.text, episode_id=content.episode_id)
        try:
            record = result_to_json(host.run(note))
        except NoteRejected as err:
            if err.category != "empty":
                raise
            record = None  # MedCATservice: a blank document is valid and has no annotations
        return medcat_shape.process_result(content.text, record, time.perf_counter() - started,
                                           content.model_dump(), mode=mode, filters=filters)

    @app.get("/api/info")
    async def api_info():
        return {**info, "requests_in_progress": host.in_progress}

    @app.get("/api/health")
    async def api_health():
        return {"status": "UP", "checks": [{"name": "pipeline", "status": "UP"}]}

    @app.post("/api/process")
    def api_process(payload: ProcessRequest):
        try:
            with host.request():
                result = annotate_content(payload.content, 0, payload.meta_anns_filters)
        except NoteRejected as err:
            return JSONResponse(status_code=413 if _too_long(err) else 422,
                                content={"detail": f"content.text: {err}"})
        return fast_json({"result": result, "medcat_info": medcat_info})

    @app.post("/api/process_bulk")
    def api_process_bulk(payload: BulkRequest):
        results = []
        with host.request():
            for i, content in enumerate(payload.content):
                try:
                    results.append(annotate_content(content, i, payload.meta_anns_filters))
                except NoteRejected as err:  # one bad document does not fail the others
                    results.append(medcat_shape.error_result(f"content[{i}].text: {err}", content.model_dump()))
        return fast_json({"result": results, "medcat_info": medcat_info})

    @app.post("/api/suggest")
    def api_suggest(payload: SuggestRequest, request: Request):
        notes = [payload.note] if payload.note is not None else payload.notes
        results, rejected = [], []
        seen: set[str] = set()
        with host.request():
            for i, n in enumerate(notes):
                if n.note_id in seen:  # as annotate does: the first note with an id is kept, a later one rejected
                    rejected.append({"index": i, "note_id": n.note_id, "field": f"notes[{i}].note_id",
                                     "category": "duplicate note_id", "reason": DUPLICATE_ID_REASON})
                    continue
                seen.add(n.note_id)
                try:
                    results.append(host.run(Note(note_id=n.note_id, text=n.text, episode_id=n.episode_id)))
                except NoteRejected as err:
                    field = "note.text" if payload.note is not None else f"notes[{i}].text"
                    if payload.note is not None:
                        return JSONResponse(status_code=413 if _too_long(err) else 422,
                                            content={"detail": f"{field}: {err}"})
                    rejected.append({"index": i, "note_id": n.note_id, "field": field, "category": err.category,
                                     "reason": str(err)})
        lines = [dumps_result(r) for r in results]
        if payload.note is not None and not payload.cds:
            # byte for byte the line annotate writes to its JSONL file
            return Response(content=lines[0], media_type="application/json")
        if "application/x-ndjson" in request.headers.get("accept", "") and not payload.cds:
            return Response(content=b"".join(line + b"\n" for line in lines), media_type="application/x-ndjson",
                            headers={"x-rejected": str(len(rejected))})
        body = b'{"results":[' + b",".join(lines) + b"]"
        body += b',"rejected":' + orjson.dumps(rejected)
        if payload.cds:
            body += b',"cds":' + orjson.dumps(cds_summary(results, pipeline.rules))
        return Response(content=body + b"}", media_type="application/json")

    return app


def cds_summary(results, rules) -> dict[str, Any]:
    """CDS code positions in the service's coding rules (its pipeline's: the policy it was started
    with), one row per episode (notes without an episode: one row per note)."""
    from coding_toolkit.suggest.episode import cds_table

    header, *rows = cds_table(results, rules, by_episode=any(r.episode_id for r in results))
    return {"columns": header, "rows": [dict(zip(header, row)) for row in rows]}


def create_app():
    """uvicorn factory: one app, and one pipeline, per worker process."""
    settings = settings_from_env()
    from coding_toolkit.run_config import RunConfig

    pipeline = Pipeline.from_config(RunConfig(**settings["run_config"]))  # serve's options, as annotate's
    from coding_toolkit.process import freeze_loaded_objects

    freeze_loaded_objects()  # the worker process's entry: the model stays loaded for its lifetime
    return guard(build_app(pipeline, settings), settings, open_paths=("/api/health",))
