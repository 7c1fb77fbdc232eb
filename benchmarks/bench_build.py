"""Build a pack from a synthetic full-size release: wall time and peak memory.

    python benchmarks/bench_build.py [--concepts 350000] [--keep DIR]
    python benchmarks/bench_build.py --release DIR [--keep DIR]   # an existing release, e.g. from
                                                                 # large_release.py --full-uk 760000

Generates the release with benchmarks/synthetic_release.py (several hundred thousand active
concepts, over a million descriptions, NHS maps) in a temporary folder, or takes ``--release``,
then runs ``build_pack_from_release`` on it with every semantic tag, word vectors from the shared
MTSamples notes when present (else concept names only). Prints one JSON line, with the peak
resident memory of each build phase (sampled every 0.1 s from /proc/self/status) so the phase
that sets the build's peak is named, not guessed (issue 27).
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


class PhasePeaks:
    """Peak RSS while each named build phase runs (the innermost phase gets the sample)."""

    PHASES = (  # (module, attribute): the build's steps, in order
        ("coding_toolkit.refine.build", "index_from_release"),
        ("coding_toolkit.concepts.build", "build_cdb"),
        ("coding_toolkit.concepts.vocab", "build_vocab"),
        ("medcat.cat", "CAT.save_model_pack"),
        ("coding_toolkit.concepts.reproducible", "canonicalise_medcat_dir"),
        ("coding_toolkit.concepts.build", "_write_maps"),
        ("coding_toolkit.refine.build", "save_index"),
    )

    def __init__(self):
        import threading

        self.stack: list[str] = ["between phases"]
        self.peaks: dict[str, float] = {}
        self.seconds: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def rss_mb() -> float:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def _sample(self) -> None:
        name = self.stack[-1]
        self.peaks[name] = max(self.peaks.get(name, 0.0), self.rss_mb())

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self._sample()

    def _wrap(self, name: str, fn):
        import functools

        @functools.wraps(fn)
        def traced(*args, **kwargs):
            self.stack.append(name)
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self._sample()
                self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started
                self.stack.pop()
        return traced

    def __enter__(self):
        import importlib

        for module_name, attr in self.PHASES:
            owner = importlib.import_module(module_name)
            *path, last = attr.split(".")
            for part in path:
                owner = getattr(owner, part)
            setattr(owner, last, self._wrap(attr.split(".")[-1], getattr(owner, last)))
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def report(self) -> dict:
        return {name: {"peak_rss_mb": round(self.peaks.get(name, 0.0)),
                       "seconds": round(self.seconds[name], 1) if name in self.seconds else None}
                for name in self.peaks}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--concepts", type=int, default=350_000)
    ap.add_argument("--keep", type=Path, help="keep the release and pack in this folder")
    ap.add_argument("--release", type=Path, help="build from this release instead of generating one")
    args = ap.parse_args()

    from synthetic_release import generate

    import coding_toolkit.offline  # noqa: F401
    from coding_toolkit.concepts.build import build_pack_from_release
    from coding_toolkit.concepts.pack import load_pack

    root = args.keep or Path(tempfile.mkdtemp(prefix="ct_bench_build_"))
    t0 = time.time()
    release = args.release or root / "release"
    gen = None if args.release else generate(release, concepts=args.concepts)
    t_gen = time.time() - t0
    rss_gen = peak_rss_mb()
    t1 = time.time()
    with PhasePeaks() as phases:
        pack_dir = build_pack_from_release(
            release, root / "pack", tags=None, notes=NOTES if NOTES.exists() else None
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
                "release": str(release),
                "concepts_requested": None if args.release else args.concepts,
                "generator": gen if isinstance(gen, dict) else None,
                "generate_s": round(t_gen, 1),
                "build_s": round(t_build, 1),
                "load_s": round(t_load, 1),
                "peak_rss_mb_after_generate": round(rss_gen),
                "peak_rss_mb_build": round(rss_build),
                "phases": phases.report(),
                "pack_mb": round(size_mb),
                "counts": pack.provenance["counts"],
                "maps": (pack.provenance["maps"].get("report") or {}).get("refsets"),
            },
            default=str,
        )
    )


if __name__ == "__main__":
    main()
