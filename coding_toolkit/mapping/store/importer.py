"""Importing an NHS map release (and classification titles) into a map store: parse and check
every file first, then replace the stored maps in one transaction (all or nothing)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa

from coding_toolkit import __version__
from coding_toolkit.errors import MapError
from coding_toolkit.mapping import mapfiles
from coding_toolkit.mapping import titles as titles_mod
from coding_toolkit.mapping.refsets import RefsetInfo, version_key
from coding_toolkit.mapping.store.report import ImportReport, illustrative_title_files


class MapStore(Protocol):
    """What an import needs of ``map_store.MapStore`` (which calls this module: no import back)."""

    engine: sa.Engine
    tables: dict[str, sa.Table]
    refset_table: Any

    def create(self) -> None: ...
    def _connect(self, *, write: bool = False) -> AbstractContextManager[sa.Connection]: ...
    def title_counts(self) -> dict[str, int]: ...
    def missing_titles(self) -> dict[str, list[str]]: ...


log = logging.getLogger(__name__)
INSERT_BATCH = 10_000


def import_release(
    store: MapStore,
    release,
    *,
    opcs_version: str | None = None,
    icd10_titles=None,
    opcs_titles=None,
    progress: bool = False,
    reproducible: bool = False,
) -> ImportReport:
    """Import every ExtendedMap file of ``release`` (a Release or a path), replacing the stored maps.

    ``reproducible``: leave out of the store what records when and where it was imported
    (``imported_at``, ``release_path``), so that the same release gives the same database bytes
    (a model pack's ``maps.sqlite``, which is hashed); the caller keeps them elsewhere
    (:func:`import_stamp`)."""
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
    refsets, unknown, selected_opcs = _summarise(store.refset_table, frame, opcs_version)
    if icd10_titles is None and opcs_titles is None and release.illustrative:
        icd10_titles, opcs_titles = illustrative_title_files(release.path)
    # an OPCS title file's name gives its version; a renamed file takes the selected map version
    named = titles_mod.opcs_version_from_name(Path(opcs_titles)) if opcs_titles else None
    title_rows = _read_titles(icd10_titles, opcs_titles, named or selected_opcs)
    info = release.folders_info()  # not info(): that reads every concept file for module ids
    provenance = {
        **({} if reproducible else import_stamp(release)),
        "folders": info["folders"],
        "release_dates": info["release_dates"],
        "module_ids": sorted(frame["module_id"].unique().tolist()),  # the map rows' modules
        "illustrative": info["illustrative"],
        "map_files": [f.name for f in files],
        "opcs_version": selected_opcs,
        "toolkit_version": __version__,
    }
    store.create()
    t = store.tables
    try:
        with store.engine.begin() as conn:  # one transaction: all or nothing
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
                _replace_titles(store, conn, title_rows)
    except sa.exc.SQLAlchemyError as err:
        reason = str(getattr(err, "orig", err)).splitlines()[0]
        raise MapError(
            f"writing maps from {release.path} to {store} failed ({reason}); the store was left "
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
    report.titles = store.title_counts()
    report.missing_titles = store.missing_titles()
    return report

def import_stamp(release) -> dict:
    """When and from where maps are imported: {"release_path", "imported_at"}."""
    return {"release_path": str(getattr(release, "path", release)),
            "imported_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}


def _summarise(refset_table: dict[str, RefsetInfo], frame, opcs_version: str | None):
    """Per-refset counts, unknown refsets, and which OPCS-4 version is selected."""
    known = refset_table
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

def _read_titles(icd10, opcs, opcs_version: str | None = None) -> list[dict]:
    rows = []
    if icd10:
        rows += titles_mod.read_icd10_titles(icd10)
    if opcs:
        rows += titles_mod.read_opcs_titles(opcs, opcs_version)
    return rows

def _replace_titles(store: MapStore, conn, rows: list[dict]) -> None:
    t = store.tables["titles"]
    # keep the last title per (system, code): files can repeat a code
    unique = {(r["system"], r["code"]): r for r in rows}
    for system in {r["system"] for r in rows}:
        conn.execute(t.delete().where(t.c.system == system))
    values = list(unique.values())
    for start in range(0, len(values), INSERT_BATCH):
        conn.execute(t.insert(), values[start : start + INSERT_BATCH])

def import_titles(store: MapStore, *, icd10=None, opcs=None, opcs_version: str | None = None) -> dict[str, int]:
    """Import ICD-10 and/or OPCS-4 title files (replacing that system's titles); counts per system."""
    rows = _read_titles(icd10, opcs, opcs_version)
    store.create()
    with store._connect(write=True) as conn:
        _replace_titles(store, conn, rows)
    return store.title_counts()
