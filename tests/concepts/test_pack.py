"""Loading refuses missing, corrupt, wrongly laid out and tampered packs; save writes a new verified pack."""
from __future__ import annotations

import json

import pytest

from coding_toolkit.concepts.pack import load_pack
from coding_toolkit.errors import PackError


def test_tampered_file_is_refused_before_unpickling(pack_copy):
    target = next(p for p in sorted((pack_copy / "medcat").rglob("*.dat")))
    target.write_bytes(target.read_bytes() + b"\0")
    with pytest.raises(PackError, match="content hash mismatch.*rebuild the pack"):
        load_pack(pack_copy)


def test_tampered_provenance_is_refused(pack_copy):
    prov = json.loads((pack_copy / "pack.json").read_text())
    prov["spell_check"] = True
    (pack_copy / "pack.json").write_text(json.dumps(prov))
    with pytest.raises(PackError, match="hash mismatch"):
        load_pack(pack_copy, lazy=True)


def test_missing_and_corrupt_and_wrong_layout(pack_copy, tmp_path):
    with pytest.raises(PackError, match="not found"):
        load_pack(tmp_path / "nope")
    (pack_copy / "maps.sqlite").unlink()
    with pytest.raises(PackError, match="maps.sqlite: missing from the pack"):
        load_pack(pack_copy)
    (pack_copy / "pack.json").write_text("{not json")
    with pytest.raises(PackError, match="pack.json: corrupt"):
        load_pack(pack_copy)
    (pack_copy / "pack.json").unlink()
    with pytest.raises(PackError, match="pack.json: missing"):
        load_pack(pack_copy)


def test_verify_false_skips_the_hash(pack_copy):
    (pack_copy / "maps.sqlite").write_bytes((pack_copy / "maps.sqlite").read_bytes())
    (pack_copy / "extra.txt").write_text("changed")
    assert load_pack(pack_copy, verify=False, lazy=True).hash
    with pytest.raises(PackError):
        load_pack(pack_copy, lazy=True)


def test_lazy_load_and_loading_leaves_the_pack_valid(tiny_pack):
    pack = load_pack(tiny_pack, lazy=True)
    assert pack._cat is None and pack.meta_tasks == []
    assert pack.annotate("heart failure")[0].sctid == "84114007"
    load_pack(tiny_pack, lazy=True)  # loading wrote nothing that changes the hash


def test_save_writes_a_new_verified_pack(loaded_pack, tmp_path):
    out = loaded_pack.save(tmp_path / "copy", note="copy for a test")
    again = load_pack(out, lazy=True)
    assert again.provenance["training"][-1]["note"] == "copy for a test"
    assert again.provenance["training"][-1]["parent_hash"] == loaded_pack.hash
    with pytest.raises(PackError, match="not empty"):
        loaded_pack.save(out)
