"""``coding-toolkit serve`` throughput and latency on loopback, measured in one run (issue 13).

    python benchmarks/bench_service.py [--pack PACK] [--notes examples/notes.jsonl] [--copies 6]

Prints, on the same pack and notes:
  * notes/s through ``/api/process_bulk`` (batches of --batch notes, one client) vs the annotate hot
    path in this process (``Pipeline.process`` + the JSONL serialiser, one worker), and their ratio;
  * single-note ``/api/process`` latency p50/p95 and requests/s under --clients concurrent clients;
  * ``/api/info`` latency while a bulk request is being processed.
Default pack: the starter pack. The server runs 1 worker, as annotate does here.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> None:
    import httpx

    from coding_toolkit.io.serialize import dumps_result
    from coding_toolkit.pipeline import Pipeline
    from coding_toolkit.records import Note
    from tests.web.live_server import live_server

    ap = argparse.ArgumentParser()
    ap.add_argument("--pack", default=None)
    ap.add_argument("--notes", default=str(ROOT / "examples" / "notes.jsonl"))
    ap.add_argument("--copies", type=int, default=6)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--clients", type=int, default=4)
    args = ap.parse_args()

    base = [json.loads(line)["text"] for line in Path(args.notes).read_text().splitlines() if line.strip()]
    texts = base * args.copies
    pipeline = Pipeline.from_pack(args.pack)
    for t in base[:3]:  # warm-up, as the server gets below
        pipeline.process(Note(note_id="w", text=t))
    started = time.perf_counter()
    for i, t in enumerate(texts):
        dumps_result(pipeline.process(Note(note_id=str(i), text=t)))
    local_rate = len(texts) / (time.perf_counter() - started)

    with tempfile.TemporaryDirectory() as tmp, live_server(
            ["serve", "--no-access-log"] + (["--pack", args.pack] if args.pack else []), Path(tmp) / "log") as s:
        with httpx.Client(timeout=600) as client:
            for t in base[:3]:
                client.post(s.url + "/api/process", json={"content": {"text": t}})
            started = time.perf_counter()
            for at in range(0, len(texts), args.batch):
                r = client.post(s.url + "/api/process_bulk",
                                json={"content": [{"text": t} for t in texts[at:at + args.batch]]})
                assert r.status_code == 200
            bulk_rate = len(texts) / (time.perf_counter() - started)

        latencies: list[float] = []

        def client_loop(share):
            # one keep-alive connection per client (a new httpx.Client per request costs more than the note)
            with httpx.Client(timeout=600) as c:
                for t in share:
                    t0 = time.perf_counter()
                    assert c.post(s.url + "/api/process", json={"content": {"text": t}}).status_code == 200
                    latencies.append(time.perf_counter() - t0)

        started = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(client_loop, [texts[i::args.clients] for i in range(args.clients)]))
        wall = time.perf_counter() - started

        info_lat: list[float] = []
        done = threading.Event()
        big = {"content": [{"text": t} for t in texts]}
        worker = threading.Thread(target=lambda: (httpx.post(s.url + "/api/process_bulk", json=big, timeout=600),
                                                  done.set()))
        worker.start()
        time.sleep(0.2)
        with httpx.Client(timeout=60) as c:
            while not done.is_set():
                t0 = time.perf_counter()
                c.get(s.url + "/api/info")
                info_lat.append(time.perf_counter() - t0)
                time.sleep(0.05)
        worker.join()

    print(f"notes: {len(texts)} ({len(base)} x {args.copies}); pack: {args.pack or 'starter'}")
    print(f"annotate hot path (in process, 1 worker): {local_rate:.1f} notes/s")
    print(f"/api/process_bulk (batches of {args.batch}, 1 worker): {bulk_rate:.1f} notes/s  "
          f"ratio service/annotate = {bulk_rate / local_rate:.2f}")
    print(f"/api/process single notes, {args.clients} clients: p50 {1000 * statistics.median(latencies):.1f} ms, "
          f"p95 {1000 * pct(latencies, 0.95):.1f} ms, {len(texts) / wall:.1f} requests/s")
    if info_lat:
        print(f"/api/info during a bulk request: p50 {1000 * statistics.median(info_lat):.1f} ms, "
              f"max {1000 * max(info_lat):.1f} ms over {len(info_lat)} calls")


if __name__ == "__main__":
    main()
