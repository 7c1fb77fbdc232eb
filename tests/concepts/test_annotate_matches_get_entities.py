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
