"""The RF2 release reader against the tiny committed fixtures (real files, no mocks)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from coding_toolkit.errors import ReleaseError
from coding_toolkit.terminology import Release

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
UK = "SnomedCT_UKClinicalRF2_PRODUCTION_20241120T000001Z"
INT = "SnomedCT_InternationalRF2_PRODUCTION_20240701T120000Z"


@pytest.fixture(scope="module")
def release(rf2_release) -> Release:
    return Release(rf2_release)


@pytest.fixture(scope="module")
def entries(release) -> dict:
    return {e.sctid: e for e in release.concept_entries()}


@pytest.fixture
def release_copy(tmp_path, rf2_release) -> Path:
    dest = tmp_path / "rel"
    shutil.copytree(rf2_release, dest)
    return dest


def _append(path: Path, line: str) -> None:
    with open(path, "a", encoding="utf-8", newline="") as fh:
        fh.write(line + "\r\n")


def test_finds_both_folders_and_parses_provenance(release):
    info = release.info()
    assert info["folders"] == [INT, UK]
    assert info["release_dates"] == ["2024-07-01", "2024-11-20"]
    assert "999000011000000103" in info["module_ids"] and "900000000000207008" in info["module_ids"]
    assert info["illustrative"] is False


def test_single_release_folder_is_accepted(rf2_release):
    rel = Release(rf2_release / INT)
    assert rel.folders == [rf2_release / INT]
    ids = {e.sctid for e in rel.concept_entries()}
    assert "22298006" in ids and "160245001" not in ids  # the UK-only concept lives in the UK folder


def test_uk_preferred_term_wins_over_gb_and_us(entries):
    assert entries["80146002"].preferred_term == "Appendicectomy"  # GB/UK, not US "Appendectomy"
    assert entries["4855003"].preferred_term == "Diabetic retinopathy"  # UK clinical beats GB
    assert entries["267036007"].preferred_term == "Dyspnoea"
    assert entries["44054006"].preferred_term == "Type 2 diabetes mellitus"
    assert entries["22298006"].preferred_term == "Myocardial infarction"


def test_synonyms_are_acceptable_terms_plus_bare_fsn(entries):
    mi = entries["22298006"]
    assert "Heart attack" in mi.synonyms and "Cardiac infarction" in mi.synonyms
    assert mi.preferred_term not in mi.synonyms
    assert len(mi.synonyms) == len(set(mi.synonyms))
    t2 = entries["44054006"]
    assert "Diabetes mellitus type 2" in t2.synonyms  # FSN without its tag
    assert entries["84114007"].fsn == "Heart failure (disorder)"
    assert entries["84114007"].semantic_tag == "disorder"
    assert "Heart failure NOS" not in entries["84114007"].synonyms  # inactive description


def test_literal_quote_and_crlf(entries):
    assert 'Colonoscopy "lower GI endoscopy"' in entries["73761001"].synonyms
    for e in entries.values():
        for term in (e.preferred_term, e.fsn, *e.synonyms):
            assert "\r" not in term and "\n" not in term


def test_inactive_and_full_only_concepts_never_appear(release, entries):
    assert "155574008" not in entries  # inactive concept
    assert "999999999" not in entries  # only in Full/, which is never read
    assert not release.is_active("155574008")
    assert "155574008" not in release.children("49601007")


def test_tags_filter(release):
    procs = {e.sctid for e in release.concept_entries(tags=["procedure"])}
    assert procs == {"71388002", "387713003", "80146002", "73761001"}
    both = list(release.concept_entries(tags=["procedure", "situation"]))
    assert {e.semantic_tag for e in both} == {"procedure", "situation"}


def test_hierarchy(release):
    assert release.parents("22298006") == {"414545008"}
    assert release.children("50043002") == {"233604007", "195967001"}
    assert release.parents("195967001") == {"50043002"}  # the inactive is-a to digestive is ignored
    assert release.descendants("49601007") == {
        "56265001",
        "414545008",
        "84114007",
        "22298006",
        "38341003",
        "59621000",
    }
    assert "80146002" in release.descendants("71388002")
    assert release.descendants("84114007") == set()


def test_descendants_of_selects_concept_and_descendants(release):
    ids = [e.sctid for e in release.concept_entries(descendants_of=["73211009"])]
    assert ids == sorted(ids, key=int)
    assert set(ids) == {"73211009", "44054006", "4855003"}
    only = {e.sctid for e in release.concept_entries(tags=["disorder"], descendants_of=["404684003"])}
    assert "29857009" not in only and "84114007" in only and "404684003" not in only


def test_small_chunks_give_identical_entries(rf2_release, entries):
    chunked = {e.sctid: e for e in Release(rf2_release, chunksize=3).concept_entries()}
    assert chunked == entries


def test_monolith_layout_matches_edition_layout(entries):
    mono = {e.sctid: e for e in Release(FIXTURES / "rf2_mono").concept_entries()}
    assert mono == entries


def test_map_files_found_in_each_naming_style(release):
    names = sorted(p.name for p in release.map_files())
    assert names == [
        "der2_iisssccRefset_ExtendedMapSnapshot_INT_20240701.txt",
        "der2_iisssciRefset_ExtendedMapSnapshot_GB1000000_20241120.txt",
        "der2_iisssciRefset_ExtendedMapUKCLSnapshot_GB1000000_20241120.txt",
    ]
    mono = Release(FIXTURES / "rf2_mono").map_files()
    assert [p.name for p in mono] == ["der2_iisssciRefset_ExtendedMapMONOSnapshot_GB_20241120.txt"]


def test_latest_effective_time_wins_across_folders(release_copy):
    uk_concepts = next((release_copy / UK / "Snapshot" / "Terminology").glob("sct2_Concept_*"))
    _append(uk_concepts, "195967001\t20241120\t0\t900000000000207008\t900000000000074008")  # Asthma retired
    rel = Release(release_copy)
    ids = {e.sctid for e in rel.concept_entries()}
    assert "195967001" not in ids and "233604007" in ids
    assert rel.children("50043002") == {"233604007"}


def test_without_language_refsets_falls_back_to_fsn(release_copy):
    for folder in (INT, UK):
        shutil.rmtree(release_copy / folder / "Snapshot" / "Refset" / "Language")
    e = {x.sctid: x for x in Release(release_copy).concept_entries()}
    assert e["80146002"].preferred_term == "Excision of appendix"
    assert "Appendicectomy" in e["80146002"].synonyms and "Appendectomy" in e["80146002"].synonyms


@pytest.mark.parametrize("make", ["missing", "empty", "file", "no_concepts"])
def test_bad_release_folder(tmp_path, release_copy, make):
    if make == "missing":
        path = tmp_path / "nope"
    elif make == "empty":
        path = tmp_path / "empty"
        path.mkdir()
    elif make == "file":
        path = tmp_path / "release.zip"
        path.write_bytes(b"PK")
    else:
        for folder in (INT, UK):
            for f in (release_copy / folder / "Snapshot" / "Terminology").glob("sct2_Concept_*"):
                f.unlink()
        path = release_copy
    with pytest.raises(ReleaseError) as err:
        Release(path)
    assert str(path) in str(err.value) and "fix:" in str(err.value)


def test_row_with_extra_field_names_file_and_line(release_copy):
    desc = next((release_copy / INT / "Snapshot" / "Terminology").glob("sct2_Description_*"))
    lines = desc.read_text(encoding="utf-8").count("\n")
    _append(
        desc, "9990011\t20240701\t1\t900000000000207008\t22298006\ten\t900000000000013009\tMI\t900\textra"
    )
    with pytest.raises(ReleaseError, match=rf"{desc.name}:{lines + 1}.*fields"):
        list(Release(release_copy).concept_entries())


def test_non_integer_concept_id_names_field(release_copy):
    desc = next((release_copy / INT / "Snapshot" / "Terminology").glob("sct2_Description_*"))
    lines = desc.read_text(encoding="utf-8").count("\n")
    _append(
        desc, "9990011\t20240701\t1\t900000000000207008\tMI\ten\t900000000000013009\tMI\t900000000000448009"
    )
    with pytest.raises(ReleaseError, match=rf"{desc.name}:{lines + 1} field 'conceptId'"):
        list(Release(release_copy).concept_entries())


def test_missing_header_column(release_copy):
    rel_file = next((release_copy / INT / "Snapshot" / "Terminology").glob("sct2_Relationship_*"))
    text = rel_file.read_text(encoding="utf-8").replace("destinationId", "target", 1)
    rel_file.write_text(text, encoding="utf-8", newline="")
    with pytest.raises(ReleaseError, match="destinationId"):
        Release(release_copy).parents("22298006")


def test_concept_lookup(release, entries):
    assert release.concept("22298006") == entries["22298006"]
    with pytest.raises(ReleaseError, match="155574008 is not an active concept"):
        release.concept("155574008")
