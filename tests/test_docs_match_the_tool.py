"""Statements in docs/ that the tool's own data decides, checked against it (issue 24, item 16)."""
from __future__ import annotations

from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_outputs_md_names_the_cells_that_get_an_apostrophe():
    from coding_toolkit.io.sinks.base import _FORMULA_STARTS

    names = {"\t": "a tab", "\r": "a carriage return"}
    listed = [f"`{c}`" for c in _FORMULA_STARTS if c not in names] + [names[c] for c in _FORMULA_STARTS if c in names]
    phrase = ", ".join(listed[:-1]) + " or " + listed[-1]
    outputs = " ".join(DOCS.joinpath("outputs.md").read_text(encoding="utf-8").split())
    assert outputs.count(phrase) == 2, phrase  # the CSV section and the note on evidence text
    assert "written as is" not in outputs, "evidence text is neutralised for spreadsheets, not written as is"
