"""Load a model pack safely and annotate text with it.

Packs are dill pickles: unpickling runs code. ``load_pack`` therefore checks the layout and the
content hash recorded in ``pack.json`` BEFORE medcat reads a byte of ``medcat/``.
"""
from __future__ import annotations

import copy
import logging
import os
import shutil
from pathlib import Path

import coding_toolkit.offline  # noqa: F401  (before medcat)
from coding_toolkit.concepts import medcat_compat
from coding_toolkit.concepts.pack_files import (
    MAPS_FILE,
    MEDCAT_DIR,
    PACK_JSON,
    _content_files,
    check_new_dir,
    content_hash,
    meta_task_names,
    read_pack_json,
    write_pack_json,
)
from coding_toolkit.errors import PackError
from coding_toolkit.records import Mention

log = logging.getLogger(__name__)

class Pack:
    """A loaded model pack: the MedCAT model, its maps and its provenance."""

    def __init__(self, path: Path, provenance: dict, cat=None, *, abbreviations: bool = True,
                 precedence: bool = True):
        self.path = path
        # abbreviations defined in the note link their later uses (concepts/abbreviations.py)
        self.abbreviations = abbreviations
        # overlapping matches: the longer one wins (False: every match MedCAT returns, for measuring)
        self.precedence = precedence
        self.provenance = provenance
        self.hash: str = provenance["content_hash"]
        self._cat = cat
        # how load_pack checked the hash: "hashed" (every file read), "unchanged" (verified before,
        # no file changed since: concepts/verified.py) or "not checked"
        self.verification = "not checked"
        self._names: dict[str, str] = {}  # cui -> pretty name, filled as concepts are met
        self._types: dict[str, tuple[str, ...]] = {}

    @property
    def cat(self):
        if self._cat is None:
            self._cat = _load_cat(self.path)
        return self._cat

    @property
    def concept_model(self):
        """The pack's concept-model index (``refine/index.py``, memory-mapped), None when built without one."""
        if not hasattr(self, "_concept_model"):
            from coding_toolkit.refine.index import ConceptModelIndex
            self._concept_model = ConceptModelIndex.load(self.path)
        return self._concept_model

    def concept_name(self, sctid: str) -> str:
        """The concept's preferred name in the pack (its id when the pack does not name it)."""
        name = self._names.get(sctid)
        if name is None:
            cdb = self.cat.cdb
            name = cdb.get_name(sctid) if sctid in cdb.cui2info else sctid
        return name

    def concept_types(self, sctid: str) -> tuple[str, ...]:
        """The concept's MedCAT type ids (its semantic tag's, concepts/semantic_tags.json)."""
        info = self.cat.cdb.cui2info.get(sctid)
        return tuple(info["type_ids"]) if info else ()

    def concepts_named(self, words: list[str]) -> list[str]:
        """The concepts whose name is exactly these lower-case words, in order (the CDB's name table)."""
        cdb = self.cat.cdb
        info = cdb.name2info.get(self.cat.config.general.separator.join(words))
        return sorted(info["per_cui_status"]) if info else []

    def name_word_pairs(self):
        """Sorted hashes of every pair of consecutive words in the pack's names ("neck of" in
        "fractured~neck~of~femur"): refinement asks them before linking a name across a word."""
        import numpy as np

        sep = self.cat.config.general.separator
        pairs = {hash(f"{a} {b}") for name in self.cat.cdb.name2info for a, b in _pairs(name.split(sep))}
        return np.unique(np.fromiter(pairs, np.int64, len(pairs)))

    @property
    def maps_url(self) -> str:
        return f"sqlite:///{(self.path / MAPS_FILE).resolve()}"

    @property
    def meta_tasks(self) -> list[str]:
        if self._cat is not None:
            return meta_task_names(self._cat)
        return list(self.provenance.get("meta_tasks", []))

    def annotate(self, text: str) -> list[Mention]:
        """Mentions of concepts in ``text`` (the pipeline's hot loop, so kept thin).

        Runs the CAT's pipeline (``cat(text)``, what ``get_entities`` runs) and reads the linked
        entities directly: ``get_entities`` would also build token-context lists for every entity
        that nothing here uses. The fields are the ones ``get_entities`` reports (tested equal).
        When the note defines abbreviations, MedCAT links a rewritten text in which later short
        forms read as their long forms, and the spans are mapped back (``concepts/abbreviations.py``).
        """
        cat = self.cat
        linking = cat.config.components.linking
        if linking.train:  # as get_entities does: never train while annotating, but give the flag back
            linking.train = False
            try:
                return self._annotate(cat, text)
            finally:
                linking.train = True
        return self._annotate(cat, text)

    def _annotate(self, cat, text: str) -> list[Mention]:
        plan = None
        if self.abbreviations and "(" in text:
            from coding_toolkit.concepts.abbreviations import rewrite
            plan = rewrite(text)
            if not plan.definitions:
                plan = None
        doc = cat(plan.text if plan is not None else text)
        try:
            return self._mentions(cat, text, plan, doc.linked_ents if doc else None)
        finally:
            if doc is not None:
                medcat_compat.release_document(doc)  # no reference cycles left for the collector

    def _mentions(self, cat, text: str, plan, ents) -> list[Mention]:
        if not ents:
            return []
        spans = [(e.base.start_char_index, e.base.end_char_index, e) for e in ents]
        if plan is not None:
            spans = _abbreviation_spans(plan, spans)
        if len(spans) > 1 and self.precedence:
            spans = _longest_non_overlapping(spans, lambda s: (s[0], s[1]))
        names, types = self._names, self._types
        with_addons = bool(cat.get_addons())
        out = []
        for start, end, ent in spans:
            cui = str(ent.cui)
            if cui not in names:
                names[cui] = cat.cdb.get_name(cui)
                types[cui] = tuple(cat.cdb.cui2info.get(cui, {"type_ids": ()})["type_ids"])
            meta = {}
            if with_addons:
                meta = {task: m["value"] for task, m in cat.get_addon_output(ent).get("meta_anns", {}).items()}
            out.append(Mention(start, end, text[start:end], cui, names[cui],
                               float(ent.context_similarity), types[cui], meta))
        return out

    def annotate_many(self, texts) -> list[list[Mention]]:
        annotate = self.annotate
        return [annotate(text) for text in texts]

    def save(self, out_dir, note: str | None = None, *, training: dict | None = None) -> Path:
        """Write this (possibly retrained) pack to a new folder with updated provenance and hash."""
        out = check_new_dir(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        cat = self.cat
        from coding_toolkit.concepts.reproducible import build_time, save_model_canonical
        save_model_canonical(cat, out, MEDCAT_DIR, change_description=note)  # the same training, the same hash
        shutil.copy2(self.path / MAPS_FILE, out / MAPS_FILE)
        from coding_toolkit.refine.index import INDEX_DIR
        if (self.path / INDEX_DIR).is_dir():
            shutil.copytree(self.path / INDEX_DIR, out / INDEX_DIR)
        prov = copy.deepcopy({k: v for k, v in self.provenance.items() if k != "content_hash"})
        event = {"time": build_time()[1], "parent_hash": self.hash, "note": note}
        if training:
            event.update(training)
        prov.setdefault("training", []).append(event)
        prov = write_pack_json(out, prov, cat)
        log.info("pack saved to %s", out)
        return out

    def __repr__(self) -> str:
        return f"Pack({str(self.path)!r}, hash={self.hash[:12]})"


def _pairs(tokens: list[str]):
    return zip(tokens, tokens[1:])


def _abbreviation_spans(plan, spans) -> list:
    """Linked spans of the rewritten text mapped back to the note, plus the short form of each
    definition linked as its long form ("familial adenomatous polyposis (FAP)": FAP too)."""
    out = []
    for start, end, ent in spans:
        mapped = plan.to_original(start, end)
        if mapped is not None:
            out.append((mapped[0], mapped[1], ent))
    for d in plan.definitions:
        # the long form's concept: a match ending where the long form ends and covering most of it
        for start, end, ent in out:
            if end == d.long_end and start >= d.long_start and 2 * (end - start) >= d.long_end - d.long_start:
                out.append((d.short_start, d.short_end, ent))
                break
    return out


def _longest_non_overlapping(ents, span=lambda e: (e["start"], e["end"])) -> list:
    """Drop nested/overlapping entities, keeping the longer one (the earlier on a tie).

    medcat 2.9's regex tokenizer gives entities an inclusive token end but iterates them as
    exclusive, so its own overlap filter misses the last token and returns e.g. both
    "essential hypertension" and "hypertension". One linear pass over start-sorted entities.
    """
    kept: list = []
    kept_span = (0, 0)
    for e in sorted(ents, key=lambda e: span(e)[0]):
        start, end = span(e)
        if kept and start < kept_span[1]:
            if end - start > kept_span[1] - kept_span[0]:
                kept[-1], kept_span = e, (start, end)
        else:
            kept.append(e)
            kept_span = (start, end)
    return kept


def _use_compiled_stages(cat) -> bool:
    """Compiled dictionary NER, leaner regex-token steps, lazy context vectors (issue 15): the
    same entities, less time at scale. ``CODING_TOOLKIT_NER=medcat`` keeps MedCAT's own steps."""
    try:
        from coding_toolkit.concepts import dict_ner
    except ImportError as e:  # the MedCAT NER it subclasses moved
        medcat_compat.not_applied("dict_ner", f"{type(e).__name__}: {e}")
        return False
    if not dict_ner.install(cat):
        return False
    medcat_compat.use_regex_tagger(cat)
    medcat_compat.skip_no_op_normaliser(cat)
    try:
        from coding_toolkit.concepts import lazy_context
    except ImportError as e:  # the MedCAT context model it subclasses moved
        medcat_compat.not_applied("lazy_context", f"{type(e).__name__}: {e}")
    else:
        lazy_context.install(cat)
    return True


def _load_cat(root: Path):
    from medcat.cat import CAT

    medcat_compat.check_installed_version()  # another MedCAT than the one checked: one warning
    from coding_toolkit.process import collector_paused

    try:
        with medcat_compat.without_environment_scan(), collector_paused():
            cat = CAT.load_model_pack(str(root / MEDCAT_DIR))
    except Exception as e:
        raise PackError(f"{root / MEDCAT_DIR}: medcat could not load the model ({type(e).__name__}: {e}); "
                        f"fix: rebuild the pack with this toolkit's medcat version") from e
    medcat_compat.use_constant_time_entity_spans(cat)
    # the compiled stages (issue 15) tag tokens themselves; without them (pyahocorasick missing,
    # another NER), the leaner regex tokens; CODING_TOOLKIT_NER=medcat keeps MedCAT's own steps
    if os.environ.get("CODING_TOOLKIT_NER", "").lower() == "medcat":
        return cat
    compiled = _use_compiled_stages(cat)
    if not compiled:
        medcat_compat.skip_no_op_normaliser(cat)
    from coding_toolkit.concepts import fast_tokens

    # last: it runs the components installed above, tagger left out; where its guard fails (a newer
    # MedCAT), MedCAT's own get_doc with the leaner regex tokens, unless the compiled stages tag them
    if not fast_tokens.install(cat) and not compiled:
        medcat_compat.use_lean_regex_tokens(cat)
    return cat  # entry points freeze the loaded model out of the collector's reach (coding_toolkit/process.py)


STARTER = "starter"  # the name of the embedded starter pack wherever a pack folder is taken


def resolve_pack_path(path) -> Path:
    """``"starter"`` (unless a folder of that name exists) is the embedded starter pack, built into
    the cache on first use; anything else is a pack folder."""
    if str(path) == STARTER and not Path(path).exists():
        from coding_toolkit.concepts.starter import starter_pack_path
        return starter_pack_path()
    return Path(path)


def verify_pack(root: Path, provenance: dict, *, rehash: bool = False) -> str:
    """Refuse a pack whose files do not hash to its recorded content hash. A pack verified before
    whose files are untouched since (same sizes, inodes, mtimes and ctimes: concepts/verified.py) is
    not read again unless ``rehash``. Returns how it was verified: "hashed" or "unchanged"."""
    from coding_toolkit.concepts import verified

    files = list(_content_files(root))
    stamp = verified.fingerprint(root, [root / PACK_JSON, *files])  # before hashing: a change meanwhile shows
    if not rehash and verified.is_verified(root, provenance["content_hash"], stamp):
        return "unchanged"
    actual = content_hash(root, provenance, files=files)
    if actual != provenance["content_hash"]:
        verified.forget(root)
        raise PackError(
            f"{root}: content hash mismatch (pack.json says {provenance['content_hash'][:16]}..., files hash "
            f"to {actual[:16]}...): a file was changed after the pack was written, and packs are "
            f"pickles that run code when loaded; fix: rebuild the pack or restore it from a trusted copy")
    verified.remember(root, provenance["content_hash"], stamp)
    return "hashed"


def load_pack(path, *, verify: bool = True, lazy: bool = False, rehash: bool = False) -> Pack:
    """Open a pack (a folder, or ``"starter"``), refusing a missing, corrupt, wrongly laid out or
    tampered one.

    ``verify`` checks the content hash before unpickling (a pack verified before and unchanged since
    is not read again, unless ``rehash``: :func:`verify_pack`); ``lazy`` defers loading the MedCAT
    model until ``.cat`` (or ``annotate``) is first used.
    """
    root = resolve_pack_path(path)
    prov = read_pack_json(root)
    checked = verify_pack(root, prov, rehash=rehash) if verify else "not checked"
    if verify:
        log.info("pack %s: %s", root, "every file hashed" if checked == "hashed" else
                 "verified before, no file changed since")
    pack = Pack(root, prov)
    pack.verification = checked
    if not lazy:
        pack.cat  # noqa: B018  (load now)
    return pack
