"""``evaluate --coded`` and ``learn`` end to end on the tiny MedCAT pack (real model, real runs)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from coding_toolkit.cli.main import cli

# fixture notes -> episodes; E3 has two notes (n03, n08) far apart in the file; n06/n07/n10-n12 are not coded
EPISODES = {"n01": "E1", "n02": "E2", "n03": "E3", "n04": "E4", "n05": "E5", "n08": "E3", "n09": "E6"}
CODED = ("episode_id,system,position,code\n"
         "E1,ICD-10,1,I21.9\nE1,ICD-10,2,I10\n"
         "E2,ICD-10,1,J18.9\nE2,ICD-10,2,J45.9\n"
         "E3,ICD-10,1,I50.0\nE3,ICD-10,2,I10X\n"
         "E4,ICD-10,1,E11.3†\nE4,ICD-10,2,H36.0*\nE4,ICD-10,3,N18.3\n"
         "E5,ICD-10,1,K35.8\nE5,OPCS-4,1,H01.9\n"
         "E6,OPCS-4,1,H22.9\n"
         "E7,ICD-10,1,I21.9\n")  # coded, but no note


@pytest.fixture(scope="module")
def data(tmp_path_factory, fixture_notes):
    folder = tmp_path_factory.mktemp("evaluate")
    notes = folder / "notes.jsonl"
    with open(notes, "w") as fh:
        for line in fixture_notes.read_text().splitlines():
            note = json.loads(line)
            note["episode_id"] = EPISODES.get(note["note_id"], f"X-{note['note_id']}")
            fh.write(json.dumps(note) + "\n")
    coded = folder / "coded.csv"
    coded.write_text(CODED)
    return folder, notes, coded


def _run(*args):
    result = CliRunner().invoke(cli, [*map(str, args)])
    return result


def test_scores_match_the_hand_count(data, tiny_pack):
    folder, notes, coded = data
    res = _run("evaluate", "--coded", coded, "--notes", notes, "--pack", tiny_pack, "--episode-column",
               "episode_id", "--json", "--no-progress")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    # by hand from the tiny pack's suggestions: E1 tp I21.9 I10, fp R07.4; E2 tp J18.9 J45.9, fp R06.0;
    # E3 tp I10, fp I50.9 R06.0, fn I50.0 (an alternative of I50.9); E4 tp H36.0, fp E14.3 E11.9 N18.9,
    # fn E11.3 N18.3; E5 tp H01.9, fp K37, fn K35.8; E6 tp H22.9
    assert out["episodes"] == 6 and out["notes"] == 7
    assert out["codes"] == {"precision": 0.5, "recall": 0.6667, "f1": 0.5714, "tp": 8, "fp": 8, "fn": 4}
    assert out["primary"] == {"agree": 2, "episodes": 5} and out["primary_agreement"] == 0.4
    assert out["alternatives"]["shown_as_alternative"] == 1
    assert out["by_chapter"]["ICD-10"]["XVIII Symptoms, signs, abnormal findings"]["fp"] == 3
    assert {"episodes", "codes", "primary_agreement", "by_chapter", "by_code"} <= set(out)
    rejected = {r["episode_id"]: r["reason"] for r in out["rejected"]}
    assert rejected["E7"].startswith("no annotated note in NOTES for this episode")
    assert {e for e, why in rejected.items() if why.startswith("episode not in CODED")} == {
        "X-n06", "X-n07", "X-n10", "X-n11", "X-n12"}
    # a second run finds the annotation done and only scores again
    again = json.loads(_run("evaluate", "--coded", coded, "--notes", notes, "--pack", tiny_pack,
                            "--episode-column", "episode_id", "--json", "--no-progress").stdout)
    assert again["reused_annotations"] and again["codes"] == out["codes"]


def test_annotate_cds_output_read_as_coded_scores_perfectly(data, tiny_pack, tmp_path):
    """The wide shape as annotate --format cds writes it: the suggestions scored against themselves."""
    folder, notes, _ = data
    cds = tmp_path / "suggested.csv"
    res = _run("annotate", notes, "--pack", tiny_pack, "--out", cds, "--format", "cds", "--episode-column",
               "episode_id", "--no-progress")
    assert res.exit_code == 0, res.output
    res = _run("evaluate", "--coded", cds, "--notes", notes, "--pack", tiny_pack, "--episode-column", "episode_id",
               "--json", "--no-progress")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["coded_shape"] == "wide"
    assert out["codes"]["precision"] == out["codes"]["recall"] == 1.0 and out["codes"]["tp"] > 10
    assert out["primary_agreement"] == 1.0
    # the two notes without a suggestion give rows without codes: listed, not scored
    assert {r["episode_id"] for r in out["rejected"]} == {"X-n06", "X-n07"}
    assert all("no codes in any CDS column" in r["reason"] for r in out["rejected"])


def test_side_by_side_policies_on_the_same_episodes(data, tiny_pack, tmp_path):
    folder, notes, coded = data
    from coding_toolkit.context import policy as policy_module

    # the built-in policy, except that negated mentions are coded ("No evidence of pneumonia" in E3)
    data_dir = Path(policy_module.__file__).parent / "data"
    lenient_policy = json.loads((data_dir / "policy.json").read_text())
    del lenient_policy["suppress"]["negation"]
    lenient_policy["chronic_conditions"] = str(data_dir / lenient_policy["chronic_conditions"])
    lenient = tmp_path / "lenient.json"
    lenient.write_text(json.dumps(lenient_policy))
    res = _run("evaluate", "--coded", coded, "--notes", notes, "--pack", tiny_pack, "--episode-column", "episode_id",
               "--policy-variant", lenient, "--json", "--no-progress")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    labels = [v["label"] for v in out["variants"]]
    assert labels == [f"{tiny_pack.name} + default policy", f"{tiny_pack.name} + lenient.json"]
    assert all(v["episodes"] == 6 for v in out["variants"])
    base, other = out["variants"][0]["codes"], out["variants"][1]["codes"]
    assert other["tp"] == base["tp"] and other["fp"] > base["fp"]  # the negated pneumonia is a false positive
    diff = out["differences"][0]
    assert diff["precision"] < 0 and diff["recall"] == 0 and diff["variant"] == labels[1]
    text = _run("evaluate", "--coded", coded, "--notes", notes, "--pack", tiny_pack, "--episode-column",
                "episode_id", "--policy-variant", lenient, "--no-progress").stdout
    assert f"{labels[1]} vs {labels[0]}: precision" in text


def test_bad_inputs_give_one_line_errors(data, tiny_pack, tmp_path):
    folder, notes, coded = data
    bad = tmp_path / "bad.csv"
    bad.write_text("episode_id,code\nE1,I219\n")
    res = _run("evaluate", "--coded", bad, "--notes", notes, "--pack", tiny_pack)
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert f"Error: {bad}: the header is neither the long shape" in res.output and "missing system, position" in res.output
    res = _run("evaluate", "--coded", coded, "--pack", tiny_pack)
    assert res.exit_code == 2 and "--coded needs --notes" in res.output
    res = _run("evaluate", "--coded", coded, "--notes", notes, "--show-text")
    assert res.exit_code == 2 and "--show-text puts snippets in the HTML report only" in res.output
    res = _run("evaluate", "--export", "x.json", "--pack", tiny_pack, "--pack", tiny_pack)
    assert res.exit_code == 2 and "exactly one --pack" in res.output


def test_learn_fits_on_training_episodes_only_and_annotate_uses_the_profile(data, tiny_pack, tmp_path):
    folder, notes, coded = data
    # a history: 60 episodes of two notes each, the two notes far apart in the file
    base = [json.loads(line) for line in notes.read_text().splitlines()]
    texts = [n["text"] for n in base if n["note_id"] in ("n01", "n02", "n03")]
    history = tmp_path / "history.jsonl"
    rows = [{"note_id": f"h{e}-{k}", "episode_id": f"H{e}", "text": texts[(e + k) % 3]}
            for k in range(2) for e in range(60)]
    history.write_text("".join(json.dumps(r) + "\n" for r in rows))
    history_coded = tmp_path / "history.csv"
    # this trust never codes the symptoms (R07.4, R06.0) and codes the rest
    history_coded.write_text("episode_id,system,position,code\n" + "".join(
        f"H{e},ICD-10,{i},{code}\n" for e in range(60)
        for i, code in enumerate(sorted({c for k in range(2) for c in
                                         (["I219", "I10X"], ["J189", "J459"], ["I509"])[(e + k) % 3]}), 1)))
    profile = tmp_path / "profile.json"
    res = _run("learn", "--coded", history_coded, "--notes", history, "--out", profile, "--pack", tiny_pack,
               "--episode-column", "episode_id", "--min-suggested", "5", "--json", "--no-progress")
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    from coding_toolkit.evaluation.profile import CodingProfile, held_out
    learnt = CodingProfile.load(profile)
    training = [e for e in range(60) if not held_out(f"H{e}", learnt.learnt["seed"], learnt.learnt["held_out_share"])]
    assert summary["profile"]["episodes_learnt"] == len(training) and summary["profile"]["episodes_held_out"] == 60 - len(training)
    # counted from the training episodes only: I50.9 comes from text 2 (n03), in episodes where e or e+1 is 2 mod 3
    expected = sum(1 for e in training if 2 in ((e) % 3, (e + 1) % 3))
    assert learnt.pairs[("84114007", "ICD-10", "I509")] == [expected, expected]
    assert learnt.pairs[("29857009", "ICD-10", "R074")][1] == 0
    after, before = summary["held_out"]["after"]["codes"], summary["held_out"]["before"]["codes"]
    assert after["fp"] < before["fp"] and after["tp"] == before["tp"]
    assert not any(t[:20] in profile.read_text() for t in texts)  # never note text

    out = tmp_path / "with_profile.jsonl"
    res = _run("annotate", notes, "--pack", tiny_pack, "--out", out, "--profile", profile, "--no-progress")
    assert res.exit_code == 0, res.output
    n01 = next(json.loads(line) for line in out.read_text().splitlines() if json.loads(line)["note_id"] == "n01")
    assert [s["code"] for s in n01["suggestions"]] == ["I219", "I10X"]
    chest_pain = next(m for m in n01["mentions"] if m["sctid"] == "29857009")
    assert chest_pain["status"] == "filtered" and chest_pain["reason"].startswith("rarely coded here: 0 of ")
    assert n01["provenance"]["coding_profile"]["file"] == "profile.json"

    # evaluate --profile: the held-out part before and after
    res = _run("evaluate", "--coded", history_coded, "--notes", history, "--pack", tiny_pack, "--episode-column",
               "episode_id", "--profile", profile, "--json", "--no-progress")
    assert res.exit_code == 0, res.output
    prof = json.loads(res.stdout)["profile"]
    assert prof["held_out_episodes"] == 60 - len(training)
    assert prof["after"]["codes"] == after and prof["before"]["codes"] == before
    # another CODED file (say next year's): none of its episodes was learnt from, all are scored
    other = tmp_path / "next_year.csv"
    other.write_text(history_coded.read_text())
    res = _run("evaluate", "--coded", other, "--notes", history, "--pack", tiny_pack, "--episode-column",
               "episode_id", "--profile", profile, "--json", "--no-progress")
    prof = json.loads(res.stdout)["profile"]
    assert prof["held_out_episodes"] == 60 and not prof["learnt_from_this_coded"]


def test_parallel_workers_score_the_same(data, tiny_pack):
    folder, notes, coded = data
    outs = []
    for workers in ("1", "2"):
        copy = folder / f"notes_workers_{workers}.jsonl"  # its own work file: annotated afresh
        copy.write_text(notes.read_text())
        res = _run("evaluate", "--coded", coded, "--notes", copy, "--pack", tiny_pack, "--episode-column",
                   "episode_id", "--workers", workers, "--batch-size", "2", "--json", "--no-progress")
        assert res.exit_code == 0, res.output
        outs.append(json.loads(res.stdout))
    assert not outs[1]["reused_annotations"]
    # workers hand over serialised lines, parsed for the scoring as they are written
    assert outs[0]["codes"] == outs[1]["codes"] and outs[0]["by_code"] == outs[1]["by_code"]


def test_a_stopped_evaluation_continues_without_losing_or_repeating_a_note(data, tiny_pack, monkeypatch):
    from coding_toolkit.evaluation.evaluate import evaluate_coded
    from coding_toolkit.evaluation.run import variants
    from coding_toolkit.run_config import RunConfig

    folder, notes, coded = data
    copy = folder / "notes_resume.jsonl"  # its own work file
    copy.write_text(notes.read_text())
    variant = variants([str(tiny_pack)], [], RunConfig(episode_column="episode_id", batch_notes=2))[0]
    read = RunConfig.read_notes

    def stops_after_four(self, path):
        for i, note in enumerate(read(self, path)):
            if i == 4:
                raise KeyboardInterrupt  # as a Ctrl-C after two committed batches
            yield note

    monkeypatch.setattr(RunConfig, "read_notes", stops_after_four)
    with pytest.raises(KeyboardInterrupt):
        evaluate_coded(str(coded), str(copy), [variant], episode_column="episode_id")
    monkeypatch.setattr(RunConfig, "read_notes", read)
    resumed = evaluate_coded(str(coded), str(copy), [variant], episode_column="episode_id")
    lines = [json.loads(line)["note_id"] for line in Path(resumed["work_file"]).read_text().splitlines()]
    assert sorted(lines) == sorted(json.loads(line)["note_id"] for line in notes.read_text().splitlines())
    assert resumed["codes"] == {"precision": 0.5, "recall": 0.6667, "f1": 0.5714, "tp": 8, "fp": 8, "fn": 4}


def test_annotate_with_a_changed_profile_is_not_up_to_date(data, tiny_pack, tmp_path):
    from coding_toolkit.evaluation.profile import CodingProfile

    folder, notes, _ = data
    path = tmp_path / "profile.json"
    CodingProfile(min_suggested=20).save(path)
    out = tmp_path / "out.jsonl"
    args = ("annotate", notes, "--pack", tiny_pack, "--out", out, "--profile", path, "--no-progress")
    assert _run(*args).exit_code == 0
    assert "is up to date" in _run(*args).output
    CodingProfile(min_suggested=5).save(path)  # learnt again under the same name
    res = _run(*args)
    assert res.exit_code == 2 and "different --profile" in res.output
