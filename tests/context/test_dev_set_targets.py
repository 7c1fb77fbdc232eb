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
    assert scores["temporality"]["Hypothetical"]["f1"] >= 0.75
