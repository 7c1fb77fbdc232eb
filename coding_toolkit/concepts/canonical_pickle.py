"""Pickles whose bytes depend only on their content, written by Python's C pickler without a copy.

Two builds of one release must give the same bytes (``concepts/reproducible.py``), and a set pickles
in its iteration order, which follows the process's string hash. The C pickler writes an exact set
(dict, list, tuple) natively and never offers it to ``reducer_override``, so the object graph is
handed to it through *stand-ins*, made lazily while it writes: a stand-in reduces to the same type
with a set's items sorted, a dict's and a list's items streamed one at a time. Containers holding
only atomic values (strings, numbers, arrays) are written as themselves.

Why not dill's pickler (which the toolkit used before): it is pure Python, ~30x slower, and its memo
costs ~140 bytes per pickled object; on a full-size UK pack (20 M+ strings and sets in the CDB) that
memo was the build's peak memory (issue 27). The C pickler's memo costs ~16-32 bytes per object.

What a stand-in does not keep: two references to one *container* that holds non-atomic values are
written as two equal containers (strings and atomic containers stay shared). MedCAT's CDB, vocab and
config have no such sharing; :func:`dump` falls back to dill's deterministic pickler for a graph the
stand-ins cannot express (a cycle, an object whose reduction they cannot wrap).
"""
from __future__ import annotations

import datetime as dt
import logging
import pickle
import types
from typing import IO, Any

import dill
import numpy as np

log = logging.getLogger(__name__)

PROTOCOL = 4  # dill's default, which MedCAT's own save uses; every supported Python reads it
_ATOMIC_TYPES = frozenset({str, int, float, bool, type(None), bytes, complex, dt.datetime, dt.date,
                           dt.time, dt.timedelta, type, types.FunctionType, types.BuiltinFunctionType})


def _atomic(value) -> bool:
    """Pickled natively with nothing a hash seed can reorder inside."""
    kind = type(value)
    if kind in _ATOMIC_TYPES or isinstance(value, np.generic):
        return True
    return kind is np.ndarray and value.dtype != object


def _order_key(item) -> tuple[str, str]:
    return type(item).__name__, repr(item)


def in_order(items) -> list:
    """A set's items in an order that is the same in every process."""
    if all(type(x) is str for x in items):
        return sorted(items)
    return sorted(items, key=_order_key)


def canonical(value):
    """``value`` itself when the C pickler writes it the same in every process, else a stand-in."""
    kind = type(value)
    if _atomic(value):
        return value
    if kind is set or kind is frozenset:  # one item has one order (most of a CDB's sets)
        return value if len(value) < 2 and all(_atomic(v) for v in value) else _StandIn(value, None)
    if kind is dict:
        if all(_atomic(k) and _atomic(v) for k, v in value.items()):
            return value
        return _StandIn(value, None)
    if kind is list or kind is tuple:
        return value if all(_atomic(v) for v in value) else _StandIn(value, None)
    reduced = value.__reduce_ex__(PROTOCOL)
    if isinstance(reduced, str):  # a global (a singleton, an enum-like constant): written by name
        return value
    return _StandIn(value, reduced)


def _pairs(items):
    for key, value in items:
        yield canonical(key), canonical(value)


class _StandIn:
    """Reduces to the object it stands for, its parts canonical. ``__class__`` is the object's
    class, so the C pickler's check for ``copyreg.__newobj__`` reductions holds."""

    __slots__ = ("obj", "reduced")

    def __init__(self, obj, reduced):
        self.obj = obj
        self.reduced = reduced

    @property  # type: ignore[misc]
    def __class__(self):
        return type(self.obj)

    def __reduce_ex__(self, protocol):
        obj = self.obj
        kind = type(obj)
        if kind is dict:
            return dict, (), None, None, _pairs(obj.items())
        if kind is list:
            return list, (), None, map(canonical, obj)
        if kind is tuple:
            return tuple, ([canonical(v) for v in obj],)
        if kind is set or kind is frozenset:
            return kind, ([canonical(v) for v in in_order(obj)],)
        func, args, *rest = self.reduced
        rest += [None] * (3 - len(rest))
        state, list_items, dict_items = rest[:3]
        out = [func, tuple(canonical(a) for a in args), canonical(state),
               None if list_items is None else map(canonical, list_items),
               None if dict_items is None else _pairs(dict_items)]
        if len(self.reduced) > 5:  # a state setter
            out.append(self.reduced[5])
        return tuple(out)


class DeterministicPickler(dill.Pickler):
    """dill, with sets and frozensets written sorted: the fallback for what the stand-ins cannot
    express (dill's pickler is pure Python, so ``reducer_override`` sees every set)."""

    def reducer_override(self, obj):
        if type(obj) is set or type(obj) is frozenset:
            return type(obj), (in_order(obj),)
        return NotImplemented


def dump(obj: Any, fh: IO[bytes]) -> str:
    """Write ``obj`` to the binary file ``fh`` (at its start); returns which pickler wrote it
    ("c" or "dill", the fallback for a graph the stand-ins cannot express)."""
    start = fh.tell()
    try:
        pickle.Pickler(fh, protocol=PROTOCOL).dump(canonical(obj))
        return "c"
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError, ValueError) as e:
        log.debug("canonical pickle: falling back to dill (%s: %s)", type(e).__name__, e)
    fh.seek(start)
    fh.truncate()
    DeterministicPickler(fh).dump(obj)
    return "dill"
