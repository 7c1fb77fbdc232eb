"""The map engine: SCTID -> ordered ICD-10 / OPCS-4 alternatives with the default marked.

Rows come back ordered by system, block, group and integer priority. The default is block 1 and,
in each of its groups, the alternative chosen by :func:`default_priority` (docs/reference.md §3).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from coding_toolkit.errors import MapError
from coding_toolkit.mapping.codes import base_code, is_classifiable, target_kind, to_display
from coding_toolkit.mapping.store import MapStore
from coding_toolkit.records import CodeSystem, MapRow

log = logging.getLogger(__name__)

ICD10, OPCS4, ICD10_INT = CodeSystem.ICD10, CodeSystem.OPCS4, CodeSystem.ICD10_INT
DEFAULT_BLOCK = 1
ENGINE_COLUMNS = (
    "sctid",
    "refset_id",
    "map_block",
    "map_group",
    "map_priority",
    "map_target",
    "map_advice",
    "map_rule",
)


def default_priority(priorities: Iterable[int]) -> int:
    """The default alternative of one map group: the HIGHEST priority number.

    Lower numbers are context-specific alternatives (obstetric, neonatal, post-procedural...)
    that coders are shown first; the last one is the "otherwise" code, as in the International
    map whose rules end with ``OTHERWISE TRUE``. E.g. 84114007 Heart failure, block 1 group 1:
    priorities 1..16, the default is 16 (I50.9), not 1 (O29.1).
    """
    values = [int(p) for p in priorities]
    if not values:
        raise ValueError("default_priority() needs at least one priority")
    return max(values)


@lru_cache(maxsize=65536)
def _target_info(target: str, system: str) -> tuple[str | None, str | None, str | None]:
    """(display, dagger/asterisk kind, title key) of a map target; a release has ~15k distinct targets."""
    if not is_classifiable(target):
        return None, None, None
    return to_display(target, system), target_kind(target), base_code(target, system)


def build_rows(
    raw: list[dict[str, Any]],
    system: str,
    version: str,
    *,
    titles: dict | None = None,
    release: str | None = None,
) -> list[MapRow]:
    """MapRows for one system from stored rows (one or many SCTIDs), ordered, default marked."""
    titles = titles or {}
    if system in CodeSystem._value2member_map_:
        system = CodeSystem(system)
    title_system = ICD10 if system.startswith("ICD") else system
    groups: dict[tuple[str, int, int], list[int]] = defaultdict(list)
    for r in raw:
        groups[(r["sctid"], int(r["map_block"]), int(r["map_group"]))].append(int(r["map_priority"]))
    defaults = {key: default_priority(prios) for key, prios in groups.items() if key[1] == DEFAULT_BLOCK}
    out = []
    for r in raw:
        block, group, priority = int(r["map_block"]), int(r["map_group"]), int(r["map_priority"])
        target = r["map_target"]
        display, kind, key = _target_info(target, system)
        out.append(
            MapRow(
                sctid=r["sctid"],
                system=system,
                version=version,
                refset_id=r["refset_id"],
                block=block,
                group=group,
                priority=priority,
                target=target,
                display=display,
                advice=r["map_advice"],
                rule=r["map_rule"],
                default=defaults.get((r["sctid"], block, group)) == priority,
                classifiable=is_classifiable(target),
                kind=kind,
                title=titles.get((title_system, key)) if key else None,
                release=release,
            )
        )
    out.sort(key=lambda m: (m.sctid, m.system, m.block, m.group, m.priority))
    return out


class MapEngine:
    """Look up NHS map rows for SCTIDs. ``MapEngine("maps.sqlite")``, a URL, or a MapStore.

    ``lookup`` returns [] for an SCTID without map rows; call :meth:`preload` once before looking
    up many mentions (one query, then dictionary look-ups).
    """

    def __init__(
        self, url_or_store: str | MapStore, *, opcs_version: str | None = None, preload: bool = False
    ):
        self.store = url_or_store if isinstance(url_or_store, MapStore) else MapStore(url_or_store)
        self.store.require_file()  # reading must not create an empty SQLite file
        if not self.store.has_maps():
            raise MapError(
                f"map store {self.store} holds no imported maps; fix: run "
                "'coding-toolkit maps import RELEASE_DIR --db ...' first"
            )
        self._provenance = self.store.provenance()
        refsets = [r for r in self.store.refsets() if r["known"]]
        self.systems: dict[str, tuple[str, str]] = {}  # system -> (refset id, version)
        opcs = opcs_version or self._provenance.get("opcs_version")
        for r in refsets:
            if r["system"] == OPCS4:
                if r["version"] == opcs:
                    self.systems[OPCS4] = (r["refset_id"], r["version"])
            else:
                self.systems[r["system"]] = (r["refset_id"], r["version"])
        if opcs_version and OPCS4 not in self.systems:
            found = sorted(r["version"] for r in refsets if r["system"] == OPCS4)
            raise MapError(
                f"OPCS-4 version {opcs_version!r} is not in the map store (found: "
                f"{', '.join(found) or 'none'}); fix: pick one of those"
            )
        self._titles = self.store.titles()
        self._release = ", ".join(self._provenance.get("folders", []))
        self._cache: dict[str, dict[str, list[MapRow]]] = {}  # system -> sctid -> rows
        self._complete: set[str] = set()  # systems fully preloaded
        if preload:
            self.preload()

    def _systems(self, system: str | None) -> list[str]:
        if system is None:
            return [s for s in (ICD10, OPCS4) if s in self.systems]
        if system not in self.systems:
            raise MapError(
                f"classification {system!r} is not in the map store (have: {', '.join(self.systems)}); "
                "fix: use one of those"
            )
        return [system]

    def _fetch(self, system: str, sctids: list[str] | None) -> dict[str, list[MapRow]]:
        refset_id, version = self.systems[system]
        rows = build_rows(
            self.store.rows([refset_id], sctids, ENGINE_COLUMNS),
            system,
            version,
            titles=self._titles,
            release=self._release,
        )
        by_sctid: dict[str, list[MapRow]] = defaultdict(list)
        for row in rows:
            by_sctid[row.sctid].append(row)
        return dict(by_sctid)

    def preload(self, systems: Iterable[str] | None = None) -> None:
        """Read every row of the selected systems once into memory (fast repeated look-ups)."""
        for system in systems or self._systems(None):
            self._cache[system] = self._fetch(system, None)
            self._complete.add(system)
        log.info("preloaded maps: %s", {s: len(v) for s, v in self._cache.items()})

    def lookup_many(self, sctids: Iterable[str], system: str | None = None) -> dict[str, list[MapRow]]:
        """sctid -> rows ordered by system, block, group, priority ([] for SCTIDs without rows)."""
        ids = list(dict.fromkeys(str(s).strip() for s in sctids))
        out: dict[str, list[MapRow]] = {s: [] for s in ids}
        for sys_name in self._systems(system):
            cache = self._cache.setdefault(sys_name, {})
            if sys_name not in self._complete:
                todo = [s for s in ids if s not in cache]
                if todo:
                    fetched = self._fetch(sys_name, todo)
                    for s in todo:
                        cache[s] = fetched.get(s, [])
            for s in ids:
                out[s].extend(cache.get(s, ()))
        return out

    def lookup(self, sctid: str, system: str | None = None) -> list[MapRow]:
        """Map rows of one SCTID, ordered system, block, group, priority; [] if it has none."""
        return self.lookup_many([sctid], system)[str(sctid).strip()]

    def title(self, code: str, system: str) -> str | None:
        """The imported classification title of a CDS code (``Z921``, ``Z943``), for codes a coding rule
        adds without a map row; None when the title files have none."""
        key = base_code(code, system) if is_classifiable(code) else None
        return self._titles.get((ICD10 if str(system).startswith("ICD") else system, key)) if key else None

    def defaults(self, sctid: str, system: str | None = None) -> list[MapRow]:
        """Only the default rows (block 1, one per group, in group order)."""
        return [r for r in self.lookup(sctid, system) if r.default]

    def provenance(self) -> dict[str, Any]:
        """Release folders, refset ids/versions, OPCS version and whether the map is illustrative."""
        p = self._provenance
        return {
            "release": self._release,
            "folders": p.get("folders", []),
            "release_dates": p.get("release_dates", []),
            "map_files": p.get("map_files", []),
            "imported_at": p.get("imported_at"),
            "illustrative": bool(p.get("illustrative", False)),
            "opcs_version": p.get("opcs_version"),
            "refsets": {
                str(system): {"refset_id": rid, "version": version}  # plain str keys (JSON writers)
                for system, (rid, version) in self.systems.items()
            },
            "titles": self.store.title_counts(),
        }
