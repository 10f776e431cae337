"""Tidy tables of a run: per replication, per interval, per agent, per action, and their
summaries over replications (mean with a clipped Student-t interval).

:func:`summarize` summarizes a whole table; :class:`RunningSummary` gives the same numbers
(bit for bit) from rows added one replication at a time, holding a few running sums per
group instead of the rows: a run's per-interval table is summarized that way, so that
memory does not grow with the replications.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

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
    "INTERVAL_KEYS",
    "RunningSummary",
    "TableBuilder",
    "action_table",
    "agent_table",
    "interval_table",
    "replication_table",
    "summarize",
]


KEY_COLUMNS = ["policy", "contact_type", "group"]


#: Per-agent columns of ``agents.csv``.
AGENT_KPIS = ("adherence", "adherence_published", "shrinkage_planned", "shrinkage_unplanned")


def _replication_rows(result: ReplicationResult) -> list[dict]:
    return [{"policy": result.policy, "replication": result.replication, **r} for r in result.rows]


def _replication_frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["policy", "replication", "contact_type", "group", *KPI_NAMES]
    )


def replication_table(results: Iterable[ReplicationResult]) -> pd.DataFrame:
    """One tidy row per policy, replication, contact type and group with every KPI."""
    return _replication_frame([row for r in results for row in _replication_rows(r)])


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


def _ci_columns(
    kpi: str, mean: np.ndarray, sd: np.ndarray, count: np.ndarray, level: float
) -> dict[str, np.ndarray]:
    """``kpi``, ``<kpi>_ci_low``, ``<kpi>_ci_high``: the mean and its Student-t interval
    (:func:`~sim.experiment.statistics.t_half_width`), clipped to the KPI's possible range."""
    with np.errstate(invalid="ignore", divide="ignore"):
        half = t_half_width(sd, count, level)
        floor, ceiling = _natural_range(kpi)
        return {
            kpi: mean,
            f"{kpi}_ci_low": np.maximum(mean - half, floor),
            f"{kpi}_ci_high": np.minimum(mean + half, ceiling),
        }


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
            count = grouped[kpi].count().to_numpy(dtype=float)
            columns.update(_ci_columns(kpi, mean, sd, count, level))
    return pd.concat([out, pd.DataFrame(columns, index=out.index)], axis=1)


class RunningSummary:
    """:func:`summarize` of a table whose rows are added one replication at a time: the
    same frame, bit for bit, holding per group and KPI only running sums, so that memory
    does not grow with the replications.

    ``by``: the group columns (the table's ``replication`` column is not one of them);
    ``kpis``: the KPI columns. :meth:`add` takes one replication's rows (in table order);
    :meth:`frame` returns what :func:`summarize` returns for the rows added so far, in
    that order.

    The sums are those of pandas' own grouped mean and standard deviation, value by value
    in row order (NaNs skipped): a compensated (Kahan) sum for the mean, Welford's update
    for the variance; floating-point operations in the same order give the same numbers
    (a test checks them against :func:`summarize`).
    """

    def __init__(self, by: Sequence[str], kpis: Sequence[str]) -> None:
        self.by = list(by)
        self.kpis = tuple(kpis)
        self._index: dict[tuple, int] = {}  # group -> its row, in order of first appearance
        self._groups: list[tuple] = []
        size = (16, len(self.kpis))
        self._replications = np.zeros(size[0], dtype=np.int64)
        self._nobs = np.zeros(size)
        self._sum = np.zeros(size)
        self._compensation = np.zeros(size)
        self._mean = np.zeros(size)
        self._squares = np.zeros(size)  # sum of squared deviations from the mean
        self._seen: set[object] = set()

    def __len__(self) -> int:
        """The number of groups so far."""
        return len(self._groups)

    def _rows_of(self, groups: Iterable[tuple]) -> np.ndarray:
        index = self._index
        rows = []
        for group in groups:
            row = index.get(group)
            if row is None:
                row = index[group] = len(self._groups)
                self._groups.append(group)
            rows.append(row)
        if len(self._groups) > len(self._replications):  # grow the arrays
            grow = max(len(self._groups), 2 * len(self._replications)) - len(self._replications)
            self._replications = np.concatenate([self._replications, np.zeros(grow, np.int64)])
            for name in ("_nobs", "_sum", "_compensation", "_mean", "_squares"):
                old = getattr(self, name)
                setattr(self, name, np.concatenate([old, np.zeros((grow, old.shape[1]))]))
        return np.asarray(rows, dtype=np.intp)

    def add(
        self,
        replication: object,
        keys: Sequence[Sequence[object]],
        values: Mapping[str, Sequence[float]],
    ) -> None:
        """Add one replication's rows: ``keys`` one sequence per ``by`` column, ``values``
        one per KPI (numbers or NaN), all as long. ``replication`` names it (e.g. (policy,
        replication)); each is added once (:class:`ValueError` otherwise): a group's
        ``replications`` counts those with a row in it."""
        if replication in self._seen:
            raise ValueError(f"replication {replication!r} added twice")
        self._seen.add(replication)
        rows = self._rows_of(zip(*keys, strict=True))
        if not len(rows):
            return
        table = np.empty((len(rows), len(self.kpis)))
        for j, kpi in enumerate(self.kpis):
            table[:, j] = np.asarray(values[kpi], dtype=float)
        unique = np.unique(rows)
        self._replications[unique] += 1
        if len(unique) == len(rows):
            self._update(rows, table)
        else:  # a group with several rows: one at a time, in order
            for i in range(len(rows)):
                self._update(rows[i : i + 1], table[i : i + 1])

    def _update(self, rows: np.ndarray, x: np.ndarray) -> None:
        """Add the values ``x`` (one row each of distinct groups ``rows``), NaNs skipped."""
        seen = ~np.isnan(x)
        nobs = self._nobs[rows] + seen
        total, compensation = self._sum[rows], self._compensation[rows]
        mean, squares = self._mean[rows], self._squares[rows]
        with np.errstate(invalid="ignore", divide="ignore"):
            y = x - compensation
            t = total + y
            c = t - total - y
            c[np.isnan(c)] = 0.0  # an infinite value: no compensation (as pandas)
            new_mean = mean + (x - mean) / nobs
            new_squares = squares + (x - new_mean) * (x - mean)
        self._nobs[rows] = nobs
        self._sum[rows] = np.where(seen, t, total)
        self._compensation[rows] = np.where(seen, c, compensation)
        self._mean[rows] = np.where(seen, new_mean, mean)
        self._squares[rows] = np.where(seen, new_squares, squares)

    def frame(self, level: float = 0.95) -> pd.DataFrame:
        """The summary so far: the frame :func:`summarize` returns for the rows added."""
        out = pd.DataFrame(self._groups, columns=self.by)
        n = len(self._groups)
        out["replications"] = self._replications[:n]
        nobs = self._nobs[:n]
        columns: dict[str, np.ndarray] = {}
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(nobs > 0, self._sum[:n] / nobs, np.nan)
            sd = np.where(nobs > 1, np.sqrt(self._squares[:n] / (nobs - 1)), np.nan)
        for j, kpi in enumerate(self.kpis):
            columns.update(_ci_columns(kpi, mean[:, j], sd[:, j], nobs[:, j], level))
        return pd.concat([out, pd.DataFrame(columns, index=out.index)], axis=1)


def _action_rows(result: ReplicationResult) -> list[dict]:
    return [
        {"policy": result.policy, "replication": result.replication, **a} for a in result.actions
    ]


def action_table(scenario: Scenario, results: Iterable[ReplicationResult]) -> pd.DataFrame:
    """One row per applied action: policy, replication, times (seconds and clock), what."""
    return _action_frame(scenario, [row for r in results for row in _action_rows(r)])


def _action_frame(scenario: Scenario, rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["policy", "replication", *ACTION_COLUMNS])
    clock = [scenario.clock(t) for t in frame["applied_at"]]
    frame.insert(4, "applied_clock", clock)
    return frame


#: The group columns of the per-interval summary (``intervals.csv``).
INTERVAL_KEYS = [*KEY_COLUMNS, "interval"]


class TableBuilder:
    """A run's tables from its replications, added one at a time (:meth:`add`) and not
    held: the day-level rows (:func:`replication_table`, :func:`action_table`) are kept,
    the per-interval and per-agent rows only as running sums (:class:`RunningSummary`), so
    that memory grows with the replications by their day-level rows alone.

    :meth:`intervals` is ``summarize(interval_table(results), INTERVAL_KEYS)``,
    :meth:`agents` ``summarize(agent_table(results), ...)``, bit for bit.
    """

    #: Day-level rows kept as dicts until this many, then as a DataFrame (far smaller).
    CHUNK_ROWS = 256

    def __init__(self) -> None:
        self._rows: list[dict] = []
        self._chunks: list[pd.DataFrame] = []
        self._actions: list[dict] = []
        # summarize's KPIs of an interval table: those of KPI_NAMES it holds
        kpis = tuple(k for k in KPI_NAMES if k in INTERVAL_KPI_NAMES)
        self._intervals = RunningSummary(INTERVAL_KEYS, kpis)
        self._agents = RunningSummary(["policy", "group", "agent"], AGENT_KPIS)
        self._agent_rows = 0
        self._day_rows: list[dict] = []  # a week's (scenario.days): few, kept as they are

    def add(self, result: ReplicationResult) -> None:
        """Add one replication (each (policy, replication) once)."""
        name = (result.policy, result.replication)
        self._rows += _replication_rows(result)
        if len(self._rows) >= self.CHUNK_ROWS:
            # a copy: the frame's text columns are views of the table of every row's
            # objects it was built from, which would keep that table (and them) alive
            self._chunks.append(_replication_frame(self._rows).copy())
            self._rows = []
        self._actions += _action_rows(result)
        self._day_rows += [
            {"policy": result.policy, "replication": result.replication, **row}
            for row in result.day_rows
        ]
        columns = result.intervals
        n = len(columns["interval"])
        keys = [[result.policy] * n, columns["contact_type"], columns["group"], columns["interval"]]
        self._intervals.add(name, keys, columns)
        agents = result.agents
        self._agent_rows += len(agents)
        keys = [[result.policy] * len(agents), [a["group"] for a in agents]]
        keys.append([a["agent"] for a in agents])
        self._agents.add(name, keys, {k: [a[k] for a in agents] for k in AGENT_KPIS})

    def replications(self) -> pd.DataFrame:
        """:func:`replication_table` of the replications added."""
        last = _replication_frame(self._rows)
        if not self._chunks:
            return last
        return pd.concat([*self._chunks, last] if self._rows else self._chunks, ignore_index=True)

    def intervals(self, level: float = 0.95) -> pd.DataFrame:
        """:func:`summarize` of their :func:`interval_table` by :data:`INTERVAL_KEYS`."""
        return self._intervals.frame(level)

    def agents(self, level: float = 0.95) -> pd.DataFrame | None:
        """:func:`summarize` of their :func:`agent_table` by policy, group and agent, with
        :data:`AGENT_KPIS`; None if no agent is on an individual shift."""
        return self._agents.frame(level) if self._agent_rows else None

    def days(self, level: float = 0.95) -> pd.DataFrame | None:
        """A week's per-day table (``days.csv``): :func:`summarize` of the days' KPIs by
        policy, day, contact type and group, days in the week's order; None for a run of
        one day."""
        if not self._day_rows:
            return None
        frame = pd.DataFrame(
            self._day_rows,
            columns=["policy", "replication", "day", "contact_type", "group", *KPI_NAMES],
        )
        return summarize(frame, ["policy", "day", "contact_type", "group"], level)

    def actions(self, scenario: Scenario) -> pd.DataFrame:
        """:func:`action_table` of the replications added."""
        return _action_frame(scenario, self._actions)
