"""A stopped run's process pool lets the process exit, even when a worker died mid-result.

The hang this guards against: a worker killed while sending its result leaves a partial message in
the pool's result pipe; the pool's manager thread blocks in recv() for the rest, and the run's
process never exits after "stopped by SIGTERM". The scenario runs in a child process so that, were
the bug back, the test would fail on its timeout instead of hanging the suite.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap

SCENARIO = textwrap.dedent("""
    import multiprocessing, os, struct, sys, time
    from concurrent.futures import ProcessPoolExecutor
    from coding_toolkit.bulk.runner import _forked_worker_init, _stop_pool

    pool = ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("fork"),
                               initializer=_forked_worker_init, initargs=(os.getpid(),))
    futures = [pool.submit(time.sleep, 30) for _ in range(2)]
    time.sleep(1.0)  # both workers started and busy
    manager = pool._executor_manager_thread
    # half a message, as a worker killed inside send() leaves it: a header promising 1000 bytes
    os.write(pool._result_queue._writer.fileno(), struct.pack("!i", 1000))
    time.sleep(0.5)  # the manager thread is now inside recv(), waiting for the rest
    started = time.monotonic()
    _stop_pool(pool, wait_s=5)
    print("manager_alive", manager.is_alive(), "seconds", round(time.monotonic() - started, 1))
    sys.stdout.flush()
""")


def test_stop_pool_ends_a_manager_thread_stuck_on_a_partial_result():
    done = subprocess.run([sys.executable, "-c", SCENARIO], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "manager_alive False" in done.stdout, done.stdout + done.stderr
