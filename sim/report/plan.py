"""The report and figure of ``mode=plan``: the hiring frontier, for finance.

Built from ``plan.csv`` (:func:`sim.experiment.hiring_plan.plan_table`) and the steps
between adjacent variants (:func:`~sim.experiment.hiring_plan.adjacent_steps`).
"""

from __future__ import annotations

import math

import pandas as pd
from matplotlib.figure import Figure

from sim.core.planning import PlanTerms
from sim.core.provenance import Provenance
from sim.core.scenario import Scenario
from sim.experiment.hiring_plan import MEETS_TARGET_SHARE, meets_target
from sim.report.provenance import provenance_section, subtitle

__all__ = ["frontier_figure", "plan_report"]

_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown")


def frontier_figure(scenario: Scenario, plan: pd.DataFrame) -> Figure:
    """Annual cost against service level, one point per variant (labelled by FTE) with the
    service level's 95% CI, one series per policy, the target as a dashed line."""
    fig = Figure(figsize=(8.0, 5.5), layout="constrained")
    ax = fig.subplots()
    for i, policy in enumerate(pd.unique(plan["policy"])):
        rows = plan[plan["policy"] == policy].sort_values("scale")
        sl = rows["service_level"].to_numpy(dtype=float) * 100
        low = sl - rows["service_level_ci_low"].to_numpy(dtype=float) * 100
        high = rows["service_level_ci_high"].to_numpy(dtype=float) * 100 - sl
        colour = _COLOURS[i % len(_COLOURS)]
        ax.errorbar(
            sl,
            rows["annual_cost"],
            xerr=[low, high],
            marker="o",
            capsize=3,
            color=colour,
            label=str(policy),
        )
        for x, y, fte in zip(sl, rows["annual_cost"], rows["fte"], strict=True):
            ax.annotate(
                f"{fte:.1f} FTE",
                (x, y),
                textcoords="offset points",
                xytext=(5, 5),
                fontsize="small",
                color=colour,
            )
    target = scenario.service_level_target * 100
    ax.axvline(target, color="gray", linestyle="--", label=f"target {target:g}%")
    ax.set_xlabel("service level, mean of days (%), 95% CI")
    ax.set_ylabel(f"annual cost ({scenario.costs.currency})")
    ax.yaxis.set_major_formatter(lambda y, _pos: f"{y:,.0f}")
    ax.set_title(f"Hiring frontier: {scenario.name}")
    ax.legend(fontsize="small")
    return fig


def _ci(value: float, low: float, high: float, fmt: str) -> str:
    if math.isnan(low) or math.isnan(high):
        return format(value, fmt)
    return f"{format(value, fmt)} ({format(low, fmt)} to {format(high, fmt)})"


def _per(row: pd.Series, kpi: str, scale: float, fte: float, fmt: str) -> str:
    """``diff_<kpi>`` (times ``scale``) per FTE of the step, with its CI."""
    value, low, high = (
        float(row[f"diff_{kpi}{end}"]) * scale / fte for end in ("", "_ci_low", "_ci_high")
    )
    return _ci(value, low, high, fmt)


def _finance(
    scenario: Scenario, plan: pd.DataFrame, steps: pd.DataFrame, terms: PlanTerms
) -> list[str]:
    currency = scenario.costs.currency
    share = MEETS_TARGET_SHARE
    lines = ["## For finance", ""]
    for policy in pd.unique(plan["policy"]):
        rows = plan[plan["policy"] == policy].sort_values("scale")
        good = meets_target(rows, terms.days_per_year)
        who = f"Under policy `{policy}`"
        if good.empty:
            lines.append(
                f"- {who}, no variant meets the {scenario.service_level_target:.0%} target on "
                f"{1 - share:.0%} of days or more; the largest "
                f"({rows.iloc[-1]['variant']}) misses it on "
                f"{rows.iloc[-1]['missed_target_days_per_year']:.0f} days a year."
            )
        else:
            best = good.iloc[0]
            lines.append(
                f"- {who}, the smallest plan that meets the {scenario.service_level_target:.0%} "
                f"target on at least {1 - share:.0%} of days (misses it on at most "
                f"{share * terms.days_per_year:.0f} of {terms.days_per_year:g} days) is "
                f"**{best['variant']}** (staffing x{best['scale']:.3g}): **{best['fte']:.1f} FTE**, "
                f"annual cost **{best['annual_cost']:,.0f} {currency}**, service level "
                f"{best['service_level']:.1%}, {best['missed_target_days_per_year']:.0f} days "
                "a year below target."
            )
    lines += [
        "",
        "What each FTE more buys, between adjacent plans (paired on the same days, 95% CIs; "
        "per FTE = the step's difference over its FTE difference):",
        "",
        "| policy | step | FTE more | cost more a year | service level, points per FTE "
        "| abandons a year per FTE | days missing target a year per FTE |",
        "|---|---|---|---|---|---|---|",
    ]
    for _, row in steps.iterrows():
        fte = row["diff_fte"]
        if not fte > 0:
            continue
        lines.append(
            f"| `{row['policy']}` | {row['from_variant']} -> {row['to_variant']} | {fte:.2f} "
            f"| {row['diff_annual_cost']:,.0f} {currency} "
            f"| {_per(row, 'service_level', 100, fte, '+.2f')} "
            f"| {_per(row, 'abandoned_per_year', 1, fte, '+,.0f')} "
            f"| {_per(row, 'missed_target_days_per_year', 1, fte, '+.1f')} |"
        )
    lines += [
        "",
        "Assumptions:",
        "",
        f"- {terms.days_per_year:g} open days a year (`plan.days_per_year`), each like the "
        "simulated day.",
        f"- One FTE is paid {terms.paid_hours_per_fte:g} hours a year "
        f"(`plan.paid_hours_per_fte`), of which a share {terms.shrinkage:g} is not logged in "
        "(`plan.shrinkage`): FTE = logged-in agent-hours a day x days / (paid hours x "
        "(1 - shrinkage)).",
        f"- Annual cost = the day's cost x days + hiring {terms.hiring_cost_per_fte:,.0f} "
        f"{currency} per FTE (`plan.hiring_cost_per_fte`) x attrition "
        f"{terms.attrition_rate:g} (`plan.attrition_rate`) x FTE; the day's cost prices "
        f"logged-in hours at `costs.hourly_cost` ({scenario.costs.hourly:g} {currency}"
        f"{', per group as costs.hourly_cost_by_group' if scenario.costs.hourly_by_group else ''}"
        ") plus overtime, outsourcing and abandons as the costs config sets them.",
        "- A variant multiplies every count-staffed group's staffing by its scale, each "
        "interval rounded half up to whole agents; groups on individual shifts are not scaled.",
        *(
            [
                "- A variant from a file (`plan.staffing_files`: "
                + ", ".join(v.name for v in terms.variants)
                + ") replaces the count-staffed groups' tables; its scale is its "
                "agent-intervals over the plan as given's."
            ]
            if terms.variants
            else []
        ),
        "",
    ]
    return lines


def plan_report(
    scenario: Scenario,
    plan: pd.DataFrame,
    steps: pd.DataFrame,
    terms: PlanTerms,
    replications: int,
    seed: int,
    provenance: Provenance | None = None,
) -> str:
    """``report.md`` of ``mode=plan``: the variants' table, the "For finance" section and
    how the run was made."""
    currency = scenario.costs.currency
    lines = [f"# Hiring frontier: {scenario.name}", "", *subtitle(provenance)]
    scheduled = [g.name for g in scenario.groups if g.scheduled]
    lines += [
        f"{len(terms.scales) + len(terms.variants)} staffing plans x "
        f"{plan['policy'].nunique()} "
        f"polic{'ies' if plan['policy'].nunique() > 1 else 'y'}, {replications} simulated "
        f"days each (seed {seed}, the same days for every plan).",
        "",
    ]
    if scheduled:
        lines += [f"Groups on individual shifts, not scaled: {', '.join(scheduled)}.", ""]
    lines += [
        "| plan | policy | agent-hours a day | FTE | annual cost | service level (95% CI) "
        "| abandons a year | days below target a year |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for _, row in plan.iterrows():
        sl = _ci(
            row["service_level"] * 100,
            row["service_level_ci_low"] * 100,
            row["service_level_ci_high"] * 100,
            ".1f",
        )
        lines.append(
            f"| {row['variant']} | `{row['policy']}` | {row['agent_hours_per_day']:.1f} "
            f"| {row['fte']:.1f} | {row['annual_cost']:,.0f} {currency} | {sl}% "
            f"| {row['abandoned_per_year']:,.0f} | {row['missed_target_days_per_year']:.0f} |"
        )
    lines += ["", "![hiring frontier](figures/frontier.png)", ""]
    lines += _finance(scenario, plan, steps, terms)
    lines += provenance_section(provenance)
    return "\n".join(lines).rstrip() + "\n"
