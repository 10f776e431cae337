"""A week (``scenario.days``): its Monday is the one-day run, the email backlog opens the
next day, a weekly overtime budget binds across days, and the week's totals are its days'.

Built in-process from the default day (three days: as planned, 10% busier, as planned), a
few replications each: every check here is exact (equality of the same draws, or sums of
the same records), so no tolerance is involved.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import sim
from sim.core.week import Week, week_scenario
from sim.experiment.replications import run_replication
from sim.model.states import ContactState, Origin
from sim.model.week import simulate_week
from sim.policies.registry import make_policy

SEED = 20261123


@pytest.fixture(scope="module")
def week() -> Week:
    day = sim.load("default", overrides=["policies=none"]).scenario
    busier = dataclasses.replace(
        day,
        contact_types=tuple(
            dataclasses.replace(t, forecast=tuple(1.1 * x for x in t.forecast))
            for t in day.contact_types
        ),
    )
    return Week(days=(day, busier, day), names=("mon", "tue", "wed"))


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


@pytest.mark.parametrize("policy", ["none", "overtime"])
def test_monday_alone_is_the_one_day_run(week, policy):
    for replication in (0, 1):
        one_day = run_replication(week.days[0], policy, SEED, replication)
        in_week = run_replication(week, policy, SEED, replication)
        monday = [r for r in in_week.day_rows if r["day"] == "mon"]
        assert len(monday) == len(one_day.rows)
        for alone, row in zip(one_day.rows, monday, strict=True):
            assert (alone["contact_type"], alone["group"]) == (row["contact_type"], row["group"])
            different = [k for k in alone if not _same(alone[k], row[k])]
            assert different == [], different
        # The later days draw from streams of their own.
        tuesday = [r for r in in_week.day_rows if r["day"] == "tue"]
        assert tuesday[0]["offered"] != monday[0]["offered"]


def test_the_email_backlog_opens_the_next_day(week):
    outcomes = simulate_week(week, SEED, 0)
    email = week.days[0].type_names.index("email")
    for before, after in zip(outcomes, outcomes[1:], strict=False):
        left = (before.state == ContactState.WAITING) & (before.contact_type == email)
        carried = after.origin == Origin.OVERNIGHT
        assert left.sum() > 0
        assert carried.sum() == left.sum()  # every email left at close, no other contact
        assert (after.contact_type[carried] == email).all()
        # They arrived before the day's time 0, by the time they had waited at the close.
        np.testing.assert_allclose(
            np.sort(after.arrival[carried]),
            np.sort(before.arrival[left] - before.horizon_seconds),
        )
        assert (after.state[carried] == ContactState.ANSWERED).all()  # first thing


def test_a_weekly_overtime_budget_binds_across_days(week):
    def asked(params):
        made = []

        def policy_for_day(d):
            policy = make_policy("overtime", params)
            policy.continue_week(sum(p.overtime_hours_asked() for p in made))
            made.append(policy)
            return policy

        simulate_week(week, SEED, 0, policy_for_day)
        return [p.overtime_hours_asked() for p in made]

    free = asked(None)
    capped = asked({"max_agent_hours_per_week": 12.0})
    assert sum(free) > 12.0 and all(hours > 0 for hours in free)  # the cap would bind
    assert 0 < sum(capped) <= 12.0
    assert capped[-1] < free[-1]  # the last day finds the week's budget spent


def test_the_weeks_totals_are_its_days(week):
    result = run_replication(week, "overtime", SEED, 2)
    scenario = week_scenario(week)
    assert len(result.intervals["interval"]) == len(result.rows) * scenario.intervals
    for row in result.rows:
        days = [
            r
            for r in result.day_rows
            if (r["contact_type"], r["group"]) == (row["contact_type"], row["group"])
        ]
        assert len(days) == 3
        for kpi in ("offered", "answered", "abandoned", "waiting_at_end", "cost"):
            if not math.isnan(row[kpi]):
                assert row[kpi] == pytest.approx(sum(d[kpi] for d in days), rel=1e-12), kpi
    assert scenario.interval_label(24) == "tue 08:00"
    assert scenario.clock(2 * scenario.horizon_seconds / 3 + 1800) == "wed 08:30"


def test_an_email_left_unjudged_at_a_close_is_judged_the_next_day(week):
    """An email still waiting at Monday's close that had waited less than its threshold is
    left out of Monday's service level (its outcome unknown then) and judged on Tuesday, by
    its wait in open hours; Tuesday's own emails as in a one-day run."""
    from sim.kpi.definitions import replication_kpis

    outcomes = simulate_week(week, SEED, 0)
    tuesday, day = outcomes[1], week.days[1]
    email = day.type_names.index("email")
    threshold = day.contact_types[email].service_level.threshold_seconds
    mine = tuesday.contact_type == email
    answered = tuesday.state == ContactState.ANSWERED
    waiting = tuesday.state == ContactState.WAITING
    wait = tuesday.resolved_at - tuesday.arrival
    waited_at_close = tuesday.horizon_seconds - tuesday.arrival
    own = mine & (tuesday.origin == Origin.NEW)
    late = mine & (tuesday.origin == Origin.OVERNIGHT) & (-tuesday.arrival < threshold)
    assert late.sum() > 0  # Monday left some unjudged
    unknown = waiting & (waited_at_close < threshold)
    judged = (own & ~unknown).sum() + (late & ~unknown).sum()
    within = ((own | late) & answered & (wait <= threshold)).sum()
    kpis = replication_kpis(tuesday, day, "email")
    assert kpis["service_level"] == within / judged
    assert kpis["offered"] == own.sum()  # the carried emails were offered on Monday
