"""Policy: which labels suppress, chronic conditions under past history, confidence."""
from __future__ import annotations

import json

import pytest

from coding_toolkit.context.policy import Policy
from coding_toolkit.context.stage import ContextStage
from coding_toolkit.errors import ContextRuleError
from coding_toolkit.records import ContextLabels, MapRow, Mention


def mention(text="x", sctid="1", confidence=0.9, start=0):
    return Mention(start, start + len(text), text, sctid, text, confidence)


def icd(code, sctid="1"):
    return MapRow(sctid, "ICD-10", "5th Edition", "999002271000000101", 1, 1, 1, code, None, "", default=True)


@pytest.fixture(scope="module")
def policy():
    return Policy.load()


def test_default_suppressions(policy):
    assert policy.decide(mention(), ContextLabels()).status == "kept"
    assert policy.decide(mention(), ContextLabels(negation="Negated")).reason == "negated"
    assert policy.decide(mention(), ContextLabels(temporality="Hypothetical")).reason == "hypothetical"
    assert policy.decide(mention(), ContextLabels(experiencer="Other")).reason == "family history / other experiencer"
    both = policy.decide(mention(), ContextLabels(negation="Negated", temporality="Historical"))
    assert both.status == "filtered" and both.reason == "negated; historical"


def test_low_confidence(policy):
    d = policy.decide(mention(confidence=0.21), ContextLabels())
    assert d.status == "filtered" and d.reason == "low confidence 0.21 < 0.30"


def test_chronic_condition_under_past_history_is_kept(policy):
    hist = ContextLabels(temporality="Historical")
    kept = policy.decide(mention("diabetes"), hist, [icd("E119")])
    assert kept.status == "kept" and kept.reason == "chronic condition: historical label ignored"
    assert policy.decide(mention("hypertension"), hist, [icd("I10X")]).status == "kept"
    # a resolved past event is not chronic
    assert policy.decide(mention("appendicitis"), hist, [icd("K359")]).reason == "historical"
    # by SNOMED CT id when there is no ICD-10 row
    assert policy.decide(mention("asthma", sctid="195967001"), hist).status == "kept"


def test_family_history_and_negation_of_chronic_condition_filtered(policy):
    fam = policy.decide(mention("diabetes"), ContextLabels(experiencer="Other", temporality="Historical"),
                        [icd("E109")])
    assert fam.status == "filtered" and fam.reason == "family history / other experiencer"
    neg = policy.decide(mention("diabetes"), ContextLabels(negation="Negated", temporality="Historical"),
                        [icd("E119")])
    assert neg.status == "filtered" and neg.reason == "negated"


def test_stage_end_to_end_with_rules():
    text = "Past medical history: type 2 diabetes, appendicectomy.\nFamily history: diabetes.\n\nNo chest pain."
    ms = [mention("type 2 diabetes", start=text.index("type 2")), mention("appendicectomy", start=text.index("appen")),
          mention("diabetes", start=text.rindex("diabetes")), mention("chest pain", start=text.index("chest"))]
    codes = [[icd("E119")], [], [icd("E119")], [icd("R072")]]
    out = ContextStage().run(text, ms, codes)
    assert [d.status for _, d in out] == ["kept", "filtered", "filtered", "filtered"]
    assert out[1][1].reason == "historical"
    assert out[2][1].reason.startswith("family history")
    assert out[3][1].reason == "negated"


def test_bad_policy_file(tmp_path):
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"suppress": {"negation": {"Maybe": "maybe"}}}))
    with pytest.raises(ContextRuleError, match=r"policy\.json field 'suppress.negation': unknown value 'Maybe'"):
        Policy.load(path)
    path.write_text(json.dumps({"min_confidence": 3}))
    with pytest.raises(ContextRuleError, match="min_confidence"):
        Policy.load(path)


@pytest.mark.parametrize("code", ["K219", "E669", "M819", "M800", "G473", "F329", "F331", "I739", "N40X", "K703",
                                  "F102", "M179", "K573", "Z864", "E780"])
def test_more_chronic_conditions_under_past_history_are_kept(policy, code):
    decision = policy.decide(mention("x"), ContextLabels(temporality="Historical"), [icd(code)])
    assert decision.status == "kept" and decision.reason == "chronic condition: historical label ignored"


@pytest.mark.parametrize("code", ["I219", "I214", "G459", "I64X", "I802", "F100", "G470", "I200", "K359"])
def test_resolved_events_and_acute_subcodes_stay_historical(policy, code):
    # previous MI (I21), previous TIA/stroke, resolved DVT; acute intoxication F10.0, insomnia G47.0 and
    # unstable angina I20.0 are outside the 4-character ranges F10.2 / G47.3 / I20.8-I20.9
    assert policy.decide(mention("x"), ContextLabels(temporality="Historical"), [icd(code)]).reason == "historical"


def test_chronic_sctid_without_icd_row_and_negation_still_filters(policy):
    hist = ContextLabels(temporality="Historical")
    assert policy.decide(mention("diverticular disease", sctid="397881000"), hist).status == "kept"
    negated = ContextLabels(negation="Negated", temporality="Historical")
    assert policy.decide(mention("GORD"), negated, [icd("K219")]).reason == "negated"


def test_every_chronic_entry_says_whether_it_is_from_the_standard():
    from coding_toolkit.context.policy import DATA

    data = json.loads((DATA / "chronic_conditions.json").read_text(encoding="utf-8"))
    for row in [*data["icd10_ranges"], *data["sctids"]]:
        assert row["basis"].split(" ")[0] in ("standard", "approximation"), row


@pytest.mark.parametrize("low, high", [("G473", "G47"), ("G4", "G4"), ("G47.3", "G47.3"), ("473", "473")])
def test_bad_four_character_range_names_the_fix(tmp_path, low, high):
    (tmp_path / "chronic.json").write_text(json.dumps({"icd10_ranges": [{"from": low, "to": high}]}))
    (tmp_path / "policy.json").write_text(json.dumps({"suppress": {}, "chronic_conditions": "chronic.json"}))
    with pytest.raises(ContextRuleError, match=r"icd10_ranges\[0\].*fix: use ICD-10 codes without dot"):
        Policy.load(tmp_path / "policy.json")


def opcs(code, sctid="1"):
    return MapRow(sctid, "OPCS-4", "4.11", "999002741000000101", 1, 1, 1, code, None, "", default=True)


def test_uncertain_diagnosis_is_filtered_with_its_reason(policy):
    d = policy.decide(mention(), ContextLabels(temporality="Uncertain"), [icd("I269")])
    assert d.status == "filtered" and d.reason == "uncertain diagnosis: not coded as confirmed"


def test_plan_section_suppresses_procedures_only():
    """A 'Plan:' heading makes procedures future (not done); a diagnosis under it keeps its other labels."""
    stage = ContextStage()
    note = "Plan: start apixaban for AF, colonoscopy in 6 weeks.\n"
    af = Mention(note.index("AF"), note.index("AF") + 2, "AF", "49436004", "Atrial fibrillation", 0.9)
    scope_at = note.index("colonoscopy")
    scope = Mention(scope_at, scope_at + len("colonoscopy"), "colonoscopy", "73761001", "Colonoscopy", 0.9)
    (af_labels, af_decision), (_, scope_decision) = stage.run(note, [af, scope], [[icd("I48X")], [opcs("H221")]])
    assert af_labels.temporality == "Hypothetical" and af_labels.triggers["temporality"] == "section: plan"
    assert af_decision.status == "kept"
    assert scope_decision.status == "filtered" and scope_decision.reason == "hypothetical"
    # a cue (not the heading) still filters a diagnosis under Plan
    note2 = "Plan: return if chest pain recurs.\n"
    pain_at = note2.index("chest pain")
    pain = Mention(pain_at, pain_at + 10, "chest pain", "29857009", "Chest pain", 0.9)
    (_, decision), = stage.run(note2, [pain], [[icd("R074")]])
    assert decision.status == "filtered" and decision.reason == "hypothetical"


def test_section_procedures_only_must_name_temporality_values(tmp_path):
    bad = tmp_path / "policy.json"
    bad.write_text(json.dumps({"suppress": {}, "section_procedures_only": ["Future"]}), encoding="utf-8")
    with pytest.raises(ContextRuleError, match="section_procedures_only.*Hypothetical"):
        Policy.load(bad)


def test_chronic_by_concept_name_when_the_map_gives_no_row(policy):
    # issue 29: Alzheimer's disease (no map row in the starter map) in the past history was filtered
    hist = ContextLabels(temporality="Historical")
    assert policy.decide(mention("Alzheimer's disease", sctid="26929004"), hist).reason == \
        "chronic condition: historical label ignored"
    assert policy.decide(mention("Parkinson's disease", sctid="49049000"), hist).status == "kept"
    # names that only mention a chronic condition, and past events, stay history
    assert policy.decide(mention("Family history of dementia", sctid="1"), hist).reason == "historical"
    assert policy.decide(mention("Appendicitis", sctid="74400008"), hist).reason == "historical"


def test_chronic_name_words_must_be_words(tmp_path):
    (tmp_path / "chronic.json").write_text(json.dumps({"name_words": ["dementia", 3]}))
    (tmp_path / "policy.json").write_text(json.dumps({"suppress": {}, "chronic_conditions": "chronic.json"}))
    with pytest.raises(ContextRuleError, match=r"chronic.json field 'name_words'.*fix:"):
        Policy.load(tmp_path / "policy.json")
