"""Paired comparisons of policies against a baseline, with confidence intervals.

Replication ``r`` of every policy is simulated on the same day: the same arrivals, handle
times, patience, absences and outages, drawn from the same named random streams (common
random numbers, see :mod:`sim.core.streams`). A policy's effect is therefore measured per
replication, as the difference ``d_r = kpi(policy, r) - kpi(baseline, r)``, and its
confidence interval is a one-sample Student-t interval on those differences.

Why pairing narrows the interval: most of a KPI's spread from day to day comes from the day
itself (a busy Monday has a low service level under every policy). That shared part is
present in both terms of ``d_r`` and cancels, so ``Var(d) = Var(a) + Var(b) - 2 Cov(a, b)``
is far smaller than the ``Var(a) + Var(b)`` of two independent runs whenever the policies'
results move together, which is what common random numbers are for. The same precision
then needs far fewer replications.

``comparison.csv`` is :func:`compare_policies` applied to ``replications.csv``;
:func:`max_half_width` is the stopping rule of sequential sampling (add replications until
every policy's service-level difference is known to within a target half-width).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.experiment.statistics import t_half_width
from sim.experiment.tables import KEY_COLUMNS
from sim.kpi.definitions import KPI_NAMES

__all__ = ["compare_policies", "comparison_columns", "max_half_width"]

_SELECTION = ["contact_type", "group"]
_PAIR_KEYS = ["replication", *_SELECTION]


def comparison_columns(kpis: tuple[str, ...] = KPI_NAMES) -> list[str]:
    """The columns of :func:`compare_policies`' result, in order."""
    columns = ["policy", "baseline", *_SELECTION, "replications"]
    for kpi in kpis:
        columns += [f"diff_{kpi}", f"diff_{kpi}_ci_low", f"diff_{kpi}_ci_high"]
    return columns


def compare_policies(
    table: pd.DataFrame,
    baseline: str = "none",
    kpis: tuple[str, ...] = KPI_NAMES,
    level: float = 0.95,
) -> pd.DataFrame:
    """Each policy minus ``baseline``, paired per replication, with Student-t intervals.

    ``table`` has one row per (policy, replication, contact_type, group) and one column per
    KPI, as built by :func:`sim.experiment.tables.replication_table`. For each (policy,
    contact_type, group) other than the baseline's, the differences ``d_r = kpi(policy, r) -
    kpi(baseline, r)`` are taken over the replications that both policies ran; a pair in
    which either value is NaN (a KPI undefined that day) is left out of that KPI only.

    Returns one row per (policy, contact_type, group), in order of first appearance in
    ``table``, with columns ``policy``, ``baseline``, ``contact_type``, ``group``,
    ``replications`` (the number of paired replications) and, per KPI, ``diff_<kpi>`` (the
    mean difference) with ``diff_<kpi>_ci_low`` and ``diff_<kpi>_ci_high``. Bounds are NaN
    with fewer than two pairs and are not clipped: a difference may be negative. A
    selection that the baseline lacks gets ``replications`` 0 and NaN differences. With
    only the baseline in ``table`` the result is empty (with these columns).

    Raises ``ValueError`` if ``baseline`` is not among the table's policies, if a KPI
    column is missing, if a (policy, replication, contact_type, group) appears twice, or
    if ``level`` is not strictly between 0 and 1.
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence level must be strictly between 0 and 1, got {level!r}")
    kpis = tuple(kpis)
    missing = [c for c in ["policy", *_PAIR_KEYS, *kpis] if c not in table.columns]
    if missing:
        raise ValueError(f"replication table lacks columns {missing}")
    policies = list(pd.unique(table["policy"]))
    if baseline not in policies:
        raise ValueError(
            f"baseline policy {baseline!r} is not in the replication table; "
            f"policies present: {policies}"
        )
    duplicated = table.duplicated(["policy", *_PAIR_KEYS])
    if duplicated.any():
        first = table.loc[duplicated, ["policy", *_PAIR_KEYS]].iloc[0].to_dict()
        raise ValueError(f"replication table has more than one row for {first}")

    is_base = (table["policy"] == baseline).to_numpy()
    others = table.loc[~is_base, ["policy", *_PAIR_KEYS, *kpis]]
    # Positional baseline names avoid any clash with a KPI called e.g. "x_base".
    base_names = [f"__base_{i}" for i in range(len(kpis))]
    base = table.loc[is_base, [*_PAIR_KEYS, *kpis]]
    base.columns = pd.Index([*_PAIR_KEYS, *base_names])
    paired = others.merge(base, on=_PAIR_KEYS, how="inner", sort=False)

    diffs = pd.DataFrame(
        paired[list(kpis)].to_numpy(dtype=float) - paired[base_names].to_numpy(dtype=float),
        columns=list(kpis),
        index=paired.index,
    )
    diffs[KEY_COLUMNS] = paired[KEY_COLUMNS]
    grouped = diffs.groupby(KEY_COLUMNS, sort=False, dropna=False)
    mean = grouped[list(kpis)].mean()
    sd = grouped[list(kpis)].std(ddof=1)
    n = grouped[list(kpis)].count()
    pairs = grouped.size().rename("replications")

    # Every non-baseline selection, in order of first appearance, even without pairs.
    keys = others[KEY_COLUMNS].drop_duplicates().set_index(KEY_COLUMNS).index
    mean, sd, n = (f.reindex(keys) for f in (mean, sd, n))
    pairs = pairs.reindex(keys, fill_value=0)

    half = t_half_width(sd.to_numpy(dtype=float), n.to_numpy(dtype=float), level)
    centre = mean.to_numpy(dtype=float)

    out = keys.to_frame(index=False)
    columns: dict[str, object] = {
        "policy": out["policy"].to_numpy(),
        "baseline": np.full(len(out), baseline, dtype=object),
        "contact_type": out["contact_type"].to_numpy(),
        "group": out["group"].to_numpy(),
        "replications": pairs.to_numpy(dtype=np.int64),
    }
    for j, kpi in enumerate(kpis):
        columns[f"diff_{kpi}"] = centre[:, j]
        columns[f"diff_{kpi}_ci_low"] = centre[:, j] - half[:, j]
        columns[f"diff_{kpi}_ci_high"] = centre[:, j] + half[:, j]
    return pd.DataFrame(columns, columns=comparison_columns(kpis))


def max_half_width(
    comparison: pd.DataFrame,
    kpi: str = "service_level",
    contact_type: str = "all",
    group: str = "all",
) -> float:
    """Largest confidence-interval half-width of ``diff_<kpi>`` over the policies compared.

    ``comparison`` is a result of :func:`compare_policies`; the rows of the given
    ``contact_type`` and ``group`` (one per policy) are considered. The result is NaN if
    any of their half-widths is undefined (fewer than two paired replications, or the KPI
    undefined on too many days), so a sequential-sampling loop should continue while
    ``not max_half_width(...) < target``. With no policy to compare (``comparison`` is
    empty) it is 0.0: there is nothing left to narrow.

    Raises ``ValueError`` if ``comparison`` lacks the KPI's columns, or has rows but none
    for the selection (a misspelt contact type or group would otherwise end sampling early).
    """
    low, high = f"diff_{kpi}_ci_low", f"diff_{kpi}_ci_high"
    missing = [c for c in ["contact_type", "group", low, high] if c not in comparison.columns]
    if missing:
        raise ValueError(f"comparison lacks columns {missing}")
    if comparison.empty:
        return 0.0
    chosen = (comparison["contact_type"] == contact_type) & (comparison["group"] == group)
    if not chosen.any():
        raise ValueError(
            f"comparison has no rows for contact_type={contact_type!r}, group={group!r}; "
            f"contact types present: {list(pd.unique(comparison['contact_type']))}, "
            f"groups present: {list(pd.unique(comparison['group']))}"
        )
    widths = (
        comparison.loc[chosen, high].to_numpy(dtype=float)
        - comparison.loc[chosen, low].to_numpy(dtype=float)
    ) / 2
    if np.isnan(widths).any():
        return math.nan
    return float(widths.max())
