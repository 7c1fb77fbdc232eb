#!/usr/bin/env python3
"""HES-weighted coverage of the starter pack's ILLUSTRATIVE map (issue 28).

Which share of real English hospital coding (HES Admitted Patient Care 2023-24, finished consultant
episodes per code, read from ``../shared/benchmarks/hes/``; never copied here) could the starter map
produce? A code counts as covered when it is a target of the map (default or a shown alternative,
any block or group); dagger/asterisk suffixes are dropped before matching (HES writes ``H360``).
Also printed: the share when only default codes count (block 1, highest priority of each group),
without the OPCS-4 laterality codes Z94 that the map offers as alternative blocks, and how many of
the 100 / 500 most used codes are covered.

    python benchmarks/bench_starter_coverage.py [--hes DIR] [--json out.json]
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HES = ROOT.parent / "shared" / "benchmarks" / "hes"
FILES = {"ICD-10": "icd10_usage_2023_24.tsv", "OPCS-4": "opcs4_usage_2023_24.tsv"}
REFSETS = {"999002271000000101": "ICD-10", "1891651000000103": "OPCS-4"}
LATERALITY = ("Z941", "Z942", "Z943", "Z944")


def read_usage(path: Path) -> list[tuple[str, int]]:
    """(code, usage) most used first; the descriptions are not read (WHO / OPCS text)."""
    with open(path, encoding="utf-8", newline="") as fh:
        rows = [(r["code"], int(r["usage"])) for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)]
    return sorted(rows, key=lambda r: -r[1])


def map_targets(map_file: Path) -> dict[str, dict[str, set[str]]]:
    """Per classification: every target and the default targets, in HES form (no D/A suffix)."""
    with open(map_file, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    top: dict[tuple, int] = {}
    for r in rows:
        key = (r["refsetId"], r["referencedComponentId"], r["mapBlock"], r["mapGroup"])
        top[key] = max(top.get(key, 0), int(r["mapPriority"]))
    out = {name: {"all": set(), "default": set()} for name in REFSETS.values()}
    for r in rows:
        target = r["mapTarget"]
        if target.startswith("#") or r["refsetId"] not in REFSETS:
            continue
        code = target[:4]
        side = out[REFSETS[r["refsetId"]]]
        side["all"].add(code)
        key = (r["refsetId"], r["referencedComponentId"], r["mapBlock"], r["mapGroup"])
        if r["mapBlock"] == "1" and int(r["mapPriority"]) == top[key]:
            side["default"].add(code)
    return out


def coverage(usage: list[tuple[str, int]], codes: set[str]) -> dict:
    total = sum(u for _, u in usage)
    ranked = [c for c, _ in usage]
    return {
        "weighted": round(sum(u for c, u in usage if c in codes) / total, 4),
        "top100": sum(c in codes for c in ranked[:100]),
        "top500": sum(c in codes for c in ranked[:500]),
        "codes": len(codes),
    }


def run(hes: Path) -> dict:
    from coding_toolkit.concepts.starter import starter_inputs

    release = starter_inputs()["map_release"]
    map_file = next(release.glob("Snapshot/Refset/Map/der2_iisssciRefset_ExtendedMap*Snapshot*.txt"))
    targets = map_targets(map_file)
    report = {"map": str(map_file.relative_to(ROOT)), "hes": str(hes)}
    for name, file in FILES.items():
        usage = read_usage(hes / file)
        known = {c for c, _ in usage}
        side = targets[name]
        report[name] = {
            "any target": coverage(usage, side["all"]),
            "defaults only": coverage(usage, side["default"]),
            "not in HES": sorted(side["all"] - known),
        }
        if name == "OPCS-4":
            report[name]["any target, without Z94 laterality"] = coverage(usage, side["all"] - set(LATERALITY))
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hes", type=Path, default=HES, help=f"folder with the HES usage files (default {HES})")
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args(argv)
    missing = [f for f in FILES.values() if not (args.hes / f).is_file()]
    if missing:
        print(f"skipped: HES usage files not found in {args.hes} ({', '.join(missing)}); "
              "give the folder with --hes", file=sys.stderr)
        return 0
    report = run(args.hes)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print("ILLUSTRATIVE starter map (not the NHS map) - HES 2023-24 weighted coverage")
    print(f"{'':44}{'weighted':>9}{'top-100':>9}{'top-500':>9}{'codes':>7}")
    for name in FILES:
        for label, cov in report[name].items():
            if label == "not in HES":
                continue
            print(f"{name + ' ' + label:44}{cov['weighted']:>9.1%}{cov['top100']:>9}{cov['top500']:>9}{cov['codes']:>7}")
        if report[name]["not in HES"]:
            print(f"  {name} targets never recorded in HES 2023-24: {', '.join(report[name]['not in HES'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
