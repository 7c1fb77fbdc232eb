"""The map engine: ordering, the default rule, dagger/asterisk, #NIS, caching; property tests."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from map_test_helpers import ICD10_TITLES, OPCS_TITLES

from coding_toolkit.errors import MapError
from coding_toolkit.mapping.engine import MapEngine, build_rows, default_priority
from coding_toolkit.mapping.store import MapStore

HF_TARGETS = [
    "O291",
    "I255",
    "O742",
    "O891",
    "I515",
    "P290",
    "I110",
    "I978",
    "I130",
    "I971",
    "T818",
    "O754",
    "I132",
    "I501",
    "I500",
    "I509",
]


@pytest.fixture
def engine(store, rf2_release) -> MapEngine:
    store.import_release(rf2_release, icd10_titles=ICD10_TITLES, opcs_titles=OPCS_TITLES)
    return MapEngine(store)


def test_default_priority_is_the_highest_number():
    assert default_priority(range(1, 17)) == 16
    assert default_priority([3, 1, 2]) == 3
    assert default_priority(["10", "9", "2"]) == 10  # integers, not text ("9" > "10" as text)
    assert default_priority([1]) == 1
    with pytest.raises(ValueError):
        default_priority([])


def test_heart_failure_sixteen_priorities_and_blocks(engine):
    rows = engine.lookup("84114007", "ICD-10")
    block1 = [r for r in rows if r.block == 1]
    assert [r.priority for r in block1] == list(range(1, 17))
    assert [r.target for r in block1] == HF_TARGETS
    assert [r.target for r in rows if r.default] == ["I509"]
    default = next(r for r in rows if r.default)
    assert (default.display, default.title, default.advice) == (
        "I50.9",
        "Heart failure, unspecified",
        "ALWAYS I50.9",
    )
    assert [(r.block, r.group, r.target) for r in rows if r.block > 1] == [
        (2, 1, "E059"),
        (2, 2, "I438A"),
        (3, 1, "I438A"),
        (3, 2, "E059"),
    ]
    assert not any(r.default for r in rows if r.block > 1)
    assert {r.kind for r in rows if r.target == "I438A"} == {"asterisk"}


def test_single_row_map(engine):
    (mi,) = engine.lookup("22298006")
    assert (mi.system, mi.version, mi.target, mi.display, mi.default, mi.classifiable) == (
        "ICD-10",
        "5th Edition",
        "I219",
        "I21.9",
        True,
        True,
    )
    assert mi.advice == "ALWAYS I21.9" and mi.title == "Acute myocardial infarction, unspecified"
    assert mi.refset_id == "999002271000000101" and "UKClinical" in mi.release
    assert engine.lookup("59621000")[0].display == "I10"


def test_dagger_and_asterisk_groups(engine):
    rows = engine.lookup("4855003")
    assert [(r.group, r.display, r.kind, r.default) for r in rows] == [
        (1, "E14.3†", "dagger", True),
        (2, "H36.0*", "asterisk", True),
    ]


def test_not_in_scope_is_never_a_code(engine):
    (row,) = engine.lookup("160245001")
    assert row.target == "#NIS" and row.classifiable is False and row.display is None and row.kind is None
    assert row.advice == "Not in scope of the classification"


def test_systems_and_opcs(engine):
    both = engine.lookup("80146002")
    assert [(r.system, r.version, r.display, r.title) for r in both] == [
        ("OPCS-4", "4.11", "H01.9", "Unspecified emergency excision of appendix")
    ]
    colon = engine.lookup("73761001", "OPCS-4")
    assert [r.priority for r in colon] == [1, 2, 3, 4] and [r.default for r in colon] == [False] * 3 + [True]
    intl = engine.lookup("84114007", "ICD-10 (International)")
    assert [(r.display, r.rule.split(" ")[0], r.default) for r in intl] == [
        ("P29.0", "IFA", False),
        ("I50.9", "OTHERWISE", True),
    ]
    assert all(r.system == "ICD-10" for r in engine.lookup("84114007"))  # UK map only by default
    with pytest.raises(MapError, match="READ"):
        engine.lookup("84114007", "READ")


def test_unknown_sctid_returns_empty(engine):
    assert engine.lookup("999999999") == []
    assert engine.lookup_many(["999999999", "22298006"])["999999999"] == []


def test_preload_gives_the_same_rows(engine, store):
    ids = ["84114007", "22298006", "4855003", "160245001", "80146002", "73761001", "1", "233604007"]
    lazy = {s: engine.lookup(s) for s in ids}
    pre = MapEngine(store, preload=True)
    assert {s: pre.lookup(s) for s in ids} == lazy
    assert pre.lookup_many(ids) == lazy


def test_lookups_as_met_work_from_threads_and_forked_workers(engine, store):
    """The pipeline looks SCTIDs up as it meets them (no preload at start-up): from the service's
    threads, and from forked workers, which must not share the parent's SQLite connection."""
    import os
    import threading

    ids = ["84114007", "22298006", "4855003"]
    expected = {s: MapEngine(store, preload=True).lookup(s) for s in ids}
    assert engine.lookup("84114007") == expected["84114007"]  # the parent has used its connection
    got = {}
    worker = threading.Thread(target=lambda: got.update(engine.lookup_many(ids[1:])))
    worker.start()
    worker.join()
    assert got == {s: expected[s] for s in ids[1:]}
    fresh = MapEngine(store)
    fresh.lookup("84114007")
    pid = os.fork()
    if pid == 0:
        ok = fresh.lookup_many(ids) == expected and getattr(fresh.store, "_sqlite", (os.getpid(),))[0] == os.getpid()
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_provenance(engine):
    prov = engine.provenance()
    assert prov["illustrative"] is False and prov["opcs_version"] == "4.11"
    assert prov["refsets"]["ICD-10"] == {"refset_id": "999002271000000101", "version": "5th Edition"}
    assert prov["refsets"]["OPCS-4"]["version"] == "4.11"
    assert "SnomedCT_UKClinicalRF2_PRODUCTION_20241120T000001Z" in prov["folders"]
    assert prov["titles"] == {"ICD-10": 24, "OPCS-4": 6}


def test_empty_store_is_an_error(tmp_path):
    with pytest.raises(MapError, match="no imported maps.*maps import"):
        MapEngine(tmp_path / "empty.sqlite")


# ---- property tests --------------------------------------------------------------------------
ICD_TARGETS = st.sampled_from(["I509", "I500", "E143D", "H360A", "#NIS", "#NC", "I10X", "J189"])


@st.composite
def map_rows(draw, sctid="84114007"):
    """Rows of one concept: blocks -> groups -> unique priorities (as a snapshot holds them)."""
    rows = []
    for block in range(1, draw(st.integers(1, 3)) + 1):
        for group in range(1, draw(st.integers(1, 3)) + 1):
            prios = draw(st.lists(st.integers(1, 25), min_size=1, max_size=16, unique=True))
            for p in prios:
                rows.append(
                    {
                        "sctid": sctid,
                        "refset_id": "999002271000000101",
                        "map_block": block,
                        "map_group": group,
                        "map_priority": p,
                        "map_target": draw(ICD_TARGETS),
                        "map_advice": "A",
                        "map_rule": "",
                    }
                )
    random.Random(draw(st.integers(0, 10_000))).shuffle(rows)
    return rows


@given(map_rows())
def test_engine_ordering_and_completeness(raw):
    rows = build_rows(raw, "ICD-10", "5th Edition")
    keys = [(r.block, r.group, r.priority) for r in rows]
    assert keys == sorted(keys)  # integer order, whatever order the store returned
    assert sorted(
        (r["map_block"], r["map_group"], r["map_priority"], r["map_target"]) for r in raw
    ) == sorted((r.block, r.group, r.priority, r.target) for r in rows)  # nothing lost, nothing invented
    groups = {(r.block, r.group) for r in rows}
    for block, group in groups:
        members = [r for r in rows if (r.block, r.group) == (block, group)]
        defaults = [r for r in members if r.default]
        if block == 1:
            assert len(defaults) == 1 and defaults[0].priority == max(r.priority for r in members)
        else:
            assert defaults == []
    for r in rows:
        assert r.classifiable == (not r.target.startswith("#"))
        assert (r.display is None) == (not r.classifiable)


def _write_release(root: Path, raw: list[dict]) -> Path:
    folder = root / "SnomedCT_UKClinicalRF2_PRODUCTION_20241120T000001Z" / "Snapshot"
    (folder / "Terminology").mkdir(parents=True)
    (folder / "Refset" / "Map").mkdir(parents=True)
    (folder / "Terminology" / "sct2_Concept_UKCLSnapshot_GB1000000_20241120.txt").write_bytes(
        b"id\teffectiveTime\tactive\tmoduleId\tdefinitionStatusId\r\n"
        b"84114007\t20240701\t1\t900000000000207008\t900000000000074008\r\n"
    )
    (folder / "Terminology" / "sct2_Description_UKCLSnapshot-en_GB1000000_20241120.txt").write_bytes(
        b"id\teffectiveTime\tactive\tmoduleId\tconceptId\tlanguageCode\ttypeId\tterm\tcaseSignificanceId\r\n"
        b"121589010\t20240701\t1\t900000000000207008\t84114007\ten\t900000000000003001\t"
        b"Heart failure (disorder)\t900000000000448009\r\n"
    )
    lines = [
        "id\teffectiveTime\tactive\tmoduleId\trefsetId\treferencedComponentId\tmapGroup\tmapPriority\tmapRule\t"
        "mapAdvice\tmapTarget\tcorrelationId\tmapBlock"
    ]
    for i, r in enumerate(raw):
        lines.append(
            f"id-{i}\t20241120\t1\t999000041000000102\t{r['refset_id']}\t{r['sctid']}\t{r['map_group']}\t"
            f"{r['map_priority']}\t\t{r['map_advice']}\t{r['map_target']}\t447561005\t{r['map_block']}"
        )
    (
        folder / "Refset" / "Map" / "der2_iisssciRefset_ExtendedMapUKCLSnapshot_GB1000000_20241120.txt"
    ).write_bytes(("\r\n".join(lines) + "\r\n").encode())
    return root


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=map_rows())
def test_round_trip_through_sqlite(tmp_path_factory, raw):
    """Rows written as an RF2 file, imported into SQL and looked up come back complete and ordered."""
    root = _write_release(tmp_path_factory.mktemp("rel"), raw)
    store = MapStore(root / "maps.sqlite")
    store.import_release(root)
    rows = MapEngine(store).lookup("84114007")
    assert rows == build_rows(raw, "ICD-10", "5th Edition", release=rows[0].release)
    assert [(r.block, r.group, r.priority) for r in rows] == sorted(
        (r.block, r.group, r.priority) for r in rows
    )
