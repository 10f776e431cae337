"""Figures of one run, as PNG files: service level, occupancy, staffing, cost, actions.

Built from the summary tables only (the model never calls this), with matplotlib's object
API (no pyplot, no display needed). Each policy keeps its colour in every figure.
"""

from __future__ import annotations

import math
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, PercentFormatter

from sim.core.scenario import Scenario
from sim.experiment.run_folder import atomic_write
from sim.kpi.definitions import ALL
from sim.report.formatting import (
    _ACTION_WORDS,
    _draws_cost_figure,
    _duration,
    _replications_by_policy,
    _totals,
    analytic_reference,
)

__all__ = ["render_figures", "save_png"]


def _panels(count: int, title: str) -> tuple[Figure, list]:
    cols = min(3, count)
    rows = math.ceil(count / cols)
    fig = Figure(figsize=(max(7.0, 5.2 * cols), 3.6 * rows + 0.8), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel().tolist()
    for ax in axes[count:]:
        ax.set_visible(False)
    fig.suptitle(title)
    return fig, axes[:count]


_PALETTE = (
    "tab:blue",
    "tab:orange",
    "tab:green",
    "tab:red",
    "tab:purple",
    "tab:brown",
    "tab:pink",
    "tab:gray",
    "tab:olive",
    "tab:cyan",
)
_DASHES = ("-", "--", "-.", ":")


def _policy_style(index: int) -> dict[str, str]:
    """Colour and line style of the ``index``-th policy of a run, the same in every figure."""
    return {"color": _PALETTE[index % len(_PALETTE)], "linestyle": _DASHES[index // 10 % 4]}


def _policy_order(frame: pd.DataFrame) -> list:
    """Policies in order of appearance, the baseline ``none`` first: fixes their colours."""
    policies = list(dict.fromkeys(frame["policy"]))
    return sorted(policies, key=lambda p: p != "none")


def _plot_kpi(ax, rows: pd.DataFrame, kpi: str, lines: dict[str, float], order: list) -> None:
    """One line (mean) and band (95% CI) per policy; ``order`` fixes each policy's colour.

    Bands fade as policies multiply, so that 6-9 of them stay readable."""
    alpha = 0.2 if len(order) <= 3 else 0.08
    for index, policy in enumerate(order):
        group = rows[rows["policy"] == policy]
        style = _policy_style(index)
        x = group["interval"].to_numpy()
        ax.plot(x, group[kpi], marker="o", markersize=2.5, linewidth=1.3, label=policy, **style)
        low, high = group[f"{kpi}_ci_low"], group[f"{kpi}_ci_high"]
        ax.fill_between(x, low, high, color=style["color"], alpha=alpha, linewidth=0)
    dashes = iter(["--", ":", "-."])
    for label, value in lines.items():
        ax.axhline(value, color="black", linestyle=next(dashes), linewidth=1.2, label=label)
    first = rows.drop_duplicates("interval")
    step = max(1, len(first) // 6)
    ax.set_xticks(first["interval"].to_numpy()[::step], first["interval_start"].to_numpy()[::step])
    ax.grid(alpha=0.3)


def _legend(fig: Figure, ax) -> None:
    """A legend below the panels in at most three rows, the figure widened if need be."""
    handles, labels = ax.get_legend_handles_labels()
    handles.append(Patch(color="gray", alpha=0.3, linewidth=0))
    labels.append("shaded: 95% CI")
    per_entry = 0.6 + 0.075 * max(len(label) for label in labels)  # inches, small font
    fits = max(1, int(fig.get_figwidth() // per_entry))
    ncols = min(len(labels), max(fits, math.ceil(len(labels) / 3)))
    fig.set_figwidth(max(fig.get_figwidth(), ncols * per_entry))
    fig.legend(handles, labels, fontsize="small", loc="outside lower center", ncols=ncols)


def _service_level_figure(scenario: Scenario, intervals: pd.DataFrame) -> Figure:
    types = scenario.contact_types
    fig, axes = _panels(
        len(types),
        "Service level per interval, mean over days (answered within threshold / offered)",
    )
    ref = analytic_reference(scenario)
    order = _policy_order(intervals)
    for ax, t in zip(axes, types, strict=True):
        rows = intervals[(intervals["contact_type"] == t.name) & (intervals["group"] == ALL)]
        sl = t.service_level
        lines = {"target": sl.target}
        if ref is not None:
            lines[f"{ref['model']}"] = ref["service_level"]
        _plot_kpi(ax, rows, "service_level", lines, order)
        ax.set_title(
            f"{t.name} ({t.channel}, {_duration(sl.threshold_seconds)})", fontsize="medium"
        )
        ax.set_ylim(-0.02, 1.02)
    _legend(fig, axes[0])
    return fig


def _occupancy_figure(scenario: Scenario, intervals: pd.DataFrame) -> Figure:
    groups = scenario.groups
    fig, axes = _panels(
        len(groups), "Occupancy per interval, mean over days (busy / logged-in time)"
    )
    ref = analytic_reference(scenario)
    order = _policy_order(intervals)
    for ax, g in zip(axes, groups, strict=True):
        rows = intervals[(intervals["contact_type"] == ALL) & (intervals["group"] == g.name)]
        lines = {f"{ref['model']}": ref["occupancy"]} if ref is not None else {}
        _plot_kpi(ax, rows, "occupancy", lines, order)
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


def _error(row: pd.Series, kpi: str) -> list[list[float]]:
    """Error-bar lengths below and above the mean (0 where the CI is undefined)."""
    low = row[kpi] - row[f"{kpi}_ci_low"]
    high = row[f"{kpi}_ci_high"] - row[kpi]
    return [[0.0 if math.isnan(low) else low], [0.0 if math.isnan(high) else high]]


#: Label positions around a point (points), cycled so that close policies stay legible.
_LABEL_OFFSETS = ((7, 6), (7, -12), (-7, 6), (-7, -12))


def _cost_figure(scenario: Scenario, summary: pd.DataFrame) -> Figure:
    """One point per policy: cost per day (x) against the day's service level (y), with CIs."""
    fig = Figure(figsize=(7.5, 5.2), layout="constrained")
    ax = fig.add_subplot()
    totals = _totals(summary)
    order = _policy_order(totals)
    for i, (_, row) in enumerate(totals.iterrows()):
        color = _policy_style(order.index(row["policy"]))["color"]
        x, y = row["cost"], row["service_level"]
        ax.errorbar(
            x,
            y,
            xerr=_error(row, "cost"),
            yerr=_error(row, "service_level"),
            fmt="o",
            color=color,
            capsize=3,
            markersize=6,
        )
        dx, dy = _LABEL_OFFSETS[i % len(_LABEL_OFFSETS)]
        ax.annotate(
            row["policy"],
            (x, y),
            xytext=(dx, dy),
            textcoords="offset points",
            color=color,
            ha="left" if dx > 0 else "right",
            fontsize="small",
        )
    target = scenario.service_level_target
    ax.axhline(target, color="black", linestyle="--", linewidth=1.2, label=f"target {target:.0%}")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xlabel(f"cost per day ({scenario.costs.currency}): mean and 95% CI")
    ax.set_ylabel("service level, all contact types: mean and 95% CI")
    ax.set_title("Cost against service level per policy (up and to the left is better)")
    ax.margins(x=0.15, y=0.15)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    return fig


def _action_counts(scenario: Scenario, actions: pd.DataFrame, reps: dict) -> dict:
    """Per policy that acted: mean applied actions per day, intervals (rows) by kind."""
    n = scenario.intervals
    interval = (actions["applied_at"] // scenario.interval_seconds).clip(0, n - 1).astype(int)
    counts = actions.assign(interval=interval).groupby(["policy", "interval", "action"]).size()
    found = set(actions["policy"])
    out = {}
    for policy in [p for p in reps if p in found]:
        grid = counts.loc[policy].unstack("action", fill_value=0)
        out[policy] = grid.reindex(range(n), fill_value=0) / max(1, reps[policy])
    return out


def _no_actions_figure() -> Figure:
    """A valid, nearly empty figure: no policy applied any action."""
    fig = Figure(figsize=(8, 2.5), layout="constrained")
    ax = fig.add_subplot()
    ax.text(0.5, 0.5, "no actions: no policy intervened on any simulated day", ha="center")
    ax.set_axis_off()
    fig.suptitle("Applied actions per interval")
    return fig


def _actions_figure(scenario: Scenario, actions: pd.DataFrame, reps: dict) -> Figure:
    """Stacked bars per policy that acted: mean applied actions per day in each interval."""
    counts = _action_counts(scenario, actions, reps)
    if not counts:
        return _no_actions_figure()
    fig, axes = _panels(len(counts), "Applied actions per interval (mean per simulated day)")
    kinds = sorted(set(actions["action"]))
    colors = {k: _PALETTE[i % len(_PALETTE)] for i, k in enumerate(kinds)}
    top = max(float(grid.sum(axis=1).max()) for grid in counts.values()) * 1.1
    x = np.arange(scenario.intervals)
    step = max(1, len(x) // 6)
    for ax, (policy, grid) in zip(axes, counts.items(), strict=True):
        bottom = np.zeros(len(x))
        for kind in grid.columns:
            label = _ACTION_WORDS.get(kind, kind)
            ax.bar(x, grid[kind], bottom=bottom, width=0.9, color=colors[kind], label=label)
            bottom += grid[kind].to_numpy(dtype=float)
        ax.set_title(policy, fontsize="medium")
        ax.set_ylim(0, top)
        ax.set_xticks(x[::step], [scenario.interval_label(int(k)) for k in x[::step]])
        ax.grid(alpha=0.3, axis="y")
    seen: dict[str, Any] = {}  # label -> handle, each kind once
    for ax in axes:
        handles, labels = ax.get_legend_handles_labels()
        seen.update(zip(labels, handles, strict=True))
    fig.legend(list(seen.values()), list(seen.keys()), fontsize="small", loc="outside lower center")
    return fig


def render_figures(
    scenario: Scenario,
    intervals: pd.DataFrame,
    folder: Path,
    *,
    summary: pd.DataFrame | None = None,
    actions: pd.DataFrame | None = None,
) -> list[Path]:
    """Write the figures as PNG into ``folder`` and return their paths.

    Always ``service_level.png`` (per contact type), ``occupancy.png`` (per group) and
    ``staffing.png``. With ``summary``: ``cost_vs_service_level.png`` (one point per
    policy) when some policy's cost is non-zero or several policies ran. With ``actions``
    (the actions table): ``actions.png``, applied actions per interval per policy.
    """
    folder.mkdir(parents=True, exist_ok=True)
    figures = {
        "service_level.png": _service_level_figure(scenario, intervals),
        "occupancy.png": _occupancy_figure(scenario, intervals),
        "staffing.png": _staffing_figure(intervals, _fixed_windows(scenario)),
    }
    if summary is not None and _draws_cost_figure(summary):
        figures["cost_vs_service_level.png"] = _cost_figure(scenario, summary)
    if actions is not None:
        reps = _replications_by_policy(summary, actions)
        figures["actions.png"] = _actions_figure(scenario, actions, reps)
    return [save_png(fig, folder / name) for name, fig in figures.items()]


def save_png(fig: Figure, path: Path) -> Path:
    """Write ``fig`` as a PNG at ``path`` (its folder made if needed), through a fresh temp
    file and never through a symbolic link (refused if the folder is one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(path, partial(fig.savefig, dpi=100, format="png"))
