"""OPCS-4 laterality Z94.1-Z94.4 for operations on paired organs and limbs."""
from __future__ import annotations

import pytest

from coding_toolkit.records import Note
from coding_toolkit.suggest import CodingRules, suggestions_for

from .helpers import kept, row

PHACO = [row("84149000", "C712", system="OPCS-4")]
HEMI = [row("179351002", "W461", system="OPCS-4")]
APPENDIX = [row("80146002", "H019", system="OPCS-4")]
HERNIA = [row("396232000", "K409")]
HERNIA_REPAIR = [row("44558001", "T202", system="OPCS-4")]


def _opcs(text, surface, codes, rules=None, extra=(), headings=None):
    start = text.index(surface)
    mentions = [kept(surface, start, codes), *extra]
    out = suggestions_for(mentions, rules, headings or [None] * len(mentions), text)
    return [s.code for s in out if s.system == "OPCS-4"]


@pytest.mark.parametrize("text,surface,codes,want", [
    ("Procedure: left phacoemulsification.", "phacoemulsification", PHACO, "Z943"),
    ("Procedure: R cemented hemiarthroplasty.", "hemiarthroplasty", HEMI, "Z942"),
    ("Bilateral phacoemulsification under LA.", "phacoemulsification", PHACO, "Z941"),
    ("Phacoemulsification, right eye.", "Phacoemulsification", PHACO, "Z942"),
    ("Procedure: phacoemulsification under LA.", "phacoemulsification", PHACO, "Z944"),
])
def test_side_from_the_note(text, surface, codes, want):
    got = _opcs(text, surface, codes)
    assert got[0] == codes[0].target and got[1:] == [want]


def test_no_laterality_for_unpaired_organs_lower_case_letters_or_when_switched_off():
    assert _opcs("Procedure: left-sided appendicectomy.", "appendicectomy", APPENDIX) == ["H019"]
    assert _opcs("Procedure: l phacoemulsification.", "phacoemulsification", PHACO)[1:] == ["Z944"]
    off = CodingRules.load(overrides={"opcs_laterality": False})
    assert _opcs("Procedure: left phacoemulsification.", "phacoemulsification", PHACO, off) == ["C712"]


def test_the_side_of_the_diagnosis_treated_when_the_procedure_line_has_none():
    text = "Diagnosis: Right inguinal hernia.\nProcedure: open inguinal hernia repair."
    diagnosis = kept("inguinal hernia", text.index("inguinal hernia"), HERNIA)
    start = text.index("inguinal hernia repair")
    mentions = [diagnosis, kept("inguinal hernia repair", start, HERNIA_REPAIR)]
    out = suggestions_for(mentions, headings=["diagnosis", "procedure"], text=text)
    assert [s.code for s in out if s.system == "OPCS-4"] == ["T202", "Z942"]



def test_starter_pipeline(pipeline):
    result = pipeline.process(Note("n", "Procedure: left phacoemulsification of cataract."))
    opcs = [s for s in result.suggestions if s.system == "OPCS-4"]
    assert [s.code for s in opcs] == ["C712", "Z943"] and opcs[1].never_primary
    assert "left" in opcs[1].chosen_because
