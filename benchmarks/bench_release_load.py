"""Time and peak memory of reading a full-size release and importing its maps.

    python benchmarks/bench_release_load.py [RELEASE_DIR] [--concepts 350000] [--tracemalloc]

Without RELEASE_DIR a synthetic release (benchmarks/synthetic_release.py) is generated in a
temporary folder first. Prints one line per step and a JSON summary. Peak RSS comes from
``resource.getrusage`` (the whole process, including pandas/Arrow buffers); ``--tracemalloc`` adds
the Python-heap peak (slower).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coding_toolkit.mapping.engine import MapEngine  # noqa: E402
from coding_toolkit.mapping.store import MapStore  # noqa: E402
from coding_toolkit.terminology import Release  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("release", nargs="?", type=Path)
    ap.add_argument("--concepts", type=int, default=350_000)
    ap.add_argument("--tracemalloc", action="store_true")
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="ct-bench-")
    figures: dict[str, float | int] = {}
    path = args.release
    if path is None:
        from synthetic_release import generate

        path = Path(tmp.name) / "release"
        t0 = time.perf_counter()
        counts = generate(path, args.concepts)
        figures["generate_s"] = round(time.perf_counter() - t0, 1)
        figures.update({f"rows_{k}": v for k, v in counts.items()})
        print(f"generated synthetic release {counts} in {figures['generate_s']}s", flush=True)
    base = peak_rss_mb()
    if args.tracemalloc:
        tracemalloc.start()

    def step(name, fn):
        t0 = time.perf_counter()
        out = fn()
        figures[f"{name}_s"] = round(time.perf_counter() - t0, 2)
        figures[f"{name}_peak_rss_mb"] = round(peak_rss_mb(), 0)
        print(
            f"{name}: {figures[f'{name}_s']}s, peak RSS {figures[f'{name}_peak_rss_mb']:.0f} MB", flush=True
        )
        return out

    release = Release(path)
    n = step("concept_entries", lambda: sum(1 for _ in release.concept_entries()))
    figures["concepts_with_names"] = n
    figures["disorders"] = step(
        "tag_filter", lambda: sum(1 for _ in release.concept_entries(tags=["disorder"]))
    )
    figures["descendants_of_root"] = step("hierarchy", lambda: len(release.descendants("138875005")))
    store = MapStore(Path(tmp.name) / "maps.sqlite")
    report = step("map_import_sqlite", lambda: store.import_release(release))
    figures["map_rows_imported"] = sum(r["rows"] for r in report.refsets)
    engine = MapEngine(store)
    step("map_preload", engine.preload)
    ids = [e.sctid for _, e in zip(range(20_000), release.concept_entries(tags=["disorder"]))]
    t0 = time.perf_counter()
    hits = sum(1 for s in ids if engine.lookup(s))
    figures["lookups_per_s"] = round(len(ids) / (time.perf_counter() - t0))
    figures["lookup_hits"] = hits
    print(f"lookups: {figures['lookups_per_s']}/s ({hits}/{len(ids)} with rows)")
    if args.tracemalloc:
        figures["python_heap_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 0)
    figures["baseline_rss_mb"] = round(base, 0)
    figures["peak_rss_mb"] = round(peak_rss_mb(), 0)
    print(json.dumps(figures, indent=1))
    tmp.cleanup()


if __name__ == "__main__":
    main()
