"""The illustrative map's code titles: every target has a reviewed title, and a title names its whole
code, never one condition or procedure under it (Z85.4 is every genital organ, not the ovary)."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def titles(maker):
    import illustrative_titles  # beside the script, on the path the script sets

    return illustrative_titles


def _row(maker, target: str, refset: str | None = None) -> tuple:
    """One map row in the written layout (refset at 4, target at 10)."""
    return ("id", "20260101", "1", maker.MODULE, refset or maker.ICD10, "22298006", "1", "1", "", "",
            target, maker.CORRELATION, "1")


def test_a_target_without_a_reviewed_title_is_refused_not_filled_from_a_concept_term(maker, tmp_path):
    with pytest.raises(SystemExit) as err:
        maker.write_titles([_row(maker, "A000"), _row(maker, "I219")], tmp_path)
    assert "no reviewed title for A00.0:" in str(err.value) and "I21.9" not in str(err.value)
    assert "illustrative_titles.py" in str(err.value) and not (tmp_path / maker.TITLES_DIR).exists()


def test_a_title_naming_one_example_of_its_category_is_refused(maker, titles, monkeypatch, tmp_path):
    # the titles once shown beside prostate cancer history, a cholecystectomy and a prostatectomy
    for code, narrow in (("Z85.4", "History of malignant neoplasm of ovary"),
                         ("Z90.4", "History of appendectomy"), ("Z90.7", "History of hysterectomy")):
        monkeypatch.setitem(titles.ICD10, code, narrow)
    with pytest.raises(SystemExit) as err:
        maker.write_titles([_row(maker, "Z854"), _row(maker, "Z904"), _row(maker, "Z907")], tmp_path)
    for expected in ("Z85.4 'History of malignant neoplasm of ovary' (say 'personal history of malignant neoplasm')",
                     "Z90.4 'History of appendectomy' (say 'acquired absence of')", "Z90.7 "):
        assert expected in str(err.value)


def test_every_target_of_the_map_has_a_reviewed_title_saying_its_category(maker, titles):
    wanted = {(r[4], r[10]) for r in maker.rows() if not r[10].startswith("#")}
    icd = {maker.title_key(code) for refset, code in wanted if refset == maker.ICD10}
    opcs = {maker.title_key(code) for refset, code in wanted if refset == maker.OPCS411}
    assert icd <= set(titles.ICD10) and opcs <= set(titles.OPCS4)
    for code in icd:
        words = titles.CATEGORY_WORDING.get(code[:3])
        assert words is None or words in titles.ICD10[code].lower(), code
    # the reviewed history and absence codes name their whole category
    assert titles.ICD10["Z85.4"] == "Personal history of malignant neoplasm of genital organs"
    assert titles.ICD10["Z90.4"] == "Acquired absence of other parts of the digestive tract"
    assert titles.ICD10["Z90.7"] == "Acquired absence of genital organ(s)"


def test_titles_of_neighbouring_opcs_codes_are_not_swapped(titles):
    # the first map had H01.2/H01.3 and T20.1/T20.2 the wrong way round, and X40.2 as haemodialysis
    assert "abnormal" in titles.OPCS4["H01.2"] and "normal appendix" in titles.OPCS4["H01.3"]
    assert "abnormal" not in titles.OPCS4["H01.3"]
    assert "prosthetic" in titles.OPCS4["T20.2"] and "sutures" in titles.OPCS4["T20.3"]
    assert titles.OPCS4["X40.2"] == "Peritoneal dialysis" and titles.OPCS4["X40.3"] == "Haemodialysis"
