"""What every toolkit FastAPI app shares: error handlers that never echo note text, and the guard."""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from coding_toolkit.web.security import GuardMiddleware, log_exception, loopback_hosts, read_token


def field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Validation errors as field path + message, without pydantic's ``input`` (it is note text)."""
    out = []
    for err in exc.errors():
        if err.get("type") == "json_invalid":  # loc is ("body", character position)
            position = err.get("loc", ("body", "?"))[-1]
            out.append({"field": "body", "msg": f"not valid JSON (at character {position})"})
            continue
        field = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        msg = err.get("msg", "invalid")
        out.append({"field": field, "msg": msg})
    return out


def fast_json(value: Any, status_code: int = 200) -> Response:
    """orjson straight to bytes: FastAPI's generic encoder takes seconds on entity-heavy results."""
    import orjson

    return Response(orjson.dumps(value), status_code=status_code, media_type="application/json")


def new_app(title: str, version: str) -> FastAPI:
    app = FastAPI(title=title, version=version, docs_url=None, redoc_url=None, openapi_url=None)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        errors = field_errors(exc)
        summary = "; ".join(f"{e['field']}: {e['msg']}" for e in errors)
        return JSONResponse(status_code=422, content={"detail": summary, "errors": errors})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        return JSONResponse(status_code=500, content={"detail": "internal error", "error_id": log_exception(exc)})

    return app


def guard(app, settings: dict[str, Any], *, allow_cookie: bool = False, open_paths: tuple[str, ...] = ()):
    token = read_token(settings["token_file"]) if settings.get("token_file") else None
    return GuardMiddleware(app, token=token, max_body_bytes=int(settings["max_body_bytes"]),
                           allowed_hosts=loopback_hosts(settings["host"]), allow_cookie=allow_cookie,
                           open_paths=open_paths)
