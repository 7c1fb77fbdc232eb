"""Process-wide settings that only an entry point changes (a CLI command, a worker's initialiser),
never library code behind its caller's back; and the one pause a loader may take and give back."""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


def freeze_loaded_objects() -> None:
    """Move everything loaded so far (the model: millions of long-lived objects) out of the garbage
    collector's reach, so its passes stop rescanning them (docs/benchmarks.md). For a process that
    loaded its model and now only annotates; forked workers then share those pages untouched.

    No collection first: after loading a 178k-concept pack it found under 1,000 unreachable objects
    (no memory returned) and took as long as a third of the load (issue 27)."""
    gc.freeze()


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a model's millions of objects are built (unpickled): each
    pass rescans everything built so far, which made loading a large pack ~3x slower (issue 27,
    docs/benchmarks.md). The collector's state is given back afterwards, whatever happens."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
