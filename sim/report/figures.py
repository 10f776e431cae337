"""Figures of one run: service level, occupancy, queue length, staffing, cost, actions, and
a heatmap of the baseline's service level by interval and contact type.

Each ``*_figure`` function returns a matplotlib :class:`~matplotlib.figure.Figure` built
from the run's tables only (the model never calls this), with matplotlib's object API (no
pyplot, no display needed); the caller saves it (:func:`save_png`), shows it in a notebook
or changes it. :func:`render_figures` writes them all as the run folder's PNG files. Each
policy keeps its colour in every figure; the per-interval line figures draw the baseline
and at most three other policies (:func:`figure_policies`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
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
    _ranked,
    _replications_by_policy,
    _totals,
    analytic_reference,
    period,
    periods,
)

__all__ = [
    "MAX_FIGURE_POLICIES",
    "actions_figure",
    "cost_figure",
    "figure_policies",
    "heatmap_figure",
    "occupancy_figure",
    "queue_length_figure",
    "render_figures",
    "save_png",
    "service_level_figure",
    "staffing_figure",
]

#: Policies a per-interval line figure draws besides the baseline.
MAX_FIGURE_POLICIES = 3


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


def figure_policies(frame: pd.DataFrame, chosen: Sequence[str] | None = None) -> list[str]:
    """The policies a per-interval line figure draws: the baseline (``none`` if it ran, else
    the first policy), then ``chosen`` (``report.figure_policies``: at most
    :data:`MAX_FIGURE_POLICIES` besides the baseline) or, if ``None``, the
    :data:`MAX_FIGURE_POLICIES` best other policies by the day's service level (cheaper
    first on ties). ``frame``: the summary (to rank by the day's service level), or the
    intervals table (without a summary: the first policies, in order).
    """
    order = _policy_order(frame)
    baseline = order[0]
    if chosen is not None:
        others = [p for p in dict.fromkeys(chosen) if p != baseline and p in order]
    elif "interval" not in frame.columns:  # the summary
        others = [p for p in _ranked(_totals(frame))["policy"] if p != baseline]
    else:
        others = order[1:]
    return [baseline, *others[:MAX_FIGURE_POLICIES]]


def _plot_kpi(
    ax, rows: pd.DataFrame, kpi: str, lines: dict[str, float], order: list, shown: list
) -> None:
    """One line (mean) and band (95% CI) per policy of ``shown``; ``order`` (every policy of
    the run) fixes each policy's colour, the same in every figure."""
    alpha = 0.2 if len(shown) <= 3 else 0.12
    for index, policy in enumerate(order):
        if policy not in shown:
            continue
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


def service_level_figure(
    scenario: Scenario, intervals: pd.DataFrame, policies: Sequence[str] | None = None
) -> Figure:
    """Service level per interval, one panel per contact type: per policy the mean over
    days with its 95% CI band, the type's target and (an Erlang scenario) the Erlang C or A
    value as lines. ``intervals``: the intervals table (``intervals.csv``); ``policies``:
    those drawn (default: the baseline and the next three, :func:`figure_policies`)."""
    types = scenario.contact_types
    fig, axes = _panels(
        len(types),
        f"Service level per interval, mean over {periods(scenario)} "
        "(answered within threshold / offered)",
    )
    ref = analytic_reference(scenario)
    order = _policy_order(intervals)
    shown = list(policies) if policies is not None else figure_policies(intervals)
    for ax, t in zip(axes, types, strict=True):
        rows = intervals[(intervals["contact_type"] == t.name) & (intervals["group"] == ALL)]
        sl = t.service_level
        lines = {"target": sl.target}
        if ref is not None:
            lines[f"{ref['model']}"] = ref["service_level"]
        _plot_kpi(ax, rows, "service_level", lines, order, shown)
        ax.set_title(
            f"{t.name} ({t.channel}, {_duration(sl.threshold_seconds)})", fontsize="medium"
        )
        ax.set_ylim(-0.02, 1.02)
    _legend(fig, axes[0])
    return fig


def occupancy_figure(
    scenario: Scenario, intervals: pd.DataFrame, policies: Sequence[str] | None = None
) -> Figure:
    """Occupancy per interval, one panel per agent group, drawn as
    :func:`service_level_figure` draws the service level."""
    groups = scenario.groups
    fig, axes = _panels(
        len(groups),
        f"Occupancy per interval, mean over {periods(scenario)} (busy / logged-in time)",
    )
    ref = analytic_reference(scenario)
    order = _policy_order(intervals)
    shown = list(policies) if policies is not None else figure_policies(intervals)
    for ax, g in zip(axes, groups, strict=True):
        rows = intervals[(intervals["contact_type"] == ALL) & (intervals["group"] == g.name)]
        lines = {f"{ref['model']}": ref["occupancy"]} if ref is not None else {}
        _plot_kpi(ax, rows, "occupancy", lines, order, shown)
        ax.set_title(g.name, fontsize="medium")
        ax.set_ylim(-0.02, 1.02)
    _legend(fig, axes[0])
    return fig


def queue_length_figure(
    scenario: Scenario, intervals: pd.DataFrame, policies: Sequence[str] | None = None
) -> Figure:
    """Queue length per interval (the time-averaged number of contacts waiting), one panel
    per contact type, drawn as :func:`service_level_figure` draws the service level."""
    types = scenario.contact_types
    fig, axes = _panels(
        len(types),
        f"Queue length per interval, mean over {periods(scenario)} "
        "(time-averaged contacts waiting)",
    )
    order = _policy_order(intervals)
    shown = list(policies) if policies is not None else figure_policies(intervals)
    for ax, t in zip(axes, types, strict=True):
        rows = intervals[(intervals["contact_type"] == t.name) & (intervals["group"] == ALL)]
        _plot_kpi(ax, rows, "queue_length", {}, order, shown)
        ax.set_title(f"{t.name} ({t.channel})", fontsize="medium")
        ax.set_ylim(bottom=0)
    _legend(fig, axes[0])
    return fig


def staffing_figure(scenario: Scenario, intervals: pd.DataFrame) -> Figure:
    """Demand and staffing per interval (of the first policy: the same plan for every
    policy): forecast vs offered contacts, scheduled vs logged-in vs available agents, with
    the outages and surges known in advance shaded."""
    windows = _fixed_windows(scenario)
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
    for start, end, label in windows:
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


def cost_figure(scenario: Scenario, summary: pd.DataFrame) -> Figure:
    """One point per policy: cost per day (x, in the scenario's currency) against the day's
    service level (y), with 95% CIs; the target as a dashed line. A week run's figures are
    the week's (``cost per week``)."""
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
    ax.set_xlabel(f"cost per {period(scenario)} ({scenario.costs.currency}): mean and 95% CI")
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


def _no_actions_figure(day: str = "day") -> Figure:
    """A valid, nearly empty figure: no policy applied any action."""
    fig = Figure(figsize=(8, 2.5), layout="constrained")
    ax = fig.add_subplot()
    ax.text(0.5, 0.5, f"no actions: no policy intervened on any simulated {day}", ha="center")
    ax.set_axis_off()
    fig.suptitle("Applied actions per interval")
    return fig


def actions_figure(
    scenario: Scenario, actions: pd.DataFrame, summary: pd.DataFrame | None = None
) -> Figure:
    """Stacked bars, one panel per policy that acted: mean applied actions per simulated
    day in each interval, by kind. ``actions``: the actions table (``actions.csv``);
    ``summary`` gives the days per policy (else the actions' replication numbers do)."""
    reps = _replications_by_policy(summary, actions)
    counts = _action_counts(scenario, actions, reps)
    if not counts:
        return _no_actions_figure(period(scenario))
    fig, axes = _panels(
        len(counts), f"Applied actions per interval (mean per simulated {period(scenario)})"
    )
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


def _baseline(frame: pd.DataFrame) -> str:
    """The baseline of a run's table: ``none`` if it ran, else the first policy."""
    return str(_policy_order(frame)[0])


def _relative_to_target(values: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Service levels on a scale centred at each row's target: -1 at 0%, 0 at the target,
    +1 at 100% (linear in between on either side)."""
    targets = targets[:, None]
    below = (values - targets) / np.where(targets > 0, targets, 1.0)
    above = (values - targets) / np.where(targets < 1, 1.0 - targets, 1.0)
    return np.clip(np.where(values < targets, below, above), -1.0, 1.0)


def heatmap_figure(
    scenario: Scenario, intervals: pd.DataFrame, policy: str | None = None
) -> Figure:
    """Service level by interval (x) and contact type (y) of one policy (default: the
    baseline), the mean over days, in colours diverging at each type's own target: white on
    target, red below (darkest at 0%), blue above (darkest at 100%); grey where no contact
    counted. Each cell is labelled with its service level in percent."""
    policy = _baseline(intervals) if policy is None else policy
    types = scenario.contact_types
    rows = intervals[(intervals["group"] == ALL) & (intervals["policy"] == policy)]
    grid = rows.pivot(index="contact_type", columns="interval", values="service_level")
    grid = grid.reindex([t.name for t in types])
    starts = rows.drop_duplicates("interval").set_index("interval")["interval_start"]
    values = grid.to_numpy(dtype=float)
    targets = np.array([t.service_level.target for t in types], dtype=float)
    with np.errstate(invalid="ignore"):
        shown = _relative_to_target(values, targets)
    width = min(20.0, max(8.0, 0.34 * values.shape[1] + 3.5))
    fig = Figure(figsize=(width, 1.9 + 0.5 * len(types)), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(
        np.ma.masked_invalid(shown),
        aspect="auto",
        cmap=colormaps["RdBu"].with_extremes(bad="lightgrey"),
        vmin=-1.0,
        vmax=1.0,
        interpolation="nearest",
    )
    columns = list(grid.columns)
    if len(columns) <= 40:  # the value in each cell, where it fits
        for (i, j), value in np.ndenumerate(values):
            if not math.isnan(value):
                ax.text(
                    j,
                    i,
                    f"{100 * value:.0f}",
                    ha="center",
                    va="center",
                    fontsize=6.5,
                    color="white" if abs(shown[i, j]) > 0.7 else "black",
                )
    step = max(1, len(columns) // 12)
    ticks = list(range(0, len(columns), step))
    ax.set_xticks(ticks, [str(starts.get(columns[k], columns[k])) for k in ticks])
    ax.set_yticks(
        range(len(types)),
        [
            f"{t.name} ({t.service_level.target:.0%} in "
            f"{_duration(t.service_level.threshold_seconds)})"
            for t in types
        ],
    )
    ax.set_xlabel("interval start")
    bar = fig.colorbar(image, ax=ax, pad=0.01, ticks=[-1.0, -0.5, 0.0, 0.5, 1.0])
    if np.allclose(targets, targets[0]):
        t = float(targets[0])
        bar.set_ticklabels(
            [f"{v:.0%}" for v in (0.0, t / 2, t, (1 + t) / 2, 1.0)], fontsize="small"
        )
        bar.set_label(f"service level (white: the {t:.0%} target)", fontsize="small")
    else:
        words = ["0%", "half the target", "target", "halfway to 100%", "100%"]
        bar.set_ticklabels(words, fontsize="small")
        bar.set_label("service level against each type's own target", fontsize="small")
    ax.set_title(
        f"Service level per interval and contact type (%), policy {policy}, "
        f"mean over {periods(scenario)}",
        fontsize="medium",
    )
    return fig


def render_figures(
    scenario: Scenario,
    intervals: pd.DataFrame,
    folder: Path,
    *,
    summary: pd.DataFrame | None = None,
    actions: pd.DataFrame | None = None,
    policies: Sequence[str] | None = None,
) -> list[Path]:
    """Write the figures as PNG into ``folder`` and return their paths.

    Always ``service_level.png`` (per contact type), ``occupancy.png`` (per group),
    ``staffing.png``, ``service_level_heatmap.png`` (the baseline's service level by
    interval and contact type) and ``queue_length.png`` (per contact type). With ``summary``: ``cost_vs_service_level.png`` (one point
    per policy) when some policy's cost is non-zero or several policies ran. With
    ``actions`` (the actions table): ``actions.png``, applied actions per interval per
    policy. ``policies`` (``report.figure_policies``): the policies the line figures draw
    besides the baseline; ``None``: the three best by the day's service level
    (:func:`figure_policies`).
    """
    folder.mkdir(parents=True, exist_ok=True)
    shown = figure_policies(intervals if summary is None else summary, policies)
    figures = {
        "service_level.png": service_level_figure(scenario, intervals, shown),
        "occupancy.png": occupancy_figure(scenario, intervals, shown),
        "staffing.png": staffing_figure(scenario, intervals),
        "service_level_heatmap.png": heatmap_figure(scenario, intervals, shown[0]),
    }
    if "queue_length" in intervals.columns:
        figures["queue_length.png"] = queue_length_figure(scenario, intervals, shown)
    if summary is not None and _draws_cost_figure(summary):
        figures["cost_vs_service_level.png"] = cost_figure(scenario, summary)
    if actions is not None:
        figures["actions.png"] = actions_figure(scenario, actions, summary)
    return [save_png(fig, folder / name) for name, fig in figures.items()]


def save_png(fig: Figure, path: Path) -> Path:
    """Write ``fig`` as a PNG at ``path`` (its folder made if needed), through a fresh temp
    file and never through a symbolic link (refused if the folder is one). The image is cut
    to the figure's content (``bbox_inches="tight"``): no label is clipped."""
    path.parent.mkdir(parents=True, exist_ok=True)
    save = partial(fig.savefig, dpi=100, format="png", bbox_inches="tight", pad_inches=0.15)
    return atomic_write(path, save)
