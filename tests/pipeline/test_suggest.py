"""suggestions_for: defaults only, kept mentions only, one suggestion per code, alternatives listed."""
from coding_toolkit.records import AnnotatedMention, ContextLabels, FilterDecision, MapRow, Mention
from coding_toolkit.suggest import suggestions_for


def row(sctid, target, *, block=1, group=1, priority=1, default=False, classifiable=True, system="ICD-10"):
    return MapRow(sctid=sctid, system=system, version="5th Edition", refset_id="999002271000000101",
                  block=block, group=group, priority=priority, target=target, display=None, advice="",
                  default=default, classifiable=classifiable)


def mention(sctid, codes, status="kept", confidence=0.9, start=0):
    m = Mention(start=start, end=start + 4, text="x", sctid=sctid, name="n", confidence=confidence)
    return AnnotatedMention(m, ContextLabels(), FilterDecision(status, None if status == "kept" else "negated"),
                            tuple(codes))


HF = [row("84114007", "I255", priority=1), row("84114007", "I501", priority=2),
      row("84114007", "I509", priority=3, default=True),
      row("84114007", "E059", block=2, group=1), row("84114007", "I438A", block=2, group=2)]


def test_default_suggested_with_alternatives_in_map_order():
    [s] = suggestions_for([mention("84114007", HF)])
    assert s.code == "I509" and s.sctids == ("84114007",) and s.evidence == (0,)
    assert [a.code for a in s.alternatives] == ["I255", "I501", "E059", "I438A"]


def test_filtered_mentions_give_no_suggestion_but_kept_ones_do():
    out = suggestions_for([mention("84114007", HF, status="filtered"), mention("84114007", HF, start=10)])
    assert [(s.code, s.evidence) for s in out] == [("I509", (1,))]


def test_code_supported_twice_appears_once_with_both_mentions_and_max_confidence():
    out = suggestions_for([mention("84114007", HF, confidence=0.5), mention("84114007", HF, confidence=0.8)])
    assert len(out) == 1 and out[0].evidence == (0, 1) and out[0].confidence == 0.8


def test_two_groups_give_two_suggestions_and_not_classifiable_gives_none():
    dagger = [row("1", "E143D", group=1, default=True), row("1", "H360A", group=2, default=True)]
    nis = [row("2", "#NIS", default=True, classifiable=False)]
    out = suggestions_for([mention("1", dagger), mention("2", nis)])
    assert [s.code for s in out] == ["E143D", "H360A"]
    assert all(a["code"] not in {"H360A", "E143D"} for s in out for a in s.alternatives)
