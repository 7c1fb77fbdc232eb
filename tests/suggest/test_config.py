"""Rule data and switches: the shipped file loads; bad switches and files are one clear error."""
import json
import pickle

import pytest

from coding_toolkit.errors import ContextRuleError
from coding_toolkit.suggest import CodingRules
from coding_toolkit.suggest.config import DEFAULT_RULES_FILE
from coding_toolkit.suggest.rule_sections import (
    SECTIONS,
    ExplainedSymptoms,
    NeverPrimary,
    PrimaryFromHeading,
    ServiceNames,
    StatusCodes,
)


def test_shipped_rules_all_enabled():
    rules = CodingRules.load()
    assert all(rules.switches().values()) and list(rules.switches()) == list(SECTIONS)
    assert {"discharge diagnosis", "reason for admission"} <= rules.section(PrimaryFromHeading).headings
    assert ("V01", "Y98") == rules.section(NeverPrimary).icd10[0][:2] and "clinic" in rules.section(ServiceNames).following


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
    assert rules.section(ServiceNames).following == ("ward",) and rules.source.endswith("mine.json")
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
    shipped = CodingRules.load().section(PrimaryFromHeading)
    assert rules.on("primary_from_heading") and rules.section(PrimaryFromHeading).headings == shipped.headings
    assert rules.section(ServiceNames).following == ("ward",)  # the trust's own sections still rule
    off = CodingRules.load(overrides={"file": "old.json", "primary_from_heading": False}, base_dir=tmp_path)
    assert not off.on("primary_from_heading") and off.switches()["primary_from_heading"] is False
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
    assert pipeline.coding_rules.on("service_names") is False and pipeline.coding_rules.on("specificity") is True
    data["coding_rules"] = {"service_name": False}
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ContextRuleError, match=r"policy.json field 'coding_rules.service_name': unknown rule"):
        Pipeline(pack=None, engine=None, context=ContextStage(policy=Policy.load(path)))


def test_every_main_heading_is_a_heading_the_context_rules_know():
    # a heading without a colon, alone on its line ("Final diagnosis" then the list), is found only when
    # the context rules list it; the shipped lists must agree, so every main heading works either way
    from coding_toolkit.context.rules import load_rules

    known = {h for section in load_rules().sections for h in section.headings}
    assert CodingRules.load().section(PrimaryFromHeading).headings <= known


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
    assert rules.on("explained_symptoms") and rules.on("status_codes")
    assert rules.section(ExplainedSymptoms).pairs and rules.section(StatusCodes).medications
    assert rules.section(ServiceNames).document_words == ()  # no heading-line words in the copy: only the title rule
    assert set(rules.switches()) >= {"uncertain_final_diagnosis", "primary_focus"}


def test_every_section_of_the_file_has_its_record_and_the_rules_travel_whole(tmp_path):
    # a section with no registered record would be read by nobody: the shipped file and SECTIONS agree
    data = json.loads(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))
    assert set(data) - {"description"} == set(SECTIONS)
    rules = CodingRules.load(overrides={"status_codes": False})
    assert rules.section("status_codes") is rules.section(StatusCodes) and not rules.section(StatusCodes).enabled
    assert [name for name, on in rules.switches().items() if not on] == ["status_codes"]
    # Spark ships the loaded rules to its executors: an unpickled copy is equal, hashes alike, answers alike
    copy = pickle.loads(pickle.dumps(rules))
    assert copy == rules and hash(copy) == hash(rules) and copy.section(StatusCodes) == rules.section(StatusCodes)
    assert copy != CodingRules.load() and not copy.on("status_codes")


@pytest.mark.parametrize("change,message", [
    (lambda d: d["service_names"].update(heading_line=["discharge summary"]),
     r"field 'service_names.heading_line': not an object; fix: copy the section"),
    (lambda d: d["opcs_laterality"].update(words=["left"]), r"field 'opcs_laterality.words': not an object; fix:"),
    (lambda d: d["opcs_laterality"]["words"].pop("left"),
     r"field 'opcs_laterality.words.left': must be a list of non-empty strings; fix:"),
    (lambda d: d["status_codes"].update(ex_smoker=["ex-smoker"]), r"field 'status_codes.ex_smoker': not an object; fix:"),
    (lambda d: d["specificity"].update(unspecified_fourth=["9", "x"]),
     r"field 'specificity.unspecified_fourth': \['9', 'x'\] are not single digits; fix: use \[\"9\"\]"),
    (lambda d: d["explained_symptoms"].update(enabled="yes"), r"field 'explained_symptoms.enabled': 'yes' is not true"),
])
def test_a_nested_object_of_the_wrong_kind_is_one_clear_error(tmp_path, change, message):
    data = json.loads(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))
    change(data)
    (tmp_path / "bad.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ContextRuleError, match=rf"bad.json {message}"):
        CodingRules.load(tmp_path / "bad.json")


def test_a_file_that_is_not_an_object_of_sections_is_one_clear_error(tmp_path):
    (tmp_path / "list.json").write_text("[]", encoding="utf-8")
    with pytest.raises(ContextRuleError, match=r"list.json: not an object of rule sections; fix: start from a copy"):
        CodingRules.load(tmp_path / "list.json")
