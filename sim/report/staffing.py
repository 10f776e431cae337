"""The report and figure of ``mode=staff``: required against scheduled agents.

Built from ``staffing_required.csv`` (:func:`sim.experiment.staffing_solver.required_table`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from sim.core.planning import StaffingTerms
from sim.core.provenance import Provenance
from sim.core.scenario import Scenario
from sim.experiment.staffing_solver import email_types, judged_types
from sim.report.provenance import provenance_section, subtitle

__all__ = ["WORST_INTERVALS", "staffing_gap_figure", "staffing_report"]

#: How many intervals the report lists as the worst (largest shortfalls).
WORST_INTERVALS = 5


def staffing_gap_figure(scenario: Scenario, required: pd.DataFrame) -> Figure:
    """A heatmap per group (rows) and interval (columns) of required - scheduled agents:
    shortfalls (more required than scheduled) red, surpluses blue, 0 white."""
    wide = required.pivot(index="group", columns="interval_start", values="gap")
    wide = wide.loc[list(pd.unique(required["group"])), list(pd.unique(required["interval_start"]))]
    short = -wide.to_numpy(dtype=float)  # required - scheduled
    limit = max(1.0, float(np.nanmax(np.abs(short))) if short.size else 1.0)
    fig = Figure(
        figsize=(max(6.0, 0.35 * short.shape[1] + 2.5), max(3.0, 1.6 + 0.5 * short.shape[0]))
    )
    fig.set_layout_engine("constrained")
    ax = fig.subplots()
    image = ax.imshow(short, cmap="RdBu_r", norm=TwoSlopeNorm(0.0, -limit, limit), aspect="auto")
    ax.set_yticks(range(short.shape[0]), list(wide.index))
    ax.set_xticks(range(short.shape[1]), list(wide.columns), rotation=90, fontsize="small")
    ax.set_xlabel("interval start")
    ax.set_title(f"Required - scheduled agents: {scenario.name} (red: short, blue: surplus)")
    fig.colorbar(image, ax=ax, label="short (+) / surplus (-)")
    return fig


def staffing_report(
    scenario: Scenario,
    required: pd.DataFrame,
    verification: pd.DataFrame,
    terms: StaffingTerms,
    seed: int,
    provenance: Provenance | None = None,
) -> str:
    """``report.md`` of ``mode=staff``: agent-hours (and cost) required against scheduled
    and the per-queue Erlang answer, the verification on fresh days, the worst intervals
    and how the run was made."""
    hours = scenario.interval_seconds / 3600.0
    columns = {
        "required": "required_agents",
        "scheduled": "scheduled_agents",
        "erlang": "erlang_agents",
        "gross": "required_gross_agents",
    }
    totals = {k: float(required[c].sum()) * hours for k, c in columns.items()}
    rate = required["group"].map(scenario.costs.rate)
    costs = {k: float((required[c] * rate).sum()) * hours for k, c in columns.items()}
    money = scenario.costs.currency
    criterion = (
        "the mean over the days of each interval's service level"
        if terms.confidence is None
        else f"the service level on at least {terms.confidence:.0%} of the days"
    )
    emails = email_types(scenario)
    lines = [f"# Staffing required: {scenario.name}", "", *subtitle(provenance)]
    lines += [
        "## Required against scheduled",
        "",
        f"The fewest agents per interval and count-staffed group such that "
        f"{criterion} meets each type's target, for: {', '.join(judged_types(scenario))}"
        + (f"; and over the day for {', '.join(emails)}" if emails else "")
        + f". Found by simulation on {terms.replications} days (seed {seed}, the same days "
        "for every candidate), without realtime policies, starting from Erlang A per queue "
        "(email by its workload); an agent is added where it closes most of the shortfall "
        "per unit of cost, and taken away, the most expensive groups first, while every "
        "target still holds.",
        "",
    ]
    if terms.occupancy_cap is not None:
        lines += [
            f"No group's mean occupancy in an interval exceeds {terms.occupancy_cap:.0%}.",
            "",
        ]
    scheduled_groups = [g.name for g in scenario.groups if g.scheduled]
    if scheduled_groups:
        lines += [
            f"Groups on individual shifts, kept as they are: {', '.join(scheduled_groups)}.",
            "",
        ]
    lines += [
        f"| | agent-hours a day | agent cost a day ({money}) |",
        "|---|---|---|",
        f"| required (simulated) | {totals['required']:.1f} | {costs['required']:,.0f} |",
        f"| Erlang A per queue | {totals['erlang']:.1f} | {costs['erlang']:,.0f} |",
        f"| scheduled | {totals['scheduled']:.1f} | {costs['scheduled']:,.0f} |",
    ]
    if terms.shrinkage > 0:
        lines.append(
            f"| required, grossed up for {terms.shrinkage:.0%} shrinkage | "
            f"{totals['gross']:.1f} | {costs['gross']:,.0f} |"
        )
    saving = totals["erlang"] - totals["required"]
    lines += [
        "",
        f"Against staffing each queue by Erlang A alone, the simulated requirement "
        f"{'saves' if saving >= 0 else 'needs'} {abs(saving):.1f} agent-hours a day "
        f"({'pooling across skills and' if saving >= 0 else 'what a per-queue formula misses:'} "
        "the day's dynamics).",
        "",
        "![required - scheduled](figures/staffing_gap.png)",
        "",
    ]
    lines += _verification_section(verification, terms)
    per_interval = required.groupby("interval_start", sort=False)["gap"].sum()
    worst = per_interval[per_interval < 0].sort_values(kind="stable").head(WORST_INTERVALS)
    if worst.empty:
        lines += ["No interval is short of the required staffing.", ""]
    else:
        lines += ["Worst intervals (largest shortfalls, all groups):", ""]
        lines += ["| interval | agents short | by group |", "|---|---|---|"]
        for start, gap in worst.items():
            rows = required[(required["interval_start"] == start) & (required["gap"] < 0)]
            groups = ", ".join(f"{r.group} {-r.gap:g}" for r in rows.itertuples())
            lines.append(f"| {start} | {-gap:g} | {groups} |")
        lines.append("")
    lines += provenance_section(provenance)
    return "\n".join(lines).rstrip() + "\n"


def _verification_section(verification: pd.DataFrame, terms: StaffingTerms) -> list[str]:
    """The solved staffing on fresh days: each type's day and its intervals that miss."""
    days = verification[verification["interval_start"] == "day"]
    intervals = verification[verification["interval_start"] != "day"]
    lines = [
        "## Verification on fresh days",
        "",
        f"The solved staffing simulated on {terms.verify_replications} days the search never "
        "saw (`staffing_verification.csv`). The search stops at the fewest agents that pass "
        "on its own days, so on new days an interval at the margin misses about as often as "
        "it passes: the day's service level is the figure to judge, the interval counts show "
        "how tight the answer is.",
        "",
        "| type | day's service level (95% CI) | target | met | intervals below target "
        "(significantly) |",
        "|---|---|---|---|---|",
    ]
    for row in days.itertuples():
        mine = intervals[intervals["contact_type"] == row.contact_type]
        below = int((~mine["meets_target"]).sum())
        significant = int((mine["ci_high"] < mine["target"]).sum())
        lines.append(
            f"| {row.contact_type} | {row.service_level:.1%} [{row.ci_low:.1%}, "
            f"{row.ci_high:.1%}] | {row.target:.0%} | {'yes' if row.meets_target else 'no'} "
            f"| {below} of {len(mine)} ({significant}) |"
        )
    return [*lines, ""]
