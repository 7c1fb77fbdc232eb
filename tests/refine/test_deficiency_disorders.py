"""A deficiency named before its disorder ("Iron deficiency anemia") is that disorder due to the deficiency,
so the starter pack composes "anaemia - likely iron deficiency" into it; a spaced dash between words
explains, while a bullet starts a new scope. Sentences are written for the tests, not taken from any
benchmark."""
from __future__ import annotations

import pytest

from coding_toolkit.records import Note
from coding_toolkit.refine.index import ConceptModelIndex
from coding_toolkit.refine.rules import RefineRules
from coding_toolkit.refine.starter import derive
from tests.refine.test_starter_refine import _entry, _rels

ENTRIES = [
    _entry("271737000", "Anemia (disorder)", "anaemia"),
    _entry("35240004", "Iron deficiency (disorder)"),
    _entry("87522002", "Iron deficiency anemia (disorder)"),
    _entry("7777", "Zinc deficiency dermatitis (disorder)"),  # its disorder is no concept here: nothing derived
]


def test_a_deficiency_before_its_disorder_is_the_disorder_due_to_it():
    rules = RefineRules.load()
    src, dst, typ, defined, local, _ = derive(ENTRIES, rules)
    index = ConceptModelIndex.build(src, dst, typ, is_a=116680003, defined=defined, local_ids=local)
    assert _rels(index, "87522002") == (["271737000"], [(42752001, "35240004")])
    assert index.is_defined(index.pos("87522002"))
    assert index.pos("7777") == -1


def test_scope_breaks_are_bullets_not_a_dash_between_words():
    breaks = RefineRules.load().scope_breaks
    def split(text):
        return any(b.search(text) for b in breaks)
    assert not split("anaemia - likely iron deficiency")
    assert split("Problems:\n- anaemia")
    assert split("Problems: anaemia, - iron deficiency")
    assert split("* anaemia")


@pytest.mark.slow
@pytest.mark.parametrize("text", [
    "Diagnosis: Menorrhagia with anaemia - likely iron deficiency from chronic blood loss.",
    "Diagnosis: anaemia secondary to iron deficiency.",
])
def test_the_starter_pack_codes_iron_deficiency_anaemia(text):
    from coding_toolkit.pipeline import Pipeline

    codes = [s.code for s in Pipeline.from_pack(None).process(Note("n", text)).suggestions]
    assert any(c.startswith("D50") for c in codes) and "D649" not in codes
