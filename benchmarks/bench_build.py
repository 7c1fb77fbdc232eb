"""Build a pack from a synthetic full-size release: wall time and peak memory.

    python benchmarks/bench_build.py [--concepts 350000] [--keep DIR]

Generates the release with benchmarks/synthetic_release.py (several hundred thousand active
concepts, over a million descriptions, NHS maps) in a temporary folder, then runs
``build_pack_from_release`` on it with every semantic tag, word vectors from the shared
MTSamples notes when present (else concept names only). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
NOTES = HERE.parent.parent / "shared" / "benchmarks" / "notes" / "mtsamples_317.jsonl"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--concepts", type=int, default=350_000)
    ap.add_argument("--keep", type=Path, help="keep the release and pack in this folder")
    args = ap.parse_args()

    from synthetic_release import generate

    import coding_toolkit.offline  # noqa: F401
    from coding_toolkit.concepts.build import build_pack_from_release
    from coding_toolkit.concepts.pack import load_pack

    root = args.keep or Path(tempfile.mkdtemp(prefix="ct_bench_build_"))
    t0 = time.time()
    gen = generate(root / "release", concepts=args.concepts)
    t_gen = time.time() - t0
    rss_gen = peak_rss_mb()
    t1 = time.time()
    pack_dir = build_pack_from_release(
        root / "release", root / "pack", tags=None, notes=NOTES if NOTES.exists() else None
    )
    t_build = time.time() - t1
    rss_build = peak_rss_mb()
    t2 = time.time()
    pack = load_pack(pack_dir)
    t_load = time.time() - t2
    size_mb = sum(p.stat().st_size for p in pack_dir.rglob("*") if p.is_file()) / 2**20
    print(
        json.dumps(
            {
                "concepts_requested": args.concepts,
                "generator": gen if isinstance(gen, dict) else None,
                "generate_s": round(t_gen, 1),
                "build_s": round(t_build, 1),
                "load_s": round(t_load, 1),
                "peak_rss_mb_after_generate": round(rss_gen),
                "peak_rss_mb_build": round(rss_build),
                "pack_mb": round(size_mb),
                "counts": pack.provenance["counts"],
                "maps": (pack.provenance["maps"].get("report") or {}).get("refsets"),
            },
            default=str,
        )
    )


if __name__ == "__main__":
    main()
