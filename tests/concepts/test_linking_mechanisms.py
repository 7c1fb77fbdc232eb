"""Linking on a real (tiny) MedCAT pack: abbreviations defined in the note, span precedence, generic
concepts filtered with a reason, and generated name variants reaching the linker."""
from __future__ import annotations

import json

import pytest

from coding_toolkit.records import ConceptEntry, Note

CONCEPTS = [  # sctid, term, semantic tag (real SNOMED CT ids)
    ("254837009", "Malignant neoplasm of breast", "disorder"),
    ("79604008", "Disorder of breast", "disorder"),
    ("64572001", "Disease", "disorder"),
    ("248153007", "Male", "finding"),
    ("72900001", "Familial adenomatous polyposis", "disorder"),
    ("58756001", "Huntington's chorea", "disorder"),
    ("84114007", "Heart failure", "disorder"),
    ("62403005", "Deficiency of glucose-6-phosphate dehydrogenase", "disorder"),
    ("702391001", "Renal cell carcinoma", "disorder"),
]
NOTES = [
    "Familial adenomatous polyposis (FAP) runs in families. FAP needs colectomy.",
    "Male breast cancer is rare. Wilson disease is a disease of copper.",
    "Huntington disease (HD) is dominant. HD starts in mid life. Heart failure was treated.",
    "Red-cell glucose-6-phosphate dehydrogenase (G6PD) deficiency is common; G6PD deficiency causes haemolysis.",
    "Both had RCC (renal cell carcinoma); bilateral RCCs were removed.",
]


@pytest.fixture(scope="module")
def pack(tmp_path_factory, rf2_release):
    from coding_toolkit.concepts.build import build_pack
    from coding_toolkit.concepts.pack import load_pack
    from coding_toolkit.terminology.variants import generate_variants, share_variants

    entries = [ConceptEntry(sctid=s, preferred_term=t, fsn=f"{t} ({tag})", semantic_tag=tag) for s, t, tag in CONCEPTS]
    generated = {e.sctid: generate_variants(e) for e in entries}
    synonyms = share_variants(generated, {e.sctid: e.preferred_term for e in entries})
    # "breast" as a name of Disorder of breast: the short, competing match the precedence test needs
    synonyms["79604008"].append("breast")
    entries = [ConceptEntry(e.sctid, e.preferred_term, e.fsn, e.semantic_tag, tuple(synonyms[e.sctid]))
               for e in entries]
    out = build_pack(entries, tmp_path_factory.mktemp("linking") / "pack", notes=NOTES * 5,
                     map_release=rf2_release)  # the fixture release's maps, so a Pipeline can load it
    return load_pack(out)


def linked(pack, text, **switches):
    old = pack.abbreviations, pack.precedence
    pack.abbreviations = switches.get("abbreviations", True)
    pack.precedence = switches.get("precedence", True)
    try:
        return [(m.text, m.sctid, m.start) for m in pack.annotate(text)]
    finally:
        pack.abbreviations, pack.precedence = old


def test_later_uses_of_a_short_form_link_to_the_long_forms_concept(pack):
    text = NOTES[0]
    got = linked(pack, text)
    later = text.rindex("FAP")
    assert ("Familial adenomatous polyposis", "72900001", 0) in got
    assert ("FAP", "72900001", text.index("(FAP)") + 1) in got  # the definition's own short form
    assert ("FAP", "72900001", later) in got  # the evidence span is the short form itself
    assert ("FAP", "72900001", later) not in linked(pack, text, abbreviations=False)


def test_a_short_form_used_before_its_definition_is_not_linked(pack):
    text = "FAP was suspected. Familial adenomatous polyposis (FAP) was confirmed, and FAP was treated."
    starts = {start for _t, _s, start in linked(pack, text)}
    assert 0 not in starts
    assert text.rindex("FAP") in starts


def test_an_unexplained_short_form_the_pack_lacks_stays_unlinked(pack):
    assert linked(pack, "FAP was suspected in clinic.") == []


def test_eponym_variant_through_an_abbreviation(pack):
    text = NOTES[2]
    got = linked(pack, text)
    assert ("Huntington disease", "58756001", 0) in got  # eponym rule: "Huntington's chorea" -> "... disease"
    assert ("HD", "58756001", text.index("HD starts")) in got
    assert ("Heart failure", "84114007", text.index("Heart failure")) in got


def test_a_definition_inside_a_longer_name_and_its_later_uses(pack):
    text = NOTES[3]
    got = linked(pack, text)
    whole = "glucose-6-phosphate dehydrogenase (G6PD) deficiency"
    assert (whole, "62403005", text.index(whole)) in got  # the bracket does not split the name
    assert ("G6PD deficiency", "62403005", text.index("G6PD deficiency")) in got  # the later use
    assert not any(t == "G6PD" for t, _s, _start in got)  # the short form alone is the enzyme


def test_reverse_definition_and_plural_use(pack):
    text = NOTES[4]
    got = linked(pack, text)
    assert ("RCC", "702391001", text.index("RCC")) in got
    assert ("renal cell carcinoma", "702391001", text.index("renal")) in got
    assert ("RCCs", "702391001", text.index("RCCs")) in got  # plural variant of the long form


def test_the_longer_overlapping_match_wins(pack):
    text = "Male breast cancer is rare."
    got = linked(pack, text)
    assert ("breast cancer", "254837009", 5) in got
    assert not any(sctid == "79604008" for _t, sctid, _s in got)
    # without precedence MedCAT's nested, shorter match comes back
    assert ("breast", "79604008", 5) in linked(pack, text, precedence=False)


def test_generic_concepts_are_filtered_with_the_reason(pack, tmp_path):
    from coding_toolkit.context.policy import DEFAULT_POLICY, Policy
    from coding_toolkit.context.stage import ContextStage

    text = NOTES[1]
    mentions = pack.annotate(text)

    def decisions(policy):
        stage = ContextStage(policy=policy)
        return {m.text.lower(): d for m, (_labels, d) in zip(mentions, stage.run(text, mentions, [()] * len(mentions)))}

    got = decisions(Policy.load())
    assert got["male"].status == "filtered" and got["male"].reason == "generic"
    assert got["disease"].status == "filtered" and got["disease"].reason == "generic"
    assert got["breast cancer"].status == "kept"
    # the list is data: a trust's policy file can switch it off or name its own
    own = json.loads(DEFAULT_POLICY.read_text(encoding="utf-8"))
    own.pop("chronic_conditions", None)
    (tmp_path / "off.json").write_text(json.dumps({**own, "generic_concepts": None}), encoding="utf-8")
    assert decisions(Policy.load(tmp_path / "off.json"))["male"].status == "kept"
    (tmp_path / "mine.json").write_text(json.dumps({"sctids": ["254837009"], "reason": "generic"}), encoding="utf-8")
    (tmp_path / "pol.json").write_text(json.dumps({**own, "generic_concepts": "mine.json"}), encoding="utf-8")
    mine = decisions(Policy.load(tmp_path / "pol.json"))
    assert mine["breast cancer"].reason == "generic" and mine["male"].status == "kept"


def test_pipeline_output_keeps_generic_mentions_with_the_reason(pack):
    from coding_toolkit.pipeline import Pipeline

    result = Pipeline.from_pack(pack.path).process(Note(note_id="n1", text=NOTES[1]))
    reasons = {am.mention.text.lower(): (am.decision.status, am.decision.reason) for am in result.mentions}
    assert reasons["male"] == ("filtered", "generic")
    assert reasons["breast cancer"][0] == "kept"
