"""Security policy for every server the toolkit starts (patient data).

- Bind to loopback by default; any other address needs a bearer token file or an explicit
  ``--insecure-no-auth`` (``check_bind``).
- The token is compared in constant time (``hmac.compare_digest``) on every request.
- Host header pinned to the loopback names when bound to loopback (blocks DNS rebinding from a
  web page the user happens to visit).
- Request bodies over a limit get 413 before they are read into memory.
- Errors never carry a stack trace or the request body (which is note text): validation
  errors name the field only, unexpected errors get an opaque id that is also in the log.

Everything here is plain ASGI (no FastAPI import), so it also guards the review page.
"""
from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import os
import stat
import traceback
import uuid
from http.cookies import SimpleCookie
from pathlib import Path

from coding_toolkit.errors import InputError

log = logging.getLogger(__name__)

TOKEN_COOKIE = "ct_token"
LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def read_token(path: str | Path) -> str:
    """The bearer token in ``path`` (surrounding whitespace removed); clear errors otherwise."""
    path = Path(path)
    try:
        token = path.read_text(encoding="utf-8").strip()
    except OSError as e:
        raise InputError(f"--token-file {path}: cannot read it ({e.strerror}); fix: create it with "
                         "a long random token, e.g. 'python -c \"import secrets;print(secrets.token_urlsafe(32))\" "
                         f"> {path}; chmod 600 {path}'") from e
    except UnicodeDecodeError as e:
        raise InputError(f"--token-file {path}: not UTF-8 text; fix: write the token as one line of text") from e
    if len(token) < 16 or any(c.isspace() for c in token):
        raise InputError(f"--token-file {path}: the token must be one line of at least 16 characters "
                         "without spaces; fix: 'python -c \"import secrets;print(secrets.token_urlsafe(32))\"'")
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("token file %s is readable by other users; fix: chmod 600 %s", path, path)
    return token


def check_bind(host: str, token_file: str | None, insecure_no_auth: bool) -> None:
    """Refuse to expose the server beyond this machine without a token (or an explicit opt-out)."""
    if token_file and insecure_no_auth:
        raise InputError("--token-file and --insecure-no-auth contradict each other; give one")
    if not is_loopback(host) and not token_file and not insecure_no_auth:
        raise InputError(f"--host {host} exposes the server beyond this machine: give --token-file FILE "
                         "(clients then send 'Authorization: Bearer <token>'), or --insecure-no-auth "
                         "if another layer (e.g. a TLS proxy) authenticates")


def token_matches(expected: bytes, offered: bytes) -> bool:
    # constant time whatever the lengths: compare_digest leaks only the length of ``expected``
    return hmac.compare_digest(expected, offered)


async def send_json(send, status: int, body: dict, headers: list[tuple[bytes, bytes]] = ()) -> None:
    data = json.dumps(body).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(data)).encode())] + list(headers)})
    await send({"type": "http.response.body", "body": data})


class GuardMiddleware:
    """Host check, bearer token (or cookie, for the review page), body limit, and a last-resort
    500 without a stack trace. Pure ASGI so it sees the raw body stream.
    """

    def __init__(self, app, *, token: str | None, max_body_bytes: int, allowed_hosts: tuple[str, ...] | None,
                 allow_cookie: bool = False, open_paths: tuple[str, ...] = ()):
        self.app = app
        self.token = token.encode("utf-8") if token else None
        self.max_body = max_body_bytes
        self.allowed_hosts = allowed_hosts
        self.allow_cookie = allow_cookie
        self.open_paths = open_paths

    def _headers(self, scope) -> dict[bytes, bytes]:
        return {k.lower(): v for k, v in scope.get("headers", [])}

    def _authorised(self, headers: dict[bytes, bytes]) -> bool:
        if self.token is None:
            return True
        auth = headers.get(b"authorization", b"")
        if auth[:7].lower() == b"bearer ":
            return token_matches(self.token, auth[7:].strip())
        if self.allow_cookie and b"cookie" in headers:
            cookie = SimpleCookie()
            try:
                cookie.load(headers[b"cookie"].decode("latin-1"))
            except Exception:  # a malformed cookie header is simply not a credential
                return False
            if TOKEN_COOKIE in cookie:
                return token_matches(self.token, cookie[TOKEN_COOKIE].value.encode("utf-8"))
        return False

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = self._headers(scope)
        if self.allowed_hosts is not None:
            host = headers.get(b"host", b"").decode("latin-1").rsplit(":", 1)[0].strip("[]")
            if host not in self.allowed_hosts:
                return await send_json(send, 421, {"detail": "unexpected Host header; use the address the "
                                                             "server was started on"})
        if self.allow_cookie and self.token is not None and scope["method"] == "GET":
            offered = _query_token(scope)
            if offered is not None and token_matches(self.token, offered.encode("utf-8")):
                # a browser cannot send a bearer header when opening a page: the token comes once in
                # the URL, goes into an HttpOnly cookie, and the URL is redirected without it
                cookie = f"{TOKEN_COOKIE}={offered}; HttpOnly; SameSite=Strict; Path=/"
                await send({"type": "http.response.start", "status": 303,
                            "headers": [(b"location", scope["path"].encode("utf-8")),
                                        (b"set-cookie", cookie.encode("utf-8")), (b"content-length", b"0")]})
                return await send({"type": "http.response.body", "body": b""})
        if scope["path"] not in self.open_paths and not self._authorised(headers):
            return await send_json(send, 401, {"detail": "missing or wrong bearer token: send "
                                                         "'Authorization: Bearer <token from --token-file>'"},
                                   [(b"www-authenticate", b'Bearer realm="coding-toolkit"')])
        length = headers.get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.max_body
            except ValueError:
                return await send_json(send, 400, {"detail": "bad Content-Length header"})
            if too_big:
                return await send_json(send, 413, self._too_big())
        received = 0
        overflow = started = False

        async def limited_receive():
            nonlocal received, overflow
            if overflow:
                return {"type": "http.request", "body": b"", "more_body": False}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    # end the body here; whatever the app answers to the cut body becomes a 413
                    overflow = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        async def guarded_send(message):
            nonlocal started
            if overflow:
                if message["type"] == "http.response.start":
                    started = True
                    await send_json(send, 413, self._too_big())
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception as exc:  # last resort: never a stack trace (or note text) to the client or log
            if not started:  # (once a response started, the app's own handler has logged it)
                await send_json(send, 500, {"detail": "internal error", "error_id": log_exception(exc)})

    def _too_big(self) -> dict:
        return {"detail": f"request body over the limit of {self.max_body:,} bytes; split the request, "
                          "or start the server with a larger --max-body-bytes"}


def _query_token(scope) -> str | None:
    from urllib.parse import parse_qs

    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
    return values[0] if values else None


def log_exception(exc: BaseException) -> str:
    """Log an unexpected error by type and code location only: exception messages may quote note text."""
    error_id = uuid.uuid4().hex[:12]
    frames = traceback.extract_tb(exc.__traceback__)
    where = "; ".join(f"{os.path.basename(f.filename)}:{f.lineno} {f.name}" for f in frames[-6:])
    log.error("error %s: %s at %s", error_id, type(exc).__name__, where)
    return error_id


def loopback_hosts(host: str) -> tuple[str, ...] | None:
    """Host header names accepted when bound to ``host`` (None: any, for a server bound elsewhere,
    where the token is the guard and a proxy may rewrite Host)."""
    if is_loopback(host):
        return ("127.0.0.1", "localhost", "::1", host)
    return None
