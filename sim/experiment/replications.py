"""Replications, common random numbers and parallel execution.

Replication ``r`` of every policy draws from the same named streams (seeded by the run
seed and ``r``), so policies are compared on the same simulated days. Replications run in
a standard ``concurrent.futures`` process pool; results do not depend on the number of
workers or on the order in which replications finish.
"""

from __future__ import annotations

import math
import os
import signal
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
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


def _ignore_interrupts() -> None:
    # Workers leave Ctrl-C to the parent, which stops them and keeps what has finished.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


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
        process.terminate()
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
    done = set(skip)
    tasks = [(p, r) for r in range(replications) for p in policies if (p, r) not in done]
    workers = workers or os.cpu_count() or 1
    workers = max(1, min(workers, len(tasks)))
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
        # Small batches keep every worker busy yet bound the work an interruption loses.
        size = max(1, math.ceil(len(tasks) / (4 * workers)))
        batches = [tasks[i : i + size] for i in range(0, len(tasks), size)]
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_ignore_interrupts)
        futures = [pool.submit(_run_batch, scenario, batch, seed, params) for batch in batches]
        try:
            for future in as_completed(futures):
                collect(future.result())
        except BaseException:
            # Ctrl-C (or an error): stop at once; what was collected is already saved.
            _stop_pool(pool)
            raise
        pool.shutdown()
    results.sort(key=lambda r: (r.policy, r.replication))
    return results


