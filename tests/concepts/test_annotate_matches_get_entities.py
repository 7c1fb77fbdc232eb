"""Pack.annotate reads MedCAT's linked entities directly: it must report what get_entities reports."""
import json

from coding_toolkit.concepts.pack import _longest_non_overlapping, load_pack


def test_annotate_equals_get_entities_fields(tiny_pack, fixture_notes):
    pack = load_pack(tiny_pack)
    texts = [json.loads(line)["text"] for line in fixture_notes.read_text().splitlines() if line.strip()]
    total = 0
    for text in texts:
        ents = list(pack.cat.get_entities(text)["entities"].values())
        expected = [(e["start"], e["end"], e["source_value"], e["cui"], e["pretty_name"], float(e["acc"]),
                     tuple(e["type_ids"])) for e in _longest_non_overlapping(ents)]
        got = [(m.start, m.end, m.text, m.sctid, m.name, m.confidence, m.type_ids) for m in pack.annotate(text)]
        assert got == expected
        assert all(text[m[0]:m[1]] == m[2] for m in got)
        total += len(got)
    assert total >= 10, "the fixture notes must link concepts"


def test_tuned_cat_links_exactly_as_medcat_as_shipped(tiny_pack, fixture_notes, monkeypatch):
    """Without the compiled stages (e.g. no pyahocorasick) and the one-pass tokens (their guard fails on
    a newer MedCAT), the pack's CAT skips the regex tokenizer's no-op normaliser and caches
    Token.lower: same entities as MedCAT as shipped."""
    from medcat.cat import CAT

    import coding_toolkit.concepts.fast_tokens as fast_tokens
    import coding_toolkit.concepts.pack as pack_module

    monkeypatch.setattr(pack_module, "_use_compiled_stages", lambda cat: False)
    monkeypatch.setattr(fast_tokens, "install", lambda cat: False)
    pack = load_pack(tiny_pack)
    pipe = pack.cat._pipeline
    assert type(pipe._tokenizer).__name__ == "RegexTokenizerCachedLower"
    assert "SkippedNormalizer" in [type(c).__name__ for c in pipe._components]
    shipped = CAT.load_model_pack(str(tiny_pack / "medcat"))
    assert type(shipped._pipeline._tokenizer).__name__ == "RegexTokenizer"
    texts = [json.loads(line)["text"] for line in fixture_notes.read_text().splitlines() if line.strip()]
    texts.append("Pt's BP (see below) - AF/CKD; -PRON- x2, HTN.")
    for text in texts:
        tuned = [(e["start"], e["end"], e["cui"], e["acc"]) for e in pack.cat.get_entities(text)["entities"].values()]
        plain = [(e["start"], e["end"], e["cui"], e["acc"]) for e in shipped.get_entities(text)["entities"].values()]
        assert tuned == plain
    # with spell-check switched on the normaliser runs again, as in MedCAT as shipped
    pack.cat.config.general.spell_check = shipped.config.general.spell_check = True
    try:
        for text in texts:
            tuned = [(e["start"], e["end"], e["cui"]) for e in pack.cat.get_entities(text)["entities"].values()]
            plain = [(e["start"], e["end"], e["cui"]) for e in shipped.get_entities(text)["entities"].values()]
            assert tuned == plain
    finally:
        pack.cat.config.general.spell_check = False
