"""Tidy tables of a run: per replication, per interval, per agent, per action, and their
summaries over replications (mean with a clipped Student-t interval)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from sim.core.scenario import Scenario
from sim.experiment.replications import ReplicationResult
from sim.experiment.statistics import t_half_width
from sim.kpi.definitions import INTERVAL_KPI_NAMES, KPI_NAMES, SHARE_KPIS
from sim.policies.api import ACTION_COLUMNS

__all__ = [
    "AGENT_KPIS",
    "KEY_COLUMNS",
    "action_table",
    "agent_table",
    "interval_table",
    "replication_table",
    "summarize",
]


KEY_COLUMNS = ["policy", "contact_type", "group"]


#: Per-agent columns of ``agents.csv``.
AGENT_KPIS = ("adherence", "adherence_published", "shrinkage_planned", "shrinkage_unplanned")


def replication_table(results: Iterable[ReplicationResult]) -> pd.DataFrame:
    """One tidy row per policy, replication, contact type and group with every KPI."""
    rows = [
        {"policy": r.policy, "replication": r.replication, **row} for r in results for row in r.rows
    ]
    return pd.DataFrame(
        rows, columns=["policy", "replication", "contact_type", "group", *KPI_NAMES]
    )


def interval_table(results: Iterable[ReplicationResult]) -> pd.DataFrame:
    """One tidy row per policy, replication, contact type, group and interval with every KPI
    defined per interval (:data:`~sim.kpi.definitions.INTERVAL_KPI_NAMES`)."""
    frames = [
        pd.DataFrame({"policy": r.policy, "replication": r.replication, **r.intervals})
        for r in results
    ]
    columns = ["policy", "replication", "contact_type", "group", "interval", *INTERVAL_KPI_NAMES]
    return pd.concat(frames, ignore_index=True)[columns]


def agent_table(results: Iterable[ReplicationResult]) -> pd.DataFrame:
    """One row per policy, replication and scheduled agent: adherence and shrinkage."""
    rows = [
        {"policy": r.policy, "replication": r.replication, **a} for r in results for a in r.agents
    ]
    return pd.DataFrame(rows, columns=["policy", "replication", "group", "agent", *AGENT_KPIS])


def _natural_range(kpi: str) -> tuple[float, float]:
    return (0.0, 1.0) if kpi in SHARE_KPIS else (0.0, math.inf)


def summarize(
    table: pd.DataFrame,
    by: list[str],
    level: float = 0.95,
    kpis: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """Mean over replications of each KPI with ``<kpi>_ci_low`` and ``<kpi>_ci_high``.

    ``kpis``: the KPI columns to summarize; by default every KPI of
    :data:`~sim.kpi.definitions.KPI_NAMES` that ``table`` holds (an interval table has no
    day-only KPI).

    ``table`` holds one row per replication (and per ``by`` group); the result one row per
    group (in order of first appearance), with a ``replications`` count. NaNs (a KPI that is
    undefined on some days) are left out of that KPI's mean and interval, as in
    :func:`confidence_interval`. Bounds are clipped to the KPI's possible range (shares to
    [0, 1], counts and times to >= 0): a t-interval from few replications can reach past it.
    """
    if kpis is None:
        kpis = tuple(k for k in KPI_NAMES if k in table.columns)
    grouped = table.groupby(by, sort=False)
    out = grouped["replication"].nunique().rename("replications").reset_index()
    columns: dict[str, np.ndarray] = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for kpi in kpis:
            mean = grouped[kpi].mean().to_numpy(dtype=float)
            sd = grouped[kpi].std(ddof=1).to_numpy(dtype=float)
            half = t_half_width(sd, grouped[kpi].count().to_numpy(dtype=float), level)
            floor, ceiling = _natural_range(kpi)
            columns[kpi] = mean
            columns[f"{kpi}_ci_low"] = np.maximum(mean - half, floor)
            columns[f"{kpi}_ci_high"] = np.minimum(mean + half, ceiling)
    return pd.concat([out, pd.DataFrame(columns, index=out.index)], axis=1)


def action_table(scenario: Scenario, results: Iterable[ReplicationResult]) -> pd.DataFrame:
    """One row per applied action: policy, replication, times (seconds and clock), what."""
    rows = [
        {"policy": r.policy, "replication": r.replication, **a} for r in results for a in r.actions
    ]
    frame = pd.DataFrame(rows, columns=["policy", "replication", *ACTION_COLUMNS])
    clock = [scenario.clock(t) for t in frame["applied_at"]]
    frame.insert(4, "applied_clock", clock)
    return frame
