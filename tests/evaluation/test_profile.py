"""The coding profile: the seeded split, counting, applying (filter with reason, calibration, order), the file."""
from __future__ import annotations

import json

import pytest

from coding_toolkit.errors import InputError
from coding_toolkit.evaluation.profile import CodingProfile, held_out
from coding_toolkit.records import (
    Alternative,
    AnnotatedMention,
    CodeSuggestion,
    ContextLabels,
    FilterDecision,
    Mention,
    NoteResult,
)


def _s(code, sctid, *, evidence=(0,), alternatives=(), rank=1, confidence=0.8):
    return CodeSuggestion(system="ICD-10", code=code, display=None, title=None, sctids=(sctid,), evidence=evidence,
                          advice="", alternatives=tuple(Alternative(code=a) for a in alternatives),
                          confidence=confidence, rank=rank)


def _mention(sctid, start):
    return AnnotatedMention(Mention(start, start + 4, "text", sctid, "name", 1.0), ContextLabels(),
                            FilterDecision("kept"))


def test_split_is_by_episode_seeded_and_near_the_share():
    ids = [f"EP{i}" for i in range(5000)]
    side = {e: held_out(e, 7, 0.3) for e in ids}
    assert all(held_out(e, 7, 0.3) == side[e] for e in ids)  # a note of the same episode: the same side
    assert 0.27 < sum(side.values()) / len(ids) < 0.33
    assert sum(side[e] != held_out(e, 8, 0.3) for e in ids) > 1000  # another seed, another split


def _profile() -> CodingProfile:
    profile = CodingProfile(min_suggested=20, max_share=0.1, prior_weight=5.0)
    for i in range(140):  # breathlessness suggested in 140 episodes, coded in 3
        profile.count_episode([_s("R060", "267036007")], frozenset({("ICD-10", "R060")} if i < 3 else ()))
    for i in range(40):  # diabetic retinopathy: E14.3 suggested, this trust's coders chose E11.3 (30) or E10.3 (5)
        chosen = "E113" if i < 30 else "E103" if i < 35 else "E143"
        profile.count_episode([_s("E143D", "4855003", alternatives=("E103D", "E113D"))],
                              frozenset({("ICD-10", chosen)}))
    return profile


def test_counting_and_applying():
    profile = _profile()
    assert profile.pairs[("267036007", "ICD-10", "R060")] == [140, 3]
    assert profile.pairs[("4855003", "ICD-10", "E143")] == [40, 5]
    assert profile.chosen[("4855003", "ICD-10", "E143")] == {"E113": 30, "E103": 5, "E143": 5}
    note = NoteResult("n1", (_mention("4855003", 0), _mention("267036007", 10)),
                      (_s("E143D", "4855003", evidence=(0,), alternatives=("E103D", "E113D")),
                       _s("R060", "267036007", evidence=(1,), rank=2)), provenance={})
    out = profile.apply(note)
    assert [s.code for s in out.suggestions] == ["E143D"]
    assert out.mentions[1].decision == FilterDecision("filtered", "rarely coded here: 3 of 140")
    assert out.mentions[0].decision.status == "kept"
    prior = (3 + 5) / (140 + 40)
    assert out.suggestions[0].confidence == round((5 + 5 * prior) / (40 + 5), 4)
    assert [a.code for a in out.suggestions[0].alternatives] == ["E113D", "E103D"]
    # a pair the profile has not seen gets the prior; below the support threshold nothing is filtered
    unseen = profile.apply(NoteResult("n2", (_mention("1", 0),), (_s("I10X", "1"),), provenance={}))
    assert unseen.suggestions[0].confidence == round(prior, 4)
    sparse = CodingProfile(min_suggested=20)
    for _ in range(19):
        sparse.count_episode([_s("R060", "267036007")], frozenset())
    assert [s.code for s in sparse.apply(note).suggestions] == ["E143D", "R060"]


def test_a_notes_only_code_of_its_system_is_never_filtered():
    profile = _profile()
    only_symptom = NoteResult("n1", (_mention("267036007", 0),), (_s("R060", "267036007"),), provenance={})
    out = profile.apply(only_symptom)
    assert [s.code for s in out.suggestions] == ["R060"] and out.mentions[0].decision.status == "kept"
    assert out.suggestions[0].confidence < 0.1  # but its confidence says how rarely it is coded here


def test_a_kept_mention_supporting_another_code_stays_kept():
    profile = _profile()
    note = NoteResult("n1", (_mention("267036007", 0),),
                      (_s("J90X", "267036007", evidence=(0,)), _s("R060", "267036007", evidence=(0,), rank=2)),
                      provenance={})
    out = profile.apply(note)
    assert [s.code for s in out.suggestions] == ["J90X"] and out.mentions[0].decision.status == "kept"


def test_file_round_trip_holds_counts_and_codes_only(tmp_path):
    profile = _profile()
    profile.learnt = {"episodes_learnt": 180, "seed": 7, "held_out_share": 0.3}
    path = tmp_path / "profile.json"
    profile.save(path)
    data = json.loads(path.read_text())
    assert set(data) == {"format", "version", "learnt", "rarely_coded", "calibration", "pairs",
                         "alternatives_chosen", "held_out"}
    for row in data["pairs"]:
        assert [type(v) for v in row] == [str, str, str, int, int] and row[0].isdigit()
    loaded = CodingProfile.load(path)
    assert loaded.pairs == profile.pairs and loaded.chosen == profile.chosen
    assert loaded.provenance == {"file": "profile.json", "sha256": loaded.digest, "episodes_learnt": 180,
                                 "min_suggested": 20, "max_share": 0.1}


@pytest.mark.parametrize("text, message", [
    ("{", "not a JSON coding profile"),
    ('{"format": "something else"}', "not a coding profile"),
    ('{"format": "coding_toolkit coding profile", "version": 99}', "version 99"),
    ('{"format": "coding_toolkit coding profile", "version": 1, "rarely_coded": {}}', "malformed coding profile"),
])
def test_bad_profile_files_are_named_with_the_fix(tmp_path, text, message):
    path = tmp_path / "p.json"
    path.write_text(text)
    with pytest.raises(InputError, match=message) as err:
        CodingProfile.load(path)
    assert str(path) in str(err.value) and "fix" in str(err.value)


def test_a_profile_learnt_with_another_pack_is_loaded_with_a_warning(tmp_path, caplog):
    from coding_toolkit.evaluation.profile import load_profile

    profile = _profile()
    profile.learnt = {"pack_hash": "sha256:aaa"}
    path = tmp_path / "profile.json"
    profile.save(path)
    with caplog.at_level("WARNING", logger="coding_toolkit.evaluation.profile"):
        load_profile(path, pack_hash="sha256:aaa")
        assert not caplog.records
        load_profile(path, pack_hash="sha256:bbb")
    assert "learnt with pack sha256:aaa, not sha256:bbb" in caplog.text
