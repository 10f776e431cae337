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
from .records import ALL
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


def _panels(count: int, title: str) -> tuple[Figure, list]:
    cols = min(3, count)
    rows = math.ceil(count / cols)
    fig = Figure(figsize=(5.2 * cols, 3.6 * rows + 0.8), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel().tolist()
    for ax in axes[count:]:
        ax.set_visible(False)
    fig.suptitle(title)
    return fig, axes[:count]


def _plot_kpi(ax, rows: pd.DataFrame, kpi: str, lines: dict[str, float]) -> None:
    for policy, group in rows.groupby("policy", sort=False):
        x = group["interval"].to_numpy()
        ax.plot(x, group[kpi], marker="o", markersize=2.5, label=f"{policy} (mean)")
        ax.fill_between(
            x, group[f"{kpi}_ci_low"], group[f"{kpi}_ci_high"], alpha=0.2, label=f"{policy} 95% CI"
        )
    styles = iter([("black", "--"), ("tab:red", ":"), ("tab:green", "-.")])
    for label, value in lines.items():
        color, style = next(styles)
        ax.axhline(value, color=color, linestyle=style, linewidth=1.2, label=label)
    first = rows.drop_duplicates("interval")
    step = max(1, len(first) // 6)
    ax.set_xticks(first["interval"].to_numpy()[::step], first["interval_start"].to_numpy()[::step])
    ax.grid(alpha=0.3)


def _legend(fig: Figure, ax) -> None:
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(
        handles, labels, fontsize="small", loc="outside lower center", ncols=min(6, len(labels))
    )


def _service_level_figure(scenario: Scenario, intervals: pd.DataFrame) -> Figure:
    types = scenario.contact_types
    fig, axes = _panels(
        len(types), "Service level per interval (answered within threshold / offered)"
    )
    ref = analytic_reference(scenario)
    for ax, t in zip(axes, types, strict=True):
        rows = intervals[(intervals["contact_type"] == t.name) & (intervals["group"] == ALL)]
        sl = t.service_level
        lines = {"target": sl.target}
        if ref is not None:
            lines[f"{ref['model']}"] = ref["service_level"]
        _plot_kpi(ax, rows, "service_level", lines)
        ax.set_title(
            f"{t.name} ({t.channel}, {_duration(sl.threshold_seconds)})", fontsize="medium"
        )
        ax.set_ylim(-0.02, 1.02)
    _legend(fig, axes[0])
    return fig


def _occupancy_figure(scenario: Scenario, intervals: pd.DataFrame) -> Figure:
    groups = scenario.groups
    fig, axes = _panels(len(groups), "Occupancy per interval (busy / logged-in time)")
    ref = analytic_reference(scenario)
    for ax, g in zip(axes, groups, strict=True):
        rows = intervals[(intervals["contact_type"] == ALL) & (intervals["group"] == g.name)]
        lines = {f"{ref['model']}": ref["occupancy"]} if ref is not None else {}
        _plot_kpi(ax, rows, "occupancy", lines)
        ax.set_title(g.name, fontsize="medium")
        ax.set_ylim(-0.02, 1.02)
    _legend(fig, axes[0])
    return fig


def _staffing_figure(intervals: pd.DataFrame, windows=None) -> Figure:
    """Forecast vs offered, scheduled vs logged-in vs available agents; ``windows`` are
    (first interval, end interval, label) spans to shade (surges, outages)."""
    fig = Figure(figsize=(10, 4.5), layout="constrained")
    ax = fig.add_subplot()
    total = intervals[(intervals["contact_type"] == ALL) & (intervals["group"] == ALL)]
    base = total[total["policy"] == total["policy"].iloc[0]]
    x = base["interval"].to_numpy()
    ax.bar(x, base["forecast"], color="tab:gray", alpha=0.4, label="forecast contacts")
    ax.plot(x, base["offered"], color="tab:blue", marker="o", markersize=3, label="offered (mean)")
    ax.set_ylabel("contacts per interval")
    ax2 = ax.twinx()
    ax2.step(
        x, base["scheduled_agents"], where="mid", color="tab:orange", label="scheduled on the phone"
    )
    ax2.plot(
        x, base["agents_logged_in"], color="tab:red", linestyle=":", label="agents logged in (mean)"
    )
    ax2.plot(
        x,
        base["agents_available"],
        color="tab:green",
        linestyle="--",
        label="available: off breaks, activities (mean)",
    )
    ax2.set_ylabel("agents")
    ax.set_ylim(bottom=0)
    ax2.set_ylim(bottom=0)
    step = max(1, len(x) // 12)
    ax.set_xticks(x[::step], base["interval_start"].to_numpy()[::step])
    ax.set_title("Demand and staffing per interval, all contact types and groups")
    for start, end, label in windows or ():
        ax.axvspan(start - 0.5, end - 0.5, color="tab:purple", alpha=0.12)
        ax.text(start - 0.4, ax.get_ylim()[1] * 0.95, label, fontsize="small", va="top")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    fig.legend(h1 + h2, l1 + l2, fontsize="small", loc="outside lower center", ncols=5)
    return fig


def _fixed_windows(scenario: Scenario) -> list[tuple[float, float, str]]:
    """Outage and surge windows known in advance, in interval units, for shading."""
    length = scenario.interval_seconds
    spans = []
    for outage in scenario.outages:
        if outage.start is not None and outage.duration is not None:
            spans.append(
                (outage.start / length, (outage.start + outage.duration) / length, outage.kind)
            )
    for surge in scenario.demand.surges:
        if surge.latest_start is None and surge.probability == 1:
            first = surge.start // length
            spans.append((first, first + len(surge.profile), "surge"))
    return spans


def render_figures(scenario: Scenario, intervals: pd.DataFrame, folder: Path) -> list[Path]:
    """Write service level (per type), occupancy (per group) and staffing figures as PNG."""
    folder.mkdir(parents=True, exist_ok=True)
    figures = {
        "service_level.png": _service_level_figure(scenario, intervals),
        "occupancy.png": _occupancy_figure(scenario, intervals),
        "staffing.png": _staffing_figure(intervals, _fixed_windows(scenario)),
    }
    paths = []
    for name, fig in figures.items():
        path = folder / name
        fig.savefig(path, dpi=100)
        paths.append(path)
    return paths


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
    return f"{value:,.1f}"


def _with_ci(row: pd.Series, kpi: str, kind: str) -> str:
    low, high = row[f"{kpi}_ci_low"], row[f"{kpi}_ci_high"]
    if isinstance(low, float) and math.isnan(low):
        return _fmt(row[kpi], kind)
    return f"{_fmt(row[kpi], kind)} ({_fmt(low, kind)} to {_fmt(high, kind)})"


_TYPE_COLUMNS = (
    ("offered", "offered / day", "num"),
    ("service_level", "service level", "pct"),
    ("asa_seconds", "ASA", "sec"),
    ("abandon_rate", "abandoned", "pct"),
    ("waiting_at_end", "left waiting at close", "num"),
)
_GROUP_COLUMNS = (
    ("agents_logged_in", "agents logged in (avg)", "num"),
    ("answered", "answered / day", "num"),
    ("aht_seconds", "AHT", "sec"),
    ("occupancy", "occupancy", "pct"),
)
_SCHEDULE_COLUMNS = (
    ("agents_available", "available (avg)", "num"),
    ("adherence", "adherence", "pct"),
    ("shrinkage_planned", "planned shrinkage", "pct"),
    ("shrinkage_unplanned", "unplanned shrinkage", "pct"),
)


def _table(rows: pd.DataFrame, label: str, key: str, columns) -> list[str]:
    lines = [
        f"| policy | {label} | " + " | ".join(c[1] for c in columns) + " |",
        "|---|---" * 1 + "|---" * len(columns) + "|",
    ]
    for _, row in rows.iterrows():
        cells = [_with_ci(row, kpi, kind) for kpi, _, kind in columns]
        lines.append(f"| {row['policy']} | {row[key]} | " + " | ".join(cells) + " |")
    return lines


def _assumptions(scenario: Scenario, replications: int, seed: int) -> list[str]:
    first = scenario.warmup_intervals
    measured = scenario.intervals - first
    lines = [
        "## Assumptions",
        f"- Measured day: {measured} intervals of {scenario.interval_seconds / 60:g} min, "
        f"{scenario.interval_label(first)} to {scenario.interval_label(scenario.intervals)}"
        + (f", after a warm-up of {first} intervals (simulated, not counted)" if first else "")
        + ".",
        f"- Routing: new contacts go to the {scenario.routing.agent_selection.replace('_', ' ')} agent; "
        f"freed agents choose by {scenario.routing.contact_selection.replace('_', ' ')}"
        + (f"; {scenario.trunks} voice lines." if scenario.trunks else "; no line limit."),
        f"- {replications} replications (simulated days) from seed {seed}; ranges are 95% confidence "
        "intervals of the mean over days.",
        "",
        "| contact type | channel | forecast / day | talk time | wrap-up | patience | service level goal |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in scenario.contact_types:
        sl = t.service_level
        overflow = "; ".join(
            f"after {s.after_seconds:g} s also {', '.join(s.groups)}" for s in t.overflow
        )
        lines.append(
            f"| {t.name} | {t.channel} | {sum(t.forecast[first:]):,.0f} | {t.handle_time.describe()} | "
            f"{t.wrap_up.describe() if t.wrap_up else 'none'} | "
            f"{t.patience.describe() if t.patience else 'never abandons'} | "
            f"{sl.target:.0%} within {_duration(sl.threshold_seconds)}"
            + (f"; {overflow}" if overflow else "")
            + " |"
        )
    lines += ["", "| group | skills (level, proficiency) | agent-hours |", "|---|---|---|"]
    for g in scenario.groups:
        skills = ", ".join(f"{s.contact_type} ({s.level}, x{s.proficiency:g})" for s in g.skills)
        if g.chat_concurrency > 1:
            skills += f"; up to {g.chat_concurrency} chats"
        hours = sum(g.staffing[first:]) * scenario.interval_seconds / 3600
        lines.append(f"| {g.name} | {skills} | {hours:,.1f} |")
    return lines


def render_report(
    scenario: Scenario, summary: pd.DataFrame, intervals: pd.DataFrame, replications: int, seed: int
) -> str:
    """A short Markdown report a manager can read: assumptions, results with CIs, weak spots."""
    lines = [f"# ccsim run: scenario `{scenario.name}`", "", scenario.description or "", ""]
    lines += _assumptions(scenario, replications, seed)
    by_type = summary[summary["group"] == ALL]
    if len(scenario.contact_types) == 1:  # the "all" row would repeat the only type
        by_type = by_type[by_type["contact_type"] != ALL]
    by_group = summary[(summary["contact_type"] == ALL) & (summary["group"] != ALL)]
    lines += [
        "",
        "## Results per day: contact types",
        *_table(by_type, "contact type", "contact_type", _TYPE_COLUMNS),
    ]
    scheduled = any(g.scheduled for g in scenario.groups)
    group_columns = _GROUP_COLUMNS + (_SCHEDULE_COLUMNS if scheduled else ())
    lines += ["", "## Results per day: groups", *_table(by_group, "group", "group", group_columns)]
    ref = analytic_reference(scenario)
    if ref is not None:
        lines += [
            "",
            f"## Against queueing theory ({ref['model']})",
            "| KPI | theory | simulated (95% CI) |",
            "|---|---|---|",
        ]
        row = summary[(summary["contact_type"] == ALL) & (summary["group"] == ALL)].iloc[0]
        for kpi, kind in (
            ("service_level", "pct"),
            ("asa_seconds", "sec"),
            ("wait_probability", "pct"),
            ("abandon_rate", "pct"),
            ("occupancy", "pct"),
        ):
            lines.append(f"| {kpi} | {_fmt(ref[kpi], kind)} | {_with_ci(row, kpi, kind)} |")
    lines += ["", "## Intervals below target"]
    for policy, rows in intervals[intervals["group"] == ALL].groupby("policy", sort=False):
        for t in scenario.contact_types:
            own = rows[rows["contact_type"] == t.name]
            below = own[own["service_level"] < t.service_level.target]
            if below.empty:
                continue
            worst = below.nsmallest(3, "service_level")
            listed = ", ".join(
                f"{r.interval_start} ({r.service_level:.0%})" for r in worst.itertuples()
            )
            lines.append(
                f"- `{policy}`, {t.name}: {len(below)} of {len(own)} intervals; worst: {listed}."
            )
    if lines[-1] == "## Intervals below target":
        lines.append("- none: every contact type meets its target in every interval on average.")
    lines += [
        "",
        "## Files",
        "- `summary.csv`: one row per policy, contact type (`all` = every type) and group "
        "(`all` = every group); each KPI with `_ci_low` / `_ci_high`.",
        "- `replications.csv`: the same per replication (simulated day); `intervals.csv`: per interval.",
        "- `agents.csv` (agents on shifts): adherence and shrinkage per agent.",
        "- `figures/`: service level per contact type, occupancy per group, demand and staffing.",
        "- `.hydra/config.yaml`: the resolved configuration of this run.",
        "",
    ]
    return "\n".join(lines)
