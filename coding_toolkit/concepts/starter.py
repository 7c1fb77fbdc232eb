"""The starter pack: SNOMED CT GPS concepts + name variants + the ILLUSTRATIVE map, built on first use.

Nothing large is committed: ``starter_pack_path()`` builds the pack from the committed inputs
(``model_packs/gps_concepts.tsv``, ``model_packs/name_variants.json``, the illustrative map release
under ``mappings/illustrative/`` and ``examples/notes.jsonl`` for word vectors) into
``cache_dir()/starter-<hash of those inputs>/`` and returns the cached path on later calls.
The build goes to a temporary folder that is renamed into place, under a file lock, so concurrent
callers neither see a half-built pack nor build it twice.
"""
from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from coding_toolkit.errors import PackError, where
from coding_toolkit.records import ConceptEntry
from coding_toolkit.resources import cache_dir, data_path

log = logging.getLogger(__name__)

__all__ = ["starter_pack_path", "build_starter_pack", "starter_entries", "starter_inputs", "inputs_hash"]

# Bump when the way the pack is built from the same inputs changes (invalidates cached packs).
BUILD_RECIPE = 3
ILLUSTRATIVE_RELEASE = "SnomedCT_IllustrativeMapRF2_PRODUCTION_20260101T000000Z"
LABEL = "ILLUSTRATIVE map, not the NHS map, not for clinical use"


def starter_inputs() -> dict[str, Path]:
    """The committed files the starter pack is built from."""
    return {
        "concepts": data_path("model_packs", "gps_concepts.tsv"),
        "variants": data_path("model_packs", "name_variants.json"),
        "notice": data_path("model_packs", "NOTICE"),
        "map_release": data_path("mappings", "illustrative", ILLUSTRATIVE_RELEASE),
        "notes": data_path("examples", "notes.jsonl"),
    }


def inputs_hash(variants: bool = True) -> str:
    """A short hash over the bytes of every input file (and the recipe), naming the cache folder."""
    from importlib.metadata import version

    digest = hashlib.sha256(f"recipe={BUILD_RECIPE};variants={variants};medcat={version('medcat')}".encode())
    # the builder's own code is an input too: a changed build rebuilds the cached pack
    here = Path(__file__).resolve().parent
    refine = here.parent / "refine"
    code = {"build": here / "build.py", "vocab": here / "vocab.py",
            "variants_code": here.parent / "terminology" / "variants.py",
            "refine_rules": refine / "data" / "refine_rules.json", "refine_starter": refine / "starter.py",
            "refine_index": refine / "index.py"}
    for name, path in sorted({**starter_inputs(), **code}.items()):
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(f"{name}:{file.name}:".encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def _read_concepts(path: Path) -> list[tuple[str, str, str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header != ["sctid", "fsn", "semantic_tag", "term"]:
            raise PackError(f"{where(path, 1)}: expected header sctid, fsn, semantic_tag, term, got {header}; "
                            "fix: regenerate with model_packs/regenerate_gps.py")
        rows = []
        for line_no, row in enumerate(reader, 2):
            if len(row) != 4 or not row[0].isdigit():
                raise PackError(f"{where(path, line_no)}: expected 4 tab-separated fields with a numeric "
                                "sctid; fix: regenerate with model_packs/regenerate_gps.py")
            rows.append((row[0], row[1], row[2], row[3]))
    return rows


def starter_entries(*, variants: bool = True, concepts_path: Path | None = None) -> Iterator[ConceptEntry]:
    """ConceptEntry per GPS row: term as preferred name, FSN, tag, and generated name variants.

    Variants that would make a name ambiguous are settled by ``variants.share_variants`` (an untrained
    pack cannot disambiguate).
    """
    from coding_toolkit.terminology.variants import generate_variants, load_variant_rules, share_variants

    path = Path(concepts_path) if concepts_path else starter_inputs()["concepts"]
    rows = _read_concepts(path)
    rules = load_variant_rules(starter_inputs()["variants"]) if variants else None
    synonyms: dict[str, list[str]] = {}
    if rules is not None:
        generated = {sctid: generate_variants(ConceptEntry(sctid=sctid, preferred_term=term, fsn=fsn,
                                                           semantic_tag=tag), rules)
                     for sctid, fsn, tag, term in rows}
        synonyms = share_variants(generated, {sctid: term for sctid, _fsn, _tag, term in rows})
    for sctid, fsn, tag, term in rows:
        yield ConceptEntry(sctid=sctid, preferred_term=term, fsn=fsn, semantic_tag=tag,
                           synonyms=tuple(synonyms.get(sctid, ())))


def _note_texts(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh if line.strip()]


def _provenance(variants: bool, digest: str) -> dict:
    inputs = starter_inputs()
    return {
        "starter": True,
        "illustrative_map": True,
        "map_label": LABEL,
        "source": "SNOMED CT GPS Sept 2020, CC BY 4.0",
        "source_package": "npm hl7.terminology.r4@7.0.1 ValueSet-snomed-intl-gps.json (version 20200930)",
        "attribution": inputs["notice"].read_text(encoding="utf-8"),
        "name_variants": variants,
        "inputs_hash": digest,
        "recipe": BUILD_RECIPE,
        "word_vectors_from": "examples/notes.jsonl (the example notes) + concept names",
    }


def build_starter_pack(out_dir, *, variants: bool = True, progress: bool = False) -> Path:
    """Build the starter pack into ``out_dir`` (absent or empty) and return it (no caching)."""
    from coding_toolkit.concepts.build import build_pack
    from coding_toolkit.refine.index import ConceptModelIndex
    from coding_toolkit.refine.rules import RefineRules
    from coding_toolkit.refine.starter import attribute_entries, derive

    inputs = starter_inputs()
    rules = RefineRules.load()
    entries = [*starter_entries(variants=variants), *attribute_entries(rules)]
    src, dst, typ, defined, local_ids, derived = derive(entries, rules)
    index = ConceptModelIndex.build(src, dst, typ, is_a=int(rules.is_a), defined=defined, local_ids=local_ids,
                                    source={"kind": "starter: derived from GPS FSN text", **derived})
    return build_pack(
        entries, out_dir, concept_model=index,
        notes=_note_texts(inputs["notes"]),
        map_release=inputs["map_release"],
        provenance=_provenance(variants, inputs_hash(variants)),
        progress=progress,
    )


@contextlib.contextmanager
def _lock(path: Path):
    """An exclusive inter-process lock (fcntl); without fcntl the atomic rename alone keeps us safe."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - non-POSIX
        yield
        return
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def starter_pack_path(progress: bool = False, *, variants: bool = True) -> Path:
    """Path of the starter pack, building it into the cache on first use (about 30 s on 2 cores)."""
    root = cache_dir()
    digest = inputs_hash(variants)
    final = root / f"starter-{digest}"
    if (final / "pack.json").is_file():
        return final
    with _lock(root / f"starter-{digest}.lock"):
        if (final / "pack.json").is_file():  # another process built it while we waited
            return final
        tmp = Path(tempfile.mkdtemp(prefix=f".starter-{digest}-", dir=root))
        try:
            log.info("building the starter pack into %s (first use)", final)
            build_starter_pack(tmp / "pack", variants=variants, progress=progress)
            if final.exists():  # a stale, incomplete folder (no pack.json): replace it
                shutil.rmtree(final)
            os.replace(tmp / "pack", final)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return final
