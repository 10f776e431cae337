"""The few lines a run prints at its end: the baseline, the ranking, per-channel headlines
and where the report is.

Plain text for the log (``ccsim.log`` and the console); the full story is in ``report.md``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.core.scenario import Scenario
from sim.kpi.definitions import ALL
from sim.report.channels import HEADLINE_KPIS, channel_replications, channel_summary
from sim.report.formatting import (
    _baseline_policy,
    _fmt,
    _has_costs,
    _isnan,
    _ranked,
    _signed,
    _totals,
    _with_ci,
    period,
)

__all__ = ["console_summary"]


def _channel_words(row: pd.Series) -> str:
    """``voice: service level 83.5%, ASA 7.3 s, abandoned 2.0%`` for one channel's row."""
    channel = row["contact_type"]
    kpis = HEADLINE_KPIS[channel]
    return f"{channel}: " + ", ".join(f"{label} {_fmt(row[k], kind)}" for k, label, kind in kpis)


def _channel_short(row: pd.Series) -> str:
    """``voice 84.7% / 6.7 s / 1.8%``: one channel's headline, in the legend's order."""
    kpis = HEADLINE_KPIS[row["contact_type"]]
    return f"{row['contact_type']} " + " / ".join(_fmt(row[k], kind) for k, _, kind in kpis)


def _change(
    comparison: pd.DataFrame | None, policy: str, kpi: str, kind: str, unit: str = ""
) -> str:
    """`` (+1.3 points)``: the policy's paired difference of the day's ``kpi`` from the
    baseline, followed by ``unit``."""
    if comparison is None or comparison.empty:
        return ""
    rows = comparison[
        (comparison["policy"] == policy)
        & (comparison["contact_type"] == ALL)
        & (comparison["group"] == ALL)
    ]
    if rows.empty or _isnan(rows[f"diff_{kpi}"].iloc[0]):
        return ""
    return f" ({_signed(float(rows[f'diff_{kpi}'].iloc[0]), kind)}{unit})"


def console_summary(
    scenario: Scenario,
    summary: pd.DataFrame,
    per_replication: pd.DataFrame,
    comparison: pd.DataFrame | None,
    report: Path,
) -> list[str]:
    """The end-of-run lines: the baseline (the day's service level over all contacts with
    its CI, the cost per day, then each channel's headline on its own line), the policies
    ranked as in the report with their change from the baseline and each channel's
    headline in one line, and the path of ``report``. In a week run (``scenario.day_names``)
    the figures are the week's and say so ("a week").

    ``summary``, ``per_replication`` and ``comparison`` are the run's summary, replication
    and comparison tables (``comparison`` ``None`` with one policy). Channel headlines are
    :func:`sim.report.channels.channel_summary`'s: voice and chat by service level, ASA
    and abandonment, email by service level and mean response time.
    """
    totals = _totals(summary)
    costs = _has_costs(totals)
    currency = scenario.costs.currency
    by_channel = channel_summary(channel_replications(scenario, per_replication))
    baseline = _baseline_policy(summary, comparison)
    base = totals[totals["policy"] == baseline].iloc[0]
    day = period(scenario)  # a week's figures are the week's
    cost = f"; {_fmt(base['cost'], 'money')} {currency} a {day}" if costs else ""
    lines = [
        f"baseline {baseline}: service level {_with_ci(base, 'service_level', 'pct')} over all "
        f"contacts{cost}"
    ]
    own = by_channel[by_channel["policy"] == baseline]
    lines += [f"  {_channel_words(row)}" for _, row in own.iterrows()]
    if len(totals) > 1:
        legend = "; ".join(
            f"{c}: " + " / ".join(label for _, label, _ in HEADLINE_KPIS[c])
            for c in dict.fromkeys(by_channel["contact_type"])
        )
        lines.append(
            f"policies ranked by the {day}'s service level over all contacts (change from "
            f"{baseline} in brackets); per channel, {legend}"
        )
        for rank, (_, row) in enumerate(_ranked(totals).iterrows(), start=1):
            policy = row["policy"]
            text = f"  {rank}. {policy}: {_fmt(row['service_level'], 'pct')}"
            text += _change(comparison, policy, "service_level", "pts", " points")
            if costs:
                text += f", {_fmt(row['cost'], 'money')} {currency} a {day}"
                text += _change(comparison, policy, "cost", "money")
            mine = by_channel[by_channel["policy"] == policy]
            lines.append(text + " | " + " | ".join(_channel_short(r) for _, r in mine.iterrows()))
    lines.append(f"report: {report}")
    return lines
