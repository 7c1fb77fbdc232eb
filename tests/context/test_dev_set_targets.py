"""Regression guard: the rules keep the issue's targets on the shared ConText development set."""
import json

from click.testing import CliRunner

from coding_toolkit.cli.main import cli


def test_context_evaluate_meets_targets_on_the_dev_set(shared_dir):
    tsv = shared_dir / "benchmarks" / "context" / "negex_context_dev.tsv"
    done = CliRunner().invoke(cli, ["context", "evaluate", str(tsv), "--json"])
    assert done.exit_code == 0, done.output
    scores = json.loads(done.output)
    assert scores["n"] > 1200
    assert scores["negation"]["Negated"]["f1"] >= 0.93
    assert scores["temporality"]["Historical"]["f1"] >= 0.80
    assert scores["temporality"]["Hypothetical"]["f1"] >= 0.80


def test_kit_convention_file_scores_possibility_cues_as_the_kit_does(shared_dir):
    """examples/context_kit_convention.json: 'rule out', '?', 'evaluate for' set no temporality, as in the kit."""
    from pathlib import Path

    tsv = shared_dir / "benchmarks" / "context" / "negex_context_dev.tsv"
    extra = Path(__file__).resolve().parents[2] / "examples" / "context_kit_convention.json"
    runner = CliRunner()
    shipped = json.loads(runner.invoke(cli, ["context", "evaluate", str(tsv), "--json"]).output)
    done = runner.invoke(cli, ["context", "evaluate", str(tsv), "--rules", str(extra), "--json"])
    assert done.exit_code == 0, done.output
    kit = json.loads(done.output)
    hyp, shipped_hyp = kit["temporality"]["Hypothetical"], shipped["temporality"]["Hypothetical"]
    assert hyp["precision"] > shipped_hyp["precision"] and hyp["f1"] >= 0.90
    assert hyp["recall"] == shipped_hyp["recall"]  # conditionals and instructions are untouched
    assert kit["negation"] == shipped["negation"]
