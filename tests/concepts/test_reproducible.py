"""Issue 17 item 10: a pack rebuilt from identical inputs has the same content hash (an auditor's
check), a changed input changes it, and packs hashed with the old scheme still verify."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from coding_toolkit.concepts import reproducible
from coding_toolkit.concepts.pack import load_pack
from coding_toolkit.concepts.pack_files import content_hash, hashed_provenance
from coding_toolkit.errors import PackError

FIXTURES = Path(__file__).parent.parent / "fixtures"
_BUILD = ("import sys\n"
          "from coding_toolkit.concepts.build import build_pack_from_release\n"
          "build_pack_from_release(sys.argv[1], sys.argv[2], notes=sys.argv[3])\n")


def _build_in_process_of_its_own(out: Path, notes: Path, hash_seed: str) -> dict:
    """Build in a fresh interpreter with its own string-hash seed (as a rebuild on another day would)."""
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    env.pop(reproducible.SOURCE_DATE_EPOCH, None)
    done = subprocess.run([sys.executable, "-c", _BUILD, str(FIXTURES / "rf2"), str(out), str(notes)],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads((out / "pack.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    root = tmp_path_factory.mktemp("rebuild")
    a = _build_in_process_of_its_own(root / "a", FIXTURES / "notes.jsonl", "1")
    b = _build_in_process_of_its_own(root / "b", FIXTURES / "notes.jsonl", "2")
    return root, a, b


@pytest.mark.slow
def test_rebuilding_from_identical_inputs_gives_the_same_hash(two_builds):
    root, a, b = two_builds
    assert a["hash_scheme"] == 2
    assert a["content_hash"] == b["content_hash"]
    files = sorted(p.relative_to(root / "a").as_posix() for p in (root / "a").rglob("*") if p.is_file())
    differing = [f for f in files if (root / "a" / f).read_bytes() != (root / "b" / f).read_bytes()]
    assert differing in ([], ["pack.json"])  # only the unhashed build times may differ
    for name in ("a", "b"):
        assert load_pack(root / name).annotate("Essential hypertension.")  # verifies and still works
    # when and where it was built stays on record, outside the hash
    assert a["build"]["time"] and a["maps"]["provenance"]["imported_at"] and a["maps"]["provenance"]["release_path"]
    assert a["vocab"]["reproducible"] is True and a["vocab"]["workers"] == 1


@pytest.mark.slow
def test_a_changed_input_changes_the_hash(two_builds, tmp_path):
    _, a, _ = two_builds
    notes = tmp_path / "notes.jsonl"
    notes.write_text((FIXTURES / "notes.jsonl").read_text(encoding="utf-8")
                     + json.dumps({"note_id": "extra", "text": "Chronic asthma, well controlled."}) + "\n",
                     encoding="utf-8")
    changed = _build_in_process_of_its_own(tmp_path / "c", notes, "1")
    assert changed["content_hash"] != a["content_hash"]
    assert changed["vocab"]["documents"] == a["vocab"]["documents"] + 1


@pytest.mark.slow
def test_model_info_compare_separates_hashed_and_unhashed_differences(two_builds):
    from click.testing import CliRunner

    from coding_toolkit.cli.main import cli

    root, _, _ = two_builds
    result = CliRunner().invoke(cli, ["model", "info", str(root / "a"), "--compare", str(root / "b"), "--json"])
    assert result.exit_code == 0, result.output
    diff = json.loads(result.output)["compare"]
    assert diff["same_hash"] and diff["files"] == [] and diff["provenance_hashed"] == []
    assert "build.time" in diff["provenance_not_hashed"] or diff["provenance"] == []
    text = CliRunner().invoke(cli, ["model", "info", str(root / "a"), "--compare", str(root / "b")]).output
    assert "same hash" in text and "not hashed (when/where built)" in text


def _rewrite(pack: Path, prov: dict) -> None:
    (pack / "pack.json").write_text(json.dumps(prov), encoding="utf-8")


def test_unhashed_fields_may_change_hashed_ones_may_not(pack_copy):
    prov = json.loads((pack_copy / "pack.json").read_text(encoding="utf-8"))
    prov["build"]["time"] = "1999-01-01T00:00:00+0000"
    prov["release"]["path"] = "/somewhere/else"
    _rewrite(pack_copy, prov)
    load_pack(pack_copy, lazy=True)  # when/where it was built is not content
    prov["counts"]["concepts"] += 1
    _rewrite(pack_copy, prov)
    with pytest.raises(PackError, match="hash mismatch"):
        load_pack(pack_copy, lazy=True)


def test_a_pack_hashed_with_scheme_1_still_verifies(pack_copy):
    prov = json.loads((pack_copy / "pack.json").read_text(encoding="utf-8"))
    del prov["hash_scheme"]
    prov["content_hash"] = content_hash(pack_copy, prov, scheme=1)
    assert prov["content_hash"] != content_hash(pack_copy, prov, scheme=2)
    _rewrite(pack_copy, prov)
    assert load_pack(pack_copy, lazy=True).hash == prov["content_hash"]
    prov["build"]["time"] = "1999-01-01T00:00:00+0000"  # scheme 1 hashed the build time too
    _rewrite(pack_copy, prov)
    with pytest.raises(PackError, match="hash mismatch"):
        load_pack(pack_copy, lazy=True)


def test_an_unknown_hash_scheme_is_refused_with_the_fix(pack_copy):
    prov = json.loads((pack_copy / "pack.json").read_text(encoding="utf-8"))
    prov["hash_scheme"] = 9
    _rewrite(pack_copy, prov)
    with pytest.raises(PackError, match="hash_scheme.*9.*fix"):
        load_pack(pack_copy, lazy=True)


def test_hashed_provenance_drops_only_when_and_where():
    prov = {"content_hash": "x", "build": {"time": "t", "seconds": 1.0}, "release": {"path": "/r", "folders": ["f"]},
            "training": [{"time": "t", "seconds": 2, "docs_per_s": 3, "notes_source": "/n", "notes": 5}],
            "counts": {"concepts": 3}}
    assert hashed_provenance(prov) == {"build": {}, "release": {"folders": ["f"]}, "training": [{"notes": 5}],
                                       "counts": {"concepts": 3}}


def test_sets_pickle_the_same_in_every_process():
    code = ("import sys; from coding_toolkit.concepts.reproducible import dumps\n"
            "sys.stdout.write(dumps({'names': {'asthma', 'copd', 'mi', 'af', 'dvt'}, "
            "'f': frozenset({'x', 'y', 'z'})}).hex())\n")
    out = [subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": seed},
                          capture_output=True, text=True, check=True).stdout for seed in ("1", "2", "3")]
    assert out[0] == out[1] == out[2]
    import dill
    assert dill.loads(bytes.fromhex(out[0])) == {"names": {"asthma", "copd", "mi", "af", "dvt"},
                                                 "f": frozenset({"x", "y", "z"})}


def test_build_time_follows_source_date_epoch(monkeypatch):
    monkeypatch.setenv(reproducible.SOURCE_DATE_EPOCH, "86400")
    assert reproducible.build_time() == (86400.0, "1970-01-02T00:00:00+0000")
    assert reproducible.content_time().isoformat() == "1970-01-02T00:00:00"
    monkeypatch.setenv(reproducible.SOURCE_DATE_EPOCH, "yesterday")
    with pytest.raises(PackError, match="SOURCE_DATE_EPOCH='yesterday'.*fix"):
        reproducible.build_time()
    monkeypatch.delenv(reproducible.SOURCE_DATE_EPOCH)
    assert reproducible.content_time().isoformat() == "1970-01-01T00:00:00"


@pytest.mark.slow
def test_unsupervised_training_with_a_seed_is_reproducible(tiny_pack, fixture_notes, tmp_path):
    from coding_toolkit.concepts.train import train_unsupervised
    from coding_toolkit.io.notes_reader import texts_of

    hashes = []
    for name in ("one", "two"):
        pack = load_pack(tiny_pack)  # training changes the loaded model: a fresh one each time
        result = train_unsupervised(pack, texts_of(fixture_notes), tmp_path / name, seed=7)
        hashes.append(load_pack(result["pack"], lazy=True).hash)
    assert hashes[0] == hashes[1]
    assert load_pack(tmp_path / "one", lazy=True).provenance["training"][-1]["seed"] == 7
