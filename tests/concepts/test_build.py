"""A tiny pack built from the RF2 fixture: names, preferred terms, inactive content, maps, provenance."""
from __future__ import annotations

import json

import pytest

from coding_toolkit.concepts.build import build_pack, name_rows, strip_tag, type_of
from coding_toolkit.errors import PackError
from coding_toolkit.records import ConceptEntry


def test_name_rows_preferred_first_fsn_without_tag_and_deduplicated():
    entry = ConceptEntry("84114007", "Heart failure", "Heart failure (disorder)", "disorder",
                         ("Cardiac failure", "heart failure", ""))
    rows = list(name_rows(entry))
    assert rows == [("84114007", "Heart failure", "P", "T-DISORDER"),
                    ("84114007", "Cardiac failure", "A", "T-DISORDER")]


def test_strip_tag_and_type_table():
    assert strip_tag("Hypertensive disorder, systemic arterial (disorder)") == "Hypertensive disorder, systemic arterial"
    assert strip_tag("No tag") == "No tag"
    assert type_of("procedure") == ("T-PROCEDURE", "Procedure")
    assert type_of("new tag")[0] == "T-NEW_TAG"


def test_preferred_terms_and_synonyms(loaded_pack):
    cdb = loaded_pack.cat.cdb
    mi = cdb.cui2info["22298006"]
    assert mi["preferred_name"] == "Myocardial infarction"
    assert {"heart~attack", "cardiac~infarction", "myocardial~infarction"} <= mi["names"]
    # UK preferred term, not the FSN, is the preferred name; the FSN without its tag is another name
    assert cdb.cui2info["38341003"]["preferred_name"] == "Hypertensive disorder"
    assert "hypertensive~disorder~systemic~arterial" in cdb.cui2info["38341003"]["names"]
    assert cdb.cui2info["80146002"]["type_ids"] == {"T-PROCEDURE"}
    assert cdb.type_id2info["T-DISORDER"].name == "Disorder"


def test_inactive_concepts_and_descriptions_absent(loaded_pack):
    cdb = loaded_pack.cat.cdb
    assert "155574008" not in cdb.cui2info  # inactive concept
    assert "heart~failure~nos" not in cdb.name2info  # inactive description of an active concept


def test_annotate_returns_mentions_without_nested_duplicates(loaded_pack):
    text = "Known essential hypertension. Heart attack in 2019."
    mentions = loaded_pack.annotate(text)
    assert [(m.sctid, text[m.start:m.end]) for m in mentions] == [
        ("59621000", "essential hypertension"), ("22298006", "Heart attack")]
    assert mentions[1].name == "Myocardial infarction"
    assert isinstance(mentions[1].confidence, float) and mentions[1].type_ids == ("T-DISORDER",)
    assert loaded_pack.annotate_many([text, ""]) == [mentions, []]


def test_maps_travel_with_the_pack(loaded_pack):
    from coding_toolkit.mapping.engine import MapEngine

    defaults = [r.target for r in MapEngine(loaded_pack.maps_url).lookup("22298006") if r.default]
    assert defaults == ["I219"]


def test_provenance(loaded_pack, tiny_pack):
    prov = json.loads((tiny_pack / "pack.json").read_text())
    assert prov["release"]["folders"] == ["SnomedCT_InternationalRF2_PRODUCTION_20240701T120000Z",
                                          "SnomedCT_UKClinicalRF2_PRODUCTION_20241120T000001Z"]
    assert prov["release"]["release_dates"] == ["2024-07-01", "2024-11-20"]
    assert prov["versions"]["medcat"].startswith("2.")
    assert prov["spell_check"] is False and prov["tokenizer"] == "regex"
    assert prov["vocab"]["documents"] == 12 and prov["vocab"]["limitation"] is None
    assert prov["maps"]["provenance"]["refsets"]["ICD-10"]["refset_id"] == "999002271000000101"
    assert prov["maps"]["illustrative"] is False
    assert prov["counts"]["concepts"] == len(loaded_pack.cat.cdb.cui2info)
    assert loaded_pack.hash == prov["content_hash"]
    assert loaded_pack.cat.config.general.nlp.provider == "regex"


@pytest.mark.slow
def test_build_without_notes_states_the_limitation(tmp_path):
    entries = [ConceptEntry("22298006", "Myocardial infarction", "Myocardial infarction (disorder)", "disorder",
                            ("Heart attack",))]
    out = build_pack(entries, tmp_path / "p")
    prov = json.loads((out / "pack.json").read_text())
    assert prov["vocab"]["documents"] == 0 and "concept names only" in prov["vocab"]["limitation"]
    assert prov["maps"]["source"] is None


def test_build_refuses_no_concepts_and_non_empty_out(tmp_path):
    with pytest.raises(PackError, match="no concepts"):
        build_pack([], tmp_path / "empty")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x").write_text("x")
    with pytest.raises(PackError, match="not empty"):
        build_pack([ConceptEntry("1", "A name")], tmp_path / "busy")


def test_release_packs_get_only_the_safe_name_variants(tiny_pack, rf2_release, tmp_path):
    """A trust's release gets spelling/possessive/plural variants, switchable; no clinical paraphrases."""
    import json

    from coding_toolkit.concepts.build import build_pack_from_release
    from coding_toolkit.concepts.pack import load_pack

    with_variants = load_pack(tiny_pack)
    names = with_variants.cat.cdb.name2info
    assert "kidney~diseases" in names and "renal~diseases" in names  # plural of the release's own names
    prov = json.loads((tiny_pack / "pack.json").read_text(encoding="utf-8"))
    assert prov["name_variants"] == ["plural", "possessive", "spelling"]
    plain = load_pack(build_pack_from_release(rf2_release, tmp_path / "plain", name_variants=False))
    assert "kidney~diseases" not in plain.cat.cdb.name2info
    assert "kidney~disease" in plain.cat.cdb.name2info
    assert len(plain.cat.cdb.name2info) < len(names)
