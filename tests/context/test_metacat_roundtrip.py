"""MetaCAT: train offline on a tiny export built here, attach to a real pack, save, load, annotate."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # trains MetaCAT models


@pytest.fixture(autouse=True)
def _torch():
    from tests.conftest import require_module

    require_module("torch", "meta")

CONDITIONS = ["pneumonia", "asthma", "heart failure", "hypertension", "myocardial infarction", "chest pain"]


def tiny_export(path):
    docs = []
    for i, cond in enumerate(CONDITIONS * 4):
        negated = i % 2 == 0
        text = (f"No evidence of {cond} today." if negated else f"Admitted with {cond} today.")
        start = text.index(cond)
        docs.append({"id": i, "name": f"d{i}", "text": text, "annotations": [
            {"id": i, "cui": "1", "value": cond, "start": start, "end": start + len(cond), "validated": True,
             "correct": True, "deleted": False, "killed": False, "irrelevant": False,
             # older exports write meta_anns as a list: accepted too
             "meta_anns": [{"name": "Negation", "value": "Negated" if negated else "Affirmed",
                            "validated": True}]}]})
    path.write_text(json.dumps({"projects": [{"name": "p", "id": 1, "cuis": "", "documents": docs}]}))
    return path


@pytest.mark.slow
@pytest.mark.meta
def test_train_attach_save_load(tmp_path, tiny_pack):
    from coding_toolkit.concepts.metacat import train_meta
    from coding_toolkit.concepts.pack import load_pack
    from coding_toolkit.context.stage import ContextStage

    export = tiny_export(tmp_path / "export.json")
    out = tmp_path / "pack2"
    metrics = train_meta(tiny_pack, export, "Negation", out, epochs=15)
    assert metrics["values"] == ["Affirmed", "Negated"] and metrics["out"] == str(out)

    pack = load_pack(out)  # hash recomputed by Pack.save, so verification passes
    assert pack.meta_tasks == ["Negation"]
    assert pack.provenance["training"][-1]["task"] == "Negation"
    text = "No evidence of pneumonia today. Admitted with asthma today."
    mentions = pack.annotate(text)
    assert mentions, "the tiny pack should link pneumonia/asthma"
    assert all(set(m.meta) == {"Negation"} for m in mentions)
    by_name = {m.text.lower(): m.meta["Negation"] for m in mentions}
    assert by_name.get("pneumonia") == "Negated" and by_name.get("asthma") == "Affirmed"
    labels = ContextStage().labels(text, mentions)
    assert {lab.sources["negation"] for lab in labels} == {"metacat:Negation"}


def test_missing_task_is_a_training_error(tmp_path):
    from coding_toolkit.concepts.metacat import train_metacat
    from coding_toolkit.errors import TrainingError

    data = json.loads(tiny_export(tmp_path / "e.json").read_text())
    with pytest.raises(TrainingError, match=r"no annotation has the meta-annotation task 'Presence'.*Negation"):
        train_metacat(data, "Presence")


@pytest.mark.slow
@pytest.mark.meta
def test_train_meta_cli_attaches_task_and_annotate_uses_it(tmp_path, tiny_pack):
    from click.testing import CliRunner

    from coding_toolkit.cli.main import cli

    export = tiny_export(tmp_path / "export.json")
    out = tmp_path / "pack_meta"
    runner = CliRunner()
    done = runner.invoke(cli, ["train", "meta", "--pack", str(tiny_pack), "--export", str(export),
                               "--task", "Negation", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert "held-out 5 spans: MetaCAT accuracy" in done.output, "scored against the rules before attaching"
    info = runner.invoke(cli, ["model", "info", str(out), "--json"])
    assert info.exit_code == 0 and "Negation" in json.loads(info.output)["meta_tasks"]
    notes = tmp_path / "notes.jsonl"
    notes.write_text(json.dumps({"note_id": "a", "text": "No evidence of pneumonia today."}) + "\n")
    result = runner.invoke(cli, ["annotate", str(notes), "--pack", str(out), "--out", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 0, result.output
    [record] = [json.loads(line) for line in (tmp_path / "o.jsonl").read_text().splitlines()]
    [mention] = [m for m in record["mentions"] if m["text"].lower() == "pneumonia"]
    assert mention["meta"]["sources"]["negation"] == "metacat:Negation"
    assert mention["status"] == "filtered" and "negated" in mention["reason"]
    # a pack with MetaCAT models (torch) runs in spawned workers, not forked ones: same output
    many = tmp_path / "many.jsonl"
    many.write_text("".join(json.dumps({"note_id": str(i), "text": "No evidence of pneumonia. Has asthma."}) + "\n"
                            for i in range(30)))
    outputs = []
    for workers in ("1", "2"):
        target = tmp_path / f"w{workers}.jsonl"
        done = subprocess.run([sys.executable, "-m", "coding_toolkit", "annotate", str(many), "--pack", str(out),
                               "--out", str(target), "--workers", workers, "--batch-size", "5"],
                              capture_output=True, text=True, timeout=240)
        assert done.returncode == 0, done.stderr
        outputs.append(target.read_text())
    assert outputs[0] == outputs[1] and outputs[0].count("metacat:Negation") >= 30
    bad = runner.invoke(cli, ["train", "meta", "--pack", str(tiny_pack), "--export", str(export),
                              "--task", "Presence", "--out", str(tmp_path / "x")])
    assert bad.exit_code == 2 and "Presence" in bad.output


def test_train_meta_checks_out_before_training(tmp_path, tiny_pack):
    """A non-empty --out fails at once (exit 2, one line), before the export is read or anything trains."""
    import time

    from click.testing import CliRunner

    from coding_toolkit.cli.main import cli

    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("x")
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["train", "meta", "--pack", str(tiny_pack), "--export",
                                      str(tmp_path / "not-read-yet.json"), "--task", "Negation",
                                      "--out", str(busy)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "not empty" in lines[0] and "Traceback" not in result.output
    assert time.monotonic() - started < 10 and [p.name for p in busy.iterdir()] == ["keep.txt"]
    bad_pack = CliRunner().invoke(cli, ["train", "meta", "--pack", str(tmp_path / "none"), "--export",
                                        str(tmp_path / "none.json"), "--task", "Negation",
                                        "--out", str(tmp_path / "new")])
    assert bad_pack.exit_code == 2 and "not found" in bad_pack.output


@pytest.mark.parametrize("export, message", [
    ({"projects": ["not a project"]}, "project 0: missing field 'documents'"),
    ({"projects": [{"documents": [{"text": "Asthma", "annotations": [{"start": 0, "end": 6, "value": "Asthma",
                                                                      "cui": "1", "meta_anns": "Negated"}]}]}]},
     "annotation 0 field 'meta_anns': expected an object or a list"),
])
def test_malformed_export_is_a_training_error(export, message):
    """The export is checked by concepts.export (one parser): a TrainingError naming the place, no traceback."""
    from coding_toolkit.concepts.metacat import train_metacat
    from coding_toolkit.errors import TrainingError

    with pytest.raises(TrainingError, match=message):
        train_metacat(export, "Negation")


@pytest.mark.slow
@pytest.mark.meta
def test_train_meta_refuses_a_model_worse_than_the_rules(tmp_path, tiny_pack):
    """Training labels inverted, held-out labels right: the model is worse than the rules there and
    is not attached without --force (and with --force the pack records that it was forced)."""
    from click.testing import CliRunner

    from coding_toolkit.cli.main import cli
    from coding_toolkit.concepts.train import split_export

    export = tiny_export(tmp_path / "export.json")
    data = json.loads(export.read_text())
    _, test = split_export(data, 0.2, seed=0)
    held_out = {d["id"] for p in test["projects"] for d in p["documents"]}
    for doc in data["projects"][0]["documents"]:
        if doc["id"] not in held_out:
            meta = doc["annotations"][0]["meta_anns"][0]
            meta["value"] = {"Negated": "Affirmed", "Affirmed": "Negated"}[meta["value"]]
    export.write_text(json.dumps(data))
    args = ["train", "meta", "--pack", str(tiny_pack), "--export", str(export), "--task", "Negation",
            "--out", str(tmp_path / "p")]
    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code == 2, refused.output
    assert "worse than the rules" in refused.output and "--force" in refused.output
    assert "vs rules 1.000" in refused.output and "Traceback" not in refused.output
    assert not (tmp_path / "p").exists(), "nothing attached or written"
    forced = CliRunner().invoke(cli, args + ["--force"])
    assert forced.exit_code == 0, forced.output
    assert "rules 1.000" in forced.output and "--force" in forced.output
    event = json.loads((tmp_path / "p" / "pack.json").read_text())["training"][-1]
    assert event["forced"] is True and event["heldout_model_accuracy"] < event["heldout_rules_accuracy"] == 1.0
