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

__all__ = ["analytic_reference"]


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


def _fmt(value: float, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
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
    low, high = row[f"{kpi}_ci_low"], row[f"{kpi}_ci_high"]
    if isinstance(low, float) and math.isnan(low):
        return _fmt(row[kpi], kind)
    return f"{_fmt(row[kpi], kind)} ({_fmt(low, kind)} to {_fmt(high, kind)})"


def _isnan(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
