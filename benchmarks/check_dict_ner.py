"""Check that the toolkit's patched CAT (compiled dictionary NER, regex tagger, skipped normaliser,
lazy context vectors, constant-time entity spans: ``concepts/medcat_compat.py``) gives the NER
candidates and links of MedCAT as shipped, note by note.

    python benchmarks/check_dict_ner.py [--pack PACK] [--notes FILE.jsonl ...]

Default: the starter pack on examples/notes.jsonl and the shared MTSamples notes (when present).
Loads the pack's model twice: with plain ``CAT.load_model_pack`` (no toolkit code at all) and with
``load_pack`` (every touch whose guard holds), prints per notes file how many notes, NER candidates
and links were compared and how many notes differ; exit 1 on a difference.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MEDCAT_DISABLE_VERSION_CHECK", "true")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
MTSAMPLES = ROOT.parent / "shared" / "benchmarks" / "notes" / "mtsamples_317.jsonl"


def load_both(pack: str):
    """(MedCAT as shipped, the toolkit's patched CAT) of the same pack."""
    from medcat.cat import CAT

    from coding_toolkit.concepts import dict_ner, medcat_compat
    from coding_toolkit.concepts.pack import MEDCAT_DIR, load_pack

    os.environ[dict_ner.ENV] = "dict"
    ours = load_pack(pack).cat
    assert any(type(c) is dict_ner.DictNER for c in medcat_compat.components(ours)), "dict NER not installed"
    plain = CAT.load_model_pack(str(Path(pack) / MEDCAT_DIR))
    assert type(medcat_compat.tokenizer(plain)).entity_from_tokens is not None and \
        "entity_from_tokens" not in vars(medcat_compat.tokenizer(plain)), "the plain CAT was patched"
    return plain, ours


def compare(medcat, ours, texts) -> dict:
    from coding_toolkit.concepts.dict_ner import entity_signature

    out = {"notes": 0, "ner_candidates": 0, "links": 0, "notes_differing": 0}
    for text in texts:
        a, b = entity_signature(medcat, text), entity_signature(ours, text)
        out["notes"] += 1
        out["ner_candidates"] += len(a[0])
        out["links"] += len(a[1])
        out["notes_differing"] += a != b
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pack", default=None)
    ap.add_argument("--notes", type=Path, nargs="*")
    args = ap.parse_args()
    if args.pack is None:
        from coding_toolkit.concepts.starter import starter_pack_path

        args.pack = str(starter_pack_path())
    notes = args.notes or [p for p in (ROOT / "examples" / "notes.jsonl", MTSAMPLES) if p.exists()]
    medcat, ours = load_both(args.pack)
    bad = 0
    for path in notes:
        texts = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        res = compare(medcat, ours, texts)
        bad += res["notes_differing"]
        print(f"{path.name}: {res}")
    print("IDENTICAL" if not bad else f"DIFFERENT in {bad} notes")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
