import json
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from coding_toolkit.io.serialize import dumps_result, result_from_json, result_to_json
from coding_toolkit.records import (
    Alternative,
    AnnotatedMention,
    CodeSuggestion,
    ContextLabels,
    FilterDecision,
    MapRow,
    Mention,
    NoteResult,
)
from coding_toolkit.suggest import rank_key as suggestion_rank_key

from .builders import MI, note_a, note_b, sugg

text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=12)
ident = st.text(alphabet="0123456789", min_size=1, max_size=18)
num = st.floats(allow_nan=False, allow_infinity=False)
scalar = st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | num | text
small_dict = st.dictionaries(text, scalar, max_size=3)

map_rows = st.builds(
    MapRow,
    sctid=ident,
    system=st.sampled_from(["ICD-10", "OPCS-4"]),
    version=text,
    refset_id=ident,
    block=st.integers(1, 3),
    group=st.integers(1, 3),
    priority=st.integers(1, 16),
    target=text,
    display=st.none() | text,
    advice=text,
    rule=text,
    default=st.booleans(),
    classifiable=st.booleans(),
    kind=st.sampled_from([None, "dagger", "asterisk"]),
    title=st.none() | text,
    release=st.none() | text,
)
labels = st.builds(
    ContextLabels,
    negation=text,
    temporality=text,
    experiencer=text,
    sources=st.dictionaries(text, text, max_size=2),
    triggers=st.dictionaries(text, text, max_size=2),
)
meta_keys = text.filter(lambda k: k not in {"negation", "temporality", "experiencer", "sources", "triggers"})
mentions = st.builds(
    AnnotatedMention,
    mention=st.builds(
        Mention,
        start=st.integers(0, 10**6),
        end=st.integers(0, 10**6),
        text=text,
        sctid=ident,
        name=text,
        confidence=num,
        type_ids=st.lists(text, max_size=2).map(tuple),
        meta=st.dictionaries(meta_keys, text, max_size=2),
    ),
    labels=labels,
    decision=st.builds(FilterDecision, status=st.sampled_from(["kept", "filtered"]), reason=st.none() | text),
    codes=st.lists(map_rows, max_size=3).map(tuple),
)
alternatives = st.builds(
    Alternative, code=text, display=st.none() | text, title=st.none() | text, block=st.integers(1, 3),
    group=st.integers(1, 3), priority=st.integers(1, 16), advice=text, classifiable=st.booleans(), sctid=ident,
    reason=st.none() | text)
suggestions = st.builds(
    CodeSuggestion,
    system=st.sampled_from(["ICD-10", "OPCS-4"]),
    code=text,
    display=st.none() | text,
    title=st.none() | text,
    sctids=st.lists(ident, max_size=3).map(tuple),
    evidence=st.lists(st.integers(0, 50), max_size=4).map(tuple),
    advice=text,
    alternatives=st.lists(alternatives, max_size=2).map(tuple),
    confidence=num,
    kind=st.sampled_from([None, "dagger", "asterisk"]),
    rank=st.integers(0, 9),
    never_primary=st.none() | text,
    chosen_because=st.none() | text,
    stated_under=st.none() | text,
)
results = st.builds(
    NoteResult,
    note_id=text,
    mentions=st.lists(mentions, max_size=3).map(tuple),
    suggestions=st.lists(suggestions, max_size=3).map(tuple),
    provenance=st.dictionaries(text.filter(lambda k: k != "text_hash"), scalar, max_size=3),
    episode_id=st.none() | text,
    text_hash=text,
)


@settings(max_examples=300, deadline=None)
@given(results)
def test_json_round_trip_is_exact(result):
    line = json.dumps(result_to_json(result), ensure_ascii=False)
    assert result_from_json(json.loads(line)) == result
    # and through the JSONL sink's fast line encoder
    assert result_from_json(json.loads(dumps_result(result))) == result


def test_contract_keys():
    d = result_to_json(note_a())
    assert list(d) == ["note_id", "episode_id", "mentions", "suggestions", "provenance"]
    m = d["mentions"][1]
    assert {
        "start",
        "end",
        "text",
        "sctid",
        "name",
        "confidence",
        "meta",
        "status",
        "reason",
        "codes",
    } <= set(m)
    assert m["status"] == "filtered" and m["reason"] == "negated"
    assert m["meta"]["negation"] == "Negated" and m["meta"]["sources"] == {"negation": "rules"}
    [s] = [s for s in d["suggestions"] if s["code"] == "I219"]
    assert list(s) == [
        "system",
        "code",
        "display",
        "title",
        "sctids",
        "evidence",
        "advice",
        "alternatives",
        "confidence",
        "kind",
        "rank",
        "never_primary",
        "chosen_because",
        "stated_under",
    ]
    assert s["code"] == "I219" and s["evidence"] == [0, 4]
    assert d["provenance"]["text_hash"] == "h-n1"
    assert "Appendicectomy done" not in json.dumps(d)  # the note text itself is never in JSONL


def test_codes_are_maprow_to_json():
    d = result_to_json(note_a())
    assert d["mentions"][0]["codes"] == [MI.to_json()]


def test_rank_key_prefers_more_evidence_then_confidence():
    weak = sugg(MI, [0], 0.99)
    strong = sugg(MI, [0, 1], 0.5)
    strong_conf = sugg(MI, [0, 1], 0.9)
    assert sorted([weak, strong, strong_conf], key=suggestion_rank_key) == [strong_conf, strong, weak]
    # symptom codes rank after diagnoses; with equal evidence the earlier first mention wins
    chest_pain = replace(sugg(MI, [0, 1, 2], 1.0), code="R074")
    later = sugg(MI, [5], 0.9)
    earlier = replace(sugg(MI, [2], 0.9), code="E119")
    assert sorted([chest_pain, later, earlier], key=suggestion_rank_key) == [earlier, later, chest_pain]
    # deterministic tie-break
    a = note_b().suggestions[0]
    assert suggestion_rank_key(a) == suggestion_rank_key(a)


def test_dumps_result_same_values_with_and_without_orjson(monkeypatch):
    from coding_toolkit.io import serialize

    r = note_a()
    fast = serialize.dumps_result(r)
    monkeypatch.setattr(serialize, "_orjson", None)
    slow = serialize.dumps_result(r)
    assert json.loads(fast) == json.loads(slow) == json.loads(json.dumps(result_to_json(r)))
    assert b"\n" not in slow and result_from_json(json.loads(slow)).suggestions == r.suggestions
