"""A run in which most notes fail in processing exits non-zero, naming the rejects file; a run with a
few failures still succeeds. The failures are real: a pack whose CDB lacks a field every annotation
reads (as a pack written by an incompatible MedCAT would)."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from coding_toolkit.cli.main import cli


def _broken_pack(tiny_pack: Path, out: Path, cuis=None) -> Path:
    """The tiny pack re-saved (new content hash) with ``type_ids`` removed from ``cuis`` (all: None)."""
    from coding_toolkit.concepts.pack import load_pack

    pack = load_pack(tiny_pack)
    for cui, info in pack.cat.cdb.cui2info.items():
        if cuis is None or cui in cuis:
            info.pop("type_ids")
    return pack.save(out, note="test: CDB entries without type_ids")


def _rejects(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def all_broken(tiny_pack, tmp_path_factory) -> Path:
    return _broken_pack(tiny_pack, tmp_path_factory.mktemp("broken") / "pack")


def test_a_run_where_most_notes_fail_exits_non_zero_naming_the_rejects(all_broken, fixture_notes, tmp_path):
    out = tmp_path / "out.jsonl"
    res = CliRunner().invoke(cli, ["annotate", str(fixture_notes), "--pack", str(all_broken), "--out", str(out)])
    n = sum(1 for line in fixture_notes.read_text().splitlines() if line.strip())
    assert res.exit_code == 3, res.output
    rejects = tmp_path / "out.jsonl.rejects.csv"
    assert f"{n} of the {n} notes processed (100%) failed in processing" in res.output
    assert str(rejects) in res.output and "--resume" in res.output
    rows = _rejects(rejects)
    assert len(rows) == n and all(r["reason"].startswith("processing failed (KeyError)") for r in rows)


def test_a_run_with_a_few_failures_still_succeeds(tiny_pack, fixture_notes, tmp_path):
    # 73761001 is linked in one of the fixture notes only
    pack = _broken_pack(tiny_pack, tmp_path / "pack", cuis={"73761001"})
    out = tmp_path / "out.jsonl"
    res = CliRunner().invoke(cli, ["annotate", str(fixture_notes), "--pack", str(pack), "--out", str(out)])
    assert res.exit_code == 0, res.output
    rows = _rejects(tmp_path / "out.jsonl.rejects.csv")
    assert len(rows) == 1 and rows[0]["reason"].startswith("processing failed")
    written = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(written) == sum(1 for line in fixture_notes.read_text().splitlines() if line.strip()) - 1


def test_the_threshold_is_more_than_half_of_the_processed_notes():
    from coding_toolkit.bulk.runner import RunSummary

    def summary(written, failed, other=0):
        return RunSummary(written=written, rejected=failed + other,
                          reasons={"processing failed": failed, "empty": other} if failed else {"empty": other})

    assert not summary(5, 5).mostly_failed()  # half
    assert summary(4, 5).mostly_failed()
    assert summary(0, 1, other=50).mostly_failed()  # input rejects are not processed notes
    assert not summary(0, 0, other=3).mostly_failed()  # nothing processed: nothing failed
