"""Empowerment in the report: what an agent's spending authority trades against.

Shown when some contact type has a ``problem_value`` (:mod:`sim.core.follow_ups`): per
policy, the day's escalations (tier-2 load), repeats, concessions paid, the service level
of the front line and of tier 2, and the total cost. Across authorities (a sweep of
``scenario.empowerment.authority``), :func:`lowest_cost_authority` names the cheapest.
"""

from __future__ import annotations

import math

import pandas as pd

from sim.core.scenario import Scenario
from sim.kpi.definitions import ALL
from sim.report.formatting import _fmt, _totals, period

__all__ = [
    "AUTHORITY_COLUMN",
    "authority_sweep_report",
    "empowerment_section",
    "lowest_cost_authority",
]

#: The sweep summary's column of the swept authority.
AUTHORITY_COLUMN = "scenario.empowerment.authority"


def lowest_cost_authority(
    table: pd.DataFrame, *, authority: str = AUTHORITY_COLUMN, cost: str = "cost"
) -> float:
    """The authority whose rows have the lowest mean total ``cost`` (staff, concessions,
    repeats and abandoned contacts at their set costs: the ``cost`` KPI), e.g. in a sweep
    summary (one row per job and policy: filter it to one policy first). Ties go to the
    lower authority (less money handed out for the same total). Raises ``ValueError`` on a
    table without a finite cost."""
    means = table.groupby(authority, sort=True)[cost].mean().dropna()
    if means.empty:
        raise ValueError(f"lowest_cost_authority: no finite {cost!r} in the table")
    return float(means.index[means.to_numpy().argmin()])


def authority_sweep_report(table: pd.DataFrame, currency: str = "", period: str = "day") -> str:
    """``sweep_report.md`` of a sweep over ``scenario.empowerment.authority`` (a sweep
    summary): per policy, each authority's escalations, repeats, concession cost and total
    cost a day (``period``: a week, for jobs of a week scenario), and the authority with the
    lowest total cost (:func:`lowest_cost_authority`)."""
    lines = ["# Empowerment sweep: the authority with the lowest total cost", ""]
    money = f" ({currency})" if currency else ""
    for policy, rows in table.groupby("policy", sort=False):
        best = lowest_cost_authority(rows)
        lines += [
            f"Policy `{policy}`: the lowest total cost a {period} is at authority **{best:,.0f}**.",
            "",
            f"| authority | escalated a {period} | repeats a {period} | concession cost{money} "
            f"| total cost{money} | service level |",
            "|---|---|---|---|---|---|",
        ]
        for _, row in rows.sort_values(AUTHORITY_COLUMN).iterrows():
            cells = [f"{row.get(k, float('nan')):,.1f}" for k in ("escalated", "repeats")] + [
                f"{row.get(k, float('nan')):,.0f}" for k in ("concession_cost", "cost")
            ]
            lines.append(
                f"| {row[AUTHORITY_COLUMN]:,.0f} | {' | '.join(cells)} "
                f"| {row['service_level']:.1%} |"
            )
        lines.append("")
    lines.append(
        "Total cost: the `cost` KPI, agents' hours plus concessions, repeats "
        "(`costs.repeat_contact`) and abandoned contacts (`costs.abandoned_contact`) at the "
        f"prices set; the same simulated {period}s (and problems) for every authority."
    )
    return "\n".join(lines) + "\n"


def empowerment_section(scenario: Scenario, summary: pd.DataFrame) -> list[str]:
    """The report's "Empowerment" section (empty when no type has a ``problem_value``)."""
    valued = [t for t in scenario.contact_types if t.problem_value is not None]
    if not valued:
        return []
    power = scenario.empowerment
    currency = scenario.costs.currency
    tier2 = list(dict.fromkeys(t.escalation.to for t in valued if t.escalation is not None))
    by_type = summary[summary["group"] == ALL].set_index(["policy", "contact_type"])
    lines = [
        "## Empowerment: concessions against escalations",
        "",
        f"A front-line agent may settle a problem worth up to {power.authority:,.0f} "
        f"{currency} (authority) with a concession of {power.concession_share:.0%} of its "
        f"value and {power.extra_handle_seconds:g} s more talk; a problem worth more is "
        f"escalated to {', '.join(f'`{n}`' for n in tier2)}. Raising the authority trades "
        "concessions for fewer escalations (tier-2 load) and fewer repeats; sweep it "
        f"(`scenario.empowerment.authority=0,500,2000`) to find the cheapest. Per {period(scenario)}:",
        "",
        "| policy | escalated | repeats | concession cost | service level "
        + " | ".join(f"`{t.name}`" for t in valued)
        + " | service level "
        + " | ".join(f"`{n}`" for n in tier2)
        + f" | total cost ({currency}) |",
        "|---" * (5 + len(valued) + len(tier2)) + "|",
    ]
    for _, row in _totals(summary).iterrows():
        policy = row["policy"]

        def level(name: str, policy: str = policy) -> str:
            key = (policy, name)
            return _fmt(by_type.loc[key, "service_level"], "pct") if key in by_type.index else "n/a"

        cells = [
            f"`{policy}`",
            _fmt(row["escalated"], "num"),
            _fmt(row["repeats"], "num"),
            _fmt(row["concession_cost"], "money"),
            *(level(t.name) for t in valued),
            *(level(n) for n in tier2),
            _fmt(row["cost"], "money") if not math.isnan(row["cost"]) else "n/a",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "Total cost is the `cost` KPI: agents' paid hours, plus concessions, plus the set "
        "costs of a repeat (`costs.repeat_contact`) and of an abandoned contact "
        "(`costs.abandoned_contact`).",
        "",
    ]
    return lines
