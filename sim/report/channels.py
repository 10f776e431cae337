"""Headline figures per channel (voice, chat, email), from the per-type rows of each day.

An "all contacts" ASA mixes an email's hours with a call's seconds, so the report and the
console give their headlines per channel: voice and chat by service level, ASA and
abandonment, email by service level and mean response time (its ASA, shown in minutes or
hours). Each channel figure is computed per replication (simulated day) and then summarised
over the days like every other KPI, with the same confidence intervals and paired
differences (:func:`sim.experiment.tables.summarize`,
:func:`sim.experiment.comparison.compare_policies`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.core.scenario import Scenario
from sim.experiment.comparison import compare_policies
from sim.experiment.tables import summarize
from sim.kpi.definitions import ALL
from sim.report.formatting import (
    _baseline_label,
    _direction,
    _duration,
    _fmt,
    _isnan,
    _signed,
    _wait_unit,
    _with_ci,
    periods,
)

__all__ = [
    "CHANNEL_KPIS",
    "HEADLINE_KPIS",
    "channel_comparison",
    "channel_replications",
    "channel_summary",
    "channels",
    "headline_section",
]

#: Columns of :func:`channel_replications` besides the keys.
CHANNEL_KPIS: tuple[str, ...] = (
    "offered",
    "abandoned",
    "waiting_at_end",
    "service_level",
    "asa_seconds",
    "abandon_rate",
)

#: The headline KPIs of each channel, as (column, label, format kind). An email is never
#: abandoned, and its ASA is the time to a reply.
HEADLINE_KPIS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "voice": (
        ("service_level", "service level", "pct"),
        ("asa_seconds", "ASA", "wait"),
        ("abandon_rate", "abandoned", "pct"),
    ),
    "chat": (
        ("service_level", "service level", "pct"),
        ("asa_seconds", "ASA", "wait"),
        ("abandon_rate", "abandoned", "pct"),
    ),
    "email": (
        ("service_level", "service level", "pct"),
        ("asa_seconds", "mean response time", "wait"),
    ),
}


def channels(scenario: Scenario) -> dict[str, list[str]]:
    """Each channel of the scenario with its contact types, both in the scenario's order."""
    out: dict[str, list[str]] = {}
    for t in scenario.contact_types:
        out.setdefault(t.channel, []).append(t.name)
    return out


def _weighted(rows: pd.DataFrame, values: str, weights: pd.Series) -> pd.Series:
    """Per (policy, replication): the mean of ``values`` weighted by ``weights``; a type
    whose value is undefined (NaN) that day weighs nothing; NaN if nothing weighs."""
    defined = rows[values].notna()
    w = weights.where(defined, 0.0).clip(lower=0.0)
    frame = pd.DataFrame(
        {
            "policy": rows["policy"],
            "replication": rows["replication"],
            "num": (rows[values].fillna(0.0) * w),
            "den": w,
        }
    )
    sums = frame.groupby(["policy", "replication"], sort=False)[["num", "den"]].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        return (sums["num"] / sums["den"]).where(sums["den"] > 0)


def _pooled(rows: pd.DataFrame) -> pd.DataFrame:
    """One channel's figures per (policy, replication) from the rows of its several types.

    Counts add up exactly. ``abandon_rate`` is abandoned over offered, exactly. The
    per-type rows carry ratios, not the counts behind them, so ``service_level`` is each
    type's service level weighted by its offered contacts less its callbacks (the contacts
    judged by it), and ``asa_seconds`` each type's ASA weighted by its answered contacts
    less its callbacks (the live contacts answered). Both are exact when the channel's
    types have no short abandons (``short_abandon_seconds`` 0), no contact left waiting
    under the threshold at the close and every callback answered; otherwise the weights
    overstate a type's share by those few contacts.
    """
    keys = ["policy", "replication"]
    counts = rows.groupby(keys, sort=False)[["offered", "abandoned", "waiting_at_end"]].sum()
    live = rows["offered"] - rows["callbacks"]
    answered_live = rows["answered"] - rows["callbacks"]
    out = counts.assign(
        service_level=_weighted(rows, "service_level", live),
        asa_seconds=_weighted(rows, "asa_seconds", answered_live),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        out["abandon_rate"] = (out["abandoned"] / out["offered"]).where(out["offered"] > 0)
    return out.reset_index()


def channel_replications(scenario: Scenario, per_replication: pd.DataFrame) -> pd.DataFrame:
    """One row per policy, replication and channel, with :data:`CHANNEL_KPIS`.

    ``per_replication`` is the replication table (``replications.csv``: one row per policy,
    replication, contact type and group). The channel's name is in ``contact_type`` and
    ``group`` is :data:`ALL`, so that the result can be summarised and compared like the
    replication table. A channel of one contact type takes that type's row as it is; a
    channel holding every type (a one-channel scenario) takes the all-types row (each
    contact judged against its own type's threshold): both exact. A channel of several
    types among other channels is pooled from its types' rows as :func:`_pooled` says.
    Rows are ordered by policy (as they first appear), channel (in the scenario's order)
    and replication.
    """
    day = per_replication[per_replication["group"] == ALL]
    everything = set(scenario.type_names)
    frames = []
    for channel, types in channels(scenario).items():
        if len(types) == 1 or set(types) == everything:
            own = day[day["contact_type"] == (types[0] if len(types) == 1 else ALL)]
            frame = own[["policy", "replication", *CHANNEL_KPIS]].copy()
        else:
            frame = _pooled(day[day["contact_type"].isin(types)])
        frames.append(frame.assign(contact_type=channel, group=ALL))
    table = pd.concat(frames, ignore_index=True)
    policy_order = {p: i for i, p in enumerate(dict.fromkeys(per_replication["policy"]))}
    channel_order = {c: i for i, c in enumerate(channels(scenario))}
    order = pd.DataFrame(
        {
            "p": table["policy"].map(policy_order),
            "c": table["contact_type"].map(channel_order),
            "r": table["replication"],
        }
    )
    table = table.loc[order.sort_values(["p", "c", "r"], kind="mergesort").index]
    table = table.reset_index(drop=True)
    return table[["policy", "replication", "contact_type", "group", *CHANNEL_KPIS]]


def channel_summary(channel_rows: pd.DataFrame) -> pd.DataFrame:
    """Mean over the days of each channel KPI with its 95% CI: one row per policy and
    channel (``contact_type``), from :func:`channel_replications`."""
    return summarize(channel_rows, ["policy", "contact_type", "group"], kpis=CHANNEL_KPIS)


def channel_comparison(channel_rows: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Each policy minus ``baseline`` per channel, paired by day, with 95% CIs, from
    :func:`channel_replications` (columns as :func:`compare_policies` gives them)."""
    return compare_policies(channel_rows, baseline, kpis=CHANNEL_KPIS)


def _diff(row: pd.Series | None, kpi: str, kind: str, unit: tuple[float, str]) -> str:
    """`` (+1.2)``: a paired difference in the cell's units, bold when its CI excludes 0."""
    if row is None or _isnan(row[f"diff_{kpi}"]):
        return ""
    if kind == "wait":
        scale, name = unit
        shown = f"{round(row[f'diff_{kpi}'] / scale, 1) + 0.0:+,.1f} {name}"
    else:
        shown = _signed(row[f"diff_{kpi}"], "pts" if kind == "pct" else "sec")
    return f" (**{shown}**)" if _direction(row, kpi) in ("up", "down") else f" ({shown})"


def _goal(scenario: Scenario, types: list[str]) -> str:
    """The channel's service-level goal if its types share one, e.g. ``80% within 20 s``."""
    goals = {
        (t.service_level.target, t.service_level.threshold_seconds)
        for t in scenario.contact_types
        if t.name in types
    }
    if len(goals) > 1:
        return "goals per type"
    target, threshold = goals.pop()
    return f"{target:.0%} within {_duration(threshold)}"


def headline_section(
    scenario: Scenario,
    summary: pd.DataFrame,
    comparison: pd.DataFrame | None,
    order: list[str],
    baseline: str | None,
) -> list[str]:
    """The report's "Headlines per channel" section: one row per policy (in ``order``).

    ``summary`` is :func:`channel_summary`; ``comparison`` is :func:`channel_comparison`
    (or ``None``): with it, each policy's cells carry its paired difference from
    ``baseline``, bold when the 95% CI excludes 0; without it the cells carry their CIs.
    """
    groups = channels(scenario)
    columns = [(c, k) for c in groups for k in HEADLINE_KPIS[c]]
    described = "; ".join(
        f"{c} ({', '.join(types)}: {_goal(scenario, types)})" for c, types in groups.items()
    )
    days = int(summary["replications"].min())
    if comparison is not None and baseline is not None:
        how = (
            f"in brackets the paired difference from {_baseline_label(baseline)} (points for "
            "shares), **bold** where it is statistically distinguishable from zero"
        )
    else:
        how = "in brackets the 95% confidence interval"
    if "email" in groups:
        how += (
            ". An email's response time is its wait until an agent takes it; it is never "
            "mixed into the voice or chat figures"
        )
    lines = [
        "",
        "## Headlines per channel",
        f"Each channel as its customers see it: {described}. Means over the {days} simulated "
        f"{periods(scenario)}; {how}.",
        "",
        "| policy | " + " | ".join(f"{c} {label}" for c, (_, label, _) in columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for policy in order:
        own = summary[summary["policy"] == policy].set_index("contact_type")
        diffs = None
        if comparison is not None:
            diffs = comparison[comparison["policy"] == policy].set_index("contact_type")
        cells = []
        for channel, (kpi, _, kind) in columns:
            row = own.loc[channel]
            if comparison is None:
                cells.append(_with_ci(row, kpi, kind))
                continue
            unit = _wait_unit(row[kpi])
            diff = diffs.loc[channel] if diffs is not None and channel in diffs.index else None
            cells.append(_fmt(row[kpi], kind, unit) + _diff(diff, kpi, kind, unit))
        lines.append(f"| {policy} | " + " | ".join(cells) + " |")
    return lines
