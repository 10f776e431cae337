"""How the day went against the plan: the forecast, the recovery after a disruption, the
training the schedule planned and the adherence to it, per policy.

Built from the summary (one row per policy, contact type and group, with CIs), the paired
comparison and, for counts of days, the replication table. Each piece is left out where
its KPI is undefined: recovery needs a fixed outage or a surge that ends before the close,
training and adherence need agents on individual shifts (see :mod:`sim.kpi.definitions`).
"""

from __future__ import annotations

import pandas as pd

from sim.core.scenario import Scenario
from sim.kpi.definitions import ALL
from sim.report.channels import channels
from sim.report.formatting import (
    _baseline_label,
    _direction,
    _duration,
    _fmt,
    _isnan,
    _totals,
    _with_ci,
    periods,
)

__all__ = [
    "channel_forecast_wape",
    "demand_forecast",
    "forecast_line",
    "recovery_section",
    "schedule_section",
]


def demand_forecast(scenario: Scenario) -> dict[str, float]:
    """Each contact type's forecast contacts over the measured day (after the warm-up)."""
    first = scenario.warmup_intervals
    return {t.name: float(sum(t.forecast[first:])) for t in scenario.contact_types}


def channel_forecast_wape(scenario: Scenario, summary: pd.DataFrame, policy: str) -> dict:
    """Per channel: the mean over days of its forecast WAPE, for ``policy``.

    A channel of one type takes that type's ``forecast_wape``. A channel of several types
    takes their values weighted by each type's forecast over the measured day: a type's
    WAPE times its forecast is its absolute error, so the weighted mean is the channel's
    errors summed over its forecast, exactly, day by day and so in the mean over days.
    """
    rows = summary[(summary["policy"] == policy) & (summary["group"] == ALL)]
    wape = rows.set_index("contact_type")["forecast_wape"]
    forecast = demand_forecast(scenario)
    out = {}
    for channel, types in channels(scenario).items():
        weight = sum(forecast[t] for t in types)
        if weight > 0 and all(not _isnan(wape.get(t)) for t in types):
            out[channel] = sum(float(wape[t]) * forecast[t] for t in types) / weight
    return out


def forecast_line(scenario: Scenario, summary: pd.DataFrame, baseline: str) -> list[str]:
    """An assumptions bullet: how far the simulated days' demand was from the forecast.

    The day's ``forecast_wape`` over all contacts (mean over days with its CI) and per
    channel (:func:`channel_forecast_wape`), for ``baseline``. Arrivals are common random
    numbers, so it is the same for every policy unless redials (which follow what a policy
    does) move it: then the bullet says by how much at most. ``[]`` where it is undefined.
    """
    totals = _totals(summary)
    values = totals["forecast_wape"].dropna()
    if values.empty:
        return []
    own = totals[totals["policy"] == baseline]
    row = (own if not own.empty else totals).iloc[0]
    text = (
        "- Demand against the forecast (WAPE: the sum over intervals of |offered - forecast| "
        f"over the forecast, a mean over {periods(scenario)}): "
        f"{_with_ci(row, 'forecast_wape', 'pct')} over all contacts"
    )
    by_channel = channel_forecast_wape(scenario, summary, str(row["policy"]))
    if len(by_channel) > 1:
        text += "; " + ", ".join(f"{c} {v:.1%}" for c, v in by_channel.items())
    text += "."
    spread = float(values.max() - values.min())
    if len(values) > 1 and spread < 5e-5:
        text += " The same for every policy: all face the same arrivals."
    elif len(values) > 1:
        text += (
            f" Shown for `{row['policy']}`; redials, which follow what each policy does, move "
            f"it by up to {spread * 100:.1f} points between policies."
        )
    return [text]


def _windows(scenario: Scenario) -> str:
    """The disruption windows recovery is measured after, in words."""
    parts = []
    for outage in scenario.outages:
        if outage.start is None or outage.duration is None:
            continue
        end = outage.start + outage.duration
        kind = outage.kind.replace("_", " ")
        parts.append(f"the {kind} outage {scenario.clock(outage.start)}-{scenario.clock(end)}")
    for surge in scenario.demand.surges:
        types = ", ".join(surge.contact_types) or "every contact type"
        start = scenario.clock(surge.start)
        if surge.latest_start is not None and surge.latest_start > surge.start:
            start = f"a start between {start} and {scenario.clock(surge.latest_start)}"
        length = _duration(len(surge.profile) * scenario.interval_seconds)
        chance = f", on {surge.probability:.0%} of days" if surge.probability < 1 else ""
        parts.append(f"a surge of {types} for {length} from {start}{chance}")
    return "; ".join(parts)


def _days_with(per_replication: pd.DataFrame | None, kpi: str) -> str:
    """`` (4 of the 6 days)``: the days of the first policy on which ``kpi`` (the day's
    figure over all contacts) is defined, or ``""`` if unknown."""
    if per_replication is None:
        return ""
    day = per_replication[
        (per_replication["contact_type"] == ALL) & (per_replication["group"] == ALL)
    ]
    first = day[day["policy"] == day["policy"].iloc[0]]
    return f" ({int(first[kpi].notna().sum())} of the {len(first)} days)"


def _diff(comparison: pd.DataFrame | None, policy: str, kpi: str) -> str:
    """``-3.9 (-4.2 to -3.6)``: the paired difference from the baseline with its CI, bold
    when the CI excludes 0; ``""`` without one (the baseline itself)."""
    if comparison is None or comparison.empty:
        return ""
    rows = _totals(comparison)
    rows = rows[rows["policy"] == policy]
    if rows.empty or _isnan(rows[f"diff_{kpi}"].iloc[0]):
        return ""
    row = rows.iloc[0]
    cell = _one_decimal(row[f"diff_{kpi}"])
    low, high = row[f"diff_{kpi}_ci_low"], row[f"diff_{kpi}_ci_high"]
    if _isnan(low) or _isnan(high):
        return cell
    cell += f" ({_one_decimal(low)} to {_one_decimal(high)})"
    return f"**{cell}**" if _direction(row, kpi) in ("up", "down") else cell


def _one_decimal(value: float) -> str:
    """``+1.2``, signed, one decimal, never ``-0.0``."""
    return f"{round(float(value), 1) + 0.0:+,.1f}"


def _has_comparison(comparison: pd.DataFrame | None) -> bool:
    return comparison is not None and not _totals(comparison).empty


def recovery_section(
    scenario: Scenario,
    summary: pd.DataFrame,
    comparison: pd.DataFrame | None,
    order: list[str],
    per_replication: pd.DataFrame | None = None,
) -> list[str]:
    """The "Recovery after disruptions" section: per policy (in ``order``), the minutes
    until the rolling 30-minute service level over all contacts is back at target after
    the day's last fixed outage or surge (``recovery_minutes``, mean over the days that have
    one, with its CI), and with ``comparison`` the paired difference from the baseline.
    ``[]`` where recovery is undefined for every policy (no such window, or every window runs
    to the close)."""
    totals = _totals(summary).set_index("policy")
    if totals["recovery_minutes"].isna().all():
        return []
    several = _has_comparison(comparison)
    base = (
        _baseline_label(str(_totals(comparison)["baseline"].iloc[0]))
        if several and comparison is not None
        else ""
    )
    lines = [
        "",
        "## Recovery after disruptions",
        f"Minutes from the end of the day's last outage or surge ({_windows(scenario)}) until "
        "the rolling 30-minute service level over all contacts is back at the "
        f"{scenario.service_level_target:.0%} target (0: it did not fall below). Means over "
        f"the days with such a window{_days_with(per_replication, 'recovery_minutes')}, with "
        "95% CIs; a day not back at target by the close counts its minutes to the close.",
        "",
        "| policy | minutes to recover |" + (f" difference from {base} |" if several else ""),
        "|---|---|" + ("---|" if several else ""),
    ]
    for policy in order:
        row = totals.loc[policy]
        cells = [_with_ci(row, "recovery_minutes", "num")]
        if several:
            cells.append(_diff(comparison, policy, "recovery_minutes") or "-")
        lines.append(f"| {policy} | " + " | ".join(cells) + " |")
    return lines


def _shortfalls(totals: pd.DataFrame, order: list[str], baseline: str) -> str:
    """``Training given up compared with no intervention: `a` 3.9 h a day (0.0 of 4.0 h
    delivered).``, or ``""`` when no policy delivers less than ``baseline``."""
    if baseline not in totals.index:
        return ""
    base = totals.loc[baseline]
    parts = []
    for policy in order:
        row = totals.loc[policy]
        lost = float(base["training_hours_delivered"] - row["training_hours_delivered"])
        if policy == baseline or _isnan(lost) or lost < 0.05:
            continue
        delivered = _fmt(row["training_hours_delivered"], "num")
        planned = _fmt(row["training_hours_planned"], "num")
        parts.append(f"`{policy}` {lost:,.1f} h a day ({delivered} of {planned} h delivered)")
    if not parts:
        return ""
    return (
        f" Training given up compared with {_baseline_label(baseline)}: " + ", ".join(parts) + "."
    )


def schedule_section(
    scenario: Scenario,
    summary: pd.DataFrame,
    comparison: pd.DataFrame | None,
    order: list[str],
    baseline: str,
) -> list[str]:
    """The "Training and adherence" section, for agents on individual shifts.

    Per policy (in ``order``), over every group with shifts: training hours a day planned
    in the published schedule and delivered (``training_hours_planned`` /
    ``training_hours_delivered``; shown where some training is planned), with ``comparison``
    the paired difference of the hours delivered from ``baseline``; ``adherence`` (against
    the schedule as the policy changed it) beside ``adherence_published`` (against the
    published one). A sentence names the training each policy gave up compared with
    ``baseline``. ``[]`` where no group has agents on shifts.
    """
    totals = _totals(summary).set_index("policy")
    adherence = not totals["adherence"].isna().all()
    training = bool((totals["training_hours_planned"].fillna(0.0) > 0).any())
    if not (adherence or training):
        return []
    several = training and _has_comparison(comparison)
    header, rule = ["policy"], ["---"]
    if training:
        header += ["training planned (h / day)", "training delivered (h / day)"]
        header += [f"delivered vs {_baseline_label(baseline)} (h)"] if several else []
    if adherence:
        header += ["adherence", "adherence to the published schedule"]
    rule *= len(header)
    shifts = [g.name for g in scenario.groups if g.scheduled]
    text = (
        f"The agents on individual shifts (group{'s' if len(shifts) > 1 else ''} "
        f"{', '.join(shifts)}{', all together' if len(shifts) > 1 else ''}); means per day."
    )
    if training:
        text += (
            " Training is the hours of off-phone activities (training, meetings, coaching): "
            "planned in the published schedule, and delivered (a cancelled session counts "
            "nothing)."
        )
        text += _shortfalls(totals, order, baseline)
    if adherence:
        text += (
            " *Adherence* judges the agents against the schedule as the policy changed it, so "
            "a break or activity it moved or cancelled is not non-adherence; *adherence to the "
            "published schedule* counts it as such."
        )
    lines = ["", "## Training and adherence", text, "", "| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join(rule) + "|")
    for policy in order:
        row = totals.loc[policy]
        cells = [policy]
        if training:
            cells += [
                _fmt(row["training_hours_planned"], "num"),
                _with_ci(row, "training_hours_delivered", "num"),
            ]
            if several:
                cells.append(_diff(comparison, policy, "training_hours_delivered") or "-")
        if adherence:
            cells += [
                _with_ci(row, "adherence", "pct"),
                _with_ci(row, "adherence_published", "pct"),
            ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines
