"""``alerts.csv``: where the simulated days cross the thresholds of ``alerts.*``, and who
is told (analyst, supervisor, executive).

Alerts are read off the run's tables, that is off the expected day (the mean over the
simulated days, per policy): they say where a plan is expected to need attention, not how
often a threshold is crossed on a single day.

* analyst, per interval and live (voice, chat) contact type: ``service_level_below_target``
  (the service level below the type's target for ``intervals_below_target`` intervals
  running; raised once per run of intervals, at the interval that completes it),
  ``queue_length_above`` (mean contacts waiting), ``longest_wait_above``;
* supervisor, per group over the day: ``adherence_below_floor`` (agents on shifts only),
  ``occupancy_above_ceiling`` (not for chat groups holding several chats at once, whose
  occupancy is near 1 whatever the load);
* executive, over the day: ``missed_target_chance_above`` (all contacts: the share of days
  below the scenario's target), ``forecast_error_above_band`` (per contact type: the day's
  offered contacts against the forecast's total, offered / forecast - 1, redials and
  repeats included; at the day's level, not per interval, where Poisson noise alone makes
  a small queue's error large).

In a week run (``scenario.days``) the tables are the week's: its day-level alerts speak of
the week (``time`` ``week``).
"""

from __future__ import annotations

import math

import pandas as pd

from sim.core.alerts import AlertThresholds
from sim.core.scenario import Scenario
from sim.kpi.definitions import ALL
from sim.report.against_plan import demand_forecast
from sim.report.formatting import period

__all__ = ["ALERT_COLUMNS", "alerts_table"]

#: The columns of ``alerts.csv``, in order (``time``: the interval's start, or ``day``;
#: ``week`` in a week run, whose figures are the week's).
ALERT_COLUMNS = [
    "policy",
    "time",
    "who",
    "what",
    "contact_type",
    "group",
    "value",
    "threshold",
    "message",
]


def _alert(policy, time, who, what, contact_type, group, value, threshold, message) -> dict:
    return dict(
        zip(
            ALERT_COLUMNS,
            (policy, time, who, what, contact_type, group, float(value), float(threshold), message),
            strict=True,
        )
    )


def _analyst(scenario: Scenario, intervals: pd.DataFrame, limits: AlertThresholds) -> list[dict]:
    found = []
    live = [t for t in scenario.contact_types if t.channel != "email"]
    for policy, rows in intervals.groupby("policy", sort=False):
        for kind in live:
            mine = rows[(rows["contact_type"] == kind.name) & (rows["group"] == ALL)]
            mine = mine.sort_values("interval")
            target = kind.service_level.target
            running = 0
            for row in mine.itertuples(index=False):
                level = float(row.service_level)
                running = running + 1 if level < target else 0
                if running == limits.intervals_below_target:
                    found.append(
                        _alert(
                            policy,
                            row.interval_start,
                            "analyst",
                            "service_level_below_target",
                            kind.name,
                            ALL,
                            level,
                            target,
                            f"{kind.name}: service level {level:.1%} below its {target:.0%} target "
                            f"for {running} intervals running",
                        )
                    )
                for column, what, limit, unit in (
                    ("queue_length", "queue_length_above", limits.queue_length, "waiting"),
                    (
                        "longest_wait_seconds",
                        "longest_wait_above",
                        limits.longest_wait_seconds,
                        "s longest wait",
                    ),
                ):
                    value = float(getattr(row, column))
                    if not math.isnan(value) and value > limit:
                        found.append(
                            _alert(
                                policy,
                                row.interval_start,
                                "analyst",
                                what,
                                kind.name,
                                ALL,
                                value,
                                limit,
                                f"{kind.name}: {value:.1f} {unit} (limit {limit:g})",
                            )
                        )
    return found


def _supervisor(scenario: Scenario, summary: pd.DataFrame, limits: AlertThresholds) -> list[dict]:
    found = []
    groups = summary[(summary["contact_type"] == ALL) & (summary["group"] != ALL)]
    # An agent holding one chat of several counts as busy: a chat group's occupancy is near
    # 1 whatever its load, so it raises no occupancy alert.
    chat = {g.name for g in scenario.groups if g.chat_concurrency > 1}
    for row in groups.itertuples(index=False):
        adherence = float(row.adherence)
        if not math.isnan(adherence) and adherence < limits.adherence_floor:
            found.append(
                _alert(
                    row.policy,
                    period(scenario),
                    "supervisor",
                    "adherence_below_floor",
                    ALL,
                    row.group,
                    adherence,
                    limits.adherence_floor,
                    f"{row.group}: adherence {adherence:.1%} below {limits.adherence_floor:.0%}",
                )
            )
        occupancy = float(row.occupancy)
        if row.group in chat or math.isnan(occupancy):
            continue
        if occupancy > limits.occupancy_ceiling:
            found.append(
                _alert(
                    row.policy,
                    period(scenario),
                    "supervisor",
                    "occupancy_above_ceiling",
                    ALL,
                    row.group,
                    occupancy,
                    limits.occupancy_ceiling,
                    f"{row.group}: occupancy {occupancy:.1%} above {limits.occupancy_ceiling:.0%}",
                )
            )
    return found


def _executive(scenario: Scenario, summary: pd.DataFrame, limits: AlertThresholds) -> list[dict]:
    found = []
    day = period(scenario)  # a week run's figures are the week's
    totals = summary[(summary["contact_type"] == ALL) & (summary["group"] == ALL)]
    for row in totals.itertuples(index=False):
        chance = float(row.missed_target)
        if chance > limits.missed_target_chance:
            found.append(
                _alert(
                    row.policy,
                    day,
                    "executive",
                    "missed_target_chance_above",
                    ALL,
                    ALL,
                    chance,
                    limits.missed_target_chance,
                    f"the {day} misses the {scenario.service_level_target:.0%} target on "
                    f"{chance:.0%} of {day}s (limit {limits.missed_target_chance:.0%})",
                )
            )
    forecast = demand_forecast(scenario)
    types = summary[(summary["contact_type"] != ALL) & (summary["group"] == ALL)]
    for row in types.itertuples(index=False):
        expected = forecast.get(row.contact_type, 0.0)
        if expected <= 0:
            continue
        error = float(row.offered) / expected - 1.0
        if abs(error) > limits.forecast_error_band:
            found.append(
                _alert(
                    row.policy,
                    day,
                    "executive",
                    "forecast_error_above_band",
                    row.contact_type,
                    ALL,
                    error,
                    limits.forecast_error_band,
                    f"{row.contact_type}: {float(row.offered):,.0f} contacts a {day} against "
                    f"{expected:,.0f} forecast ({error:+.0%}, band ±"
                    f"{limits.forecast_error_band:.0%})",
                )
            )
    return found


def alerts_table(
    scenario: Scenario,
    summary: pd.DataFrame,
    intervals: pd.DataFrame,
    limits: AlertThresholds,
) -> pd.DataFrame:
    """``alerts.csv`` (see the module): per policy in the tables' order, executive alerts
    first, then supervisor, then analyst (by interval)."""
    rows = [
        *_executive(scenario, summary, limits),
        *_supervisor(scenario, summary, limits),
        *_analyst(scenario, intervals, limits),
    ]
    table = pd.DataFrame(rows, columns=ALERT_COLUMNS)
    order = {p: i for i, p in enumerate(dict.fromkeys(summary["policy"]))}
    rank = {"executive": 0, "supervisor": 1, "analyst": 2}
    return table.sort_values(
        ["policy", "who", "time"],
        key=lambda c: (
            c.map(order) if c.name == "policy" else (c.map(rank) if c.name == "who" else c)
        ),
        kind="stable",
        ignore_index=True,
    )
