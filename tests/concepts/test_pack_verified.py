"""A verified pack is not hashed again while its files are untouched (issue 27), and any change to a
file (bytes, size, or bytes with the old size and mtime put back) means a full hash before unpickling."""
from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from coding_toolkit.concepts import verified
from coding_toolkit.concepts.pack import load_pack
from coding_toolkit.errors import PackError


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CODING_TOOLKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv(verified.ENV, raising=False)


def _cdb_file(pack):
    return max((pack / "medcat").rglob("*.dat"), key=lambda p: p.stat().st_size)


def test_second_load_reuses_the_verdict_and_rehash_reads_every_file(pack_copy, tmp_path):
    assert load_pack(pack_copy, lazy=True).verification == "hashed"
    assert load_pack(pack_copy, lazy=True).verification == "unchanged"
    assert load_pack(pack_copy, lazy=True, rehash=True).verification == "hashed"
    assert load_pack(pack_copy, verify=False, lazy=True).verification == "not checked"
    # the verdict is the user's, in the cache folder, never in the pack folder
    assert list((tmp_path / "cache" / "verified").glob("*.json"))
    assert sorted(p.name for p in pack_copy.iterdir()) == ["concept_model", "maps.sqlite", "medcat", "pack.json"]


def test_a_same_size_change_with_the_old_mtime_put_back_is_still_refused(pack_copy):
    load_pack(pack_copy, lazy=True)  # verified and remembered
    target = _cdb_file(pack_copy)
    st = target.stat()
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size, same mtime: only the ctime moved
    assert target.stat().st_size == st.st_size and target.stat().st_mtime_ns == st.st_mtime_ns
    with pytest.raises(PackError, match="content hash mismatch"):
        load_pack(pack_copy)
    # and the verdict was dropped: putting the old bytes back needs a full hash again, which passes
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    assert load_pack(pack_copy, lazy=True).verification == "hashed"


def test_a_changed_pack_json_or_a_new_file_is_hashed_again(pack_copy):
    load_pack(pack_copy, lazy=True)
    (pack_copy / "medcat" / "extra.dat").write_bytes(b"not from the build")
    with pytest.raises(PackError, match="content hash mismatch"):
        load_pack(pack_copy, lazy=True)
    (pack_copy / "medcat" / "extra.dat").unlink()
    assert load_pack(pack_copy, lazy=True).verification == "hashed"
    prov = json.loads((pack_copy / "pack.json").read_text())
    prov["spell_check"] = not prov.get("spell_check")
    (pack_copy / "pack.json").write_text(json.dumps(prov))
    with pytest.raises(PackError, match="hash mismatch"):
        load_pack(pack_copy, lazy=True)


def test_always_hash_setting_and_unwritable_cache(pack_copy, monkeypatch, tmp_path):
    monkeypatch.setenv(verified.ENV, "always")
    assert load_pack(pack_copy, lazy=True).verification == "hashed"
    assert load_pack(pack_copy, lazy=True).verification == "hashed"
    monkeypatch.delenv(verified.ENV)
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setenv("CODING_TOOLKIT_CACHE", str(blocked / "cache"))
    with pytest.raises(OSError):
        verified._record_path(pack_copy)
    assert load_pack(pack_copy, lazy=True).verification == "hashed"  # no cache folder: hashed, no error
    monkeypatch.setenv("CODING_TOOLKIT_CACHE", str(tmp_path / "cache2"))
    (tmp_path / "cache2").mkdir()
    (tmp_path / "cache2" / "verified").write_text("not a folder")  # the verdict cannot be written
    assert load_pack(pack_copy, lazy=True).verification == "hashed"
    assert load_pack(pack_copy, lazy=True).verification == "hashed"  # still checked, every time


def test_model_info_verify_hashes_every_file(pack_copy):
    from coding_toolkit.cli.main import cli

    runner = CliRunner()
    first = runner.invoke(cli, ["model", "info", str(pack_copy)])
    assert first.exit_code == 0 and "every file hashed now" in first.output
    again = runner.invoke(cli, ["model", "info", str(pack_copy)])
    assert "no file changed since (--verify hashes every file again)" in again.output
    forced = runner.invoke(cli, ["model", "info", str(pack_copy), "--verify", "--json"])
    assert json.loads(forced.output)["verification"] == "hashed"
