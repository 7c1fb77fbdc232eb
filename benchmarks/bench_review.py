"""The review page in headless Chromium: the screenshot in docs/, and the time to open a 1 MB note.

    python benchmarks/bench_review.py [--pack PACK] [--note N002] [--screenshot docs/review-note.png]

Annotates examples/notes.jsonl with the pack (default: the starter pack), serves ``review serve`` on
a loopback port, records one decision so the page shows all states, saves a 1280x800 screenshot
of the note view, then opens a 1 MB note (the example notes repeated) and prints fetch and render
times (the page measures them with performance.now()). Needs chromium + chromium-driver (Debian).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def annotate(notes: Path, out: Path, pack: str | None) -> None:
    subprocess.run([sys.executable, "-m", "coding_toolkit", "annotate", str(notes), "--out", str(out),
                    "--no-progress"] + (["--pack", pack] if pack else []), check=True, capture_output=True)


def open_note(driver, url: str, note_id: str, timeout: int = 300) -> dict:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{url}/#{note_id}")
    WebDriverWait(driver, timeout).until(
        lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-note") == note_id)
    body = driver.find_element(By.TAG_NAME, "body")
    return {"fetch_ms": int(body.get_attribute("data-fetch-ms")), "render_ms": int(body.get_attribute("data-render-ms")),
            "marks": driver.execute_script("return document.querySelectorAll('#note mark').length")}


def main() -> None:
    import httpx

    from tests.web.browser import Browser, available
    from tests.web.live_server import live_server

    ap = argparse.ArgumentParser()
    ap.add_argument("--pack", default=None)
    ap.add_argument("--note", default="N002")
    ap.add_argument("--screenshot", default=str(ROOT / "docs" / "review-note.png"))
    args = ap.parse_args()
    missing = available()
    if missing:
        sys.exit(missing)
    pack_args = ["--pack", args.pack] if args.pack else []
    notes = ROOT / "examples" / "notes.jsonl"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        annotate(notes, tmp / "results.jsonl", args.pack)
        base = [json.loads(line)["text"] for line in notes.read_text().splitlines() if line.strip()]
        big = "\n\n".join(base * 200)[:1_000_000]
        (tmp / "big.jsonl").write_text(json.dumps({"note_id": "big", "text": big}) + "\n")
        annotate(tmp / "big.jsonl", tmp / "big-results.jsonl", args.pack)
        browser = Browser(1280, 800)
        try:
            with live_server(["review", "serve", str(tmp / "results.jsonl"), "--notes", str(notes), "--db",
                              str(tmp / "r.sqlite"), "--reviewer", "coder1", *pack_args], tmp / "a.log",
                             ready_path="/api/notes") as s:
                view = httpx.get(f"{s.url}/api/notes/{args.note}").json()
                first = view["suggestions"][0]
                httpx.post(s.url + "/api/decisions", json={"note_id": args.note, "system": first["system"],
                                                           "code": first["code"], "decision": "accept",
                                                           "reviewer": "coder1"})
                open_note(browser.driver, s.url, args.note)
                browser.driver.save_screenshot(args.screenshot)
                print(f"screenshot of {args.note} -> {args.screenshot}")
            with live_server(["review", "serve", str(tmp / "big-results.jsonl"), "--notes", str(tmp / "big.jsonl"),
                              "--db", str(tmp / "big.sqlite"), *pack_args], tmp / "b.log",
                             ready_path="/api/notes") as s:
                first = open_note(browser.driver, s.url, "big")
                browser.driver.refresh()
                again = open_note(browser.driver, s.url, "big")
            print(f"1 MB note, {first['marks']} highlighted mentions: first open fetch {first['fetch_ms']} ms + "
                  f"render {first['render_ms']} ms; reload fetch {again['fetch_ms']} ms + render {again['render_ms']} ms")
        finally:
            browser.quit()


if __name__ == "__main__":
    main()
