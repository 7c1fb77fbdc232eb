"""Database URLs as users give them: a plain file path means a SQLite file."""
from __future__ import annotations

from pathlib import Path


def normalise_url(url: str | Path) -> str:
    """A plain file path means a SQLite file; anything with ``://`` is a SQLAlchemy URL."""
    text = str(url)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # only for a message
        return url.split("@")[-1] if "@" in url else url
