"""Alternatives whose context the note states in words (suggest/stated_context.py): never a guess."""
from coding_toolkit.suggest import CodingRules, suggestions_for

from .helpers import kept, row


def _rows(sctid, choices, default, system="ICD-10"):
    """A map group as the NHS layout gives it: 'IF <context> CHOOSE <code>' per alternative, default last."""
    out = [row(sctid, code, priority=i, default=False, system=system,
               advice=f"IF {context} CHOOSE {code} | EPISODE OF CARE INFORMATION NEEDED")
           for i, (code, context) in enumerate(choices, 1)]
    return out + [row(sctid, default, priority=len(choices) + 1, system=system,
                      advice=f"OTHERWISE {default} | {len(choices)} CONTEXT-SPECIFIC ALTERNATIVES")]


ULCER = _rows("399912005", [("L890", "CATEGORY 1"), ("L891", "CATEGORY 2"), ("L892", "CATEGORY 3"),
                            ("L893", "CATEGORY 4")], "L899")
FALL = _rows("1912002", [("W010", "SLIPPING, TRIPPING OR STUMBLING, AT HOME"),
                         ("W180", "OTHER FALL ON SAME LEVEL, AT HOME"), ("W190", "AT HOME")], "W199")
HIP_OA = _rows("239872002", [("M160", "PRIMARY, BILATERAL"), ("M161", "PRIMARY, UNILATERAL")], "M169")
THR = _rows("52734007", [("W381", "NOT USING CEMENT"), ("W371", "USING CEMENT")], "W391", system="OPCS-4")


def _code(text, words, rows):
    mention = kept(words, text.index(words), rows)
    return suggestions_for([mention], text=text)[0]


def test_stated_category_chooses_the_pressure_ulcer_code_and_keeps_the_default_listed():
    s = _code("Diagnosis:\n3. Category 2 sacral pressure ulcer (present on admission)\n",
              "pressure ulcer", ULCER)
    assert s.code == "L891"
    assert s.chosen_because == "stated in the note: 'Category 2' (category 2)"
    assert {a.code: a.reason for a in s.alternatives}["L899"].startswith("map default; replaced: stated")


def test_category_in_another_clause_or_not_stated_keeps_the_default():
    assert _code("Pressure ulcer on the heel.\nCategory 3 heart failure nurse review.", "Pressure ulcer",
                 ULCER).code == "L899"
    assert _code("Sacral pressure ulcer, dressing applied", "pressure ulcer", ULCER).code == "L899"


def test_the_alternative_stating_most_phrases_wins_and_unknown_phrases_never_match():
    # W01.0 states two phrases (tripping, at home); W19.0 one; W18.0's "other fall on same level" has no pattern
    assert _code("2. Fall at home - tripped on rug in her kitchen; contusion R hip", "Fall", FALL).code == "W010"
    assert _code("Mechanical fall at home, unable to weight bear.", "fall", FALL).code == "W190"
    assert _code("Fall in the supermarket car park.", "Fall", FALL).code == "W199"


def test_primary_unilateral_needs_both_and_bilateral_rules_out_unilateral():
    assert _code("Diagnosis: End-stage primary osteoarthritis L hip", "osteoarthritis L hip", HIP_OA).code == "M161"
    assert _code("Diagnosis: primary osteoarthritis of both hips", "osteoarthritis", HIP_OA).code == "M160"
    assert _code("Diagnosis: osteoarthritis L hip", "osteoarthritis L hip", HIP_OA).code == "M169"
    assert _code("Diagnosis: secondary osteoarthritis R hip after primary repair", "osteoarthritis R hip",
                 HIP_OA).code == "M169"


def test_opcs_cement_words_and_uncemented_is_not_cemented():
    assert _code("Procedure: L uncemented total hip replacement", "total hip replacement", THR).code == "W381"
    assert _code("Procedure: cemented total hip replacement", "total hip replacement", THR).code == "W371"
    assert _code("Procedure: hybrid total hip replacement", "total hip replacement", THR).code == "W391"


def test_switched_off_with_alternatives_from_note():
    rules = CodingRules.load(overrides={"alternatives_from_note": False})
    text = "Category 2 sacral pressure ulcer"
    out = suggestions_for([kept("pressure ulcer", text.index("pressure"), ULCER)], rules, text=text)
    assert out[0].code == "L899" and out[0].chosen_because is None


def test_a_chosen_alternative_that_states_the_side_gets_no_laterality_code():
    # Q22.1 (bilateral salpingo-oophorectomy) says both sides itself; Q23.x (one side) still gets Z94.2/Z94.3
    bso = _rows("116028008", [("Q221", "BILATERAL"), ("Q231", "UNILATERAL")], "Q234", system="OPCS-4")
    text = "Procedure: Total abdominal hysterectomy + bilateral salpingo-oophorectomy via Pfannenstiel"
    out = suggestions_for([kept("salpingo-oophorectomy", text.index("salpingo"), bso)], text=text)
    assert [s.code for s in out] == ["Q221"]
    text = "Procedure: right salpingo-oophorectomy"
    out = suggestions_for([kept("salpingo-oophorectomy", text.index("salpingo"), bso)], text=text)
    assert [s.code for s in out] == ["Q231", "Z942"]


PANCREATITIS = _rows("197456007", [("K851", "BILIARY"), ("K852", "ALCOHOL-INDUCED"), ("K853", "DRUG-INDUCED")], "K859")


def _under_heading(text, words, rows, heading="diagnosis", rules=None):
    """The suggestion for ``words`` stated under ``heading`` (as the context stage gives it)."""
    mention = kept(words, text.index(words), rows)
    return suggestions_for([mention], rules, headings=[heading], text=text)[0]


def test_a_stated_aetiology_chooses_the_pancreatitis_code():
    assert _code("Acute pancreatitis secondary to gallstones, for cholecystectomy", "Acute pancreatitis",
                 PANCREATITIS).code == "K851"
    s = _code("Impression: acute pancreatitis - alcohol-related; CIWA scoring", "acute pancreatitis", PANCREATITIS)
    assert (s.code, s.chosen_because) == ("K852", "stated in the note: 'alcohol-related' (alcohol-induced)")
    # denied, or in another clause: the default stays
    assert _code("Acute pancreatitis, no gallstones on USS", "Acute pancreatitis", PANCREATITIS).code == "K859"
    assert _code("Acute pancreatitis - idiopathic (no biliary cause)", "Acute pancreatitis", PANCREATITIS).code == "K859"
    assert _code("Acute pancreatitis. Sister had gallstones.", "Acute pancreatitis", PANCREATITIS).code == "K859"
    assert _code("Acute pancreatitis; drinks 2 units of alcohol a week", "Acute pancreatitis",
                 PANCREATITIS).code == "K859"


def test_a_probable_aetiology_counts_only_in_the_final_diagnosis():
    text = "Diagnosis:\n1. Acute pancreatitis - probable gallstone aetiology (mild, modified Glasgow 2)\n"
    s = _under_heading(text, "Acute pancreatitis", PANCREATITIS)
    assert s.code == "K851"
    assert s.chosen_because == ("stated in the note: 'probable gallstone' (biliary); "
                                "uncertain final diagnosis coded as confirmed (standard)")
    # the same words outside the final diagnosis (no heading, or a plan), or with the standard switched off
    assert _code(text.replace("Diagnosis:\n", ""), "Acute pancreatitis", PANCREATITIS).code == "K859"
    assert _under_heading("Plan: acute pancreatitis ?gallstones - USS", "acute pancreatitis", PANCREATITIS,
                          heading="plan").code == "K859"
    off = CodingRules.load(overrides={"uncertain_final_diagnosis": False})
    assert _under_heading(text, "Acute pancreatitis", PANCREATITIS, rules=off).code == "K859"
    # a hedge after the words counts as well; an unhedged aetiology needs no heading
    assert _code("Acute pancreatitis, gallstones likely", "Acute pancreatitis", PANCREATITIS).code == "K859"
    assert _under_heading("Diagnosis: acute pancreatitis, gallstones likely", "acute pancreatitis",
                          PANCREATITIS).code == "K851"
