"""Shared pieces of the report and its figures: the day's totals, number formatting.

``analytic_reference`` gives the Erlang C or A values that
the report's theory section and the figures' reference lines both show.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from sim import analytic
from sim.core.scenario import Scenario
from sim.kpi.definitions import ALL

__all__ = ["analytic_reference", "period", "periods"]


def period(scenario: Scenario) -> str:
    """What one replication simulates, in words: ``week`` for a week's tables (its days
    laid end to end, ``scenario.day_names``), else ``day``. The report says "a day" or
    "a week" with it wherever a figure is one replication's."""
    return "week" if scenario.day_names else "day"


def periods(scenario: Scenario) -> str:
    """The plural of :func:`period`: ``days`` or ``weeks``."""
    return period(scenario) + "s"


def analytic_reference(scenario: Scenario) -> dict[str, Any] | None:
    """Erlang C (no patience) or Erlang A values for an erlang scenario, else ``None``.

    Keys are KPI column names: service_level, asa_seconds, wait_probability, abandon_rate,
    occupancy, and the model's name under ``model``.
    """
    ref = scenario.reference
    if ref is None or scenario.trunks is not None:
        return None
    threshold = scenario.contact_types[0].service_level.threshold_seconds
    if ref.mean_patience_seconds is None:
        if ref.arrival_rate * ref.aht_seconds >= ref.agents:
            return None
        c = analytic.erlang_c_metrics(ref.agents, ref.arrival_rate, ref.aht_seconds, threshold)
        values = (c.service_level, c.asa_seconds, c.p_wait, 0.0, c.occupancy)
        model = "Erlang C"
    else:
        a = analytic.erlang_a_metrics(
            ref.agents, ref.arrival_rate, ref.aht_seconds, ref.mean_patience_seconds, threshold
        )
        values = (a.service_level, a.asa_seconds, a.p_wait, a.p_abandon, a.occupancy)
        model = "Erlang A"
    keys = ("service_level", "asa_seconds", "wait_probability", "abandon_rate", "occupancy")
    return {"model": model, **dict(zip(keys, values, strict=True))}


def _totals(summary: pd.DataFrame) -> pd.DataFrame:
    """The day's totals (every contact type, every group): one row per policy."""
    return summary[(summary["contact_type"] == ALL) & (summary["group"] == ALL)]


def _replications_by_policy(summary: pd.DataFrame | None, actions: pd.DataFrame) -> dict:
    """Replications (simulated days) per policy, from the summary if given."""
    if summary is not None:
        totals = _totals(summary)
        return dict(zip(totals["policy"], totals["replications"].astype(int), strict=True))
    return {p: int(g["replication"].max()) + 1 for p, g in actions.groupby("policy", sort=False)}


def _ranked(totals: pd.DataFrame) -> pd.DataFrame:
    """The day's totals in ranking order: service level (all contacts) highest first, then
    cheaper first on ties."""
    return totals.sort_values(["service_level", "cost"], ascending=[False, True])


def _baseline_policy(summary: pd.DataFrame, comparison: pd.DataFrame | None) -> str:
    """The comparison's baseline; without one, ``none`` if it ran, else the first policy."""
    if comparison is not None and not comparison.empty:
        return str(comparison["baseline"].iloc[0])
    policies = list(dict.fromkeys(summary["policy"]))
    return "none" if "none" in policies else policies[0]


def _baseline_label(baseline: str) -> str:
    """The baseline policy in words: ``no intervention`` for ``none``."""
    return "no intervention" if baseline == "none" else f"`{baseline}`"


def _has_costs(totals: pd.DataFrame) -> bool:
    """Whether some policy's day costs anything (cost rates are set)."""
    return "cost" in totals.columns and bool((totals["cost"].fillna(0.0) != 0.0).any())


def _draws_cost_figure(summary: pd.DataFrame) -> bool:
    """The cost figure is drawn when some cost is non-zero or several policies ran."""
    totals = _totals(summary)
    return "cost" in totals.columns and (len(totals) > 1 or _has_costs(totals))


_ACTION_WORDS = {
    "call_overtime": "overtime called",
    "offer_vto": "voluntary time off offered",
    "offer_callbacks": "callback offers switched on or off",
    "outsource": "overflow to the outsourcer switched on or off",
    "cancel_item": "off-phone activity cancelled",
    "postpone_item": "break or activity postponed",
    "set_preference": "skill priority changed",
}


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:g} h"
    return f"{seconds / 60:g} min" if seconds >= 600 else f"{seconds:g} s"


#: A wait shown in seconds below 10 minutes, in minutes below 2 hours, else in hours.
_WAIT_UNITS = ((600.0, 1.0, "s"), (7200.0, 60.0, "min"), (math.inf, 3600.0, "h"))


def _wait_unit(seconds: float) -> tuple[float, str]:
    """The divisor and unit to show a wait of ``seconds`` in (an email's hours, a call's s)."""
    for below, scale, unit in _WAIT_UNITS:
        if _isnan(seconds) or abs(seconds) < below:
            return scale, unit
    return _WAIT_UNITS[-1][1:]


def _fmt(value: float, kind: str, unit: tuple[float, str] | None = None) -> str:
    """``value`` for a table cell: ``pct``, ``sec``, ``wait`` (in the ``unit`` given, else
    the value's own, see :func:`_wait_unit`), ``money``, ``money2`` or a number."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if kind == "wait":
        scale, name = unit or _wait_unit(value)
        return f"{value / scale:,.1f} {name}"
    if kind == "pct":
        return f"{value:.1%}"
    if kind == "sec":
        return f"{value:.1f} s"
    if kind == "money":
        return f"{value:,.0f}"
    if kind == "money2":
        return f"{value:,.2f}"
    return f"{value:,.1f}"


def _with_ci(row: pd.Series, kpi: str, kind: str) -> str:
    """The mean with its CI, ``12.0 s (9.5 s to 14.5 s)``; a wait in the mean's unit."""
    low, high = row[f"{kpi}_ci_low"], row[f"{kpi}_ci_high"]
    unit = _wait_unit(row[kpi]) if kind == "wait" else None
    if isinstance(low, float) and math.isnan(low):
        return _fmt(row[kpi], kind, unit)
    return f"{_fmt(row[kpi], kind, unit)} ({_fmt(low, kind, unit)} to {_fmt(high, kind, unit)})"


_SIGNED = {"pts": (100.0, 1), "sec": (1.0, 1), "money": (1.0, 0), "money2": (1.0, 2)}


def _signed(value: float, kind: str, sign: bool = True) -> str:
    """A difference in display units (points, seconds, money), signed unless ``sign`` is off."""
    if _isnan(value):
        return "n/a"
    scale, digits = _SIGNED[kind]
    shown = round(value * scale, digits) + 0.0  # no "-0.0"
    return f"{shown:+,.{digits}f}" if sign else f"{abs(shown):,.{digits}f}"


def _direction(row: pd.Series, kpi: str) -> str:
    """``up`` / ``down`` when the CI of the difference excludes 0, ``zero`` when it contains
    0, ``unknown`` when it is undefined (fewer than two paired days)."""
    low, high = row[f"diff_{kpi}_ci_low"], row[f"diff_{kpi}_ci_high"]
    if _isnan(low) or _isnan(high):
        return "unknown"
    return "up" if low > 0 else "down" if high < 0 else "zero"


def _isnan(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
