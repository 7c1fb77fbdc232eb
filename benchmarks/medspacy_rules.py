"""Convert medspaCy's default ConText rule list to this project's rule format (benchmark only).

    python benchmarks/bench_context.py --medspacy-rules medspacy-1.3.1.tar.gz   (or .../resources/en/context_rules.json)

medspaCy (MIT licence) is not a dependency: ``pip download medspacy==1.3.1 --no-deps`` fetches its
sdist, whose ``resources/en/context_rules.json`` is read here. Its spaCy token patterns (``LOWER``,
``IN``, ``OP: "?"``) become regexes; POSSIBLE_EXISTENCE sets no task (medspaCy's is_uncertain);
a TERMINATE rule ends its own category only, as in medspaCy. Sections are not part of that list.
"""
from __future__ import annotations

import json
import re
import tarfile
from pathlib import Path

CATEGORIES = {"NEGATED_EXISTENCE": {"negation": "Negated"}, "HISTORICAL": {"temporality": "Historical"},
              "HYPOTHETICAL": {"temporality": "Hypothetical"}, "FAMILY": {"experiencer": "Other"},
              "POSSIBLE_EXISTENCE": {}}


def read_medspacy_rules(path: Path) -> list[dict]:
    if path.name.endswith((".tar.gz", ".tgz")):
        with tarfile.open(path) as tar:
            member = next(m for m in tar.getmembers() if m.name.endswith("resources/en/context_rules.json"))
            return json.load(tar.extractfile(member))["context_rules"]
    return json.loads(path.read_text(encoding="utf-8"))["context_rules"]


def _token_regex(token: dict) -> str:
    lower = token.get("LOWER")
    values = lower["IN"] if isinstance(lower, dict) else [lower]
    return "(?:" + "|".join(r"\s+".join(map(re.escape, v.split())) for v in values) + ")"


def _pattern_regex(tokens: list[dict]) -> str:
    parts = []
    for i, token in enumerate(tokens):
        sep = "" if i == 0 else r"\s*"  # spaCy splits "'s" and "n't" off without a space
        piece = sep + _token_regex(token)
        parts.append(f"(?:{piece})?" if token.get("OP") == "?" else piece)
    return r"(?<!\w)" + "".join(parts) + r"(?!\w)"


def convert(rules: list[dict]) -> dict:
    out = []
    for rule in rules:
        entry = {"direction": rule["direction"], "max_scope": rule.get("max_scope")}
        if rule["direction"] == "TERMINATE":
            entry["terminates"] = [rule["category"]]
        else:
            entry["category"] = rule["category"]
        if rule.get("pattern"):
            entry["pattern"] = _pattern_regex(rule["pattern"])
        else:
            entry["literal"] = rule["literal"]
        out.append(entry)
    return {"description": "medspaCy default ConText rules (MIT), converted for a benchmark comparison",
            "categories": CATEGORIES, "rules": out, "sections": [], "sentence_abbreviations": []}
