"""Abbreviations defined in a note (Schwartz & Hearst): pairs, non-abbreviations, the rewrite and its offsets."""
from __future__ import annotations

import pytest

from coding_toolkit.concepts.abbreviations import best_long_form, find_definitions, rewrite


def pairs(text):
    return [(d.short, d.long) for d in find_definitions(text)]


def test_long_form_then_short_form_with_offsets():
    text = "Familial adenomatous polyposis (FAP) is inherited."
    (d,) = find_definitions(text)
    assert (d.short, d.long, d.reverse) == ("FAP", "Familial adenomatous polyposis", False)
    assert text[d.long_start:d.long_end] == "Familial adenomatous polyposis"
    assert text[d.short_start:d.short_end] == "FAP"
    assert text[d.paren_start:d.paren_end] == "(FAP)"


def test_short_form_then_long_form():
    text = "Scans showed RCC (renal cell carcinoma) in both kidneys."
    (d,) = find_definitions(text)
    assert (d.short, d.long, d.reverse) == ("RCC", "renal cell carcinoma", True)
    assert text[d.long_start:d.long_end] == "renal cell carcinoma"


def test_long_form_is_the_shortest_matching_words():
    # "patients with" does not belong to the long form
    assert pairs("We saw patients with Huntington disease (HD) and others.") == [("HD", "Huntington disease")]
    assert best_long_form("G6PD", "red-cell glucose-6-phosphate dehydrogenase") == "glucose-6-phosphate dehydrogenase"
    assert best_long_form("XYZ", "renal cell carcinoma") is None


def test_nested_parentheses():
    text = ("Polyps occur in many syndromes (as in familial adenomatous polyposis (FAP)), and "
            "in von Hippel-Lindau disease (VHL (MIM 193300)).")
    assert pairs(text) == [("FAP", "familial adenomatous polyposis"), ("VHL", "von Hippel-Lindau disease")]


def test_short_form_followed_by_a_reference():
    assert pairs("Huntington disease (HD; OMIM 143100) is dominant.") == [("HD", "Huntington disease")]
    assert pairs("chronic kidney disease (CKD, stage 3) was known.") == [("CKD", "chronic kidney disease")]


@pytest.mark.parametrize("text", [
    "Results are given in the methods (see below) for each group.",
    "Serum biochemistry (see below) was normal.",
    "The two arms (n = 24) were compared.",
    "He takes an antiplatelet (e.g. aspirin) daily.",
    "Bleeding was minor (2 units) and settled.",
    "The rash (itchy) spread.",
    "Pain in the right iliac fossa (RIF) resolved.",  # control: a real definition
])
def test_non_abbreviations(text):
    if "RIF" in text:
        assert pairs(text) == [("RIF", "right iliac fossa")]  # a real one, as a control
    else:
        assert pairs(text) == []


def test_a_stray_bracket_does_not_stop_the_rest_of_the_note():
    text = "Items 1) and 2) were done. Later, familial adenomatous polyposis (FAP) was found."
    assert pairs(text) == [("FAP", "familial adenomatous polyposis")]


def test_rewrite_replaces_only_uses_after_the_definition():
    text = "FAP was suspected. Familial adenomatous polyposis (FAP) was confirmed; FAP and FAPs recur."
    plan = rewrite(text)
    assert plan.text.startswith("FAP was suspected.")  # before its definition: left alone
    assert "(FAP)" not in plan.text  # the definition's bracket is blanked, offsets kept
    # later uses, plural too (a long form already ending in 's' gets no second one)
    assert plan.text.endswith("confirmed; Familial adenomatous polyposis and Familial adenomatous polyposis recur.")
    first_use = text.index("FAP and")
    seg = plan.segments[0]
    assert (seg.orig_start, seg.orig_end) == (first_use, first_use + 3)
    # a span covering the whole replacement maps to the short form; a part of it maps to nothing
    assert plan.to_original(seg.new_start, seg.new_end) == (first_use, first_use + 3)
    assert plan.to_original(seg.new_start + 9, seg.new_end) is None
    # text before and after the replacement keeps its offsets
    assert plan.to_original(0, 3) == (0, 3)
    after = plan.text.index("recur")
    assert text[slice(*plan.to_original(after, after + 5))] == "recur"


def test_a_redefined_short_form_takes_the_latest_meaning():
    text = "atrial fibrillation (AF) then AF. Later amniotic fluid (AF) was clear and AF was sampled."
    plan = rewrite(text)
    assert "then atrial fibrillation." in plan.text
    assert plan.text.endswith("and amniotic fluid was sampled.")


def test_no_definition_no_rewrite():
    plan = rewrite("Known AF and COPD (stable).")
    assert plan.text == "Known AF and COPD (stable)." and plan.segments == () and plan.definitions == ()
