#!/usr/bin/env python3
"""Regenerate ``gps_concepts.tsv`` and ``NOTICE`` from the HL7 terminology npm package.

The SNOMED CT Global Patient Set (September 2020, CC BY 4.0) ships inside
``hl7.terminology.r4@7.0.1`` as ``package/ValueSet-snomed-intl-gps.json``. Get it with::

    npm pack hl7.terminology.r4@7.0.1          # writes hl7.terminology.r4-7.0.1.tgz
    python model_packs/regenerate_gps.py hl7.terminology.r4-7.0.1.tgz

The argument may be the .tgz, the extracted ``package/`` folder (or its parent), or the JSON file.
Only the standard library is used, so this runs without installing the toolkit.
"""
from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import tarfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
VALUESET_MEMBER = "package/ValueSet-snomed-intl-gps.json"
EXPECTED_CONCEPTS = 26158
# Semantic tags kept (why: these hierarchies are the ones the NHS maps target; see README.md).
KEPT_TAGS = ("disorder", "finding", "procedure", "situation", "regime/therapy", "event", "organism")
_TAG = re.compile(r"^(?P<term>.*\S)\s*\((?P<tag>[^()]+)\)\s*$")
COLUMNS = ("sctid", "fsn", "semantic_tag", "term")


def read_valueset(source: Path) -> dict:
    """Load the GPS ValueSet JSON from a .tgz, a folder holding it, or the JSON file itself."""
    if source.is_file() and source.name.endswith((".tgz", ".tar.gz")):
        with tarfile.open(source, "r:gz") as tar:
            member = tar.extractfile(VALUESET_MEMBER)
            if member is None:
                raise SystemExit(f"{source}: no {VALUESET_MEMBER}; fix: pass hl7.terminology.r4-7.0.1.tgz")
            return json.load(member)
    if source.is_dir():
        for candidate in (source / "ValueSet-snomed-intl-gps.json", source / VALUESET_MEMBER):
            if candidate.is_file():
                source = candidate
                break
        else:
            raise SystemExit(f"{source}: ValueSet-snomed-intl-gps.json not found; fix: pass the package folder")
    with open(source, encoding="utf-8") as fh:
        return json.load(fh)


def concept_rows(valueset: dict) -> list[tuple[str, str, str, str]]:
    """(sctid, fsn, semantic_tag, term) for every kept concept, sorted by integer SCTID."""
    concepts = [c for inc in valueset["compose"]["include"] for c in inc.get("concept", [])]
    if len(concepts) != EXPECTED_CONCEPTS:
        raise SystemExit(f"expected {EXPECTED_CONCEPTS} GPS concepts, found {len(concepts)}; "
                         "fix: use hl7.terminology.r4@7.0.1 (GPS September 2020)")
    rows = []
    for concept in concepts:
        fsn = concept["display"].strip()
        match = _TAG.match(fsn)
        if not match or match["tag"] not in KEPT_TAGS:
            continue
        rows.append((concept["code"], fsn, match["tag"], match["term"]))
    rows.sort(key=lambda r: int(r[0]))
    return rows


def write_outputs(valueset: dict, out_dir: Path) -> int:
    rows = concept_rows(valueset)
    with open(out_dir / "gps_concepts.tsv", "w", encoding="utf-8", newline="") as fh:
        # FSNs hold no tabs or newlines; QUOTE_NONE keeps a literal '"' as RF2 does.
        writer = csv.writer(fh, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar=None,
                            lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    version = valueset["compose"]["include"][0].get("version", "")
    notice = (
        "model_packs/gps_concepts.tsv is derived from the SNOMED CT Global Patient Set (GPS),\n"
        f"ValueSet {valueset['url']} version {valueset['version']} ({version}),\n"
        "as shipped in the npm package hl7.terminology.r4@7.0.1. Changes: only concepts with the semantic\n"
        f"tags {', '.join(KEPT_TAGS)} are kept; the FSN is split into term and semantic tag;\n"
        "name variants (UK spelling, word order, abbreviations) are generated at build time.\n\n"
        "Copyright text of the ValueSet, verbatim:\n\n"
        f"{valueset['copyright']}\n")
    (out_dir / "NOTICE").write_text(notice, encoding="utf-8")
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path, help="hl7.terminology.r4-7.0.1.tgz, its package/ folder or the JSON")
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: model_packs/)")
    args = parser.parse_args(argv)
    count = write_outputs(read_valueset(args.source), args.out)
    print(f"wrote {count} concepts to {args.out / 'gps_concepts.tsv'} and {args.out / 'NOTICE'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
