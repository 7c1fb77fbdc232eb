"""Start-up: the toolkit against MedCAT's own load + one note, on the same pack, in one run (issue 27).

    python benchmarks/bench_startup.py [--pack PACK ...] [--large-work DIR] [--repeat 3] [--no-service]
                                       [--baseline-code DIR]

For each pack (the starter pack, every ``--pack``, and ``DIR/pack`` of ``bench_scale.py --work DIR``
when it exists), each measurement in a fresh Python process, the kinds taking turns:

* ``medcat``: ``CAT.load_model_pack`` + one ``get_entities`` (MedCAT's own, nothing of the toolkit's);
* ``library``: ``Pipeline.from_pack`` + ``process`` of the same note (maps, context, suggestions);
* ``annotate``: ``coding-toolkit annotate`` of a one-note JSONL file to a JSONL output (the CLI run,
  ledger and all);
* ``service``: ``coding-toolkit serve`` from the command until its first ``/api/process`` answer;
* ``annotate, re-hash``: ``annotate`` with ``CODING_TOOLKIT_PACK_VERIFY=always`` (every file hashed
  again, as on the first load of a pack or after a file changed);
* with ``--baseline-code DIR``: ``library`` and ``annotate`` run with the toolkit in DIR (before/after).

Each figure is the median over the rounds of the whole process's wall time and CPU time (user +
system; interpreter start to exit, the service: to its first answer) and, where the process reports
it, the wall time to the first result inside it. On a shared machine the CPU times are the steadier.
Prints one table per pack with each kind's ratio to ``medcat``, the machine load (``uptime``) before
and after, and a JSON line. Other jobs on a shared machine move absolute times: read the ratios.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
NOTE = "Type 2 diabetes mellitus with hypertension. No chest pain. Previous myocardial infarction in 2015."

MEDCAT = """
import time; t0 = time.perf_counter()
import sys, json
from medcat.cat import CAT
cat = CAT.load_model_pack(sys.argv[1] + "/medcat")
n = len(cat.get_entities(sys.argv[2])["entities"])
print(json.dumps({"first_result_s": time.perf_counter() - t0, "entities": n}))
"""
LIBRARY = """
import time; t0 = time.perf_counter()
import sys, json
from coding_toolkit.pipeline import Pipeline
from coding_toolkit.records import Note
result = Pipeline.from_pack(sys.argv[1]).process(Note(note_id="n1", text=sys.argv[2]))
print(json.dumps({"first_result_s": time.perf_counter() - t0, "entities": len(result.mentions)}))
"""


def uptime() -> str:
    try:
        return "load average " + ", ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "load average n/a"


def _env(extra: dict | None = None) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "MEDCAT_DISABLE_VERSION_CHECK": "true", "HF_HUB_OFFLINE": "1"}
    env.update(extra or {})
    return env


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(args: list[str], env: dict | None = None, cwd: Path | None = None) -> dict:
    """Wall time and CPU time (user + system: far less moved by other jobs' load) of one process. It
    runs in ``cwd`` (a scratch folder), so its code comes from PYTHONPATH, not the current folder."""
    cpu0, t0 = _children_cpu(), time.perf_counter()
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=_env(env), cwd=cwd)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    if done.returncode:
        sys.stderr.write(done.stderr[-3000:])
        raise SystemExit(f"failed (exit {done.returncode}): {' '.join(args[:3])}")
    out = {"wall_s": wall, "cpu_s": cpu}
    last = (done.stdout.strip().splitlines() or [""])[-1]
    if last.startswith("{"):
        out.update(json.loads(last))
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def service_first_answer(pack: str, work: Path) -> dict:
    """Seconds from ``coding-toolkit serve`` to its first 200 on /api/process (loopback only)."""
    import httpx

    port = _free_port()
    log = open(work / "serve.log", "wb")
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "coding_toolkit", "serve", "--pack", pack, "--port", str(port),
                             "--no-access-log"], stdout=log, stderr=subprocess.STDOUT, env=_env(), cwd=work)
    try:
        deadline = t0 + 600
        while time.perf_counter() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"serve exited {proc.returncode}: {(work / 'serve.log').read_text()[-2000:]}")
            try:
                r = httpx.post(f"http://127.0.0.1:{port}/api/process", json={"content": {"text": NOTE}}, timeout=60)
                if r.status_code == 200:
                    import psutil

                    times = psutil.Process(proc.pid).cpu_times()  # the server, up to its first answer
                    return {"wall_s": time.perf_counter() - t0, "cpu_s": times.user + times.system,
                            "entities": len(r.json()["result"]["annotations"])}
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise SystemExit("serve did not answer within 600 s")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def measure(pack: str, repeat: int, service: bool, baseline: Path | None = None) -> dict[str, list[dict]]:
    with tempfile.TemporaryDirectory(prefix="ct-startup-") as tmp:
        work = Path(tmp)
        notes = work / "one.jsonl"
        notes.write_text(json.dumps({"note_id": "n1", "text": NOTE}) + "\n", encoding="utf-8")
        state = {"CODING_TOOLKIT_STATE": str(work / "state")}
        cli = ["-m", "coding_toolkit", "annotate", str(notes), "--pack", pack, "--out", str(work / "out.jsonl"),
               "--overwrite"]
        kinds = {
            "medcat": lambda: timed(["-c", MEDCAT, pack, NOTE], cwd=work),
            "library": lambda: timed(["-c", LIBRARY, pack, NOTE], cwd=work),
            "annotate": lambda: timed(cli, state, work),
            "annotate, re-hash": lambda: timed(cli, {**state, "CODING_TOOLKIT_PACK_VERIFY": "always"}, work),
        }
        if service:
            kinds["service"] = lambda: service_first_answer(pack, work)
        if baseline:  # the same runs with another checkout's code (e.g. main before this change)
            other = {**state, "PYTHONPATH": str(baseline)}
            kinds["library, baseline code"] = lambda: timed(["-c", LIBRARY, pack, NOTE], other, work)
            kinds["annotate, baseline code"] = lambda: timed(cli, other, work)
        timed(cli, state, work)  # once first: the pack's verdict is remembered (as after any earlier load)
        runs: dict[str, list[dict]] = {k: [] for k in kinds}
        for _ in range(repeat):
            for kind, run in kinds.items():  # the kinds take turns: a load change hits them all alike
                runs[kind].append(run())
                print(f"  {kind}: {runs[kind][-1]['wall_s']:.2f}s", file=sys.stderr, flush=True)
        return runs


def report(name: str, runs: dict[str, list[dict]]) -> dict:
    def median(key: str) -> dict[str, float]:
        return {k: statistics.median(r[key] for r in v) for k, v in runs.items() if all(key in r for r in v)}

    wall, cpu, first = median("wall_s"), median("cpu_s"), median("first_result_s")
    print(f"\n{name}")
    print(f"  {'kind':26s} {'process s':>9s} {'ratio':>6s} {'CPU s':>7s} {'ratio':>6s} {'first result s':>14s} {'ratio':>6s}")
    for kind in runs:
        f = first.get(kind)
        print(f"  {kind:26s} {wall[kind]:9.2f} {wall[kind] / wall['medcat']:6.2f} {cpu[kind]:7.2f} "
              f"{cpu[kind] / cpu['medcat']:6.2f} "
              + (f"{f:14.2f} {f / first['medcat']:6.2f}" if f is not None else ""))
    return {"pack": name, "process_s": {k: round(v, 2) for k, v in wall.items()},
            "ratio_to_medcat": {k: round(v / wall["medcat"], 2) for k, v in wall.items()},
            "cpu_s": {k: round(v, 2) for k, v in cpu.items()},
            "cpu_ratio_to_medcat": {k: round(v / cpu["medcat"], 2) for k, v in cpu.items()},
            "first_result_s": {k: round(v, 2) for k, v in first.items()},
            "first_result_ratio": {k: round(v / first["medcat"], 2) for k, v in first.items()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pack", action="append", default=[], help="a pack folder (repeatable)")
    ap.add_argument("--large-work", type=Path, default=None,
                    help="bench_scale.py's --work folder: its pack/ is measured too when it exists")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-service", action="store_true")
    ap.add_argument("--no-starter", action="store_true")
    ap.add_argument("--baseline-code", type=Path, default=None, metavar="DIR",
                    help="also run library and annotate with the toolkit checked out in DIR (e.g. main)")
    args = ap.parse_args()
    packs = [] if args.no_starter else ["starter"]
    packs += args.pack
    if args.large_work and (args.large_work / "pack" / "pack.json").is_file():
        packs.append(str(args.large_work / "pack"))
    print(f"python {platform.python_version()} ({platform.python_build()[0]}, {sys.executable}), "
          f"{os.cpu_count()} cores, {platform.platform()}")
    print(f"before: {uptime()}")
    results = []
    for pack in packs:
        if pack == "starter":
            from coding_toolkit.concepts.starter import starter_pack_path
            pack = str(starter_pack_path())
        print(f"measuring {pack} ({args.repeat} rounds)", file=sys.stderr, flush=True)
        results.append(report(pack, measure(pack, args.repeat, not args.no_service, args.baseline_code)))
    print(f"\nafter: {uptime()}")
    print(json.dumps({"results": results, "python": platform.python_version()}))


if __name__ == "__main__":
    main()
