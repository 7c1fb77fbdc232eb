"""Regenerate the tiny RF2 fixtures under tests/fixtures/rf2 and tests/fixtures/rf2_mono.

Run ``python tests/terminology/make_rf2_fixture.py``. The output is committed; this script only
documents how it was made. The terms follow SNOMED CT, the map rows follow the shapes of the NHS
maps (docs/reference.md §3) but are illustrative: they are not a copy of any licensed release.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

INT_DATE, UK_DATE = "20240701", "20241120"
INT_DIR = "SnomedCT_InternationalRF2_PRODUCTION_20240701T120000Z"
UK_DIR = "SnomedCT_UKClinicalRF2_PRODUCTION_20241120T000001Z"
MONO_DIR = "SnomedCT_MonolithRF2_PRODUCTION_20241120T120000Z"

CORE, UK_MOD, UK_REFSET_MOD = "900000000000207008", "999000011000000103", "999000041000000102"
FSN, SYN = "900000000000003001", "900000000000013009"
PREF, ACC = "900000000000548007", "900000000000549004"
UK_CLIN, GB, US = "999001261000000100", "900000000000508004", "900000000000509007"
ISA = "116680003"
ICD10, OPCS411, OPCS410, INTMAP = "999002271000000101", "1891651000000103", "1382401000000109", "447562003"

# sctid, FSN, active, module, parents, [(term, {refset: acceptability}, description active)]
UKP = {UK_CLIN: PREF, GB: PREF}
UKA = {UK_CLIN: ACC, GB: ACC, US: ACC}
ALLP = {UK_CLIN: PREF, GB: PREF, US: PREF}
CONCEPTS = [
    ("138875005", "SNOMED CT Concept (SNOMED RT+CTV3)", 1, CORE, [], [("SNOMED CT Concept", ALLP, 1)]),
    ("404684003", "Clinical finding (finding)", 1, CORE, ["138875005"], [("Clinical finding", ALLP, 1)]),
    ("71388002", "Procedure (procedure)", 1, CORE, ["138875005"], [("Procedure", ALLP, 1)]),
    (
        "243796009",
        "Situation with explicit context (situation)",
        1,
        CORE,
        ["138875005"],
        [("Situation with explicit context", ALLP, 1)],
    ),
    ("64572001", "Disease (disorder)", 1, CORE, ["404684003"], [("Disease", ALLP, 1), ("Disorder", UKA, 1)]),
    (
        "49601007",
        "Disorder of cardiovascular system (disorder)",
        1,
        CORE,
        ["64572001"],
        [("Disorder of cardiovascular system", ALLP, 1)],
    ),
    (
        "56265001",
        "Heart disease (disorder)",
        1,
        CORE,
        ["49601007"],
        [("Heart disease", ALLP, 1), ("Cardiac disease", UKA, 1)],
    ),
    (
        "414545008",
        "Ischemic heart disease (disorder)",
        1,
        CORE,
        ["56265001"],
        [
            ("Ischemic heart disease", {US: PREF}, 1),
            ("Ischaemic heart disease", UKP, 1),
            ("IHD - Ischaemic heart disease", {UK_CLIN: ACC, GB: ACC}, 1),
        ],
    ),
    (
        "84114007",
        "Heart failure (disorder)",
        1,
        CORE,
        ["56265001"],
        [
            ("Heart failure", ALLP, 1),
            ("Cardiac failure", UKA, 1),
            ("HF - Heart failure", UKA, 1),
            ("Heart failure NOS", UKA, 0),
        ],
    ),
    (
        "22298006",
        "Myocardial infarction (disorder)",
        1,
        CORE,
        ["414545008"],
        [
            ("Myocardial infarction", ALLP, 1),
            ("Heart attack", UKA, 1),
            ("Cardiac infarction", UKA, 1),
            ("MI - Myocardial infarction", UKA, 1),
        ],
    ),
    (
        "38341003",
        "Hypertensive disorder, systemic arterial (disorder)",
        1,
        CORE,
        ["49601007"],
        [("Hypertensive disorder", ALLP, 1), ("Hypertension", UKA, 1), ("High blood pressure", UKA, 1)],
    ),
    (
        "59621000",
        "Essential hypertension (disorder)",
        1,
        CORE,
        ["38341003"],
        [
            ("Essential hypertension", ALLP, 1),
            ("Primary hypertension", UKA, 1),
            ("Idiopathic hypertension", UKA, 1),
        ],
    ),
    (
        "50043002",
        "Disorder of respiratory system (disorder)",
        1,
        CORE,
        ["64572001"],
        [("Disorder of respiratory system", ALLP, 1), ("Respiratory disease", UKA, 1)],
    ),
    (
        "233604007",
        "Pneumonia (disorder)",
        1,
        CORE,
        ["50043002"],
        [("Pneumonia", ALLP, 1), ("Pneumonitis", UKA, 1)],
    ),
    (
        "195967001",
        "Asthma (disorder)",
        1,
        CORE,
        ["50043002"],
        [("Asthma", ALLP, 1), ("Bronchial asthma", UKA, 1), ("Asthmatic", {US: ACC}, 1)],
    ),
    (
        "53619000",
        "Disorder of digestive system (disorder)",
        1,
        CORE,
        ["64572001"],
        [("Disorder of digestive system", ALLP, 1)],
    ),
    ("74400008", "Appendicitis (disorder)", 1, CORE, ["53619000"], [("Appendicitis", ALLP, 1)]),
    (
        "362969004",
        "Disorder of endocrine system (disorder)",
        1,
        CORE,
        ["64572001"],
        [("Disorder of endocrine system", ALLP, 1), ("Endocrine disease", UKA, 1)],
    ),
    (
        "73211009",
        "Diabetes mellitus (disorder)",
        1,
        CORE,
        ["362969004"],
        [("Diabetes mellitus", ALLP, 1), ("DM - Diabetes mellitus", UKA, 1), ("Diabetes", UKA, 1)],
    ),
    (
        "44054006",
        "Diabetes mellitus type 2 (disorder)",
        1,
        CORE,
        ["73211009"],
        [
            ("Diabetes mellitus type 2", {US: PREF}, 1),
            ("Type 2 diabetes mellitus", UKP, 1),
            ("Type II diabetes mellitus", UKA, 1),
            ("Type 2 diabetes", UKA, 1),
            ("T2DM", {UK_CLIN: ACC}, 1),
        ],
    ),
    (
        "4855003",
        "Retinopathy due to diabetes mellitus (disorder)",
        1,
        CORE,
        ["73211009"],
        [
            ("Retinopathy due to diabetes mellitus", {US: PREF, GB: PREF}, 1),
            ("Diabetic retinopathy", {UK_CLIN: PREF, GB: ACC, US: ACC}, 1),
        ],
    ),
    (
        "90708001",
        "Kidney disease (disorder)",
        1,
        CORE,
        ["64572001"],
        [("Kidney disease", ALLP, 1), ("Renal disease", UKA, 1)],
    ),
    (
        "709044004",
        "Chronic kidney disease (disorder)",
        1,
        CORE,
        ["90708001"],
        [
            ("Chronic kidney disease", ALLP, 1),
            ("CKD - Chronic kidney disease", UKA, 1),
            ("Chronic renal disease", UKA, 1),
        ],
    ),
    (
        "29857009",
        "Chest pain (finding)",
        1,
        CORE,
        ["404684003"],
        [("Chest pain", ALLP, 1), ("Pain in chest", UKA, 1)],
    ),
    (
        "267036007",
        "Dyspnea (finding)",
        1,
        CORE,
        ["404684003"],
        [
            ("Dyspnea", {US: PREF}, 1),
            ("Dyspnoea", UKP, 1),
            ("Shortness of breath", UKA, 1),
            ("Breathlessness", UKA, 1),
        ],
    ),
    (
        "387713003",
        "Surgical procedure (procedure)",
        1,
        CORE,
        ["71388002"],
        [("Surgical procedure", ALLP, 1), ("Operation", UKA, 1)],
    ),
    (
        "80146002",
        "Excision of appendix (procedure)",
        1,
        CORE,
        ["387713003"],
        [("Appendectomy", {US: PREF}, 1), ("Appendicectomy", UKP, 1), ("Excision of appendix", UKA, 1)],
    ),
    (
        "73761001",
        "Colonoscopy (procedure)",
        1,
        CORE,
        ["71388002"],
        [("Colonoscopy", ALLP, 1), ('Colonoscopy "lower GI endoscopy"', UKA, 1)],
    ),
    # inactive concept: must never appear anywhere
    (
        "155574008",
        "Cerebrovascular disease (disorder)",
        0,
        CORE,
        ["49601007"],
        [("Cerebrovascular disease", ALLP, 1)],
    ),
    # UK extension concepts
    (
        "160245001",
        "No current problems or disability (situation)",
        1,
        UK_MOD,
        ["243796009"],
        [
            ("No current problems or disability", {UK_CLIN: PREF, GB: PREF}, 1),
            ("Nil of note", {UK_CLIN: ACC}, 1),
        ],
    ),
]
UK_ONLY = {"160245001"}
# a relationship that is inactive: the inactive concept's old parent, plus a stale is-a of Asthma
INACTIVE_ISA = [("155574008", "49601007"), ("195967001", "53619000")]


def _heart_failure_rows() -> list[tuple]:
    targets = [
        "O291",
        "I255",
        "O742",
        "O891",
        "I515",
        "P290",
        "I110",
        "I978",
        "I130",
        "I971",
        "T818",
        "O754",
        "I132",
        "I501",
        "I500",
        "I509",
    ]
    rows = [
        ("84114007", 1, prio, "", f"MAP IS CONTEXT DEPENDENT FOR {t}" if prio < 16 else "ALWAYS I50.9", t, 1)
        for prio, t in enumerate(targets, start=1)
    ]
    # thyrotoxic heart failure as E05.9 + I43.8* in either sequence (blocks 2 and 3)
    advice = "Additional code mandatory for I438 A"
    rows += [
        ("84114007", 1, 1, "", advice, "E059", 2),
        ("84114007", 2, 1, "", advice, "I438A", 2),
        ("84114007", 1, 1, "", advice, "I438A", 3),
        ("84114007", 2, 1, "", advice, "E059", 3),
    ]
    return rows


# (sctid, group, priority, rule, advice, target, block[, active])
ICD_ROWS = [
    ("22298006", 1, 1, "", "ALWAYS I21.9", "I219", 1),
    ("59621000", 1, 1, "", "ALWAYS I10", "I10X", 1),
    ("38341003", 1, 1, "", "ALWAYS I10", "I10X", 1),
    ("233604007", 1, 1, "", "ALWAYS J18.1", "J181", 1, 0),  # inactive old row, same key as the next
    ("233604007", 1, 1, "", "ALWAYS J18.9", "J189", 1),
    ("195967001", 1, 1, "", "ALWAYS J45.9", "J459", 1),
    ("74400008", 1, 1, "", "ALWAYS K37", "K37X", 1),
    ("44054006", 1, 1, "", "ALWAYS E11.9", "E119", 1),
    ("73211009", 1, 1, "", "ALWAYS E14.9", "E149", 1),
    ("709044004", 1, 1, "", "ALWAYS N18.9", "N189", 1),
    ("29857009", 1, 1, "", "ALWAYS R07.4", "R074", 1),
    ("267036007", 1, 1, "", "ALWAYS R06.0", "R060", 1),
    ("4855003", 1, 1, "", "ALWAYS E14.3 | DAGGER CODE", "E143D", 1),
    ("4855003", 2, 1, "", "ALWAYS H36.0 | ASTERISK CODE | ADDITIONAL CODE MANDATORY", "H360A", 1),
    ("160245001", 1, 1, "", "Not in scope of the classification", "#NIS", 1),
    ("155574008", 1, 1, "", "ALWAYS I67.9", "I679", 1),  # row of an inactive concept (still active in map)
] + _heart_failure_rows()
OPCS411_ROWS = [
    ("80146002", 1, 1, "", "ALWAYS H01.9", "H019", 1),
    ("73761001", 1, 1, "", "POSSIBLE REQUIREMENT FOR ADDITIONAL CODE", "H221", 1),
    ("73761001", 1, 2, "", "POSSIBLE REQUIREMENT FOR ADDITIONAL CODE", "H228", 1),
    ("73761001", 1, 3, "", "POSSIBLE REQUIREMENT FOR ADDITIONAL CODE", "H252", 1),
    ("73761001", 1, 4, "", "ALWAYS H22.9", "H229", 1),
]
OPCS410_ROWS = [
    ("80146002", 1, 1, "", "ALWAYS H01.9", "H019", 1),
    ("73761001", 1, 1, "", "ALWAYS H22.9", "H229", 1),
]
INT_ROWS = [  # International map: mapCategoryId instead of mapBlock
    ("22298006", 1, 1, "TRUE", "ALWAYS I21.9", "I21.9", "447637006"),
    (
        "84114007",
        1,
        1,
        "IFA 445518008 | Age at onset of clinical finding (observable entity) | <= 28.0 days",
        "IF AGE AT ONSET OF CLINICAL FINDING ON OR BEFORE 28.0 DAYS CHOOSE P29.0",
        "P29.0",
        "447639009",
    ),
    ("84114007", 1, 2, "OTHERWISE TRUE", "ALWAYS I50.9", "I50.9", "447637006"),
    ("59621000", 1, 1, "TRUE", "ALWAYS I10", "I10", "447637006"),
]


def _write(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:  # RF2 uses CRLF
        for row in [header, *rows]:
            fh.write("\t".join(str(v) for v in row) + "\r\n")


def _uuid(*parts) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_OID, "|".join(map(str, parts))))


CONCEPT_H = ["id", "effectiveTime", "active", "moduleId", "definitionStatusId"]
DESC_H = [
    "id",
    "effectiveTime",
    "active",
    "moduleId",
    "conceptId",
    "languageCode",
    "typeId",
    "term",
    "caseSignificanceId",
]
REL_H = [
    "id",
    "effectiveTime",
    "active",
    "moduleId",
    "sourceId",
    "destinationId",
    "relationshipGroup",
    "typeId",
    "characteristicTypeId",
    "modifierId",
]
LANG_H = ["id", "effectiveTime", "active", "moduleId", "refsetId", "referencedComponentId", "acceptabilityId"]
UKMAP_H = [
    "id",
    "effectiveTime",
    "active",
    "moduleId",
    "refsetId",
    "referencedComponentId",
    "mapGroup",
    "mapPriority",
    "mapRule",
    "mapAdvice",
    "mapTarget",
    "correlationId",
    "mapBlock",
]
INTMAP_H = UKMAP_H[:-1] + ["mapCategoryId"]


def build_tables():
    """Rows per (folder, table)."""
    t = {k: [] for k in ("int_c", "uk_c", "int_d", "uk_d", "int_r", "uk_r", "int_l", "uk_l")}
    desc_seq = rel_seq = 0
    for sctid, fsn, active, module, parents, terms in CONCEPTS:
        side = "uk" if sctid in UK_ONLY else "int"
        date = UK_DATE if side == "uk" else INT_DATE
        t[f"{side}_c"].append([sctid, date, active, module, "900000000000074008"])
        descs = [(fsn, {UK_CLIN: PREF, GB: PREF, US: PREF}, 1, FSN)] + [(a, b, c, SYN) for a, b, c in terms]
        for term, accept, d_active, type_id in descs:
            desc_seq += 1
            did = f"{100000 + desc_seq}{'11' if side == 'uk' else '01'}{desc_seq % 10}"
            t[f"{side}_d"].append(
                [did, date, d_active, module, sctid, "en", type_id, term, "900000000000448009"]
            )
            for refset, acceptability in accept.items():
                lang_side = "uk" if refset == UK_CLIN else "int"
                t[f"{lang_side}_l"].append(
                    [
                        _uuid("lang", did, refset),
                        UK_DATE if lang_side == "uk" else INT_DATE,
                        1,
                        UK_REFSET_MOD if lang_side == "uk" else CORE,
                        refset,
                        did,
                        acceptability,
                    ]
                )
        for parent in parents:
            rel_seq += 1
            rid = f"{200000 + rel_seq}{'12' if side == 'uk' else '02'}{rel_seq % 10}"
            t[f"{side}_r"].append(
                [rid, date, active, module, sctid, parent, 0, ISA, "900000000000011006", "900000000000451002"]
            )
    for src, dst in INACTIVE_ISA:
        rel_seq += 1
        t["int_r"].append(
            [
                f"{200000 + rel_seq}02{rel_seq % 10}",
                INT_DATE,
                0,
                CORE,
                src,
                dst,
                0,
                ISA,
                "900000000000011006",
                "900000000000451002",
            ]
        )
    return t


def map_rows(refset: str, rows: list[tuple], date: str, asterisk_space: bool = False) -> list[list]:
    out = []
    for row in rows:
        sctid, group, prio, rule, advice, target, block = row[:7]
        active = row[7] if len(row) > 7 else 1
        if asterisk_space and target.endswith("A") and not target.startswith("#"):
            target = target[:-1] + " A"  # older rows: "H360 A"
        out.append(
            [
                _uuid("map", refset, sctid, block, group, prio, active),
                date,
                active,
                UK_REFSET_MOD,
                refset,
                sctid,
                group,
                prio,
                rule,
                advice,
                target,
                "447561005",
                block,
            ]
        )
    return out


def main() -> None:
    t = build_tables()
    rf2, mono = FIXTURES / "rf2", FIXTURES / "rf2_mono"
    for root in (rf2, mono):
        if root.exists():
            shutil.rmtree(root)
    i, u = rf2 / INT_DIR / "Snapshot", rf2 / UK_DIR / "Snapshot"
    _write(i / "Terminology" / f"sct2_Concept_Snapshot_INT_{INT_DATE}.txt", CONCEPT_H, t["int_c"])
    _write(i / "Terminology" / f"sct2_Description_Snapshot-en_INT_{INT_DATE}.txt", DESC_H, t["int_d"])
    _write(i / "Terminology" / f"sct2_Relationship_Snapshot_INT_{INT_DATE}.txt", REL_H, t["int_r"])
    _write(
        i / "Refset" / "Language" / f"der2_cRefset_LanguageSnapshot-en_INT_{INT_DATE}.txt", LANG_H, t["int_l"]
    )
    int_map = [
        [
            _uuid("intmap", *r[:3]),
            INT_DATE,
            1,
            "449080006",
            INTMAP,
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            "447561005",
            r[6],
        ]
        for r in INT_ROWS
    ]
    _write(
        i / "Refset" / "Map" / f"der2_iisssccRefset_ExtendedMapSnapshot_INT_{INT_DATE}.txt", INTMAP_H, int_map
    )
    # Full/ must be ignored: it holds a concept that is not in the Snapshot
    _write(
        rf2 / INT_DIR / "Full" / "Terminology" / f"sct2_Concept_Full_INT_{INT_DATE}.txt",
        CONCEPT_H,
        t["int_c"] + [["999999999", INT_DATE, 1, CORE, "900000000000074008"]],
    )

    _write(u / "Terminology" / f"sct2_Concept_UKCLSnapshot_GB1000000_{UK_DATE}.txt", CONCEPT_H, t["uk_c"])
    _write(u / "Terminology" / f"sct2_Description_UKCLSnapshot-en_GB1000000_{UK_DATE}.txt", DESC_H, t["uk_d"])
    _write(u / "Terminology" / f"sct2_Relationship_UKCLSnapshot_GB1000000_{UK_DATE}.txt", REL_H, t["uk_r"])
    _write(
        u / "Refset" / "Language" / f"der2_cRefset_LanguageUKCLSnapshot-en_GB1000000_{UK_DATE}.txt",
        LANG_H,
        t["uk_l"],
    )
    # 2022+ naming (UKCL) for ICD-10 and OPCS-4.11; the 2020-2021 plain naming for OPCS-4.10
    _write(
        u / "Refset" / "Map" / f"der2_iisssciRefset_ExtendedMapUKCLSnapshot_GB1000000_{UK_DATE}.txt",
        UKMAP_H,
        map_rows(ICD10, ICD_ROWS, UK_DATE) + map_rows(OPCS411, OPCS411_ROWS, UK_DATE),
    )
    _write(
        u / "Refset" / "Map" / f"der2_iisssciRefset_ExtendedMapSnapshot_GB1000000_{UK_DATE}.txt",
        UKMAP_H,
        map_rows(OPCS410, OPCS410_ROWS, UK_DATE),
    )

    # Monolith: one folder, MONOSnapshot_GB names, asterisks in the older "H360 A" form
    m = mono / MONO_DIR / "Snapshot"
    _write(
        m / "Terminology" / f"sct2_Concept_MONOSnapshot_GB_{UK_DATE}.txt", CONCEPT_H, t["int_c"] + t["uk_c"]
    )
    _write(
        m / "Terminology" / f"sct2_Description_MONOSnapshot-en_GB_{UK_DATE}.txt",
        DESC_H,
        t["int_d"] + t["uk_d"],
    )
    _write(
        m / "Terminology" / f"sct2_Relationship_MONOSnapshot_GB_{UK_DATE}.txt", REL_H, t["int_r"] + t["uk_r"]
    )
    _write(
        m / "Refset" / "Language" / f"der2_cRefset_LanguageMONOSnapshot-en_GB_{UK_DATE}.txt",
        LANG_H,
        t["int_l"] + t["uk_l"],
    )
    _write(
        m / "Refset" / "Map" / f"der2_iisssciRefset_ExtendedMapMONOSnapshot_GB_{UK_DATE}.txt",
        UKMAP_H,
        map_rows(ICD10, ICD_ROWS, UK_DATE, asterisk_space=True)
        + map_rows(OPCS411, OPCS411_ROWS, UK_DATE)
        + map_rows(OPCS410, OPCS410_ROWS, UK_DATE),
    )


if __name__ == "__main__":
    main()
