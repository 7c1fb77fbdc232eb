"""A policy that names its coding-rules file relative to its own folder works on Spark workers.

Workers read a copy of the policy from their temporary folder, where a relative path means nothing:
the driver ships the file with the policy and the worker points the policy at its copy.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from coding_toolkit.bulk.spark.shipping import _read_policy
from coding_toolkit.bulk.spark.worker import _materialise, _worker_policy, _WorkerConfig
from coding_toolkit.context.policy import Policy
from coding_toolkit.errors import InputError
from coding_toolkit.run_config import RunConfig
from coding_toolkit.suggest.config import DEFAULT_RULES_FILE, CodingRules


def _policy_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "trust_policy"
    folder.mkdir()
    rules = json.loads(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))
    rules["never_primary"]["enabled"] = False  # the trust's own copy differs from the default
    (folder / "my_rules.json").write_text(json.dumps(rules), encoding="utf-8")
    (folder / "policy.json").write_text(json.dumps({"coding_rules": {"file": "my_rules.json"}}),
                                        encoding="utf-8")
    return folder


def _rules_as_a_worker_loads_them(policy_file: Path) -> CodingRules:
    policy = Policy.load(str(policy_file))
    return CodingRules.load(overrides=policy.coding_rules, base_dir=policy_file.parent, where=str(policy_file))


def test_the_coding_rules_file_travels_with_the_policy(tmp_path, monkeypatch):
    folder = _policy_folder(tmp_path)
    assert _rules_as_a_worker_loads_them(folder / "policy.json").never_primary is False  # on the driver
    policy, coding_rules = _read_policy(folder / "policy.json")
    assert json.loads(coding_rules)["never_primary"]["enabled"] is False
    cfg = _WorkerConfig(pack_name="pack", pack_hash="h", pack_path=None, policy=policy, rules=None,
                        coding_rules=coding_rules, run=RunConfig())
    worker_dir = tmp_path / "executor"
    worker_dir.mkdir()
    monkeypatch.chdir(worker_dir)  # a worker elsewhere: the policy's folder is not beside it
    worker_policy = Path(_materialise(_worker_policy(cfg), ".policy.json"))
    assert worker_policy.parent != folder
    assert _rules_as_a_worker_loads_them(worker_policy).never_primary is False
    # a changed rules file is a different worker configuration (the worker reloads its pipeline)
    other = _WorkerConfig(pack_name="pack", pack_hash="h", pack_path=None, policy=policy, rules=None,
                          coding_rules=coding_rules.replace("false", "true", 1), run=RunConfig())
    assert other.key != cfg.key


def test_a_policy_without_a_rules_file_is_shipped_as_it_is(tmp_path):
    (tmp_path / "p.json").write_text('{"coding_rules": {"specificity": false}}', encoding="utf-8")
    policy, coding_rules = _read_policy(tmp_path / "p.json")
    assert coding_rules is None
    cfg = _WorkerConfig(pack_name="pack", pack_hash="h", pack_path=None, policy=policy, rules=None,
                        run=RunConfig())
    assert _worker_policy(cfg) == policy


def test_a_missing_rules_file_is_named_on_the_driver(tmp_path):
    (tmp_path / "p.json").write_text('{"coding_rules": {"file": "absent.json"}}', encoding="utf-8")
    with pytest.raises(InputError, match=r"absent\.json.*coding rules.*fix: check the path"):
        _read_policy(tmp_path / "p.json")
