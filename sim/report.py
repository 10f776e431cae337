"""Figures and the plain-language report of one run.

Built from the summary tables only (the model never calls this). Figures use matplotlib's
object API (no pyplot, no display needed).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from . import analytic
from .scenario import Scenario

__all__ = ["analytic_reference", "render_figures", "render_report"]


def analytic_reference(scenario: Scenario) -> dict[str, Any] | None:
    """Erlang C (no patience) or Erlang A values for an erlang scenario, else ``None``.

    Keys are KPI column names: service_level, asa_seconds, wait_probability, abandon_rate,
    occupancy, and the model's name under ``model``.
    """
    ref = scenario.reference
    if ref is None or scenario.trunks is not None:
        return None
    threshold = scenario.service_level.threshold_seconds
    if ref.mean_patience_seconds is None:
        load = ref.arrival_rate * ref.aht_seconds
        if load >= ref.agents:
            return None
        c = analytic.erlang_c_metrics(ref.agents, ref.arrival_rate, ref.aht_seconds, threshold)
        return {
            "model": "Erlang C",
            "service_level": c.service_level,
            "asa_seconds": c.asa_seconds,
            "wait_probability": c.p_wait,
            "abandon_rate": 0.0,
            "occupancy": c.occupancy,
        }
    a = analytic.erlang_a_metrics(
        ref.agents, ref.arrival_rate, ref.aht_seconds, ref.mean_patience_seconds, threshold
    )
    return {
        "model": "Erlang A",
        "service_level": a.service_level,
        "asa_seconds": a.asa_seconds,
        "wait_probability": a.p_wait,
        "abandon_rate": a.p_abandon,
        "occupancy": a.occupancy,
    }


def _interval_figure(
    intervals: pd.DataFrame, kpi: str, title: str, ylabel: str, lines: dict[str, float]
) -> Figure:
    fig = Figure(figsize=(10, 4.5), layout="constrained")
    ax = fig.add_subplot()
    for policy, group in intervals.groupby("policy", sort=True):
        x = group["interval"].to_numpy()
        ax.plot(x, group[kpi], marker="o", markersize=3, label=f"{policy} (mean)")
        ax.fill_between(
            x, group[f"{kpi}_ci_low"], group[f"{kpi}_ci_high"], alpha=0.2, label=f"{policy} 95% CI"
        )
    styles = iter([("black", "--"), ("tab:red", ":"), ("tab:green", "-.")])
    for label, value in lines.items():
        color, style = next(styles)
        ax.axhline(value, color=color, linestyle=style, linewidth=1.2, label=label)
    first = intervals.drop_duplicates("interval")
    step = max(1, len(first) // 12)
    ax.set_xticks(first["interval"].to_numpy()[::step], first["interval_start"].to_numpy()[::step])
    ax.set_xlabel("interval start")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    fig.legend(fontsize="small", loc="outside lower center", ncols=4)
    return fig


def _staffing_figure(intervals: pd.DataFrame) -> Figure:
    fig = Figure(figsize=(10, 4.5), layout="constrained")
    ax = fig.add_subplot()
    base = intervals[intervals["policy"] == sorted(intervals["policy"].unique())[0]]
    x = base["interval"].to_numpy()
    ax.bar(x, base["forecast"], color="tab:gray", alpha=0.4, label="forecast contacts")
    ax.plot(x, base["offered"], color="tab:blue", marker="o", markersize=3, label="offered (mean)")
    ax.set_ylabel("contacts per interval")
    ax2 = ax.twinx()
    ax2.step(x, base["scheduled_agents"], where="mid", color="tab:orange", label="scheduled agents")
    ax2.plot(
        x, base["agents_logged_in"], color="tab:red", linestyle=":", label="agents logged in (mean)"
    )
    ax2.set_ylabel("agents")
    ax.set_ylim(bottom=0)
    ax2.set_ylim(bottom=0)
    step = max(1, len(x) // 12)
    ax.set_xticks(x[::step], base["interval_start"].to_numpy()[::step])
    ax.set_title("Demand and staffing per interval")
    handles = ax.get_legend_handles_labels()
    handles2 = ax2.get_legend_handles_labels()
    ax.legend(
        handles[0] + handles2[0], handles[1] + handles2[1], fontsize="small", loc="upper left"
    )
    return fig


def render_figures(scenario: Scenario, intervals: pd.DataFrame, folder: Path) -> list[Path]:
    """Write service level, occupancy and staffing figures (PNG) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    sl = scenario.service_level
    ref = analytic_reference(scenario)
    sl_lines = {f"target {sl.target:.0%}": sl.target}
    occ_lines: dict[str, float] = {}
    if ref is not None:
        sl_lines[f"{ref['model']} service level"] = ref["service_level"]
        occ_lines[f"{ref['model']} occupancy"] = ref["occupancy"]
    figures = {
        "service_level.png": _interval_figure(
            intervals,
            "service_level",
            f"Service level per interval (answered within {sl.threshold_seconds:g} s / offered)",
            "service level",
            sl_lines,
        ),
        "occupancy.png": _interval_figure(
            intervals,
            "occupancy",
            "Occupancy per interval (busy / logged-in time)",
            "occupancy",
            occ_lines,
        ),
        "staffing.png": _staffing_figure(intervals),
    }
    paths = []
    for name, fig in figures.items():
        path = folder / name
        fig.savefig(path, dpi=110)
        paths.append(path)
    return paths


def _fmt(value: float, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if kind == "pct":
        return f"{value:.1%}"
    if kind == "sec":
        return f"{value:.1f} s"
    return f"{value:,.1f}"


def _with_ci(row: pd.Series, kpi: str, kind: str) -> str:
    low, high = row[f"{kpi}_ci_low"], row[f"{kpi}_ci_high"]
    if isinstance(low, float) and math.isnan(low):
        return _fmt(row[kpi], kind)
    return f"{_fmt(row[kpi], kind)} ({_fmt(low, kind)} to {_fmt(high, kind)})"


_SUMMARY_COLUMNS = (
    ("service_level", "service level", "pct"),
    ("asa_seconds", "ASA", "sec"),
    ("abandon_rate", "abandoned", "pct"),
    ("occupancy", "occupancy", "pct"),
    ("offered", "offered / day", "num"),
)


def render_report(
    scenario: Scenario, summary: pd.DataFrame, intervals: pd.DataFrame, replications: int, seed: int
) -> str:
    """A short Markdown report a manager can read: assumptions, results with CIs, weak spots."""
    sl = scenario.service_level
    measured = scenario.intervals - scenario.warmup_intervals
    start = scenario.interval_label(scenario.warmup_intervals)
    end = scenario.interval_label(scenario.intervals)
    first = scenario.warmup_intervals
    agent_hours = sum(scenario.staffing[first:]) * scenario.interval_seconds / 3600
    lines = [
        f"# ccsim run: scenario `{scenario.name}`",
        "",
        scenario.description or "",
        "",
        "## Assumptions",
        f"- Measured day: {measured} intervals of {scenario.interval_seconds / 60:g} min, {start} to {end}"
        + (
            f" (after a warm-up of {scenario.warmup_intervals} intervals, simulated but not counted)"
            if first
            else ""
        )
        + ".",
        f"- Forecast: {sum(scenario.forecast[first:]):,.0f} contacts; staffing: {agent_hours:,.1f} agent-hours.",
        f"- Talk time {scenario.handle_time.describe()}; wrap-up "
        + (scenario.wrap_up.describe() if scenario.wrap_up else "none")
        + "; patience "
        + (scenario.patience.describe() if scenario.patience else "unlimited (nobody abandons)")
        + "; "
        + (f"{scenario.trunks} lines." if scenario.trunks else "no line limit."),
        f"- Service level: answered within {sl.threshold_seconds:g} s over offered, target {sl.target:.0%}"
        + (
            f"; abandons within {sl.short_abandon_seconds:g} s not counted"
            if sl.short_abandon_seconds
            else ""
        )
        + ".",
        f"- {replications} replications (simulated days) from seed {seed}; ranges are 95% confidence "
        "intervals of the mean over days.",
        "",
        "## Results per day",
        "| policy | " + " | ".join(label for _, label, _ in _SUMMARY_COLUMNS) + " |",
        "|---" * (len(_SUMMARY_COLUMNS) + 1) + "|",
    ]
    for _, row in summary.iterrows():
        cells = [_with_ci(row, kpi, kind) for kpi, _, kind in _SUMMARY_COLUMNS]
        lines.append(f"| {row['policy']} | " + " | ".join(cells) + " |")
    ref = analytic_reference(scenario)
    if ref is not None:
        lines += [
            "",
            f"## Against queueing theory ({ref['model']})",
            "| KPI | theory | simulated (95% CI) |",
            "|---|---|---|",
        ]
        row = summary.iloc[0]
        for kpi, kind in (
            ("service_level", "pct"),
            ("asa_seconds", "sec"),
            ("wait_probability", "pct"),
            ("abandon_rate", "pct"),
            ("occupancy", "pct"),
        ):
            lines.append(f"| {kpi} | {_fmt(ref[kpi], kind)} | {_with_ci(row, kpi, kind)} |")
    lines += ["", "## Intervals below target"]
    for policy, group in intervals.groupby("policy", sort=True):
        below = group[group["service_level"] < sl.target]
        if below.empty:
            lines.append(f"- `{policy}`: none; every interval meets {sl.target:.0%} on average.")
            continue
        worst = below.nsmallest(5, "service_level")
        listed = ", ".join(
            f"{r.interval_start} ({r.service_level:.0%})" for r in worst.itertuples()
        )
        lines.append(f"- `{policy}`: {len(below)} of {len(group)} intervals; worst: {listed}.")
    lines += [
        "",
        "## Files",
        "- `summary.csv`: one row per policy, each KPI with `_ci_low` / `_ci_high`.",
        "- `replications.csv`: one row per policy and replication.",
        "- `intervals.csv`: KPIs per policy and interval (mean over replications, with CIs).",
        "- `figures/`: service level, occupancy, demand and staffing per interval.",
        "- `.hydra/config.yaml`: the resolved configuration of this run.",
        "",
    ]
    return "\n".join(lines)
