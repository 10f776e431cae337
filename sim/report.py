"""Figures and the plain-language report of one run.

Built from the summary tables only (the model never calls this). Figures use matplotlib's
object API (no pyplot, no display needed). When several policies ran, the report ranks
them, says which wins and by how much (from the paired comparison), and what each did.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, PercentFormatter

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


_ACTION_WORDS = {
    "call_overtime": "overtime called",
    "offer_vto": "voluntary time off offered",
    "offer_callbacks": "callback offers switched on or off",
    "outsource": "overflow to the outsourcer switched on or off",
    "cancel_item": "off-phone activity cancelled",
    "postpone_item": "break or activity postponed",
    "set_preference": "skill priority changed",
}


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


def _isnan(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


_RANK_COLUMNS = (
    ("service_level", "service level", "pct", True),
    ("abandon_rate", "abandoned", "pct", False),
    ("asa_seconds", "ASA", "sec", False),
    ("occupancy", "occupancy", "pct", False),
    ("cost", "cost per day", "money", True),
    ("cost_per_contact", "cost per contact", "money2", True),
    ("missed_target", "days missing the target", "pct", False),
)


def _ranking(scenario: Scenario, totals: pd.DataFrame) -> list[str]:
    """Policies ranked by the day's service level, highest first (cheaper first on ties)."""
    currency = scenario.costs.currency
    columns = [c for c in _RANK_COLUMNS if _has_costs(totals) or not c[0].startswith("cost")]
    ranked = totals.sort_values(["service_level", "cost"], ascending=[False, True])
    header = [
        f"{label} ({currency})" if kind.startswith("money") else label
        for _, label, kind, _ in columns
    ]
    lines = [
        "## Policies ranked",
        f"Ranked by the day's service level (all contact types), highest first. Ranges are 95% "
        f"confidence intervals over the simulated days. *Days missing the target*: the share of "
        f"simulated days whose service level is below the {scenario.service_level_target:.0%} "
        "target.",
        "",
        "| rank | policy | " + " | ".join(header) + " |",
        "|---|---|" + "---|" * len(columns),
    ]
    for rank, (_, row) in enumerate(ranked.iterrows(), start=1):
        cells = [_with_ci(row, k, kind) if ci else _fmt(row[k], kind) for k, _, kind, ci in columns]
        lines.append(f"| {rank} | {row['policy']} | " + " | ".join(cells) + " |")
    return lines


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


_NOT_DISTINGUISHABLE = "not statistically distinguishable from zero"
_NO_CI = "no confidence interval: fewer than two paired days"


def _service_level_phrase(row: pd.Series, base: str) -> str:
    """What a policy does to the day's service level, in words, with the CI."""
    d, low, high = (row[f"diff_service_level{s}"] for s in ("", "_ci_low", "_ci_high"))
    direction = _direction(row, "service_level")
    if direction == "up":
        ci = f"95% CI {_signed(low, 'pts', False)} to {_signed(high, 'pts', False)}"
        return f"raises the day's service level by {_signed(d, 'pts', False)} points ({ci}) over {base}"
    if direction == "down":
        ci = f"95% CI {_signed(high, 'pts', False)} to {_signed(low, 'pts', False)}"
        return f"lowers the day's service level by {_signed(d, 'pts', False)} points ({ci}) compared with {base}"
    if direction == "unknown":
        return f"changes the day's service level by {_signed(d, 'pts')} points ({_NO_CI}) compared with {base}"
    ci = f"95% CI {_signed(low, 'pts')} to {_signed(high, 'pts')}"
    return (
        f"changes the day's service level by {_signed(d, 'pts')} points ({ci}) compared with "
        f"{base}, a difference {_NOT_DISTINGUISHABLE}"
    )


def _cost_phrase(row: pd.Series, currency: str) -> str:
    """What a policy does to the cost of a day, in words, with the CI."""
    d, low, high = (row[f"diff_cost{s}"] for s in ("", "_ci_low", "_ci_high"))
    direction = _direction(row, "cost")
    amount = f"{_signed(d, 'money', False)} {currency}"
    if direction in ("up", "down"):
        ends = sorted(abs(v) for v in (low, high))
        ci = f"95% CI {_signed(ends[0], 'money', False)} to {_signed(ends[1], 'money', False)}"
        return f"at {amount} {'more' if direction == 'up' else 'less'} per day ({ci})"
    if direction == "unknown":
        return f"at {amount} {'more' if d >= 0 else 'less'} per day ({_NO_CI})"
    ci = f"95% CI {_signed(low, 'money')} to {_signed(high, 'money')}"
    return (
        f"at a cost difference of {_signed(d, 'money')} {currency} per day ({ci}), "
        f"{_NOT_DISTINGUISHABLE}"
    )


def _baseline_label(baseline: str) -> str:
    return "no intervention" if baseline == "none" else f"`{baseline}`"


def _winner(totals: pd.DataFrame, base: str, days: int) -> str:
    """One sentence: the policy with the largest service-level gain distinguishable from 0."""
    gains = totals[totals["diff_service_level_ci_low"] > 0]
    if gains.empty:
        return (
            f"No policy raises the day's service level over {base} by an amount statistically "
            f"distinguishable from zero on these {days} simulated days; more replications "
            "(`run.replications`) narrow the intervals."
        )
    best = gains.loc[gains["diff_service_level"].idxmax()]
    return (
        f"**{best['policy']}** wins on service level: the largest gain over {base} "
        f"({_signed(best['diff_service_level'], 'pts')} points) that is statistically "
        "distinguishable from zero."
    )


def _saver(totals: pd.DataFrame, base: str, currency: str) -> list[str]:
    """The policy saving most per day without a service-level loss distinguishable from 0."""
    cheaper = totals[
        (totals["diff_cost_ci_high"] < 0) & ~(totals["diff_service_level_ci_high"] < 0)
    ]
    if cheaper.empty:
        return []
    best = cheaper.loc[cheaper["diff_cost"].idxmin()]
    return [
        f"**{best['policy']}** saves the most without a service-level loss distinguishable "
        f"from zero: {_signed(best['diff_cost'], 'money', False)} {currency} less per day "
        f"than {base}."
    ]


_DIFF_COLUMNS = (
    ("service_level", "service level (points)", "pts"),
    ("abandon_rate", "abandoned (points)", "pts"),
    ("asa_seconds", "ASA (s)", "sec"),
    ("cost", "cost per day", "money"),
    ("cost_per_contact", "cost per contact", "money2"),
    ("missed_target", "days missing the target (points)", "pts"),
)


def _diff_cell(row: pd.Series, kpi: str, kind: str) -> str:
    """``+4.1 (+3.2 to +5.0)``, in bold when the CI excludes 0."""
    low, high = row[f"diff_{kpi}_ci_low"], row[f"diff_{kpi}_ci_high"]
    cell = _signed(row[f"diff_{kpi}"], kind)
    if _isnan(low) or _isnan(high):
        return cell
    cell += f" ({_signed(low, kind)} to {_signed(high, kind)})"
    return f"**{cell}**" if _direction(row, kpi) in ("up", "down") else cell


def _differences(scenario: Scenario, totals: pd.DataFrame, costs: bool) -> list[str]:
    """Table of each policy minus the baseline, paired, with CIs."""
    currency = scenario.costs.currency
    columns = [c for c in _DIFF_COLUMNS if costs or not c[0].startswith("cost")]
    header = [
        f"{label} ({currency})" if kind.startswith("money") else label for _, label, kind in columns
    ]
    lines = [
        "",
        "Every difference, paired by day, with its 95% CI (bold: statistically "
        "distinguishable from zero, even where the rounded bounds show 0):",
        "",
        "| policy | " + " | ".join(header) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for _, row in totals.iterrows():
        cells = [_diff_cell(row, kpi, kind) for kpi, _, kind in columns]
        lines.append(f"| {row['policy']} | " + " | ".join(cells) + " |")
    return lines


def _verdicts(scenario: Scenario, comparison: pd.DataFrame, costs: bool) -> list[str]:
    """Which policy wins and by how much, policy by policy, from the paired comparison."""
    totals = _totals(comparison)
    if totals.empty:
        return []
    base = _baseline_label(str(totals["baseline"].iloc[0]))
    days = int(totals["replications"].min())
    lines = ["", "## Which policy wins, and by how much", _winner(totals, base, days)]
    if costs:
        lines += _saver(totals, base, scenario.costs.currency)
    lines.append("")
    for _, row in totals.iterrows():
        sentence = f"- **{row['policy']}** {_service_level_phrase(row, base)}"
        if costs:
            sentence += f", {_cost_phrase(row, scenario.costs.currency)}"
        lines.append(sentence + ".")
    return lines + _differences(scenario, totals, costs)


def _action_lines(scenario: Scenario, actions: pd.DataFrame, reps: dict) -> list[str]:
    """What each policy did: applied actions per simulated day, by kind."""
    currency = scenario.costs.currency
    lines = [
        "",
        "## What each policy did",
        "Applied actions per simulated day (means over the days), by kind; a negative "
        "action cost is money saved (unpaid time off):",
        "",
        f"| policy | action | times per day | agents affected per day | action cost per day ({currency}) |",
        "|---|---|---|---|---|",
    ]
    grouped = actions.groupby(["policy", "action"], sort=False)
    done = grouped.agg(times=("action", "size"), agents=("agents", "sum"), cost=("cost", "sum"))
    for (policy, kind), row in done.iterrows():
        per = max(1, reps.get(policy, 1))
        cells = (row["times"] / per, row["agents"] / per, row["cost"] / per)
        lines.append(
            f"| {policy} | {_ACTION_WORDS.get(kind, kind)} | {cells[0]:,.1f} | {cells[1]:,.1f} "
            f"| {cells[2]:,.0f} |"
        )
    idle = [p for p in reps if p not in set(actions["policy"])]
    if idle:
        lines += ["", "No actions: " + ", ".join(f"`{p}`" for p in idle) + "."]
    return lines


def _how_to_read(scenario: Scenario, days: int, costs: bool) -> list[str]:
    """A short note on paired comparisons, confidence intervals and the cost KPIs."""
    lines = [
        "",
        "## How to read this",
        f"- Every policy was run on the same {days} simulated days: the same customers arrive "
        "at the same moments, with the same talk times, patience and absences (common random "
        "numbers). Each policy is compared with the baseline day by day (a paired "
        "comparison), which removes most of the day-to-day noise.",
        "- Ranges are 95% confidence intervals. When the interval of a difference contains 0, "
        "the simulation cannot tell the policy apart from the baseline: the difference is not "
        "statistically distinguishable from zero and may be chance.",
        "- Service-level and abandon differences are in percentage points (80% to 84% is +4 "
        "points).",
    ]
    if costs:
        lines.append(
            f"- Cost per day ({scenario.costs.currency}): logged-in agent hours at each group's "
            "rate, plus overtime premiums, outsourcer fees and the cost set per abandoned "
            "contact. Cost per contact: that cost over contacts answered or outsourced."
        )
    return lines


def _policy_sections(
    scenario: Scenario,
    summary: pd.DataFrame,
    comparison: pd.DataFrame | None,
    actions: pd.DataFrame | None,
) -> list[str]:
    """Ranking, verdicts, actions and reading notes of a run with several policies."""
    totals = _totals(summary)
    costs = _has_costs(totals)
    lines = ["", *_ranking(scenario, totals)]
    if comparison is not None and not comparison.empty:
        lines += _verdicts(scenario, comparison, costs)
    if actions is not None:
        lines += _action_lines(scenario, actions, _replications_by_policy(summary, actions))
    return lines + _how_to_read(scenario, int(totals["replications"].min()), costs)


def _files(several: bool, cost_figure: bool, action_figure: bool) -> list[str]:
    """The Files section: what the run folder holds."""
    figures = "service level per contact type, occupancy per group, demand and staffing"
    figures += ", cost against service level per policy" if cost_figure else ""
    return [
        "",
        "## Files",
        "- `summary.csv`: one row per policy, contact type (`all` = every type) and group "
        "(`all` = every group); each KPI with `_ci_low` / `_ci_high`.",
        "- `replications.csv`: the same per replication (simulated day); `intervals.csv`: per interval.",
        *(
            ["- `comparison.csv`: each policy minus the baseline, paired by day, with CIs."]
            if several
            else []
        ),
        "- `actions.csv`: one row per action a policy applied.",
        "- `agents.csv` (agents on shifts): adherence and shrinkage per agent.",
        f"- `figures/`: {figures}{', applied actions per interval' if action_figure else ''}.",
        "- `.hydra/config.yaml`: the resolved configuration of this run.",
        "",
    ]


def _results(scenario: Scenario, summary: pd.DataFrame) -> list[str]:
    """Per-day results per policy: by contact type, then by group."""
    by_type = summary[summary["group"] == ALL]
    if len(scenario.contact_types) == 1:  # the "all" row would repeat the only type
        by_type = by_type[by_type["contact_type"] != ALL]
    by_group = summary[(summary["contact_type"] == ALL) & (summary["group"] != ALL)]
    scheduled = any(g.scheduled for g in scenario.groups)
    group_columns = _GROUP_COLUMNS + (_SCHEDULE_COLUMNS if scheduled else ())
    return [
        "",
        "## Results per day: contact types",
        *_table(by_type, "contact type", "contact_type", _TYPE_COLUMNS),
        "",
        "## Results per day: groups",
        *_table(by_group, "group", "group", group_columns),
    ]


def _theory(scenario: Scenario, summary: pd.DataFrame) -> list[str]:
    """Simulated against Erlang C or A (the baseline ``none`` if it ran), if applicable."""
    ref = analytic_reference(scenario)
    if ref is None:
        return []
    totals = _totals(summary)
    row = totals[totals["policy"] == "none"].iloc[0] if "none" in set(totals["policy"]) else None
    row = totals.iloc[0] if row is None else row
    several = len(totals) > 1
    lines = [
        "",
        f"## Against queueing theory ({ref['model']})",
        f"| KPI | theory | simulated{f' (`{row.policy}`' if several else ' ('}95% CI) |",
        "|---|---|---|",
    ]
    for kpi, kind in (
        ("service_level", "pct"),
        ("asa_seconds", "sec"),
        ("wait_probability", "pct"),
        ("abandon_rate", "pct"),
        ("occupancy", "pct"),
    ):
        lines.append(f"| {kpi} | {_fmt(ref[kpi], kind)} | {_with_ci(row, kpi, kind)} |")
    return lines


def _below_target(scenario: Scenario, intervals: pd.DataFrame) -> list[str]:
    """Per policy and contact type: intervals whose mean service level misses the target."""
    lines = ["", "## Intervals below target"]
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
    if len(lines) == 2:
        lines.append("- none: every contact type meets its target in every interval on average.")
    return lines


def render_report(
    scenario: Scenario,
    summary: pd.DataFrame,
    intervals: pd.DataFrame,
    replications: int,
    seed: int,
    *,
    comparison: pd.DataFrame | None = None,
    actions: pd.DataFrame | None = None,
) -> str:
    """A short Markdown report a manager can read: assumptions, results with CIs, weak spots.

    When several policies ran it adds, after the assumptions: a ranking of the policies,
    which wins and by how much (from ``comparison``, the paired differences from the
    baseline), what each policy did (from ``actions``, the actions table) and how to read
    a paired comparison. With one policy these sections are left out.
    """
    lines = [f"# ccsim run: scenario `{scenario.name}`", "", scenario.description or "", ""]
    lines += _assumptions(scenario, replications, seed)
    several = summary["policy"].nunique() > 1
    if several:
        lines += _policy_sections(scenario, summary, comparison, actions)
    lines += _results(scenario, summary)
    lines += _theory(scenario, summary)
    lines += _below_target(scenario, intervals)
    lines += _files(several, _draws_cost_figure(summary), actions is not None)
    return "\n".join(lines)
