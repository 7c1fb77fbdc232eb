"""Alternatives resolved by the note: an established category chooses the alternative, never a guess."""
from coding_toolkit.suggest import CodingRules, primary_and_others, suggestions_for

from .helpers import DKA, HF, HHD, RETINOPATHY, T1DM, T2DM, WOUND, kept


def test_type_2_diabetes_chooses_e11_3_dagger_and_keeps_the_asterisk():
    # N005: type 2 diabetes + diabetic retinopathy -> E11.3 dagger + H36.0 asterisk; neither E14.3 nor E11.9
    out = suggestions_for([kept("type 2 diabetes", 0, T2DM), kept("diabetic retinopathy", 30, RETINOPATHY)])
    assert [s.code for s in out] == ["E113D", "H360A"]
    dagger = out[0]
    assert dagger.kind == "dagger" and dagger.chosen_because == "E11 established by 'type 2 diabetes' (E11.9)"
    reasons = {a.code: a.reason for a in dagger.alternatives}
    assert reasons["E143D"].startswith("map default; replaced: E11 established")
    assert reasons["E119"] == "superseded by E11.3" and reasons["E103D"] is None
    assert primary_and_others(out, "ICD-10") == ("E113D", ["H360A"])


def test_type_1_note_keeps_e10_3():
    out = suggestions_for([kept("type 1 diabetes", 0, T1DM), kept("diabetic retinopathy", 30, RETINOPATHY)])
    assert [s.code for s in out] == ["E103D", "H360A"]


def test_no_stated_type_keeps_e14_3_and_competing_types_keep_the_default():
    assert [s.code for s in suggestions_for([kept("diabetic retinopathy", 0, RETINOPATHY)])] == ["E143D", "H360A"]
    both = suggestions_for([kept("type 1 diabetes", 0, T1DM), kept("type 2 diabetes", 20, T2DM),
                            kept("diabetic retinopathy", 40, RETINOPATHY)])
    assert "E143D" in {s.code for s in both} and not any(s.chosen_because for s in both)


def test_filtered_mention_establishes_nothing():
    # "her mother has type 2 diabetes" (family) must not make the patient's retinopathy type 2
    out = suggestions_for([kept("type 2 diabetes", 0, T2DM, status="filtered", reason="family history"),
                           kept("diabetic retinopathy", 30, RETINOPATHY)])
    assert [s.code for s in out] == ["E143D", "H360A"]


def test_dka_in_type_1_diabetes():
    out = suggestions_for([kept("Diabetic ketoacidosis", 0, DKA), kept("type 1 diabetes", 30, T1DM)])
    assert [s.code for s in out] == ["E101"]


def test_hypertensive_heart_disease_established_and_catch_all_complication_is_not():
    out = suggestions_for([kept("heart failure", 0, HF), kept("hypertensive heart disease", 20, HHD)])
    assert {s.code for s in out} == {"I110"}  # I11.0 chosen, then I11.9 superseded by it
    # a wound infection (T81.4) says nothing about the heart failure: T80-T88 do not establish
    hf_t81 = HF[:1] + [HF[0].__class__(**{**HF[0].__dict__, "target": "T818", "display": "T81.8"})] + HF[1:]
    out = suggestions_for([kept("heart failure", 0, [r.__class__(**{**r.__dict__, "priority": i})
                                                     for i, r in enumerate(hf_t81, 1)]),
                           kept("wound infection", 20, WOUND)])
    assert {s.code for s in out} == {"I509", "T814"}


def test_switched_off_keeps_the_map_default():
    off = CodingRules.load(overrides={"alternatives_from_note": False})
    out = suggestions_for([kept("type 2 diabetes", 0, T2DM), kept("diabetic retinopathy", 30, RETINOPATHY)], off)
    assert {s.code for s in out} == {"E119", "E143D", "H360A"}
