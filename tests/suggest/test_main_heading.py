"""Primary from the heading: codes stated under the note's main-diagnosis heading rank first, in the
order stated; the rest keep the evidence-strength order (real starter pipeline, then the rule's edges)."""
from __future__ import annotations

import pytest

from coding_toolkit.io.serialize import suggestion_from_json, suggestion_to_json
from coding_toolkit.records import Note
from coding_toolkit.suggest import CodingRules, suggestions_for
from coding_toolkit.suggest.episode import episode_suggestions

from .helpers import AF, FALL, HIP_FRACTURE, HTN, RETINOPATHY, T2DM, kept


def _off() -> CodingRules:
    return CodingRules.load(overrides={"primary_from_heading": False})



def _icd(result):
    return [(s.code, s.stated_under) for s in result.suggestions if s.system == "ICD-10"]


def _code(pipeline, words):
    """The ICD-10 default the starter pipeline gives for ``words`` alone (so the test names no code)."""
    [s] = [s for s in pipeline.process(Note("probe", f"{words}.")).suggestions if s.system == "ICD-10"]
    return s.code


STRONGER_ELSEWHERE = ("Discharge diagnosis: pneumonia\n\n"
                      "Atrial fibrillation on admission. Atrial fibrillation was rate controlled.\n")


def test_the_heading_code_ranks_first_over_a_stronger_code_elsewhere(pipeline):
    pneumonia, af = _code(pipeline, "Pneumonia"), _code(pipeline, "Atrial fibrillation")
    r = pipeline.process(Note("n1", STRONGER_ELSEWHERE))
    assert _icd(r)[:2] == [(pneumonia, "discharge diagnosis"), (af, None)]
    assert r.suggestions[0].rank == 1 and r.suggestions[0].never_primary is None


def test_the_review_page_says_why_the_heading_code_is_first(pipeline):
    from coding_toolkit.io.serialize import result_to_json
    from coding_toolkit.review.data import ordered_suggestions

    first, second = ordered_suggestions(result_to_json(pipeline.process(Note("n1", STRONGER_ELSEWHERE))))[:2]
    assert first["position"] == "primary" and "stated under the note's 'discharge diagnosis' heading" in first["why"]
    assert "stated under" not in second["why"]


def test_two_codes_under_the_heading_keep_the_stated_order(pipeline):
    pneumonia, af = _code(pipeline, "Pneumonia"), _code(pipeline, "Atrial fibrillation")
    text = ("Diagnoses:\n1. Atrial fibrillation\n2. Pneumonia\n\n"
            "Pneumonia on chest X-ray. Pneumonia treated with antibiotics.\n")
    r = pipeline.process(Note("n2", text))
    assert _icd(r)[:2] == [(af, "diagnoses"), (pneumonia, "diagnoses")]


@pytest.mark.parametrize("heading", ["Secondary diagnoses:", "WORKING DIAGNOSIS:", "Past medical history:"])
def test_no_main_heading_keeps_the_strength_order(pipeline, heading):
    # (a diagnosis heading qualified as not the main condition, even in upper case, is no main heading)
    af = _code(pipeline, "Atrial fibrillation")
    r = pipeline.process(Note("n3", STRONGER_ELSEWHERE.replace("Discharge diagnosis:", heading)))
    assert _icd(r)[0] == (af, None) and not any(s.stated_under for s in r.suggestions)


@pytest.mark.parametrize("heading, main", [
    ("discharge diagnosis", "discharge diagnosis"), ("diagnoses", "diagnoses"), ("clinical diagnosis", "diagnosis"),
    ("discharge summary discharge diagnosis", "discharge diagnosis"), ("reason for admission", "reason for admission"),
    ("differential diagnosis", None), ("secondary diagnoses", None), ("admission diagnosis", None),
    ("past medical history", None), ("diagnosis and plan", None),
    # a heading of parts joined by "/" is main when its first part is
    ("diagnosis/plan", "diagnosis"), ("discharge diagnosis/plan", "discharge diagnosis"), ("plan/diagnosis", None),
    ("impression/plan", None), ("differential diagnosis/plan", None)])
def test_main_heading_is_a_listed_heading_or_ending_not_qualified_away(heading, main):
    from coding_toolkit.suggest.main_heading import main_heading

    assert main_heading(heading, CodingRules.load()) == main


def test_switched_off_keeps_the_strength_order(pipeline):
    from dataclasses import replace

    pneumonia, af = _code(pipeline, "Pneumonia"), _code(pipeline, "Atrial fibrillation")
    off = replace(pipeline, coding_rules=_off())
    r = off.process(Note("n4", STRONGER_ELSEWHERE))
    assert _icd(r)[:2] == [(af, None), (pneumonia, None)]
    assert r.provenance["coding_rules"]["primary_from_heading"] is False


def _note(*mentions_with_headings):
    mentions = [m for m, _ in mentions_with_headings]
    return mentions, [h for _, h in mentions_with_headings]


def test_a_never_primary_code_under_the_heading_is_still_not_primary():
    mentions, headings = _note((kept("fall", 11, FALL), "diagnosis"), (kept("hypertension", 40, HTN), None),
                               (kept("hypertension", 70, HTN), None), (kept("hip fracture", 90, HIP_FRACTURE), None))
    no_focus = CodingRules.load(overrides={"primary_focus": False})
    out = suggestions_for(mentions, no_focus, headings=headings)
    assert [(s.code, s.rank, s.stated_under) for s in out] == [
        ("I10X", 1, None), ("W199", 2, "diagnosis"), ("S720", 3, None)]
    assert out[1].never_primary
    # with primary_focus (the default) hypertension is a background comorbidity: the fracture is primary
    out = suggestions_for(mentions, headings=headings)
    assert [(s.code, s.rank, s.stated_under) for s in out] == [
        ("S720", 1, None), ("W199", 2, "diagnosis"), ("I10X", 3, None)]


def test_symptom_codes_under_the_heading_follow_its_definitive_diagnoses():
    from .helpers import row

    chest_pain = [row("29857009", "R074")]
    mentions, headings = _note((kept("chest pain", 11, chest_pain), "diagnosis"), (kept("AF", 30, AF), "diagnosis"),
                               (kept("hypertension", 60, HTN), None), (kept("hypertension", 80, HTN), None))
    assert [s.code for s in suggestions_for(mentions, headings=headings)] == ["I48X", "R074", "I10X"]


def test_a_superseded_code_passes_its_statement_to_the_specific_code():
    # "Diagnosis: type 2 diabetes" + retinopathy elsewhere: E11.9 gives way to E11.3 dagger, stated first
    mentions, headings = _note((kept("type 2 diabetes", 11, T2DM), "diagnosis"), (kept("AF", 40, AF), None),
                               (kept("AF", 60, AF), None), (kept("diabetic retinopathy", 80, RETINOPATHY), None))
    out = suggestions_for(mentions, headings=headings)
    assert [(s.code, s.stated_under) for s in out][:3] == [("E113D", "diagnosis"), ("H360A", None), ("I48X", None)]


def test_a_superseded_code_stated_first_gives_its_place_to_a_specific_code_stated_later():
    # "Diagnosis: type 2 diabetes, AF, diabetic retinopathy": E11.9 (stated 1st) gives way to E11.3 dagger
    # (stated 3rd), which takes the first place, ahead of AF
    mentions, headings = _note((kept("type 2 diabetes", 11, T2DM), "diagnosis"), (kept("AF", 30, AF), "diagnosis"),
                               (kept("diabetic retinopathy", 40, RETINOPATHY), "diagnosis"))
    out = suggestions_for(mentions, headings=headings)
    assert [(s.code, s.stated_under) for s in out][:3] == [("E113D", "diagnosis"), ("H360A", "diagnosis"),
                                                            ("I48X", "diagnosis")]


def test_episode_a_code_stated_under_the_heading_in_any_note_ranks_first_and_survives_json():
    first, _ = _note((kept("AF", 5, AF), None), (kept("AF", 30, AF), None), (kept("AF", 40, AF), None),
                     (kept("hypertension", 50, HTN), None))
    second, headings = _note((kept("hypertension", 11, HTN), "final diagnosis"))
    notes = [suggestions_for(first, headings=[None] * 4), suggestions_for(second, headings=headings)]
    reloaded = [[suggestion_from_json(suggestion_to_json(s)) for s in note] for note in notes]
    for per_note in (notes, reloaded):
        out = episode_suggestions(per_note)
        assert [(s.code, s.rank, s.stated_under) for s in out] == [("I10X", 1, "final diagnosis"), ("I48X", 2, None)]
    assert [s.code for s in episode_suggestions(notes, _off())] == ["I48X", "I10X"]
    assert not any(s.stated_under for s in episode_suggestions(notes, _off()))
