"""Training: supervised round-trip on the toy export, rejected annotations, resumable unsupervised runs."""
from __future__ import annotations

import json

import pytest

from coding_toolkit.concepts.pack import load_pack
from coding_toolkit.concepts.train import progress_dir_for, split_export, train_supervised, train_unsupervised
from coding_toolkit.errors import PackError, TrainingError


def test_split_is_seeded_and_document_level(mct_export):
    from coding_toolkit.concepts.export import load_export

    data = load_export(mct_export)
    train, test = split_export(data, 0.25, seed=3)
    names = lambda e: {d["name"] for p in e["projects"] for d in p["documents"]}  # noqa: E731
    assert len(names(test)) == 6 and not names(train) & names(test)
    assert names(split_export(data, 0.25, seed=3)[1]) == names(test)
    with pytest.raises(TrainingError, match="test_fraction"):
        split_export(data, 1.5, seed=0)


@pytest.mark.slow
def test_supervised_round_trip_improves_f1_and_never_trains_rejections(tiny_pack, mct_export, tmp_path):
    pack = load_pack(tiny_pack)
    result = train_supervised(pack, mct_export, tmp_path / "sup", test_fraction=0.25, seed=0)
    assert result["after"]["concepts"]["f1"] > result["before"]["concepts"]["f1"]
    t = result["training"]
    assert t["dropped"] == {"rejected": 1, "deleted": 1, "killed": 0, "irrelevant": 0} and t["negatives"] >= 1
    trained = load_pack(tmp_path / "sup")
    cdb = trained.cat.cdb
    # "Blood pressure" was rejected for hypertension and "asthma" deleted for pneumonia: never names
    assert "blood~pressure" not in cdb.cui2info["38341003"]["names"]
    assert "asthma" not in cdb.cui2info["233604007"]["names"]
    assert "htn" in cdb.cui2info["38341003"]["names"]
    assert [m.sctid for m in trained.annotate("Known HTN.")] == ["38341003"]
    assert trained.provenance["training"][-1]["kind"] == "supervised"
    assert trained.provenance["counts"]["supervised_runs"] >= 1


class _Interrupted(Exception):
    pass


def _notes_then_fail(texts, fail_after):
    for i, text in enumerate(texts):
        if i == fail_after:
            raise _Interrupted
        yield text


@pytest.mark.slow
def test_unsupervised_training_resumes_after_an_interruption(tiny_pack, fixture_notes, tmp_path):
    texts = [json.loads(line)["text"] for line in fixture_notes.read_text().splitlines()]
    out = tmp_path / "unsup"
    with pytest.raises(_Interrupted):
        train_unsupervised(load_pack(tiny_pack), _notes_then_fail(texts, 7), out, checkpoint_every=3)
    state = json.loads((progress_dir_for(out) / "state.json").read_text())
    assert state["done"] == 6 and not out.exists()
    result = train_unsupervised(load_pack(tiny_pack), texts, out, checkpoint_every=3)
    assert result["resumed_from"] == 6 and result["notes"] == 12
    assert not progress_dir_for(out).exists()
    trained = load_pack(out, lazy=True)
    assert trained.provenance["training"][-1]["notes"] == 12
    assert trained.provenance["counts"]["unsupervised_runs"] >= 1


def test_resume_refuses_another_packs_checkpoint(tiny_pack, tmp_path):
    out = tmp_path / "unsup"
    work = progress_dir_for(out)
    work.mkdir()
    (work / "state.json").write_text(json.dumps({"source_pack_hash": "0" * 64, "done": 3}))
    with pytest.raises(PackError, match="partial run of another pack"):
        train_unsupervised(load_pack(tiny_pack, lazy=True), ["x"], out)
