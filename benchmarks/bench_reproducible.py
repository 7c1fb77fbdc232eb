"""The cost of reproducible word vectors (issue 17): gensim with one worker thread (the default,
same vectors every build) against several (``model build --vector-workers N``).

    nice python benchmarks/bench_reproducible.py [--workers 2] [--repeat 2]

Trains the vectors (``concepts/vocab.build_vocab``) on the shared MTSamples notes plus the fixture
release's concept names, and builds the fixture release's pack with those notes, each with 1 and
N workers, alternating, best of ``--repeat``. Prints one JSON line with the seconds and the ratios
(1 worker / N workers), and whether two single-threaded builds had the same content hash.
Absolute times are noisy on a shared machine: compare the ratios of one run.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
NOTES = HERE.parent.parent / "shared" / "benchmarks" / "notes" / "mtsamples_317.jsonl"
RELEASE = HERE.parent / "tests" / "fixtures" / "rf2"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2, help="threads of the fast, non-reproducible run")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    if not NOTES.is_file():
        sys.exit(f"skipped: {NOTES} not found (the shared benchmark notes; see ../shared/benchmarks/README.md)")

    from coding_toolkit.concepts.build import build_pack_from_release
    from coding_toolkit.concepts.pack_files import read_pack_json
    from coding_toolkit.concepts.vocab import build_vocab
    from coding_toolkit.io.notes_reader import texts_of

    texts = list(texts_of(NOTES))
    vocab_s = {1: [], args.workers: []}
    build_s = {1: [], args.workers: []}
    hashes = []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeat):
            for workers in (1, args.workers):
                t = time.perf_counter()
                build_vocab(texts, workers=workers)
                vocab_s[workers].append(time.perf_counter() - t)
                out = Path(tmp) / f"pack_{workers}_{r}"
                t = time.perf_counter()
                build_pack_from_release(RELEASE, out, notes=NOTES, vector_workers=workers)
                build_s[workers].append(time.perf_counter() - t)
                if workers == 1:
                    hashes.append(read_pack_json(out)["content_hash"])
    v1, vn = min(vocab_s[1]), min(vocab_s[args.workers])
    b1, bn = min(build_s[1]), min(build_s[args.workers])
    print(json.dumps({"notes": len(texts), "workers": args.workers, "vectors_s_1": round(v1, 2),
                      f"vectors_s_{args.workers}": round(vn, 2), "vectors_ratio": round(v1 / vn, 2),
                      "build_s_1": round(b1, 2), f"build_s_{args.workers}": round(bn, 2),
                      "build_ratio": round(b1 / bn, 2), "single_thread_hashes_equal": len(set(hashes)) == 1}))


if __name__ == "__main__":
    main()
