"""Generate a synthetic SNOMED CT release of full UK size (layout and columns as real RF2).

    python benchmarks/synthetic_release.py OUT_DIR [--concepts 350000] [--descriptions-per-concept 3.4]

Writes ``OUT_DIR/SnomedCT_InternationalRF2_PRODUCTION_20240701T120000Z`` and
``OUT_DIR/SnomedCT_UKClinicalRF2_PRODUCTION_20241120T000001Z`` with Snapshot concept,
description, relationship, language (UK clinical, GB, US) and NHS map files (ICD-10 with
blocks/groups/priorities, OPCS-4.10 and 4.11). Terms are random words: for load testing only.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

INT_DIR = "SnomedCT_InternationalRF2_PRODUCTION_20240701T120000Z"
UK_DIR = "SnomedCT_UKClinicalRF2_PRODUCTION_20241120T000001Z"
TAGS = (
    ["disorder"] * 30
    + ["procedure"] * 20
    + ["finding"] * 15
    + ["body structure"] * 10
    + ["substance"] * 10
    + ["organism"] * 5
    + ["situation"] * 3
    + ["observable entity"] * 4
    + ["qualifier value"] * 3
)
WORDS = (
    "acute chronic left right upper lower lobe renal cardiac hepatic pulmonary gastric colonic bone skin "
    "fracture infection excision repair injection biopsy syndrome disease failure pain swelling lesion "
    "carcinoma ulcer stenosis rupture insufficiency neoplasm inflammation dislocation amputation graft"
).split()
ROOT = 138875005


def _lines(path: Path, header: str, rows) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(path, "w", encoding="utf-8", newline="", buffering=1 << 20) as fh:
        fh.write(header + "\r\n")
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) >= 50_000:
                fh.write("\r\n".join(batch) + "\r\n")
                n += len(batch)
                batch = []
        if batch:
            fh.write("\r\n".join(batch) + "\r\n")
            n += len(batch)
    return n


def generate(out: Path, concepts: int = 350_000, desc_per_concept: float = 3.4, seed: int = 7) -> dict:
    rnd = random.Random(seed)
    ids = [ROOT] + [10_000_000 + i for i in range(1, concepts)]
    tags = [rnd.choice(TAGS) for _ in ids]
    snap_i, snap_u = out / INT_DIR / "Snapshot", out / UK_DIR / "Snapshot"
    counts = {}
    counts["concepts"] = _lines(
        snap_i / "Terminology" / "sct2_Concept_Snapshot_INT_20240701.txt",
        "id\teffectiveTime\tactive\tmoduleId\tdefinitionStatusId",
        (
            f"{c}\t20240701\t{0 if rnd.random() < 0.03 else 1}\t900000000000207008\t900000000000074008"
            for c in ids
        ),
    )
    desc_rows, lang_rows = [], []
    did = 1_000_000_000
    extra = desc_per_concept - 2  # one FSN + one preferred synonym + random acceptable synonyms
    for c, tag in zip(ids, tags):
        words = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(1, 4)))
        n_acc = int(extra) + (1 if rnd.random() < extra - int(extra) else 0)
        terms = [
            (f"{words} ({tag})", "900000000000003001", "P"),
            (words.capitalize(), "900000000000013009", "P"),
        ]
        terms += [(f"{words} {rnd.choice(WORDS)} {k}", "900000000000013009", "A") for k in range(n_acc)]
        for term, type_id, acc in terms:
            did += 1
            active = 0 if rnd.random() < 0.02 else 1
            desc_rows.append(
                f"{did}\t20240701\t{active}\t900000000000207008\t{c}\ten\t{type_id}\t{term}\t"
                f"900000000000448009"
            )
            acc_id = "900000000000548007" if acc == "P" else "900000000000549004"
            lang_rows.append((did, acc_id))
    counts["descriptions"] = _lines(
        snap_i / "Terminology" / "sct2_Description_Snapshot-en_INT_20240701.txt",
        "id\teffectiveTime\tactive\tmoduleId\tconceptId\tlanguageCode\ttypeId\tterm\tcaseSignificanceId",
        desc_rows,
    )
    del desc_rows
    lang_h = "id\teffectiveTime\tactive\tmoduleId\trefsetId\treferencedComponentId\tacceptabilityId"
    counts["language_gb_us"] = _lines(
        snap_i / "Refset" / "Language" / "der2_cRefset_LanguageSnapshot-en_INT_20240701.txt",
        lang_h,
        (
            f"{refset[:4]}-{d}\t20240701\t1\t900000000000207008\t{refset}\t{d}\t{acc}"
            for refset in ("900000000000508004", "900000000000509007")
            for d, acc in lang_rows
        ),
    )
    counts["language_uk"] = _lines(
        snap_u / "Refset" / "Language" / "der2_cRefset_LanguageUKCLSnapshot-en_GB1000000_20241120.txt",
        lang_h,
        (f"uk-{d}\t20241120\t1\t999000041000000102\t999001261000000100\t{d}\t{acc}" for d, acc in lang_rows),
    )
    del lang_rows

    def rels():
        rid = 2_000_000_000
        for i, c in enumerate(ids[1:], start=1):
            parents = {ids[rnd.randrange(0, max(1, i // 2 + 1))]}
            if rnd.random() < 0.3:
                parents.add(ids[rnd.randrange(0, i)])
            for p in parents:
                rid += 1
                yield (
                    f"{rid}\t20240701\t1\t900000000000207008\t{c}\t{p}\t0\t116680003\t900000000000011006\t"
                    "900000000000451002"
                )
            if rnd.random() < 0.5:  # an attribute relationship that must be ignored
                rid += 1
                yield (
                    f"{rid}\t20240701\t1\t900000000000207008\t{c}\t{ids[rnd.randrange(0, i)]}\t1\t363698007\t"
                    "900000000000011006\t900000000000451002"
                )

    counts["relationships"] = _lines(
        snap_i / "Terminology" / "sct2_Relationship_Snapshot_INT_20240701.txt",
        "id\teffectiveTime\tactive\tmoduleId\tsourceId\tdestinationId\t"
        "relationshipGroup\ttypeId\tcharacteristicTypeId\tmodifierId",
        rels(),
    )
    for name, header in (
        (
            "sct2_Concept_UKCLSnapshot_GB1000000_20241120.txt",
            "id\teffectiveTime\tactive\tmoduleId\tdefinitionStatusId",
        ),
        (
            "sct2_Description_UKCLSnapshot-en_GB1000000_20241120.txt",
            "id\teffectiveTime\tactive\tmoduleId\tconceptId\tlanguageCode\ttypeId\tterm\tcaseSignificanceId",
        ),
    ):
        _lines(snap_u / "Terminology" / name, header, [])

    def maps():
        n = 0
        for c, tag in zip(ids, tags):
            if tag in ("disorder", "finding"):
                refsets = [("999002271000000101", "ICD")]
            elif tag == "procedure":
                refsets = [("1891651000000103", "OPCS"), ("1382401000000109", "OPCS")]
            else:
                continue
            for refset, kind in refsets:
                prios = 16 if rnd.random() < 0.005 else (4 if rnd.random() < 0.05 else 1)
                groups = 2 if kind == "ICD" and rnd.random() < 0.05 else 1
                for g in range(1, groups + 1):
                    for p in range(1, prios + 1 if g == 1 else 2):
                        n += 1
                        letter = rnd.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
                        target = f"{letter}{rnd.randint(0, 999):03d}" + ("A" if g == 2 else "")
                        yield (
                            f"map-{n}\t20241120\t1\t999000041000000102\t{refset}\t{c}\t{g}\t{p}\t\tALWAYS "
                            f"{target}\t{target}\t447561005\t1"
                        )

    counts["map_rows"] = _lines(
        snap_u / "Refset" / "Map" / "der2_iisssciRefset_ExtendedMapUKCLSnapshot_GB1000000_20241120.txt",
        "id\teffectiveTime\tactive\tmoduleId\trefsetId\treferencedComponentId\tmapGroup\tmapPriority\tmapRule\t"
        "mapAdvice\tmapTarget\tcorrelationId\tmapBlock",
        maps(),
    )
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--concepts", type=int, default=350_000)
    ap.add_argument("--descriptions-per-concept", type=float, default=3.4)
    args = ap.parse_args()
    start = time.perf_counter()
    counts = generate(args.out, args.concepts, args.descriptions_per_concept)
    print(f"generated {counts} in {time.perf_counter() - start:.1f}s at {args.out}")


if __name__ == "__main__":
    main()
