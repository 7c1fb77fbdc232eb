"""Map import into a real SQL store (SQLite and PostgreSQL)."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from map_test_helpers import FIXTURES, ICD10_TITLES, INT, OPCS_TITLES, UK, append_line, uk_map_file

from coding_toolkit.errors import MapError, ReleaseError
from coding_toolkit.mapping.engine import MapEngine
from coding_toolkit.mapping.store import MapStore
from coding_toolkit.terminology import Release

ICD10, OPCS411, OPCS410 = "999002271000000101", "1891651000000103", "1382401000000109"


def dump(store) -> list[tuple]:
    t = store.tables["rows"]
    with store.engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(sa.select(t)))


def test_import_reports_rows_per_refset(store, rf2_release):
    report = store.import_release(rf2_release)
    by_id = {r["refset_id"]: r for r in report.refsets}
    assert by_id[ICD10] == {
        "refset_id": ICD10,
        "system": "ICD-10",
        "version": "5th Edition",
        "rows": 35,
        "concepts": 15,
        "selected": True,
    }
    assert by_id[OPCS411]["rows"] == 5 and by_id[OPCS411]["selected"]
    assert by_id[OPCS410]["rows"] == 2 and not by_id[OPCS410]["selected"]
    assert by_id["447562003"]["system"] == "ICD-10 (International)" and by_id["447562003"]["rows"] == 4
    assert report.opcs_version == "4.11"
    assert report.concepts_covered == {"ICD-10": 15, "OPCS-4": 2, "ICD-10 (International)": 3}
    assert report.unknown_refsets == [] and report.illustrative is False
    text = report.to_text()
    assert "ICD-10 5th Edition (refset 999002271000000101): 35 rows, 15 concepts [selected]" in text
    assert "OPCS-4 4.11" in text and "OPCS-4 4.10" in text


def test_every_column_kept_and_only_active_rows(store, rf2_release):
    store.import_release(rf2_release)
    rows = store.rows([ICD10], ["233604007"])
    assert [r["map_target"] for r in rows] == ["J189"]  # the inactive J181 row with the same key is gone
    row = rows[0]
    assert row["correlation_id"] == "447561005" and row["module_id"] == "999000041000000102"
    assert row["effective_time"] == 20241120 and row["active"] == 1 and row["map_block"] == 1
    assert row["map_advice"] == "ALWAYS J18.9" and row["map_rule"] == "" and len(row["id"]) == 36
    assert row["source_file"].startswith("der2_iisssciRefset_ExtendedMapUKCLSnapshot_GB1000000")
    intl = store.rows(["447562003"], ["84114007"])
    assert {r["map_category_id"] for r in intl} == {"447639009", "447637006"}
    assert {r["variant"] for r in intl} == {"international"}


def test_reimport_is_idempotent(store, rf2_release):
    store.import_release(rf2_release)
    first, prov = dump(store), store.provenance()
    store.import_release(Release(rf2_release))
    assert dump(store) == first
    again = store.provenance()
    assert {k: v for k, v in again.items() if k != "imported_at"} == {
        k: v for k, v in prov.items() if k != "imported_at"
    }


def test_reproducible_import_gives_identical_sqlite_bytes(rf2_release, tmp_path):
    """A model pack's maps.sqlite is hashed (issue 17): without the import time and release path,
    the same release imported twice gives the same file; a normal import keeps both."""
    paths = [tmp_path / "a.sqlite", tmp_path / "b.sqlite"]
    for path, release in zip(paths, (rf2_release, shutil.copytree(rf2_release, tmp_path / "moved")), strict=True):
        MapStore(f"sqlite:///{path}").import_release(release, reproducible=True)
    assert paths[0].read_bytes() == paths[1].read_bytes()
    prov = MapStore(f"sqlite:///{paths[0]}").provenance()
    assert "imported_at" not in prov and "release_path" not in prov and prov["folders"]
    normal = MapStore(f"sqlite:///{tmp_path / 'c.sqlite'}")
    normal.import_release(rf2_release)
    assert {"imported_at", "release_path"} <= set(normal.provenance())


def test_failed_import_leaves_store_unchanged(store, rf2_release, release_copy):
    store.import_release(rf2_release)
    before = dump(store)
    bad = uk_map_file(release_copy)
    append_line(
        bad,
        "x-1\t20241120\t1\t999000041000000102\t999002271000000101\t22298006\tone\t1\t\tA\tI219\t447561005\t1",
    )
    with pytest.raises(MapError, match=r"field 'mapGroup'.*'one' is not an integer"):
        store.import_release(release_copy)
    assert dump(store) == before


@pytest.mark.postgres
def test_database_error_rolls_back(pg_url, rf2_release, release_copy):
    """A failure inside the write transaction (PostgreSQL enforces VARCHAR length) changes nothing."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        store = MapStore(pg_url, schema=schema)
        store.import_release(rf2_release)
        before = dump(store)
        append_line(
            uk_map_file(release_copy),
            "x-2\t20241120\t1\t999000041000000102\t999002271000000101\t22298006"
            f"\t1\t2\t\tA\t{'I' * 40}\t447561005\t1",
        )
        with pytest.raises(MapError, match="left unchanged"):
            store.import_release(release_copy)
        assert dump(store) == before
        assert store.provenance()["opcs_version"] == "4.11"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def test_opcs_version_selection(make_store, rf2_release, release_copy):
    store = make_store()
    store.import_release(rf2_release, opcs_version="4.10")
    assert store.provenance()["opcs_version"] == "4.10"
    rows = MapEngine(store).lookup("73761001", "OPCS-4")
    assert [(r.version, r.target) for r in rows] == [("4.10", "H229")]
    assert MapEngine(store, opcs_version="4.11").lookup("73761001", "OPCS-4")[-1].version == "4.11"
    with pytest.raises(MapError, match=r"4\.9.*found: 4\.10, 4\.11"):
        make_store().import_release(rf2_release, opcs_version="4.9")
    # all 4.11 rows retired: 4.10 is the newest version with active rows
    path = uk_map_file(release_copy)
    lines = path.read_bytes().decode("utf-8").split("\r\n")
    lines = [
        ln.replace("\t20241120\t1\t", "\t20241120\t0\t", 1) if f"\t{OPCS411}\t" in ln else ln for ln in lines
    ]
    path.write_text("\r\n".join(lines), encoding="utf-8", newline="")
    assert make_store().import_release(release_copy).opcs_version == "4.10"


def test_unknown_refset_reported_not_dropped(store, release_copy):
    append_line(
        uk_map_file(release_copy),
        "x-3\t20241120\t1\t999000041000000102\t123456789\t22298006\t1\t1\t\tALWAYS I21.9\tI219\t447561005\t1",
    )
    report = store.import_release(release_copy)
    assert report.unknown_refsets == [
        {"refset_id": "123456789", "rows": 1, "files": [uk_map_file(release_copy).name]}
    ]
    assert "UNKNOWN map refset 123456789" in report.to_text()
    assert len(store.rows(["123456789"])) == 1
    assert all(r.refset_id != "123456789" for r in MapEngine(store).lookup("22298006"))


@pytest.mark.parametrize(
    "header",
    [
        "id\teffectiveTime\tactive\tmoduleId\trefsetId\treferencedComponentId\tmapGroup\tmapPriority\tmapRule\tmapAdvice\t"
        "mapTarget\tcorrelationId",
        "id\teffectiveTime\tactive\tmoduleId\trefsetId\treferencedComponentId\tmapGroup\tmapPriority\tmapRule\tmapAdvice\t"
        "mapTarget\tcorrelationId\tmapFoo",
    ],
)
def test_unexpected_columns(store, release_copy, header):
    path = uk_map_file(release_copy)
    text = path.read_bytes().decode("utf-8").split("\r\n", 1)[1]
    path.write_text(header + "\r\n" + text, encoding="utf-8", newline="")
    with pytest.raises(MapError, match=rf"{path.name}:1: unexpected map columns.*mapBlock"):
        store.import_release(release_copy)
    assert not store.has_maps()


def test_wrong_column_count_names_line(store, release_copy):
    path = uk_map_file(release_copy)
    n = path.read_text(encoding="utf-8").count("\n")
    append_line(
        path, "x-4\t20241120\t1\t999000041000000102\t999002271000000101\t22298006\t1\t1\t\tA\tI219\t447561005"
    )
    with pytest.raises(MapError, match=rf"{path.name}:{n + 1}"):
        store.import_release(release_copy)


def test_release_without_maps(store, release_copy):
    for folder in (INT, UK):
        shutil.rmtree(release_copy / folder / "Snapshot" / "Refset" / "Map")
    with pytest.raises(MapError, match="no der2_.*ExtendedMap"):
        store.import_release(release_copy)


def test_titles_and_missing_titles(store, rf2_release):
    report = store.import_release(rf2_release, icd10_titles=ICD10_TITLES, opcs_titles=OPCS_TITLES)
    assert report.titles == {"ICD-10": 24, "OPCS-4": 6}
    assert report.missing_titles["OPCS-4"] == ["H252"]
    assert "O742" in report.missing_titles["ICD-10"] and "I509" not in report.missing_titles["ICD-10"]
    assert "8 ICD-10 map targets have no title" in report.to_text()
    # titles survive a map re-import without title files
    store.import_release(rf2_release)
    assert store.title_counts() == {"ICD-10": 24, "OPCS-4": 6}
    assert store.import_titles(opcs=OPCS_TITLES) == {"ICD-10": 24, "OPCS-4": 6}


def test_bad_title_file(store, tmp_path):
    bad = tmp_path / "ICD10_bad.txt"
    bad.write_text("CODE\tTITLE\r\nI10\tEssential\r\n", encoding="utf-8")
    with pytest.raises(MapError, match="header lacks DESCRIPTION"):
        store.import_titles(icd10=bad)


def test_monolith_release(store):
    report = store.import_release(FIXTURES / "rf2_mono")
    assert report.opcs_version == "4.11"
    rows = MapEngine(store).lookup("4855003")
    assert [(r.target, r.display, r.kind) for r in rows] == [
        ("E143D", "E14.3†", "dagger"),
        ("H360 A", "H36.0*", "asterisk"),
    ]


def test_illustrative_release_flag(store, tmp_path, rf2_release):
    dest = tmp_path / "demo" / "SnomedCT_IllustrativeRF2_PRODUCTION_20241120T000001Z"
    shutil.copytree(rf2_release / UK, dest)
    assert store.import_release(dest.parent).illustrative is True
    assert MapEngine(store).provenance()["illustrative"] is True


def test_plain_path_means_sqlite(tmp_path, rf2_release):
    store = MapStore(str(tmp_path / "m.sqlite"))
    assert store.url == f"sqlite:///{tmp_path / 'm.sqlite'}"
    store.import_release(rf2_release)
    assert Path(tmp_path / "m.sqlite").stat().st_size > 0
    with pytest.raises(MapError, match="does not exist"):
        MapStore(tmp_path / "no" / "dir" / "m.sqlite")


def test_import_reads_no_concept_file_and_takes_modules_from_map_rows(store, release_copy):
    """Provenance needs no concepts: a concept file that would not parse does not stop a map import."""
    concept_file = next(release_copy.rglob("sct2_Concept_*Snapshot*_*.txt"))
    append_line(concept_file, "not-an-id\t20241120\t1\t999000011000000103\t900000000000074008")
    with pytest.raises(ReleaseError, match="not an integer"):
        Release(release_copy).info()  # reading concepts would fail
    store.import_release(release_copy)
    prov = store.provenance()
    modules = {r["module_id"] for r in store.rows([ICD10, OPCS411, OPCS410, "447562003"])}
    assert prov["module_ids"] == sorted(modules) and "999000041000000102" in prov["module_ids"]
    assert prov["folders"] == [INT, UK]


def test_renamed_opcs_title_file_takes_the_selected_version(store, rf2_release, tmp_path):
    renamed = tmp_path / "opcs titles.txt"  # the version is no longer in the name
    shutil.copy(OPCS_TITLES, renamed)
    store.import_release(rf2_release, opcs_version="4.10", opcs_titles=renamed)
    t = store.tables["titles"]
    with store.engine.connect() as conn:
        versions = set(conn.execute(sa.select(t.c.version).where(t.c.system == "OPCS-4")).scalars())
    assert versions == {"4.10"}
    store.import_release(rf2_release, opcs_version="4.10", opcs_titles=OPCS_TITLES)
    with store.engine.connect() as conn:
        versions = set(conn.execute(sa.select(t.c.version).where(t.c.system == "OPCS-4")).scalars())
    assert versions == {"4.11"}  # the file's own name wins


def test_illustrative_release_brings_its_own_titles_and_trud_files_win(store):
    from coding_toolkit.resources import data_path

    release = data_path("mappings", "illustrative", "SnomedCT_IllustrativeMapRF2_PRODUCTION_20260101T000000Z")
    report = store.import_release(release)
    assert not any(report.missing_titles.values())  # every map target has an illustrative title
    engine = MapEngine(store)
    [w199] = [r for r in engine.lookup("1912002") if r.default]  # falls at home are its alternatives
    assert w199.title == "Unspecified fall, unspecified place"
    retinopathy = {r.target: r.title for r in engine.lookup("4855003")}
    assert retinopathy["E113D"] == "Type 2 diabetes mellitus with eye complications"
    assert retinopathy["H360A"] == "Diabetic retinopathy"
    assert engine.provenance()["illustrative"] is True
    # a trust's TRUD title files are used when given (the illustrative ones are then not read)
    store.import_release(release, icd10_titles=ICD10_TITLES, opcs_titles=OPCS_TITLES)
    assert store.title_counts() == {"ICD-10": 24, "OPCS-4": 6}
