#!/usr/bin/env python3
"""Write the ILLUSTRATIVE SNOMED CT -> ICD-10 / OPCS-4.11 map (not the NHS map; not for clinical use).

The rows are data in ``starter_map.tsv`` beside this script (written by hand for the example notes
and, working down the HES 2023-24 usage lists, for what NHS coders code most), one line per concept
and classification with a short source note. This script writes them in the NHS UK extended-map
layout (13 columns, mapBlock last, tab, CRLF), so that the same importer reads it as a trust's TRUD
release. The output is committed; rerun this script after editing the table::

    python mappings/illustrative/make_illustrative_map.py

``targets`` syntax: blocks separated by ``;`` (block 1 is the default set), groups by ``+`` (used
together, in sequence: dagger then asterisk, main code then approach code), alternatives by ``|`` in
priority order. **The last alternative of a group is the default** (highest priority number), as in
the NHS map; ``CODE{context}`` says when a lower alternative applies. ``advice`` is extra advice for
group 1 (e.g. CODE MUST NEVER BE USED IN A PRIMARY POSITION). Every sctid must be a GPS concept
(model_packs/gps_concepts.tsv) and every target a code listed in ``valid_codes/``.
"""
from __future__ import annotations

import re
import sys
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # illustrative_titles.py beside this script
RELEASE = "SnomedCT_IllustrativeMapRF2_PRODUCTION_20260101T000000Z"
FILE = "der2_iisssciRefset_ExtendedMapUKCLSnapshot_GB1000000_20260101.txt"
EFFECTIVE = "20260101"
MODULE = "999000031000000106"
ICD10 = "999002271000000101"
OPCS411 = "1891651000000103"
CORRELATION = "447561005"  # SNOMED CT source code to target map code correlation not specified
HEADER = ("id", "effectiveTime", "active", "moduleId", "refsetId", "referencedComponentId", "mapGroup",
          "mapPriority", "mapRule", "mapAdvice", "mapTarget", "correlationId", "mapBlock")
FSN_TYPE = "900000000000003001"
SYN_TYPE = "900000000000013009"
NS = uuid.UUID("6f1c2a52-5a9e-4d1b-9a57-2c1d0e1f0a11")

TABLE = HERE / "starter_map.tsv"
TABLE_HEADER = ("sctid", "classification", "targets", "advice", "source")
REFSET_OF = {"ICD-10": ICD10, "OPCS-4": OPCS411}
NIS = "#NIS"


def display(code: str) -> str:
    """CDS form -> the dotted form used inside advice texts (I219 -> I21.9, I10X -> I10.X)."""
    base = code[:-1] if code[-1] in "DA" and len(code) == 5 else code
    return f"{base[:3]}.{base[3:]}" if len(base) > 3 else base


_ALT = re.compile(r"^(#NIS|[A-Z][0-9]{2}[0-9X][0-9]?[DA]?|[A-Z][0-9]{3})(?:\{([^{}]+)\})?$")


def parse_targets(spec: str, where: str) -> list[list[list[tuple[str, str | None]]]]:
    """``A{why}|B ; C + D`` -> blocks (``;``) of groups (``+``) of alternatives (``|``, priority order).

    In a group of several alternatives ``{why}`` is the context that selects it and the last one
    (no ``{}``) is the default; on a group's only code ``{text}`` is extra advice."""
    blocks = []
    for block in spec.split(";"):
        groups = []
        for group in block.split("+"):
            alts = []
            for alt in group.split("|"):
                m = _ALT.match(alt.strip())
                if not m:
                    raise SystemExit(f"{where}: bad target {alt.strip()!r}: write CODE or CODE{{context}} "
                                     "(CDS form: I219, I10X, E143D, H360A, W371)")
                alts.append((m.group(1), m.group(2)))
            if len(alts) > 1 and alts[-1][1]:
                raise SystemExit(f"{where}: the last alternative of a group is the default: it takes no {{context}}")
            groups.append(alts)
        blocks.append(groups)
    return blocks


def advice_texts(blocks, extra: str) -> list[list[list[tuple[str, str]]]]:
    """NHS-style advice for every alternative (invented wording; the real map's advice differs)."""
    out = []
    for block_no, block in enumerate(blocks, 1):
        first = block[0][-1][0]
        joined = " + ".join(display(g[-1][0]) for g in block)
        block_why = list(dict.fromkeys(why for g in block for _, why in g if why))  # says when this set applies
        groups = []
        for group_no, group in enumerate(block, 1):
            texts = []
            for n, (code, why) in enumerate(group, 1):
                if code == NIS:
                    texts.append((code, "Not in scope of the classification"))
                    continue
                if block_no > 1:
                    parts = [joined] + block_why
                elif len(group) == 1:
                    parts = [f"ALWAYS {display(code)}"] + ([why] if why else [])
                elif n < len(group):
                    parts = [f"IF {why or 'OTHER CONTEXT'} CHOOSE {display(code)}", "EPISODE OF CARE INFORMATION NEEDED"]
                else:
                    parts = [f"OTHERWISE {display(code)}", f"{len(group) - 1} CONTEXT-SPECIFIC ALTERNATIVES"]
                if group_no > 1 and code.endswith("A") and len(code) == 5:
                    parts.append(f"Additional code mandatory for {first[:4]} {first[4:] or 'X'}".rstrip())
                    parts.append("ASTERISK CODE")
                elif len(block) > 1:
                    parts.insert(1, "ADDITIONAL CODE MANDATORY")
                if group_no == 1 and extra:
                    parts.append(extra)
                texts.append((code, " | ".join(parts)))
            groups.append(texts)
        out.append(groups)
    return out


def read_table(path: Path = TABLE) -> list[tuple[str, str, list, str]]:
    """Rows of the table: (refset, sctid, blocks with advice, source note); a clear error per bad line."""
    out, seen, valid = [], set(), valid_codes()
    with open(path, encoding="utf-8", newline="") as fh:
        header = tuple(fh.readline().rstrip("\r\n").split("\t"))
        if header != TABLE_HEADER:
            raise SystemExit(f"{path.name}: header must be the tab-separated {', '.join(TABLE_HEADER)}")
        for n, line in enumerate(fh, 2):
            line = line.rstrip("\r\n")
            if not line or line.startswith("#"):
                continue
            where = f"{path.name} line {n}"
            cells = line.split("\t")
            if len(cells) != len(TABLE_HEADER):
                raise SystemExit(f"{where}: {len(cells)} tab-separated cells, expected {len(TABLE_HEADER)}")
            sctid, system, spec, extra, source = (c.strip() for c in cells)
            if not sctid.isdigit() or system not in REFSET_OF or not source:
                raise SystemExit(f"{where}: need a numeric sctid, classification ICD-10 or OPCS-4 and a source note")
            if (system, sctid) in seen:
                raise SystemExit(f"{where}: {sctid} already has {system} rows (one line per concept)")
            seen.add((system, sctid))
            blocks = parse_targets(spec, where)
            unknown = sorted({c for b in blocks for g in b for c, _ in g
                              if c != NIS and _hes_form(c) not in valid[system]})
            if unknown:
                raise SystemExit(f"{where}: {', '.join(unknown)} not in valid_codes/{VALID_FILES[system]} "
                                 f"(not a {system} code; check the classification, then add it there)")
            out.append((REFSET_OF[system], sctid, advice_texts(blocks, extra), source))
    return out


VALID_FILES = {"ICD-10": "icd10_5th_edition_codes.txt", "OPCS-4": "opcs4_codes.txt"}


def _hes_form(code: str) -> str:
    """CDS target -> the form of the valid-code lists (no dagger/asterisk suffix): E143D -> E143."""
    return code[:-1] if len(code) == 5 and code[-1] in "DA" else code


def valid_codes() -> dict[str, set[str]]:
    """The valid ICD-10 / OPCS-4 codes kept as data (codes only) in valid_codes/."""
    return {system: set((HERE / "valid_codes" / name).read_text(encoding="utf-8").split())
            for system, name in VALID_FILES.items()}


def rows():
    for refset, sctid, blocks, _source in read_table():
        for block_no, block in enumerate(blocks, 1):
            for group_no, group in enumerate(block, 1):
                for priority, (target, advice) in enumerate(group, 1):
                    key = f"{refset}|{sctid}|{block_no}|{group_no}|{priority}"
                    yield (str(uuid.uuid5(NS, key)), EFFECTIVE, "1", MODULE, refset, sctid, str(group_no),
                           str(priority), "", advice, target, CORRELATION, str(block_no))


def _write(path: Path, header, records) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["\t".join(header)] + ["\t".join(r) for r in records]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))  # RF2: UTF-8, tab, CRLF, no quoting
    return len(lines) - 1


def read_gps() -> dict[str, tuple[str, str]]:
    """sctid -> (FSN, term) of the GPS concepts the starter pack holds."""
    gps = {}
    with open(HERE.parent.parent / "model_packs" / "gps_concepts.tsv", encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            sctid, fsn, _tag, term = line.rstrip("\n").split("\t")
            gps[sctid] = (fsn, term)
    return gps


def terminology(sctids: list[str]):
    """Concept and description rows for the mapped concepts, from the GPS table (FSN + term as synonym),
    so that the folder is a complete (tiny) RF2 release that the release reader opens.
    Description ids are local to this illustrative release (not issued SNOMED CT identifiers)."""
    gps = read_gps()
    missing = [s for s in sctids if s not in gps]
    if missing:
        raise SystemExit(f"SCTIDs not in model_packs/gps_concepts.tsv: {missing}")
    concepts, descriptions = [], []
    for n, sctid in enumerate(sorted(sctids, key=int)):
        fsn, term = gps[sctid]
        concepts.append((sctid, "20200731", "1", "900000000000207008", "900000000000074008"))
        for k, (type_id, text) in enumerate(((FSN_TYPE, fsn), (SYN_TYPE, term))):
            descriptions.append((f"{1000000 + 2 * n + k}1000000110", EFFECTIVE, "1", MODULE, sctid, "en",
                                 type_id, text, "900000000000448009"))
    return concepts, descriptions


# the release's own title files (ILLUSTRATIVE titles, TRUD layouts): imported when no TRUD titles are given
TITLES_DIR = "Titles"
ICD10_TITLE_FILE = "ICD10_Edition5_CodesAndTitlesAndMetadata_GB_Illustrative_20260101.txt"
OPCS_TITLE_FILE = "OPCS4.11 CodesAndTitles Illustrative Jan 2026 V1.0.txt"
ICD10_TITLE_HEADER = ("CODE", "ALT_CODE", "USAGE", "USAGE_UK", "DESCRIPTION", "MODIFIER_4", "MODIFIER_5",
                      "QUALIFIERS", "GENDER_MASK", "MIN_AGE", "MAX_AGE", "TREE_DESCRIPTION")


def title_key(code: str) -> str:
    """CDS form -> the code as the title files write it (I219 -> I21.9, I10X -> I10, E143D -> E14.3)."""
    base = code[:-1] if code[-1] in "DA" and len(code) == 5 else code
    base = base[:3] if base.endswith("X") else base
    return f"{base[:3]}.{base[3:]}" if len(base) > 3 else base


def write_titles(map_rows, release: Path) -> int:
    """Title files for every classifiable target of the map (a target without a reviewed title is an error)."""
    from illustrative_titles import CATEGORY_WORDING
    from illustrative_titles import ICD10 as ICD_TITLES
    from illustrative_titles import OPCS4 as OPCS_TITLES

    wanted = {(r[4], title_key(r[10])) for r in map_rows if not r[10].startswith("#")}
    # every title is written and reviewed in illustrative_titles.py: a concept's term is not a code's title
    # (the GPS term of one concept mapped to Z85.4 named the ovary; the code is every genital organ)
    missing = sorted(c for refset, c in wanted
                     if c not in (ICD_TITLES if refset == ICD10 else OPCS_TITLES))
    if missing:
        raise SystemExit(f"no reviewed title for {', '.join(missing)}: add each to illustrative_titles.py, in "
                         "the project's own words, naming the whole code (not one condition or procedure under "
                         "it), then rerun this script")
    narrow = sorted(f"{c} '{ICD_TITLES[c]}' (say '{CATEGORY_WORDING[c[:3]]}')" for refset, c in wanted
                    if refset == ICD10 and c[:3] in CATEGORY_WORDING
                    and CATEGORY_WORDING[c[:3]] not in ICD_TITLES[c].lower())
    if narrow:
        raise SystemExit(f"titles narrower than their category in illustrative_titles.py: {'; '.join(narrow)}")
    icd = sorted(c for refset, c in wanted if refset == ICD10)
    opcs = sorted(c for refset, c in wanted if refset == OPCS411)
    folder = release / TITLES_DIR
    _write(folder / ICD10_TITLE_FILE, ICD10_TITLE_HEADER,
           [(c, c.replace(".", ""), "DEFAULT", "DEFAULT", ICD_TITLES[c], "", "", "", "", "", "",
             f"{c} {ICD_TITLES[c]}") for c in icd])
    lines = [f"{c}\t{OPCS_TITLES[c]}" for c in opcs]  # no header: code and title, as the TRUD file
    (folder / OPCS_TITLE_FILE).write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return len(icd) + len(opcs)


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / RELEASE,
                        help="release folder to write (default: the committed one beside this script)")
    release = parser.parse_args(argv).out
    root = release / "Snapshot"
    map_rows = list(rows())
    n = _write(root / "Refset" / "Map" / FILE, HEADER, map_rows)
    concepts, descriptions = terminology(sorted({r[5] for r in map_rows}, key=int))
    _write(root / "Terminology" / "sct2_Concept_UKCLSnapshot_GB1000000_20260101.txt",
           ("id", "effectiveTime", "active", "moduleId", "definitionStatusId"), concepts)
    _write(root / "Terminology" / "sct2_Description_UKCLSnapshot-en_GB1000000_20260101.txt",
           ("id", "effectiveTime", "active", "moduleId", "conceptId", "languageCode", "typeId", "term",
            "caseSignificanceId"), descriptions)
    titles = write_titles(map_rows, release)
    print(f"wrote {n} map rows for {len(concepts)} concepts and {titles} titles under {release}")


if __name__ == "__main__":
    main()
