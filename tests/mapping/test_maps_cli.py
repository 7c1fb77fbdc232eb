"""``coding-toolkit maps import|show`` through click, against real SQLite stores."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from map_test_helpers import ICD10_TITLES, OPCS_TITLES, append_line, uk_map_file

from coding_toolkit.cli.main import cli

REQUIRED = {
    "display",
    "default",
    "classifiable",
    "advice",
    "target",
    "block",
    "group",
    "priority",
    "system",
    "version",
}


@pytest.fixture
def db(tmp_path, rf2_release) -> str:
    path = str(tmp_path / "maps.sqlite")
    result = CliRunner().invoke(
        cli,
        [
            "maps",
            "import",
            str(rf2_release),
            "--db",
            path,
            "--icd10-titles",
            str(ICD10_TITLES),
            "--opcs-titles",
            str(OPCS_TITLES),
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "ICD-10 5th Edition (refset 999002271000000101): 35 rows, 15 concepts [selected]" in result.output
    assert "OPCS-4 4.11 (refset 1891651000000103): 5 rows, 2 concepts [selected]" in result.output
    assert "concepts covered by ICD-10: 15" in result.output
    return path


def test_show_json(db):
    result = CliRunner().invoke(cli, ["maps", "show", "4855003", "--db", db, "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["sctid"] == "4855003"
    assert all(REQUIRED <= set(m) for m in data["maps"])
    assert [(m["target"], m["display"], m["default"], m["group"]) for m in data["maps"]] == [
        ("E143D", "E14.3†", True, 1),
        ("H360A", "H36.0*", True, 2),
    ]


def test_show_text_marks_default(db):
    result = CliRunner().invoke(cli, ["maps", "show", "84114007", "--db", db])
    assert result.exit_code == 0
    default_lines = [ln for ln in result.output.splitlines() if ln.startswith("  * ")]
    assert (
        len(default_lines) == 1
        and "I50.9" in default_lines[0]
        and "Heart failure, unspecified" in default_lines[0]
    )
    assert "block 2" in result.output and "block 3" in result.output


def test_show_says_what_a_special_target_means(db):
    result = CliRunner().invoke(cli, ["maps", "show", "160245001", "--db", db])
    assert result.exit_code == 0
    assert "#NIS (not in scope of the classification)" in result.output
    assert "not classifiable" not in result.output


def test_show_system_option(db):
    result = CliRunner().invoke(
        cli, ["maps", "show", "84114007", "--db", db, "--json", "--system", "ICD-10 (International)"]
    )
    assert [m["display"] for m in json.loads(result.output)["maps"]] == ["P29.0", "I50.9"]


@pytest.mark.parametrize("sctid", ["999999999", "not-an-id"])
def test_unknown_sctid_exits_2_with_one_line(db, sctid):
    result = CliRunner().invoke(cli, ["maps", "show", sctid, "--db", db])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and sctid in lines[0] and "Traceback" not in result.output


def test_sctid_without_rows_names_the_store_file_not_a_repr(db):
    result = CliRunner().invoke(cli, ["maps", "show", "999999999", "--db", db])
    assert f"SCTID 999999999 has no map rows in {db}; fix:" in result.output
    assert "MapStore(" not in result.output and "sqlite:" not in result.output


def test_bad_release_exits_2(tmp_path, rf2_release):
    result = CliRunner().invoke(
        cli, ["maps", "import", str(tmp_path / "missing"), "--db", str(tmp_path / "m.sqlite")]
    )
    assert result.exit_code == 2 and "does not exist" in result.output
    rel = tmp_path / "rel"
    shutil.copytree(rf2_release, rel)
    append_line(
        uk_map_file(rel),
        "x\t20241120\t1\t999000041000000102\t999002271000000101\t22298006\t1\tfirst\t\tA\tI219\t447561005\t1",
    )
    result = CliRunner().invoke(
        cli, ["maps", "import", str(rel), "--db", str(tmp_path / "m.sqlite"), "--no-progress"]
    )
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and "field 'mapPriority'" in result.output


def test_show_before_import_exits_2(tmp_path):
    result = CliRunner().invoke(cli, ["maps", "show", "22298006", "--db", str(tmp_path / "empty.sqlite")])
    assert result.exit_code == 2 and "maps import" in result.output


def test_help_lists_commands():
    result = CliRunner().invoke(cli, ["maps", "--help"])
    assert result.exit_code == 0 and "import" in result.output and "show" in result.output


def test_show_missing_sqlite_file_creates_nothing(tmp_path):
    path = tmp_path / "missing.sqlite"
    result = CliRunner().invoke(cli, ["maps", "show", "22298006", "--db", str(path)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "does not exist" in lines[0]
    assert f"maps import RELEASE_DIR --db {path}" in lines[0]
    assert not path.exists() and list(tmp_path.iterdir()) == []


BAD_DBS = [
    "postgresql+psycopg2://nobody:s3cret@127.0.0.1:1/x",  # nothing listens on port 1
    "/etc",  # a folder, not a SQLite file
]


def _one_line_db_error(result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    assert "s3cret" not in result.output  # the password never reaches a message
    assert "map store " in lines[0] and "fix: check --db" in lines[0]
    return lines[0]


@pytest.mark.parametrize("bad_db", BAD_DBS)
def test_show_database_error_exits_2_with_one_line(bad_db):
    line = _one_line_db_error(CliRunner().invoke(cli, ["maps", "show", "22298006", "--db", bad_db]))
    assert ("Connection refused" in line or "port 1" in line) if "://" in bad_db else "sqlite:////etc" in line


@pytest.mark.parametrize("bad_db", BAD_DBS)
def test_import_database_error_exits_2_with_one_line(bad_db, rf2_release):
    result = CliRunner().invoke(cli, ["maps", "import", str(rf2_release), "--db", bad_db, "--no-progress"])
    _one_line_db_error(result)


def test_import_progress_defaults_to_off_when_stderr_is_not_a_terminal(tmp_path, rf2_release):
    """CliRunner's stderr is not a terminal: no progress bars unless --progress is given."""
    db = str(tmp_path / "m.sqlite")
    quiet = CliRunner().invoke(cli, ["maps", "import", str(rf2_release), "--db", db])
    assert quiet.exit_code == 0 and "it/s" not in quiet.output and "file/s" not in quiet.output
    shown = CliRunner().invoke(cli, ["maps", "import", str(rf2_release), "--db", db, "--progress"])
    assert shown.exit_code == 0 and "file" in shown.stderr and "100%" in shown.stderr
