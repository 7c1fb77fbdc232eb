"""The ILLUSTRATIVE starter map's rows (mappings/illustrative/starter_map.tsv): real concepts, valid codes,
NHS map shapes, and committed RF2 files that match the table."""
from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pytest

from coding_toolkit.concepts.starter import ILLUSTRATIVE_RELEASE
from coding_toolkit.resources import data_path

HES_FILES = {"ICD-10": "icd10_usage_2023_24.tsv", "OPCS-4": "opcs4_usage_2023_24.tsv"}


@pytest.fixture(scope="module")
def table(maker) -> list[tuple[str, str, str, list]]:
    """(classification, sctid, source note, blocks of groups of (code, context)) per row."""
    out = []
    with open(maker.TABLE, encoding="utf-8", newline="") as fh:
        for n, line in enumerate(fh, 1):
            cells = line.rstrip("\r\n").split("\t")
            if n == 1 or not cells[0] or cells[0].startswith("#"):
                continue
            out.append((cells[1], cells[0], cells[4], maker.parse_targets(cells[2], f"line {n}")))
    return out


def _targets(blocks):
    return [code for block in blocks for group in block for code, _ in group]


def test_every_row_is_a_gps_concept_with_a_source_note(table, gps_ids):
    assert len(table) >= 1500
    missing = sorted({sctid for _, sctid, _, _ in table if sctid not in gps_ids})
    assert missing == [], f"not GPS concepts of the starter pack: {missing}"
    assert all(len(note) >= 10 for _, _, note, _ in table), "every row says where it comes from"


def test_every_target_is_in_the_valid_code_lists(table, maker):
    valid = maker.valid_codes()
    assert len(valid["ICD-10"]) > 10_000 and len(valid["OPCS-4"]) > 9_000
    bad = sorted({(system, code) for system, _, _, blocks in table for code in _targets(blocks)
                  if code != "#NIS" and maker._hes_form(code) not in valid[system]})
    assert bad == []
    for name in maker.VALID_FILES.values():  # codes only: no titles, no descriptions
        lines = (maker.HERE / "valid_codes" / name).read_text(encoding="utf-8").splitlines()
        assert all(line.isalnum() and len(line) == 4 for line in lines), name


def test_the_invalid_targets_of_the_first_map_are_gone(table):
    targets = {code for system, _, _, blocks in table if system == "ICD-10" for code in _targets(blocks)}
    assert not {"I48X", "I849"} & targets
    rows = {sctid: blocks for system, sctid, _, blocks in table if system == "ICD-10"}
    assert rows["49436004"][0][0][-1][0] == "I489"  # atrial fibrillation
    assert rows["70153002"][0][0][-1][0] == "K649"  # haemorrhoids


def test_every_target_was_recorded_in_hes(table, maker, shared_dir):
    HES = shared_dir / "benchmarks" / "hes"
    hes = {}
    for system, name in HES_FILES.items():
        with open(HES / name, encoding="utf-8", newline="") as fh:
            hes[system] = {r["code"] for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)}
    bad = sorted({(system, code) for system, _, _, blocks in table for code in _targets(blocks)
                  if code != "#NIS" and maker._hes_form(code) not in hes[system]})
    assert bad == []
    for system, name in maker.VALID_FILES.items():  # the committed list is the HES code set, codes only
        kept = set((maker.HERE / "valid_codes" / name).read_text(encoding="utf-8").split())
        assert kept - hes[system] == set(), f"{name} holds codes HES never recorded"


def test_dagger_and_asterisk_codes_come_in_pairs(table):
    """A dagger (aetiology) code has an asterisk (manifestation) partner in its block, and an asterisk
    code never stands alone (heart failure's block 3 writes the pair asterisk first, as the NHS map)."""
    pairs = 0
    for system, sctid, _, blocks in table:
        for block in blocks:
            codes = [[code for code, _ in group] for group in block]
            flat = [c for group in codes for c in group]
            daggers = [c for c in flat if c.endswith("D") and len(c) == 5]
            asterisks = [c for c in flat if c.endswith("A") and len(c) == 5]
            assert system == "ICD-10" or not daggers + asterisks
            if daggers:
                assert asterisks and codes[-1] == [asterisks[-1]], (sctid, codes)
                pairs += 1
            if asterisks:
                assert len(codes) >= 2, (sctid, codes)
    assert pairs >= 10


def test_alternatives_name_their_context_and_defaults_come_last(table):
    for _, sctid, _, blocks in table:
        for group in blocks[0]:
            *alternatives, (default, default_context) = group
            assert default_context is None or not alternatives, (sctid, group)  # a lone code's {} is advice
            assert all(context for _, context in alternatives), (sctid, group)


def test_opcs_laterality_and_sites_are_alternative_code_sets_not_defaults(table):
    sided = 0
    for system, sctid, _, blocks in table:
        if system != "OPCS-4":
            continue  # ICD-10 Z94.x is transplant status, not laterality
        default_codes = [code for group in blocks[0] for code, _ in group]
        assert not {"Z941", "Z942", "Z943", "Z944"} & set(default_codes), sctid
        later = {code for block in blocks[1:] for group in block for code, _ in group}
        sided += {"Z942", "Z943", "Z941"} <= later
    assert sided >= 15  # hip/knee replacement, cataract, carpal tunnel, hernia repair ...


def test_committed_release_matches_the_table(maker, tmp_path):
    out = tmp_path / ILLUSTRATIVE_RELEASE
    maker.main(["--out", str(out)])
    committed = data_path("mappings", "illustrative", ILLUSTRATIVE_RELEASE)
    written = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert written == sorted(p.relative_to(committed) for p in committed.rglob("*") if p.is_file())
    for rel in written:
        assert (out / rel).read_bytes() == (committed / rel).read_bytes(), \
            f"{rel} is stale: rerun python mappings/illustrative/make_illustrative_map.py"


@pytest.mark.parametrize(("line", "message"), [
    ("22298006\tICD-10\tI21.9\t\tnote here", "bad target 'I21.9'"),
    ("22298006\tICD-10\tI219{X}|I210{Y}\t\tnote here", "the last alternative of a group is the default"),
    ("49436004\tICD-10\tI48X\t\tnote here", "I48X not in valid_codes/icd10_5th_edition_codes.txt"),
    ("22298006\tICD-10\tI219\t\t", "need a numeric sctid, classification ICD-10 or OPCS-4 and a source note"),
    ("22298006\tICD-10\tI219", "3 tab-separated cells, expected 5"),
])
def test_bad_rows_get_a_clear_error_naming_the_line(maker, tmp_path, line, message):
    path = tmp_path / "starter_map.tsv"
    path.write_text("\t".join(maker.TABLE_HEADER) + "\n# comment\n" + line + "\n", encoding="utf-8")
    with pytest.raises(SystemExit) as err:
        maker.read_table(path)
    assert str(err.value).startswith("starter_map.tsv line 3: ") and message in str(err.value)


def test_a_concept_has_one_row_per_classification(maker, tmp_path):
    path = tmp_path / "starter_map.tsv"
    row = "22298006\tICD-10\tI219\t\tnote here\n"
    path.write_text("\t".join(maker.TABLE_HEADER) + "\n" + row + row, encoding="utf-8")
    with pytest.raises(SystemExit, match="line 3: 22298006 already has ICD-10 rows"):
        maker.read_table(path)


def test_the_map_covers_what_nhs_coders_code_most(shared_dir):
    HES = shared_dir / "benchmarks" / "hes"
    """Issue 28's targets, by the benchmark's own counting (targets as default or shown alternative)."""
    spec = importlib.util.spec_from_file_location(
        "bench_starter_coverage", Path(__file__).resolve().parents[2] / "benchmarks" / "bench_starter_coverage.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    report = bench.run(HES)
    assert report["ICD-10"]["any target"]["weighted"] >= 0.80
    assert report["OPCS-4"]["any target"]["weighted"] >= 0.60
    assert report["ICD-10"]["not in HES"] == [] and report["OPCS-4"]["not in HES"] == []
    assert report["ICD-10"]["any target"]["top100"] >= 90
