"""Replications, common random numbers and parallel execution.

Replication ``r`` of every policy draws from the same named streams (seeded by the run
seed and ``r``), so policies are compared on the same simulated days. Replications run in
batches on a pool of workers (:mod:`sim.experiment.executors`: a local process pool or a
Dask cluster) through the standard ``concurrent.futures`` interface; results do not depend
on the pool, the number of workers or the order in which replications finish.

Tasks are made and submitted lazily, a few batches ahead of the workers, so that a billion
replications never become a billion futures. Every result comes back to this process,
which hands it to ``on_result`` (the CLI saves it as a part of the run folder); on Ctrl-C or
an error the pool is stopped at once and what has finished is kept.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from typing import Any

from sim.core.day_state import DayState
from sim.core.scenario import Scenario
from sim.core.week import Week, week_scenario
from sim.experiment.executors import LocalPool, Pool
from sim.kpi.adherence import agent_adherence
from sim.kpi.definitions import breakdown, week_breakdown
from sim.kpi.snapshot import day_state_at
from sim.model.week import simulate_week
from sim.model.world import simulate
from sim.policies.api import ACTION_COLUMNS
from sim.policies.base import Policy
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
    day_state: DayState | None = None  # the day at run.snapshot_at (the baseline's days)
    # A week (scenario.days): one dict per day and (contact_type, group), with ``day``.
    day_rows: list[dict] = field(default_factory=list)


def run_replication(
    scenario: Scenario | Week,
    policy: str,
    seed: int,
    replication: int,
    params: dict[str, Any] | None = None,
    snapshot_at: float | None = None,
) -> ReplicationResult:
    """Simulate one replication under ``policy`` (with ``params``) and reduce it to its KPIs;
    with ``snapshot_at`` (seconds from time 0), the baseline ``none`` also keeps the day's
    state at that moment (:func:`~sim.kpi.snapshot.day_state_at`). A :class:`~sim.core.week.Week` is
    simulated day by day (:func:`run_week_replication`)."""
    if isinstance(scenario, Week):
        return run_week_replication(scenario, policy, seed, replication, params)
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
    state = None
    if snapshot_at is not None and policy == "none":
        state = day_state_at(outcome, scenario, snapshot_at, f"replication {replication}")
    return ReplicationResult(
        policy, replication, rows, columns, agent_adherence(outcome, scenario), actions, state
    )


#: Most tasks in one batch: a batch's results reach the parent (and are saved) together.
MAX_BATCH = 16
#: Batches submitted ahead, per worker.
AHEAD_PER_WORKER = 2
#: Seconds between two checks that every worker is alive, while none has finished a batch.
WATCH_SECONDS = 1.0


def run_week_replication(
    week: Week,
    policy: str,
    seed: int,
    replication: int,
    params: dict[str, Any] | None = None,
) -> ReplicationResult:
    """Simulate one replication of ``week`` under ``policy`` (a new instance each day; its
    weekly overtime budget counts what it asked on the days before) and reduce it to the
    week's KPIs (``rows``, ``intervals``: the days' intervals end to end) and each day's
    (``day_rows``). Actions carry the week's time: day ``d``'s seconds plus ``d`` days of
    open hours, as the week's tables lay the days end to end."""
    asked = 0.0
    today: list[Policy] = []

    def policy_for_day(d: int) -> Policy:
        nonlocal asked
        if today:
            asked += today[-1].overtime_hours_asked()
        made = make_policy(policy, params)
        made.continue_week(asked)
        today.append(made)
        return made

    outcomes = simulate_week(week, seed, replication, policy_for_day)
    scenario = week_scenario(week)
    rows: list[dict] = []
    columns: dict[str, list] = {"contact_type": [], "group": []}
    for contact_type, group, day, per_interval in week_breakdown(outcomes, week.days, scenario):
        rows.append({"contact_type": contact_type, "group": group, **day})
        n = len(per_interval["interval"])
        columns["contact_type"] += [contact_type] * n
        columns["group"] += [group] * n
        for key, values in per_interval.items():
            columns.setdefault(key, []).extend(values.tolist())
    day_rows = [
        {"day": name, "contact_type": contact_type, "group": group, **kpis}
        for name, outcome, day in zip(week.names, outcomes, week.days, strict=True)
        for contact_type, group, kpis, _ in breakdown(outcome, day)
    ]
    actions = []
    for d, outcome in enumerate(outcomes):
        shift = d * week.days[d].horizon_seconds
        for action in outcome.actions:
            row = dict(zip(ACTION_COLUMNS, action, strict=True))
            row["decided_at"] += shift
            row["applied_at"] += shift
            actions.append(row)
    return ReplicationResult(policy, replication, rows, columns, [], actions, None, day_rows)


def _run_batch(
    scenario: Scenario | Week,
    tasks: list[tuple[str, int]],
    seed: int,
    params: dict[str, dict[str, Any]],
    snapshot_at: float | None = None,
) -> list[ReplicationResult]:
    return [run_replication(scenario, p, seed, rep, params.get(p), snapshot_at) for p, rep in tasks]


def run_replications(
    scenario: Scenario | Week,
    policies: Iterable[str],
    replications: int,
    seed: int,
    *,
    workers: int = 1,
    skip: Iterable[tuple[str, int]] = (),
    on_result: Callable[[ReplicationResult], None] | None = None,
    params: dict[str, dict[str, Any]] | None = None,
    pool: Pool | None = None,
    keep: bool = True,
    snapshot_at: float | None = None,
) -> list[ReplicationResult]:
    """Run replications ``0 .. replications-1`` of every policy, sorted by (policy, replication).

    ``workers`` 0 means one per CPU core; 1 runs in this process. ``pool``: run on it
    instead (e.g. a Dask cluster, :func:`sim.experiment.executors.open_pool`; ``workers`` is
    then unused); it is stopped if this call is interrupted or fails, and left open
    otherwise, for the next call. ``skip`` lists (policy, replication) pairs already done
    (e.g. by an interrupted run); ``on_result`` is called in this process as each result
    arrives, so that finished work can be saved. ``params``: each policy's parameters by
    name (defaults for policies not listed). ``keep`` ``False``: hold no result and return
    ``[]`` (each goes to ``on_result`` only), so that memory does not grow with the count.
    ``snapshot_at``: the baseline's results carry the day's state at that moment. A
    :class:`~sim.core.week.Week` runs its days in a row in each replication.
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
    results: list[ReplicationResult] = []

    def collect(batch: list[ReplicationResult]) -> None:
        for result in batch:
            if keep:
                results.append(result)
            if on_result is not None:
                on_result(result)

    workers = workers or os.cpu_count() or 1
    workers = max(1, min(workers, n_tasks))
    if pool is not None:
        if n_tasks > 0:
            _run_on(pool, scenario, tasks, n_tasks, seed, params, collect, snapshot_at)
    elif workers == 1:
        for task in tasks:
            collect(_run_batch(scenario, [task], seed, params, snapshot_at))
    else:
        own = LocalPool(workers)
        _run_on(own, scenario, tasks, n_tasks, seed, params, collect, snapshot_at)
        own.close()
    results.sort(key=lambda r: (r.policy, r.replication))
    return results


def _run_on(
    pool: Pool,
    scenario: Scenario | Week,
    tasks: Iterator[tuple[str, int]],
    n_tasks: int,
    seed: int,
    params: dict[str, dict[str, Any]],
    collect: Callable[[list[ReplicationResult]], None],
    snapshot_at: float | None = None,
) -> None:
    """Run ``tasks`` on ``pool`` in batches, submitted lazily; ``collect`` each batch's
    results as it arrives. The pool is stopped at once if this is interrupted or fails."""
    # Small batches keep every worker busy yet bound the work an interruption loses; only a
    # few are in flight at a time, so memory does not grow with the task count.
    size = max(1, min(MAX_BATCH, math.ceil(n_tasks / (4 * pool.workers))))
    batches = iter(lambda: list(itertools.islice(tasks, size)), [])
    try:
        shared = pool.share(scenario)  # sent once, not with every batch
        pending: set[Future] = {
            pool.submit(_run_batch, shared, batch, seed, params, snapshot_at)
            for batch in itertools.islice(batches, AHEAD_PER_WORKER * pool.workers)
        }
        while pending:
            finished, pending = wait(pending, WATCH_SECONDS, return_when=FIRST_COMPLETED)
            if not finished:
                pool.check_workers()  # a worker killed mid-message stalls the pool silently
            for future in finished:
                collect(future.result())
                for batch in itertools.islice(batches, 1):
                    pending.add(pool.submit(_run_batch, shared, batch, seed, params, snapshot_at))
    except BaseException:
        # Ctrl-C (or an error): stop at once; what was collected is already saved.
        pool.stop()
        raise
