"""The organism beside the infection: B95-B97 codes, J13-J15 for a pneumonia; never for a negative culture."""
from __future__ import annotations

from pathlib import Path

import pytest

from coding_toolkit.records import AnnotatedMention, ContextLabels, FilterDecision, Mention
from coding_toolkit.suggest import CodingRules, suggestions_for
from coding_toolkit.suggest.rule_sections import OrganismCodes

from .helpers import kept, row

UTI = [row("68566005", "N390")]
CELLULITIS = [row("128045006", "L039")]
PNEUMONIA = [row("233604007", "J189")]
SEPSIS_E_COLI = [row("1090711000000102", "A415")]
STEMI = [row("401303003", "I213")]
RULES = CodingRules.load()
OFF = CodingRules.load(overrides={"organism_codes": False})
ROOT = Path(__file__).resolve().parents[2]


def _organism(text, start, sctid, *, reason="attribute value: evidence for refinement, not coded",
              negation="Affirmed", temporality="Recent"):
    return AnnotatedMention(
        Mention(start=start, end=start + len(text), text=text, sctid=sctid, name=text, confidence=1.0),
        ContextLabels(negation=negation, temporality=temporality), FilterDecision("filtered", reason), ())


def _codes(text, mentions, rules=RULES):
    return [s.code for s in suggestions_for(mentions, rules, text=text)]


def _at(text, words):
    return text.index(words)


def test_uti_with_e_coli_grown_gets_b96_2_after_the_infection():
    text = "Diagnosis: urinary tract infection.\nUrine culture grew E. coli, sensitive to nitrofurantoin."
    mentions = [kept("urinary tract infection", _at(text, "urinary"), UTI),
                _organism("E. coli", _at(text, "E. coli"), "112283007")]
    out = suggestions_for(mentions, RULES, text=text)
    assert [s.code for s in out] == ["N390", "B962"]
    added = out[1]
    assert added.chosen_because == ("'E. coli' stated with infection N39.0: "
                                    "Escherichia coli as the cause of diseases classified to other chapters")
    assert added.evidence == (1,) and added.sctids == ("112283007", "68566005")
    assert added.never_primary and "B95-B97" in added.never_primary
    assert _codes(text, mentions, OFF) == ["N390"]


@pytest.mark.parametrize("text,infection,codes", [
    # an organism name in the text, no linked concept (Pseudomonas is not a starter-pack concept)
    ("Pseudomonas urinary tract infection, positive culture sensitive to ciprofloxacin.", ("urinary tract infection", UTI),
     ["N390", "B965"]),
    ("Left leg cellulitis. Wound swab: Staph aureus.", ("cellulitis", CELLULITIS), ["L039", "B956"]),
    ("Left leg cellulitis. Wound swab: MRSA.", ("cellulitis", CELLULITIS), ["L039", "B956", "U821"]),
    ("Cellulitis of the foot, swab grew E.coli", ("Cellulitis", CELLULITIS), ["L039", "B962"]),
    # pneumonia: the organism's own category, J18 superseded (specificity), no B code
    ("Community-acquired pneumonia. Sputum culture: Klebsiella pneumoniae.", ("pneumonia", PNEUMONIA), ["J150"]),
    ("Pneumonia; blood cultures grew Streptococcus pneumoniae.", ("Pneumonia", PNEUMONIA), ["J13X"]),
])
def test_organism_named_in_the_text(text, infection, codes):
    words, rows = infection
    mentions = [kept(words, _at(text, words), rows)]
    assert _codes(text, mentions) == codes
    assert _codes(text, mentions, OFF) == [rows[0].target]


@pytest.mark.parametrize("text", [
    "Urinary tract infection treated empirically. Urine culture: no growth of E. coli.",
    "Urinary tract infection. Blood cultures negative for E. coli.",
    "Urinary tract infection. Urine culture: E. coli, likely contaminant.",
    "Urinary tract infection. Previous urine cultures have shown E. coli.",
    "Urinary tract infection. Started on piperacillin-tazobactam to cover Pseudomonas.",
    "Urinary tract infection. ?E. coli - awaiting culture.",
    "Urinary tract infection. Urine culture: no growth.",
    "Urinary tract infection. He had pneumococcal vaccination three years ago.",
    "Urinary tract infection. MRSA screen sent.",
    "Urinary tract infection. Known to be MRSA colonised.",
])
def test_no_organism_code_for_a_negative_past_or_possible_organism(text):
    mentions = [kept("Urinary tract infection", 0, UTI)]
    assert _codes(text, mentions) == ["N390"]


def test_the_context_labels_of_the_organism_mention_decide():
    text = "Urinary tract infection. Mother had E. coli sepsis."
    for labels in ({"negation": "Negated"}, {"temporality": "Historical"}):
        mentions = [kept("Urinary tract infection", 0, UTI), _organism("E. coli", _at(text, "E. coli"), "112283007",
                                                                       **labels)]
        assert _codes(text, mentions) == ["N390"]


def test_never_when_the_infection_code_names_the_organism_or_the_organism_was_composed_into_it():
    # refinement composed "sepsis" + "E. coli" into Sepsis caused by E. coli (A41.5): the organism is consumed
    text = "Sepsis secondary to urinary tract infection (E. coli in blood cultures)."
    mentions = [kept("Sepsis", 0, SEPSIS_E_COLI, reason="refined from 'Sepsis' + 'E. coli'"),
                kept("urinary tract infection", _at(text, "urinary"), UTI),
                _organism("E. coli", _at(text, "E. coli"), "112283007", reason="refined into 1090711000000102")]
    assert _codes(text, mentions) == ["A415", "N390"]
    # the organism's words inside another concept's name belong to that concept ("pneumococcal pneumonia" J13)
    text = "Pneumococcal pneumonia. Urinary tract infection."
    mentions = [kept("Pneumococcal pneumonia", 0, [row("195878008", "J13X")]),
                kept("Urinary tract infection", _at(text, "Urinary"), UTI)]
    assert _codes(text, mentions) == ["J13X", "N390"]
    # an organism with no infection of the table: nothing (A chapter codes name their organism)
    text = "Inferior STEMI. MRSA screen positive."
    assert _codes(text, [kept("Inferior STEMI", 0, STEMI)]) == ["I213"]


def test_the_named_staphylococcus_supersedes_the_unspecified_one():
    text = "Left leg cellulitis. Wound swab grew Staph aureus. Staph sensitive to flucloxacillin."
    out = suggestions_for([kept("cellulitis", _at(text, "cellulitis"), CELLULITIS)], RULES, text=text)
    assert [s.code for s in out] == ["L039", "B956"]
    assert [(a.code, a.reason) for a in out[1].alternatives] == [("B958", "superseded by B95.6")]


def test_an_organism_code_the_map_already_gives_is_not_added_twice():
    text = "Urinary tract infection. E. coli grown."
    mentions = [kept("Urinary tract infection", 0, UTI), kept("E. coli", _at(text, "E. coli"),
                                                               [row("112283007", "B962")])]
    assert _codes(text, mentions).count("B962") == 1


def test_every_code_of_the_table_is_a_valid_icd10_code():
    valid = set((ROOT / "mappings/illustrative/valid_codes/icd10_5th_edition_codes.txt").read_text().split())
    section = RULES.section(OrganismCodes)
    codes = {c for codes, pneumonia, *_ in section.organisms for c in (*codes, pneumonia) if c}
    assert codes and codes <= valid
    assert all(c[0] == "J" for _codes_, c, *_ in section.organisms if c)


def test_a_bad_table_is_an_error_naming_the_field(tmp_path):
    import json

    from coding_toolkit.errors import ContextRuleError
    from coding_toolkit.suggest.config import DEFAULT_RULES_FILE
    data = json.loads(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))
    data["organism_codes"]["organisms"][0]["codes"] = ["B96.2"]
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ContextRuleError, match=r"organism_codes.organisms\[0\].codes.*fix"):
        CodingRules.load(path)
