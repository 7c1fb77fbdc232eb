"""``coding-toolkit context evaluate``: text and JSON output, skipped rows, one-line errors."""
from __future__ import annotations

import json

from click.testing import CliRunner

from coding_toolkit.cli.main import cli

HEADER = "id\treport\tconcept\tstart\tend\tsentence\tnegation\ttemporality\texperiencer\n"
ROWS = [
    ("pneumonia", "No evidence of pneumonia.", "Negated", "Recent", "Patient"),
    ("asthma", "History of asthma.", "Affirmed", "Historical", "Patient"),
    ("chest pain", "Return if chest pain recurs.", "Affirmed", "Not particular", "Patient"),
    ("diabetes", "Her mother has diabetes.", "Affirmed", "Recent", "Family member"),
    ("cough", "Productive cough.", "Affirmed", "Recent", "Patient"),
]


def write_tsv(path, extra=""):
    lines = [HEADER]
    for i, (concept, sentence, neg, temp, exp) in enumerate(ROWS):
        start = sentence.index(concept)
        lines.append(f"{i}\t1\t{concept}\t{start}\t{start + len(concept)}\t{sentence}\t{neg}\t{temp}\t{exp}\n")
    lines.append("9\t1\tx\t-1\t-1\tUnlocated.\tAffirmed\tRecent\tPatient\n")
    path.write_text("".join(lines) + extra, encoding="utf-8")
    return path


def test_evaluate_json(tmp_path):
    result = CliRunner().invoke(cli, ["context", "evaluate", str(write_tsv(tmp_path / "g.tsv")), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["n"] == 5 and data["skipped"] == 1
    assert data["negation"]["Negated"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert data["temporality"]["Hypothetical"]["f1"] == 1.0 and data["temporality"]["Historical"]["f1"] == 1.0
    assert data["experiencer"]["Other"]["recall"] == 1.0
    assert data["negation"]["accuracy"] == 1.0


def test_evaluate_text_and_errors(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(cli, ["context", "evaluate", str(write_tsv(tmp_path / "g.tsv"))])
    assert ok.exit_code == 0 and "Negated" in ok.output and "1 skipped" in ok.output
    bad = write_tsv(tmp_path / "bad.tsv", "10\t1\tx\t0\t1\tX.\tMaybe\tRecent\tPatient\n")
    res = runner.invoke(cli, ["context", "evaluate", str(bad)])
    assert res.exit_code == 2 and "field 'negation': unknown value 'Maybe'" in res.output
    assert "Traceback" not in res.output
    rules = tmp_path / "r.json"
    rules.write_text('{"rules": [{"literal": "x", "direction": "UP", "category": "HISTORICAL"}]}')
    res = runner.invoke(cli, ["context", "evaluate", str(write_tsv(tmp_path / "g2.tsv")), "--rules", str(rules)])
    assert res.exit_code == 2 and "rule #0 field 'direction'" in res.output
