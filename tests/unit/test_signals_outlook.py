"""The analyst's shared machinery, exactly: the noise tests, rolling windows, persistence and
hold (:mod:`sim.policies.signals`), the reforecast, the allocation of required agents
through the skills and the outlook (:mod:`sim.policies.outlook`), the one expected-wait
estimate (:func:`sim.policies.api.expected_wait_seconds`); and the model side of the actions
the rebuilt policies use (immediate eligibility, partner capacity, shift extensions and
call-ins, breaks brought forward, time off with a return).

Expected values come from an independent formula (scipy's distributions, the Erlang
functions of :mod:`sim.analytic`) or are worked out by hand in the test; model-side tests
run tiny days with a scripted policy and check the records to the second.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from wallboard import wallboard

from sim.analytic import required_agents
from sim.core.costs import Costs
from sim.core.distributions import Distribution
from sim.core.scenario import AgentGroup, ContactType, OverflowStep, Scenario, Skill
from sim.core.workforce import Break, Shift
from sim.model.states import AwayKind, ContactState, ItemState
from sim.model.world import simulate
from sim.policies.api import (
    CallOvertime,
    DayPlan,
    GroupPlan,
    OfferVTO,
    Outsource,
    PostponeItem,
    RealtimeView,
    SetPreference,
    TypePlan,
    expected_wait_seconds,
)
from sim.policies.base import Policy, PolicyParams
from sim.policies.outlook import Outlook, Reforecaster, allocate, requirement
from sim.policies.signals import Hold, Persistence, Tracker, binomial_lower_tail, poisson_tail

L = 900.0  # seconds per interval in every day below

# -- noise tests ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("k", "mu"),
    [(0, 5.0), (1, 5.0), (5, 5.0), (12, 5.0), (60, 5.0), (2, 0.1), (130, 100.0), (200, 100.0)]
    + [(70, 100.0), (30, 100.0), (1000, 900.0), (820, 900.0), (5000, 4000.0)],
)
def test_poisson_tail_equals_scipy_in_both_tails(k, mu):
    """P(X >= k) and P(X <= k), also where they are 1e-16 or far smaller."""
    upper, lower = stats.poisson.sf(k - 1, mu), stats.poisson.cdf(k, mu)
    assert poisson_tail(k, mu) == pytest.approx(upper, rel=1e-9, abs=0.0)
    assert poisson_tail(k, mu, upper=False) == pytest.approx(lower, rel=1e-9, abs=0.0)


def test_poisson_tail_rounds_the_count_and_handles_no_expectation():
    # Upper tail: at least 7.6 contacts means at least 7; lower: at most 7.2 means at most 7.
    assert poisson_tail(7.6, 4.0) == pytest.approx(stats.poisson.sf(6, 4.0), rel=1e-12)
    assert poisson_tail(6.2, 4.0, upper=False) == pytest.approx(
        stats.poisson.cdf(7, 4.0), rel=1e-12
    )
    assert poisson_tail(0, 3.0) == 1.0 and poisson_tail(-2, 3.0) == 1.0
    assert poisson_tail(-1, 3.0, upper=False) == 0.0
    # Nothing expected: nothing observed is certain, anything more impossible.
    assert poisson_tail(0, 0.0) == 1.0 and poisson_tail(1, 0.0) == 0.0
    assert poisson_tail(3, 0.0, upper=False) == 1.0


@pytest.mark.parametrize(
    ("s", "n", "p"),
    [(0, 10, 0.8), (5, 10, 0.8), (9, 10, 0.8), (24, 40, 0.8), (30, 40, 0.8), (60, 200, 0.8)]
    + [(150, 200, 0.8), (1, 1000, 0.5), (880, 1000, 0.9), (3, 7, 0.05)],
)
def test_binomial_lower_tail_equals_scipy(s, n, p):
    assert binomial_lower_tail(s, n, p) == pytest.approx(stats.binom.cdf(s, n, p), rel=1e-9)


def test_binomial_lower_tail_edges():
    assert binomial_lower_tail(10, 10, 0.8) == 1.0  # all successes: nothing lower
    assert binomial_lower_tail(0, 0, 0.8) == 1.0  # no trials: no evidence
    assert binomial_lower_tail(-1, 10, 0.8) == 0.0
    assert binomial_lower_tail(3, 10, 0.0) == 1.0 and binomial_lower_tail(3, 10, 1.0) == 0.0


# -- rolling windows, persistence, hold -------------------------------------------------------


def one_queue(forecast=(40.0,) * 8, agents=10, patience=240.0) -> Scenario:
    calls = ContactType(
        "calls",
        tuple(forecast),
        Distribution.exponential(300.0),
        patience=None if patience is None else Distribution.exponential(patience),
    )
    team = AgentGroup("team", (agents,) * len(forecast), (Skill("calls"),))
    return Scenario("one queue", L, (calls,), (team,))


def counted(scenario, now, offered, answered, decided) -> RealtimeView:
    return wallboard(
        scenario,
        now,
        queues={
            "calls": dict(
                offered_day=offered, answered_in_threshold_day=answered, decided_day=decided
            )
        },
    )


def test_a_rolling_window_runs_across_an_interval_boundary():
    """Checks every 5 minutes; the window of the last 10 minutes at 0:20 spans the
    boundary at 0:15 and differences the day's counters from the check at 0:10."""
    scenario = one_queue()
    tracker = Tracker()
    counters = {300: (10, 8, 9), 600: (22, 15, 19), 900: (30, 20, 27), 1200: (41, 26, 37)}
    counters[1500] = (50, 30, 45)
    for now, (offered, answered, decided) in counters.items():
        tracker.update(counted(scenario, now, offered, answered, decided))
    tracker.update(counted(scenario, 1500, 999, 999, 999))  # same moment again: ignored
    window = tracker.window("calls", 600.0)
    assert (window.offered, window.answered_in_threshold, window.decided) == (50 - 30, 10, 18)
    assert window.seconds == 600.0
    assert window.forecast == pytest.approx(40.0 * 600.0 / L)  # 40 per 15 minutes
    assert window.service_level() == 10 / 18
    # At 0:20 the window reaches back to 0:10 across the boundary (the interval so far
    # would show 11 offered since 0:15; the window shows 19).
    tracker_at_1200 = Tracker()
    for now in (300, 600, 900, 1200):
        tracker_at_1200.update(counted(scenario, now, *counters[now]))
    across = tracker_at_1200.window("calls", 600.0)
    assert (across.offered, across.decided, across.seconds) == (41 - 22, 37 - 19, 600.0)
    # A window that does not end on a check starts at the last check before it.
    assert tracker.window("calls", 450.0).seconds == 600.0
    # Longer than the day so far: the whole day.
    whole = tracker.window("calls", 7200.0)
    assert (whole.offered, whole.decided, whole.seconds) == (50, 45, 1500.0)


def test_window_service_level_and_below_target_need_enough_contacts():
    scenario = one_queue()
    tracker = Tracker()
    tracker.update(counted(scenario, 1800, offered=45, answered=24, decided=40))
    window = tracker.window("calls", 3600.0)
    assert math.isnan(window.service_level(min_decided=41)) and window.service_level(40) == 0.6
    p = stats.binom.cdf(24, 40, 0.8)  # 0.0014
    assert window.below_target(0.8, alpha=0.05, min_decided=30)
    assert not window.below_target(0.8, alpha=p * 0.99, min_decided=30)  # not beyond chance
    assert window.below_target(0.8, alpha=p * 1.01, min_decided=30)
    assert not window.below_target(0.8, alpha=0.05, min_decided=41)  # too few contacts


def test_persistence_needs_k_checks_in_a_row_and_restarts_on_a_miss():
    persistence = Persistence(3)
    seen = [persistence.holds("a", c) for c in (True, True, False, True, True, True, True)]
    assert seen == [False, False, False, False, False, True, True]
    assert not persistence.holds("b", True)  # keys counted apart
    persistence.reset("a")
    assert [persistence.holds("a", True) for _ in range(3)] == [False, False, True]
    assert Persistence(1).holds("x", True) and not Persistence(1).holds("x", False)


def test_hold_refuses_a_second_change_within_its_time():
    hold = Hold(1800.0)
    assert hold.may_change("q", 0.0)  # never changed
    hold.changed("q", 600.0)
    assert not hold.may_change("q", 600.0) and not hold.may_change("q", 2399.0)
    assert hold.may_change("q", 2400.0) and hold.may_change("other", 601.0)


# -- reforecast -------------------------------------------------------------------------------


def test_day_ratio_is_one_within_poisson_noise_and_damped_beyond():
    """Forecast 100 so far: the first count beyond noise at alpha = 0.001 (found with scipy)
    switches the ratio from exactly 1 to (offered + 200) / (100 + 200)."""
    refit = Reforecaster(prior_contacts=200.0, day_alpha=0.001)
    high = next(k for k in range(100, 200) if stats.poisson.sf(k - 1, 100.0) < 0.001)
    low = next(k for k in range(100, 0, -1) if stats.poisson.cdf(k, 100.0) < 0.001)
    assert (high, low) == (133, 70)
    assert refit.day_ratio(high - 1, 100.0) == 1.0
    assert refit.day_ratio(high, 100.0) == (133 + 200) / 300
    assert refit.day_ratio(low + 1, 100.0) == 1.0
    assert refit.day_ratio(low, 100.0) == (70 + 200) / 300
    assert refit.day_ratio(100, 100.0) == 1.0 and refit.day_ratio(5, 0.0) == 1.0
    assert Reforecaster(prior_contacts=0.0).day_ratio(200, 100.0) == 2.0  # undamped


def test_surge_ratio_needs_a_minimum_count_and_a_significant_excess():
    refit = Reforecaster(prior_contacts=200.0, surge_alpha=0.001, surge_min_contacts=20)
    first = next(k for k in range(30, 100) if stats.poisson.sf(k - 1, 30.0) < 0.001)
    assert first == 49
    assert refit.surge_ratio(first - 1, 30.0) == 1.0
    assert refit.surge_ratio(first, 30.0) == (49 + 200) / (30 + 200)
    assert stats.poisson.sf(18, 2.0) < 1e-10  # 19 contacts for 2 expected: a surge, but...
    assert refit.surge_ratio(19, 2.0) == 1.0  # ...fewer than 20 contacts are not judged
    assert refit.surge_ratio(10, 30.0) == 1.0  # fewer than expected: never a surge


def test_rest_of_day_applies_the_damped_day_ratio_and_the_oracle_uses_the_realised_rates():
    forecast = (100.0, 100.0, 80.0, 60.0, 60.0, 40.0, 40.0, 20.0)
    scenario = one_queue(forecast)
    # 0:10 into the day: 66.7 forecast so far, 130 offered (P ~ 1e-11): ratio 330/266.7.
    view = counted(scenario, 600.0, offered=130, answered=0, decided=0)
    refit = Reforecaster()
    tracker = Tracker()
    tracker.update(view)
    ratio = (130 + 200) / (100.0 * 600 / L + 200)
    rates = refit.rest_of_day(view, tracker)["calls"]
    assert rates == pytest.approx(tuple(f * ratio for f in forecast), rel=1e-12)
    # Within noise (70 offered against 66.7) the plan stands.
    calm = counted(scenario, 600.0, offered=70, answered=0, decided=0)
    tracker = Tracker()
    tracker.update(calm)
    assert refit.rest_of_day(calm, tracker)["calls"] == forecast
    # The oracle is told the realised rates: they are the rest of its day, whatever came.
    realised = (130.0, 150.0, 120.0, 90.0, 70.0, 50.0, 30.0, 10.0)
    oracle = Reforecaster()
    oracle.realised = {"calls": realised}
    tracker = Tracker()
    tracker.update(view)
    assert oracle.rest_of_day(view, tracker)["calls"] == realised
    later = counted(scenario, 2 * L + 60.0, offered=300, answered=0, decided=0)
    assert oracle.rest_of_day(later, tracker)["calls"] == realised[2:]


def test_rest_of_day_adds_a_fading_surge_read_from_the_last_half_hour():
    """On forecast (100 per interval) until 0:30, then 400 in the next 30 minutes (twice
    the forecast): the day ratio (600 + 200) / (400 + 200) applies to all coming intervals,
    and the recent window's excess over it, (400 + 200) / (200 x 4/3 + 200), on top, fading
    by 0.8 per interval."""
    scenario = one_queue((100.0,) * 8)
    tracker = Tracker()
    tracker.update(counted(scenario, 1800.0, offered=200, answered=0, decided=0))
    view = counted(scenario, 3600.0, offered=600, answered=0, decided=0)
    tracker.update(view)
    ratio = 800 / 600
    surge = 600 / (200 * ratio + 200)
    rates = Reforecaster().rest_of_day(view, tracker)["calls"]
    expected = [100.0 * ratio * (1 + (surge - 1) * 0.8**j) for j in range(4)]
    assert rates == pytest.approx(expected, rel=1e-12)


# -- requirement and allocation ---------------------------------------------------------------


def type_plan(name, channel="voice", work=300.0, patience=240.0, threshold=20.0, target=0.8):
    return TypePlan(name, channel, (0.0,), work, patience, threshold, target)


def test_requirement_is_erlang_a_for_voice_per_chat_for_chat_and_workload_for_email():
    voice = type_plan("v")
    assert requirement(voice, 25.0, L) == required_agents(100 / 3600, 300.0, 20.0, 0.8, 240.0)
    assert requirement(voice, 25.0, L) == 11.0
    # Rates are rounded to whole contacts per hour: 25.1 in 15 minutes is 100.4 an hour.
    assert requirement(voice, 25.1, L) == requirement(voice, 25.0, L)
    # Half an interval at the same rate needs the same agents.
    assert requirement(voice, 12.5, L / 2) == 11.0
    never = type_plan("c", patience=math.inf)
    assert requirement(never, 25.0, L) == required_agents(100 / 3600, 300.0, 20.0, 0.8)
    chat = type_plan("chat", "chat", work=600.0, patience=300.0, threshold=60.0)
    sessions = required_agents(200 / 3600, 600.0, 60.0, 0.8, 300.0)
    assert requirement(chat, 50.0, L, concurrency=3) == sessions / 3
    email = type_plan("mail", "email", work=240.0, patience=math.inf, threshold=3600.0)
    assert requirement(email, 30.0, L) == 30 * 240.0 / L  # 8 agents' work, no queueing
    assert requirement(voice, 0.0, L) == 0.0 and requirement(voice, 5.0, 0.0) == 0.0


def hand_plan(types, groups) -> DayPlan:
    """A plan of one interval: ``types`` name -> channel; ``groups`` name -> skills as
    (type, level)."""
    return DayPlan(
        interval_seconds=L,
        intervals=1,
        horizon_seconds=L,
        start_clock_seconds=0.0,
        types={n: type_plan(n, c) for n, c in types.items()},
        groups={
            g: GroupPlan(g, tuple((t, lv, 1.0) for t, lv in s), 1, (0.0,), True, {}, 0.0)
            for g, s in groups.items()
        },
        overtime_premium=0.5,
    )


def test_allocate_meets_level_one_first_then_level_two():
    """g1 serves A first, B second; g2 serves B only. Needs A 8, B 9; g1 has 12, g2 6.

    Level 1: A takes 8 of g1 (4 left), B takes all 6 of g2 (3 short).
    Level 2: B's 3 come from g1's 4: nobody short, g1 has 1 left."""
    plan = hand_plan({"A": "voice", "B": "voice"}, {"g1": [("A", 1), ("B", 2)], "g2": [("B", 1)]})
    short, left = allocate(plan, {"A": 8.0, "B": 9.0}, {"g1": 12.0, "g2": 6.0})
    assert short == {"A": 0.0, "B": 0.0} and left == {"g1": 1.0, "g2": 0.0}
    # With g1 at 10: level 1 leaves it 2, level 2 gives B those 2: B short 1, nothing left.
    short, left = allocate(plan, {"A": 8.0, "B": 9.0}, {"g1": 10.0, "g2": 6.0})
    assert short == {"A": 0.0, "B": 1.0} and left == {"g1": 0.0, "g2": 0.0}
    # Level 1 before level 2 whatever the order of the needs: g1's A is never starved by B.
    short, left = allocate(plan, {"B": 20.0, "A": 8.0}, {"g1": 10.0, "g2": 6.0})
    assert short == {"A": 0.0, "B": 12.0} and left == {"g1": 0.0, "g2": 0.0}


def test_allocate_shares_a_group_among_its_types_in_proportion_and_email_comes_last():
    """C is served at level 1 by g1 (6) and g2 (2), so it asks 3 of g1 and 1 of g2; D (level
    1 of g2 only) asks 3 of g2. g2 has 2 for asks of 4: each gets half (C 0.5, D 1.5).
    E (email) is g1's first skill, yet it gets only what the live types leave: g1's 3."""
    plan = hand_plan(
        {"C": "voice", "D": "voice", "E": "email"},
        {"g1": [("E", 1), ("C", 1)], "g2": [("C", 1), ("D", 1)]},
    )
    short, left = allocate(plan, {"C": 4.0, "D": 3.0, "E": 5.0}, {"g1": 6.0, "g2": 2.0})
    assert short == pytest.approx({"C": 0.5, "D": 1.5, "E": 2.0}, abs=1e-12)
    assert left == pytest.approx({"g1": 0.0, "g2": 0.0}, abs=1e-12)
    # Enough for everyone: the leftovers are each group's agents less what it gave.
    short, left = allocate(plan, {"C": 4.0, "D": 1.0, "E": 1.0}, {"g1": 8.0, "g2": 4.0})
    assert short == pytest.approx({"C": 0.0, "D": 0.0, "E": 0.0}, abs=1e-12)
    # C asks 4 x 8/12 of g1 and 4 x 4/12 of g2; D 1 of g2; E 1 of g1.
    assert left == pytest.approx({"g1": 8 - 8 / 3 - 1, "g2": 4 - 4 / 3 - 1}, abs=1e-12)


def test_outlook_charges_a_shortfall_to_the_first_choice_group():
    """sales: first choice sales_team (level 1), overflow service_team (level 2). With too
    few agents in both, the shortfall of sales is sales_team's, and service_team, whose own
    queue is covered, has the rest of its agents to spare."""
    sales = ContactType("sales", (25.0,) * 4, Distribution.exponential(300.0))
    service = ContactType("service", (25.0,) * 4, Distribution.exponential(300.0))
    sales_team = AgentGroup("sales_team", (8,) * 4, (Skill("sales"),))
    service_team = AgentGroup(
        "service_team", (14,) * 4, (Skill("service", level=1), Skill("sales", level=2))
    )
    scenario = Scenario("two", L, (sales, service), (sales_team, service_team))
    need = required_agents(100 / 3600, 300.0, 20.0, 0.8)  # Erlang C: no patience
    assert need == 12
    view = wallboard(scenario, 0.0)
    outlook = Outlook.build(view, {t: (25.0,) * 4 for t in ("sales", "service")}, 4)
    # service_team: 12 for service, 2 over to sales; sales lacks 12 - 8 - 2 = 2.
    assert outlook.short["sales_team"] == (2.0,) * 4
    assert outlook.short["service_team"] == (0.0,) * 4
    assert outlook.surplus == {"sales_team": (0.0,) * 4, "service_team": (0.0,) * 4}
    assert outlook.type_short == {"sales": (2.0,) * 4, "service": (0.0,) * 4}
    assert outlook.available["sales_team"] == (8.0,) * 4
    # Waiting contacts add their work, over at least 10 minutes, to the current interval.
    busy = wallboard(scenario, 0.0, queues={"sales": {"waiting": 6}})
    now = Outlook.build(busy, {t: (25.0,) * 4 for t in ("sales", "service")}, 4)
    assert now.short["sales_team"] == (2.0 + 6 * 300.0 / L, 2.0, 2.0, 2.0)


# -- the one expected-wait estimate -----------------------------------------------------------


def test_expected_wait_without_patience_is_the_queue_ahead_over_the_service_rate():
    assert expected_wait_seconds(3, 300.0, 5) == 4 * 300.0 / 5
    assert expected_wait_seconds(0, 180.0, 9) == 20.0
    assert expected_wait_seconds(3, 300.0, 0) == math.inf


def test_expected_wait_with_patience_sums_the_erlang_a_stages():
    """3 waiting, 5 agents at 300 s (rate 1/60 s), patience 120 s (each waiting contact
    hangs up at 1/120 s): 60 + 40 + 30 + 24 seconds, as each stage clears faster."""
    assert expected_wait_seconds(3, 300.0, 5, 120.0) == pytest.approx(154.0, rel=1e-15)
    terms = [1.0 / (7 / 240.0 + i / 90.0) for i in range(11)]
    assert expected_wait_seconds(10, 240.0, 7, 90.0) == pytest.approx(sum(terms), rel=1e-15)
    assert expected_wait_seconds(0, 300.0, 5, 120.0) == 60.0
    assert expected_wait_seconds(4, 300.0, 5, math.inf) == expected_wait_seconds(4, 300.0, 5)


# -- the model side of the actions ------------------------------------------------------------


class Scripted(Policy):
    """Looks every ``every_minutes``; the first time ``when(view)`` holds, returns
    ``make(view)`` (actions apply after ``latency_minutes``). Keeps every view it saw."""

    def __init__(self, when, make, every_minutes=5.0, latency_minutes=0.0):
        super().__init__(
            PolicyParams(check_interval_minutes=every_minutes, latency_minutes=latency_minutes)
        )
        self.when, self.make = when, make
        self.views: list[RealtimeView] = []
        self.acted_at: float | None = None

    def decide(self, view):
        self.views.append(view)
        if self.acted_at is None and self.when(view):
            self.acted_at = view.now
            return self.make(view)
        return []


def test_set_preference_immediate_lets_the_overflow_group_take_a_waiting_contact_at_once():
    """Group A (nobody logged in) is calls' first choice; B may take a call after 30 s of
    waiting. Told to take calls at once, B's idle agent answers the caller waiting now, at
    the moment the action applies, and later callers on arrival."""
    calls = ContactType(
        "calls",
        (10.0,) * 8,
        Distribution("deterministic", 20.0),
        overflow=(OverflowStep(30.0, ("B",)),),
    )
    a = AgentGroup("A", (0,) * 8, (Skill("calls"),))
    b = AgentGroup("B", (1,) * 8, (Skill("calls"),))
    scenario = Scenario("overflow", L, (calls,), (a, b))
    policy = Scripted(
        lambda v: v.queues["calls"].waiting > 0 and v.groups["B"].available > 0,
        lambda v: [SetPreference(group="B", contact_type="calls", level=1, immediate=True)],
        every_minutes=0.1,
    )
    out = simulate(scenario, 3, 0, policy=policy)
    base = simulate(scenario, 3, 0)
    at = policy.acted_at
    assert at is not None
    assert [a[2:5] for a in out.actions] == [("set_preference", "B/calls", 1)]
    # Without the action every call waits the full overflow delay at least.
    answered = base.state == ContactState.ANSWERED
    assert (base.resolved_at[answered] - base.arrival[answered] >= 30.0 - 1e-9).all()
    # The caller waiting when the action applied: answered then by B, not at 30 s.
    (i,) = np.flatnonzero(out.resolved_at == at)
    assert out.arrival[i] < at < out.arrival[i] + 30.0
    assert out.answering_group[i] == 1
    assert base.resolved_at[i] == pytest.approx(base.arrival[i] + 30.0)
    # Before it, nothing changed. From it on, B serves calls first come, first served, on
    # arrival when idle: answer times follow Lindley's recursion on the same calls.
    earlier = out.resolved_at < at
    np.testing.assert_array_equal(out.resolved_at[earlier], base.resolved_at[earlier])
    rest = np.flatnonzero(~earlier & ~np.isnan(out.resolved_at))
    assert rest[0] == i and len(rest) > 20
    free_at = at
    for j in rest:
        assert out.resolved_at[j] == pytest.approx(max(out.arrival[j], free_at), abs=1e-9)
        free_at = out.resolved_at[j] + out.work[j]


def test_outsource_capacity_caps_the_contacts_handed_on_per_interval():
    """Nobody answers; from 0:10 every call that has waited 10 s goes to the partner, at
    most 3 per interval. Exactly the first 3 calls due in each interval go (at their due
    time: 10 s after arrival, or 0:10 for those already waiting); the rest stay queued."""
    calls = ContactType("calls", (20.0,) * 4, Distribution.exponential(300.0))
    nobody = AgentGroup("A", (0,) * 4, (Skill("calls"),))
    scenario = Scenario("partner", L, (calls,), (nobody,), costs=Costs(outsourced_contact=5.0))
    policy = Scripted(
        lambda v: v.now >= 600.0,
        lambda v: [
            Outsource(contact_type="calls", after_wait_seconds=10.0, capacity_per_interval=3)
        ],
    )
    out = simulate(scenario, 11, 0, policy=policy)
    assert policy.acted_at == 600.0
    due = np.maximum(out.arrival + 10.0, 600.0)
    first_three = np.zeros(len(due), dtype=bool)
    for k in range(4):
        in_k = np.flatnonzero((due // L == k) & (due < 4 * L))
        first_three[in_k[np.lexsort((out.arrival[in_k], due[in_k]))][:3]] = True
    outsourced = out.state == ContactState.OUTSOURCED
    np.testing.assert_array_equal(outsourced, first_three)
    np.testing.assert_array_equal(out.resolved_at[outsourced], due[outsourced])
    assert np.bincount((due[outsourced] // L).astype(int), minlength=4).tolist() == [3, 3, 3, 3]
    assert ((out.state == ContactState.WAITING) | outsourced).all()
    # Without a cap every call due after 0:10 goes.
    free = Scripted(
        lambda v: v.now >= 600.0,
        lambda v: [Outsource(contact_type="calls", after_wait_seconds=10.0)],
    )
    uncapped = simulate(scenario, 11, 0, policy=free)
    np.testing.assert_array_equal(uncapped.state == ContactState.OUTSOURCED, due < 4 * L)


def staffed_day(ends, forecast=0.0, breaks=None) -> Scenario:
    """One agent per shift end in ``ends`` (all start at 0) over 8 intervals, at 30 an hour
    and a 50% overtime premium; no contacts unless ``forecast`` is set."""
    calls = ContactType("calls", (forecast,) * 8, Distribution.exponential(300.0))
    shifts = tuple(
        Shift(f"a{i}", 0.0, end, breaks=(breaks or {}).get(i, ())) for i, end in enumerate(ends)
    )
    team = AgentGroup("team", (float(len(ends)),) * 8, (Skill("calls"),), shifts=shifts)
    return Scenario("shifts", L, (calls,), (team,), costs=Costs(hourly=30.0, overtime_premium=0.5))


def overtime_agents(out):
    """(log-in, log-out) of the agents who are not on a planned shift, in log-in order."""
    extra = out.agent_day < 0
    return list(zip(out.login_at[extra].tolist(), out.logout_at[extra].tolist(), strict=True))


def test_extension_keeps_on_the_agents_whose_shifts_end_soonest_after_the_start():
    """Shifts end at 0:30, 0:45, 1:00 and 2:00; two extensions of half an hour from 0:33:20
    go to the shifts ending at 0:45 and 1:00, each on from its own end."""
    scenario = staffed_day((1800.0, 2700.0, 3600.0, 7200.0))
    policy = Scripted(
        lambda v: True,
        lambda v: [
            CallOvertime(group="team", agents=2, hours=0.5, lever="extension", start_at=2000.0)
        ],
    )
    out = simulate(scenario, 1, 0, policy=policy)
    assert overtime_agents(out) == [(2700.0, 4500.0), (3600.0, 5400.0)]
    # Worked overtime pays the premium only (the hours themselves are logged in): 2 x 0.5 h
    # x 30 x 0.5, booked in the interval each extension starts.
    (action,) = out.actions
    assert action[2:6] == ("call_overtime", "team", 2, 15.0)
    assert out.extra_cost[0].tolist() == [0.0, 0.0, 0.0, 7.5, 7.5, 0.0, 0.0, 0.0]


def test_a_call_in_is_paid_at_least_its_minimum_block():
    """Two agents called in at 1:00 for 1 hour, paid at least 2 hours: each costs 1 hour's
    premium (0.5 x 30) plus 1 unworked hour at the full overtime rate (1.5 x 30): 60."""
    scenario = staffed_day((1800.0, 2700.0, 3600.0, 7200.0))
    policy = Scripted(
        lambda v: True,
        lambda v: [
            CallOvertime(group="team", agents=2, hours=1.0, start_at=3600.0, min_paid_hours=2.0)
        ],
    )
    out = simulate(scenario, 1, 0, policy=policy)
    assert overtime_agents(out) == [(3600.0, 7200.0), (3600.0, 7200.0)]
    (action,) = out.actions
    assert action[2:6] == ("call_overtime", "team", 2, 120.0)
    assert out.extra_cost.sum() == 120.0 and out.extra_cost[0, 4] == 120.0
    # A call-in asked to start before its lead time starts when the lead time allows.
    late = Scripted(
        lambda v: v.now >= 600.0,
        lambda v: [
            CallOvertime(group="team", agents=1, hours=0.5, lead_minutes=30.0, start_at=900.0)
        ],
    )
    assert overtime_agents(simulate(scenario, 1, 0, policy=late)) == [(2400.0, 4200.0)]


def test_a_break_is_brought_forward_within_its_window_and_never_before_now():
    """a0's break: planned at 1:00, latest 1:15 (window 15 minutes), so it may start from
    0:45. Asked at 0:10 to start at 0:16:40, it starts at 0:45; asked to start at 2:00, at
    1:15. a1's break (planned 0:20, latest 0:35, so from 0:05) asked at 0:10 to start at
    0:00 starts at 0:10, when the request applies."""
    breaks = {
        0: (Break("break", 3600.0, 4500.0, 900.0),),
        1: (Break("break", 1200.0, 2100.0, 600.0),),
    }
    scenario = staffed_day((7200.0, 7200.0, 7200.0), breaks=breaks)

    def ask(until0, until1):
        def make(view):
            items = {u.agent: u.item_id for u in view.upcoming}
            return [
                PostponeItem(item=items["a0"], until=until0),
                PostponeItem(item=items["a1"], until=until1),
            ]

        policy = Scripted(lambda v: v.now >= 600.0, make)
        out = simulate(scenario, 1, 0, policy=policy)
        breaks = out.away_kind == AwayKind.BREAK
        starts = dict(
            zip(out.away_planned[breaks].tolist(), out.away_start[breaks].tolist(), strict=True)
        )
        assert [a[4] for a in out.actions] == [1, 1]  # both moved
        return out, starts

    out, starts = ask(1000.0, 0.0)
    assert starts == {3600.0: 2700.0, 1200.0: 600.0}
    assert sorted(out.item_due.tolist()) == [600.0, 2700.0]
    _, starts = ask(7200.0, 1800.0)
    assert starts == {3600.0: 4500.0, 1200.0: 1800.0}


def test_a_fixed_break_does_not_move():
    scenario = staffed_day((7200.0,), breaks={0: (Break("lunch", 3600.0, 3600.0, 1800.0),)})
    policy = Scripted(
        lambda v: True,
        lambda v: [PostponeItem(item=v.upcoming[0].item_id, until=2700.0)],
    )
    out = simulate(scenario, 1, 0, policy=policy)
    assert out.actions[0][4] == 0  # applied to nothing
    assert out.away_start[out.away_kind == AwayKind.LUNCH].tolist() == [3600.0]
    assert out.item_state.tolist() == [ItemState.DONE]


def test_a_scheduled_agent_on_time_off_with_hours_comes_back_after_it():
    """Time off for half an hour at 0:10: one agent leaves then and an agent of the group is
    back on the phone at 0:40 until that shift's end; the view's agents ahead count it
    out for the time off and back after it."""
    scenario = staffed_day((1800.0, 2700.0, 3600.0, 7200.0))
    policy = Scripted(
        lambda v: v.now >= 600.0,
        lambda v: [OfferVTO(group="team", agents=1, hours=0.5)],
    )
    out = simulate(scenario, 1, 0, policy=policy)
    (action,) = out.actions
    assert action[2:6] == ("offer_vto", "team", 1, -15.0)  # half an hour saved at 30
    sent = np.flatnonzero(~np.isnan(out.sent_home_at))
    (d,) = sent
    assert out.sent_home_at[d] == 600.0
    end = out.days[d].shift.end
    assert overtime_agents(out) == [(2400.0, end)]
    assert out.days[d].shift.agent == "a3"  # the most recently idle: the last to log in
    # Seen at 0:20 (intervals 1-7): a0-a2 until their shifts end, a3 back from 0:40.
    seen = {v.now: v.groups["team"] for v in policy.views}
    assert seen[1200.0].on_phone_ahead == pytest.approx((3, 2 + 1 / 3, 2, 1, 1, 1, 1))
    assert seen[1200.0].logged_in == 3 and seen[2400.0].logged_in == 3  # a0 gone, a3 back


def test_a_move_is_judged_by_the_lack_it_cuts_where_it_leaves_and_where_it_goes():
    """Three half hours: short one agent, two to spare, short one agent. A 15-minute break
    in the last one, moved to start at 0:22:30, leaves the third interval half an agent
    short (-0.5) and takes a quarter of an agent from the first (+0.25): it cuts 0.25
    agent-intervals, although the first interval it lands in is short itself."""
    from sim.policies.levers import _best_start

    outlook = Outlook(
        first=0,
        rates={},
        available={"g": (10.0, 10.0, 10.0)},
        short={"g": (1.0, 0.0, 1.0)},
        surplus={"g": (0.0, 2.0, 0.0)},
        type_short={},
    )
    best, cut = _best_start(outlook, "g", 1800.0, (3600.0, 4500.0), 1, [1350.0])
    assert best == 1350.0
    assert cut == pytest.approx(0.25)
    # Wholly in the spare half hour it cuts 0.5, and is preferred.
    assert _best_start(outlook, "g", 1800.0, (3600.0, 4500.0), 1, [1350.0, 1800.0]) == (
        1800.0,
        pytest.approx(0.5),
    )


@pytest.mark.parametrize("alpha", [0.02, 0.005, 0.001])
def test_the_noise_shortcut_agrees_with_the_exact_tail(alpha):
    from sim.policies.signals import beyond_poisson_noise

    for expected in (10.0, 12.5, 40.0, 333.3, 2500.0):
        spread = int(6 * math.sqrt(expected)) + 5
        for observed in range(max(0, int(expected) - spread), int(expected) + spread):
            upper = observed > expected
            exact = poisson_tail(observed, expected, upper) < alpha
            assert beyond_poisson_noise(observed, expected, alpha, upper) == exact, (
                expected,
                observed,
            )
