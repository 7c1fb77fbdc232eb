"""Never-primary codes: map advice, ICD-10 chapter XX, OPCS-4 Y/Z, asterisk after dagger; and where it must not fire."""
from coding_toolkit.suggest import CodingRules, primary_and_others, suggestions_for

from .helpers import FALL, HIP_FRACTURE, RETINOPATHY, SMOKER, STROKE, T2DM, kept, row

RULES = CodingRules.load()


def _icd(mentions, rules=RULES):
    return primary_and_others(suggestions_for(mentions, rules), "ICD-10")


def test_external_cause_never_primary_even_when_strongest():
    # N009: the fall is mentioned twice and first, the fracture once: the fracture is still primary
    out = suggestions_for([kept("fall", 0, FALL), kept("fall", 10, FALL), kept("Fractured neck of femur", 20, HIP_FRACTURE)])
    assert primary_and_others(out, "ICD-10") == ("S720", ["W199"])
    [fall] = [s for s in out if s.code == "W199"]
    assert fall.rank == 2 and "SECONDARY POSITION" in fall.never_primary


def test_chapter_xx_by_classification_without_any_advice():
    fall = [row("1912002", "W199")]  # no advice at all: V01-Y98 alone forbids the primary position
    out = suggestions_for([kept("fall", 0, fall)])
    assert out[0].never_primary.startswith("external cause") and _icd([kept("fall", 0, fall)]) == ("", ["W199"])


def test_advice_forbids_primary_and_nothing_else_may_be_primary():
    assert _icd([kept("smoker", 0, SMOKER)]) == ("", ["Z720"])
    assert _icd([kept("smoker", 0, SMOKER), kept("smoker", 9, SMOKER), kept("stroke", 20, STROKE)]) == (
        "I64X", ["Z720"])


def test_asterisk_follows_its_dagger_and_never_leads():
    out = suggestions_for([kept("diabetic retinopathy", 0, RETINOPATHY)])
    assert [(s.code, s.rank) for s in out] == [("E143D", 1), ("H360A", 2)]
    assert out[0].never_primary is None and out[1].never_primary.startswith("asterisk")


def test_does_not_fire_on_ordinary_codes():
    out = suggestions_for([kept("type 2 diabetes", 0, T2DM), kept("stroke", 20, STROKE)])
    assert all(s.never_primary is None for s in out)


def test_opcs_subsidiary_approach_code_is_never_the_primary_procedure():
    lap = [row("6025007", "H019", system="OPCS-4"), row("6025007", "Y752", group=2, system="OPCS-4")]
    out = suggestions_for([kept("Laparoscopic appendicectomy", 0, lap)])
    assert primary_and_others(out, "OPCS-4") == ("H019", ["Y752"])


def test_switched_off_keeps_only_the_asterisk_rule():
    off = CodingRules.load(overrides={"never_primary": False})
    assert _icd([kept("fall", 0, FALL), kept("fall", 5, FALL), kept("fracture", 20, HIP_FRACTURE)], off) == (
        "W199", ["S720"])
    assert _icd([kept("diabetic retinopathy", 0, RETINOPATHY)], off)[0] == "E143D"
