"""The local process pool notices a worker the system killed, even where the standard pool
would wait for it for ever (killed while sending a result: its manager thread then waits
for the rest of the message), so a run ends with one line instead of hanging."""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures.process import BrokenProcessPool

import pytest

from sim.experiment.executors import LocalPool


def _pid() -> int:
    return os.getpid()


def test_a_killed_worker_is_noticed_by_the_check():
    pool = LocalPool(2)
    try:
        pool.submit(_pid).result(timeout=60)  # the workers are up
        pool.check_workers()  # all alive: nothing to say
        victim = next(iter(pool._pool._processes.values()))
        os.kill(victim.pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while victim.exitcode is None and time.monotonic() < deadline:
            time.sleep(0.05)
        with pytest.raises(BrokenProcessPool):
            pool.check_workers()
    finally:
        pool.stop()
