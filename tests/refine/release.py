"""A hand-written RF2 release for the refinement tests: concepts, names, inferred relationships
(parents and defining attributes) and an ICD-10 map, in the UK layout. The SCTIDs follow SNOMED CT
where the concept exists there; the map rows are illustrative (not the NHS map)."""
from __future__ import annotations

from pathlib import Path

FOLDER = "SnomedCT_RefineFixtureRF2_PRODUCTION_20260101T000000Z"
DATE, CORE = "20260101", "900000000000207008"
FSN, SYN = "900000000000003001", "900000000000013009"
DEFINED, PRIMITIVE = "900000000000073002", "900000000000074008"
INFERRED, STATED = "900000000000011006", "900000000000010007"
ISA = "116680003"
SITE, MORPH, AGENT, DUE_TO, LAT = "363698007", "116676008", "246075003", "42752001", "272741003"
FINDING, TEMPORAL, SUBJECT, CONTEXT = "246090004", "408731000", "408732007", "408729009"
ICD10 = "999002271000000101"

# sctid, FSN, synonyms, defined?, parents, attributes [(type, value)], ICD-10 code or None
CONCEPTS = [
    ("138875005", "SNOMED CT Concept (SNOMED RT+CTV3)", [], False, [], [], None),
    ("404684003", "Clinical finding (finding)", [], False, ["138875005"], [], None),
    ("64572001", "Disease (disorder)", [], False, ["404684003"], [], None),
    ("243796009", "Situation with explicit context (situation)", [], False, ["138875005"], [], None),
    ("410607006", "Organism (organism)", [], False, ["138875005"], [], None),
    ("112283007", "Escherichia coli (organism)", ["E. coli", "E coli"], False, ["410607006"], [], None),
    ("3092008", "Staphylococcus aureus (organism)", ["Staph aureus"], False, ["410607006"], [], None),
    ("105590001", "Substance (substance)", [], False, ["138875005"], [], None),
    ("764146007", "Penicillin (substance)", ["Penicillin"], False, ["105590001"], [], None),
    ("123037004", "Body structure (body structure)", [], False, ["138875005"], [], None),
    ("28231008", "Gallbladder structure (body structure)", ["Gallbladder"], False, ["123037004"], [], None),
    ("29627003", "Structure of neck of femur (body structure)", ["Neck of femur"], False, ["123037004"], [], None),
    ("362981000", "Qualifier value (qualifier value)", [], False, ["138875005"], [], None),
    ("7771000", "Left (qualifier value)", ["Left"], False, ["362981000"], [], None),
    ("410513005", "In the past (qualifier value)", [], False, ["362981000"], [], None),
    ("410604004", "Subject of record (person)", [], False, ["138875005"], [], None),
    ("410515003", "Known present (qualifier value)", [], False, ["362981000"], [], None),
    # gallbladder: two parents, and three
    ("235919008", "Calculus of gallbladder (disorder)", ["Gallstones", "Gallbladder calculus"], False,
     ["64572001"], [(SITE, "28231008")], "K802"),
    ("76581006", "Cholecystitis (disorder)", [], False, ["64572001"], [(SITE, "28231008")], "K819"),
    ("65275009", "Acute cholecystitis (disorder)", [], False, ["76581006"], [(SITE, "28231008")], "K810"),
    ("20824003", "Chronic cholecystitis (disorder)", [], False, ["76581006"], [(SITE, "28231008")], "K811"),
    ("25924004", "Calculus of gallbladder with cholecystitis (disorder)", [], True,
     ["235919008", "76581006"], [(SITE, "28231008")], "K801"),
    ("197377009", "Calculus of gallbladder with acute cholecystitis (disorder)", [], True,
     ["25924004", "65275009"], [(SITE, "28231008")], "K800"),
    ("1119311000000106", "Calculus of gallbladder with acute on chronic cholecystitis (disorder)", [], True,
     ["197377009", "20824003"], [(SITE, "28231008")], "K808"),
    # organism
    ("91302008", "Sepsis (disorder)", [], False, ["64572001"], [], "A419"),
    ("447899008", "Sepsis caused by Escherichia coli (disorder)", [], True,
     ["91302008"], [(AGENT, "112283007")], "A415"),
    ("448417001", "Sepsis caused by Staphylococcus aureus (disorder)", [], True,
     ["91302008"], [(AGENT, "3092008")], "A410"),
    # a combination whose codes are its parts' codes adds nothing (and is no rival to one that does)
    ("68566005", "Urinary tract infectious disease (disorder)", ["Urinary tract infection", "UTI"], False,
     ["64572001"], [], "N390"),
    ("721104000", "Sepsis due to urinary tract infection (disorder)", [], True,
     ["91302008"], [(DUE_TO, "68566005")], "A419"),
    # laterality inside a name
    ("5913000", "Fracture of neck of femur (disorder)", ["Fractured neck of femur"], False,
     ["64572001"], [(SITE, "29627003")], "S720"),
    # history situation, and a historical finding without one
    ("22298006", "Myocardial infarction (disorder)", ["MI"], False, ["64572001"], [], "I219"),
    ("399211009", "History of myocardial infarction (situation)", [], True, ["243796009"],
     [(FINDING, "22298006"), (TEMPORAL, "410513005"), (SUBJECT, "410604004"), (CONTEXT, "410515003")], "I252"),
    ("233604007", "Pneumonia (disorder)", [], False, ["64572001"], [], "J189"),
    # allergy
    ("609328004", "Allergic disposition (finding)", [], False, ["404684003"], [], None),
    ("91936005", "Allergy to penicillin (finding)", [], True, ["609328004"], [(AGENT, "764146007")], "Z880"),
]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("".join("\t".join(r) + "\r\n" for r in [header, *rows]).encode("utf-8"))


def write_release(root: Path) -> Path:
    snap = Path(root) / FOLDER / "Snapshot"
    term = snap / "Terminology"
    concepts, descriptions, relationships, maps = [], [], [], []
    for n, (sctid, fsn, synonyms, defined, parents, attributes, code) in enumerate(CONCEPTS, 1):
        concepts.append([sctid, DATE, "1", CORE, DEFINED if defined else PRIMITIVE])
        bare = fsn.rsplit(" (", 1)[0]
        for k, (term_, type_id) in enumerate([(fsn, FSN), (bare, SYN), *((s, SYN) for s in synonyms)]):
            descriptions.append([f"{n}{k:02d}0011", DATE, "1", CORE, sctid, "en", type_id, term_,
                                 "900000000000448009"])
        rels = [(ISA, p) for p in parents] + list(attributes)
        for k, (type_id, value) in enumerate(rels):
            relationships.append([f"{n}{k:02d}0021", DATE, "1", CORE, sctid, value, "0" if type_id == ISA else "1",
                                  type_id, INFERRED, "900000000000451002"])
        if code:
            maps.append([f"00000000-0000-4000-8000-{n:012d}", DATE, "1", CORE, ICD10, sctid, "1", "1", "",
                         f"ALWAYS {code[:3]}.{code[3:]}" if code[3:] else f"ALWAYS {code}", code, "447561005", "1"])
    # a stated row that must not count (only inferred relationships are indexed)
    relationships.append(["99990021", DATE, "1", CORE, "233604007", "91302008", "0", ISA, STATED,
                          "900000000000451002"])
    _write(term / f"sct2_Concept_Snapshot_GB_{DATE}.txt",
           ["id", "effectiveTime", "active", "moduleId", "definitionStatusId"], concepts)
    _write(term / f"sct2_Description_Snapshot-en_GB_{DATE}.txt",
           ["id", "effectiveTime", "active", "moduleId", "conceptId", "languageCode", "typeId", "term",
            "caseSignificanceId"], descriptions)
    _write(term / f"sct2_Relationship_Snapshot_GB_{DATE}.txt",
           ["id", "effectiveTime", "active", "moduleId", "sourceId", "destinationId", "relationshipGroup",
            "typeId", "characteristicTypeId", "modifierId"], relationships)
    _write(snap / "Refset" / "Map" / f"der2_iisssciRefset_ExtendedMapUKCLSnapshot_GB1000000_{DATE}.txt",
           ["id", "effectiveTime", "active", "moduleId", "refsetId", "referencedComponentId", "mapGroup",
            "mapPriority", "mapRule", "mapAdvice", "mapTarget", "correlationId", "mapBlock"], maps)
    return Path(root)
