"""The report's opening views, one per reader: the executive's (the day's, or week's, cost, service
level, chance of missing the target, demand against the forecast), the supervisor's (per group:
adherence, handle time, shrinkage, occupancy, fatigue) and the analyst's (the alerts by interval).

Built from the summary table and the alerts (:mod:`sim.report.alerts`); the sections after
them give the detail.
"""

from __future__ import annotations

import math

import pandas as pd

from sim.core.scenario import Scenario
from sim.kpi.definitions import ALL
from sim.report.against_plan import demand_forecast
from sim.report.formatting import _fmt, _ranked, _totals, _with_ci, period

__all__ = ["ANALYST_ALERTS_SHOWN", "views_section"]

#: How many of the baseline's analyst alerts the report lists (``alerts.csv`` has all).
ANALYST_ALERTS_SHOWN = 8


def _alert_lines(alerts: pd.DataFrame, who: str, policy: str) -> list[str]:
    mine = alerts[(alerts["who"] == who) & (alerts["policy"] == policy)]
    return [f"- **{r.time}** {r.message}" for r in mine.itertuples(index=False)]


def _day_alerts(alerts: pd.DataFrame, who: str, policy: str) -> list[str]:
    """The day's (week's) alerts for ``who`` under ``policy``, or a line saying there are none."""
    said = _alert_lines(alerts, who, policy)
    return ["", *(said or [f"No {who} alert for `{policy}`."]), ""]


def _executive(
    scenario: Scenario, summary: pd.DataFrame, alerts: pd.DataFrame, baseline: str
) -> list[str]:
    money, day = scenario.costs.currency, period(scenario)
    lines = [
        "## For executives",
        "",
        f"| policy | cost a {day} ({money}) | service level, all contacts (95% CI) | chance a {day} "
        f"misses the {scenario.service_level_target:.0%} target | demand against forecast |",
        "|---|---|---|---|---|",
    ]
    forecast = sum(demand_forecast(scenario).values())
    for _, row in _ranked(_totals(summary)).iterrows():
        demand = float(row["offered"]) / forecast - 1.0 if forecast > 0 else math.nan
        lines.append(
            f"| {row['policy']} | {_fmt(row['cost'], 'money')} | "
            f"{_with_ci(row, 'service_level', 'pct')} | {_fmt(row['missed_target'], 'pct')} | "
            f"{'n/a' if math.isnan(demand) else f'{demand:+.1%}'} |"
        )
    return [*lines, *_day_alerts(alerts, "executive", baseline)]


def _fatigue(scenario: Scenario, row: pd.Series) -> str:
    """A group's ``fatigue_minutes``, or ``off`` where its fatigue is not modelled."""
    group = next((g for g in scenario.groups if g.name == row["group"]), None)
    if group is None or group.fatigue is None or "fatigue_minutes" not in row:
        return "off"
    return _fmt(row["fatigue_minutes"], "num")


def _supervisor(
    scenario: Scenario, summary: pd.DataFrame, alerts: pd.DataFrame, baseline: str
) -> list[str]:
    groups = summary[
        (summary["policy"] == baseline)
        & (summary["contact_type"] == ALL)
        & (summary["group"] != ALL)
    ]
    lines = [
        "## For supervisors",
        "",
        f"Per group, policy `{baseline}` (adherence and shrinkage: agents on shifts only):",
        "",
        "| group | adherence | AHT | shrinkage (planned + unplanned) | occupancy "
        f"| fatigue (agent-minutes a {period(scenario)} above its threshold) |",
        "|---|---|---|---|---|---|",
    ]
    for _, row in groups.iterrows():
        planned, unplanned = float(row["shrinkage_planned"]), float(row["shrinkage_unplanned"])
        shrinkage = (
            planned + unplanned if not (math.isnan(planned) or math.isnan(unplanned)) else math.nan
        )
        lines.append(
            f"| {row['group']} | {_fmt(row['adherence'], 'pct')} | {_fmt(row['aht_seconds'], 'sec')} "
            f"| {_fmt(shrinkage, 'pct')} | {_fmt(row['occupancy'], 'pct')} "
            f"| {_fatigue(scenario, row)} |"
        )
    return [*lines, *_day_alerts(alerts, "supervisor", baseline)]


def _analyst(scenario: Scenario, alerts: pd.DataFrame, baseline: str) -> list[str]:
    said = _alert_lines(alerts, "analyst", baseline)
    lines = ["## For the realtime analyst", ""]
    if not said:
        return [*lines, f"No interval alert for `{baseline}`.", ""]
    shown = said[:ANALYST_ALERTS_SHOWN]
    lines += [
        f"Alerts by interval for `{baseline}` on the expected {period(scenario)}:",
        "",
        *shown,
    ]
    if len(said) > len(shown):
        lines.append(f"- ... and {len(said) - len(shown)} more in `alerts.csv`")
    others = alerts[(alerts["who"] == "analyst") & (alerts["policy"] != baseline)]
    if not others.empty:
        counts = others.groupby("policy", sort=False).size()
        lines += [
            "",
            "Interval alerts of the other policies: "
            + ", ".join(f"`{p}` {n}" for p, n in counts.items())
            + f" (`{baseline}`: {len(said)}).",
        ]
    return [*lines, ""]


def views_section(
    scenario: Scenario, summary: pd.DataFrame, alerts: pd.DataFrame, baseline: str
) -> list[str]:
    """The three views (see the module), the baseline's alerts in each; thresholds as
    ``alerts.*`` set them, every alert in ``alerts.csv``."""
    return [
        *_executive(scenario, summary, alerts, baseline),
        *_supervisor(scenario, summary, alerts, baseline),
        *_analyst(scenario, alerts, baseline),
    ]
