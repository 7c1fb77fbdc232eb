"""Every writer follows the suggestion stage's ranking; dagger/asterisk has one definition (mapping.codes)."""
import csv
import json
import sqlite3

from coding_toolkit.io.sinks import open_sink
from coding_toolkit.mapping.codes import target_kind
from coding_toolkit.records import CodeSuggestion
from coding_toolkit.suggest import CodingRules, primary_and_others, rank

from .builders import note_a


def _write(fmt, path, results, **kw):
    sink = open_sink(fmt, path, **kw)
    sink.open()
    sink.write(results)
    sink.close()


def test_cds_csv_sql_jsonl_fhir_share_one_order(tmp_path):
    r = note_a()
    expected = [s.code for s in r.suggestions if s.system == "ICD-10"]
    assert expected == ["I219", "Z764", "E143D", "H360A"]  # MI strongest; Z76.4 never primary; asterisk after dagger
    for fmt in ("jsonl", "csv", "cds", "fhir"):
        _write(fmt, tmp_path / f"o.{fmt}", [r])
    _write("sql", None, [r], db_url=f"sqlite:///{tmp_path / 'o.db'}")
    [line] = (tmp_path / "o.jsonl").read_text("utf-8").splitlines()
    assert [s["code"] for s in json.loads(line)["suggestions"] if s["system"] == "ICD-10"] == expected
    with open(tmp_path / "o.csv", newline="", encoding="utf-8") as fh:
        rows = [row for row in csv.DictReader(fh) if row["status"] == "suggested" and row["system"] == "ICD-10"]
    assert [row["code"] for row in rows] == expected and [row["rank"] for row in rows] == ["1", "2", "3", "4"]
    with open(tmp_path / "o.cds", newline="", encoding="utf-8") as fh:
        cds = next(csv.DictReader(fh))
    assert [cds["PRIMARY DIAGNOSIS (ICD)"]] + [cds[f"SECONDARY DIAGNOSIS (ICD) {i}"] for i in (1, 2, 3)] == expected
    with sqlite3.connect(tmp_path / "o.db") as conn:
        sql = [c for (c,) in conn.execute("SELECT code FROM suggestions WHERE system = 'ICD-10' ORDER BY rank")]
    assert sql == expected
    [bundle] = [json.loads(x) for x in (tmp_path / "o.fhir").read_text("utf-8").splitlines()]
    conditions = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Condition"]
    icd = "http://hl7.org/fhir/sid/icd-10"
    assert [next(c["code"] for c in res["code"]["coding"] if c["system"] == icd) for res in conditions] == [
        "I21.9", "Z76.4", "E14.3", "H36.0"]


def test_b20_dash_a_is_not_an_asterisk_anywhere():
    # "B20-A" is not a valid CDS code (a 3-character code is padded with X): target_kind says None,
    # and the ranking, which asks target_kind, lets it be primary like any other code
    assert target_kind("B20-A") is None and target_kind("E143-D") == "dagger" and target_kind("I394 A") == "asterisk"
    odd = CodeSuggestion(system="ICD-10", code="B20-A", display=None, title=None, sctids=("1",), evidence=(0,),
                         advice="")
    [ranked] = rank([odd], CodingRules.load())
    assert ranked.never_primary is None and primary_and_others([ranked], "ICD-10") == ("B20-A", [])
    spaced = CodeSuggestion(system="ICD-10", code="I394 A", display=None, title=None, sctids=("2",), evidence=(0,),
                            advice="")
    assert rank([spaced], CodingRules.load())[0].never_primary.startswith("asterisk")
