"""``coding-toolkit review``: the page in real headless Chromium, its JSON API over a real loopback
port, decisions surviving reload and restart, exports, and ``train supervised`` on the export."""
from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

from tests.conftest import require_module
from tests.web import browser as chromium
from tests.web.live_server import live_server

httpx = require_module("httpx", "service")
require_module("fastapi", "service")


def _run(*args, check=True):
    return subprocess.run([sys.executable, "-m", "coding_toolkit", *args], capture_output=True, text=True,
                          check=check, timeout=600)


@pytest.fixture(scope="module")
def results(tiny_pack, fixture_notes, tmp_path_factory):
    from coding_toolkit.context.policy import DEFAULT_POLICY

    folder = tmp_path_factory.mktemp("review-results")
    out = folder / "results.jsonl"
    # the page is tested on the fixture notes' symptom codes too (n01's chest pain, n03's breathlessness):
    # the policy keeps them, switching off the rule that drops a symptom its diagnosis explains
    policy = json.loads(DEFAULT_POLICY.read_text(encoding="utf-8"))
    policy["chronic_conditions"] = str(DEFAULT_POLICY.with_name(policy["chronic_conditions"]))
    policy["coding_rules"] = {"explained_symptoms": False}
    (folder / "policy.json").write_text(json.dumps(policy), encoding="utf-8")
    _run("annotate", str(fixture_notes), "--pack", str(tiny_pack), "--out", str(out), "--no-progress",
         "--policy", str(folder / "policy.json"))
    return out


def _review_args(results, notes, pack, db, *extra):
    return ["review", "serve", str(results), "--notes", str(notes), "--pack", str(pack), "--db", str(db), *extra]


@pytest.fixture
def review_server(results, fixture_notes, tiny_pack, tmp_path):
    db = tmp_path / "review.sqlite"
    with live_server(_review_args(results, fixture_notes, tiny_pack, db), tmp_path / "server.log",
                     ready_path="/api/notes") as s:
        s.db = db
        yield s


def _decide(server, **body):
    return httpx.post(server.url + "/api/decisions", json=body)


def test_api_lists_notes_and_shows_one_in_cds_order(review_server, results):
    notes = httpx.get(review_server.url + "/api/notes").json()
    records = [json.loads(line) for line in results.read_text().splitlines()]
    assert [n["note_id"] for n in notes] == [r["note_id"] for r in records]
    n04 = next(n for n in notes if n["note_id"] == "n04")
    assert n04["suggested"] == n04["todo"] == 4 and n04["accepted"] == 0
    view = httpx.get(review_server.url + "/api/notes/n04").json()
    codes = [s["code"] for s in view["suggestions"]]
    assert codes.index("H360A") == codes.index("E143D") + 1  # the asterisk follows its dagger
    dagger = view["suggestions"][codes.index("E143D")]
    assert dagger["pairs"] == ["H360A"] and dagger["advice"] == "ALWAYS E14.3 | DAGGER CODE"
    assert view["suggestions"][0]["position"] == "primary" and dagger["why"].startswith("map default")
    n03 = httpx.get(review_server.url + "/api/notes/n03").json()
    assert [d["reason"] for d in n03["dropped"]] == ["negated"]
    assert n03["text"][n03["mentions"][0]["start"]:n03["mentions"][0]["end"]] == n03["mentions"][0]["text"]
    assert httpx.get(review_server.url + "/api/notes/nope").status_code == 404


def test_invalid_decisions_name_the_field(review_server):
    cases = [({"note_id": "zz", "system": "ICD-10", "code": "I509", "decision": "accept"}, "note_id"),
             ({"note_id": "n03", "system": "ICD-11", "code": "I509", "decision": "accept"}, "system"),
             ({"note_id": "n03", "system": "ICD-10", "code": "I509", "decision": "maybe"}, "decision"),
             ({"note_id": "n03", "system": "ICD-10", "code": "J459", "decision": "accept"}, "code"),
             ({"note_id": "n03", "system": "ICD-10", "code": "I509", "decision": "amend"}, "amended_code"),
             ({"note_id": "n03", "system": "ICD-10", "code": "I509", "decision": "amend", "amended_code": "Q999"},
              "amended_code"),
             ({"note_id": "n03", "system": "ICD-10", "code": "I509", "decision": "amend", "amended_code": "banana"},
              "amended_code"),
             ({"note_id": "n03", "system": "ICD-10", "code": "J189", "decision": "add"}, "span_start"),
             ({"note_id": "n03", "system": "ICD-10", "code": "J189", "decision": "add", "span_start": 5,
               "span_end": 99999}, "span_end"),
             ({"note_id": "n03", "system": "ICD-10", "decision": "accept"}, "code"),
             ({"note_id": "n03", "system": "ICD-10", "code": "I509", "decision": "reject"}, "concept"),
             ({"note_id": "n03", "system": "ICD-10", "code": "I509", "decision": "reject", "concept": "maybe"},
              "concept"),
             ({"note_id": "n03", "system": "ICD-10", "code": "I509", "decision": "accept", "concept": "wrong"},
              "concept"),
             ({"note_id": "n03", "system": "ICD-10", "code": "J189", "decision": "add", "span_start": 5,
               "span_end": 9, "sctid": "0"}, "sctid"),
             ({"note_id": "n03", "system": "ICD-10", "code": "J189", "decision": "add", "span_start": 5,
               "span_end": 9, "sctid": "1234567"}, "sctid")]
    for body, field in cases:
        r = _decide(review_server, **body)
        assert r.status_code == 422, body
        assert r.json()["errors"][0]["field"] == field, (body, r.json())
    assert httpx.get(review_server.url + "/api/notes").json()[2]["todo"] == 2  # nothing was saved


def test_decisions_survive_a_server_restart(results, fixture_notes, tiny_pack, tmp_path):
    db = tmp_path / "review.sqlite"
    args = _review_args(results, fixture_notes, tiny_pack, db)
    with live_server(args, tmp_path / "a.log", ready_path="/api/notes") as s:
        assert _decide(s, note_id="n01", system="ICD-10", code="I219", decision="reject", reason="old MI",
                       reviewer="coder1", concept="right").status_code == 200
        text = httpx.get(s.url + "/api/notes/n01").json()["text"]
        start = text.index("hypertension")
        assert _decide(s, note_id="n01", system="ICD-10", code="I10X", decision="add", span_start=start,
                       span_end=start + 12).status_code == 200
    with live_server(args, tmp_path / "b.log", ready_path="/api/notes") as s:
        view = httpx.get(s.url + "/api/notes/n01").json()
        got = {(d["code"], d["decision"], d["reason"], d["reviewer"]) for d in view["decisions"]}
        assert got == {("I219", "reject", "old MI", "coder1"), ("I10X", "add", None, None)}
        assert view["counts"]["rejected"] == 1 and view["counts"]["todo"] == 2


def test_notes_that_differ_from_the_coded_text_are_refused(results, tmp_path, tiny_pack, fixture_notes):
    lines = fixture_notes.read_text().splitlines()
    edited = json.loads(lines[2])
    edited["text"] = edited["text"].replace("heart failure", "heart failures")
    notes = tmp_path / "edited.jsonl"
    notes.write_text("\n".join(lines[:2] + [json.dumps(edited)] + lines[3:]) + "\n")
    r = _run(*_review_args(results, notes, tiny_pack, tmp_path / "r.sqlite"), check=False)
    assert r.returncode == 2 and "n03" in r.stderr and "differs from the text that was coded" in r.stderr


def test_token_protects_page_and_api(results, fixture_notes, tiny_pack, tmp_path):
    token = "review-token-0123456789abcdef"
    (tmp_path / "token").write_text(token)
    (tmp_path / "token").chmod(0o600)
    args = _review_args(results, fixture_notes, tiny_pack, tmp_path / "r.sqlite", "--token-file",
                        str(tmp_path / "token"))
    with live_server(args, tmp_path / "s.log", ready_path="/api/notes",
                     headers={"Authorization": f"Bearer {token}"}) as s:
        assert httpx.get(s.url + "/").status_code == 401
        assert httpx.get(s.url + "/api/notes").status_code == 401
        assert httpx.get(s.url + "/?token=wrong").status_code == 401
        with httpx.Client(follow_redirects=True) as client:  # the page's way in: the token once in the URL, then a cookie
            r = client.get(s.url + "/?token=" + token)
            assert r.status_code == 200 and "coding-toolkit review" in r.text
            assert "httponly" in r.history[0].headers["set-cookie"].lower()
            assert client.get(s.url + "/api/notes").status_code == 200


@pytest.fixture
def browser():
    with chromium.launched(1280, 800) as b:
        yield b


def test_coder_reviews_in_the_browser_then_exports_and_trains(browser, review_server, tiny_pack, tmp_path):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.select import Select
    from selenium.webdriver.support.ui import WebDriverWait

    d = browser.driver
    # the page re-renders a card after each decision: an element found just before may be gone
    wait = WebDriverWait(d, 30, ignored_exceptions=(StaleElementReferenceException,))

    def open_note(note_id):
        d.find_element(By.CSS_SELECTOR, f'#notes li[data-note="{note_id}"]').click()
        wait.until(lambda drv: drv.find_element(By.TAG_NAME, "body").get_attribute("data-note") == note_id)

    def card(code):
        return d.find_element(By.CSS_SELECTOR, f'.sugg[data-code="{code}"]')

    def state_of(code):
        return card(code).find_element(By.CSS_SELECTOR, ".state").text

    d.get(review_server.url + "/")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#notes li")))
    assert len(d.find_elements(By.CSS_SELECTOR, "#notes li")) == 12
    open_note("n03")
    kept = d.find_elements(By.CSS_SELECTOR, "#note mark.kept")
    filtered = d.find_elements(By.CSS_SELECTOR, "#note mark.filtered")
    assert {m.text for m in kept} >= {"heart failure"}
    assert [m.text for m in filtered] == ["pneumonia"] and "negated" in filtered[0].get_attribute("title")
    assert kept[0].value_of_css_property("background-color") != filtered[0].value_of_css_property("background-color")
    # clicking a suggestion flashes its evidence
    card("I509").find_element(By.CSS_SELECTOR, ".code").click()
    flashed = d.find_elements(By.CSS_SELECTOR, "#note mark.flash")
    assert [m.text for m in flashed] == ["heart failure"]

    # amend I50.9 to its first alternative
    select = Select(card("I509").find_element(By.CSS_SELECTOR, ".amend-select"))
    alternative = select.options[1].get_attribute("value")
    select.select_by_index(1)
    card("I509").find_element(By.CSS_SELECTOR, "button.amend").click()
    wait.until(lambda drv: state_of("I509") == f"amend → {alternative}")

    # n01 by keyboard only: 'n' moves to the next note... from n03 we go back with 'p' twice
    body = d.find_element(By.TAG_NAME, "body")
    body.send_keys("p")
    wait.until(lambda drv: body.get_attribute("data-note") == "n02")
    body.send_keys("p")
    wait.until(lambda drv: body.get_attribute("data-note") == "n01")
    codes = [c.get_attribute("data-code") for c in d.find_elements(By.CSS_SELECTOR, ".sugg")]
    for _ in range(codes.index("I10X")):
        body.send_keys("j")
    body.send_keys("a")
    wait.until(lambda drv: state_of("I10X") == "accept")
    # a coding decision (right concept, not coded in this episode) is not a concept judgement
    card("I219").find_element(By.CSS_SELECTOR, ".reason").send_keys("old MI, not this admission")
    card("I219").find_element(By.CSS_SELECTOR, "button.reject").click()
    wait.until(lambda drv: state_of("I219") == "reject: not coded here")
    # the remaining code, by keyboard, as a wrong concept: the one negative example (the decision
    # selected I21.9's card)
    other = next(c for c in codes if c not in ("I10X", "I219"))
    step = codes.index(other) - codes.index("I219")
    body.send_keys("j" * step if step > 0 else "k" * -step)
    body.send_keys("w")
    wait.until(lambda drv: state_of(other) == "reject: wrong concept")

    # reload: every decision is still there, and the worklist counts them
    d.refresh()
    wait.until(lambda drv: drv.find_element(By.TAG_NAME, "body").get_attribute("data-note") == "n01")
    assert state_of("I219") == "reject: not coded here" and state_of("I10X") == "accept"
    n01 = d.find_element(By.CSS_SELECTOR, '#notes li[data-note="n01"] .counts').text
    assert "1 accepted" in n01 and "2 rejected" in n01 and "0 to do" in n01
    open_note("n03")
    assert state_of("I509") == f"amend → {alternative}"
    # filter the worklist by code
    d.find_element(By.ID, "search").send_keys("I21.9")
    wait.until(lambda drv: len(drv.find_elements(By.CSS_SELECTOR, "#notes li")) == 1)

    export = tmp_path / "export.json"
    _run("review", "export", "--db", str(review_server.db), "--format", "mct", "--out", str(export))
    data = json.loads(export.read_text())
    anns = {(doc["name"], a["value"].lower(), a["correct"]) for doc in data["projects"][0]["documents"]
            for a in doc["annotations"]}
    assert ("n01", "myocardial infarction", True) in anns, "right concept, not coded here: never a negative"
    assert ("n01", "essential hypertension", True) in anns
    assert sum(1 for a in anns if not a[2]) == 1, "only the wrong concept is a negative"
    assert ("n03", "heart failure", True) in anns  # amended to an alternative of the same concept
    trained = tmp_path / "trained"
    r = _run("train", "supervised", "--pack", str(tiny_pack), "--export", str(export), "--out", str(trained),
             "--test-fraction", "0", "--no-progress")
    assert "1 negative," in r.stdout and (trained / "pack.json").is_file()
    _run("evaluate", "--pack", str(tiny_pack), "--export", str(export))

    cds = tmp_path / "codes.csv"
    _run("review", "export", "--db", str(review_server.db), "--format", "cds", "--out", str(cds))
    rows = {row["NOTE_ID"]: row for row in csv.DictReader(cds.open())}
    assert rows["n01"]["PRIMARY DIAGNOSIS (ICD)"] == "I10X" and rows["n01"]["CODING_STATUS"] == "CONFIRMED BY CODER"
    assert rows["n03"]["PRIMARY DIAGNOSIS (ICD)"] == alternative
    stats = json.loads(_run("review", "stats", "--db", str(review_server.db), "--json").stdout)
    assert stats["systems"]["ICD-10"] == {"suggested_reviewed": 4, "final_codes": 2, "agreed": 1,
                                          "precision": 0.25, "recall": 0.5}


def test_one_megabyte_note_renders(browser, tiny_pack, tmp_path):
    text = ("Impression: heart failure. No evidence of pneumonia. Known essential hypertension. " * 12500)[:1_000_000]
    notes = tmp_path / "big.jsonl"
    notes.write_text(json.dumps({"note_id": "big", "text": text}) + "\n")
    out = tmp_path / "big-results.jsonl"
    _run("annotate", str(notes), "--pack", str(tiny_pack), "--out", str(out), "--no-progress")
    n_mentions = len(json.loads(out.read_text())["mentions"])
    with live_server(_review_args(out, notes, tiny_pack, tmp_path / "r.sqlite"), tmp_path / "s.log",
                     ready_path="/api/notes") as s:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        d = browser.driver
        d.set_script_timeout(120)
        d.get(s.url + "/")
        WebDriverWait(d, 120).until(lambda drv: drv.find_element(By.TAG_NAME, "body").get_attribute("data-note") == "big")
        marks = d.execute_script("return document.querySelectorAll('#note mark').length")
        assert marks == n_mentions > 30000
        assert d.execute_script("return document.getElementById('note').textContent.length") == len(text)
        body = d.find_element(By.TAG_NAME, "body")
        print(f"1 MB note ({n_mentions} mentions): fetched in {body.get_attribute('data-fetch-ms')} ms, "
              f"rendered in {body.get_attribute('data-render-ms')} ms")


def _review_of(results, fixture_notes, db):
    from coding_toolkit.io.notes_reader import read_notes
    from coding_toolkit.review.app import Review
    from coding_toolkit.review.data import join_texts, read_results
    from coding_toolkit.review.store import DecisionStore

    store = DecisionStore(db)
    store.put_notes(join_texts(read_results(results), read_notes(fixture_notes), str(fixture_notes)))
    return Review(store)


def test_a_coding_decision_never_becomes_a_negative_concept_example(results, fixture_notes, tmp_path):
    from coding_toolkit.review.app import DecisionIn
    from coding_toolkit.review.export import mct_export

    review = _review_of(results, fixture_notes, tmp_path / "r.sqlite")
    n03 = review.view("n03")["suggestions"]
    hf = next(s for s in n03 if s["code"] == "I509")
    other = "I10X"  # a code of another concept, as when N18.9 is amended to N18.3
    assert other not in {a["code"] for a in hf.get("alternatives", [])}
    review.decide(DecisionIn(note_id="n03", system="ICD-10", code="I509", decision="amend", amended_code=other))
    review.decide(DecisionIn(note_id="n01", system="ICD-10", code="I219", decision="reject", concept="right"))
    review.decide(DecisionIn(note_id="n01", system="ICD-10", code="I10X", decision="reject", concept="wrong"))
    export, counts = mct_export(review)
    anns = {(doc["name"], a["value"].lower(), a["correct"]) for doc in export["projects"][0]["documents"]
            for a in doc["annotations"]}
    assert ("n03", "heart failure", True) in anns, "an amend is a coding decision: the concept was right"
    assert ("n01", "myocardial infarction", True) in anns, "right concept, not coded here"
    assert ("n01", "essential hypertension", False) in anns, "wrong concept: the one negative"
    assert counts["incorrect"] == 1


def test_older_decisions_without_a_concept_judgement_are_left_out(results, fixture_notes, tmp_path):
    import sqlite3

    from coding_toolkit.review.export import mct_export

    db = tmp_path / "old.sqlite"
    review = _review_of(results, fixture_notes, db)
    review.store.close()
    with sqlite3.connect(db) as conn:  # a row as a review from before the judgement saved it
        conn.execute("INSERT INTO decisions (note_id, system, code, decision, decided_at) "
                     "VALUES ('n01', 'ICD-10', 'I219', 'reject', '2026-01-01T00:00:00+00:00')")
    export, counts = mct_export(_review_of(results, fixture_notes, db))
    assert counts["skipped_without_concept_judgement"] == 1 and counts["incorrect"] == 0
    assert all(not doc["annotations"] for doc in export["projects"][0]["documents"])


def test_a_review_file_from_before_the_concept_column_opens(tmp_path):
    import sqlite3

    from coding_toolkit.review.store import SCHEMA, DecisionStore

    db = tmp_path / "v1.sqlite"
    with sqlite3.connect(db) as conn:
        conn.executescript(SCHEMA.replace("sctid TEXT,\n    concept TEXT", "sctid TEXT"))
        assert "concept" not in {r[1] for r in conn.execute("PRAGMA table_info(decisions)")}
    store = DecisionStore(db)
    saved = store.add(note_id="n", system="ICD-10", code="I10X", decision="reject", concept="wrong")
    assert saved["concept"] == "wrong"


def test_exports_are_spreadsheet_safe(review_server, tmp_path):
    """Issue 26: a reviewer's reason (or an id) starting with '=' reaches a spreadsheet as text, not a formula."""
    formula = '=HYPERLINK("http://attacker.example","click")'
    assert _decide(review_server, note_id="n01", system="ICD-10", code="I10X", decision="accept", reason=formula,
                   reviewer="@coder1").status_code == 200
    out = tmp_path / "codes.csv"
    _run("review", "export", "--db", str(review_server.db), "--format", "csv", "--out", str(out))
    rows = list(csv.DictReader(out.open(newline="", encoding="utf-8")))
    accepted, = [r for r in rows if r["code"] == "I10X"]
    assert accepted["reason"] == "'" + formula and accepted["reviewer"] == "'@coder1"
