"""Database URLs as users give them: a plain file path means a SQLite file."""
from __future__ import annotations

from pathlib import Path

# PostgreSQL drivers in order of preference: psycopg 3 (the ``postgres`` extra), then psycopg2
_PG_DRIVERS = (("psycopg", "psycopg"), ("psycopg2", "psycopg2"))


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _postgres_url(scheme: str, rest: str) -> str:
    """``postgresql://`` (and ``postgres://``) with the installed driver: SQLAlchemy 2.1 assumes
    psycopg 3 there, 2.0 psycopg2. A named driver that is not installed falls back to the other one,
    so ``postgresql+psycopg2://`` URLs keep working with the psycopg 3 extra and vice versa."""
    driver = scheme.partition("+")[2]
    if driver and driver not in dict(_PG_DRIVERS):  # another driver (pg8000, ...): the user's choice
        return f"postgresql+{driver}://{rest}"
    installed = [name for name, module in _PG_DRIVERS if _importable(module)]
    if not installed:
        from coding_toolkit.errors import MissingExtraError
        raise MissingExtraError("psycopg", "postgres")
    return f"postgresql+{driver if driver in installed else installed[0]}://{rest}"


def normalise_url(url: str | Path) -> str:
    """A plain file path means a SQLite file; anything with ``://`` is a SQLAlchemy URL (for
    PostgreSQL, with a driver that is installed)."""
    text = str(url)
    if "://" in text:
        scheme, _, rest = text.partition("://")
        if scheme.partition("+")[0] in ("postgresql", "postgres"):
            return _postgres_url(scheme, rest)
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # only for a message
        return url.split("@")[-1] if "@" in url else url
