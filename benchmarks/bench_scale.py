"""Throughput and memory at the size of a trust's pack (issue 15), beside the starter pack.

    python benchmarks/bench_scale.py [--work DIR] [--concepts N | --full-uk 700000] [--min-mb 10]
                                     [--ner medcat|dict|both] [--profile]

1. generates the large synthetic release (``benchmarks/large_release.py``: ~150-200k concepts,
   names from ICD-10-CM / ICD-10-PCS / GPS) unless DIR/release exists, and builds a pack from it in a
   child process (build time, peak RSS of the build), every semantic tag, word vectors from the
   shared MTSamples notes;
2. for the large pack and the starter pack, each in a fresh child process: pack load time (hash
   check + unpickle), RSS after load, the plain MedCAT ``get_entities`` loop (the pack loaded with
   ``CAT.load_model_pack`` and nothing of the toolkit's), toolkit ``annotate`` end to end with 1 and
   2 workers on the MTSamples notes repeated to >= ``--min-mb`` MB (notes/s, MB/s), and PSS/USS/RSS
   of the parent and each worker sampled in shorter runs of their own (psutil; not while timing);
3. ``--profile``: where the time of one worker goes (cProfile self time grouped into tokenising,
   NER candidates, linking, context, maps, writing/ledger, other).

``--ner`` picks the NER step for the toolkit runs: ``medcat`` (MedCAT's vocab NER), ``dict`` (the
compiled dictionary matcher, coding_toolkit/concepts/dict_ner.py) or ``both``. Prints one table per
pack and a JSON line. Figures on a shared 2-core machine are noisy: compare ratios within one run.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
NOTES = ROOT.parent / "shared" / "benchmarks" / "notes" / "mtsamples_317.jsonl"
os.environ.setdefault("MEDCAT_DISABLE_VERSION_CHECK", "true")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


# -- child-process helpers ------------------------------------------------------------------------
MIN_FREE_MB = 4096  # a child is stopped when the machine's available memory falls below this


def available_mb() -> float:
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    return float("inf")


def _child(code: str) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON line last. Adds the child's peak RSS.
    The child is stopped (and the benchmark with it) when the machine's available memory falls below
    MIN_FREE_MB: a shared machine must not run out of memory for a measurement."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(HERE), os.environ.get("PYTHONPATH", "")])}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    low: list[float] = []

    def guard():
        while proc.poll() is None:
            free = available_mb()
            if free < MIN_FREE_MB:
                low.append(free)
                proc.kill()
                return
            time.sleep(1.0)

    threading.Thread(target=guard, daemon=True).start()
    stdout, stderr = proc.communicate()
    done = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
    if low:
        raise SystemExit(f"child stopped: available memory fell to {low[0]:.0f} MB (< {MIN_FREE_MB} MB)")
    if done.returncode:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"child failed (exit {done.returncode})")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out["child_peak_rss_mb"] = round(peak / 1024) if peak > before else None
    return out


def build(release: Path, pack: Path) -> dict:
    code = f"""
import json, time, resource
from pathlib import Path
import coding_toolkit.offline
from coding_toolkit.concepts.build import build_pack_from_release
t = time.perf_counter()
build_pack_from_release(Path({str(release)!r}), Path({str(pack)!r}), tags=None,
                        notes={str(NOTES) if NOTES.exists() else None!r})
print(json.dumps({{"build_s": round(time.perf_counter() - t, 1),
                  "build_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}}))
"""
    return _child(code)


class MemorySampler:
    """Largest PSS/USS/RSS of this process and its children seen while running (every 0.25 s)."""

    def __init__(self):
        import psutil

        self.proc = psutil.Process()
        self.peak: dict = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self):
        procs = [("parent", self.proc)] + [(f"worker{i + 1}", c) for i, c in enumerate(self.proc.children())]
        total = {"pss": 0, "uss": 0, "rss": 0}
        for name, p in procs:
            try:
                m = p.memory_full_info()
            except Exception:  # a worker that just exited
                continue
            row = {"pss": m.pss, "uss": m.uss, "rss": m.rss}
            for k in total:
                total[k] += row[k]
            old = self.peak.get(name, {})
            self.peak[name] = {k: max(v, old.get(k, 0)) for k, v in row.items()}
        old = self.peak.get("total", {})
        self.peak["total"] = {k: max(v, old.get(k, 0)) for k, v in total.items()}

    def _run(self):
        while not self._stop.wait(0.25):
            self._sample()

    def __enter__(self):
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._sample()

    def mb(self) -> dict:
        return {name: {k: round(v / 2**20) for k, v in row.items()} for name, row in self.peak.items()}


def _notes(copies: int):
    from coding_toolkit.records import Note

    base = [json.loads(line) for line in NOTES.read_text(encoding="utf-8").splitlines() if line.strip()]
    for copy in range(copies):
        for row in base:
            yield Note(note_id=f"{row['note_id']}-{copy}", text=row["text"])


class NoSampler:
    """Stands in for MemorySampler in the timed runs."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def mb(self) -> dict:
        return {}


def _toolkit_run(pipeline, copies: int, workers: int, out: Path, *, sample: bool = False) -> tuple[float, dict]:
    """Time an annotate run; with ``sample``, its memory instead. Timed runs are not sampled: reading
    /proc/PID/smaps_rollup of a 9 GB process walks its page tables (tens of ms each), which at 4
    samples a second took a large share of a core from the toolkit on the full-size pack."""
    from coding_toolkit.bulk import runner
    from coding_toolkit.io.sinks import open_sink
    from coding_toolkit.run_config import RunConfig

    for suffix in ("", ".ledger.sqlite", ".ledger.sqlite-wal", ".ledger.sqlite-shm"):
        Path(f"{out}{suffix}").unlink(missing_ok=True)
    sink = open_sink("jsonl", out, run={"pack_hash": pipeline.pack.hash})
    with (MemorySampler() if sample else NoSampler()) as mem:
        start = time.perf_counter()
        runner.run(_notes(copies), RunConfig(workers=workers), sink, pipeline=pipeline, ledger_path=f"{out}.ledger.sqlite")
        took = time.perf_counter() - start
    return took, mem.mb()


BUCKETS = (  # (label, path fragments) checked in order against a function's file
    ("tokenise", ("medcat/tokenizing",)),
    ("tagging/normalising", ("medcat/components/tagging", "medcat/components/normalizing")),
    ("NER candidates", ("medcat/components/ner", "coding_toolkit/concepts/dict_ner")),
    ("linking", ("medcat/components/linking", "medcat/cdb", "medcat/vocab", "numpy")),
    ("context", ("coding_toolkit/context",)),
    ("maps + suggestions", ("coding_toolkit/mapping", "coding_toolkit/suggest")),
    ("writing + ledger", ("coding_toolkit/io", "coding_toolkit/bulk", "orjson", "sqlite3", "json")),
    ("pack.annotate + pipeline", ("coding_toolkit/concepts/pack", "coding_toolkit/pipeline",
                                  "coding_toolkit/records")),
    ("medcat other", ("medcat/",)),
)


def _profile(pipeline, out: Path) -> dict:
    """cProfile self time of one in-process run over the notes once, grouped by stage."""
    import cProfile
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    took, _ = _toolkit_run(pipeline, 1, 1, out)
    prof.disable()
    stats = pstats.Stats(prof).stats
    groups: dict[str, float] = {}
    top = []
    for (path, line, func), (_cc, _nc, tottime, _ct, _callers) in stats.items():
        path = path.replace("\\", "/")
        label = next((lab for lab, frags in BUCKETS if any(f in path for f in frags)),
                     "builtins (lookups, regex, str)" if path == "~" else "other")
        groups[label] = groups.get(label, 0.0) + tottime
        top.append((tottime, f"{Path(path).name}:{line}({func})"))
    total = sum(groups.values()) or 1.0
    top.sort(reverse=True)
    return {"wall_s_under_profile": round(took, 1),
            "share": {k: round(v / total, 3) for k, v in sorted(groups.items(), key=lambda kv: -kv[1])},
            "top_functions": [f"{t:.2f}s {name}" for t, name in top[:12]]}


def measure(pack: str, ner: str, min_mb: float, profile: bool, work: Path) -> dict:
    """Run in a child process: load, plain MedCAT loop, toolkit 1 and 2 workers, memory."""
    import gc

    from coding_toolkit.concepts import dict_ner
    from coding_toolkit.pipeline import Pipeline

    texts = [n.text for n in _notes(1)]
    mb_once = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    copies = max(1, int(-(-min_mb // mb_once)))
    res: dict = {"pack": pack, "ner": ner, "notes_mb_once": round(mb_once, 2), "copies": copies}
    if ner == "dict":
        os.environ[dict_ner.ENV] = "dict"
    else:
        os.environ[dict_ner.ENV] = "medcat"
    import psutil

    proc = psutil.Process()
    rss0 = proc.memory_info().rss
    t = time.perf_counter()
    # loaded once, as annotate loads it: with a first load measured and freed before this one, the
    # forked workers of the full-size pack ran no faster than one (0.89-1.0x; loaded once: 1.89x),
    # their allocations landing in the freed, shared pages of the parent's heap
    pipeline = Pipeline.from_pack(pack)
    res["load_s"] = round(time.perf_counter() - t, 1)
    res["rss_after_load_mb"] = round((proc.memory_info().rss - rss0) / 2**20)
    cdb = pipeline.pack.cat.cdb
    res["concepts"], res["names"] = len(cdb.cui2info), len(cdb.name2info)
    del cdb
    from coding_toolkit.process import freeze_loaded_objects

    freeze_loaded_objects()  # as the annotate command does after loading
    for text in texts[:10]:
        pipeline.pack.annotate(text)
    w1, _ = _toolkit_run(pipeline, copies, 1, work / "w1.jsonl")
    w2, _ = _toolkit_run(pipeline, copies, 2, work / "w2.jsonl")
    # memory in shorter runs of their own (the sampler costs time on a large process)
    mem_copies = max(1, copies // 4)
    _, mem1 = _toolkit_run(pipeline, mem_copies, 1, work / "m1.jsonl", sample=True)
    _, mem2 = _toolkit_run(pipeline, mem_copies, 2, work / "m2.jsonl", sample=True)
    n = len(texts) * copies
    res["w1"] = {"notes_s": round(n / w1, 1), "mb_s": round(mb_once * copies / w1, 2), "memory_mb": mem1}
    res["w2"] = {"notes_s": round(n / w2, 1), "mb_s": round(mb_once * copies / w2, 2), "memory_mb": mem2}
    res["w2_over_w1"] = round(w1 / w2, 2)
    res["pss_w2_over_w1"] = round(mem2["total"]["pss"] / max(1, mem1["total"]["pss"]), 2)
    res["rss_w2_over_w1"] = round(mem2["total"]["rss"] / max(1, mem1["total"]["rss"]), 2)
    if profile:
        res["profile"] = _profile(pipeline, work / "prof.jsonl")
    # the plain MedCAT loop: the pack's model as a MedCAT user loads it, none of the toolkit's changes
    gc.unfreeze()
    del pipeline
    gc.collect()
    from medcat.cat import CAT

    plain = CAT.load_model_pack(str(Path(pack) / "medcat"))
    for text in texts[:10]:
        plain.get_entities(text)
    t = time.perf_counter()
    for text in texts:
        plain.get_entities(text)
    raw = time.perf_counter() - t
    res["plain_medcat"] = {"notes_s": round(len(texts) / raw, 1), "mb_s": round(mb_once / raw, 2)}
    res["w1_over_plain"] = round(res["w1"]["notes_s"] / res["plain_medcat"]["notes_s"], 2)
    return res


def _measure_child(pack: str, ner: str, min_mb: float, profile: bool, work: Path) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    code = (f"import json, bench_scale; print(json.dumps(bench_scale.measure({pack!r}, {ner!r}, {min_mb!r}, "
            f"{profile!r}, __import__('pathlib').Path({str(work)!r}))))")
    return _child(code)


def _table(r: dict) -> str:
    m1, m2 = r["w1"]["memory_mb"], r["w2"]["memory_mb"]
    workers = ", ".join(f"{k} PSS {v['pss']} / USS {v['uss']} / RSS {v['rss']}"
                        for k, v in m2.items() if k.startswith("worker"))
    lines = [
        f"pack {r['pack']}: {r['concepts']:,} concepts, {r['names']:,} names; NER {r['ner']}",
        f"  load (pack + pipeline)            {r['load_s']:>8} s   (+{r['rss_after_load_mb']} MB RSS)",
        f"  plain MedCAT get_entities loop    {r['plain_medcat']['notes_s']:>8} notes/s {r['plain_medcat']['mb_s']:>6} MB/s",
        f"  toolkit annotate --workers 1      {r['w1']['notes_s']:>8} notes/s {r['w1']['mb_s']:>6} MB/s"
        f"   = {r['w1_over_plain']} x plain MedCAT (target >= 1.5)",
        f"  toolkit annotate --workers 2      {r['w2']['notes_s']:>8} notes/s {r['w2']['mb_s']:>6} MB/s"
        f"   = {r['w2_over_w1']} x 1 worker (target >= 1.7)",
        f"  memory 1 worker: total PSS {m1['total']['pss']} MB (RSS {m1['total']['rss']})",
        f"  memory 2 workers: total PSS {m2['total']['pss']} MB (RSS {m2['total']['rss']}) = "
        f"{r['pss_w2_over_w1']} x 1 worker by PSS (target <= 1.3); parent PSS {m2['parent']['pss']}; {workers}",
        f"  notes: MTSamples x {r['copies']} = {r['notes_mb_once'] * r['copies']:.1f} MB",
    ]
    if "profile" in r:
        lines.append("  where one worker's time goes (cProfile self time): " + ", ".join(
            f"{k} {v:.0%}" for k, v in r["profile"]["share"].items()))
        lines += [f"      {f}" for f in r["profile"]["top_functions"]]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=Path("/tmp/ct_bench_scale"))
    ap.add_argument("--concepts", type=int, default=None, help="sample this many concepts (debugging)")
    ap.add_argument("--full-uk", type=int, default=None, metavar="N",
                    help="a release of about N concepts in the shape of the UK Clinical Edition + dm+d "
                         "(large_release.py --full-uk), e.g. 700000")
    ap.add_argument("--min-mb", type=float, default=10.0)
    ap.add_argument("--ner", choices=("medcat", "dict", "both"), default="both")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--no-starter", action="store_true")
    args = ap.parse_args()
    if not NOTES.exists():
        print(f"SKIPPED: benchmark notes not found at {NOTES} (they live in ../shared/benchmarks)")
        return
    from large_release import NEEDS, generate, missing_packages

    missing = missing_packages()
    if missing:
        print(f"SKIPPED: {', '.join(missing)} not installed; {NEEDS}")
        return
    release, pack = args.work / "release", args.work / "pack"
    report: dict = {}
    if not release.exists():
        t = time.perf_counter()
        report["release"] = generate(release, args.concepts, full_uk=args.full_uk)
        report["release"]["generate_s"] = round(time.perf_counter() - t, 1)
        print(f"release: {report['release']}", flush=True)
    if not (pack / "pack.json").exists():
        report["build"] = build(release, pack)
        print(f"build: {report['build']}", flush=True)
    report["pack_on_disk_mb"] = {p.name: round(sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) / 2**20)
                                 if p.is_dir() else round(p.stat().st_size / 2**20) for p in pack.iterdir()}
    print(f"pack on disk (MB): {report['pack_on_disk_mb']}", flush=True)
    # the interpreter's build matters: a distribution's PGO/LTO build ran ~9% faster end to end than a
    # plain source build of the same minor version here (docs/sizing.md), so the figures name it
    report["python"] = f"{platform.python_version()} ({sys.executable})"
    print(f"python {report['python']}", flush=True)
    packs = [str(pack)]
    if not args.no_starter:
        from coding_toolkit.concepts.starter import starter_pack_path

        packs.append(str(starter_pack_path()))
    ners = ("medcat", "dict") if args.ner == "both" else (args.ner,)
    report["runs"] = []
    for p in packs:
        for ner in ners:
            r = _measure_child(p, ner, args.min_mb, args.profile, args.work / "runs")
            report["runs"].append(r)
            print(_table(r), flush=True)
    print(json.dumps(report, default=str))


if __name__ == "__main__":
    main()
