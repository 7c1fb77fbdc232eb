"""The starter pack: parents and attributes derived from GPS FSN text feed the same stage."""
from __future__ import annotations

import pytest

from coding_toolkit.records import ConceptEntry, Note
from coding_toolkit.refine.index import ConceptModelIndex
from coding_toolkit.refine.rules import RefineRules
from coding_toolkit.refine.starter import attribute_entries, derive


def _entry(sctid, fsn, *synonyms):
    tag = fsn.rsplit("(", 1)[1].rstrip(")")
    return ConceptEntry(sctid, fsn.rsplit(" (", 1)[0], fsn, tag, synonyms)


ENTRIES = [
    _entry("235919008", "Gallbladder calculus (disorder)", "gallstones"),
    _entry("76581006", "Cholecystitis (disorder)"),
    _entry("20824003", "Chronic cholecystitis (disorder)"),
    _entry("25924004", "Calculus of gallbladder with cholecystitis (disorder)"),
    _entry("91302008", "Sepsis (disorder)"),
    _entry("112283007", "Escherichia coli (organism)"),
    _entry("447899008", "Sepsis caused by Escherichia coli (disorder)"),
    _entry("22298006", "Myocardial infarction (disorder)"),
    _entry("399211009", "History of myocardial infarction (situation)"),
    _entry("91936005", "Allergy to penicillin (finding)"),
    _entry("5555", "History of something unknown (situation)"),
    _entry("6666", "Pneumonia with unknown part (disorder)"),
]


@pytest.fixture(scope="module")
def index():
    rules = RefineRules.load()
    src, dst, typ, defined, local, _ = derive([*ENTRIES, *attribute_entries(rules)], rules)
    return ConceptModelIndex.build(src, dst, typ, is_a=116680003, defined=defined, local_ids=local)


def _rels(ix, sctid):
    i = ix.pos(sctid)
    return sorted(ix.sctid(p) for p in ix.parents(i)), sorted((int(ix.types[t]), ix.sctid(v)) for t, v in ix.attributes(i))


def test_fsn_patterns_give_parents_and_attributes(index):
    assert _rels(index, "25924004") == (["235919008", "76581006"], [])  # "Calculus of gallbladder" = Gallbladder calculus
    assert _rels(index, "447899008") == (["91302008"], [(246075003, "112283007")])
    assert _rels(index, "399211009") == ([], [(246090004, "22298006"), (408731000, "410513005"),
                                              (408732007, "410604004")])
    assert _rels(index, "91936005") == (["419199007"], [(246075003, "ATTR:PENICILLIN")])
    assert _rels(index, "20824003") == (["76581006"], [])
    assert index.is_defined(index.pos("25924004")) and not index.is_defined(index.pos("20824003"))


def test_unknown_parts_derive_nothing(index):
    assert index.pos("5555") == -1 and index.pos("6666") == -1


@pytest.mark.slow
def test_the_starter_pack_refines_for_a_new_user():
    from coding_toolkit.pipeline import Pipeline

    pipeline = Pipeline.from_pack(None)
    r = pipeline.process(Note("n", "Diagnosis: symptomatic gallstones with chronic cholecystitis.\n"
                                   "Past medical history: previous MI (2015).\nAllergies: penicillin (rash)"))
    assert [s.code for s in r.suggestions] == ["K801", "I252", "Z880"]
    assert pipeline.provenance["refinement"]["index"]["source"]["kind"].startswith("starter")
