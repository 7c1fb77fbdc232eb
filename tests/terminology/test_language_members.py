"""Language refset members are read by member id (a tiny release written here, no shared fixture)."""
from __future__ import annotations

from pathlib import Path

from coding_toolkit.terminology.release import Release
from coding_toolkit.terminology.rf2 import semantic_tag, strip_tag

MOD, DATE = "999000011000000103", "20241120"
FSN, SYN = "900000000000003001", "900000000000013009"
PREF, ACC = "900000000000548007", "900000000000549004"
UK_CLIN = "999001261000000100"


def _write(path: Path, header: str, rows: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join([header, *rows]) + "\r\n").encode("utf-8"))


def _release(root: Path, language_rows: list[str]) -> Release:
    snap = root / f"SnomedCT_UKClinicalRF2_PRODUCTION_{DATE}T000001Z" / "Snapshot"
    _write(snap / "Terminology" / f"sct2_Concept_UKCLSnapshot_GB1000000_{DATE}.txt",
           "id\teffectiveTime\tactive\tmoduleId\tdefinitionStatusId",
           [f"84114007\t{DATE}\t1\t{MOD}\t900000000000074008"])
    desc = [("11", FSN, "Heart failure (disorder)"), ("12", SYN, "Cardiac failure"),
            ("13", SYN, "Weak heart"), ("14", SYN, "Old name")]
    _write(snap / "Terminology" / f"sct2_Description_UKCLSnapshot-en_GB1000000_{DATE}.txt",
           "id\teffectiveTime\tactive\tmoduleId\tconceptId\tlanguageCode\ttypeId\tterm\tcaseSignificanceId",
           [f"{i}\t{DATE}\t1\t{MOD}\t84114007\ten\t{t}\t{term}\t900000000000448009" for i, t, term in desc])
    _write(snap / "Refset" / "Language" / f"der2_cRefset_LanguageUKCLSnapshot-en_GB1000000_{DATE}.txt",
           "id\teffectiveTime\tactive\tmoduleId\trefsetId\treferencedComponentId\tacceptabilityId",
           language_rows)
    return Release(root)


def _member(uuid: str, time: str, active: int, desc: str, acceptability: str) -> str:
    return f"{uuid}\t{time}\t{active}\t{MOD}\t{UK_CLIN}\t{desc}\t{acceptability}"


def test_new_member_wins_over_a_newer_inactivated_member(tmp_path):
    """Description 12 was preferred under an old member (inactivated in 2024-11) and re-added under a new
    member id (2024-07): the active member counts, although the inactive row is newer."""
    release = _release(tmp_path, [
        _member("aaaaaaaa-0000-0000-0000-000000000001", "20241120", 0, "12", PREF),  # old member, retired
        _member("bbbbbbbb-0000-0000-0000-000000000002", "20240701", 1, "12", PREF),  # its replacement
        _member("cccccccc-0000-0000-0000-000000000003", "20240701", 1, "11", PREF),
        _member("dddddddd-0000-0000-0000-000000000004", "20240701", 1, "13", ACC),
        # a member inactivated with no replacement: its description is no longer a name
        _member("eeeeeeee-0000-0000-0000-000000000005", "20240101", 1, "14", ACC),
        _member("eeeeeeee-0000-0000-0000-000000000005", "20241120", 0, "14", ACC),
    ])
    entry = release.concept("84114007")
    assert entry.preferred_term == "Cardiac failure"
    assert entry.semantic_tag == "disorder"
    assert set(entry.synonyms) == {"Heart failure", "Weak heart"}


def test_one_semantic_tag_parser():
    assert strip_tag("Fracture of neck of femur (disorder)") == "Fracture of neck of femur"
    assert strip_tag("Neoplasm (morphologic abnormality) ") == "Neoplasm"
    assert strip_tag("No tag") == "No tag"
    assert semantic_tag("Neoplasm (morphologic abnormality)") == "morphologic abnormality"
    assert semantic_tag("No tag") == ""
