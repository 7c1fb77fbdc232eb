"""The review page and the JSON API it uses (so a script can drive a review too).

    GET  /                      the page (one HTML file, inline CSS/JS: works air-gapped)
    GET  /api/notes             ids and counts (suggested, accepted, rejected, amended, added, to do)
    GET  /api/notes/{note_id}   text, mentions, suggestions in CDS order, dropped codes, decisions
    POST /api/decisions         one decision, saved (committed) before the answer
"""
from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

from fastapi import HTTPException
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field

from coding_toolkit import __version__
from coding_toolkit.io.sinks.cds import cds_code
from coding_toolkit.review.data import SYSTEMS, CodeCatalogue, FieldError, dropped_codes, ordered_suggestions
from coding_toolkit.review.store import CONCEPT_JUDGEMENTS, DECISIONS, DecisionStore
from coding_toolkit.web.app_base import fast_json, guard, new_app
from coding_toolkit.web.server import settings_from_env

MAX_REASON = 2000


class DecisionIn(BaseModel):
    note_id: str
    system: str
    code: str
    decision: str
    amended_code: str | None = None
    reason: str | None = Field(default=None, max_length=MAX_REASON)
    reviewer: str | None = Field(default=None, max_length=200)
    span_start: int | None = None  # "add": the evidence span of the missed code
    span_end: int | None = None
    sctid: str | None = None
    # reject/amend: is the concept itself wrong ("wrong") or right but not coded so here ("right")?
    concept: str | None = None


class Review:
    """Notes, their views and the decisions; shared by the API and the exports."""

    def __init__(self, store: DecisionStore, catalogue: CodeCatalogue | None = None):
        self.store = store
        self.catalogue = catalogue or CodeCatalogue()
        self.notes: dict[str, dict[str, Any]] = {}
        for note_id, episode_id, text, record in store.notes():
            self.notes[note_id] = {"episode_id": episode_id, "text": text, "record": json.loads(record)}
        self._views: dict[str, dict[str, Any]] = {}

    def view(self, note_id: str) -> dict[str, Any]:
        view = self._views.get(note_id)
        if view is None:
            note = self.notes[note_id]
            record = note["record"]
            view = self._views[note_id] = {
                "note_id": note_id, "episode_id": note["episode_id"],
                "mentions": [{k: m[k] for k in ("start", "end", "text", "sctid", "name", "status", "reason")}
                             for m in record["mentions"]],
                "suggestions": ordered_suggestions(record), "dropped": dropped_codes(record),
                "provenance": record.get("provenance", {})}
        return view

    def counts(self, note_id: str, decisions: list[dict[str, Any]]) -> dict[str, Any]:
        suggested = {(s["system"], cds_code(s["code"])) for s in self.notes[note_id]["record"]["suggestions"]}
        by = {}
        for d in decisions:
            by[d["decision"]] = by.get(d["decision"], 0) + 1
        decided = {(d["system"], d["code"]) for d in decisions if d["decision"] != "add"}
        return {"suggested": len(suggested), "accepted": by.get("accept", 0), "rejected": by.get("reject", 0),
                "amended": by.get("amend", 0), "added": by.get("add", 0), "todo": len(suggested - decided)}

    def listing(self) -> list[dict[str, Any]]:
        current: dict[str, list] = {}
        for d in self.store.current():
            current.setdefault(d["note_id"], []).append(d)
        return [{"note_id": n, "episode_id": note["episode_id"],
                 "codes": sorted({s["code"] for s in note["record"]["suggestions"]}),
                 **self.counts(n, current.get(n, []))} for n, note in self.notes.items()]

    def decide(self, d: DecisionIn) -> dict[str, Any]:
        """Validate and save one decision; FieldError names the bad field."""
        if d.note_id not in self.notes:
            raise FieldError("note_id", f"no note {d.note_id!r} in this review")
        if d.system not in SYSTEMS:
            raise FieldError("system", f"must be one of {', '.join(SYSTEMS)}")
        if d.decision not in DECISIONS:
            raise FieldError("decision", f"must be one of {', '.join(DECISIONS)}")
        concept = _concept_judgement(d)
        note = self.notes[d.note_id]
        suggestions = {cds_code(s["code"]): s for s in note["record"]["suggestions"] if s["system"] == d.system}
        extra: dict[str, Any] = {"concept": concept}
        if d.decision == "add":
            code, title = self.catalogue.check(d.system, d.code, "code")
            if d.span_start is None or d.span_end is None:
                raise FieldError("span_start", "an added code needs its evidence span (span_start, span_end)")
            if not 0 <= d.span_start < d.span_end <= len(note["text"]):
                raise FieldError("span_end", f"span {d.span_start}-{d.span_end} is outside the note "
                                             f"(length {len(note['text'])})")
            if d.sctid is not None:
                self.catalogue.check_concept(d.sctid, "sctid")
            extra.update(span_start=d.span_start, span_end=d.span_end, sctid=d.sctid or self._sctid_at(
                note["record"], d.span_start, d.span_end))
        else:
            code = cds_code(d.code)
            if code not in suggestions:
                raise FieldError("code", f"{d.code!r} is not a {d.system} suggestion of note {d.note_id!r}; "
                                         "fix: use 'add' for a missed code")
            title = suggestions[code].get("title")
        amended = None
        if d.decision == "amend":
            if not d.amended_code:
                raise FieldError("amended_code", "amend needs the code to use instead")
            alternatives = {cds_code(a["code"]) for a in suggestions[code].get("alternatives", [])}
            amended = cds_code(d.amended_code)
            if amended not in alternatives:
                amended, _ = self.catalogue.check(d.system, d.amended_code, "amended_code")
            if amended == code:
                raise FieldError("amended_code", "is the suggested code itself; use 'accept'")
        saved = self.store.add(note_id=d.note_id, system=d.system, code=code, decision=d.decision,
                               amended_code=amended, reason=(d.reason or None), reviewer=d.reviewer or None, **extra)
        return {**saved, "title": title, "counts": self.counts(d.note_id, self.store.current(d.note_id))}

    @staticmethod
    def _sctid_at(record: dict[str, Any], start: int, end: int) -> str | None:
        for m in record["mentions"]:
            if m["start"] < end and start < m["end"]:
                return m["sctid"]
        return None


def _concept_judgement(d: DecisionIn) -> str | None:
    """The concept judgement a decision carries: a reject must say it (only a wrong concept is a
    negative training example); accept and add imply a right concept; amend is "right" unless said."""
    if d.concept is not None and d.concept not in CONCEPT_JUDGEMENTS:
        raise FieldError("concept", f"must be one of {', '.join(CONCEPT_JUDGEMENTS)}")
    if d.decision == "reject" and d.concept is None:
        raise FieldError("concept", "a reject must say whether the concept is 'wrong' (the text does not mean "
                                    "it: trains a negative) or 'right' (right concept, not coded here)")
    if d.decision in ("accept", "add"):
        if d.concept == "wrong":
            raise FieldError("concept", f"'{d.decision}' keeps the code, so the concept is right; fix: reject "
                                        "with concept 'wrong'")
        return "right"
    return d.concept or "right"


def page_html() -> str:
    return files("coding_toolkit.review").joinpath("page.html").read_text(encoding="utf-8")


def build_app(review: Review, settings: dict[str, Any]):
    app = new_app("coding-toolkit review", __version__)
    page = page_html().replace("__REVIEWER__", json.dumps(settings.get("reviewer") or ""))

    @app.get("/", response_class=HTMLResponse)
    async def index():
        # no external assets; forbid any, so a stray reference fails loudly instead of leaking requests
        return HTMLResponse(page, headers={
            "Content-Security-Policy": "default-src 'self'; script-src 'unsafe-inline'; "
                                       "style-src 'unsafe-inline'; img-src 'self' data:",
            "Cache-Control": "no-store", "X-Frame-Options": "DENY"})

    @app.get("/api/notes")
    def api_notes():
        return fast_json(review.listing())

    @app.get("/api/notes/{note_id}")
    def api_note(note_id: str):
        if note_id not in review.notes:
            raise HTTPException(status_code=404, detail=f"note_id: no note {note_id!r} in this review")
        decisions = review.store.current(note_id)
        return fast_json({**review.view(note_id), "text": review.notes[note_id]["text"], "decisions": decisions,
                          "counts": review.counts(note_id, decisions)})

    @app.post("/api/decisions")
    def api_decide(payload: DecisionIn):
        try:
            return review.decide(payload)
        except FieldError as err:
            return JSONResponse(status_code=422, content={"detail": f"{err.field}: {err}",
                                                          "errors": [{"field": err.field, "msg": str(err)}]})

    return app


def create_app():
    """uvicorn factory (one worker: decisions go to one SQLite file)."""
    settings = settings_from_env()
    from coding_toolkit.pipeline import Pipeline

    store = DecisionStore(settings["db"])
    # the pack's map store is the reference for typed codes (its MedCAT model is never loaded here)
    catalogue = CodeCatalogue.from_pipeline(Pipeline.from_pack(settings.get("pack")))
    return guard(build_app(Review(store, catalogue), settings), settings, allow_cookie=True)
