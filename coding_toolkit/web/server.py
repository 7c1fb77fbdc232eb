"""Start a FastAPI app under uvicorn, with N worker processes, graceful SIGTERM and quiet logs.

Settings travel to worker processes in an environment variable (uvicorn spawns workers and
imports the app factory by name), so every worker builds its own app, and loads its pack, once.
"""
from __future__ import annotations

import json
import os
from typing import Any

from coding_toolkit.errors import MissingExtraError

SETTINGS_ENV = "CODING_TOOLKIT_WEB_SETTINGS"
# in-flight requests get this long to finish after SIGTERM before the workers are stopped
GRACEFUL_SECONDS = 60


def require_stack():
    for module in ("fastapi", "uvicorn"):
        try:
            __import__(module)
        except ImportError:
            raise MissingExtraError(module, "service") from None


def settings_from_env() -> dict[str, Any]:
    raw = os.environ.get(SETTINGS_ENV)
    if not raw:
        raise RuntimeError(f"{SETTINGS_ENV} is not set: start the server with coding-toolkit")
    return json.loads(raw)


def run(factory: str, settings: dict[str, Any], *, host: str, port: int, workers: int = 1,
        access_log: bool = True, log_level: str = "info") -> None:
    """Serve ``factory`` (``"module:function"`` returning an ASGI app) until SIGTERM/SIGINT."""
    require_stack()
    import uvicorn

    os.environ[SETTINGS_ENV] = json.dumps(settings)
    # the access log has method, path and status only: bodies (note text) are never logged
    uvicorn.run(factory, factory=True, host=host, port=port, workers=workers, access_log=access_log,
                log_level=log_level, timeout_graceful_shutdown=GRACEFUL_SECONDS, server_header=False,
                proxy_headers=False)
