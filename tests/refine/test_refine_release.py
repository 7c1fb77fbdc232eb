"""Refinement through the whole pipeline on a pack built from the hand-written release
(tests/refine/release.py): each case of issue 30, with the codes a coder would assign."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def _icd(result):
    return [s.code for s in result.suggestions if s.system == "ICD-10"]


def _mention(result, sctid):
    return next(am for am in result.mentions if am.mention.sctid == sctid)


def test_two_parents_compose_into_the_combination_and_the_parts_stay(run):
    r = run("Diagnosis: symptomatic gallstones with chronic cholecystitis.")
    assert _icd(r) == ["K801"]  # not K80.2 + K81.1
    combined = _mention(r, "25924004")
    assert combined.decision.status == "kept" and combined.mention.text == "gallstones with chronic cholecystitis"
    parts = [r.mentions[i] for i in combined.parts]
    assert [p.mention.sctid for p in parts] == ["235919008", "20824003"]
    assert [(p.decision.status, p.decision.reason) for p in parts] == [("filtered", "refined into 25924004")] * 2
    evidence = r.suggestions[0].evidence
    assert [r.mentions[i].mention.sctid for i in evidence] == ["25924004"]


def test_the_most_specific_combination_wins(run):
    assert _icd(run("Gallstones with acute cholecystitis."))[0] == "K800"


def test_three_parents(run):
    r = run("Gallstones, acute cholecystitis and chronic cholecystitis.")
    assert _icd(r) == ["K808"]
    assert len(_mention(r, "1119311000000106").parts) == 3


def test_organism_attribute_value_refines_sepsis(run):
    r = run("Sepsis secondary to a chest source; E. coli grown in blood cultures.")
    assert _icd(r) == ["A415"]
    organism = _mention(r, "112283007")
    assert organism.decision.reason == "refined into 447899008" and not organism.codes


def test_a_combination_that_changes_no_code_is_no_rival(run):
    r = run("Sepsis secondary to urinary tract infection (E. coli in blood cultures).")
    assert _icd(r) == ["A415", "N390"]
    assert _mention(r, "68566005").decision.status == "kept"


def test_two_organisms_for_one_sepsis_are_a_tie_and_keep_the_parts(run):
    r = run("Sepsis with E. coli and Staph aureus in blood cultures.")
    assert _icd(r) == ["A419"]
    assert _mention(r, "3092008").decision.reason.startswith("attribute value")


def test_laterality_inside_a_name(run):
    r = run("Fractured left neck of femur after a fall.")
    assert _icd(r) == ["S720"]
    m = _mention(r, "5913000").mention
    assert m.text == "Fractured left neck of femur" and m.qualifiers == ("left",)


def test_negated_part_is_not_composed(run):
    r = run("Gallstones. No evidence of acute cholecystitis.")
    assert _icd(r) == ["K802"]
    assert _mention(r, "65275009").decision.reason == "negated"


def test_family_part_is_not_composed(run):
    r = run("Mother had sepsis caused by E. coli.")
    assert _icd(r) == []


def test_parts_in_different_sentences_are_not_composed(run):
    r = run("Gallstones on ultrasound. Chronic cholecystitis on histology.")
    assert sorted(_icd(r)) == ["K802", "K811"]


def test_list_items_are_separate_scopes(run):
    assert sorted(_icd(run("Problems:\n- gallstones\n- chronic cholecystitis\n"))) == ["K802", "K811"]


def test_history_situation_replaces_the_historical_mention(run):
    r = run("Past medical history: MI in 2015.")
    assert _icd(r) == ["I252"]
    situation = _mention(r, "399211009")
    assert situation.decision.status == "kept" and situation.labels.temporality == "Historical"
    assert r.mentions[situation.parts[0]].decision.reason == "refined into 399211009"


def test_no_history_situation_stays_filtered_with_its_reason(run):
    r = run("Past medical history: pneumonia in 2015.")
    # no situation to re-link to: only the coding rules' history table may add its by-chapter code (Z87.0)
    assert _icd(r) in ([], ["Z870"])
    assert not any(s.code.startswith("J") for s in r.suggestions)
    assert (_mention(r, "233604007").decision.status, _mention(r, "233604007").decision.reason) == (
        "filtered", "historical")


@pytest.mark.parametrize("text", ["Allergies: penicillin", "She is allergic to penicillin."])
def test_allergy(run, text):
    r = run(text)
    assert _icd(r) == ["Z880"]
    assert _mention(r, "91936005").mention.text == "penicillin"


def test_a_substance_outside_an_allergy_is_not_an_allergy(run):
    r = run("Started on penicillin for the chest infection.")
    assert _icd(r) == []
    assert _mention(r, "764146007").decision.reason.startswith("attribute value")


def test_refinement_is_in_the_provenance_and_can_be_switched_off(run, refine_pack, tmp_path):
    import json

    from coding_toolkit.context.policy import DEFAULT_POLICY
    from coding_toolkit.pipeline import Pipeline
    from coding_toolkit.records import Note

    prov = run("Sepsis.").provenance["refinement"]
    assert prov["enabled"] and prov["switches"]["compose"] and prov["index"]["concepts"] == 35
    policy = json.loads(DEFAULT_POLICY.read_text())
    policy["chronic_conditions"] = str(DEFAULT_POLICY.parent / policy["chronic_conditions"])
    policy["refinement"] = {"compose": False}
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(policy))
    pipeline = Pipeline.from_pack(refine_pack, policy_path=path)
    r = pipeline.process(Note("t", "Gallstones with chronic cholecystitis. Past medical history: MI."))
    assert sorted(_icd(r)) == ["I252", "K802", "K811"]  # history still on
    assert r.provenance["refinement"]["switches"]["compose"] is False
    policy["refinement"] = {"enabled": False}
    path.write_text(json.dumps(policy))
    off = Pipeline.from_pack(refine_pack, policy_path=path)
    assert off.refiner is None and off.provenance["refinement"] == {"enabled": False}


def test_a_bad_switch_names_the_file_and_the_fix(refine_pack, tmp_path):
    import json

    from coding_toolkit.errors import ContextRuleError
    from coding_toolkit.pipeline import Pipeline

    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"suppress": {}, "refinement": {"compse": False}}))
    with pytest.raises(ContextRuleError, match=r"policy.json field 'refinement.compse'.*fix: use enabled"):
        Pipeline.from_pack(refine_pack, policy_path=path)


def test_serialised_output_round_trips_parts_and_qualifiers(run):
    from coding_toolkit.io.serialize import result_from_json, result_to_json

    r = run("Fractured left neck of femur. Gallstones with chronic cholecystitis.")
    data = result_to_json(r)
    assert any(m.get("qualifiers") == ["left"] for m in data["mentions"])
    assert any(m.get("parts") for m in data["mentions"])
    back = result_from_json(data)
    assert back.mentions == r.mentions
