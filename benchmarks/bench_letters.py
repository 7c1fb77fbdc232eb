#!/usr/bin/env python3
"""Coder-facing scores of a pack's suggestions: letters with a coder's codes, and the example notes.

Three figures, as a coding team judges a tool (../shared/benchmarks/README.md, "letters"):

- accepted: share of suggested codes (the defaults, ICD-10 and OPCS-4) a coder accepts, i.e. that
  match a ``core`` or ``acceptable`` pattern of the letter (regular expressions over CDS codes);
- found: share of the letter's ``core`` patterns matched by a suggested code;
- primary: letters whose first-ranked ICD-10 suggestion (the CDS primary position) matches ``primary``.

The same three on examples/notes.jsonl against examples/gold.json (every gold ICD-10 / OPCS-4 code is
core, none is merely acceptable; the first gold ICD-10 code is the primary diagnosis).

    python benchmarks/bench_letters.py [--pack PACK] [--letters DIR] [--off RULE ...] [--verbose] [--json OUT]

``--off never_primary`` (any coding rule: a key of suggest/rule_sections.py SECTIONS) scores with that rule switched
off, to measure what a rule is worth. The letters live in ../shared/benchmarks/letters and are never
copied into the project: without them only the example notes are scored, with a message saying so.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("MEDCAT_DISABLE_VERSION_CHECK", "true")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_LETTERS = ROOT.parent / "shared" / "benchmarks" / "letters"


@dataclass
class Expected:
    """What a coder assigns to one document: patterns over CDS codes (full match)."""

    core: list[str]
    acceptable: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    primary: str | None = None


def _matches(pattern: str, code: str) -> bool:
    return re.fullmatch(pattern, code) is not None


@dataclass
class Tally:
    suggested: int = 0
    accepted: int = 0
    wrong: int = 0
    core: int = 0
    found: int = 0
    primary_total: int = 0
    primary_ok: int = 0
    lines: list[str] = field(default_factory=list)

    def add(self, doc_id: str, ranked: list[tuple[str, str]], primary: str, expected: Expected) -> None:
        """``ranked``: (system, code) of the suggestions in rank order; ``primary``: the CDS primary ICD-10."""
        marks = []
        for _system, code in ranked:
            if any(_matches(p, code) for p in expected.core):
                mark = "core"
            elif any(_matches(p, code) for p in expected.acceptable):
                mark = "ok"
            elif any(_matches(p, code) for p in expected.wrong):
                mark = "WRONG"
            else:
                mark = "not coded"
            marks.append(f"{code} ({mark})")
            self.accepted += mark in ("core", "ok")
            self.wrong += mark == "WRONG"
        self.suggested += len(ranked)
        codes = [code for _s, code in ranked]
        missed = [p for p in expected.core if not any(_matches(p, c) for c in codes)]
        self.core += len(expected.core)
        self.found += len(expected.core) - len(missed)
        verdict = ""
        if expected.primary:
            self.primary_total += 1
            ok = bool(primary) and _matches(expected.primary, primary)
            self.primary_ok += ok
            verdict = f"primary {primary or '(none)'} {'ok' if ok else 'WRONG, want ' + expected.primary}"
        self.lines.append(f"{doc_id}: {verdict}\n    suggested: {', '.join(marks) or '(none)'}"
                          f"\n    missed: {', '.join(missed) or '(none)'}")

    def figures(self) -> dict:
        def share(a: int, b: int) -> float | None:
            return round(a / b, 3) if b else None
        return {"suggested": self.suggested, "accepted": self.accepted, "accepted_share": share(self.accepted, self.suggested),
                "wrong": self.wrong, "core": self.core, "found": self.found, "found_share": share(self.found, self.core),
                "primary_total": self.primary_total, "primary_ok": self.primary_ok,
                "primary_share": share(self.primary_ok, self.primary_total)}


def load_letters(folder: Path) -> list[tuple[dict, Expected]]:
    codes = json.loads((folder / "letters_dev_codes.json").read_text(encoding="utf-8"))
    out = []
    for n, line in enumerate((folder / "letters_dev.jsonl").read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        doc = json.loads(line)
        want = codes.get(doc["note_id"])
        if want is None:
            sys.exit(f"{folder / 'letters_dev.jsonl'} line {n}: no codes for {doc['note_id']!r} in letters_dev_codes.json")
        out.append((doc, Expected(core=list(want.get("core", [])), acceptable=list(want.get("acceptable", [])),
                                  wrong=list(want.get("wrong", [])), primary=want.get("primary"))))
    return out


def load_examples() -> list[tuple[dict, Expected]]:
    from coding_toolkit.resources import data_path

    gold = json.loads(data_path("examples", "gold.json").read_text(encoding="utf-8"))["notes"]
    out = []
    for line in data_path("examples", "notes.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            doc = json.loads(line)
            g = gold[doc["note_id"]]
            out.append((doc, Expected(core=[re.escape(c) for c in g["icd10"] + g["opcs4"]],
                                      primary=re.escape(g["icd10"][0]) if g["icd10"] else None)))
    return out


def score(pipeline, docs: list[tuple[dict, Expected]]) -> Tally:
    from coding_toolkit.records import CodeSystem, Note
    from coding_toolkit.suggest import primary_and_others

    tally = Tally()
    for doc, expected in docs:
        result = pipeline.process(Note(note_id=doc["note_id"], text=doc["text"], episode_id=doc.get("episode_id")))
        ranked = [(str(s.system), s.code) for s in result.suggestions]  # ICD-10 then OPCS-4, each in rank order
        primary, _ = primary_and_others(result.suggestions, CodeSystem.ICD10)
        tally.add(doc["note_id"], ranked, primary, expected)
    return tally


def _pipeline(pack: str | None, off: list[str]):
    from coding_toolkit.pipeline import Pipeline
    from coding_toolkit.suggest.config import CodingRules

    pipeline = Pipeline.from_pack(pack)
    if off:
        rules = CodingRules.load(overrides={name: False for name in off})
        pipeline.coding_rules = pipeline.rules = rules
    return pipeline


def _line(label: str, f: dict) -> str:
    def pct(x):
        return "-" if x is None else f"{100 * x:.0f} %"
    return (f"{label:10} accepted {f['accepted']}/{f['suggested']} ({pct(f['accepted_share'])}), "
            f"wrong-listed {f['wrong']}; found {f['found']}/{f['core']} ({pct(f['found_share'])}); "
            f"primary {f['primary_ok']}/{f['primary_total']} ({pct(f['primary_share'])})")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", help="pack folder (default: the starter pack)")
    parser.add_argument("--letters", type=Path, default=DEFAULT_LETTERS, help="folder of letters_dev.jsonl")
    parser.add_argument("--off", action="append", default=[], metavar="RULE", help="switch a coding rule off")
    parser.add_argument("--verbose", action="store_true", help="print each document's codes")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    try:
        pipeline = _pipeline(args.pack, args.off)
    except Exception as err:  # noqa: BLE001 -- a bad pack or rule name: say so, no traceback
        print(f"error: {err}", file=sys.stderr)
        return 2
    report = {"coding_rules": pipeline.rules.switches()}
    sets: list[tuple[str, list]] = [("examples", load_examples())]
    if (args.letters / "letters_dev.jsonl").is_file():
        sets.insert(0, ("letters", load_letters(args.letters)))
    else:
        print(f"SKIPPED letters: {args.letters / 'letters_dev.jsonl'} not found "
              "(the letters live in ../shared/benchmarks/letters); scoring the example notes only")
    off = ", ".join(args.off) or "none"
    print(f"coding rules off: {off}")
    for label, docs in sets:
        tally = score(pipeline, docs)
        report[label] = tally.figures()
        if args.verbose:
            print(f"--- {label}")
            print("\n".join(tally.lines))
        print(_line(f"{label} ({len(docs)})", report[label]))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
