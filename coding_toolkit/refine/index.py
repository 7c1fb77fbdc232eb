"""The concept-model index: every concept's parents and defining attributes, as flat numpy arrays.

A full UK release has ~1.2 million active inferred relationships. One Python dict or tuple per
concept would cost ~1 GB and minutes to unpickle in every worker; instead the index is a handful of
CSR arrays (``ptr[i]:ptr[i+1]`` slices a concept's parents, attributes, children, or the concepts
whose attribute takes it as value) over dense int32 positions into one sorted int64 id array. Each
array is one ``.npy`` file in the pack, opened with ``mmap_mode="r"``: loading costs nothing, pages
are read on first touch, and forked workers share them through the page cache (no copy per
worker). The files are content files of the pack, so its hash covers them.

Composing looks candidates up instead of searching below each concept: ``model build`` also stores,
for the search limits of ``refine_rules.json`` (``meta["compose"]``), the fully defined concepts by
parent (``def_children``), those taking a concept as an attribute value (``def_sources``), and those
one or two is-a steps below it or taking it as a value (``def_near``), and every concept's
ancestors-or-self (``anc``: the entailment checks read them for every candidate). A pack built before these
arrays (no ``meta["compose"]``) still loads; the stage then searches below each concept as before.

Ids that are not SCTIDs (attribute names the starter pack derives from FSN text, e.g.
``attr:penicillin``) get negative ids; ``meta["local_ids"]`` lists them.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from coding_toolkit.errors import PackError

INDEX_DIR = "concept_model"
META_FILE = "concept_model.json"
FORMAT = "coding-toolkit-concept-model/1"
_ARRAYS = ("ids", "defined", "parent_ptr", "parents", "child_ptr", "children",
           "attr_ptr", "attr_type", "attr_value", "value_ptr", "value_sources", "types")
# fully defined concepts by parent / by attribute value / below or by value (see the docstring)
_COMPOSE_ARRAYS = ("def_child_ptr", "def_children", "def_source_ptr", "def_sources", "def_near_ptr", "def_near",
                   "anc_ptr", "anc")  # and every concept's ancestors-or-self
COMPOSE_DEPTH = 2  # the is-a steps ``def_near`` covers (refine_rules.json: search.depth)


def _csr(keys: np.ndarray, values: np.ndarray, n: int, extra: np.ndarray | None = None):
    """(ptr, values sorted by key[, extra in the same order]) for dense keys in [0, n)."""
    order = np.lexsort((values, keys))
    ptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(keys, minlength=n), out=ptr[1:])
    out = values[order].astype(np.int32)
    return (ptr, out) if extra is None else (ptr, out, extra[order])


class ConceptModelIndex:
    """Read-only queries over the arrays (positions are dense ints; ``key``/``sctid`` convert)."""

    def __init__(self, arrays: dict[str, np.ndarray], meta: dict):
        self.a = arrays
        self.meta = meta
        self.ids: np.ndarray = arrays["ids"]
        self.types: np.ndarray = arrays["types"]
        self._local = {name: -(i + 1) for i, name in enumerate(meta.get("local_ids", []))}
        self._local_names = list(meta.get("local_ids", []))
        self._type_pos = {int(t): i for i, t in enumerate(self.types.tolist())}
        self._anc_cache: dict[int, frozenset[int]] = {}
        # memoryviews give a pointer or a parent as a Python int several times faster than numpy does
        self._parent_ptr, self._parents = arrays["parent_ptr"].data, arrays["parents"].data
        self.has_compose = all(name in arrays for name in _COMPOSE_ARRAYS)
        self._anc_ptr = arrays["anc_ptr"].data if self.has_compose else None

    # -- building -------------------------------------------------------------------------------
    @classmethod
    def build(cls, src: np.ndarray, dst: np.ndarray, typ: np.ndarray, *, is_a: int,
              defined: Iterable[int] = (), local_ids: Sequence[str] = (), source: dict | None = None,
              search: tuple[int, int] | None = None) -> ConceptModelIndex:
        """From relationship columns (int64 source, destination, type; is-a rows have ``is_a``).
        ``search``: the stage's (cap, value_cap) the compose arrays follow (default: the shipped rules')."""
        src, dst, typ = (np.asarray(x, np.int64) for x in (src, dst, typ))
        defined = np.fromiter(defined, np.int64)
        ids = np.unique(np.concatenate([src, dst, defined]))
        n = len(ids)
        s, d = np.searchsorted(ids, src).astype(np.int32), np.searchsorted(ids, dst).astype(np.int32)
        isa = typ == is_a
        parent_ptr, parents = _csr(s[isa], d[isa], n)
        child_ptr, children = _csr(d[isa], s[isa], n)
        attrs = ~isa
        types, type_pos = np.unique(typ[attrs], return_inverse=True)
        attr_ptr, attr_value, attr_type = _csr(s[attrs], d[attrs], n, type_pos.astype(np.int16))
        value_ptr, value_sources = _csr(d[attrs], s[attrs], n)
        flags = np.zeros(n, np.bool_)
        flags[np.searchsorted(ids, defined)] = True
        if search is None:
            from coding_toolkit.refine.rules import RefineRules
            rules = RefineRules.load()
            search = (rules.cap, rules.value_cap)
        compose = {"depth": COMPOSE_DEPTH, "cap": int(search[0]), "value_cap": int(search[1])}
        arrays = _compose_arrays(n, flags, parent_ptr, parents, child_ptr, children, value_ptr, value_sources,
                                 compose["cap"], compose["value_cap"])
        arrays["anc_ptr"], arrays["anc"] = _ancestor_closure(n, parent_ptr, parents, child_ptr, children)
        arrays |= {"ids": ids, "defined": flags, "parent_ptr": parent_ptr, "parents": parents,
                  "child_ptr": child_ptr, "children": children, "attr_ptr": attr_ptr,
                  "attr_type": attr_type, "attr_value": attr_value, "value_ptr": value_ptr,
                  "value_sources": value_sources, "types": types.astype(np.int64)}
        meta = {"format": FORMAT, "concepts": int(n), "is_a": int(isa.sum()), "attributes": int(attrs.sum()),
                "defined": int(flags.sum()), "local_ids": list(local_ids), "source": source or {},
                "compose": compose}
        return cls(arrays, meta)

    def save(self, pack_dir: Path) -> dict:
        out = Path(pack_dir) / INDEX_DIR
        out.mkdir(parents=True, exist_ok=True)
        for name in _ARRAYS + (_COMPOSE_ARRAYS if self.has_compose else ()):
            np.save(out / f"{name}.npy", np.ascontiguousarray(self.a[name]), allow_pickle=False)
        (out / META_FILE).write_text(json.dumps(self.meta, indent=1, sort_keys=True), encoding="utf-8")
        return self.summary()

    @classmethod
    def load(cls, pack_dir: Path) -> ConceptModelIndex | None:
        """The pack's index (memory-mapped), or None for a pack built without one."""
        folder = Path(pack_dir) / INDEX_DIR
        if not (folder / META_FILE).is_file():
            return None
        try:
            meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
            if meta.get("format") != FORMAT:
                raise ValueError(f"format {meta.get('format')!r}, expected {FORMAT}")
            # plain ndarray views of the maps: slicing a np.memmap costs several times more per call
            names = _ARRAYS + (_COMPOSE_ARRAYS if "compose" in meta else ())  # absent: built before them
            arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False).view(np.ndarray)
                      for name in names}
        except (OSError, ValueError) as e:
            raise PackError(f"{folder}: concept-model index unreadable ({e}); fix: rebuild the pack") from e
        return cls(arrays, meta)

    def summary(self) -> dict:
        keys = ("concepts", "is_a", "attributes", "defined", "source")
        return {k: self.meta[k] for k in keys if k in self.meta} | {"local_ids": len(self._local_names)}

    # -- ids ------------------------------------------------------------------------------------
    def key(self, sctid: str) -> int:
        return int(sctid) if sctid.isdigit() else self._local.get(sctid, 0)

    def sctid(self, pos: int) -> str:
        value = int(self.ids[pos])
        return str(value) if value > 0 else self._local_names[-value - 1]

    def pos(self, sctid: str) -> int:
        """Dense position of a concept, -1 when the index does not know it."""
        key = self.key(sctid)
        if key == 0:
            return -1
        i = int(np.searchsorted(self.ids, key))
        return i if i < len(self.ids) and int(self.ids[i]) == key else -1

    def positions(self, sctids: Sequence[str]) -> list[int]:
        """``pos`` of each (one vectorised search: a note's concepts at once)."""
        keys = np.array([self.key(s) for s in sctids], np.int64)
        found = np.minimum(np.searchsorted(self.ids, keys), len(self.ids) - 1)
        return np.where((self.ids[found] == keys) & (keys != 0), found, -1).tolist()

    def type_pos(self, type_sctid: str | int) -> int:
        return self._type_pos.get(int(type_sctid), -1)

    # -- graph ----------------------------------------------------------------------------------
    def parents(self, i: int) -> list[int]:
        p = self._parent_ptr
        return self.a["parents"][p[i]:p[i + 1]].tolist()

    def children(self, i: int) -> list[int]:
        p = self.a["child_ptr"]
        return self.a["children"][p[i]:p[i + 1]].tolist()

    def attributes(self, i: int) -> list[tuple[int, int]]:
        """(type position, value position) of concept ``i``'s defining attributes."""
        p = self.a["attr_ptr"]
        lo, hi = p[i], p[i + 1]
        return list(zip(self.a["attr_type"][lo:hi].tolist(), self.a["attr_value"][lo:hi].tolist()))

    def with_value(self, value: int) -> list[int]:
        """Concepts having an attribute whose value is ``value``."""
        p = self.a["value_ptr"]
        return self.a["value_sources"][p[value]:p[value + 1]].tolist()

    def sources_by_type(self, type_pos: int) -> dict[int, list[int]]:
        """value -> the concepts with an attribute of this type and that value, in one vectorised
        pass. Looking through ``with_value`` instead visits every concept using the value in any role:
        on a full-size pack the ~2,000 drug products of one ingredient for each allergy mention."""
        where = np.flatnonzero(self.a["attr_type"] == type_pos)
        if not len(where):
            return {}
        sources = np.searchsorted(self.a["attr_ptr"], where, side="right") - 1
        values = self.a["attr_value"][where]
        order = np.argsort(values, kind="stable")
        values, sources = values[order], sources[order]
        cuts = np.flatnonzero(np.diff(values)) + 1
        firsts = values[np.concatenate(([0], cuts))].tolist()
        return {v: group.tolist() for v, group in zip(firsts, np.split(sources, cuts))}

    def is_defined(self, i: int) -> bool:
        return bool(self.a["defined"][i])

    def ancestors(self, i: int) -> frozenset[int]:
        """Ancestors-or-self (cached: the hierarchy above a concept is small, and notes repeat concepts)."""
        cached = self._anc_cache.get(i)
        if cached is not None:
            return cached
        if self._anc_ptr is not None:
            out = frozenset(self.a["anc"][self._anc_ptr[i]:self._anc_ptr[i + 1]].tolist())
            if len(self._anc_cache) > 200_000:
                self._anc_cache.clear()
            self._anc_cache[i] = out
            return out
        ptr, parents = self._parent_ptr, self._parents
        seen, stack = {i}, [i]
        while stack:
            node = stack.pop()
            for k in range(ptr[node], ptr[node + 1]):
                p = parents[k]
                if p not in seen:
                    seen.add(p)
                    stack.append(p)
        out = frozenset(seen)
        if len(self._anc_cache) > 200_000:
            self._anc_cache.clear()
        self._anc_cache[i] = out
        return out

    def _expand(self, ptr_name: str, values_name: str, nodes: np.ndarray) -> np.ndarray:
        """Every CSR neighbour of ``nodes`` at once (vectorised: no Python loop per node)."""
        ptr = self.a[ptr_name]
        lo, hi = ptr[nodes], ptr[nodes + 1]
        sizes = hi - lo
        total = int(sizes.sum())
        if total == 0:
            return np.empty(0, np.int32)
        offsets = np.repeat(lo - np.cumsum(sizes) + sizes, sizes) + np.arange(total)
        return self.a[values_name][offsets]

    def below(self, nodes: np.ndarray, depth: int, cap: int) -> np.ndarray:
        """Descendants of ``nodes`` within ``depth`` is-a steps, at most about ``cap`` (repeats possible:
        a concept with two parents below ``nodes`` comes twice)."""
        found: list[np.ndarray] = [np.empty(0, np.int32)]
        frontier, n = np.asarray(nodes, np.int64), 0
        for _ in range(depth):
            frontier = self._expand("child_ptr", "children", frontier)
            if not len(frontier):
                break
            found.append(frontier)
            n += len(frontier)
            if n >= cap:
                break
            frontier = frontier.astype(np.int64)
        return np.concatenate(found)

    def compose_lookup(self, depth: int, cap: int, value_cap: int
                       ) -> Callable[[int, bool], list[int]] | None:
        """``(i, attribute) ->`` the fully defined concepts ``below(i, depth, cap)``, ``below(parents,
        depth - 1, cap)`` and ``with_values(i)[:value_cap]`` reach (only the latter for an attribute
        value; repeats and ``i`` possible), looked up in the compose arrays; None when the pack has none
        or they follow other search limits (then search)."""
        if not self.has_compose or self.meta["compose"] != {"depth": depth, "cap": cap, "value_cap": value_cap}:
            return None
        a = self.a
        near_ptr, source_ptr, child_ptr = (a[k].data for k in ("def_near_ptr", "def_source_ptr", "def_child_ptr"))
        parent_ptr = self._parent_ptr
        near, sources, parents, children = a["def_near"], a["def_sources"], a["parents"], a["def_children"]

        def lookup(i: int, attribute: bool) -> list[int]:
            if attribute:
                return sources[source_ptr[i]:source_ptr[i + 1]].tolist()
            out = near[near_ptr[i]:near_ptr[i + 1]].tolist()
            for parent in parents[parent_ptr[i]:parent_ptr[i + 1]].tolist():  # below(parents, 1): i among them
                out += children[child_ptr[parent]:child_ptr[parent + 1]].tolist()
            return out
        return lookup

    def with_values(self, nodes: np.ndarray) -> np.ndarray:
        """Concepts having an attribute whose value is one of ``nodes``."""
        return self._expand("value_ptr", "value_sources", np.asarray(nodes, np.int64))

    def descendants(self, i: int, depth: int, cap: int) -> set[int]:
        """Descendants within ``depth`` is-a steps, at most ``cap`` of them (broad concepts stop early)."""
        seen: set[int] = set()
        frontier = [i]
        for _ in range(depth):
            nxt = []
            for node in frontier:
                for child in self.children(node):
                    if child not in seen:
                        seen.add(child)
                        nxt.append(child)
                        if len(seen) >= cap:
                            return seen
            frontier = nxt
        return seen


def _compose_arrays(n: int, defined: np.ndarray, parent_ptr: np.ndarray, parents: np.ndarray, child_ptr: np.ndarray,
                    children: np.ndarray, value_ptr: np.ndarray, value_sources: np.ndarray, cap: int, value_cap: int
                    ) -> dict[str, np.ndarray]:
    """The fully defined concepts by parent, by attribute value (the first ``value_cap`` sources of each
    value), and near a concept: one or two is-a steps below it (one when it has ``cap`` children or more,
    as ``below`` stops) or taking it as a value. Each a CSR over positions, self and repeats left out."""
    child_count = np.diff(child_ptr)
    parent_of = np.repeat(np.arange(n, dtype=np.int32), child_count)  # children[k]'s parent
    keep = defined[children]
    up, down = parent_of[keep], children[keep]  # a parent and its fully defined child
    # a grandparent and its fully defined grandchild, unless the grandparent is broad
    counts = np.diff(parent_ptr)[up]
    starts = np.repeat(parent_ptr[up] - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
    grand, grand_down = parents[starts], np.repeat(down, counts)
    narrow = child_count[grand] < cap
    value_of = np.repeat(np.arange(n, dtype=np.int32), np.diff(value_ptr))  # value_sources[k]'s value
    rank = np.arange(len(value_sources)) - value_ptr[value_of]
    keep = defined[value_sources] & (rank < value_cap)
    src_key, src_val = value_of[keep], value_sources[keep]
    def_child_ptr, def_children = _csr_unique(up, down, n)
    def_source_ptr, def_sources = _csr_unique(src_key, src_val, n)
    def_near_ptr, def_near = _csr_unique(np.concatenate([up, grand[narrow], src_key]),
                                         np.concatenate([down, grand_down[narrow], src_val]), n)
    return {"def_child_ptr": def_child_ptr, "def_children": def_children, "def_source_ptr": def_source_ptr,
            "def_sources": def_sources, "def_near_ptr": def_near_ptr, "def_near": def_near}


def _gather(ptr_or_start: np.ndarray, sizes: np.ndarray, values: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """``values[start[k]:start[k] + size[k]]`` for every k in ``nodes``, concatenated (no Python loop)."""
    lo, size = ptr_or_start[nodes], sizes[nodes]
    return values[np.repeat(lo - np.cumsum(size) + size, size) + np.arange(int(size.sum()))]


def _ancestor_closure(n: int, parent_ptr: np.ndarray, parents: np.ndarray, child_ptr: np.ndarray,
                      children: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every concept's ancestors-or-self as a CSR, top down a level at a time: a concept's set is itself
    and its parents' sets, built once all its parents have theirs (vectorised per level)."""
    n_parents, n_children = np.diff(parent_ptr), np.diff(child_ptr)
    start, size = np.zeros(n, np.int64), np.zeros(n, np.int64)  # each concept's set in ``flat``
    flat: np.ndarray = np.empty(0, np.int32)
    filled = 0
    waiting = n_parents.copy()
    level = np.flatnonzero(n_parents == 0)
    while len(level):
        owners = np.repeat(level, n_parents[level])
        ups = _gather(parent_ptr, n_parents, parents, level)
        keys = np.concatenate([level, np.repeat(owners, size[ups])])
        values = np.concatenate([level, _gather(start, size, flat, ups)])
        pairs = np.unique(keys.astype(np.int64) << 32 | values.astype(np.int64))
        nodes, counts = np.unique(pairs >> 32, return_counts=True)
        start[nodes] = filled + np.cumsum(counts) - counts
        size[nodes] = counts
        flat = np.concatenate([flat, (pairs & 0xFFFFFFFF).astype(np.int32)])
        filled += len(pairs)
        below = _gather(child_ptr, n_children, children, level)
        np.subtract.at(waiting, below, 1)
        level = np.unique(below[waiting[below] == 0])
    stuck = np.flatnonzero(size == 0).tolist()  # in or below an is-a cycle (none in a release): walked one by one
    extra = []
    for i in stuck:
        seen, stack = {i}, [i]
        while stack:
            node = stack.pop()
            for p in parents[parent_ptr[node]:parent_ptr[node + 1]].tolist():
                if p not in seen:
                    seen.add(p)
                    stack.append(p)
        start[i], size[i] = filled, len(seen)
        filled += len(seen)
        extra.append(np.array(sorted(seen), np.int32))
    if extra:
        flat = np.concatenate([flat, *extra])
    ptr = np.zeros(n + 1, np.int64)
    np.cumsum(size, out=ptr[1:])
    return ptr, _gather(start, size, flat, np.arange(n))


def _csr_unique(keys: np.ndarray, values: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``_csr`` without repeated (key, value) pairs, nor a key as its own value."""
    pairs = np.unique(np.asarray(keys, np.int64) << 32 | np.asarray(values, np.int64))
    keys, values = pairs >> 32, pairs & 0xFFFFFFFF
    same = keys == values
    return _csr(keys[~same], values[~same], n)
