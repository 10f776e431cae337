"""How the day went against the plan (sim.report.against_plan), on hand-made tables: the
forecast error once for all policies, recovery after a disruption, training planned and
delivered, adherence as changed beside adherence as published. Every number is chosen by
hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from sim.core.demand_shocks import DemandShocks, Surge
from sim.core.disruptions import Outage
from sim.core.distributions import Distribution
from sim.core.scenario import AgentGroup, ContactType, Scenario, Skill
from sim.core.workforce import Shift
from sim.report.against_plan import (
    channel_forecast_wape,
    forecast_line,
    recovery_section,
    schedule_section,
)

H = 3600.0
HANDLE = Distribution.exponential(300.0)
KPIS = (
    "forecast_wape",
    "recovery_minutes",
    "training_hours_planned",
    "training_hours_delivered",
    "adherence",
    "adherence_published",
)


def _scenario(**changes) -> Scenario:
    """A day from 08:00 in two hours: the first a warm-up. Forecasts (warm-up, measured):
    sales 50, 100 and service 0, 300 (voice), chat 40, 60. Group ``team`` on shifts,
    ``desk`` staffed by counts."""
    types = (
        ContactType("sales", (50.0, 100.0), HANDLE, channel="voice"),
        ContactType("service", (0.0, 300.0), HANDLE, channel="voice"),
        ContactType("chat", (40.0, 60.0), HANDLE, channel="chat"),
    )
    groups = (
        AgentGroup(
            "team", (1, 1), (Skill("sales"), Skill("service")), shifts=(Shift("ann", 0.0, 2 * H),)
        ),
        AgentGroup("desk", (2, 2), (Skill("chat"),)),
    )
    return Scenario(
        "hand", H, types, groups, warmup_intervals=1, start_clock_seconds=8 * H, **changes
    )


def _summary(rows: list[dict]) -> pd.DataFrame:
    """A summary table from (policy, contact_type, group, KPI values) rows: each KPI's CI
    is given as ``<kpi>_ci`` = (low, high), every KPI not given is NaN."""
    out = []
    for row in rows:
        full = {"replications": 3, **{k: math.nan for k in KPIS}}
        full.update({f"{k}_ci_low": math.nan for k in KPIS})
        full.update({f"{k}_ci_high": math.nan for k in KPIS})
        for key, value in row.items():
            if key.endswith("_ci"):
                full[f"{key[:-3]}_ci_low"], full[f"{key[:-3]}_ci_high"] = value
            else:
                full[key] = value
        out.append(full)
    return pd.DataFrame(out)


def _comparison(rows: list[dict]) -> pd.DataFrame:
    """A comparison table of day totals against ``none``: ``diff_<kpi>`` = (mean, low,
    high)."""
    out = []
    for row in rows:
        full = {"baseline": "none", "contact_type": "all", "group": "all", "replications": 3}
        for key, value in row.items():
            if key.startswith("diff_"):
                full[key], full[f"{key}_ci_low"], full[f"{key}_ci_high"] = value
            else:
                full[key] = value
        out.append(full)
    return pd.DataFrame(out)


def _wapes(policy: str, everything: float) -> list[dict]:
    """``policy``'s day WAPE: sales 10%, service 20%, chat 30%, all contacts ``everything``
    (CI +-1 point)."""
    return [
        {
            "policy": policy,
            "contact_type": "all",
            "group": "all",
            "forecast_wape": everything,
            "forecast_wape_ci": (everything - 0.01, everything + 0.01),
        },
        {"policy": policy, "contact_type": "sales", "group": "all", "forecast_wape": 0.10},
        {"policy": policy, "contact_type": "service", "group": "all", "forecast_wape": 0.20},
        {"policy": policy, "contact_type": "chat", "group": "all", "forecast_wape": 0.30},
    ]


# -- forecast accuracy -------------------------------------------------------------------------


def test_a_channel_of_several_types_weighs_them_by_their_measured_forecast():
    """Voice: sales 10% of 100 and service 20% of 300 (the warm-up's 50 sales left out):
    70 / 400 = 17.5%, not (15 + 60) / 450."""
    got = channel_forecast_wape(_scenario(), _summary(_wapes("none", 0.19)), "none")
    assert got == {"voice": pytest.approx(0.175), "chat": pytest.approx(0.30)}


def test_the_forecast_error_is_shown_once_when_every_policy_has_the_same():
    summary = _summary(_wapes("none", 0.19) + _wapes("analyst", 0.19))
    assert forecast_line(_scenario(), summary, "none") == [
        "- Demand against the forecast (WAPE: the sum over intervals of |offered - forecast| "
        "over the forecast, a mean over days): 19.0% (18.0% to 20.0%) over all contacts; "
        "voice 17.5%, chat 30.0%. The same for every policy: all face the same arrivals."
    ]


def test_redials_that_move_the_forecast_error_are_said():
    summary = _summary(_wapes("none", 0.19) + _wapes("analyst", 0.187))
    (line,) = forecast_line(_scenario(), summary, "none")
    assert line.endswith(
        "Shown for `none`; redials, which follow what each policy does, move it by up to "
        "0.3 points between policies."
    )


def test_an_undefined_forecast_error_shows_no_line():
    summary = _summary([{"policy": "none", "contact_type": "all", "group": "all"}])
    assert forecast_line(_scenario(), summary, "none") == []


# -- recovery ----------------------------------------------------------------------------------


def _day(policy: str, **kpis) -> dict:
    return {"policy": policy, "contact_type": "all", "group": "all", **kpis}


def test_recovery_is_shown_per_policy_with_its_ci_and_the_paired_difference():
    scenario = _scenario(
        outages=(Outage("telephony", start=0.5 * H, duration=0.25 * H),),
        demand=DemandShocks(
            surges=(Surge(start=H, latest_start=1.5 * H, profile=(2.0,), probability=0.3),)
        ),
    )
    summary = _summary(
        [
            _day("none", recovery_minutes=40.0, recovery_minutes_ci=(30.0, 50.0)),
            _day("analyst", recovery_minutes=25.0, recovery_minutes_ci=(20.0, 30.0)),
        ]
    )
    comparison = _comparison([{"policy": "analyst", "diff_recovery_minutes": (-15.0, -22.5, -7.5)}])
    per_rep = pd.DataFrame(
        {
            "policy": ["none"] * 3 + ["analyst"] * 3,
            "replication": [0, 1, 2] * 2,
            "contact_type": "all",
            "group": "all",
            "recovery_minutes": [40.0, math.nan, 40.0, 25.0, math.nan, 25.0],
        }
    )
    lines = recovery_section(scenario, summary, comparison, ["analyst", "none"], per_rep)
    assert lines[:2] == ["", "## Recovery after disruptions"]
    assert lines[2] == (
        "Minutes from the end of the day's last outage or surge (the telephony outage "
        "08:30-08:45; a surge of every contact type for 1 h from a start between 09:00 "
        "and 09:30, on 30% of days) until the rolling 30-minute service level over all "
        "contacts is back at the 80% target (0: it did not fall below). Means over the days "
        "with such a window (2 of the 3 days), with 95% CIs; a day not back at target by "
        "the close counts its minutes to the close."
    )
    assert lines[4:] == [
        "| policy | minutes to recover | difference from no intervention |",
        "|---|---|---|",
        "| analyst | 25.0 (20.0 to 30.0) | **-15.0 (-22.5 to -7.5)** |",
        "| none | 40.0 (30.0 to 50.0) | - |",
    ]


def test_a_day_without_a_disruption_window_shows_no_recovery():
    summary = _summary([_day("none"), _day("analyst")])
    assert recovery_section(_scenario(), summary, None, ["none", "analyst"]) == []


# -- training and adherence --------------------------------------------------------------------


def _shifts(policy: str, delivered: float, adherence: float, published: float) -> dict:
    """``policy``'s day over the groups on shifts: 4 h of training planned."""
    return _day(
        policy,
        training_hours_planned=4.0,
        training_hours_delivered=delivered,
        training_hours_delivered_ci=(max(delivered - 0.1, 0.0), delivered + 0.1),
        adherence=adherence,
        adherence_ci=(adherence - 0.01, adherence + 0.01),
        adherence_published=published,
        adherence_published_ci=(published - 0.01, published + 0.01),
    )


@pytest.fixture(scope="module")
def schedule() -> list[str]:
    summary = _summary(
        [
            _shifts("none", 3.9, 0.961, 0.961),
            _shifts("analyst", 0.0, 0.966, 0.946),
            _shifts("overtime", 3.94, 0.966, 0.966),
        ]
    )
    comparison = _comparison(
        [
            {"policy": "analyst", "diff_training_hours_delivered": (-3.9, -4.0, -3.8)},
            {"policy": "overtime", "diff_training_hours_delivered": (0.04, -0.04, 0.1)},
        ]
    )
    order = ["analyst", "overtime", "none"]
    return schedule_section(_scenario(), summary, comparison, order, "none")


def test_training_delivered_against_planned_and_what_a_policy_gave_up(schedule):
    assert schedule[:2] == ["", "## Training and adherence"]
    assert schedule[2].startswith(
        "The agents on individual shifts (group team); means per day. Training is the hours "
        "of off-phone activities (training, meetings, coaching): planned in the published "
        "schedule, and delivered (a cancelled session counts nothing). Training given up "
        "compared with no intervention: `analyst` 3.9 h a day (0.0 of 4.0 h delivered). "
    )  # overtime delivers 0.04 h more than none: nothing given up


def test_adherence_as_changed_beside_adherence_as_published(schedule):
    assert schedule[2].endswith(
        "*Adherence* judges the agents against the schedule as the policy changed it, so a "
        "break or activity it moved or cancelled is not non-adherence; *adherence to the "
        "published schedule* counts it as such."
    )
    assert schedule[4:] == [
        "| policy | training planned (h / day) | training delivered (h / day) | delivered vs "
        "no intervention (h) | adherence | adherence to the published schedule |",
        "|---|---|---|---|---|---|",
        "| analyst | 4.0 | 0.0 (0.0 to 0.1) | **-3.9 (-4.0 to -3.8)** | 96.6% (95.6% to 97.6%) "
        "| 94.6% (93.6% to 95.6%) |",
        "| overtime | 4.0 | 3.9 (3.8 to 4.0) | +0.0 (+0.0 to +0.1) | 96.6% (95.6% to 97.6%) "
        "| 96.6% (95.6% to 97.6%) |",
        "| none | 4.0 | 3.9 (3.8 to 4.0) | - | 96.1% (95.1% to 97.1%) | 96.1% (95.1% to 97.1%) |",
    ]


def test_without_training_planned_only_adherence_is_shown():
    summary = _summary(
        [_day("none", training_hours_planned=0.0, adherence=0.9, adherence_published=0.9)]
    )
    lines = schedule_section(_scenario(), summary, None, ["none"], "none")
    assert "Training" not in lines[2]
    assert lines[4:] == [
        "| policy | adherence | adherence to the published schedule |",
        "|---|---|---|",
        "| none | 90.0% | 90.0% |",
    ]


def test_without_agents_on_shifts_there_is_no_section():
    summary = _summary([_day("none"), _day("analyst")])
    assert schedule_section(_scenario(), summary, None, ["none", "analyst"], "none") == []
