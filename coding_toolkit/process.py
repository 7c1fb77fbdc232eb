"""Process-wide settings that only an entry point changes (a CLI command, a worker's initialiser),
never library code behind its caller's back."""
from __future__ import annotations

import gc


def freeze_loaded_objects() -> None:
    """Move everything loaded so far (the model: millions of long-lived objects) out of the garbage
    collector's reach, so its passes stop rescanning them (docs/benchmarks.md). For a process that
    loaded its model and now only annotates; forked workers then share those pages untouched."""
    gc.collect()
    gc.freeze()
