"""Reproducible packs (issue 17): the same inputs give the same bytes, so the same content hash.

Three things made two builds of one release differ, and each is handled here or where it is made:

* **times**: MedCAT stores its save time and each training run's start and end in the model
  config (a pickle) and in ``model_card.json``; :func:`canonicalise_medcat_dir` sets them to the
  *content time* (``SOURCE_DATE_EPOCH`` when
  set, else the Unix epoch). The real build time is kept in ``pack.json`` outside the hash
  (``pack_files.NOT_HASHED``), as are the map import's time and release path.
* **pickled sets and environment records**: a set pickles in its iteration order, which depends
  on Python's per-process string hash (``PYTHONHASHSEED``); :class:`DeterministicPickler` writes
  every set and frozenset sorted, and the installed-package record MedCAT saves is sorted.
* **word vectors**: gensim trains with several threads and seeds each word's vector with
  Python's ``hash``; ``concepts/vocab.py`` trains with one worker, a fixed seed and
  :func:`stable_hash` unless ``--vector-workers`` asks for speed instead.

The pickles are re-read here only right after this process wrote them, never from a pack found
on disk (``load_pack`` checks the hash before anything is unpickled).
"""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import time
import zlib
from pathlib import Path

import dill

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


def _order_key(item) -> tuple[str, str]:
    return type(item).__name__, repr(item)


class DeterministicPickler(dill.Pickler):
    """dill, with sets and frozensets written sorted (their order no longer depends on the process's
    string hash). Loading is unchanged: the stream rebuilds an ordinary set."""

    def reducer_override(self, obj):
        if type(obj) is set:
            return set, (sorted(obj, key=_order_key),)
        if type(obj) is frozenset:
            return frozenset, (sorted(obj, key=_order_key),)
        return NotImplemented


def dumps(obj) -> bytes:
    buf = io.BytesIO()
    DeterministicPickler(buf).dump(obj)
    return buf.getvalue()


def _sorted_dicts(value):
    if isinstance(value, dict):
        return {k: _sorted_dicts(value[k]) for k in sorted(value, key=_order_key)}
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


def canonicalise_medcat_dir(medcat_dir) -> int:
    """Rewrite a model folder MedCAT has just saved so that identical content gives identical bytes:
    its save and training times set to :func:`content_time`, every pickle re-written with sets sorted. Returns
    the number of pickles rewritten."""
    from medcat.storage.serialisers import RemappingUnpickler

    root = Path(medcat_dir)
    saved_at = content_time()
    n = 0
    for path in sorted(root.rglob(RAW_FILE)):
        with open(path, "rb") as fh:
            raw = RemappingUnpickler(fh).load()
        data = dumps(_canonical_raw(path.parent, raw, saved_at))
        if data != path.read_bytes():
            path.write_bytes(data)
            n += 1
    card = root / MODEL_CARD
    if card.is_file():
        doc = json.loads(card.read_text(encoding="utf-8"))
        card.write_text(json.dumps(_card_without_times(doc, saved_at.isoformat()), indent=2), encoding="utf-8")
    return n


def seed_training(seed: int) -> None:
    """Seed the random draws MedCAT's training makes (``random`` for the linker's sampling, NumPy's
    global generator for the vocabulary's negative samples), so the same run gives the same model."""
    import random

    import numpy as np

    random.seed(seed)
    np.random.seed(seed % 2**32)
