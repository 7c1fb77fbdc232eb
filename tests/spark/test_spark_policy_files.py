"""A policy that names its coding-rules file relative to its own folder works on Spark workers.

The driver loads the policy, the coding rules it names and the context rules (``RunRules``), so a
bad or missing file is reported there, and the executors get the loaded objects: no rule file has
to exist where they run (issue 26; before, file contents were rewritten into temporary files).
"""
from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from coding_toolkit.bulk.spark.worker import _WorkerConfig
from coding_toolkit.errors import ToolkitError
from coding_toolkit.pipeline import RunRules
from coding_toolkit.run_config import RunConfig
from coding_toolkit.suggest.config import DEFAULT_RULES_FILE


def _policy_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "trust_policy"
    folder.mkdir()
    rules = json.loads(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))
    rules["never_primary"]["enabled"] = False  # the trust's own copy differs from the default
    (folder / "my_rules.json").write_text(json.dumps(rules), encoding="utf-8")
    (folder / "policy.json").write_text(json.dumps({"coding_rules": {"file": "my_rules.json"}}),
                                        encoding="utf-8")
    return folder


def test_the_coding_rules_file_travels_loaded(tmp_path, monkeypatch):
    folder = _policy_folder(tmp_path)
    rules = RunRules.load(RunConfig(policy_path=str(folder / "policy.json")))
    assert rules.coding.on("never_primary") is False and RunRules.load(RunConfig()).coding.on("never_primary") is True
    cfg = _WorkerConfig.of("pack", "h", None, RunConfig(), rules)
    shipped = pickle.dumps(cfg)  # what Spark sends with the partition function
    worker_dir = tmp_path / "executor"
    worker_dir.mkdir()
    monkeypatch.chdir(worker_dir)
    (folder / "my_rules.json").unlink()  # nothing on disk is read again by the worker
    received = pickle.loads(shipped)
    assert received.rules == rules and received.rules.coding.on("never_primary") is False
    assert received.key == cfg.key
    # other rules are another worker configuration (the worker reloads its pipeline)
    other = _WorkerConfig.of("pack", "h", None, RunConfig(), RunRules.load(RunConfig()))
    assert other.key != cfg.key


def test_a_missing_rules_file_is_named_on_the_driver(tmp_path):
    (tmp_path / "p.json").write_text('{"coding_rules": {"file": "absent.json"}}', encoding="utf-8")
    with pytest.raises(ToolkitError, match=r"absent\.json: cannot read coding rules.*fix: pass an existing"):
        RunRules.load(RunConfig(policy_path=str(tmp_path / "p.json")))
