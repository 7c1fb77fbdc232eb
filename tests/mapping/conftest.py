"""Map-store fixtures: every store test runs on SQLite and on a real PostgreSQL (own schema per test)."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from coding_toolkit.mapping.store import MapStore


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def make_store(request, tmp_path):
    """Factory of empty stores of the parametrised backend."""
    made: list[tuple[sa.Engine, str]] = []

    def make() -> MapStore:
        if request.param == "sqlite":
            return MapStore(tmp_path / f"maps-{uuid.uuid4().hex[:8]}.sqlite")
        url = request.getfixturevalue("pg_url")
        schema = f"t_{uuid.uuid4().hex[:12]}"
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        made.append((engine, schema))
        return MapStore(url, schema=schema)

    yield make
    for engine, schema in made:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture
def store(make_store) -> MapStore:
    return make_store()


@pytest.fixture
def release_copy(tmp_path, rf2_release) -> Path:
    dest = tmp_path / "rel"
    shutil.copytree(rf2_release, dest)
    return dest
