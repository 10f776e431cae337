"""The report sections of a policy comparison: ranking, winner, differences, actions.

Used by :mod:`sim.report.markdown` when several policies ran: the policies ranked, which wins and by
how much (from the paired comparison), what each did and when and why (in words, from
:mod:`sim.report.policy_actions`), and how to read the comparison.
"""

from __future__ import annotations

import pandas as pd

from sim.core.scenario import Scenario
from sim.report.formatting import (
    _baseline_label,
    _direction,
    _fmt,
    _has_costs,
    _isnan,
    _ranked,
    _replications_by_policy,
    _signed,
    _totals,
    _with_ci,
    period,
    periods,
)
from sim.report.policy_actions import action_paragraphs

_RANK_COLUMNS = (
    ("service_level", "service level (all contacts)", "pct", True),
    ("occupancy", "occupancy", "pct", False),
    ("cost", "cost per {day}", "money", True),
    ("cost_per_contact", "cost per contact", "money2", True),
    ("missed_target", "{days} missing the target", "pct", False),
)


def _ranking(scenario: Scenario, totals: pd.DataFrame, channels_follow: bool) -> list[str]:
    """Policies ranked by the day's (a week's) service level, highest first (cheaper first
    on ties).

    Waits and abandonment are left to the channel headlines: over all contacts they would
    mix an email's hours with a call's seconds.
    """
    currency, day, days = scenario.costs.currency, period(scenario), periods(scenario)
    columns = [c for c in _RANK_COLUMNS if _has_costs(totals) or not c[0].startswith("cost")]
    header = [
        label.format(day=day, days=days) + (f" ({currency})" if kind.startswith("money") else "")
        for _, label, kind, _ in columns
    ]
    lines = [
        "## Policies ranked",
        f"Ranked by the {day}'s service level over all contacts (each judged against its own "
        "type's goal), highest first"
        + ("; waits and abandonment per channel are in the next section" if channels_follow else "")
        + f". Ranges are 95% confidence intervals over the simulated {days}. "
        f"*{days.capitalize()} missing the target*: the share of simulated {days} whose "
        f"service level is below the {scenario.service_level_target:.0%} target.",
        "",
        "| rank | policy | " + " | ".join(header) + " |",
        "|---|---|" + "---|" * len(columns),
    ]
    for rank, (_, row) in enumerate(_ranked(totals).iterrows(), start=1):
        cells = [_with_ci(row, k, kind) if ci else _fmt(row[k], kind) for k, _, kind, ci in columns]
        lines.append(f"| {rank} | {row['policy']} | " + " | ".join(cells) + " |")
    return lines


_NOT_DISTINGUISHABLE = "not statistically distinguishable from zero"
_NO_CI = "no confidence interval: fewer than two paired {day}s"


def _service_level_phrase(row: pd.Series, base: str, day: str = "day") -> str:
    """What a policy does to the day's (``day``: a week's) service level, in words, with
    the CI."""
    d, low, high = (row[f"diff_service_level{s}"] for s in ("", "_ci_low", "_ci_high"))
    direction = _direction(row, "service_level")
    level = f"the {day}'s service level"
    if direction == "up":
        ci = f"95% CI {_signed(low, 'pts', False)} to {_signed(high, 'pts', False)}"
        return f"raises {level} by {_signed(d, 'pts', False)} points ({ci}) over {base}"
    if direction == "down":
        ci = f"95% CI {_signed(high, 'pts', False)} to {_signed(low, 'pts', False)}"
        return f"lowers {level} by {_signed(d, 'pts', False)} points ({ci}) compared with {base}"
    if direction == "unknown":
        no_ci = _NO_CI.format(day=day)
        return f"changes {level} by {_signed(d, 'pts')} points ({no_ci}) compared with {base}"
    ci = f"95% CI {_signed(low, 'pts')} to {_signed(high, 'pts')}"
    return (
        f"changes {level} by {_signed(d, 'pts')} points ({ci}) compared with "
        f"{base}, a difference {_NOT_DISTINGUISHABLE}"
    )


def _cost_phrase(row: pd.Series, currency: str, day: str = "day") -> str:
    """What a policy does to the cost of a day (``day``: a week), in words, with the CI."""
    d, low, high = (row[f"diff_cost{s}"] for s in ("", "_ci_low", "_ci_high"))
    direction = _direction(row, "cost")
    amount = f"{_signed(d, 'money', False)} {currency}"
    if direction in ("up", "down"):
        ends = sorted(abs(v) for v in (low, high))
        ci = f"95% CI {_signed(ends[0], 'money', False)} to {_signed(ends[1], 'money', False)}"
        return f"at {amount} {'more' if direction == 'up' else 'less'} per {day} ({ci})"
    if direction == "unknown":
        no_ci = _NO_CI.format(day=day)
        return f"at {amount} {'more' if d >= 0 else 'less'} per {day} ({no_ci})"
    ci = f"95% CI {_signed(low, 'money')} to {_signed(high, 'money')}"
    return (
        f"at a cost difference of {_signed(d, 'money')} {currency} per {day} ({ci}), "
        f"{_NOT_DISTINGUISHABLE}"
    )


def _winner(totals: pd.DataFrame, base: str, days: int, day: str = "day") -> str:
    """One sentence: the policy with the largest service-level gain distinguishable from 0."""
    gains = totals[totals["diff_service_level_ci_low"] > 0]
    if gains.empty:
        return (
            f"No policy raises the {day}'s service level over {base} by an amount statistically "
            f"distinguishable from zero on these {days} simulated {day}s; more replications "
            "(`run.replications`) narrow the intervals."
        )
    best = gains.loc[gains["diff_service_level"].idxmax()]
    return (
        f"**{best['policy']}** wins on service level: the largest gain over {base} "
        f"({_signed(best['diff_service_level'], 'pts')} points) that is statistically "
        "distinguishable from zero."
    )


def _saver(totals: pd.DataFrame, base: str, currency: str, day: str = "day") -> list[str]:
    """The policy saving most per day (``day``: per week) without a service-level loss
    distinguishable from 0."""
    cheaper = totals[
        (totals["diff_cost_ci_high"] < 0) & ~(totals["diff_service_level_ci_high"] < 0)
    ]
    if cheaper.empty:
        return []
    best = cheaper.loc[cheaper["diff_cost"].idxmin()]
    return [
        f"**{best['policy']}** saves the most without a service-level loss distinguishable "
        f"from zero: {_signed(best['diff_cost'], 'money', False)} {currency} less per {day} "
        f"than {base}."
    ]


_DIFF_COLUMNS = (
    ("service_level", "service level, all contacts (points)", "pts"),
    ("cost", "cost per {day}", "money"),
    ("cost_per_contact", "cost per contact", "money2"),
    ("missed_target", "{day}s missing the target (points)", "pts"),
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
    currency, day = scenario.costs.currency, period(scenario)
    columns = [c for c in _DIFF_COLUMNS if costs or not c[0].startswith("cost")]
    header = [
        label.format(day=day) + (f" ({currency})" if kind.startswith("money") else "")
        for _, label, kind in columns
    ]
    lines = [
        "",
        f"Every difference, paired by {day}, with its 95% CI (bold: statistically "
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
    days, day = int(totals["replications"].min()), period(scenario)
    lines = ["", "## Which policy wins, and by how much", _winner(totals, base, days, day)]
    if costs:
        lines += _saver(totals, base, scenario.costs.currency, day)
    lines.append("")
    for _, row in totals.iterrows():
        sentence = f"- **{row['policy']}** {_service_level_phrase(row, base, day)}"
        if costs:
            sentence += f", {_cost_phrase(row, scenario.costs.currency, day)}"
        lines.append(sentence + ".")
    return lines + _differences(scenario, totals, costs)


def _action_lines(scenario: Scenario, actions: pd.DataFrame, days: dict[str, int]) -> list[str]:
    """What each policy did, when in the day and why (:func:`action_paragraphs`)."""
    day = period(scenario)
    return [
        "",
        "## What each policy did, when and why",
        f"Per simulated {day} (means over the {day}s). Times are when the policy decided (its "
        "action takes effect after its latency); the busiest hours are the fewest whole hours "
        + ("(all days together) " if scenario.day_names else "")
        + "holding at least half of its decisions. Reasons are the policy's own notes, grouped "
        "with their numbers masked and shown by one example each. `figures/actions.png` shows "
        "the actions per interval.",
        *action_paragraphs(scenario, actions, days),
    ]


def _how_to_read(scenario: Scenario, days: int, costs: bool) -> list[str]:
    """A short note on paired comparisons, confidence intervals and the cost KPIs."""
    day = period(scenario)
    lines = [
        "",
        "## How to read this",
        f"- Every policy was run on the same {days} simulated {day}s: the same customers arrive "
        "at the same moments, with the same talk times, patience and absences (common random "
        f"numbers). Each policy is compared with the baseline {day} by {day} (a paired "
        f"comparison), which removes most of the {day}-to-{day} noise.",
        "- Ranges are 95% confidence intervals. When the interval of a difference contains 0, "
        "the simulation cannot tell the policy apart from the baseline: the difference is not "
        "statistically distinguishable from zero and may be chance.",
        "- Service-level and abandon differences are in percentage points (80% to 84% is +4 "
        "points).",
    ]
    if costs:
        lines.append(
            f"- Cost per {day} ({scenario.costs.currency}): logged-in agent hours at each group's "
            "rate, plus overtime premiums, outsourcer fees and the cost set per abandoned "
            "contact. Cost per contact: that cost over contacts answered or outsourced."
        )
    return lines


def _policy_sections(
    scenario: Scenario,
    summary: pd.DataFrame,
    comparison: pd.DataFrame | None,
    actions: pd.DataFrame | None,
    headlines: list[str],
    after_actions: list[str],
) -> list[str]:
    """Ranking, the channel ``headlines`` (already rendered), verdicts, actions, the lines
    ``after_actions`` (already rendered: training and adherence) and reading notes of a run
    with several policies."""
    totals = _totals(summary)
    costs = _has_costs(totals)
    lines = ["", *_ranking(scenario, totals, bool(headlines)), *headlines]
    if comparison is not None and not comparison.empty:
        lines += _verdicts(scenario, comparison, costs)
    if actions is not None:
        lines += _action_lines(scenario, actions, _replications_by_policy(summary, actions))
    lines += after_actions
    return lines + _how_to_read(scenario, int(totals["replications"].min()), costs)
