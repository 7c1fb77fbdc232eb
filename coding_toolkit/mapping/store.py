"""The SQL map store (SQLAlchemy Core): map rows, refsets, provenance and classification titles.

A store holds one imported release at a time: ``import_release`` replaces the maps in a single
transaction, so re-importing the same release gives the same store and a failed import leaves
the store as it was. Every RF2 column is kept. Titles are kept across map imports.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import sqlalchemy as sa

from coding_toolkit import __version__
from coding_toolkit.dburl import normalise_url, safe_url
from coding_toolkit.errors import MapError
from coding_toolkit.mapping import mapfiles
from coding_toolkit.mapping import titles as titles_mod
from coding_toolkit.mapping.codes import base_code, is_classifiable
from coding_toolkit.mapping.refsets import RefsetInfo, load_refsets, version_key

log = logging.getLogger(__name__)
INSERT_BATCH = 10_000


def _metadata(schema: str | None) -> tuple[sa.MetaData, dict[str, sa.Table]]:
    md = sa.MetaData(schema=schema)
    t = {}
    t["rows"] = sa.Table(
        "map_rows",
        md,
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("effective_time", sa.Integer, nullable=False),
        sa.Column("active", sa.SmallInteger, nullable=False),
        sa.Column("module_id", sa.String(20), nullable=False),
        sa.Column("refset_id", sa.String(20), nullable=False),
        sa.Column("sctid", sa.String(20), nullable=False),
        sa.Column("map_group", sa.Integer, nullable=False),
        sa.Column("map_priority", sa.Integer, nullable=False),
        sa.Column("map_rule", sa.Text, nullable=False),
        sa.Column("map_advice", sa.Text, nullable=False),
        sa.Column("map_target", sa.String(32), nullable=False),
        sa.Column("correlation_id", sa.String(20), nullable=False),
        sa.Column("map_block", sa.Integer, nullable=False),
        sa.Column("map_category_id", sa.String(20), nullable=True),
        sa.Column("variant", sa.String(16), nullable=False),
        sa.Column("source_file", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", "refset_id"),
        sa.Index("ix_map_rows_sctid", "sctid", "refset_id"),
    )
    t["refsets"] = sa.Table(
        "map_refsets",
        md,
        sa.Column("refset_id", sa.String(20), primary_key=True),
        sa.Column("system", sa.String(40), nullable=True),  # NULL: not in mappings/refsets.json
        sa.Column("version", sa.String(40), nullable=True),
        sa.Column("known", sa.Boolean, nullable=False),
        sa.Column("selected", sa.Boolean, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("concepts", sa.Integer, nullable=False),
        sa.Column("files", sa.Text, nullable=False),
    )
    t["provenance"] = sa.Table(
        "map_provenance",
        md,
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),  # JSON
    )
    t["titles"] = sa.Table(
        "code_titles",
        md,
        sa.Column("system", sa.String(40), nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("system", "code"),
    )
    return md, t


@dataclass
class ImportReport:
    """What an import did: rows per refset/version, concepts covered, unknown refsets, missing titles."""

    release: str
    folders: list[str]
    illustrative: bool
    refsets: list[dict[str, Any]] = field(default_factory=list)
    concepts_covered: dict[str, int] = field(default_factory=dict)
    unknown_refsets: list[dict[str, Any]] = field(default_factory=list)
    opcs_version: str | None = None
    titles: dict[str, int] = field(default_factory=dict)
    missing_titles: dict[str, list[str]] = field(default_factory=dict)

    def to_text(self) -> str:
        lines = [
            f"imported maps from {self.release}"
            + (" (ILLUSTRATIVE map, not for coding)" if self.illustrative else "")
        ]
        lines += [f"  folder {name}" for name in self.folders]
        for r in self.refsets:
            mark = " [selected]" if r["selected"] else ""
            lines.append(
                f"  {r['system']} {r['version']} (refset {r['refset_id']}): {r['rows']} rows, "
                f"{r['concepts']} concepts{mark}"
            )
        for system, n in self.concepts_covered.items():
            lines.append(f"  concepts covered by {system}: {n}")
        for u in self.unknown_refsets:
            lines.append(
                f"  UNKNOWN map refset {u['refset_id']}: {u['rows']} rows in {', '.join(u['files'])} "
                "(kept, not used; add it to mappings/refsets.json to use it)"
            )
        for system, n in self.titles.items():
            lines.append(f"  {system} titles: {n}")
        for system, codes in self.missing_titles.items():
            shown = ", ".join(codes[:20]) + (" ..." if len(codes) > 20 else "")
            lines.append(f"  {len(codes)} {system} map targets have no title: {shown}")
        return "\n".join(lines)


def illustrative_title_files(release_path) -> tuple[Path | None, Path | None]:
    """The ILLUSTRATIVE release's own title files (``Titles/``, TRUD layouts, titles written for this
    project), used only when the release is illustrative and no TRUD title file was given."""
    found: dict[str, Path | None] = {"icd": None, "opcs": None}
    for folder in (Path(release_path), *Path(release_path).glob("*/")):
        for path in sorted((folder / "Titles").glob("*CodesAndTitles*.txt")):
            kind = "icd" if path.name.upper().startswith("ICD10") else "opcs"
            found[kind] = found[kind] or path
    return found["icd"], found["opcs"]


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
        self.metadata, self.tables = _metadata(schema)
        self.refset_table = load_refsets(refsets_file)

    def __repr__(self) -> str:
        return f"MapStore({safe_url(self.url)!r})"

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
                f"coding-toolkit maps import RELEASE_DIR --db {path}"
            )

    @contextmanager
    def _connect(self, *, write: bool = False) -> Iterator[sa.Connection]:
        """A connection (a transaction when ``write``); database errors become one-line MapErrors."""
        try:
            with (self.engine.begin() if write else self.engine.connect()) as conn:
                yield conn
        except sa.exc.SQLAlchemyError as err:
            reason = (str(getattr(err, "orig", None) or err).strip().splitlines() or ["unknown error"])[0]
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

    # ---- import ---------------------------------------------------------------------------
    def import_release(
        self,
        release,
        *,
        opcs_version: str | None = None,
        icd10_titles=None,
        opcs_titles=None,
        progress: bool = False,
    ) -> ImportReport:
        """Import every ExtendedMap file of ``release`` (a Release or a path), replacing the stored maps."""
        from coding_toolkit.terminology.release import Release

        if not isinstance(release, Release):
            release = Release(release, progress=progress)
        files = release.map_files()
        if not files:
            raise MapError(
                f"release {release.path} has no der2_*Refset_ExtendedMap*Snapshot* file; fix: pass the "
                "UK Clinical (or Monolith) release folder, which holds the NHS maps"
            )
        # parse and validate everything before touching the store: nothing half-written
        frame = mapfiles.read_map_files(files, progress=progress).drop(columns=["line"])
        refsets, unknown, selected_opcs = self._summarise(frame, opcs_version)
        if icd10_titles is None and opcs_titles is None and release.illustrative:
            icd10_titles, opcs_titles = illustrative_title_files(release.path)
        # an OPCS title file's name gives its version; a renamed file takes the selected map version
        named = titles_mod.opcs_version_from_name(Path(opcs_titles)) if opcs_titles else None
        title_rows = self._read_titles(icd10_titles, opcs_titles, named or selected_opcs)
        info = release.folders_info()  # not info(): that reads every concept file for module ids
        provenance = {
            "release_path": str(release.path),
            "folders": info["folders"],
            "release_dates": info["release_dates"],
            "module_ids": sorted(frame["module_id"].unique().tolist()),  # the map rows' modules
            "illustrative": info["illustrative"],
            "map_files": [f.name for f in files],
            "opcs_version": selected_opcs,
            "imported_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "toolkit_version": __version__,
        }
        self.create()
        t = self.tables
        try:
            with self.engine.begin() as conn:  # one transaction: all or nothing
                for name in ("rows", "refsets", "provenance"):
                    conn.execute(t[name].delete())
                for start in range(0, len(frame), INSERT_BATCH):  # dicts for one batch at a time
                    batch = frame.iloc[start : start + INSERT_BATCH].to_dict("records")
                    conn.execute(t["rows"].insert(), batch)
                if refsets:
                    conn.execute(
                        t["refsets"].insert(), [{**r, "files": json.dumps(r["files"])} for r in refsets]
                    )
                conn.execute(
                    t["provenance"].insert(),
                    [{"key": k, "value": json.dumps(v)} for k, v in provenance.items()],
                )
                if title_rows:
                    self._replace_titles(conn, title_rows)
        except sa.exc.SQLAlchemyError as err:
            reason = str(getattr(err, "orig", err)).splitlines()[0]
            raise MapError(
                f"writing maps from {release.path} to {self!r} failed ({reason}); the store was left "
                "unchanged; fix: check the database and the release files"
            ) from err
        log.info("imported %d map rows from %s", len(frame), release.path)
        report = ImportReport(
            release=str(release.path),
            folders=info["folders"],
            illustrative=info["illustrative"],
            opcs_version=selected_opcs,
            unknown_refsets=unknown,
        )
        report.refsets = [
            {k: r[k] for k in ("refset_id", "system", "version", "rows", "concepts", "selected")}
            for r in refsets
            if r["known"]
        ]
        for r in report.refsets:
            if r["selected"]:
                report.concepts_covered[r["system"]] = r["concepts"]
        report.titles = self.title_counts()
        report.missing_titles = self.missing_titles()
        return report

    def _summarise(self, frame, opcs_version: str | None):
        """Per-refset counts, unknown refsets, and which OPCS-4 version is selected."""
        known: dict[str, RefsetInfo] = self.refset_table
        refsets, unknown = [], []
        by_refset = {rid: grp for rid, grp in frame.groupby("refset_id", sort=True)}
        opcs_versions = {
            known[rid].version: rid for rid in by_refset if rid in known and known[rid].system == "OPCS-4"
        }
        if opcs_version is not None:
            if opcs_version not in opcs_versions:
                raise MapError(
                    f"OPCS-4 version {opcs_version!r} has no active map rows in this release (found: "
                    f"{', '.join(sorted(opcs_versions, key=version_key)) or 'none'}); fix: pass one of "
                    "those to --opcs-version or omit it"
                )
            selected_opcs = opcs_version
        else:
            selected_opcs = max(opcs_versions, key=version_key) if opcs_versions else None
        for rid, grp in by_refset.items():
            files = sorted(grp["source_file"].unique().tolist())
            info = known.get(rid)
            entry = {
                "refset_id": rid,
                "system": info.system if info else None,
                "version": info.version if info else None,
                "known": info is not None,
                "rows": int(len(grp)),
                "concepts": int(grp["sctid"].nunique()),
                "files": files,
            }
            if info is None:
                entry["selected"] = False
                unknown.append({"refset_id": rid, "rows": entry["rows"], "files": files})
                log.warning(
                    "unknown map refset %s (%d rows in %s): kept, not used", rid, entry["rows"], files
                )
            elif info.system == "OPCS-4":
                entry["selected"] = info.version == selected_opcs
            else:
                entry["selected"] = True
            refsets.append(entry)
        return refsets, unknown, selected_opcs

    # ---- titles ---------------------------------------------------------------------------
    @staticmethod
    def _read_titles(icd10, opcs, opcs_version: str | None = None) -> list[dict]:
        rows = []
        if icd10:
            rows += titles_mod.read_icd10_titles(icd10)
        if opcs:
            rows += titles_mod.read_opcs_titles(opcs, opcs_version)
        return rows

    def _replace_titles(self, conn, rows: list[dict]) -> None:
        t = self.tables["titles"]
        # keep the last title per (system, code): files can repeat a code
        unique = {(r["system"], r["code"]): r for r in rows}
        for system in {r["system"] for r in rows}:
            conn.execute(t.delete().where(t.c.system == system))
        values = list(unique.values())
        for start in range(0, len(values), INSERT_BATCH):
            conn.execute(t.insert(), values[start : start + INSERT_BATCH])

    def import_titles(self, *, icd10=None, opcs=None, opcs_version: str | None = None) -> dict[str, int]:
        """Import ICD-10 and/or OPCS-4 title files (replacing that system's titles); counts per system."""
        rows = self._read_titles(icd10, opcs, opcs_version)
        self.create()
        with self._connect(write=True) as conn:
            self._replace_titles(conn, rows)
        return self.title_counts()

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

    def count_rows(self) -> int:
        with self._connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(self.tables["rows"])).scalar())
