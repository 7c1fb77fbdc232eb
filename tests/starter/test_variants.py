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


# -- issue 10: every rule has a name and can be switched on and off ---------------------------------
RULE_CASES = [  # rule, sctid, term, tag, a variant only that rule makes
    ("spelling", "1", "Pulmonary edema", "disorder", "pulmonary oedema"),
    ("possessive", "1", "Huntington's chorea", "disorder", "huntington chorea"),
    ("plural", "1", "Renal cell carcinoma", "disorder", "renal cell carcinomas"),
    ("phrase_swaps", "1", "Deep venous thrombosis", "disorder", "deep vein thrombosis"),
    ("paraphrases", "1", "Malignant neoplasm of breast", "disorder", "breast cancer"),
    ("eponyms", "1", "Von Hippel-Lindau syndrome", "disorder", "von hippel-lindau disease"),
    ("strip", "1", "Acute renal failure syndrome", "disorder", "acute renal failure"),
    ("of_word_order", "1", "Fracture of neck of femur", "disorder", "neck of femur fracture"),
    ("abbreviations", "22298006", "Myocardial infarction", "disorder", "MI"),
]


@pytest.mark.parametrize("rule, sctid, term, tag, expected", RULE_CASES, ids=[c[0] for c in RULE_CASES])
def test_each_rule_on_and_off(rule, sctid, term, tag, expected):
    entry = ConceptEntry(sctid=sctid, preferred_term=term, fsn=f"{term} ({tag})", semantic_tag=tag)
    assert expected in generate_variants(entry, load_variant_rules())
    assert expected not in generate_variants(entry, load_variant_rules(disable=[rule]))
    assert expected in generate_variants(entry, load_variant_rules().only(rule))


def test_paraphrases_for_neoplasms_and_lymphomas():
    assert {"ovarian tumour", "ovarian tumor", "tumour of the ovary"} <= set(variants("1", "Neoplasm of ovary"))
    assert {"prostate cancer", "prostatic cancer", "cancer of the prostate"} <= set(
        variants("1", "Malignant tumor of prostate"))
    assert {"tumour", "tumours", "neoplasm", "neoplasia"} <= set(variants("55342001", "Neoplastic disease"))
    assert {"cancer", "malignancy"} <= set(variants("363346000", "Malignant neoplastic disease"))
    assert "lymphoma" in variants("1", "Malignant lymphoma")
    assert {"acute myeloid leukaemia", "acute myeloid leukemia"} <= set(variants("1", "Acute myeloid leukemia, disease"))
    # a site inside a longer 'of' phrase is not guessed at
    assert not any("cancer" in v for v in variants("1", "Malignant neoplasm of endometrium of corpus uteri"))


def test_plural_only_for_countable_heads_of_disorders_and_findings():
    assert "congenital anomalies of heart" in variants("1", "Congenital anomaly of heart")
    assert not any(v.endswith("s") for v in variants("1", "Pneumonia"))
    assert "appendicectomies" not in variants("1", "Appendectomy", "procedure")


def test_eponym_rule_needs_an_eponym():
    assert "huntington disease" in variants("1", "Huntington's chorea")
    assert "prader-willi disease" in variants("1", "Prader-Willi syndrome")
    assert "nephrotic disease" not in variants("1", "Nephrotic syndrome")  # no eponym
    assert "down disease" not in variants("1", "Down syndrome")


def test_disorder_of_site_no_longer_yields_the_bare_site():
    out = variants("79604008", "Disorder of breast")
    assert "breast" not in out and "breast disorder" in out


def test_release_rule_set_is_only_the_safe_general_rules():
    rules = load_variant_rules(rule_set="release")
    assert rules.enabled == {"spelling", "possessive", "plural"}
    entry = ConceptEntry(sctid="1", preferred_term="Huntington's chorea", fsn="Huntington's chorea (disorder)",
                         semantic_tag="disorder")
    out = generate_variants(entry, rules)
    assert "huntington chorea" in out and "huntington disease" not in out
    breast = ConceptEntry(sctid="1", preferred_term="Malignant tumour of breast", semantic_tag="disorder")
    assert "breast cancer" not in generate_variants(breast, rules)
    assert "malignant tumours of breast" in generate_variants(breast, rules)


def test_unknown_rule_or_rule_set_is_a_clear_error():
    with pytest.raises(ReleaseError, match=r"unknown rule 'plurals'.*fix: use one of"):
        load_variant_rules(disable=["plurals"])
    with pytest.raises(ReleaseError, match=r"no rule set 'trust'.*starter, release"):
        load_variant_rules(rule_set="trust")


def test_shared_variants_go_to_one_concept_or_none():
    from coding_toolkit.terminology.variants import share_variants

    terms = {"1": "Malignant tumor of ovary", "2": "Primary malignant neoplasm of ovary", "3": "Cushing's disease",
             "4": "Cushing's syndrome", "5": "Cyst of lung", "6": "Mass of lung"}
    generated = {"1": ["ovarian cancer"], "2": ["ovarian cancer", "primary ovarian cancer"], "3": [],
                 "4": ["cushing disease", "cushing syndrome"], "5": ["lung lesion"], "6": ["lung lesion"]}
    out = share_variants(generated, terms)
    assert out["1"] == ["ovarian cancer"]  # the shorter, more general concept
    assert out["2"] == ["primary ovarian cancer"]
    assert out["4"] == ["cushing syndrome"]  # "cushing disease" is Cushing's disease's own name
    assert out["5"] == [] and out["6"] == []  # a tie: nobody gets the name
