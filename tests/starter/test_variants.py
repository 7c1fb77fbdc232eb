"""Name-variant rules: UK spellings, 'X of Y' word order, abbreviations, idempotence, bad rule files."""
from __future__ import annotations

import json

import pytest

from coding_toolkit.errors import ReleaseError
from coding_toolkit.records import ConceptEntry
from coding_toolkit.terminology.variants import generate_variants, load_variant_rules


def variants(sctid: str, term: str, tag: str = "disorder") -> list[str]:
    return generate_variants(ConceptEntry(sctid=sctid, preferred_term=term, fsn=f"{term} ({tag})",
                                          semantic_tag=tag))


@pytest.mark.parametrize("term, uk", [
    ("Laparoscopic appendectomy", "laparoscopic appendicectomy"),
    ("Upper gastrointestinal hemorrhage", "upper gastrointestinal haemorrhage"),
    ("Pulmonary edema", "pulmonary oedema"),
    ("Iron deficiency anemia", "iron deficiency anaemia"),
    ("Carcinoma of upper third of esophagus", "carcinoma of upper third of oesophagus"),
    ("Transient ischemic attack", "transient ischaemic attack"),
    ("Hypokalemia", "hypokalaemia"),
    ("Diarrhea", "diarrhoea"),
    ("Gastroesophageal reflux disease", "gastro-oesophageal reflux disease"),
    ("Benign tumor", "benign tumour"),
    ("Melena", "melaena"),
])
def test_uk_spellings(term, uk):
    assert uk in variants("1", term)


@pytest.mark.parametrize("term, forbidden", [
    ("Hemiplegia", "haem"),  # 'hemi-' is not 'haemo-'
    ("Fetal distress", "foet"),  # the NHS keeps 'fetal'
    ("Systemic lupus erythematosus", "systaemic"),  # not an '-aemic' blood word
    ("Epidemic vertigo", "epidaemic"),
])
def test_words_that_must_not_change(term, forbidden):
    assert not any(forbidden in v for v in variants("1", term))


def test_uk_spelling_is_idempotent():
    out = variants("1", "Esophagogastroduodenoscopy", "procedure")
    assert "oesophagogastroduodenoscopy" in out
    assert not any("ooes" in v for v in out)


def test_x_of_y_word_order():
    out = variants("5913000", "Fracture of neck of femur")
    assert "neck of femur fracture" in out
    assert "femoral neck fracture" in out
    assert "inguinal hernia repair" in variants("44558001", "Repair of inguinal hernia", "procedure")
    assert "cataract extraction" in variants("54885007", "Extraction of cataract", "procedure")


def test_x_of_y_skips_garbling_cases():
    out = variants("8422009", "Destruction of hemorrhoids by sclerotherapy", "procedure")
    assert not any(v.endswith("destruction") for v in out)
    assert not any(v.startswith("stroke history") for v in variants("1", "History of stroke", "situation"))


def test_abbreviations_keep_case_and_are_per_concept():
    assert {"MI", "heart attack"} <= set(variants("22298006", "Myocardial infarction"))
    assert {"T2DM", "type 2 diabetes"} <= set(variants("44054006", "Diabetes mellitus type 2"))
    assert "COPD" in variants("13645005", "Chronic obstructive lung disease")
    assert "TIA" in variants("266257000", "Transient ischemic attack")
    assert "DVT" in variants("128053003", "Deep venous thrombosis")
    assert "MI" not in variants("84114007", "Heart failure")


def test_ambiguous_abbreviations_are_not_shipped():
    rules = load_variant_rules()
    shipped = {name for names in rules.abbreviations.values() for name in names}
    assert not shipped & {"PE", "RA", "MS", "HF", "CP", "DM", "AS"}


def test_qualifier_stripping():
    assert "acute kidney injury" in variants("14669001", "Acute renal failure syndrome")
    assert "hypertension" in variants("38341003", "Hypertensive disorder, systemic arterial")
    out = variants("709044004", "Chronic kidney disease")
    assert "chronic kidney" not in out  # ' disease' is never stripped


def test_no_duplicates_and_no_own_names():
    entry = ConceptEntry(sctid="80146002", preferred_term="Excision of appendix",
                         fsn="Excision of appendix (procedure)", semantic_tag="procedure",
                         synonyms=("Appendicectomy",))
    out = generate_variants(entry)
    assert len(out) == len({v.lower() for v in out})
    assert "appendicectomy" not in [v.lower() for v in out]  # already a synonym


def test_abbreviation_sctids_are_gps_concepts(gps_ids):
    rules = load_variant_rules()
    assert set(rules.abbreviations) <= gps_ids


def test_bad_rule_file_names_field_and_fix(tmp_path):
    bad = tmp_path / "rules.json"
    bad.write_text(json.dumps({"spelling": [["(unclosed", "x"]]}), encoding="utf-8")
    with pytest.raises(ReleaseError, match=r"spelling\[0\].*bad regular expression.*fix"):
        load_variant_rules(bad)
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ReleaseError, match=r"rules.json:1.*invalid JSON"):
        load_variant_rules(bad)
