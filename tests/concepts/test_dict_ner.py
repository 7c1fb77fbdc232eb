"""The compiled stages (dictionary NER, regex tagger, skipped normaliser, lazy context vectors) must
give exactly MedCAT's own NER candidates and links, and leave the pack a plain MedCAT pack."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from coding_toolkit.concepts import dict_ner
from coding_toolkit.concepts.dict_ner import entity_signature

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from check_dict_ner import compare, load_both  # noqa: E402

# names built to collide: nested, shared first words, a two-letter upper-case abbreviation, names
# across punctuation, the same name for two concepts
CONCEPTS = [
    ("1001", ["heart failure", "HF - Heart failure", "HF"]),
    ("1002", ["congestive heart failure", "heart failure congestive"]),
    ("1003", ["heart", "heart structure"]),
    ("1004", ["failure"]),
    ("1005", ["left ventricular failure", "LVF"]),
    ("1006", ["fracture of neck of femur", "neck of femur fracture", "fractured neck of femur"]),
    ("1007", ["fracture", "neck"]),
    ("1008", ["cold"]),
    ("1009", ["cold", "common cold"]),
    ("1010", ["type 2 diabetes mellitus", "type 2 diabetes", "T2DM"]),
    ("1011", ["MI", "myocardial infarction"]),
]
TEXTS = [
    "Congestive heart failure with LVF; heart failure (HF) since 2019, hf in lower case.",
    "Fractured neck of femur. Fracture of neck of femur, right. Neck of femur fracture!",
    "Common cold, then a cold. Heart - failure. heart , , , failure. heart: failure",
    "Type 2 diabetes mellitus (T2DM) and type 2 diabetes; mi is not MI; MI 2 years ago.",
    "family   history of heart  failure\n\nheart\tfailure ~ heart~failure",
    # outside ASCII (each token lower-cased on its own), short names in lower case and in capitals
    "Café HEART FAILURE, lvf and LVF, ΣΟΣ heart failure; İstanbul hf; heart , , failure",
    "",
    "...",
]


@pytest.fixture(scope="module")
def collision_pack(tmp_path_factory):
    from coding_toolkit.concepts.build import build_pack
    from coding_toolkit.records import ConceptEntry

    entries = [ConceptEntry(sctid=c, preferred_term=names[0], fsn=f"{names[0]} (disorder)",
                            semantic_tag="disorder", synonyms=tuple(names[1:])) for c, names in CONCEPTS]
    return build_pack(entries, tmp_path_factory.mktemp("collide") / "pack", notes=TEXTS)


def test_same_candidates_and_links_on_colliding_names(collision_pack, monkeypatch):
    medcat, ours = load_both(str(collision_pack))
    res = compare(medcat, ours, TEXTS)
    assert res["notes_differing"] == 0
    assert res["ner_candidates"] >= 20 and res["links"] >= 10, res  # the names do match
    # nested names are all proposed (the linker, not the NER, drops the shorter ones)
    ner, _ = entity_signature(ours, TEXTS[0])
    names = {n for _s, _e, n, _c, _i in ner}
    assert {"congestive~heart~failure", "heart~failure", "heart", "failure"} <= names
    # the upper-case rule: "MI" matches, "mi" does not
    ner, _ = entity_signature(ours, TEXTS[3])
    spans = [TEXTS[3][s:e] for s, e, *_ in ner]
    assert "MI" in spans and "mi" not in spans


def test_same_on_fixture_and_example_notes(tiny_pack, fixture_notes):
    medcat, ours = load_both(str(tiny_pack))
    texts = [json.loads(line)["text"] for line in fixture_notes.read_text().splitlines() if line.strip()]
    examples = ROOT / "examples" / "notes.jsonl"
    texts += [json.loads(line)["text"] for line in examples.read_text().splitlines() if line.strip()]
    res = compare(medcat, ours, texts)
    assert res["notes_differing"] == 0 and res["links"] >= 10, res


def test_separator_in_a_token_falls_back_to_medcat(collision_pack):
    medcat, ours = load_both(str(collision_pack))
    text = "heart~failure and heart failure"
    assert entity_signature(ours, text) == entity_signature(medcat, text)


def test_names_added_after_loading_are_found(collision_pack):
    """Training can add names: the automaton is rebuilt, as MedCAT's walk sees them at once."""
    medcat, ours = load_both(str(collision_pack))
    text = "Known cardiac asthma."
    assert not entity_signature(ours, text)[1]
    for cat in (medcat, ours):
        from medcat.preprocessors.cleaners import prepare_name

        names = prepare_name("cardiac asthma", cat.pipe.tokenizer, {},
                             (cat.config.general, cat.config.preprocessing, cat.config.cdb_maker))
        cat.cdb.add_names("1001", names, name_status="A")
    a, b = entity_signature(medcat, text), entity_signature(ours, text)
    assert a == b and [c for *_x, c, _s in b[1]] == ["1001"]


def test_off_switch_and_plain_medcat_reload(collision_pack, tmp_path, monkeypatch):
    from medcat.cat import CAT

    from coding_toolkit.concepts.pack import load_pack

    pack = load_pack(collision_pack)
    kinds = [type(c).__name__ for c in pack.cat._pipeline._components]
    assert "DictNER" in kinds and "SkippedNormalizer" in kinds and "RegexTagger" in kinds
    saved = pack.save(tmp_path / "saved", note="round trip")
    plain = CAT.load_model_pack(str(saved / "medcat"))  # no toolkit code needed to load it
    assert plain.config.components.ner.comp_name == "default"
    assert [type(c).__name__ for c in plain._pipeline._components][2] == "NER"
    monkeypatch.setenv(dict_ner.ENV, "medcat")
    off = load_pack(collision_pack)
    assert [type(c).__name__ for c in off.cat._pipeline._components] == [
        "TagAndSkipTagger", "TokenNormalizer", "NER", "Linker"]


def test_registered_in_medcats_registry(collision_pack):
    from medcat.components.types import CoreComponentType, create_core_component

    from coding_toolkit.concepts.pack import load_pack

    dict_ner.register()
    cat = load_pack(collision_pack).cat
    comp = create_core_component(CoreComponentType.ner, dict_ner.REGISTRY_NAME, cat.config.components.ner,
                                 cat.pipe.tokenizer, cat.cdb, cat.vocab, None)
    assert isinstance(comp, dict_ner.DictNER)


def test_lazy_context_vectors_keep_trained_similarities(collision_pack):
    """After training the ambiguous 'cold', its similarity needs the context vectors again."""
    medcat, ours = load_both(str(collision_pack))
    notes = ["Patient has a cold and a runny nose.", "Common cold with sneezing, a cold again."] * 3
    for cat in (medcat, ours):
        os.environ.pop(dict_ner.ENV, None)
        cat.trainer.train_unsupervised(notes, nepochs=2)
    text = "A cold with a runny nose and sneezing."
    a, b = entity_signature(medcat, text), entity_signature(ours, text)
    assert a == b


def _dict_ner_of(cat):
    from coding_toolkit.concepts import medcat_compat

    return next(c for c in medcat_compat.components(cat) if isinstance(c, dict_ner.DictNER))


def test_automaton_built_once_it_pays_and_the_same_links_before_and_after(collision_pack, monkeypatch):
    """By default MedCAT's walk runs until BUILD_AFTER_CHARS_PER_NAME characters per name were
    annotated (a one-note run never compiles the automaton), then the automaton; same links throughout."""
    from medcat.cat import CAT

    from coding_toolkit.concepts.pack import MEDCAT_DIR, load_pack

    monkeypatch.delenv(dict_ner.ENV, raising=False)
    monkeypatch.setattr(dict_ner, "BUILD_AFTER_CHARS_PER_NAME", 40)  # all of TEXTS before the build
    plain = CAT.load_model_pack(str(collision_pack / MEDCAT_DIR))
    cat = load_pack(collision_pack).cat
    ner = _dict_ner_of(cat)
    names = len(cat.cdb.name2info)
    assert not ner.built and ner._build_after == dict_ner.BUILD_AFTER_CHARS_PER_NAME * names > 0
    before = [entity_signature(cat, t) for t in TEXTS]
    assert not ner.built and 0 < ner._chars < ner._build_after  # the walk ran
    assert before == [entity_signature(plain, t) for t in TEXTS]
    for _ in range(ner._build_after // len(TEXTS[1]) + 2):
        entity_signature(cat, TEXTS[1])
    assert ner.built
    assert [entity_signature(cat, t) for t in TEXTS] == [entity_signature(plain, t) for t in TEXTS]


def test_a_fork_builds_the_automaton_first_so_workers_share_it(collision_pack, monkeypatch):
    from coding_toolkit.concepts.pack import load_pack

    monkeypatch.delenv(dict_ner.ENV, raising=False)
    ner = _dict_ner_of(load_pack(collision_pack).cat)
    assert not ner.built
    pid = os.fork()
    if pid == 0:  # the child: it inherited the built automaton
        os._exit(0 if ner.built else 1)
    _, status = os.waitpid(pid, 0)
    assert ner.built and os.waitstatus_to_exitcode(status) == 0
    monkeypatch.setenv(dict_ner.ENV, "dict")  # and at once when asked for
    assert _dict_ner_of(load_pack(collision_pack).cat).built
