"""Read a SNOMED CT RF2 release (International + UK modules) from the folder a trust unzipped.

Everything is read from ``Snapshot/`` in chunks and kept as compact columns (int64 ids, Arrow
strings), never as one Python object per row: a full UK release (~400k concepts, ~1.5M
descriptions) loads in a few minutes within a few GB. Where the same component appears in more
than one folder, the row with the latest effectiveTime wins; then only active rows count.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from coding_toolkit.errors import ReleaseError, where
from coding_toolkit.records import ConceptEntry
from coding_toolkit.terminology import rf2

log = logging.getLogger(__name__)

_TEXT = "string[pyarrow]"


def _latest(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """Keep one row per ``key``: the one with the latest effectiveTime (RF2 snapshot semantics)."""
    if frame.empty:
        return frame
    frame = frame.sort_values([*key, "time"], kind="stable")
    return frame.drop_duplicates(key, keep="last")


class Release:
    """A SNOMED CT release on disk: one or more ``SnomedCT_*RF2_*`` folders, merged.

    >>> rel = Release("tests/fixtures/rf2")
    >>> next(rel.concept_entries(tags=["disorder"])).semantic_tag
    'disorder'
    """

    def __init__(self, path: str | Path, *, chunksize: int = rf2.CHUNK_ROWS, progress: bool = False):
        self.path = Path(path)
        self.folders: list[Path] = rf2.find_release_folders(self.path)
        self.chunksize = chunksize
        self.progress = progress
        self._concepts: np.ndarray | None = None  # sorted active concept ids
        self._modules: list[str] = []
        self._names: pd.DataFrame | None = None
        self._synonyms: pd.DataFrame | None = None
        self._isa: dict[str, np.ndarray] | None = None
        for kind in ("concept", "description"):
            if not self._files(kind):
                raise ReleaseError(
                    f"release {self.path} has no {rf2.constants()['file_patterns'][kind]} under "
                    f"any Snapshot/ folder; fix: unzip the complete RF2 release (Snapshot files)"
                )

    # ---- files and provenance -------------------------------------------------------------
    def _files(self, kind: str) -> list[Path]:
        return [f for folder in self.folders for f in rf2.snapshot_files(folder, kind)]

    def map_files(self) -> list[Path]:
        """Every ``der2_*Refset_ExtendedMap*Snapshot*`` file across the release folders."""
        return self._files("extended_map")

    @property
    def illustrative(self) -> bool:
        """True for the demo release shipped with the starter pack (folder name contains the marker)."""
        marker = rf2.constants()["illustrative_folder_marker"]
        return any(marker.lower() in folder.name.lower() for folder in self.folders)

    def folders_info(self) -> dict:
        """Path, folder names, release dates and the illustrative flag (reads no RF2 file)."""
        folders = [rf2.folder_info(f) for f in self.folders]
        return {
            "path": str(self.path),
            "folders": [f["name"] for f in folders],
            "release_dates": [f["date"] for f in folders],
            "illustrative": self.illustrative,
        }

    def info(self) -> dict:
        """:meth:`folders_info` plus the concepts' module ids (reads the concept files once)."""
        self._load_concepts()
        return {**self.folders_info(), "module_ids": list(self._modules)}

    def _iter_files(self, kind: str):
        files = self._files(kind)
        if self.progress:
            from tqdm import tqdm

            return tqdm(files, desc=f"reading {kind} files", unit="file")
        return files

    def _chunks(self, kind: str, columns: list[str]):
        for path in self._iter_files(kind):
            for chunk in rf2.read_chunks(path, columns, chunksize=self.chunksize):
                yield path, chunk

    # ---- concepts ---------------------------------------------------------------------------
    def _load_concepts(self) -> np.ndarray:
        if self._concepts is not None:
            return self._concepts
        parts, modules = [], set()
        for path, chunk in self._chunks("concept", ["id", "effectiveTime", "active", "moduleId"]):
            parts.append(
                pd.DataFrame(
                    {
                        "id": rf2.to_int(chunk, "id", path),
                        "time": rf2.to_int(chunk, "effectiveTime", path, dtype=np.int32),
                        "active": rf2.active_mask(chunk, path),
                    }
                )
            )
            modules.update(chunk["moduleId"].unique())
        frame = _latest(pd.concat(parts, ignore_index=True), ["id"])
        self._concepts = np.sort(frame["id"].to_numpy()[frame["active"].to_numpy()])
        self._modules = sorted(modules)
        log.info("release %s: %d active concepts", self.path, len(self._concepts))
        return self._concepts

    def is_active(self, sctid: str | int) -> bool:
        concepts = self._load_concepts()
        key = int(sctid)
        i = np.searchsorted(concepts, key)
        return bool(i < len(concepts) and concepts[i] == key)

    # ---- descriptions and language refsets ---------------------------------------------------
    def _load_descriptions(self) -> pd.DataFrame:
        c = rf2.constants()
        fsn_type, syn_type = int(c["fsn_type"]), int(c["synonym_type"])
        parts = []
        cols = ["id", "effectiveTime", "active", "conceptId", "typeId", "term"]
        for path, chunk in self._chunks("description", cols):
            type_id = rf2.to_int(chunk, "typeId", path)
            keep = (type_id == fsn_type) | (type_id == syn_type)  # text definitions are not names
            chunk = chunk[keep]
            parts.append(
                pd.DataFrame(
                    {
                        "id": rf2.to_int(chunk, "id", path),
                        "time": rf2.to_int(chunk, "effectiveTime", path, dtype=np.int32),
                        "active": rf2.active_mask(chunk, path),
                        "concept": rf2.to_int(chunk, "conceptId", path),
                        "fsn": type_id[keep] == fsn_type,
                        "term": chunk["term"].astype(_TEXT).to_numpy(),
                    }
                )
            )
        frame = _latest(pd.concat(parts, ignore_index=True), ["id"])
        frame = frame[
            frame["active"].to_numpy() & np.isin(frame["concept"].to_numpy(), self._load_concepts())
        ]
        return frame.drop(columns=["active", "time"]).reset_index(drop=True)

    def _load_language(self) -> pd.DataFrame:
        c = rf2.constants()
        rank = {int(r["id"]): i for i, r in enumerate(c["language_refsets"])}
        preferred = int(c["preferred"])
        parts = []
        cols = ["id", "effectiveTime", "active", "refsetId", "referencedComponentId", "acceptabilityId"]
        for path, chunk in self._chunks("language", cols):
            refset = rf2.to_int(chunk, "refsetId", path)
            keep = np.isin(refset, list(rank))
            chunk = chunk[keep]
            parts.append(
                pd.DataFrame(
                    {
                        "id": chunk["id"].astype(_TEXT).to_numpy(),  # member ids are UUIDs
                        "refset": refset[keep],
                        "desc": rf2.to_int(chunk, "referencedComponentId", path),
                        "time": rf2.to_int(chunk, "effectiveTime", path, dtype=np.int32),
                        "active": rf2.active_mask(chunk, path),
                        "preferred": rf2.to_int(chunk, "acceptabilityId", path) == preferred,
                    }
                )
            )
        if not parts:
            return pd.DataFrame(
                {
                    "desc": np.array([], np.int64),
                    "rank": np.array([], np.int8),
                    "preferred": np.array([], bool),
                }
            )
        # the latest row of each member, then only active members; a description re-added to a
        # refset under a new member id keeps its active member even if the old one is newer
        frame = _latest(pd.concat(parts, ignore_index=True), ["id"])
        frame = _latest(frame[frame["active"].to_numpy()], ["refset", "desc"])
        return pd.DataFrame(
            {
                "desc": frame["desc"].to_numpy(),
                "rank": frame["refset"].map(rank).to_numpy(dtype=np.int8),
                "preferred": frame["preferred"].to_numpy(),
            }
        )

    def _load_names(self) -> None:
        """One row per active concept (fsn, tag, preferred term) and a sorted (concept, synonym) table."""
        if self._names is not None:
            return
        desc = self._load_descriptions()
        lang = self._load_language()
        rank_of = lang.sort_values(["desc", "rank"]).drop_duplicates("desc")
        fsn = desc[desc["fsn"].to_numpy()].merge(
            rank_of[["desc", "rank"]], left_on="id", right_on="desc", how="left"
        )
        fsn = fsn.sort_values(["concept", "rank", "id"], na_position="last").drop_duplicates("concept")
        names = pd.DataFrame({"sctid": fsn["concept"].to_numpy(), "fsn": fsn["term"].to_numpy()})
        names["tag"] = names["fsn"].str.extract(rf2.TAG_RE, expand=False).fillna("").astype(_TEXT)
        names["bare"] = names["fsn"].str.replace(rf2.TAG_RE, "", regex=True).str.strip().astype(_TEXT)

        syn = desc[~desc["fsn"].to_numpy()]
        if lang.empty:  # no language refset: every active synonym is acceptable, none preferred
            syn = syn.assign(rank=np.int8(0), preferred=False)
        else:
            syn = syn.merge(lang, left_on="id", right_on="desc", how="inner")
        pref = (
            syn[syn["preferred"].to_numpy()].sort_values(["concept", "rank", "id"]).drop_duplicates("concept")
        )
        names = names.merge(
            pd.DataFrame(
                {
                    "sctid": pref["concept"].to_numpy(),
                    "pref_id": pref["id"].to_numpy(),
                    "preferred": pref["term"].to_numpy(),
                }
            ),
            on="sctid",
            how="left",
        )
        missing = names["preferred"].isna()
        names.loc[missing, "preferred"] = names.loc[missing, "bare"]
        names["pref_id"] = names["pref_id"].fillna(-1).astype(np.int64)

        # synonyms: acceptable/preferred in any known refset + FSN without tag; not the preferred term
        syn = syn.sort_values(["concept", "rank", "id"]).drop_duplicates("id")
        syn = pd.concat(
            [
                pd.DataFrame(
                    {
                        "concept": syn["concept"].to_numpy(),
                        "id": syn["id"].to_numpy(),
                        "term": syn["term"].to_numpy(),
                        "order": np.arange(len(syn)),
                    }
                ),
                pd.DataFrame(
                    {
                        "concept": names["sctid"].to_numpy(),
                        "id": np.int64(-2),
                        "term": names["bare"].to_numpy(),
                        "order": len(syn),
                    }
                ),
            ],
            ignore_index=True,
        )
        syn = syn.merge(names[["sctid", "preferred"]], left_on="concept", right_on="sctid", how="left")
        syn = syn[(syn["term"] != syn["preferred"]).to_numpy() & (syn["term"].str.len() > 0).to_numpy()]
        syn = syn.sort_values(["concept", "order"]).drop_duplicates(["concept", "term"])
        self._synonyms = syn[["concept", "term"]].reset_index(drop=True)
        self._names = names.drop(columns=["pref_id"]).sort_values("sctid").reset_index(drop=True)
        log.info(
            "release %s: %d concepts with names, %d synonyms", self.path, len(names), len(self._synonyms)
        )

    def drop_caches(self) -> None:
        """Let go of the names and the hierarchy read so far (read again if asked for): a build drops
        them once the CDB and the concept-model index hold them, before the model is saved."""
        self._names = self._synonyms = None
        self._isa = None

    def concept_entries(
        self, tags: Iterable[str] | None = None, descendants_of: Iterable[str] | None = None
    ) -> Iterator[ConceptEntry]:
        """Active concepts with FSN, semantic tag, UK preferred term and synonyms, ordered by id.

        ``tags`` keeps concepts whose semantic tag is one of them ("disorder", "procedure", ...).
        ``descendants_of`` keeps the named concepts and all their descendants (is-a, active).
        """
        self._load_names()
        names, syn = self._names, self._synonyms
        keep = np.ones(len(names), dtype=bool)
        if tags is not None:
            keep &= names["tag"].isin(list(tags)).to_numpy()
        if descendants_of is not None:
            wanted: set[int] = set()
            for root in descendants_of:
                wanted.add(int(root))
                wanted.update(int(x) for x in self.descendants(root))
            keep &= np.isin(names["sctid"].to_numpy(), np.fromiter(wanted, np.int64, len(wanted)))
        sel = names[keep]
        ids = sel["sctid"].to_numpy()
        syn_ids = syn["concept"].to_numpy()
        lo, hi = np.searchsorted(syn_ids, ids, "left"), np.searchsorted(syn_ids, ids, "right")
        terms = syn["term"].to_numpy(dtype=object)
        for sctid, pref, fsn, tag, a, b in zip(
            ids.tolist(),
            sel["preferred"].tolist(),
            sel["fsn"].tolist(),
            sel["tag"].tolist(),
            lo.tolist(),
            hi.tolist(),
        ):
            yield ConceptEntry(
                sctid=str(sctid), preferred_term=pref, fsn=fsn, semantic_tag=tag, synonyms=tuple(terms[a:b])
            )

    def entries_of(self, sctids: Iterable[int]) -> Iterator[ConceptEntry]:
        """The active concepts among ``sctids`` with their names (e.g. attribute values for the NER)."""
        self._load_names()
        wanted = np.unique(np.fromiter(sctids, np.int64))
        ids = self._names["sctid"].to_numpy()
        for sctid in ids[np.isin(ids, wanted)].tolist():
            yield self.concept(str(sctid))

    def concept(self, sctid: str) -> ConceptEntry:
        """One active concept's names; ReleaseError if the id is not an active concept."""
        self._load_names()
        key = int(sctid)
        names = self._names
        i = int(np.searchsorted(names["sctid"].to_numpy(), key))
        if i >= len(names) or names["sctid"].iat[i] != key:
            raise ReleaseError(
                f"{where(self.path)}: SCTID {sctid} is not an active concept of this release; "
                "fix: check the id (and that the release holds its module)"
            )
        syn = self._synonyms
        syn_ids = syn["concept"].to_numpy()
        a, b = np.searchsorted(syn_ids, key, "left"), np.searchsorted(syn_ids, key, "right")
        row = names.iloc[i]
        return ConceptEntry(
            sctid=str(key),
            preferred_term=row["preferred"],
            fsn=row["fsn"],
            semantic_tag=row["tag"],
            synonyms=tuple(syn["term"].iloc[a:b]),
        )

    # ---- hierarchy --------------------------------------------------------------------------
    def _load_isa(self) -> dict[str, np.ndarray]:
        if self._isa is not None:
            return self._isa
        isa = int(rf2.constants()["is_a"])
        parts = []
        cols = ["id", "effectiveTime", "active", "sourceId", "destinationId", "typeId"]
        for path, chunk in self._chunks("relationship", cols):
            type_id = rf2.to_int(chunk, "typeId", path)
            chunk = chunk[type_id == isa]
            parts.append(
                pd.DataFrame(
                    {
                        "id": rf2.to_int(chunk, "id", path),
                        "time": rf2.to_int(chunk, "effectiveTime", path, dtype=np.int32),
                        "active": rf2.active_mask(chunk, path),
                        "src": rf2.to_int(chunk, "sourceId", path),
                        "dst": rf2.to_int(chunk, "destinationId", path),
                    }
                )
            )
        frame = (
            _latest(pd.concat(parts, ignore_index=True), ["id"])
            if parts
            else pd.DataFrame(
                {"src": np.array([], np.int64), "dst": np.array([], np.int64), "active": np.array([], bool)}
            )
        )
        concepts = self._load_concepts()
        frame = frame[
            frame["active"].to_numpy()
            & np.isin(frame["src"].to_numpy(), concepts)
            & np.isin(frame["dst"].to_numpy(), concepts)
        ].drop_duplicates(["src", "dst"])
        by_dst = frame.sort_values(["dst", "src"])
        by_src = frame.sort_values(["src", "dst"])
        self._isa = {
            "dst_key": by_dst["dst"].to_numpy(),
            "children": by_dst["src"].to_numpy(),
            "src_key": by_src["src"].to_numpy(),
            "parents": by_src["dst"].to_numpy(),
        }
        log.info("release %s: %d active is-a relationships", self.path, len(frame))
        return self._isa

    def _neighbours(self, key_name: str, value_name: str, sctid: int) -> np.ndarray:
        isa = self._load_isa()
        keys = isa[key_name]
        return isa[value_name][np.searchsorted(keys, sctid, "left") : np.searchsorted(keys, sctid, "right")]

    def parents(self, sctid: str) -> set[str]:
        """Direct is-a parents (active relationships)."""
        return {str(x) for x in self._neighbours("src_key", "parents", int(sctid)).tolist()}

    def children(self, sctid: str) -> set[str]:
        """Direct is-a children (active relationships)."""
        return {str(x) for x in self._neighbours("dst_key", "children", int(sctid)).tolist()}

    def concept_model(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Active inferred relationships as int64 (source, destination, type) columns between active
        concepts, and the sorted ids of the active fully defined concepts (the concept-model index's
        input, ``refine/index.py``). Read in chunks; one row per relationship id (the latest)."""
        c = rf2.constants()
        inferred, defined_status = int(c["inferred"]), int(c["fully_defined"])
        parts = []
        cols = ["id", "effectiveTime", "active", "sourceId", "destinationId", "typeId", "characteristicTypeId"]
        for path, chunk in self._chunks("relationship", cols):
            chunk = chunk[rf2.to_int(chunk, "characteristicTypeId", path) == inferred]
            parts.append(pd.DataFrame({
                "id": rf2.to_int(chunk, "id", path),
                "time": rf2.to_int(chunk, "effectiveTime", path, dtype=np.int32),
                "active": rf2.active_mask(chunk, path),
                "src": rf2.to_int(chunk, "sourceId", path),
                "dst": rf2.to_int(chunk, "destinationId", path),
                "type": rf2.to_int(chunk, "typeId", path),
            }))
        concepts = self._load_concepts()
        empty = np.array([], np.int64)
        if parts:
            frame = _latest(pd.concat(parts, ignore_index=True), ["id"])
            frame = frame[frame["active"].to_numpy() & np.isin(frame["src"].to_numpy(), concepts)
                          & np.isin(frame["dst"].to_numpy(), concepts)].drop_duplicates(["src", "dst", "type"])
            src, dst, typ = (frame[k].to_numpy() for k in ("src", "dst", "type"))
        else:
            src = dst = typ = empty
        defined = []
        for path, chunk in self._chunks("concept", ["id", "effectiveTime", "active", "definitionStatusId"]):
            defined.append(pd.DataFrame({
                "id": rf2.to_int(chunk, "id", path),
                "time": rf2.to_int(chunk, "effectiveTime", path, dtype=np.int32),
                "defined": rf2.to_int(chunk, "definitionStatusId", path) == defined_status,
            }))
        status = _latest(pd.concat(defined, ignore_index=True), ["id"])
        ids = status["id"].to_numpy()[status["defined"].to_numpy()]
        log.info("release %s: %d active inferred relationships", self.path, len(src))
        return src, dst, typ, np.intersect1d(ids, concepts)

    def descendants(self, sctid: str) -> set[str]:
        """All is-a descendants, not including ``sctid`` itself."""
        seen: set[int] = set()
        frontier = [int(sctid)]
        while frontier:
            nxt = []
            for node in frontier:
                for child in self._neighbours("dst_key", "children", node).tolist():
                    if child not in seen:
                        seen.add(child)
                        nxt.append(child)
            frontier = nxt
        return {str(x) for x in seen}
