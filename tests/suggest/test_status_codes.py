"""History, status and long-term therapy codes from the history, medication and allergy lists."""
from __future__ import annotations

import pytest

from coding_toolkit.records import Note
from coding_toolkit.suggest import CodingRules, suggestions_for
from coding_toolkit.suggest.status_codes import status_suggestions

from .helpers import kept, row

MI = [row("22298006", "I219")]
THR = [row("52734007", "W391", system="OPCS-4")]
OLD_MI = [row("399211009", "I252")]  # a "History of myocardial infarction" situation concept's own code
OTITIS = [row("65363002", "H669")]  # a chapter the table has no history code for
RULES = CodingRules.load()


def _historical(text, start, codes):
    return kept(text, start, codes, status="filtered", reason="historical", temporality="Historical")


def _codes(text, mentions, rules=RULES):
    return {s.code: s.chosen_because for s in status_suggestions(text, mentions, rules)}


def test_a_past_condition_or_operation_gives_its_history_or_status_code_and_stays_filtered():
    text = "PMH: MI 2016. L THR 2015."
    mentions = [_historical("MI", 5, MI), _historical("THR", 16, THR)]
    got = _codes(text, mentions)
    assert set(got) == {"I252", "Z966"}
    assert got["I252"] == "history: 'MI' (I21.9) -> old myocardial infarction"
    out = suggestions_for(mentions, headings=["pmh", "pmh"], text=text)
    assert {s.code: s.never_primary is None for s in out} == {"I252": True, "Z966": False}
    assert all(am.decision.status == "filtered" for am in mentions)


def test_no_history_code_no_double_coding():
    # no history code for the chapter: stays filtered, nothing added
    assert _codes("PMH: otitis media.", [_historical("otitis media", 5, OTITIS)]) == {}
    # the same condition current in the note: no history code
    assert _codes("MI now; MI 2016", [kept("MI", 0, MI), _historical("MI", 8, MI)]) == {}
    # a re-linked "history of" concept carries its own code: none added beside it
    assert _codes("History of MI", [_historical("History of MI", 0, OLD_MI)]) == {}
    # negated or a relative's: nothing
    family = kept("MI", 10, MI, status="filtered", reason="family history / other experiencer; historical",
                  temporality="Historical")
    assert _codes("Father: MI", [family]) == {}


@pytest.mark.parametrize("text,code", [
    ("Medications: bisoprolol 5 mg, apixaban 5 mg BD.", "Z921"),
    ("Past medical history: AF on long-term warfarin.", "Z921"),
    ("Drug history:\nmetformin 1 g BD\ninsulin glargine 20 units", "Z922"),
    ("Allergies: Penicillin (anaphylaxis) - teicoplanin prophylaxis given.", "Z880"),
    ("Allergies: aspirin (bronchospasm)", "Z886"),
    ("Past medical history: sick sinus syndrome.\nPacemaker in situ.", "Z950"),
    ("Past medical history: end colostomy.", "Z933"),
])
def test_text_tables(text, code):
    assert set(_codes(text, [])) == {code}


@pytest.mark.parametrize("text", [
    "Medications: warfarin stopped.",  # stopped
    "Plan: start apixaban for 3 months.",  # started, not in a medication list
    "Allergies: NKDA. Penicillin given for cellulitis.",
    "Allergies: Penicillin (rash) - treated with clarithromycin.",  # only penicillin: Z88.0, no Z88.1
    "Plan: colostomy to be reversed.",  # not in situ, not in the past history
    "Past medical history: no pacemaker.",
])
def test_text_tables_counter_cases(text):
    assert set(_codes(text, [])) <= {"Z880"}


def test_switched_off():
    off = CodingRules.load(overrides={"status_codes": False})
    assert _codes("Medications: warfarin.", [_historical("MI", 0, MI)], off) == {}



def test_starter_pipeline(pipeline):
    text = ("Diagnosis: pneumonia.\nPast medical history: inferior MI in 2016, previous left total hip replacement.\n"
            "Medications: apixaban 5 mg BD.\nAllergies: penicillin (rash).")
    result = pipeline.process(Note("n", text))
    codes = [s.code for s in result.suggestions if s.system == "ICD-10"]
    assert codes[0] == "J189" and {"I252", "Z966", "Z921", "Z880"} <= set(codes)
    assert result.provenance["coding_rules"]["status_codes"] is True


def test_the_review_page_says_which_rule_added_a_code_and_why_the_focus_ranks_first(pipeline):
    from coding_toolkit.io.serialize import result_to_json
    from coding_toolkit.review.data import ordered_suggestions

    text = "Presenting complaint: pneumonia.\nPast medical history: MI in 2016.\nMedications: apixaban."
    view = {s["code"]: s["why"] for s in ordered_suggestions(result_to_json(pipeline.process(Note("n", text))))}
    assert "ranked first as what the episode was for (presenting problem)" in view["J189"]
    # the starter pack has the situation 'History of myocardial infarction': the refinement re-links 'MI' to
    # it and its own map row codes I25.2, so the history table adds nothing beside it
    assert view["I252"] == "map default: block 1, group 1, priority 1"
    result = pipeline.process(Note("n", text))
    [old_mi] = [s for s in result.suggestions if s.code == "I252"]
    assert "399211009" in old_mi.sctids
    assert view["Z921"].startswith("added by a coding rule: 'apixaban' in the medication list")


@pytest.mark.parametrize("text", ["Social history: stopped smoking 10 years ago.", "Social history: former smoker."])
def test_an_ex_smoker_is_z86_4_never_current_tobacco_use(pipeline, text):
    result = pipeline.process(Note("n", text))
    assert [s.code for s in result.suggestions] == ["Z864"]
    assert all(am.decision.status == "filtered" for am in result.mentions)
    current = pipeline.process(Note("n", "Social history: current smoker, 20 a day."))
    assert [s.code for s in current.suggestions] != ["Z864"]
    negated = pipeline.process(Note("n", "Social history: never smoked, not an ex-smoker."))
    assert "Z864" not in [s.code for s in negated.suggestions]


def test_a_code_the_map_gives_is_not_added_again(pipeline):
    [s] = pipeline.process(Note("n", "Social history: ex-smoker, 20 pack years.")).suggestions
    assert s.code == "Z864" and s.chosen_because is None  # the Ex-smoker concept's own map row


@pytest.mark.parametrize("text", ["He agrees to quit smoking before his next visit.", "Advised to stop smoking.",
                                  "She is trying to give up smoking.", "He is not an ex-smoker."])
def test_an_intention_to_stop_smoking_is_not_an_ex_smoker(text):
    assert "Z864" not in _codes(text, [])
