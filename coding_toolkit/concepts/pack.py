"""Load a model pack safely and annotate text with it.

Packs are dill pickles: unpickling runs code. ``load_pack`` therefore checks the layout and the
content hash recorded in ``pack.json`` BEFORE medcat reads a byte of ``medcat/``.
"""
from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
import shutil
from pathlib import Path

import coding_toolkit.offline  # noqa: F401  (before medcat)
from coding_toolkit import __version__
from coding_toolkit.concepts import medcat_compat
from coding_toolkit.errors import PackError
from coding_toolkit.io.digest import file_sha256
from coding_toolkit.records import Mention

log = logging.getLogger(__name__)

PACK_FORMAT = "coding-toolkit-pack/1"
PACK_JSON = "pack.json"
MEDCAT_DIR = "medcat"
MAPS_FILE = "maps.sqlite"
# transient SQLite side files are not content
_IGNORED_SUFFIXES = ("-journal", "-wal", "-shm")


def check_new_dir(out_dir) -> Path:
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise PackError(f"{out}: output folder exists and is not empty; fix: choose a new --out folder "
                        f"or remove this one")
    return out


def _content_files(root: Path):
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.name != PACK_JSON and not path.name.endswith(_IGNORED_SUFFIXES) \
                and "__pycache__" not in path.parts:
            yield path


# Hash schemes, recorded in pack.json's "hash_scheme" (absent: 1). 1: every file in Path order and all of
# the provenance. 2 (written now): the files in the order of their relative POSIX paths and the
# provenance without the fields below, which record when and where the pack was built, so that a
# rebuild from the same inputs has the same hash (concepts/reproducible.py). A pack written with
# scheme 1 still verifies with scheme 1.
HASH_SCHEME = 2
NOT_HASHED = ("build.time", "build.seconds", "release.path", "maps.provenance.imported_at",
              "maps.provenance.release_path", "maps.report.release", "training.*.time",
              "training.*.seconds", "training.*.docs_per_s", "training.*.notes_source")


def hashed_provenance(provenance: dict) -> dict:
    """The provenance as scheme 2 hashes it: without the content hash and the NOT_HASHED fields
    (one reader of NOT_HASHED: a field is dropped exactly when :func:`is_hashed_field` says so)."""
    def walk(value, prefix: str):
        if isinstance(value, dict):
            return {k: walk(v, f"{prefix}{k}.") for k, v in value.items() if is_hashed_field(f"{prefix}{k}")}
        if isinstance(value, list):
            return [walk(v, f"{prefix}{i}.") for i, v in enumerate(value)]
        return value

    return walk({k: v for k, v in provenance.items() if k != "content_hash"}, "")


def is_hashed_field(flat_key: str) -> bool:
    """Whether a provenance field (dotted, list items by index: "training.0.time") is hashed."""
    from fnmatch import fnmatchcase
    return not any(fnmatchcase(flat_key, pattern) for pattern in NOT_HASHED)


def _file_digest(path: Path) -> bytes:
    return bytes.fromhex(file_sha256(path))


def content_hash(root, provenance: dict, scheme: int | None = None, *, files=None) -> str:
    """sha256 over every content file (relative path + bytes) and the provenance, with the scheme
    ``provenance`` records (``scheme`` overrides; see HASH_SCHEME). ``files``: the content files when
    the caller has listed them already."""
    root = Path(root)
    scheme = int(provenance.get("hash_scheme", 1)) if scheme is None else scheme
    files = list(_content_files(root)) if files is None else files
    outer = hashlib.sha256()
    if scheme == 1:
        for path in files:
            outer.update(path.relative_to(root).as_posix().encode() + b"\0" + _file_digest(path))
        prov = {k: v for k, v in provenance.items() if k != "content_hash"}
        outer.update(json.dumps(prov, sort_keys=True, default=str).encode())
        return outer.hexdigest()
    if scheme != 2:
        raise PackError(f"{root / PACK_JSON}: field 'hash_scheme' is {scheme!r}, which this toolkit does not "
                        f"know (1 or 2); fix: use a newer coding-toolkit or rebuild the pack")
    for rel, path in sorted((p.relative_to(root).as_posix(), p) for p in files):
        outer.update(b"file\0" + rel.encode("utf-8") + b"\0" + _file_digest(path))
    outer.update(b"provenance\0" + json.dumps(hashed_provenance(provenance), sort_keys=True,
                                                separators=(",", ":"), default=str).encode("utf-8"))
    return outer.hexdigest()


def _flat(value, prefix: str = "") -> dict:
    if isinstance(value, dict) and value:
        out = {}
        for key, item in value.items():
            out.update(_flat(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and value and any(isinstance(v, (dict, list)) for v in value):
        out = {}
        for i, item in enumerate(value):
            out.update(_flat(item, f"{prefix}.{i}" if prefix else str(i)))
        return out
    return {prefix: value}


def compare_packs(a, b) -> dict:
    """What differs between two packs (e.g. a pack and its rebuild from the same inputs): the content
    files whose bytes differ and the provenance fields whose values differ, so that an auditor sees
    whether only build timestamps changed. {"same_hash", "hash_schemes", "files", "provenance",
    "provenance_hashed", "provenance_not_hashed"}: every content file is hashed; of the provenance
    fields, the NOT_HASHED ones (when/where it was built) are not (hash scheme 2)."""
    a, b = Path(a), Path(b)

    def digests(root: Path) -> dict:
        return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in _content_files(root)}

    da, db = digests(a), digests(b)
    pa, pb = read_pack_json(a), read_pack_json(b)
    fa, fb = _flat({k: v for k, v in pa.items() if k != "content_hash"}), \
        _flat({k: v for k, v in pb.items() if k != "content_hash"})
    fields = sorted(k for k in set(fa) | set(fb) if fa.get(k) != fb.get(k))
    schemes = [int(pa.get("hash_scheme", 1)), int(pb.get("hash_scheme", 1))]
    hashed = [k for k in fields if k not in ("hash_scheme",) and (1 in schemes or is_hashed_field(k))]
    return {"same_hash": pa["content_hash"] == pb["content_hash"], "hash_schemes": schemes,
            "files": sorted(k for k in set(da) | set(db) if da.get(k) != db.get(k)),
            "provenance": fields, "provenance_hashed": hashed,
            "provenance_not_hashed": [k for k in fields if k not in hashed]}


def cat_counts(cat) -> dict:
    cdb = cat.cdb
    trained = sum(1 for info in cdb.cui2info.values() if info["count_train"])
    meta = cat.config.meta
    return {
        "concepts": len(cdb.cui2info),
        "names": len(cdb.name2info),
        "concepts_trained": trained,
        "training_examples": int(sum(info["count_train"] for info in cdb.cui2info.values())),
        "unsupervised_runs": len(meta.unsup_trained),
        "supervised_runs": len(meta.sup_trained),
        "vocab_words": len(cat.vocab.vocab) if cat.vocab is not None else 0,
    }


def meta_task_names(cat) -> list[str]:
    names = []
    for addon in cat.get_addons():
        if getattr(addon, "addon_type", "") == "meta_cat":
            names.append(str(getattr(addon, "name", None) or addon.config.general.category_name))
    return sorted(names)


def model_facts(cat) -> dict:
    """What pack.json records about the model itself (counts, meta tasks, MedCAT's hash)."""
    return {"counts": cat_counts(cat), "meta_tasks": meta_task_names(cat), "medcat_hash": cat.config.meta.hash}


def write_pack_json(root: Path, provenance: dict, cat=None, *, facts: dict | None = None) -> dict:
    """Fill the versions/counts/meta tasks of ``provenance`` (from ``cat``, or ``facts`` taken from
    it with :func:`model_facts` before it was let go), hash the pack, write pack.json."""
    import medcat

    prov = dict(provenance)
    prov["format"] = PACK_FORMAT
    prov["versions"] = {"coding_toolkit": __version__, "medcat": medcat.__version__}
    prov.update(facts if facts is not None else model_facts(cat))
    prov["hash_scheme"] = HASH_SCHEME
    prov["content_hash"] = content_hash(root, prov)
    (root / PACK_JSON).write_text(json.dumps(prov, indent=2, sort_keys=True, default=str), encoding="utf-8")
    return prov


def read_pack_json(root: Path) -> dict:
    path = root / PACK_JSON
    if not root.is_dir():
        raise PackError(f"{root}: model pack folder not found; fix: build one with "
                        f"'coding-toolkit model build' or check the path")
    if not path.is_file():
        raise PackError(f"{path}: missing, so {root} is not a coding-toolkit pack; fix: build one with "
                        f"'coding-toolkit model build RELEASE_DIR --out PACK_DIR'")
    try:
        prov = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise PackError(f"{path}: corrupt ({e}); fix: rebuild the pack") from e
    if not isinstance(prov, dict) or prov.get("format") != PACK_FORMAT or "content_hash" not in prov:
        raise PackError(f"{path}: not a {PACK_FORMAT} provenance file (field 'format'/'content_hash'); "
                        f"fix: rebuild the pack with this toolkit")
    for part in (MEDCAT_DIR, MAPS_FILE):
        if not (root / part).exists():
            raise PackError(f"{root / part}: missing from the pack (wrong layout); fix: rebuild the pack")
    return prov


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
        cat.save_model_pack(str(out), pack_name=MEDCAT_DIR, add_hash_to_pack_name=False,
                            make_archive=False, change_description=note)
        from coding_toolkit.concepts.reproducible import build_time, canonicalise_medcat_dir
        canonicalise_medcat_dir(out / MEDCAT_DIR)  # the same training gives the same hash
        shutil.copy2(self.path / MAPS_FILE, out / MAPS_FILE)
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
