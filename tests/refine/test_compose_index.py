"""The compose arrays (fully defined concepts by parent, by attribute value, one or two steps below):
the stage's candidates looked up in them are exactly those the search below each concept finds, and a
pack built before them still loads and refines the same."""
from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from coding_toolkit.records import AnnotatedMention, ContextLabels, FilterDecision, MapRow, Mention
from coding_toolkit.refine.index import INDEX_DIR, META_FILE, ConceptModelIndex
from coding_toolkit.refine.rules import RefineRules
from coding_toolkit.refine.stage import Refiner

CAP, VALUE_CAP = 6, 3  # small, so that broad concepts and many-valued attributes meet the limits


def _random_index(seed: int = 3, n: int = 600) -> ConceptModelIndex:
    """A DAG (most concepts 1-3 parents, concept 1 a broad parent of 40), attributes over a value pool."""
    rng = np.random.default_rng(seed)
    src, dst, typ = [], [], []
    for i in range(2, n):
        for p in {int(rng.integers(max(1, i - 30), i)) for _ in range(int(rng.integers(1, 4)))}:
            src.append(i)
            dst.append(p)
            typ.append(116680003)
        if i < 42:  # the broad parent
            src.append(i)
            dst.append(1)
            typ.append(116680003)
        for _ in range(int(rng.integers(0, 3))):
            src.append(i)
            dst.append(int(rng.integers(n, n + 25)))  # a few values, each taken by many concepts
            typ.append(int(rng.choice([246075003, 363698007, 272741003])))
    defined = [i for i in range(2, n) if rng.random() < 0.4]
    return ConceptModelIndex.build(np.array(src), np.array(dst), np.array(typ), is_a=116680003, defined=defined,
                                   search=(CAP, VALUE_CAP))


def _refiner(index: ConceptModelIndex, **limits) -> Refiner:
    rules = replace(RefineRules.load(), cap=CAP, value_cap=VALUE_CAP, **limits)
    return Refiner(index, rules, _code, lambda sctid: sctid, frozenset({"T-ORGANISM"}))


def _code(sctid: str) -> tuple[MapRow, ...]:
    """Every concept its own code (values too: the stage never codes them)."""
    return (MapRow(sctid, "ICD-10", "5th Edition", "1", 1, 1, 1, f"X{sctid}", None, "", default=True),)


def _searched(index: ConceptModelIndex) -> ConceptModelIndex:
    """The same arrays without the compose arrays' meta: as a pack built before them."""
    meta = {k: v for k, v in index.meta.items() if k != "compose"}
    return ConceptModelIndex({k: v for k, v in index.a.items() if not k.startswith("def_")}, meta)


def test_looked_up_candidates_are_the_searched_ones():
    index = _random_index()
    assert index.has_compose and not _searched(index).has_compose
    lookup, search = _refiner(index), _refiner(_searched(index))
    broad = index.pos("1")
    assert len(index.children(broad)) >= CAP  # its grandchildren are not searched
    assert max(len(index.with_value(v)) for v in range(len(index.ids))) > VALUE_CAP  # values are cut
    compared = 0
    for pos in range(len(index.ids)):
        for attribute in (False, True):
            expected = search._generate(pos, attribute)
            assert lookup._generate(pos, attribute) == expected, (pos, attribute)
            compared += bool(expected)
    assert compared > 300  # most concepts have candidates: the comparison is not of empty sets
    assert all(index.is_defined(c) for pos in range(50) for c in lookup._generate(pos, False))


def test_other_search_limits_than_the_built_ones_search():
    index = _random_index()
    assert index.compose_lookup(2, CAP, VALUE_CAP) is not None
    assert index.compose_lookup(2, CAP + 1, VALUE_CAP) is None and index.compose_lookup(3, CAP, VALUE_CAP) is None
    deeper, searched = _refiner(index, depth=3), _refiner(_searched(index), depth=3)
    assert all(deeper._generate(p, False) == searched._generate(p, False) for p in range(len(index.ids)))


def _mention(index, pos, start, attribute=False):
    return AnnotatedMention(Mention(start, start + 4, "word", index.sctid(pos), "x", 1.0,
                                    ("T-ORGANISM",) if attribute else ()), ContextLabels(), FilterDecision("kept"))


def test_a_pack_built_before_the_compose_arrays_loads_and_refines_the_same(tmp_path):
    index = _random_index()
    index.save(tmp_path / "new")
    old = tmp_path / "old"
    _searched(index).save(old)  # the files and meta a pack built before the compose arrays has
    assert not any(f.name.startswith("def_") for f in (old / INDEX_DIR).iterdir())
    assert "compose" not in json.loads((old / INDEX_DIR / META_FILE).read_text())
    loaded_new, loaded_old = ConceptModelIndex.load(tmp_path / "new"), ConceptModelIndex.load(old)
    assert loaded_new.has_compose and not loaded_old.has_compose
    assert loaded_old.compose_lookup(2, CAP, VALUE_CAP) is None
    # notes whose sentences hold a fully defined concept's parents and values: refinements happen
    rng = np.random.default_rng(5)
    defined = [i for i in range(len(index.ids)) if index.is_defined(i) and index.parents(i)]
    refined = 0
    new_refiner, old_refiner = _refiner(loaded_new), _refiner(loaded_old)
    for _ in range(200):
        c = int(rng.choice(defined))
        parts = [(p, False) for p in index.parents(c)] + [(v, True) for _, v in index.attributes(c)]
        text = " and ".join("word" for _ in parts) + "."
        mentions = tuple(_mention(index, p, k * 9, a) for k, (p, a) in enumerate(parts))
        got_new = new_refiner.run(text, mentions, [None] * len(mentions))
        assert got_new == old_refiner.run(text, mentions, [None] * len(mentions))
        refined += sum("refined from" in (am.decision.reason or "") for am in got_new[0])
    assert refined > 20


@pytest.mark.slow
def test_the_fixture_pack_refines_the_same_with_and_without_the_compose_arrays(refine_pack, run):
    from coding_toolkit.pipeline import Pipeline
    from coding_toolkit.records import Note
    from coding_toolkit.refine import refiner_for

    pipeline = Pipeline.from_pack(refine_pack)
    index = pipeline.pack.concept_model
    assert index.has_compose and index.meta["compose"]["depth"] == 2  # model build writes them
    index.has_compose = False  # this pipeline's own pack: as one built before them
    searching = Pipeline(pack=pipeline.pack, engine=pipeline.engine, context=pipeline.context,
                         refiner=refiner_for(pipeline.pack, pipeline.engine))
    assert searching.refiner.index.compose_lookup(2, 4000, 4000) is None
    for text in ("Diagnosis: symptomatic gallstones with chronic cholecystitis.",
                 "Sepsis secondary to urinary tract infection (E. coli in blood cultures).",
                 "Sepsis with E. coli and Staph aureus in blood cultures.",
                 "Fractured left neck of femur. Gallstones with chronic cholecystitis.",
                 "Gallstones. No evidence of acute cholecystitis.",
                 "Allergies: penicillin", "Past medical history: MI in 2015."):
        looked_up, searched = run(text), searching.process(Note("t", text))
        assert looked_up.mentions == searched.mentions and looked_up.suggestions == searched.suggestions, text


def test_the_stored_ancestors_are_those_the_walk_up_finds():
    index = _random_index()
    walked = _searched(index)  # no stored closure: walks up the parents
    assert index._anc_ptr is not None and walked._anc_ptr is None
    assert all(index.ancestors(i) == walked.ancestors(i) for i in range(len(index.ids)))
    assert max(len(index.ancestors(i)) for i in range(len(index.ids))) > 10  # deep enough to mean something
    # an is-a cycle (never in a release; FSN-derived rows could make one) is walked, not lost
    cyclic = ConceptModelIndex.build(np.array([2, 3, 4, 3]), np.array([3, 2, 3, 1]), np.full(4, 116680003),
                                     is_a=116680003, search=(CAP, VALUE_CAP))
    assert {cyclic.sctid(a) for a in cyclic.ancestors(cyclic.pos("4"))} == {"1", "2", "3", "4"}
    assert _searched(cyclic).ancestors(cyclic.pos("4")) == cyclic.ancestors(cyclic.pos("4"))
