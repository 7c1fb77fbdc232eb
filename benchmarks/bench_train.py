"""Unsupervised training speed, and the spell-check decision (speed and linking accuracy, on/off).

    python benchmarks/bench_train.py [--concepts 20000]

1. Builds a pack from a synthetic release (benchmarks/synthetic_release.py) of ``--concepts``
   concepts with word vectors from ../shared/benchmarks/notes/mtsamples_317.jsonl, then measures
   unsupervised training docs/s on those 317 notes and annotation docs/s with spell-check off/on.
2. Accuracy with spell-check off/on: the tiny pack built from tests/fixtures/rf2 scored on
   tests/fixtures/mct_export.json as written, and on a copy where every word of 7+ letters inside
   a gold span has two inner letters swapped (a typo spell-check is meant to fix).
Skips (exit 0, with a message) when the shared notes are absent. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))
NOTES = REPO.parent / "shared" / "benchmarks" / "notes" / "mtsamples_317.jsonl"


def annotate_rate(pack, texts, spell_check: bool) -> float:
    pack.cat.config.general.spell_check = spell_check
    pack.annotate(texts[0])
    t = time.perf_counter()
    for text in texts:
        pack.annotate(text)
    return round(len(texts) / (time.perf_counter() - t), 1)


def typo_export(export: dict) -> dict:
    """Swap two inner letters of each 7+ letter word inside gold spans (lengths, offsets unchanged)."""
    out = copy.deepcopy(export)
    for project in out["projects"]:
        for doc in project["documents"]:
            text = list(doc["text"])
            for ann in doc["annotations"]:
                for m in re.finditer(r"[A-Za-z]{7,}", doc["text"][ann["start"] : ann["end"]]):
                    i = ann["start"] + m.start() + 2
                    text[i], text[i + 1] = text[i + 1], text[i]
            doc["text"] = "".join(text)
            for ann in doc["annotations"]:
                ann["value"] = doc["text"][ann["start"] : ann["end"]]
    return out


def accuracy(work: Path) -> dict:
    from coding_toolkit.concepts.build import build_pack_from_release
    from coding_toolkit.concepts.evaluate import evaluate_export
    from coding_toolkit.concepts.export import load_export
    from coding_toolkit.concepts.pack import load_pack

    fixtures = REPO / "tests" / "fixtures"
    pack = load_pack(build_pack_from_release(fixtures / "rf2", work / "tiny", notes=fixtures / "notes.jsonl"))
    export = load_export(fixtures / "mct_export.json")
    typos = typo_export(export)
    out = {}
    for spell in (False, True):
        pack.cat.config.general.spell_check = spell
        key = "on" if spell else "off"
        out[key] = {
            "f1_clean": evaluate_export(pack, export, with_codes=False)["concepts"]["f1"],
            "f1_typos": evaluate_export(pack, typos, with_codes=False)["concepts"],
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--concepts", type=int, default=20_000)
    args = ap.parse_args()
    if not NOTES.exists():
        print(f"skipped: benchmark notes not found at {NOTES}")
        return
    from synthetic_release import generate

    import coding_toolkit.offline  # noqa: F401
    from coding_toolkit.concepts.build import build_pack_from_release
    from coding_toolkit.concepts.pack import load_pack
    from coding_toolkit.concepts.train import train_unsupervised
    from coding_toolkit.io.notes_reader import texts_of

    texts = list(texts_of(NOTES))
    chars = sum(map(len, texts)) / len(texts)
    work = Path(tempfile.mkdtemp(prefix="ct_bench_train_"))
    generate(work / "release", concepts=args.concepts)
    pack = load_pack(build_pack_from_release(work / "release", work / "pack", tags=None, notes=NOTES))
    speed = {"off": annotate_rate(pack, texts, False), "on": annotate_rate(pack, texts, True)}
    pack.cat.config.general.spell_check = False
    result = train_unsupervised(load_pack(work / "pack"), texts, work / "trained", checkpoint_every=10**9)
    print(
        json.dumps(
            {
                "notes": len(texts),
                "mean_chars": round(chars),
                "concepts": pack.provenance["counts"]["concepts"],
                "names": pack.provenance["counts"]["names"],
                "unsupervised_docs_per_s": result["docs_per_s"],
                "annotate_docs_per_s": speed,
                "accuracy": accuracy(work),
            }
        )
    )


if __name__ == "__main__":
    main()
