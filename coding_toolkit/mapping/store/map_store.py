"""``MapStore``: the connection to a map store and the reads (provenance, refsets, rows, titles).

A store holds one imported release at a time: ``import_release`` replaces the maps in a single
transaction, so re-importing the same release gives the same store and a failed import leaves
the store as it was. Every RF2 column is kept. Titles are kept across map imports.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from coding_toolkit.dburl import normalise_url, safe_url
from coding_toolkit.errors import MapError
from coding_toolkit.mapping.codes import base_code, is_classifiable
from coding_toolkit.mapping.refsets import load_refsets
from coding_toolkit.mapping.store.schema import metadata

if TYPE_CHECKING:
    from coding_toolkit.mapping.store.report import ImportReport


class MapStore:
    """SQL store of NHS map rows. ``MapStore("maps.sqlite")`` or any SQLAlchemy URL."""

    def __init__(self, url: str | Path, *, schema: str | None = None, refsets_file: str | None = None):
        self.url = normalise_url(url)
        if self.url.startswith("sqlite:///"):
            parent = Path(self.url[len("sqlite:///") :]).parent
            if not parent.is_dir():
                raise MapError(
                    f"map store folder {parent} does not exist; fix: create it or pass another --db"
                )
        try:
            self.engine = sa.create_engine(self.url, future=True)
        except (sa.exc.ArgumentError, ImportError) as err:
            raise MapError(
                f"cannot open map store {safe_url(self.url)} ({err}); fix: pass a file path or a "
                "SQLAlchemy URL such as postgresql://user@host/db"
            ) from err
        self.schema = schema
        self.metadata, self.tables = metadata(schema)
        self.refset_table = load_refsets(refsets_file)

    def __repr__(self) -> str:
        return f"MapStore({safe_url(self.url)!r})"

    def __str__(self) -> str:
        """How messages name the store: its file, or its URL without the password."""
        path = self.sqlite_path
        return str(path) if path is not None else safe_url(self.url)

    @property
    def sqlite_path(self) -> Path | None:
        """The file of a SQLite store (None for other databases and in-memory SQLite)."""
        url = sa.engine.make_url(self.url)
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return None
        return Path(url.database)

    def require_file(self) -> None:
        """For read-only use: refuse a SQLite store whose file is missing (connecting would create it)."""
        path = self.sqlite_path
        if path is not None and not path.exists():
            raise MapError(
                f"map store {path} does not exist (it holds no imported maps); fix: run "
                f"coding-toolkit maps import RELEASE_DIR --db {path} (your TRUD release; to look at the "
                f"starter's illustrative map, RELEASE_DIR = mappings/illustrative of the source tree)"
            )

    @contextmanager
    def _connect(self, *, write: bool = False) -> Iterator[sa.Connection]:
        """A connection (a transaction when ``write``); database errors become one-line MapErrors."""
        try:
            with (self.engine.begin() if write else self.engine.connect()) as conn:
                yield conn
        except sa.exc.SQLAlchemyError as err:
            reason = (str(getattr(err, "orig", None) or err).strip().splitlines() or ["unknown error"])[0]
            from coding_toolkit.io.outputs import disk_full

            if write and disk_full(err):
                raise MapError(f"map store {safe_url(self.url)}: {reason} while importing; fix: free space on "
                               "that disk (or give --db on another), then run the import again") from err
            raise MapError(
                f"map store {safe_url(self.url)}: {reason}; fix: check --db (a SQLite file path or a "
                "reachable SQLAlchemy URL) and that the database is readable"
            ) from err

    def create(self) -> None:
        with self._connect(write=True) as conn:
            self.metadata.create_all(conn)

    def _has_table(self, conn, name: str) -> bool:
        return sa.inspect(conn).has_table(name, schema=self.schema)

    def has_maps(self) -> bool:
        with self._connect() as conn:
            if not self._has_table(conn, "map_provenance"):
                return False
            return (
                conn.execute(sa.select(sa.func.count()).select_from(self.tables["provenance"])).scalar() > 0
            )

    # ---- import (mapping/store/importer.py) -----------------------------------------------
    def import_release(self, release, *, opcs_version: str | None = None, icd10_titles=None,
                       opcs_titles=None, progress: bool = False, reproducible: bool = False) -> ImportReport:
        """Import every ExtendedMap file of ``release`` (a Release or a path), replacing the stored maps
        (``reproducible``: without the import time and release path, see ``importer.import_release``)."""
        from coding_toolkit.mapping.store import importer

        return importer.import_release(self, release, opcs_version=opcs_version, icd10_titles=icd10_titles,
                                       opcs_titles=opcs_titles, progress=progress, reproducible=reproducible)

    def import_titles(self, *, icd10=None, opcs=None, opcs_version: str | None = None) -> dict[str, int]:
        """Import ICD-10 and/or OPCS-4 title files (replacing that system's titles); counts per system."""
        from coding_toolkit.mapping.store import importer

        return importer.import_titles(self, icd10=icd10, opcs=opcs, opcs_version=opcs_version)

    # ---- reading --------------------------------------------------------------------------
    def title_counts(self) -> dict[str, int]:
        t = self.tables["titles"]
        with self._connect() as conn:
            return {
                s: int(n)
                for s, n in conn.execute(
                    sa.select(t.c.system, sa.func.count()).group_by(t.c.system).order_by(t.c.system)
                )
            }

    def titles(self) -> dict[tuple[str, str], str]:
        """(system, base display code) -> title."""
        t = self.tables["titles"]
        with self._connect() as conn:
            return {(s, c): title for s, c, title in conn.execute(sa.select(t.c.system, t.c.code, t.c.title))}

    def missing_titles(self) -> dict[str, list[str]]:
        """Targets of the selected refsets with no title, for systems whose titles were imported."""
        titles = self.titles()
        have = {s for s, _ in titles}
        out: dict[str, list[str]] = {}
        for ref in self.refsets():
            system = "ICD-10" if ref["system"] and ref["system"].startswith("ICD") else ref["system"]
            if not ref["selected"] or system not in have:
                continue
            missing = set()
            for target in self.targets(ref["refset_id"]):
                key = base_code(target, system) if is_classifiable(target) else None
                if key and (system, key) not in titles:
                    missing.add(target)
            if missing:
                out.setdefault(ref["system"], []).extend(sorted(missing))
        return out

    # ---- reading --------------------------------------------------------------------------
    def provenance(self) -> dict[str, Any]:
        t = self.tables["provenance"]
        with self._connect() as conn:
            if not self._has_table(conn, "map_provenance"):
                return {}
            return {k: json.loads(v) for k, v in conn.execute(sa.select(t.c.key, t.c.value))}

    def refsets(self) -> list[dict[str, Any]]:
        t = self.tables["refsets"]
        with self._connect() as conn:
            if not self._has_table(conn, "map_refsets"):
                return []
            rows = [dict(r._mapping) for r in conn.execute(sa.select(t).order_by(t.c.refset_id))]
        for r in rows:
            r["files"] = json.loads(r["files"])
        return rows

    def targets(self, refset_id: str) -> list[str]:
        t = self.tables["rows"]
        with self._connect() as conn:
            return list(
                conn.execute(sa.select(t.c.map_target).where(t.c.refset_id == refset_id).distinct()).scalars()
            )

    def rows(
        self,
        refset_ids: Iterable[str],
        sctids: Iterable[str] | None = None,
        columns: Iterable[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Stored rows of the given refsets (optionally only some SCTIDs and some columns), as dicts."""
        t = self.tables["rows"]
        refset_ids = list(refset_ids)
        if sctids is not None and self.schema is None and self.sqlite_path is not None:
            return self._sqlite_rows(refset_ids, sctids, [t.c[c].name for c in columns] if columns else
                                     [c.name for c in t.columns])
        query = sa.select(*(t.c[c] for c in columns) if columns else (t,)).where(
            t.c.refset_id.in_(refset_ids)
        )
        with self._connect() as conn:
            if sctids is None:
                return list(conn.execute(query).mappings())
            out, ids = [], list(dict.fromkeys(str(s) for s in sctids))
            for start in range(0, len(ids), 500):
                out += conn.execute(query.where(t.c.sctid.in_(ids[start : start + 500]))).mappings().all()
            return out

    def _sqlite_rows(self, refset_ids: list[str], sctids: Iterable[str], columns: list[str]) -> list[dict[str, Any]]:
        """``rows`` for some SCTIDs of a SQLite store, through the standard library: the pipeline looks
        up each note's new SCTIDs as it meets them (no preload at start-up, issue 27), and SQLAlchemy's
        statement building was 4x the query itself. One read-only connection per process (a forked
        worker opens its own), shared by threads under a lock."""
        import sqlite3
        import threading

        ids = list(dict.fromkeys(str(s) for s in sctids))
        head = (f"SELECT {', '.join(columns)} FROM {self.tables['rows'].name} "  # noqa: S608 (schema names)
                f"WHERE refset_id IN ({', '.join('?' * len(refset_ids))}) AND sctid IN ")
        state = getattr(self, "_sqlite", None)
        if state is None or state[0] != os.getpid():
            uri = f"{self.sqlite_path.resolve().as_uri()}?mode=ro"
            try:
                conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
            except sqlite3.Error as err:
                raise MapError(f"map store {self.sqlite_path}: {err}; fix: check that the file is readable") from err
            state = self._sqlite = (os.getpid(), conn, threading.Lock())
        _pid, conn, lock = state
        out: list[dict[str, Any]] = []
        try:
            with lock:
                for start in range(0, len(ids), 500):
                    chunk = ids[start:start + 500]
                    cursor = conn.execute(head + f"({', '.join('?' * len(chunk))})", [*refset_ids, *chunk])
                    out += [dict(zip(columns, row)) for row in cursor]
        except sqlite3.Error as err:
            raise MapError(f"map store {self.sqlite_path}: {err}; fix: check --db (a SQLite file path) and that "
                           "the database is readable") from err
        return out
