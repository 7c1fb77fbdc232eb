#!/usr/bin/env python3
"""Write the ILLUSTRATIVE SNOMED CT -> ICD-10 / OPCS-4.11 map (not the NHS map; not for clinical use).

The map rows below were written by hand for the starter pack's example notes and other common
admissions, in the NHS UK extended-map layout (13 columns, mapBlock last, tab, CRLF), so that the
same importer reads it as a trust's TRUD release. The output is committed; rerun this script after
editing the table::

    python mappings/illustrative/make_illustrative_map.py

Row spec: (sctid, blocks) where blocks is a list of blocks; a block is a list of groups; a group
is a list of (target, advice) alternatives in priority order. **The last alternative of a group is
the default** (highest priority number), as in the NHS map.
"""
from __future__ import annotations

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

EXT = "POSSIBLE REQUIREMENT FOR AN EXTERNAL CAUSE CODE"
ADD = "ADDITIONAL CODE POSSIBLE"
NIS = ("#NIS", "Not in scope of the classification")


def display(code: str) -> str:
    """CDS form -> the dotted form used inside advice texts (I219 -> I21.9, I10X -> I10.X)."""
    base = code[:-1] if code[-1] in "DA" and len(code) == 5 else code
    return f"{base[:3]}.{base[3:]}" if len(base) > 3 else base


def always(code: str, *extra: str) -> list[list[list[tuple[str, str]]]]:
    return [[[(code, " | ".join((f"ALWAYS {display(code)}",) + extra))]]]


def alts(*codes: str, context: str = "EPISODE OF CARE INFORMATION NEEDED") -> list[tuple[str, str]]:
    """One group of alternatives in priority order; the last code is the default (highest priority)."""
    why = list(_WHY.get(codes[-1], [])) + ["OTHER CONTEXT"] * len(codes)
    out = [(c, f"IF {reason} CHOOSE {display(c)} | {context}") for c, reason in zip(codes[:-1], why)]
    out.append((codes[-1], f"OTHERWISE {display(codes[-1])} | {len(codes) - 1} CONTEXT-SPECIFIC ALTERNATIVES"))
    return out


def dagger(dagger_alts: tuple[str, ...], asterisk: str) -> list[list[list[tuple[str, str]]]]:
    """Block 1: group 1 the dagger (aetiology) code(s), group 2 the asterisk (manifestation) code."""
    first = alts(*dagger_alts, context="DIABETES TYPE NEEDED") if len(dagger_alts) > 1 else \
        [(dagger_alts[0], f"ALWAYS {display(dagger_alts[0])} | ADDITIONAL CODE MANDATORY")]
    first = [(c, a.replace("| OTHERWISE", "| ADDITIONAL CODE MANDATORY | OTHERWISE")) for c, a in first]
    second = [(asterisk, f"ALWAYS {display(asterisk)} | Additional code mandatory for {dagger_alts[-1][:4]} D"
               f" | ASTERISK CODE")]
    return [[first, second]]


# Why each alternative is chosen, keyed by the default code (texts shown to coders).
_WHY = {
    "I509": ["OBSTETRIC ANAESTHESIA COMPLICATION", "OLD MYOCARDIAL INFARCTION", "OBSTETRIC ANAESTHESIA",
             "PUERPERAL ANAESTHESIA", "CARDIAC DEGENERATION", "NEONATAL", "HYPERTENSIVE HEART DISEASE",
             "POST-PROCEDURAL", "HYPERTENSIVE HEART AND RENAL DISEASE", "FOLLOWING CARDIAC SURGERY",
             "COMPLICATION OF PROCEDURE", "FOLLOWING OBSTETRIC SURGERY", "HYPERTENSIVE HEART AND RENAL DISEASE WITH RENAL FAILURE",
             "LEFT VENTRICULAR FAILURE", "CONGESTIVE"],
    "I10X": ["PREGNANT OR PUERPERAL", "SECONDARY HYPERTENSION"],
    "I269": ["OBSTETRIC", "WITH ACUTE COR PULMONALE"],
    "I802": ["PREGNANT", "PUERPERAL"],
    "J459": ["STATUS ASTHMATICUS"],
    "N390": ["PREGNANT"],
    "J81X": ["CARDIAC CAUSE (LEFT VENTRICULAR FAILURE)"],
    "E143D": ["TYPE 1 DIABETES", "TYPE 2 DIABETES"],
    "E141": ["TYPE 1 DIABETES", "TYPE 2 DIABETES"],
    "H019": ["ABNORMAL APPENDIX, EMERGENCY", "NORMAL APPENDIX, EMERGENCY"],
    "H029": ["EMERGENCY, ABNORMAL APPENDIX WITH DRAINAGE", "EMERGENCY, NORMAL APPENDIX"],
    "W399": ["HEMIARTHROPLASTY USING CEMENT", "HEMIARTHROPLASTY NOT USING CEMENT", "TOTAL USING CEMENT",
             "TOTAL NOT USING CEMENT"],
    "W391": ["NOT USING CEMENT", "USING CEMENT"],
    "W409": ["NOT USING CEMENT", "USING CEMENT"],
    "C719": ["PHACOEMULSIFICATION", "INTRACAPSULAR"],
    "R189": ["ELECTIVE"],
    "T209": ["PROSTHETIC MATERIAL USED", "SUTURED"],
    "K759": ["DRUG-ELUTING STENT"],
    "J183": ["WITH EXPLORATION OF COMMON BILE DUCT"],  # J18.2
    "X339": ["PACKED CELLS"],
}

# --- ICD-10 5th Edition -----------------------------------------------------------------------
ICD: list[tuple[str, list]] = [
    # cardiovascular
    ("22298006", always("I219")),
    ("57054005", always("I219")),
    ("401303003", always("I213")),
    ("401314000", always("I214")),
    ("54329005", always("I210")),
    ("73795002", always("I211")),
    ("58612006", always("I212")),
    ("70211005", always("I210")),
    ("84114007", [
        [alts("O291", "I255", "O742", "O891", "I515", "P290", "I110", "I978", "I130", "I971", "T818", "O754",
              "I132", "I501", "I500", "I509")],
        [[("E059D", "E05.9 + I43.8 | THYROTOXIC HEART FAILURE | ADDITIONAL CODE MANDATORY")],
         [("I438A", "E05.9 + I43.8 | THYROTOXIC HEART FAILURE | Additional code mandatory for E059 D")]],
        [[("I438A", "I43.8 + E05.9 | THYROTOXIC HEART FAILURE | ADDITIONAL CODE MANDATORY")],
         [("E059", "I43.8 + E05.9 | THYROTOXIC HEART FAILURE")]],
    ]),
    ("42343007", always("I500")),
    ("195114002", always("I501")),
    ("49436004", always("I48X")),
    ("5370000", always("I48X")),
    ("195080001", always("I48X")),
    ("38341003", [[alts("O109", "I159", "I10X")]]),
    ("59621000", always("I10X")),
    ("414545008", always("I259")),
    ("53741008", always("I251")),
    ("194828000", always("I209")),
    ("60573004", always("I350")),
    ("85898001", always("I429")),
    ("230690007", always("I64X")),
    ("432504007", always("I639")),
    ("422504002", always("I639")),
    ("266257000", always("G459")),
    ("128053003", [[alts("O223", "O871", "I802")]]),
    ("404223003", [[alts("O223", "O871", "I802")]]),
    ("59282003", [[alts("O882", "I260", "I269")]]),
    ("400047006", always("I739")),
    # respiratory
    ("233604007", always("J189", ADD)),
    ("385093006", always("J189", ADD)),
    ("50417007", always("J22X")),
    ("195742007", always("J22X")),
    ("13645005", always("J449")),
    ("195951007", always("J441")),
    ("285381006", always("J440", "ADDITIONAL CODE POSSIBLE TO IDENTIFY THE INFECTION")),
    ("195967001", always("J459")),
    ("708038006", [[alts("J46X", "J459")]]),
    ("12295008", always("J47X")),
    ("60046008", always("J90X")),
    ("19242006", [[alts("I501", "J81X")]]),
    ("78275009", always("G473")),
    ("233765002", always("J960")),
    # endocrine, diabetes (dagger/asterisk pairs)
    ("44054006", always("E119")),
    ("46635009", always("E109")),
    ("4855003", dagger(("E103D", "E113D", "E143D"), "H360A")),
    ("59276001", dagger(("E103D", "E113D", "E143D"), "H360A")),
    ("312903003", dagger(("E103D", "E113D", "E143D"), "H360A")),
    ("420279001", dagger(("E112D",), "N083A")),
    ("314902007", dagger(("E115D",), "I792A")),
    ("420436000", dagger(("E114D",), "G590A")),
    ("420756003", dagger(("E113D",), "H280A")),
    ("371087003", [[[("E145", "ALWAYS E14.5 | ADDITIONAL CODE MANDATORY")],
                    [("L97X", "ALWAYS L97.X | ADDITIONAL CODE MANDATORY")]]]),
    ("421750000", always("E111")),
    ("420270002", always("E101")),
    ("420422005", [[alts("E101", "E111", "E141", context="DIABETES TYPE NEEDED")]]),
    ("27885002", always("I442")),
    ("233916004", always("I459")),
    ("271594007", always("R55X")),
    ("1755008", always("I252")),
    ("399211009", always("I252", "CODE MUST NEVER BE USED IN A PRIMARY POSITION")),
    ("414916001", always("E669")),
    ("239791005", always("M059")),
    ("427910000", always("K573")),
    ("20824003", always("K811")),
    ("386661006", always("R509")),
    ("422400008", always("R11X")),
    ("233703007", always("J849")),
    ("40930008", always("E039")),
    ("34486009", always("E059")),
    ("13644009", always("E780")),
    ("55822004", always("E785")),
    ("43339004", always("E876")),
    ("89627008", always("E871")),
    ("14140009", always("E875")),
    ("34095006", always("E86X")),
    ("238136002", always("E668")),
    # renal and urinary
    ("709044004", always("N189")),
    ("431855005", always("N181")),
    ("431856006", always("N182")),
    ("433144002", always("N183")),
    ("431857002", always("N184")),
    ("433146000", always("N185")),
    ("14669001", always("N179")),
    ("68566005", [[alts("O234", "N390")]]),
    ("4009004", [[alts("O234", "N390")]]),
    ("431309003", [[alts("O234", "N390")]]),
    ("197927001", always("N390")),
    ("36689008", always("N10X")),
    ("266569009", always("N40X")),
    # digestive
    ("74400008", always("K37X")),
    ("85189001", always("K358")),
    ("28845006", always("K352")),
    ("51036000", always("K353")),
    ("76581006", always("K819")),
    ("65275009", always("K810")),
    ("235919008", always("K802")),
    ("25924004", always("K801")),
    ("197377009", always("K800")),
    ("75694006", always("K859")),
    ("197456007", always("K859")),
    ("95563007", always("K851")),
    ("235595009", always("K219")),
    ("266433003", always("K210")),
    ("396232000", always("K409")),
    ("236021006", always("K409")),
    ("396347007", always("K429")),
    ("50063009", always("K419")),
    ("236037000", always("K439")),
    ("307496006", always("K579")),
    ("111359004", always("K573")),
    ("398050005", always("K573")),
    ("81060008", always("K566")),
    ("281255004", always("K566")),
    ("37372002", always("K922")),
    ("74474003", always("K922")),
    ("8765009", always("K920")),
    ("2901004", always("K921")),
    ("19943007", always("K746")),
    ("420054005", always("K703")),
    ("423590009", always("A047")),
    ("25374005", always("A099")),
    ("70153002", always("I849")),
    # infection and sepsis
    ("91302008", always("A419")),
    ("447899008", always("A415")),
    ("448417001", always("A410")),
    ("76571007", [[[("A419", "ALWAYS A41.9 | ADDITIONAL CODE MANDATORY")],
                   [("R572", "ALWAYS R57.2 | ADDITIONAL CODE MANDATORY")]]]),
    ("128045006", always("L039")),
    ("449710006", always("L031")),
    ("449711005", always("L031")),
    ("287001000", always("L031")),
    ("36971009", always("J329")),
    # injury (external cause codes go in a secondary position)
    ("5913000", always("S720", EXT)),
    ("1705000", always("S720", EXT)),
    ("123971006", always("S525", EXT)),
    ("16114001", always("S829", EXT)),
    ("1912002", always("W199", "THIS IS AN EXTERNAL CAUSE CODE FOR USE IN A SECONDARY POSITION")),
    # musculoskeletal
    ("239873007", always("M179")),
    ("239872002", always("M169")),
    ("69896004", always("M069")),
    ("64859006", always("M819")),
    ("57406009", always("G560")),
    # eye
    ("193570009", always("H269")),
    # neoplasm
    ("363406005", always("C189")),
    ("254637007", always("C349")),
    # blood
    ("87522002", always("D509")),
    ("271737000", always("D649")),
    # mental and neurological
    ("52448006", always("F03X")),
    ("2776000", always("F059")),
    ("286933003", always("R410")),
    ("35489007", always("F329")),
    ("21897009", always("F411")),
    ("7200002", always("F102")),
    ("66590003", always("F102")),
    ("15167005", always("F101")),
    ("84757009", always("G409")),
    ("49049000", always("G20X")),
    # symptoms and findings
    ("29857009", always("R074")),
    ("21522001", always("R104")),
    ("267036007", always("R060")),
    ("297216006", always("R060")),
    ("49727002", always("R05X")),
    ("422587007", always("R11X")),
    ("18165001", always("R17X")),
    ("80313002", always("R002")),
    ("25064002", always("R51X")),
    ("309585006", always("R55X")),
    ("56018004", always("R062")),
    ("161898004", always("R296")),
    ("66857006", always("R042")),
    # lifestyle and history (never primary)
    ("77176002", always("Z720", "CODE MUST NEVER BE USED IN A PRIMARY POSITION")),
    ("65568007", always("Z720", "CODE MUST NEVER BE USED IN A PRIMARY POSITION")),
    ("8517006", always("Z864", "CODE MUST NEVER BE USED IN A PRIMARY POSITION")),
    ("161508001", always("Z867", "CODE MUST NEVER BE USED IN A PRIMARY POSITION")),
    ("161512007", always("Z867", "CODE MUST NEVER BE USED IN A PRIMARY POSITION")),
    ("160377001", always("Z825", "CODE MUST NEVER BE USED IN A PRIMARY POSITION")),
    ("160303001", always("Z833", "CODE MUST NEVER BE USED IN A PRIMARY POSITION")),
    # not in scope of ICD-10
    ("8392000", [[[NIS]]]),
    ("413119003", [[[NIS]]]),
    ("161105008", [[[NIS]]]),
    ("161106009", [[[NIS]]]),
]

# --- OPCS-4.11 ------------------------------------------------------------------------------------
LAP = ("Y752", "ALWAYS Y75.2 | ADDITIONAL CODE MANDATORY | LAPAROSCOPIC APPROACH")
OPCS: list[tuple[str, list]] = [
    ("80146002", [[alts("H011", "H012", "H029")]]),
    ("174036004", [[alts("H013", "H012", "H019")]]),
    ("6025007", [[alts("H013", "H012", "H019"), [LAP]]]),
    ("38102005", [[alts("J182", "J183")]]),
    ("45595009", [[alts("J182", "J183"), [LAP]]]),
    ("44558001", [[alts("T201", "T202", "T209")]]),
    ("15018006", [[alts("T201", "T202", "T209"), [LAP]]]),
    ("44946007", always("T249")),
    ("609588000", [[alts("W411", "W401", "W409")]]),
    ("19063003", [[alts("W411", "W401", "W409")]]),
    ("52734007", [[alts("W381", "W371", "W391")]]),
    ("265157000", always("W371")),
    ("397956004", [[alts("W461", "W471", "W371", "W381", "W399")]]),
    ("73761001", always("H229")),
    ("24420007", always("H259")),
    ("44441009", always("H259")),
    ("76009000", always("G459")),
    ("445982009", always("G451")),
    ("386718000", always("J439")),
    ("54885007", [[alts("C712", "C721", "C719")]]),
    ("84149000", always("C712")),
    ("385468004", [[[("C712", "ALWAYS C71.2 | ADDITIONAL CODE MANDATORY")],
                    [("C751", "ALWAYS C75.1 | PROSTHETIC LENS INSERTION")]]]),
    ("11101003", always("K499")),
    ("36969009", [[alts("K751", "K759")]]),
    ("33367005", always("K639")),
    ("40701008", always("U201")),
    ("54974006", always("K609")),
    ("175135009", always("K609")),
    ("233182007", always("K609")),
    ("11466000", [[alts("R179", "R189")]]),
    ("173422009", always("F349")),
    ("71493000", [[alts("X332", "X339")]]),
    ("180207008", always("X332")),
    ("5447007", [[alts("X332", "X339")]]),
    ("90199006", always("M653")),
    ("386745004", always("M459")),
    ("71192002", always("X402")),
    ("265855005", always("L859")),
    ("359901001", always("A651")),
    ("179398005", always("W879")),
    ("26390003", always("H059")),
    ("24496007", always("H519")),
    ("73632009", always("T439")),
    ("236887006", [[[("Q079", "ALWAYS Q07.9 | ADDITIONAL CODE MANDATORY")], [LAP]]]),
]


def rows():
    for refset, table in ((ICD10, ICD), (OPCS411, OPCS)):
        for sctid, blocks in table:
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


def terminology(sctids: list[str]):
    """Concept and description rows for the mapped concepts, from the GPS table (FSN + term as synonym),
    so that the folder is a complete (tiny) RF2 release that the release reader opens.
    Description ids are local to this illustrative release (not issued SNOMED CT identifiers)."""
    gps = {}
    with open(HERE.parent.parent / "model_packs" / "gps_concepts.tsv", encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            sctid, fsn, _tag, term = line.rstrip("\n").split("\t")
            gps[sctid] = (fsn, term)
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


def write_titles(map_rows) -> int:
    """Title files for every classifiable target of the map (a missing title is an error here)."""
    from illustrative_titles import ICD10 as ICD_TITLES
    from illustrative_titles import OPCS4 as OPCS_TITLES

    def key(code: str) -> str:
        base = code[:-1] if code[-1] in "DA" and len(code) == 5 else code
        base = base[:3] if base.endswith("X") else base
        return f"{base[:3]}.{base[3:]}" if len(base) > 3 else base

    wanted = {(r[4], key(r[10])) for r in map_rows if not r[10].startswith("#")}
    missing = sorted(c for refset, c in wanted
                     if c not in (ICD_TITLES if refset == ICD10 else OPCS_TITLES))
    if missing:
        raise SystemExit(f"no illustrative title for {missing}; add them to illustrative_titles.py")
    icd = sorted(c for refset, c in wanted if refset == ICD10)
    opcs = sorted(c for refset, c in wanted if refset == OPCS411)
    folder = HERE / RELEASE / TITLES_DIR
    _write(folder / ICD10_TITLE_FILE, ICD10_TITLE_HEADER,
           [(c, c.replace(".", ""), "DEFAULT", "DEFAULT", ICD_TITLES[c], "", "", "", "", "", "",
             f"{c} {ICD_TITLES[c]}") for c in icd])
    lines = [f"{c}\t{OPCS_TITLES[c]}" for c in opcs]  # no header: code and title, as the TRUD file
    (folder / OPCS_TITLE_FILE).write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return len(icd) + len(opcs)


def main() -> None:
    root = HERE / RELEASE / "Snapshot"
    map_rows = list(rows())
    n = _write(root / "Refset" / "Map" / FILE, HEADER, map_rows)
    concepts, descriptions = terminology(sorted({r[5] for r in map_rows}, key=int))
    _write(root / "Terminology" / "sct2_Concept_UKCLSnapshot_GB1000000_20260101.txt",
           ("id", "effectiveTime", "active", "moduleId", "definitionStatusId"), concepts)
    _write(root / "Terminology" / "sct2_Description_UKCLSnapshot-en_GB1000000_20260101.txt",
           ("id", "effectiveTime", "active", "moduleId", "conceptId", "languageCode", "typeId", "term",
            "caseSignificanceId"), descriptions)
    titles = write_titles(map_rows)
    print(f"wrote {n} map rows for {len(concepts)} concepts and {titles} titles under {HERE / RELEASE}")


if __name__ == "__main__":
    main()
