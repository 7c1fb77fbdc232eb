"""Forked workers keep the parent's loaded objects out of their collector's reach (issue 15: a
collector pass writes to every object header it scans, so unfrozen workers copy the shared model)."""
from __future__ import annotations

import gc
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from coding_toolkit.bulk import runner


def test_forked_worker_freezes_what_it_inherited():
    gc.unfreeze()
    inherited = [{"object": i} for i in range(1000)]  # tracked containers the worker inherits
    assert gc.get_freeze_count() == 0
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"),
                             initializer=runner._forked_worker_init, initargs=(os.getpid(),)) as pool:
        frozen = pool.submit(gc.get_freeze_count).result(timeout=60)
    assert frozen >= len(inherited)
    assert gc.get_freeze_count() == 0  # the parent's own collector is left as its caller set it
