"""The evaluation's HTML report in real headless Chromium: one self-contained file with its plots."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from coding_toolkit.cli.main import cli
from tests.evaluation.test_evaluate_cli import CODED, EPISODES
from tests.web import browser as chromium


@pytest.fixture(scope="module")
def browser():
    with chromium.launched(1280, 900) as b:
        yield b


@pytest.fixture(scope="module")
def reports(tmp_path_factory, fixture_notes, tiny_pack):
    folder = tmp_path_factory.mktemp("report")
    notes = folder / "notes.jsonl"
    rows = []
    for line in fixture_notes.read_text().splitlines():
        note = json.loads(line)
        note["episode_id"] = EPISODES.get(note["note_id"], f"X-{note['note_id']}")
        rows.append(json.dumps(note))
    notes.write_text("\n".join(rows) + "\n")
    coded = folder / "coded.csv"
    coded.write_text(CODED)
    out = {}
    for name, extra in (("plain", []), ("text", ["--show-text"])):
        path = folder / f"{name}.html"
        res = CliRunner().invoke(cli, ["evaluate", "--coded", str(coded), "--notes", str(notes), "--pack", str(tiny_pack),
                                       "--episode-column", "episode_id", "--html", str(path), "--no-progress", *extra])
        assert res.exit_code == 0, res.output
        out[name] = path
    return out


def test_report_renders_its_plots_offline(browser, reports):
    d = browser.driver
    d.get(reports["plain"].as_uri())
    assert d.title == "Coding evaluation: coded.csv"
    for plot in ("svg.chapters", "svg.volume"):
        svg = d.find_element("css selector", plot)
        assert svg.is_displayed() and svg.size["width"] > 300 and svg.size["height"] > 50
    bars = d.find_elements("css selector", "svg.chapters rect")
    assert len(bars) > 10 and max(b.size["width"] for b in bars) > 100  # full-precision chapters draw long bars
    assert d.execute_script("return performance.getEntriesByType('resource').length") == 0  # nothing fetched
    cards = {c.text.split("\n")[0]: c.text.split("\n")[1] for c in d.find_elements("css selector", ".card")}
    assert cards["precision"] == "57.1%" and cards["primary agreement"] == "40.0%"  # tests/evaluation: 8 of 14
    not_scored = d.find_element("xpath", "//h2[text()='Not scored']/following-sibling::table").text
    assert "E7" in not_scored and "no annotated note" in not_scored


def test_note_text_only_with_show_text(browser, reports, fixture_notes):
    texts = [json.loads(line)["text"] for line in fixture_notes.read_text().splitlines()]
    plain = reports["plain"].read_text()
    assert not any(t[:25] in plain for t in texts) and "<mark>" not in plain
    d = browser.driver
    d.get(reports["text"].as_uri())
    marks = [m.text for m in d.find_elements("css selector", "table mark")]
    # E14.3 was suggested but not coded (E4): its evidence, marked in its sentence
    assert "Diabetic retinopathy" in marks
    row = d.find_element("xpath", "//td[text()='E14.3']/..").text
    assert "n04 [kept]" in row and "Diabetic retinopathy noted at eye screening" in row
