"""Build a MedCAT v2 model pack from SNOMED CT concept entries (or straight from a release folder).

Pack layout (checked by :func:`coding_toolkit.concepts.pack.load_pack`)::

    PACK_DIR/medcat/       cat.save_model_pack(...) (dill pickles: load only with a matching hash)
    PACK_DIR/maps.sqlite   the release's NHS map rows (MapStore), so annotation needs nothing else
    PACK_DIR/pack.json     provenance + content hash over every other file
"""
from __future__ import annotations

import gc
import json
import logging
import time
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

import coding_toolkit.offline  # noqa: F401  (before medcat)
from coding_toolkit.errors import PackError
from coding_toolkit.records import ConceptEntry
from coding_toolkit.terminology.rf2 import strip_tag

log = logging.getLogger(__name__)

# Measured in benchmarks/bench_train.py (docs/models.md): spell-check costs ~3.5x the annotation
# time and did not change linking accuracy on our evaluation, so it is off by default.
SPELL_CHECK_DEFAULT = False
CDB_CHUNK_ROWS = 200_000  # names per CDBMaker call: bounds the DataFrame held at once
_TAGS_FILE = Path(__file__).with_name("semantic_tags.json")


@lru_cache(maxsize=1)
def _tag_table() -> dict:
    return json.loads(_TAGS_FILE.read_text(encoding="utf-8"))


DEFAULT_TAGS: tuple[str, ...] = tuple(_tag_table()["default_tags"])


def type_of(tag: str) -> tuple[str, str]:
    """(type id, type name) of a semantic tag, from semantic_tags.json."""
    known = _tag_table()["types"].get(tag.lower())
    if known:
        return known["type_id"], known["name"]
    return "T-" + tag.upper().replace(" ", "_").replace("/", "_"), tag.capitalize()


def name_rows(entry: ConceptEntry) -> Iterator[tuple[str, str, str, str]]:
    """CDB rows (cui, name, name_status, type_ids) of one concept: preferred term P, others A, deduplicated."""
    type_id = type_of(entry.semantic_tag)[0] if entry.semantic_tag else ""
    seen: set[str] = set()
    names = [entry.preferred_term, strip_tag(entry.fsn) if entry.fsn else "", *entry.synonyms]
    for i, name in enumerate(names):
        name = (name or "").strip()
        key = name.lower()
        if not name or key in seen:
            continue
        seen.add(key)
        yield entry.sctid, name, "P" if i == 0 else "A", type_id


def make_config(*, spell_check: bool):
    from medcat.config import Config

    config = Config()
    config.general.nlp.provider = "regex"  # no spaCy model to download
    config.general.spell_check = spell_check
    config.general.usage_monitor.enabled = False
    # two-letter abbreviations (MI, AF) are names too; short names must then be upper case in the
    # text (MedCAT's check_upper_case_names), so "mi" or "af" in prose do not match
    config.components.ner.min_name_len = 2
    config.components.ner.check_upper_case_names = True
    # and an unambiguous two-letter name links without context vectors (an untrained pack has none)
    config.components.linking.disamb_length_limit = 2
    config.general.log_level = logging.WARNING  # CDBMaker sets medcat's logger to this level
    return config


def build_cdb(entries: Iterable[ConceptEntry], config, *, progress: bool = False):
    """Compile entries into a medcat CDB in bounded chunks; returns (cdb, stats)."""
    import pandas as pd
    from tqdm import tqdm

    from coding_toolkit.concepts.medcat_compat import cdb_maker

    maker = cdb_maker(config)  # medcat's CDBMaker, its tokenizer resolved once (3x faster builds)
    columns = ["cui", "name", "name_status", "type_ids"]
    rows: list[tuple[str, str, str, str]] = []
    tags: dict[str, int] = {}
    n_concepts = n_names = 0

    def flush():
        if rows:
            maker.prepare_csvs([pd.DataFrame(rows, columns=columns)])
            rows.clear()

    for entry in tqdm(entries, desc="concepts", unit=" concepts", disable=not progress):
        n_concepts += 1
        if entry.semantic_tag:
            tags[entry.semantic_tag] = tags.get(entry.semantic_tag, 0) + 1
        for row in name_rows(entry):
            rows.append(row)
            n_names += 1
        if len(rows) >= CDB_CHUNK_ROWS:
            flush()
    flush()
    cdb = maker.cdb
    cdb.add_types(type_of(tag) for tag in tags)
    return cdb, {"concepts": n_concepts, "names_in": n_names, "semantic_tags": tags}


def _concept_texts(cdb) -> Iterator[str]:
    for info in cdb.cui2info.values():
        yield info["preferred_name"]


def _notes_texts(notes, text_column: str, id_column: str) -> tuple[Iterable[str], str | None]:
    if notes is None:
        return (), None
    if isinstance(notes, (str, Path)):
        from coding_toolkit.io.notes_reader import texts_of
        return texts_of(notes, text_column=text_column, id_column=id_column), Path(notes).name
    return notes, "iterable"


def build_pack(entries: Iterable[ConceptEntry], out_dir, *, notes=None, map_release=None,
               provenance: dict | None = None, spell_check: bool = SPELL_CHECK_DEFAULT,
               progress: bool = False, text_column: str = "text", id_column: str = "note_id",
               vector_workers: int = 1, concept_model=None) -> Path:
    """Build a pack in ``out_dir`` (must be absent or empty) and return its path.

    ``notes``: texts (iterable of str) or a notes file/folder for the word vectors; without notes the
    vectors are learnt from the concept names only, a limitation recorded in the provenance.
    ``map_release``: a Release (or release folder) whose NHS maps go into ``maps.sqlite``.
    ``vector_workers``: gensim threads for the word vectors; 1 (the default) makes the pack
    reproducible (the same inputs give the same content hash, ``concepts/reproducible.py``).
    ``concept_model``: a ``refine.index.ConceptModelIndex`` saved into the pack (refinement), or None.
    """
    from medcat.cat import CAT

    from coding_toolkit.concepts.pack_files import (
        MAPS_FILE,
        MEDCAT_DIR,
        check_new_dir,
        model_facts,
        write_pack_json,
    )
    from coding_toolkit.concepts.reproducible import build_time, save_model_canonical
    from coding_toolkit.concepts.vocab import build_vocab

    out = check_new_dir(out_dir)
    if vector_workers < 1:
        raise PackError(f"vector_workers={vector_workers}: must be at least 1; fix: e.g. --vector-workers 1")
    _, built_at = build_time()
    started = time.time()
    config = make_config(spell_check=spell_check)
    cdb, cdb_stats = build_cdb(entries, config, progress=progress)
    if cdb_stats["concepts"] == 0:
        raise PackError(f"{out}: no concepts to build a pack from; fix: check --tags/--descendants-of "
                        f"and that the release has active concepts")
    log.info("CDB: %d concepts, %d names", len(cdb.cui2info), len(cdb.name2info))

    note_texts, notes_name = _notes_texts(notes, text_column, id_column)
    vocab, vstats = build_vocab(note_texts, extra_texts=_concept_texts(cdb), workers=vector_workers)
    if vstats["documents"]:
        vstats["source"] = f"notes ({notes_name}) + concept names"
        vstats["limitation"] = None
    else:
        vstats["source"] = "concept names only"
        vstats["limitation"] = ("no notes were given: word vectors come from concept names only, so "
                                "context disambiguation is weak until the pack is trained on notes "
                                "(coding-toolkit train unsupervised)")
    cat = CAT(cdb, vocab, config)

    out.mkdir(parents=True, exist_ok=True)
    save_model_canonical(cat, out, MEDCAT_DIR)  # written canonical as it is saved: nothing read back
    facts = model_facts(cat)
    del cat, cdb, vocab  # the model is on disk: the maps and the index need the memory more
    gc.collect()
    maps_info = _write_maps(out / MAPS_FILE, map_release, progress=progress)
    from coding_toolkit.refine.build import save_index
    model_info = save_index(concept_model, out)

    prov = dict(provenance or {})
    prov.update({
        "build": {"time": built_at, "seconds": round(time.time() - started, 1)},
        "tags": sorted(cdb_stats["semantic_tags"]),
        "concepts_in": cdb_stats["concepts"],
        "vocab": vstats,
        "spell_check": spell_check,
        "tokenizer": "regex",
        "maps": maps_info,
        "concept_model": model_info,
        "training": [],
        "meta_tasks": [],
    })
    write_pack_json(out, prov, facts=facts)
    log.info("pack written to %s in %.1fs", out, time.time() - started)
    return out


def _write_maps(path: Path, map_release, *, progress: bool) -> dict:
    """Import the release's NHS maps into the pack's map store (an empty store when there are none)."""
    from coding_toolkit.dburl import normalise_url
    from coding_toolkit.mapping.engine import MapEngine
    from coding_toolkit.mapping.store import MapStore
    from coding_toolkit.mapping.store.importer import import_stamp

    url = normalise_url(path)
    store = MapStore(url)
    release = _as_release(map_release) if map_release is not None else None
    if release is None or not release.map_files():
        store.create()
        why = "no release given" if release is None else f"release {release.path} has no NHS map files"
        log.warning("the pack carries no maps (%s): code suggestions need a map store", why)
        return {"source": None, "illustrative": False, "note": why}
    # the database is hashed: when and from where it was imported are kept in pack.json instead
    report = store.import_release(release, progress=progress, reproducible=True)
    provenance = _plain(MapEngine(url).provenance())
    provenance.update(import_stamp(release))
    return {"source": "release", "report": _plain(report), "provenance": provenance,
            "illustrative": bool(provenance.get("illustrative"))}


def _plain(obj):
    """A JSON-safe copy of a report/provenance object (dataclass, dict, list)."""
    import dataclasses
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        obj = dataclasses.asdict(obj)
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [_plain(v) for v in obj]
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    return str(obj)


def _as_release(release):
    from coding_toolkit.terminology.release import Release
    return release if isinstance(release, Release) else Release(release)


def with_variants(entries: Iterable[ConceptEntry], rules) -> Iterator[ConceptEntry]:
    """Each entry with the names ``rules`` generate added to its synonyms (streaming, one at a time)."""
    from dataclasses import replace

    from coding_toolkit.terminology.variants import generate_variants

    for entry in entries:
        extra = generate_variants(entry, rules)
        yield replace(entry, synonyms=(*entry.synonyms, *extra)) if extra else entry


def _then_drop_caches(entries: Iterable[ConceptEntry], release) -> Iterator[ConceptEntry]:
    """``entries``, then the release's names and hierarchy let go: once the CDB holds them, the
    model's save needs the memory more (issue 27); the maps are read from the files afterwards."""
    yield from entries
    release.drop_caches()


def build_pack_from_release(release_dir, out_dir, *, notes=None, tags=DEFAULT_TAGS, descendants_of=None,
                            progress: bool = False, spell_check: bool = SPELL_CHECK_DEFAULT,
                            text_column: str = "text", id_column: str = "note_id",
                            name_variants: bool = True, vector_workers: int = 1, concept_model: bool = True) -> Path:
    """Build a pack from an RF2 release folder: its active concepts with ``tags`` (and under
    ``descendants_of``), its UK preferred terms, and its NHS maps.

    ``name_variants``: add the safe, general name variants (the ``release`` rule set of
    ``model_packs/name_variants.json``: spelling, possessive, plural) to the release's own synonyms.
    """
    release = _as_release(release_dir)
    info = _plain(release.info())
    tags = tuple(tags) if tags else None
    entries = release.concept_entries(tags=tags, descendants_of=descendants_of)
    variant_rules = None
    if name_variants:
        from coding_toolkit.terminology.variants import load_variant_rules

        variant_rules = load_variant_rules(rule_set="release")
        entries = with_variants(entries, variant_rules)
    index = None
    if concept_model:
        from itertools import chain

        from coding_toolkit.refine.build import attribute_value_entries, index_from_release

        index, values = index_from_release(release)
        entries = chain(entries, attribute_value_entries(release, values, tags))
    entries = _then_drop_caches(entries, release)
    provenance = {"release": info, "requested_tags": list(tags or []),
                  "descendants_of": list(descendants_of or []),
                  "name_variants": sorted(variant_rules.enabled) if variant_rules else []}
    return build_pack(entries, out_dir, notes=notes, map_release=release, provenance=provenance,
                      spell_check=spell_check, progress=progress, text_column=text_column,
                      id_column=id_column, vector_workers=vector_workers, concept_model=index)
