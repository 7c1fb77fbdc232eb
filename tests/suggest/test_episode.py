"""Episode level: the note rules again across all notes of an episode (what the CDS sink writes)."""
from coding_toolkit.suggest import CodingRules, primary_and_others, suggestions_for
from coding_toolkit.suggest.episode import episode_suggestions

from .helpers import CKD, CKD3, FALL, HIP_FRACTURE, RETINOPATHY, T2DM, kept

RULES = CodingRules.load()


def test_type_stated_in_another_note_resolves_the_alternative():
    letter = suggestions_for([kept("diabetic retinopathy", 0, RETINOPATHY)])
    summary = suggestions_for([kept("type 2 diabetes", 0, T2DM)])
    assert {s.code for s in letter} == {"E143D", "H360A"}  # alone, the letter keeps the default
    out = episode_suggestions([letter, summary], RULES)
    assert [s.code for s in out] == ["E113D", "H360A"]
    assert out[0].chosen_because == "E11 established by E11.9"


def test_specificity_and_never_primary_across_notes():
    a = suggestions_for([kept("fall", 0, FALL), kept("fall", 9, FALL), kept("CKD", 20, CKD)])
    b = suggestions_for([kept("Fractured neck of femur", 0, HIP_FRACTURE), kept("CKD stage 3", 30, CKD3)])
    out = episode_suggestions([a, b], RULES)
    assert primary_and_others(out, "ICD-10") == ("S720", ["W199", "N183"])  # the fall: 2 mentions, secondary


def test_episode_of_one_note_is_the_note_itself():
    note = suggestions_for([kept("type 2 diabetes", 0, T2DM), kept("diabetic retinopathy", 30, RETINOPATHY)])
    assert episode_suggestions([note], RULES) == note
