"""The one-pass tokenise-and-tag step (concepts/fast_tokens.py) must give exactly the tokens of
MedCAT's regex tokenizer followed by its tagger: texts, offsets, indices, lower/norm and marks."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from coding_toolkit.concepts import fast_tokens, medcat_compat

ROOT = Path(__file__).resolve().parents[2]
MTSAMPLES = ROOT.parent / "shared" / "benchmarks" / "notes" / "mtsamples_317.jsonl"
# what the regex and the tagger tell apart: whitespace runs (tabs, newlines, no-break space),
# punctuation runs, kept punctuation, digits and decimals, unicode letters, skip-words, edges
EDGE_TEXTS = [
    "", " ", "   \n\t ", "a", " a ", "...", "Na+ 135, K+ 4.2 mmol/L; BP 140/90.",
    "45-yo  man\u00a0c/o SOB & CP (x3 days)\n\n\nHx: T2DM, HTN -- ok?? :: ++ a.b.c",
    "caf\u00e9 na\u00efve \u00bd tab q.d.s. \u2013 \u201cquoted\u201d \u00b0C",
    "trailing spaces   ", "\tleading tab", "x" * 300, "__init__ foo_bar 12_3",
]


def _rows(doc) -> list[tuple]:
    return [(t.text, t.text_with_ws, t.char_index, t.index, t.lower, t.norm, t.base.lower, t.is_punctuation,
             t.to_skip, t.is_stop, t.is_upper, t.is_digit, t.text_versions) for t in doc]


def _notes(path: Path) -> list[str]:
    return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def plain_and_fast(tiny_pack):
    """(MedCAT's own tokenizer + tagger, the one-pass tokenize) of the same loaded pack."""
    from medcat.cat import CAT

    plain = CAT.load_model_pack(str(tiny_pack / "medcat"))
    found = medcat_compat.fast_tokens_guard(plain)
    assert found is not None, "the guard refused MedCAT 2.9's own pipeline"
    pipeline, regex, tagger = found
    return pipeline.tokenizer_with_tag, fast_tokens.make_tokenize(regex, tagger)


def _texts(fixture_notes) -> list[str]:
    texts = EDGE_TEXTS + _notes(Path(fixture_notes)) + _notes(ROOT / "examples" / "notes.jsonl")
    if MTSAMPLES.exists():
        texts += _notes(MTSAMPLES)
    return texts


def test_same_tokens_as_medcat(plain_and_fast, fixture_notes):
    theirs, ours = plain_and_fast
    texts = _texts(fixture_notes)
    compared = 0
    for text in texts:
        a, b = theirs(text), ours(text)
        assert _rows(b) == _rows(a), f"tokens differ on {text[:40]!r}"
        assert b._char_indices == a._char_indices
        compared += len(a)
    assert compared > 100  # the comparison really ran over tokens


def test_tagging_marks_really_differ(plain_and_fast):
    """The probe tells the marks apart (a tokenizer that left every mark False would fail)."""
    _, ours = plain_and_fast
    doc = ours("Pain ... in the chest, 3 days.")
    marks = {t.text: (t.is_punctuation, t.to_skip) for t in doc}
    assert marks["..."] == (True, True) and marks["Pain"] == (False, False)


def test_installed_on_a_loaded_pack_and_same_annotations(tiny_pack, fixture_notes):
    """load_pack installs it (get_doc replaced, tagger left out) and the entities are MedCAT's."""
    from medcat.cat import CAT

    from coding_toolkit.concepts.pack import load_pack

    pack = load_pack(tiny_pack)
    assert "get_doc" in vars(pack.cat._pipeline)
    plain = CAT.load_model_pack(str(tiny_pack / "medcat"))
    assert "get_doc" not in vars(plain._pipeline)
    from coding_toolkit.concepts.dict_ner import entity_signature

    compared = 0
    for text in _notes(Path(fixture_notes)) + EDGE_TEXTS:
        mine, theirs = entity_signature(pack.cat, text), entity_signature(plain, text)
        assert mine == theirs, f"entities differ on {text[:40]!r}"
        compared += len(theirs[1])
    assert compared > 5  # links were really compared


def test_guard_refuses_a_pipeline_already_patched(tiny_pack):
    from coding_toolkit.concepts.pack import load_pack

    cat = load_pack(tiny_pack).cat
    assert medcat_compat.fast_tokens_guard(cat) is None  # get_doc already replaced: not twice


def test_release_document_breaks_the_cycles(tiny_pack):
    import gc
    import weakref

    from medcat.cat import CAT

    cat = CAT.load_model_pack(str(tiny_pack / "medcat"))
    doc = cat("Known essential hypertension and myocardial infarction.")
    assert len(doc._tokens) > 3
    ref = weakref.ref(doc)
    gc.disable()
    try:
        medcat_compat.release_document(doc)
        del doc
        assert ref() is None  # freed by reference counting, no collector needed
    finally:
        gc.enable()
