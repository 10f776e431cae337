"""The plain-language report of one run, and the public entry points for its figures.

Built from the summary tables only (the model never calls this). It gives its
headlines per channel (:mod:`sim.report.channels`). When several policies ran, the report
ranks them, says which wins and by how much (from the paired comparison), and what each did,
when and why (those sections live in :mod:`sim.report.policy_sections`; the figures in
:mod:`sim.report.figures`). How the day went against the plan (forecast accuracy, recovery
after a disruption, training delivered, adherence) is in :mod:`sim.report.against_plan`.
"""

from __future__ import annotations

import pandas as pd

from sim.core.provenance import Provenance
from sim.core.scenario import Scenario
from sim.kpi.definitions import ALL
from sim.report.against_plan import forecast_line, recovery_section, schedule_section
from sim.report.channels import (
    channel_comparison,
    channel_replications,
    channel_summary,
    channels,
    headline_section,
)
from sim.report.empowerment import empowerment_section
from sim.report.formatting import (
    _baseline_policy,
    _draws_cost_figure,
    _duration,
    _fmt,
    _ranked,
    _totals,
    _with_ci,
    analytic_reference,
    period,
    periods,
)
from sim.report.policy_sections import _policy_sections
from sim.report.provenance import provenance_section, subtitle
from sim.report.views import views_section
from sim.units import clock, clock_exact

__all__ = ["render_report"]


_TYPE_COLUMNS = (
    ("offered", "offered / {day}", "num"),
    ("service_level", "service level", "pct"),
    ("asa_seconds", "ASA", "wait"),
    ("abandon_rate", "abandoned", "pct"),
    ("waiting_at_end", "left waiting at close{closes}", "num"),
)
_GROUP_COLUMNS = (
    ("agents_logged_in", "agents logged in (avg)", "num"),
    ("answered", "answered / {day}", "num"),
    ("aht_seconds", "AHT", "sec"),
    ("occupancy", "occupancy", "pct"),
)
_SCHEDULE_COLUMNS = (
    ("agents_available", "available (avg)", "num"),
    ("adherence", "adherence", "pct"),
    ("adherence_published", "adherence (published schedule)", "pct"),
    ("shrinkage_planned", "planned shrinkage", "pct"),
    ("shrinkage_unplanned", "unplanned shrinkage", "pct"),
)


def _table(rows: pd.DataFrame, label: str, key: str, columns, day: str = "day") -> list[str]:
    # A week's waiting at close sums its days' closes (voice and chat left at a close are gone).
    words = {"day": day, "closes": " (the days' sum)" if day == "week" else ""}
    lines = [
        f"| policy | {label} | " + " | ".join(c[1].format(**words) for c in columns) + " |",
        "|---|---" * 1 + "|---" * len(columns) + "|",
    ]
    for _, row in rows.iterrows():
        cells = [_with_ci(row, kpi, kind) for kpi, _, kind in columns]
        lines.append(f"| {row['policy']} | {row[key]} | " + " | ".join(cells) + " |")
    return lines


def _assumptions(
    scenario: Scenario, replications: int, seed: int, summary: pd.DataFrame, baseline: str
) -> list[str]:
    """The scenario as simulated: the measured day, routing, replications, the demand
    against the forecast (:func:`forecast_line`), the contact types and the groups."""
    first = scenario.warmup_intervals
    day, days = period(scenario), periods(scenario)
    lines = [
        "## Assumptions",
        _measured_line(scenario),
        f"- Routing: new contacts go to the {scenario.routing.agent_selection.replace('_', ' ')} agent; "
        f"freed agents choose by {scenario.routing.contact_selection.replace('_', ' ')}"
        + (f"; {scenario.trunks} voice lines." if scenario.trunks else "; no line limit."),
        f"- {replications} replications (simulated {days}) from seed {seed}; ranges are 95% "
        f"confidence intervals of the mean over {days}.",
        *forecast_line(scenario, summary, baseline),
        *_continued_line(scenario),
        "",
        f"| contact type | channel | forecast / {day} | talk time | wrap-up | patience "
        "| service level goal |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in scenario.contact_types:
        sl = t.service_level
        overflow = "; ".join(
            f"after {s.after_seconds:g} s also {', '.join(s.groups)}" for s in t.overflow
        )
        lines.append(
            f"| {t.name} | {t.channel} | {sum(t.forecast[first:]):,.0f} | "
            f"{t.handle_time.describe()}{_by_interval(t.handle_time_scale)} | "
            f"{t.wrap_up.describe() + _by_interval(t.wrap_up_scale) if t.wrap_up else 'none'} | "
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


def _measured_line(scenario: Scenario) -> str:
    """The measured day (its intervals, clock and warm-up), or a week's days."""
    first = scenario.warmup_intervals
    minutes = f"{scenario.interval_seconds / 60:g} min"
    if scenario.day_names:  # a week: its days end to end, each the same clock
        names = scenario.day_names
        per_day = scenario.intervals // len(names)
        start = scenario.start_clock_seconds
        span = f"{names[0]} to {names[-1]}" if len(names) > 1 else names[0]
        return (
            f"- Measured week: {len(names)} day{'s' if len(names) > 1 else ''} ({span}) of "
            f"{per_day} intervals of {minutes}, {clock(start)} to "
            f"{clock(start + per_day * scenario.interval_seconds)}."
        )
    measured = scenario.intervals - first
    return (
        f"- Measured day: {measured} intervals of {minutes}, "
        f"{scenario.interval_label(first)} to {scenario.interval_label(scenario.intervals)}"
        + (f", after a warm-up of {first} intervals (simulated, not counted)" if first else "")
        + "."
    )


def _continued_line(scenario: Scenario) -> list[str]:
    """For a day continued from a snapshot (``scenario.snapshot_file``): from when, from
    what, and what the day's figures are made of."""
    state = scenario.start
    if state is None:
        return []
    moment = clock_exact(scenario.start_clock_seconds + state.at_seconds)
    busy = sum(1 for a in state.agents if a.in_contact)
    source = f" (`{state.source}`)" if state.source else ""
    return [
        f"- Continues the day from a snapshot at {moment}{source}: {len(state.waiting):,} "
        f"contacts waiting, {len(state.agents):,} agents logged in ({busy:,} busy). Before "
        f"{moment} the day's figures are the snapshot's; from {moment} on they are simulated "
        f"(what the waiting contacts' patience and the contacts in hand have left is drawn "
        f"given the time already spent), and policies act from {moment}. The 90th "
        "percentile and the longest wait, first-contact resolution and the time to "
        "resolution cover the simulated part only."
    ]


def _days_section(scenario: Scenario, days: pd.DataFrame | None, order: list[str]) -> list[str]:
    """A week's days, one row each per policy (``days.csv``): offered, service level,
    abandoned and cost over all contacts, and the email backlog left at each close (carried
    into the next day)."""
    if days is None:
        return []
    every = days[(days["contact_type"] == ALL) & (days["group"] == ALL)]
    emails = [t.name for t in scenario.contact_types if t.channel == "email"]
    backlog = days[days["contact_type"].isin(emails) & (days["group"] == ALL)]
    carried = backlog.groupby(["policy", "day"], sort=False)["waiting_at_end"].sum()
    lines = [
        "",
        "## Per day",
        "The week's figures above join its days; each day alone (95% CIs). Emails and "
        "promised callbacks still waiting at a close open the next day (their waits count "
        "open hours); a contact counts on the day it arrived, and one its day's close left "
        "unjudged is judged in the service level of the day it is answered.",
        "",
        f"| policy | day | offered | service level | abandoned | cost ({scenario.costs.currency}) "
        "| emails left at close |",
        "|---|---|---|---|---|---|---|",
    ]
    for policy in order:
        for _, row in every[every["policy"] == policy].iterrows():
            left = carried.get((policy, row["day"]), float("nan")) if emails else float("nan")
            lines.append(
                f"| {policy} | {row['day']} | {_with_ci(row, 'offered', 'num')} | "
                f"{_with_ci(row, 'service_level', 'pct')} | "
                f"{_with_ci(row, 'abandon_rate', 'pct')} | {_with_ci(row, 'cost', 'money')} | "
                + ("-" if left != left else f"{left:,.1f}")
                + " |"
            )
    return lines


def _by_interval(scale: tuple[float, ...] | None) -> str:
    """How a per-interval handle-time scale varies, for the assumptions table ("" if none)."""
    if scale is None:
        return ""
    return f", x{min(scale):.2f} to x{max(scale):.2f} by interval"


def _files(
    several: bool,
    cost_figure: bool,
    action_figure: bool,
    drawn: bool = True,
    day: str = "day",
) -> list[str]:
    """The Files section: what the run folder holds (``drawn``: the figures were drawn;
    ``day``: ``week`` in a week run, whose tables are the week's, with ``days.csv``)."""
    figures = "service level per contact type, occupancy per group, demand and staffing"
    figures += ", the baseline's service level by interval and contact type (heatmap)"
    figures += ", queue length per contact type"
    figures += ", cost against service level per policy" if cost_figure else ""
    return [
        "",
        "## Files",
        "- `summary.csv`: one row per policy, contact type (`all` = every type) and group "
        "(`all` = every group); each KPI with `_ci_low` / `_ci_high`.",
        f"- `replications.csv`: the same per replication (simulated {day}); `intervals.csv`: "
        "per interval.",
        *(
            ["- `days.csv`: the same for each day of the week (means over the weeks, with CIs)."]
            if day == "week"
            else []
        ),
        *(
            [f"- `comparison.csv`: each policy minus the baseline, paired by {day}, with CIs."]
            if several
            else []
        ),
        "- `actions.csv`: one row per action a policy applied; `alerts.csv`: where the "
        f"expected {day} crosses the alert thresholds, and who is told.",
        "- `agents.csv` (agents on shifts): adherence and shrinkage per agent.",
        f"- `figures/`: {figures}{', applied actions per interval' if action_figure else ''}."
        if drawn
        else "- `figures/`: not drawn (`report.figures=false`).",
        "- `.hydra/config.yaml`: the resolved configuration of this run.",
        "",
    ]


def _type_rows(
    scenario: Scenario, summary: pd.DataFrame, by_channel: pd.DataFrame | None
) -> pd.DataFrame:
    """The rows of the contact-type table: per policy, each channel of several types as a
    whole (``voice (all)``), then its types. The all-types row is kept only where it is one
    channel's total: over several channels its ASA would mix an email's hours with a call's
    seconds."""
    by_type = summary[summary["group"] == ALL]
    groups = channels(scenario)
    if len(scenario.contact_types) == 1:  # the "all" row would repeat the only type
        return by_type[by_type["contact_type"] != ALL]
    if len(groups) == 1:
        return by_type
    rows = []
    for policy in dict.fromkeys(by_type["policy"]):
        own = by_type[by_type["policy"] == policy].set_index("contact_type", drop=False)
        for channel, types in groups.items():
            if len(types) > 1 and by_channel is not None:
                whole = by_channel[
                    (by_channel["policy"] == policy) & (by_channel["contact_type"] == channel)
                ]
                rows.append(whole.iloc[0].copy())
                rows[-1]["contact_type"] = f"{channel} (all)"
            rows += [own.loc[t] for t in types]
    return pd.DataFrame(rows).reset_index(drop=True)


def _results(
    scenario: Scenario, summary: pd.DataFrame, by_channel: pd.DataFrame | None
) -> list[str]:
    """Per-day (a week run: per-week) results per policy: by channel and contact type,
    then by group."""
    by_group = summary[(summary["contact_type"] == ALL) & (summary["group"] != ALL)]
    scheduled = any(g.scheduled for g in scenario.groups)
    group_columns = _GROUP_COLUMNS + (_SCHEDULE_COLUMNS if scheduled else ())
    day = period(scenario)
    types = _type_rows(scenario, summary, by_channel)
    return [
        "",
        f"## Results per {day}: contact types",
        *_table(types, "contact type", "contact_type", _TYPE_COLUMNS, day),
        "",
        f"## Results per {day}: groups",
        *_table(by_group, "group", "group", group_columns, day),
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


def _overall(scenario: Scenario, summary: pd.DataFrame) -> str:
    """One policy's day (or week) over all contacts: the service level its target is
    judged on."""
    row, day = _totals(summary).iloc[0], period(scenario)
    return (
        f"Over all contacts (each judged against its own type's goal) the {day}'s service level "
        f"is {_with_ci(row, 'service_level', 'pct')}; the {scenario.service_level_target:.0%} "
        f"target is missed on {_fmt(row['missed_target'], 'pct')} of the simulated {day}s."
    )


def render_report(
    scenario: Scenario,
    summary: pd.DataFrame,
    intervals: pd.DataFrame,
    replications: int,
    seed: int,
    *,
    comparison: pd.DataFrame | None = None,
    actions: pd.DataFrame | None = None,
    per_replication: pd.DataFrame | None = None,
    provenance: Provenance | None = None,
    alerts: pd.DataFrame | None = None,
    figures: bool = True,
    days: pd.DataFrame | None = None,
) -> str:
    """A short Markdown report a manager can read: assumptions, results with CIs, weak spots.

    With ``per_replication`` (the replication table, ``replications.csv``) it gives the
    headlines per channel (:mod:`sim.report.channels`): voice and chat by service level,
    ASA and abandonment, email by service level and response time, never one figure mixing
    channels. When several policies ran it adds, after the assumptions: a ranking of the
    policies, which wins and by how much (from ``comparison``, the paired differences from
    the baseline), what each policy did and when and why (from ``actions``, the actions
    table) and how to read a paired comparison. With one policy these sections are left out.

    Against the plan (:mod:`sim.report.against_plan`), where defined: the demand's forecast
    error in the assumptions; recovery after the day's last outage or surge after the
    headlines; training planned and delivered and adherence (as changed and as published)
    for agents on shifts after what each policy did (with one policy, after the headlines).

    With ``provenance`` (:mod:`sim.report.provenance`): the command-line overrides under the
    title, and before the assumptions a "How this run was made" section (version, seed,
    overrides, every data file read with its size and checksum).

    With ``alerts`` (:func:`sim.report.alerts.alerts_table`) the report opens with a view per
    reader (:mod:`sim.report.views`): executives, supervisors, the realtime analyst.
    ``figures``: whether ``figures/*.png`` were drawn (``report.figures``). ``days``: a
    week's per-day table (``days.csv``, ``scenario.days``): the report's figures are the
    week's, and a section gives each day's.
    """
    several = summary["policy"].nunique() > 1
    baseline = _baseline_policy(summary, comparison)
    order = list(_ranked(_totals(summary))["policy"])
    lines = [f"# ccsim run: scenario `{scenario.name}`", "", *subtitle(provenance)]
    lines += [scenario.description or "", ""]
    if alerts is not None:
        lines += views_section(scenario, summary, alerts, baseline)
    lines += provenance_section(provenance)
    lines += _assumptions(scenario, replications, seed, summary, baseline)
    by_channel, headlines = None, []
    if per_replication is not None:
        rows = channel_replications(scenario, per_replication)
        by_channel = channel_summary(rows)
        diffs = channel_comparison(rows, baseline) if several else None
        if several or len(scenario.contact_types) > 1:  # else the one type's row says it all
            headlines = headline_section(
                scenario, by_channel, diffs, order, baseline if several else None
            )
    recovery = recovery_section(scenario, summary, comparison, order, per_replication)
    schedule = schedule_section(scenario, summary, comparison, order, baseline)
    if several:
        lines += _policy_sections(
            scenario, summary, comparison, actions, [*headlines, *recovery], schedule
        )
    else:
        lines += [*headlines, "", _overall(scenario, summary)] if headlines else []
        lines += [*recovery, *schedule]
    lines += _days_section(scenario, days, order)
    lines += _results(scenario, summary, by_channel)
    lines += empowerment_section(scenario, summary)
    lines += _theory(scenario, summary)
    lines += _below_target(scenario, intervals)
    lines += _files(
        several, _draws_cost_figure(summary), actions is not None, figures, period(scenario)
    )
    return "\n".join(lines)
