"""Issue 27: packs are pickled by the C pickler through stand-ins (no copy of the model, a small memo),
with the same bytes in every process and the same objects back."""
from __future__ import annotations

import collections
import datetime as dt
import io
import os
import pickle
import subprocess
import sys
from dataclasses import dataclass, field

import numpy as np
import pytest

from coding_toolkit.concepts import canonical_pickle, reproducible


@dataclass
class TypeLike:  # like MedCAT's TypeInfo: an object holding a set
    type_id: str
    cuis: set = field(default_factory=set)


def _graph() -> dict:
    shared = "".join(["myocardial ", "infarction"])  # one string object referenced twice
    return {
        "cui2info": {"22298006": {"names": {shared, "mi", "heart attack"}, "subnames": {"heart", "mi"},
                                  "type_ids": {"T-11"}, "in_other_ontology": {}, "count_train": 0}},
        "name2info": {shared: {"per_cui_status": {"22298006": "P"}, "is_upper": False}},
        "type_id2info": {"T-11": TypeLike("T-11", {"22298006", "195967001"})},
        "frozen": frozenset({"b", "a", 3}),
        "nested": [({"x", "y"}, 1), ("plain", 2.5)],
        "counts": collections.Counter({"asthma": 2}),
        "default": collections.defaultdict(set, {"k": {"v2", "v1"}}),
        "vectors": np.arange(6, dtype=np.float32).reshape(2, 3),
        "when": dt.datetime(2026, 12, 6, 12, 0),
        "empty": set(),
    }


def _dump(obj) -> tuple[bytes, str]:
    buf = io.BytesIO()
    used = canonical_pickle.dump(obj, buf)
    return buf.getvalue(), used


def test_the_c_pickler_writes_the_model_graph_and_it_loads_back_equal():
    graph = _graph()
    data, used = _dump(graph)
    assert used == "c"
    back = pickle.loads(data)
    vectors = back.pop("vectors")
    expected = _graph()
    assert np.array_equal(vectors, expected.pop("vectors"))
    assert back == expected
    assert type(back["counts"]) is collections.Counter and type(back["default"]) is collections.defaultdict
    assert back["default"].default_factory is set
    assert type(back["frozen"]) is frozenset and type(back["nested"][0][0]) is set


def test_a_string_referenced_twice_is_still_one_object_after_loading():
    back = pickle.loads(_dump(_graph())[0])
    from_names = next(n for n in back["cui2info"]["22298006"]["names"] if n.startswith("myocardial"))
    from_keys = next(iter(back["name2info"]))
    assert from_names is from_keys  # the pack loads with one copy of each name, as MedCAT saved it


def test_sets_are_written_sorted_whatever_the_hash_seed():
    code = ("import sys\n"
            "from tests.concepts.test_canonical_pickle import _graph, _dump\n"
            "data, used = _dump(_graph())\n"
            "sys.stdout.write(used + ' ' + data.hex())\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = {subprocess.run([sys.executable, "-c", code], env={**env, "PYTHONHASHSEED": seed},
                          capture_output=True, text=True, check=True).stdout for seed in ("1", "2", "3")}
    assert len(out) == 1
    assert next(iter(out)).startswith("c ")


def test_a_graph_the_stand_ins_cannot_express_falls_back_to_dill_and_still_loads():
    cyclic: list = ["a"]
    cyclic.append(cyclic)  # a container holding itself (MedCAT's parts have none)
    data, used = _dump({"loop": cyclic, "names": {"b", "a"}})
    assert used == "dill"
    back = pickle.loads(data)
    assert back["loop"][1] is back["loop"] and back["names"] == {"a", "b"}


def test_a_built_pack_is_saved_by_the_c_pickler_without_reading_it_back(tiny_pack, tmp_path, monkeypatch):
    from coding_toolkit.concepts.pack import load_pack

    used: list[str] = []
    real_dump = canonical_pickle.dump

    def recording(obj, fh):
        used.append(real_dump(obj, fh))
        return used[-1]

    read_back: list = []
    monkeypatch.setattr(canonical_pickle, "dump", recording)
    monkeypatch.setattr(reproducible, "_rewrite_pickle", lambda *a: read_back.append(a) or 1)
    pack = load_pack(tiny_pack)
    saved = pack.save(tmp_path / "copy", note="canonical save")
    assert used and set(used) == {"c"}  # every part, the CDB and the vocab included
    assert read_back == []  # nothing re-read: the save wrote them canonical
    again = load_pack(saved)
    assert again.cat.cdb.cui2info == pack.cat.cdb.cui2info
    assert again.cat.cdb.name2info == pack.cat.cdb.name2info


@pytest.mark.parametrize("items", [{"b", "a", "c"}, {3, "a", 1.5}, frozenset({("x", 1), ("a", 2)})])
def test_in_order_is_a_total_order_for_mixed_items(items):
    assert canonical_pickle.in_order(items) == canonical_pickle.in_order(set(reversed(list(items))))


def test_where_medcat_saves_otherwise_the_rewrite_after_the_save_gives_the_same_bytes(tiny_pack, tmp_path,
                                                                                      monkeypatch):
    """The fallback (MedCAT pickles with dill, the toolkit re-reads and rewrites) and the direct
    canonical save must agree byte for byte, or a pack's hash would depend on the MedCAT version."""
    from contextlib import contextmanager

    from coding_toolkit.concepts import medcat_compat
    from coding_toolkit.concepts.pack import load_pack

    direct = load_pack(tiny_pack).save(tmp_path / "direct", note="same")  # a fresh load each: a save

    @contextmanager
    def not_applying(write):
        yield False

    monkeypatch.setattr(medcat_compat, "pickles_written_by", not_applying)  # adds to the model's history
    rewritten = load_pack(tiny_pack).save(tmp_path / "rewritten", note="same")
    files = sorted(p.relative_to(direct) for p in (direct / "medcat").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(rewritten) for p in (rewritten / "medcat").rglob("*") if p.is_file())
    differing = [str(f) for f in files if (direct / f).read_bytes() != (rewritten / f).read_bytes()]
    assert differing == []
    assert load_pack(rewritten).hash == load_pack(direct).hash
