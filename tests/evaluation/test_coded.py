"""Reading a trust's coding (CODED): both shapes, and every bad file or row named, never dropped silently."""
from __future__ import annotations

import pytest

from coding_toolkit.errors import InputError
from coding_toolkit.evaluation.coded import read_coded
from coding_toolkit.evaluation.codes import chapter, score_key


def _write(tmp_path, text: str, name: str = "coded.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_score_key_is_four_character_cds_with_the_mark_ignored():
    for code in ("E14.3†", "E143D", "E143-D", "E14.3", "E1430", "e14.3+"):
        assert score_key(code, "ICD-10") == "E143", code
    assert score_key("I10", "ICD-10") == score_key("I10X", "ICD-10") == "I10X"
    assert score_key("H36.0*", "ICD-10") == score_key("H360A", "ICD-10") == "H360"
    assert score_key("H01.9", "OPCS-4") == score_key("H019", "OPCS-4") == "H019"
    for bad, system in (("#NIS", "ICD-10"), ("I1", "ICD-10"), ("12.3", "ICD-10"), ("H01", "OPCS-4"),
                        ("H0199", "OPCS-4"), ("", "ICD-10")):
        assert score_key(bad, system) is None, bad
    assert chapter("I219", "ICD-10") == "IX Circulatory system"
    assert chapter("H360", "ICD-10") == "VII Eye and adnexa" and chapter("H651", "ICD-10") == "VIII Ear and mastoid"
    assert chapter("U071", "ICD-10") == "XXII Codes for special purposes"
    assert chapter("T201", "ICD-10") == "XIX Injury, poisoning" and chapter("K751", "OPCS-4") == "K Heart"


def test_long_shape(tmp_path):
    path = _write(tmp_path, "episode_id,system,position,code\n"
                            "E1,ICD-10,1,I21.9\nE1,ICD10,2,I10X\nE1,OPCS-4,1,K75.1\n"
                            "E2,icd-10,1,E14.3†\nE2,ICD-10,2,H36.0*\n")
    coded = read_coded(path)
    assert coded.shape == "long" and not coded.rejects
    assert coded.episodes["E1"].codes == {("ICD-10", "I219"), ("ICD-10", "I10X"), ("OPCS-4", "K751")}
    assert coded.episodes["E1"].primary == "I219"
    assert coded.episodes["E2"].codes == {("ICD-10", "E143"), ("ICD-10", "H360")} and coded.episodes["E2"].primary == "E143"


def test_wide_cds_shape_as_annotate_writes_it_and_with_a_named_episode_column(tmp_path):
    path = _write(tmp_path, "spell,PRIMARY DIAGNOSIS (ICD),SECONDARY DIAGNOSIS (ICD) 1,SECONDARY DIAGNOSIS (ICD) 2,"
                            "PRIMARY PROCEDURE (OPCS),PROCEDURE (OPCS) 2\n"
                            "S1,I219,I10X,,K751,Y141\nS2,E143-D,H360A,N183,,\n", "cds.tsv".replace("tsv", "csv"))
    coded = read_coded(path, episode_column="spell")
    assert coded.shape == "wide" and not coded.rejects
    assert coded.episodes["S1"].codes == {("ICD-10", "I219"), ("ICD-10", "I10X"), ("OPCS-4", "K751"), ("OPCS-4", "Y141")}
    assert coded.episodes["S2"].primary == "E143"
    tsv = _write(tmp_path, "EPISODE_ID\tNOTE_IDS\tSUGGESTION_STATUS\tPRIMARY DIAGNOSIS (ICD)\tPRIMARY PROCEDURE (OPCS)\n"
                           "E9\tn1;n2\tSUGGESTED\tJ189\t\n", "cds.tsv")
    assert read_coded(tsv).episodes["E9"].codes == {("ICD-10", "J189")}


def test_missing_column_is_an_error_naming_it(tmp_path):
    path = _write(tmp_path, "episode_id,system,code\nE1,ICD-10,I219\n")
    with pytest.raises(InputError) as err:
        read_coded(path)
    assert "missing position" in str(err.value) and str(path) in str(err.value) and "fix" in str(err.value)
    no_id = _write(tmp_path, "PRIMARY DIAGNOSIS (ICD)\nI219\n", "wide.csv")
    with pytest.raises(InputError, match="no episode column .*--episode-column"):
        read_coded(no_id)
    with pytest.raises(InputError, match="CODED file not found"):
        read_coded(tmp_path / "absent.csv")
    with pytest.raises(InputError, match="empty file"):
        read_coded(_write(tmp_path, "", "empty.csv"))


def test_bad_rows_reject_their_whole_episode_with_line_and_reason(tmp_path):
    path = _write(tmp_path, "episode_id,system,position,code\n"
                            "E1,ICD-10,1,I219\n"
                            "E2,ICD-10,1,J189\nE2,ICD-9,2,486\n"     # unknown system
                            "E3,ICD-10,1,I219\nE3,ICD-10,2,XYZ\n"    # invalid code
                            "E4,OPCS-4,first,K751\n"                 # bad position
                            "E5,ICD-10,1,I219\nE5,ICD-10,1,I10X\n"   # two primaries
                            ",ICD-10,1,I219\n")                      # no episode
    coded = read_coded(path)
    assert set(coded.episodes) == {"E1"}
    reasons = {r.episode_id: (r.where, r.reason) for r in coded.rejects}
    assert set(reasons) == {"E2", "E3", "E4", "E5", ""}
    # one location per reject: the line of its problem, not the episode's first line and the line again
    assert reasons["E2"] == (f"{path}:4", "unknown system 'ICD-9'; fix: ICD-10 or OPCS-4")
    assert reasons["E3"] == (f"{path}:6", "code 'XYZ' is not an ICD-10 code; fix: correct it (e.g. I21.9 or I219)")
    assert "position 'first'" in reasons["E4"][1]
    assert reasons["E5"] == (f"{path}:9", "a second primary diagnosis (position 1); fix: one per episode")
    assert reasons[""][0] == f"{path}:10"


def test_wide_rows_with_no_codes_or_repeated_are_rejected(tmp_path):
    path = _write(tmp_path, "episode_id,PRIMARY DIAGNOSIS (ICD),SECONDARY DIAGNOSIS (ICD) 1\n"
                            "E1,I219,\nE2,,\nE3,J189,\nE3,J459,\n")
    coded = read_coded(path)
    assert set(coded.episodes) == {"E1"}
    reasons = {r.episode_id: r.reason for r in coded.rejects}
    assert reasons == {"E2": "no codes in any CDS column; fix: give the episode its codes or remove the row",
                       "E3": "episode also on line 4; fix: one CDS row per episode"}
    assert {r.episode_id: r.where for r in coded.rejects} == {"E2": f"{path}:3", "E3": f"{path}:5"}


def test_a_file_with_nothing_usable_is_an_error(tmp_path):
    with pytest.raises(InputError, match=r"no usable coded episode \(1 rejected; first: .*:2: unknown system"):
        read_coded(_write(tmp_path, "episode_id,system,position,code\nE1,READ,1,X\n"))
