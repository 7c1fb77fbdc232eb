"""Reproducible packs (issue 17): the same inputs give the same bytes, so the same content hash.

Three things made two builds of one release differ, and each is handled here or where it is made:

* **times**: MedCAT stores its save time and each training run's start and end in the model
  config (a pickle) and in ``model_card.json``; :func:`canonicalise_medcat_dir` sets them to the
  *content time* (``SOURCE_DATE_EPOCH`` when
  set, else the Unix epoch). The real build time is kept in ``pack.json`` outside the hash
  (``pack_files.NOT_HASHED``), as are the map import's time and release path.
* **pickled sets and environment records**: a set pickles in its iteration order, which depends
  on Python's per-process string hash (``PYTHONHASHSEED``); ``concepts/canonical_pickle.py`` writes
  every set and frozenset sorted, and the installed-package record MedCAT saves is sorted.
* **word vectors**: gensim trains with several threads and seeds each word's vector with
  Python's ``hash``; ``concepts/vocab.py`` trains with one worker, a fixed seed and
  :func:`stable_hash` unless ``--vector-workers`` asks for speed instead.

:func:`save_model_canonical` writes the pickles canonical as MedCAT saves them (its serialiser's
write goes through ``medcat_compat.pickles_written_by``), so nothing is read back: reading a
full-size CDB back while re-pickling it with dill's pure-Python memo was the build's peak memory
(issue 27). Only where that touch does not apply are the pickles re-read, and then only right after
this process wrote them, never from a pack found on disk (``load_pack`` checks the hash before
anything is unpickled).
"""
from __future__ import annotations

import datetime as dt
import filecmp
import io
import json
import os
import time
import zlib
from pathlib import Path

from coding_toolkit.concepts import canonical_pickle
from coding_toolkit.errors import PackError

SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH"
RAW_FILE = "raw_dict.dat"  # medcat.storage.serialisers.DillSerialiser.RAW_FILE
MODEL_CARD = "model_card.json"
_MODEL_CARD_TIME = "Last Modified On"


def source_date_epoch() -> int | None:
    """``SOURCE_DATE_EPOCH`` (reproducible-builds.org) as an int, None when unset."""
    raw = os.environ.get(SOURCE_DATE_EPOCH, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise PackError(f"{SOURCE_DATE_EPOCH}={raw!r}: not a whole number of seconds since 1970-01-01 UTC; "
                        f"fix: e.g. {SOURCE_DATE_EPOCH}=$(date +%s) or unset it") from None
    if value < 0:
        raise PackError(f"{SOURCE_DATE_EPOCH}={raw!r}: negative; fix: seconds since 1970-01-01 UTC")
    return value


def build_time() -> tuple[float, str]:
    """(epoch seconds, ISO text) of the build: ``SOURCE_DATE_EPOCH`` when set, else now."""
    epoch = source_date_epoch()
    now = float(epoch) if epoch is not None else time.time()
    return now, dt.datetime.fromtimestamp(now, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S%z")


def content_time() -> dt.datetime:
    """The time written into hashed files: ``SOURCE_DATE_EPOCH`` when set, else 1970-01-01.
    Naive, as MedCAT's own ``datetime.now()`` is."""
    epoch = source_date_epoch() or 0
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).replace(tzinfo=None)


def stable_hash(text: str) -> int:
    """A hash that is the same in every process (gensim's ``hashfxn`` for seeding word vectors;
    Python's ``hash`` of a str changes per process)."""
    return zlib.crc32(text.encode("utf-8"))


def dumps(obj) -> bytes:
    """``obj`` pickled so that its bytes depend only on its content (``concepts/canonical_pickle.py``)."""
    buf = io.BytesIO()
    canonical_pickle.dump(obj, buf)
    return buf.getvalue()


def _sorted_dicts(value):
    if isinstance(value, dict):
        return {k: _sorted_dicts(value[k]) for k in canonical_pickle.in_order(value)}
    return value


_TRAIN_TIMES = ("train_time_start", "train_time_end")  # MedCAT's TrainingDescriptor


def _without_train_times(descriptor, saved_at: dt.datetime):
    if not all(isinstance(getattr(descriptor, f, None), dt.datetime) for f in _TRAIN_TIMES):
        return descriptor
    import copy
    out = copy.copy(descriptor)
    for field in _TRAIN_TIMES:
        setattr(out, field, saved_at)
    return out


def _canonical_raw(folder: Path, raw: dict, saved_at: dt.datetime) -> dict:
    if "last_saved" in raw and isinstance(raw["last_saved"], dt.datetime):
        raw = {**raw, "last_saved": saved_at}  # config.meta: MedCAT's save time
        for key in ("unsup_trained", "sup_trained"):  # and when each training ran
            if isinstance(raw.get(key), list):
                raw[key] = [_without_train_times(d, saved_at) for d in raw[key]]
    if folder.name == "saved_environ":  # the installed packages: order comes from a set
        raw = _sorted_dicts(raw)
    return raw


def _card_without_times(value, saved_at: str):
    if isinstance(value, dict):
        return {k: saved_at if k in (_MODEL_CARD_TIME, *_TRAIN_TIMES) else _card_without_times(v, saved_at)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_card_without_times(v, saved_at) for v in value]
    return value


def write_canonical(path: Path, raw: dict, saved_at: dt.datetime) -> None:
    """One of MedCAT's raw parts, its times set to ``saved_at``, pickled canonically into ``path``
    (streamed to the file: no copy of the part is made)."""
    with open(path, "wb") as fh:
        canonical_pickle.dump(_canonical_raw(path.parent, raw, saved_at), fh)


def save_model_canonical(cat, out_dir, pack_name: str, **save_kwargs) -> Path:
    """``cat.save_model_pack`` into ``out_dir/pack_name``, every pickle and the model card canonical
    (identical content gives identical bytes)."""
    from coding_toolkit.concepts.medcat_compat import pickles_written_by

    saved_at = content_time()
    with pickles_written_by(lambda raw, path: write_canonical(path, raw, saved_at)) as applied:
        cat.save_model_pack(str(out_dir), pack_name=pack_name, add_hash_to_pack_name=False,
                            make_archive=False, **save_kwargs)
    folder = Path(out_dir) / pack_name
    canonicalise_medcat_dir(folder, pickles=not applied)
    return folder


def canonicalise_medcat_dir(medcat_dir, *, pickles: bool = True) -> int:
    """Rewrite a model folder MedCAT has just saved so that identical content gives identical bytes:
    its save and training times set to :func:`content_time`, every pickle re-written with sets sorted
    (unless ``pickles`` is False: they were written canonical already). Returns the number of
    pickles rewritten."""
    root = Path(medcat_dir)
    saved_at = content_time()
    n = 0
    for path in sorted(root.rglob(RAW_FILE)) if pickles else ():
        n += _rewrite_pickle(path, saved_at)
    card = root / MODEL_CARD
    if card.is_file():
        doc = json.loads(card.read_text(encoding="utf-8"))
        card.write_text(json.dumps(_card_without_times(doc, saved_at.isoformat()), indent=2), encoding="utf-8")
    return n


def _rewrite_pickle(path: Path, saved_at: dt.datetime) -> int:
    from medcat.storage.serialisers import RemappingUnpickler

    with open(path, "rb") as fh:
        raw = RemappingUnpickler(fh).load()
    fresh = path.with_name(path.name + ".canonical")
    write_canonical(fresh, raw, saved_at)
    del raw
    if filecmp.cmp(fresh, path, shallow=False):
        fresh.unlink()
        return 0
    os.replace(fresh, path)
    return 1


def seed_training(seed: int) -> None:
    """Seed the random draws MedCAT's training makes (``random`` for the linker's sampling, NumPy's
    global generator for the vocabulary's negative samples), so the same run gives the same model."""
    import random

    import numpy as np

    random.seed(seed)
    np.random.seed(seed % 2**32)
