"""Replications, common random numbers and parallel execution.

Replication ``r`` of every policy draws from the same named streams (seeded by the run
seed and ``r``), so policies are compared on the same simulated days. Replications run in
a standard ``concurrent.futures`` process pool; results do not depend on the number of
workers or on the order in which replications finish.

Tasks are made and submitted lazily, a few batches ahead of the workers, so that a billion
replications never become a billion futures. Workers leave every stop signal to the parent
(it stops them and keeps what has finished) and die with it: on Linux the kernel kills a
worker whose parent dies (``PR_SET_PDEATHSIG``), elsewhere a watchdog thread does, so that
no worker outlives a killed run or holds its output pipes open.
"""

from __future__ import annotations

import ctypes
import itertools
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from sim.core.scenario import Scenario
from sim.kpi.adherence import agent_adherence
from sim.kpi.definitions import breakdown
from sim.model.world import simulate
from sim.policies.api import ACTION_COLUMNS
from sim.policies.registry import make_policy

__all__ = ["ReplicationResult", "run_replication", "run_replications"]


@dataclass(frozen=True)
class ReplicationResult:
    """KPIs of one replication of one policy, for all contacts, each type and each group.

    ``rows``: one dict per (contact_type, group) selection with the day's KPIs;
    ``intervals``: columns (``contact_type``, ``group``, ``interval``, KPIs) of the
    per-interval KPIs of every selection. ``agents``: adherence and shrinkage of each agent
    on an individual shift. ``actions``: the policy's applied actions, one dict each with
    the keys of :data:`sim.policies.api.ACTION_COLUMNS`.
    """

    policy: str
    replication: int
    rows: list[dict]
    intervals: dict[str, list]
    agents: list[dict] = field(default_factory=list)
    actions: list[dict] = field(default_factory=list)


def run_replication(
    scenario: Scenario,
    policy: str,
    seed: int,
    replication: int,
    params: dict[str, Any] | None = None,
) -> ReplicationResult:
    """Simulate one replication under ``policy`` (with ``params``) and reduce it to its KPIs."""
    outcome = simulate(
        scenario, seed=seed, replication=replication, policy=make_policy(policy, params)
    )
    rows: list[dict] = []
    columns: dict[str, list] = {"contact_type": [], "group": []}
    for contact_type, group, day, per_interval in breakdown(outcome, scenario):
        rows.append({"contact_type": contact_type, "group": group, **day})
        n = len(per_interval["interval"])
        columns["contact_type"] += [contact_type] * n
        columns["group"] += [group] * n
        for key, values in per_interval.items():
            columns.setdefault(key, []).extend(values.tolist())
    actions = [dict(zip(ACTION_COLUMNS, action, strict=True)) for action in outcome.actions]
    return ReplicationResult(
        policy, replication, rows, columns, agent_adherence(outcome, scenario), actions
    )


#: Most tasks in one batch: a batch's results reach the parent (and are saved) together.
MAX_BATCH = 16
#: Batches submitted ahead, per worker.
AHEAD_PER_WORKER = 2
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _worker_init(creator: int, start_method: str) -> None:
    """Set up a pool worker: ignore stop signals, and die with the process that made the pool.

    Ctrl-C, SIGTERM and SIGHUP are the parent's to handle: it stops the workers itself and
    keeps what has finished. ``creator``: the pid of the process that made the pool (the
    worker's parent, except under the ``forkserver`` start method).
    """
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    parent = os.getppid()
    if _die_with_parent():
        # The parent may have died before the call: then no signal will ever come.
        if start_method == "forkserver":
            if not _alive(creator):
                os._exit(1)
        elif os.getppid() != creator:
            os._exit(1)
    elif os.name == "posix":
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _die_with_parent() -> bool:
    """Ask Linux to SIGKILL this process when its parent dies; ``False`` where impossible."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _watch_parent(parent: int) -> None:
    """Where the kernel cannot: end this worker once its parent is gone (it is re-parented)."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """End a process pool's workers now, in the middle of their tasks.

    The pool offers no public way to stop running tasks (Python 3.14 adds
    ``terminate_workers``), so its processes are terminated. A worker killed while sending
    a result leaves a partial message in the result pipe, and the pool's manager thread
    would wait for the rest of it for ever, hanging the interpreter at exit. Closing this
    process's own write end of that pipe, once every worker is gone, turns the wait into
    end-of-file, which the manager thread handles as a broken pool and exits.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    result_queue = getattr(pool, "_result_queue", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.kill()  # SIGKILL: workers ignore SIGTERM
    for process in processes:
        process.join()
    writer = getattr(result_queue, "_writer", None)
    if writer is not None:
        writer.close()


def _run_batch(
    scenario: Scenario,
    tasks: list[tuple[str, int]],
    seed: int,
    params: dict[str, dict[str, Any]],
) -> list[ReplicationResult]:
    return [run_replication(scenario, p, seed, rep, params.get(p)) for p, rep in tasks]


def run_replications(
    scenario: Scenario,
    policies: Iterable[str],
    replications: int,
    seed: int,
    *,
    workers: int = 1,
    skip: Iterable[tuple[str, int]] = (),
    on_result: Callable[[ReplicationResult], None] | None = None,
    params: dict[str, dict[str, Any]] | None = None,
) -> list[ReplicationResult]:
    """Run replications ``0 .. replications-1`` of every policy, sorted by (policy, replication).

    ``workers`` 0 means one per CPU core; 1 runs in this process. ``skip`` lists
    (policy, replication) pairs already done (e.g. by an interrupted run); ``on_result`` is
    called in this process as each result arrives, so that finished work can be saved.
    ``params``: each policy's parameters by name (defaults for policies not listed).
    """
    params = params or {}
    policies = list(policies)
    done = set(skip)
    tasks: Iterator[tuple[str, int]] = (
        (p, r) for r in range(replications) for p in policies if (p, r) not in done
    )
    wanted = set(policies)
    n_tasks = replications * len(policies) - sum(
        1 for p, r in done if p in wanted and 0 <= r < replications
    )
    workers = workers or os.cpu_count() or 1
    workers = max(1, min(workers, n_tasks))
    results: list[ReplicationResult] = []

    def collect(batch: list[ReplicationResult]) -> None:
        for result in batch:
            results.append(result)
            if on_result is not None:
                on_result(result)

    if workers == 1:
        for task in tasks:
            collect(_run_batch(scenario, [task], seed, params))
    else:
        # Small batches keep every worker busy yet bound the work an interruption loses;
        # only a few are in flight at a time, so memory does not grow with the task count.
        size = max(1, min(MAX_BATCH, math.ceil(n_tasks / (4 * workers))))
        batches = iter(lambda: list(itertools.islice(tasks, size)), [])
        context = multiprocessing.get_context()
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_worker_init,
            initargs=(os.getpid(), context.get_start_method()),
        )
        try:
            pending: set[Future] = {
                pool.submit(_run_batch, scenario, batch, seed, params)
                for batch in itertools.islice(batches, AHEAD_PER_WORKER * workers)
            }
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    collect(future.result())
                    for batch in itertools.islice(batches, 1):
                        pending.add(pool.submit(_run_batch, scenario, batch, seed, params))
        except BaseException:
            # Ctrl-C (or an error): stop at once; what was collected is already saved.
            _stop_pool(pool)
            raise
        pool.shutdown()
    results.sort(key=lambda r: (r.policy, r.replication))
    return results
