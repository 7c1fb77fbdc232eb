"""A pack folder's files: layout, ``pack.json`` and the content hash (no MedCAT model is loaded).

``build.py`` writes packs with these and ``pack.py`` reads them; neither imports the other.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from coding_toolkit import __version__
from coding_toolkit.errors import PackError
from coding_toolkit.io.digest import file_sha256

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
