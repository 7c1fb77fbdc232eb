"""Rule data and switches: the shipped file loads; bad switches and files are one clear error."""
import json

import pytest

from coding_toolkit.errors import ContextRuleError
from coding_toolkit.suggest import CodingRules
from coding_toolkit.suggest.config import DEFAULT_RULES_FILE


def test_shipped_rules_all_enabled():
    rules = CodingRules.load()
    assert rules.never_primary and rules.alternatives_from_note and rules.specificity and rules.service_names
    assert rules.primary_from_heading and {"discharge diagnosis", "reason for admission"} <= rules.main_headings
    assert ("V01", "Y98") == rules.never_primary_icd10[0][:2] and "clinic" in rules.service_following


@pytest.mark.parametrize("overrides,field", [({"service_name": False}, "coding_rules.service_name"),
                                             ({"specificity": "no"}, "coding_rules.specificity")])
def test_bad_switch_names_the_field_and_fix(overrides, field):
    with pytest.raises(ContextRuleError, match=rf"policy.json field '{field}'.*fix:"):
        CodingRules.load(overrides=overrides, where="policy.json")


def test_own_rule_file_relative_to_the_policy(tmp_path):
    data = json.loads(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))
    data["service_names"]["following"] = ["ward"]
    (tmp_path / "mine.json").write_text(json.dumps(data), encoding="utf-8")
    rules = CodingRules.load(overrides={"file": "mine.json"}, base_dir=tmp_path)
    assert rules.service_following == ("ward",) and rules.source.endswith("mine.json")
    data["never_primary"]["icd10_ranges"] = [{"from": "V1", "to": "Y98", "reason": "x"}]
    (tmp_path / "bad.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ContextRuleError, match=r"bad.json field 'never_primary.icd10_ranges\[0\]'.*fix:"):
        CodingRules.load(overrides={"file": "bad.json"}, base_dir=tmp_path)


def test_an_older_copy_without_a_later_rule_takes_the_shipped_section(tmp_path):
    data = json.loads(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))
    del data["primary_from_heading"]  # a trust's copy made before the rule existed
    data["service_names"]["following"] = ["ward"]
    (tmp_path / "old.json").write_text(json.dumps(data), encoding="utf-8")
    rules = CodingRules.load(overrides={"file": "old.json"}, base_dir=tmp_path)
    assert rules.primary_from_heading and rules.main_headings == CodingRules.load().main_headings
    assert rules.service_following == ("ward",)  # the trust's own sections still rule
    off = CodingRules.load(overrides={"file": "old.json", "primary_from_heading": False}, base_dir=tmp_path)
    assert not off.primary_from_heading
    del data["specificity"]  # a section every copy has had stays required
    (tmp_path / "broken.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ContextRuleError, match=r"broken.json field 'specificity'.*fix: copy"):
        CodingRules.load(overrides={"file": "broken.json"}, base_dir=tmp_path)


def test_policy_switch_reaches_the_pipeline_rules_and_provenance(tmp_path):
    from coding_toolkit.context.policy import DEFAULT_POLICY, Policy
    from coding_toolkit.context.stage import ContextStage
    from coding_toolkit.pipeline import Pipeline

    data = json.loads(DEFAULT_POLICY.read_text(encoding="utf-8"))
    data.pop("chronic_conditions")
    data["coding_rules"] = {"service_names": False}
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    pipeline = Pipeline(pack=None, engine=None, context=ContextStage(policy=Policy.load(path)))
    assert pipeline.coding_rules.service_names is False and pipeline.coding_rules.specificity is True
    data["coding_rules"] = {"service_name": False}
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ContextRuleError, match=r"policy.json field 'coding_rules.service_name': unknown rule"):
        Pipeline(pack=None, engine=None, context=ContextStage(policy=Policy.load(path)))


def test_every_main_heading_is_a_heading_the_context_rules_know():
    # a heading without a colon, alone on its line ("Final diagnosis" then the list), is found only when
    # the context rules list it; the shipped lists must agree, so every main heading works either way
    from coding_toolkit.context.rules import load_rules

    known = {h for section in load_rules().sections for h in section.headings}
    assert CodingRules.load().main_headings <= known


def test_not_after_takes_single_words_only(tmp_path):
    data = json.loads(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))
    data["primary_from_heading"]["not_after"] = ["differential", "pre op"]
    (tmp_path / "two.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ContextRuleError, match=r"two.json field 'primary_from_heading.not_after': 'pre op' is not one"):
        CodingRules.load(overrides={"file": "two.json"}, base_dir=tmp_path)


@pytest.mark.parametrize("section,field,value,where", [
    ("explained_symptoms", "pairs", [{"symptoms": [{"from": "R0", "to": "R09"}], "explained_by": []}],
     r"explained_symptoms.pairs\[0\].symptoms\[0\]"),
    ("explained_symptoms", "concept_pairs", [{"symptom": "chest pain"}], r"explained_symptoms.concept_pairs\[0\]"),
    ("status_codes", "from_history", [{"system": "ICD10", "from": "I21", "to": "I22", "code": "I252"}],
     r"status_codes.from_history\[0\].system"),
    ("status_codes", "medications", [{"code": "Z92.1", "words": ["warfarin"]}], r"status_codes.medications\[0\].code"),
    ("opcs_laterality", "codes", {"left": "Z943"}, "opcs_laterality.codes"),
    ("opcs_laterality", "window", "forty", "opcs_laterality.window"),
    ("primary_focus", "background", [{"from": "I10", "to": "I1"}], r"primary_focus.background\[0\]"),
])
def test_a_bad_issue_29_section_names_the_field_and_fix(tmp_path, section, field, value, where):
    data = json.loads(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))
    data[section][field] = value
    (tmp_path / "bad.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ContextRuleError, match=rf"bad.json field '{where}'.*fix:"):
        CodingRules.load(tmp_path / "bad.json")


def test_a_copy_older_than_issue_29_takes_the_shipped_sections(tmp_path):
    data = json.loads(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))
    for name in ("uncertain_final_diagnosis", "explained_symptoms", "status_codes", "opcs_laterality", "primary_focus"):
        del data[name]
    del data["service_names"]["heading_line"]
    (tmp_path / "old.json").write_text(json.dumps(data), encoding="utf-8")
    rules = CodingRules.load(tmp_path / "old.json")
    assert rules.explained_symptoms and rules.status_codes and rules.explain_pairs and rules.medications
    assert rules.heading_document_words == ()  # no heading-line words in the copy: only the title rule
    assert set(rules.switches()) >= {"uncertain_final_diagnosis", "primary_focus"}
