"""The realtime analyst's KPIs, each on a small hand-made day whose value is worked out by hand:
``forecast_wape``, ``recovery_minutes``, ``training_hours_planned`` / ``_delivered`` and
``adherence`` (against the schedule as the analyst changed it) beside ``adherence_published``.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from sim.core.demand_shocks import DemandShocks, Surge
from sim.core.disruptions import Outage
from sim.core.distributions import Distribution
from sim.core.scenario import AgentGroup, ContactType, Scenario, ServiceLevel, Skill, single_queue
from sim.core.streams import Streams
from sim.core.workforce import Absenteeism, Activity, Break, Shift
from sim.kpi.adherence import agent_adherence
from sim.kpi.definitions import (
    ALL,
    INTERVAL_KPI_NAMES,
    KPI_NAMES,
    breakdown,
    disruption_end,
    interval_kpis,
    replication_kpis,
)
from sim.model.demand import realise_demand
from sim.model.draws import ContactDraws
from sim.model.states import ItemState
from sim.model.world import ContactCenter, simulate
from sim.policies.api import CancelItem, OfferVTO, PostponeItem, RealtimeView

HANDLE = Distribution.exponential(1.0)


class Scripted:
    """A realtime policy that takes ``actions(view)`` at its first check, then nothing."""

    latency_seconds = 0.0

    def __init__(self, actions, every: float = 300.0) -> None:
        self.actions = actions
        self.check_interval_seconds = every
        self.done = False

    def decide(self, view: RealtimeView) -> list:
        if self.done:
            return []
        self.done = True
        return list(self.actions(view))

    def check(self, scenario) -> list:
        return []


def item_of(view: RealtimeView, agent: str, name: str) -> tuple[int, int]:
    """The item id of ``agent``'s upcoming item ``name`` on the wallboard."""
    (found,) = [u.item_id for u in view.upcoming if u.agent == agent and u.name == name]
    return found


def run(scenario: Scenario, arrival=(), handle=(), contact_type=None, policy=None):
    draws = ContactDraws.scripted(list(arrival), list(handle), contact_type=contact_type)
    return ContactCenter(scenario, draws, Streams(0, 0), policy).run()


def rows(outcome, scenario) -> dict[tuple[str, str], dict[str, float]]:
    return {(t, g): day for t, g, day, _ in breakdown(outcome, scenario)}


# -- forecast_wape ----------------------------------------------------------------------------


def two_type_day() -> Scenario:
    """Sales and billing over 3 intervals of 100 s (the first a warm-up), one count-staffed
    group; a surge that triples the realised demand of interval 1 (the KPI reads the plan)."""
    types = (
        ContactType("sales", (5.0, 2.0, 4.0), HANDLE),
        ContactType("billing", (1.0, 3.0, 1.0), HANDLE),
    )
    group = AgentGroup("team", (9, 9, 9), (Skill("sales"), Skill("billing")))
    shocks = DemandShocks(surges=(Surge(start=100.0, profile=(3.0,)),))
    return Scenario("wape", 100.0, types, (group,), demand=shocks, warmup_intervals=1)


def test_forecast_wape_against_the_planned_forecast_by_hand():
    """Offered per measured interval (1, 2): sales 3, 1 against 2, 4; billing 1, 3 against 3, 1.

    sales (|3-2| + |1-4|) / 6 = 4/6; billing (2 + 2) / 4 = 1; all: (4 + 4) / 10 = 0.8 (not
    |4-5| + |4-5| over 10: one type's excess does not cancel another's shortfall). Per
    interval, all: (1 + 2) / 5 and (3 + 2) / 5. The warm-up's contacts are left out.
    """
    scenario = two_type_day()
    sales = [10, 20, 110, 120, 130, 250]
    billing = [150, 210, 220, 230]
    arrival = sales + billing
    kinds = [0] * len(sales) + [1] * len(billing)
    order = np.argsort(arrival, kind="stable")
    out = run(
        scenario,
        np.array(arrival, dtype=float)[order],
        [1.0] * len(arrival),
        np.array(kinds)[order],
    )
    got = rows(out, scenario)
    assert got[("sales", ALL)]["forecast_wape"] == pytest.approx(4 / 6)
    assert got[("billing", ALL)]["forecast_wape"] == pytest.approx(1.0)
    assert got[(ALL, ALL)]["forecast_wape"] == pytest.approx(0.8)
    assert math.isnan(got[(ALL, "team")]["forecast_wape"])
    per_interval = interval_kpis(out, scenario)
    assert per_interval["interval"].tolist() == [1, 2]
    assert per_interval["forecast_wape"] == pytest.approx([3 / 5, 5 / 5])
    assert interval_kpis(out, scenario, contact_type="sales")["forecast_wape"] == pytest.approx(
        [1 / 2, 3 / 4]
    )
    assert replication_kpis(out, scenario, "billing")["forecast_wape"] == pytest.approx(1.0)


# -- recovery_minutes -------------------------------------------------------------------------


def outage_day(
    intervals: int = 6, target: float = 0.8, all_target: float | None = None, warmup: int = 0
):
    """One queue, 600-s intervals, two agents; telephony down 600-1200 s: of the contacts
    arriving every minute (0, 60, ...), those at 600 .. 1140 are lost, every other one is
    answered at once (in the service level)."""
    base = single_queue(
        "recovery",
        600.0,
        [6.0] * intervals,
        [2] * intervals,
        HANDLE,
        service_level=ServiceLevel(threshold_seconds=20.0, target=target),
        warmup_intervals=warmup,
    )
    return dataclasses.replace(
        base,
        outages=(Outage("telephony", start=600.0, duration=600.0),),
        service_level_target=target if all_target is None else all_target,
    )


def minute_arrivals(scenario: Scenario):
    arrival = np.arange(0.0, scenario.horizon_seconds, 60.0)
    return arrival, np.ones(len(arrival))


@pytest.mark.parametrize("warmup, all_minutes", [(0, 0.0), (1, 10.0)])
def test_recovery_minutes_after_a_fixed_outage_by_hand(warmup, all_minutes):
    """The window ends at 1200 s. At t = 1200 + 60 m the trailing half hour [t - 1800, t) holds
    30 contacts (t >= 1800), of which the lost ones are those at max(600, t - 1800) .. 1140;
    at most 6 lost (24/30 = 0.8, at target) first at t - 1800 = 840: m = 24. The `all` row,
    judged against 0.5, is back at once: 10 lost of 20 at t = 1200 (m = 0). With the first
    interval a warm-up, its contacts (0 .. 540) are left out: 10 lost of (t - 600) / 60, half
    first at t = 1800 (m = 10), and the type row is unchanged (its recovery comes later)."""
    scenario = outage_day(all_target=0.5, warmup=warmup)
    out = run(scenario, *minute_arrivals(scenario))
    assert disruption_end(out, scenario) == 1200.0
    got = rows(out, scenario)
    assert got[("calls", ALL)]["recovery_minutes"] == 24.0
    assert got[(ALL, ALL)]["recovery_minutes"] == all_minutes
    assert math.isnan(got[(ALL, "agents")]["recovery_minutes"])
    assert "recovery_minutes" not in interval_kpis(out, scenario)


def test_recovery_minutes_never_back_counts_to_the_end_of_the_day():
    """The same outage on a day ending at 2400 s: the rolling level is back only at 2640 s,
    after the end: the minutes from the window's end to the end of the day, 20."""
    scenario = outage_day(intervals=4)
    out = run(scenario, *minute_arrivals(scenario))
    assert replication_kpis(out, scenario)["recovery_minutes"] == 20.0


def test_recovery_minutes_after_the_last_window_a_surge():
    """A fixed surge over intervals 2-3 (1200-2400 s) ends after the outage: measured from 2400
    s, the trailing half hour holds 10 lost contacts of 30, then one fewer each minute: 6 lost
    first at t = 2640, 4 minutes on. A random outage and a surge that did not happen count
    for nothing."""
    shocks = DemandShocks(
        surges=(
            Surge(start=1200.0, profile=(1.0, 1.0)),
            Surge(start=3000.0, profile=(1.0,), probability=0.0),
        )
    )
    random_outage = Outage(
        "crm_slow", occurrences_per_day=50.0, random_duration_seconds=Distribution.exponential(1.0)
    )
    base = outage_day()
    scenario = dataclasses.replace(base, demand=shocks, outages=(*base.outages, random_outage))
    out = run(scenario, *minute_arrivals(scenario))
    assert out.surge_windows.tolist() == [[1200.0, 2400.0, 0.0]]
    assert disruption_end(out, scenario) == 2400.0
    assert replication_kpis(out, scenario)["recovery_minutes"] == 4.0


def test_recovery_minutes_undefined_without_a_window_or_with_one_to_the_end():
    base = outage_day()
    quiet = dataclasses.replace(base, outages=())
    out = run(quiet, *minute_arrivals(quiet))
    assert disruption_end(out, quiet) is None
    assert math.isnan(replication_kpis(out, quiet)["recovery_minutes"])
    # A surge running to the close leaves nothing to recover in: it does not count...
    late = dataclasses.replace(quiet, demand=DemandShocks(surges=(Surge(3000.0, (1.0, 1.0)),)))
    out = run(late, *minute_arrivals(late))
    assert disruption_end(out, late) is None
    assert math.isnan(replication_kpis(out, late)["recovery_minutes"])
    # ...so the outage before it is what the day recovers from.
    both = dataclasses.replace(base, demand=late.demand)
    out = run(both, *minute_arrivals(both))
    assert disruption_end(out, both) == disruption_end(run(base, *minute_arrivals(base)), base)


def test_surge_windows_recorded_are_the_ones_that_happened():
    """A surge with a drawn start: the outcome holds the window the day's demand drew."""
    scenario = dataclasses.replace(
        outage_day(),
        outages=(),
        demand=DemandShocks(surges=(Surge(600.0, (2.0,), latest_start=2400.0),)),
    )
    for replication in range(5):
        out = simulate(scenario, seed=3, replication=replication)
        (window,) = realise_demand(scenario, Streams(3, replication)).surge_windows
        assert out.surge_windows.tolist() == [[window.start * 600.0, window.stop * 600.0, 0.0]]


# -- training hours ---------------------------------------------------------------------------


def training_day() -> Scenario:
    """Four groups over 8 intervals of 900 s:

    * ``team``: ann (0-7200 s, a cancellable 60-minute training at 600 s) and bob (a fixed
      30-minute coaching at 1200 s);
    * ``late``: dan (0-1000 s, a 300-s meeting at 700 s), who leaves 100 s early: 200 s done;
    * ``absent``: eve (a 60-minute training), who does not show;
    * ``counted``: staffed by counts, no shifts.
    """
    calls = ContactType("calls", (0.0,) * 8, HANDLE)
    skills = (Skill("calls"),)
    zero = (0.0,) * 8
    team = AgentGroup(
        "team",
        zero,
        skills,
        shifts=(
            Shift("ann", 0.0, 7200.0, activities=(Activity("training", 600.0, 3600.0),)),
            Shift("bob", 0.0, 7200.0, activities=(Activity("coaching", 1200.0, 1800.0, False),)),
        ),
    )
    late = AgentGroup(
        "late",
        zero,
        skills,
        shifts=(Shift("dan", 0.0, 1000.0, activities=(Activity("meeting", 700.0, 300.0),)),),
        absenteeism=Absenteeism(
            early_leave_probability=1.0, early_leave_seconds=Distribution("deterministic", 100.0)
        ),
    )
    absent = AgentGroup(
        "absent",
        zero,
        skills,
        shifts=(Shift("eve", 0.0, 7200.0, activities=(Activity("training", 0.0, 3600.0),)),),
        absenteeism=Absenteeism(no_show_probability=1.0),
    )
    counted = AgentGroup("counted", (1,) * 8, skills)
    return Scenario("training", 900.0, (calls,), (team, late, absent, counted))


def cancel_ann_training(view: RealtimeView):
    return [CancelItem(item=item_of(view, "ann", "training"))]


@pytest.mark.parametrize("cancelled", [False, True])
def test_training_hours_planned_and_delivered_by_hand(cancelled):
    """Planned: team 1.5 h, late 300 s, absent 1 h. Delivered: team 1.5 h (0.5 h once ann's
    training is cancelled at 300 s), late 200 s (cut by the early leave), absent 0. NaN for
    the count-staffed group and for contact types."""
    scenario = training_day()
    policy = Scripted(cancel_ann_training) if cancelled else None
    got = rows(run(scenario, policy=policy), scenario)
    planned = {"team": 1.5, "late": 300 / 3600, "absent": 1.0}
    delivered = {"team": 0.5 if cancelled else 1.5, "late": 200 / 3600, "absent": 0.0}
    for g in planned:
        assert got[(ALL, g)]["training_hours_planned"] == pytest.approx(planned[g])
        assert got[(ALL, g)]["training_hours_delivered"] == pytest.approx(delivered[g])
    assert got[(ALL, ALL)]["training_hours_planned"] == pytest.approx(sum(planned.values()))
    assert got[(ALL, ALL)]["training_hours_delivered"] == pytest.approx(sum(delivered.values()))
    for key in ((ALL, "counted"), ("calls", ALL)):
        assert math.isnan(got[key]["training_hours_planned"])
        assert math.isnan(got[key]["training_hours_delivered"])


def test_cancelled_training_is_adherent_on_the_phone_only_as_changed():
    """Ann on the phone during her cancelled training (600-4200 s of a 7200-s shift): adherent
    against the changed schedule, half her day out of adherence against the published one."""
    scenario = training_day()
    out = run(scenario, policy=Scripted(cancel_ann_training))
    ann = {r["agent"]: r for r in agent_adherence(out, scenario)}["ann"]
    assert ann["adherence"] == 1.0
    assert ann["adherence_published"] == pytest.approx(0.5)
    assert ItemState.DROPPED in out.item_state.tolist()


# -- adherence as changed ---------------------------------------------------------------------


def one_agent_day(shift: Shift) -> Scenario:
    calls = ContactType("calls", (0.0,) * 8, HANDLE)
    group = AgentGroup("team", (0.0,) * 8, (Skill("calls"),), shifts=(shift,))
    return Scenario("one", 900.0, (calls,), (group,))


def test_postponed_activity_is_adherent_at_its_new_time_only():
    """A 30-minute training planned at 1800 s, moved to 4500 s at 300 s: taken 4500-6300 s.
    Against the published plan, 1800 s on the phone when it was planned and 1800 s in training
    when the phone was: (7200 - 3600) / 7200. Against the changed plan: all adherent."""
    shift = Shift("ann", 0.0, 7200.0, activities=(Activity("training", 1800.0, 1800.0),))
    scenario = one_agent_day(shift)

    def postpone(view):
        return [PostponeItem(item=item_of(view, "ann", "training"), until=4500.0)]

    out = run(scenario, policy=Scripted(postpone))
    assert out.item_planned.tolist() == [1800.0] and out.item_due.tolist() == [4500.0]
    assert out.item_state.tolist() == [ItemState.DONE]
    kpis = replication_kpis(out, scenario)
    assert kpis["adherence"] == 1.0
    assert kpis["adherence_published"] == pytest.approx(0.5)
    assert kpis["shrinkage_planned"] == pytest.approx(1800 / 7200)  # the published plan
    assert kpis["training_hours_delivered"] == pytest.approx(0.5)
    (row,) = agent_adherence(out, scenario)
    assert row["adherence"] == 1.0 and row["adherence_published"] == pytest.approx(0.5)


def test_agent_sent_home_leaves_the_base():
    """Sent home on voluntary time off at 1800 s, before a break planned 3600-3900 s: against
    the changed schedule only 0-1800 s is scheduled, all adherent; against the published one
    the whole shift is, and the break not taken is out of adherence (6900 / 7200)."""
    shift = Shift("ann", 0.0, 7200.0, breaks=(Break("break", 3600.0, 3600.0, 300.0),))
    scenario = one_agent_day(shift)

    def time_off(view):
        return [OfferVTO(group="team", agents=1, acceptance_probability=1.0)]

    out = run(scenario, policy=Scripted(time_off, every=1800.0))
    assert out.sent_home_at.tolist() == [1800.0]
    kpis = replication_kpis(out, scenario)
    assert kpis["adherence"] == 1.0
    assert kpis["adherence_published"] == pytest.approx(6900 / 7200)
    per_interval = interval_kpis(out, scenario)
    assert per_interval["adherence"][:2].tolist() == [1.0, 1.0]
    assert np.isnan(per_interval["adherence"][2:]).all()  # nobody is scheduled any more


def busy_scheduled_day() -> Scenario:
    """Two scheduled groups with breaks, lunches, activities and every kind of absence, and
    a count-staffed one, under random contacts: everything adherence looks at happens."""
    calls = ContactType(
        "calls",
        (25.0,) * 12,
        Distribution.exponential(150.0),
        patience=Distribution.exponential(120.0),
    )
    mail = ContactType("mail", (5.0,) * 12, Distribution.exponential(300.0), channel="email")

    def shift(name: str, start: float) -> Shift:
        return Shift(
            name,
            start,
            start + 7200.0,
            breaks=(
                Break("break", start + 1200.0, start + 1800.0, 600.0),
                Break("lunch", start + 3000.0, start + 3000.0, 1200.0),
            ),
            activities=(Activity("training", start + 5400.0, 900.0),),
        )

    absence = Absenteeism(
        no_show_probability=0.2,
        late_probability=0.3,
        late_seconds=Distribution.exponential(300.0),
        early_leave_probability=0.3,
        early_leave_seconds=Distribution.exponential(600.0),
        aux_per_hour=1.0,
        aux_seconds=Distribution.exponential(120.0),
    )
    skills = (Skill("calls"), Skill("mail", level=2))
    groups = (
        AgentGroup(
            "a",
            (0.0,) * 12,
            skills,
            shifts=tuple(shift(f"a{i}", 300.0 * i) for i in range(5)),
            absenteeism=absence,
        ),
        AgentGroup(
            "b",
            (0.0,) * 12,
            skills,
            shifts=tuple(shift(f"b{i}", 600.0 + 450.0 * i) for i in range(4)),
            absenteeism=absence,
        ),
        AgentGroup("c", (2,) * 12, skills),
    )
    return Scenario("busy", 900.0, (calls, mail), groups, warmup_intervals=1)


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


@pytest.mark.parametrize("policy", [None, "idle"])
def test_without_a_policy_acting_adherence_equals_the_published_figure_exactly(policy):
    """No change to the schedule (no policy, or one that looks and never acts): the two
    adherence figures are identical, per day, per interval and per agent."""
    scenario = busy_scheduled_day()
    for replication in range(3):
        watcher = Scripted(lambda view: []) if policy else None
        out = simulate(scenario, seed=11, replication=replication, policy=watcher)
        assert (out.item_due == out.item_planned).all()
        for _, _, day, per_interval in breakdown(out, scenario):
            assert same(day["adherence"], day["adherence_published"])
            np.testing.assert_array_equal(
                per_interval["adherence"], per_interval["adherence_published"]
            )
        for row in agent_adherence(out, scenario):
            assert same(row["adherence"], row["adherence_published"])
        got = rows(out, scenario)
        assert not math.isnan(got[(ALL, ALL)]["adherence"])
        assert got[(ALL, ALL)]["adherence"] < 1.0  # absence, aux and late breaks happened


def test_kpi_columns_day_and_interval():
    """Every KPI is reported per day; all but the day-only recovery per interval."""
    scenario = busy_scheduled_day()
    out = simulate(scenario, seed=1)
    for _, _, day, per_interval in breakdown(out, scenario):
        assert list(day) == list(KPI_NAMES)
        assert set(per_interval) == {"interval", *INTERVAL_KPI_NAMES}
    assert set(KPI_NAMES) - set(INTERVAL_KPI_NAMES) == {"recovery_minutes"}


def test_a_surge_counts_only_for_its_own_contact_types():
    quiet = dataclasses.replace(outage_day(), outages=())
    out = run(quiet, *minute_arrivals(quiet))
    scenario = dataclasses.replace(
        quiet, demand=DemandShocks(surges=(Surge(600.0, (1.0,), contact_types=("calls",)),))
    )
    out = dataclasses.replace(out, surge_windows=np.array([[600.0, 1200.0, 0.0]]))
    assert disruption_end(out, scenario) == 1200.0
    assert disruption_end(out, scenario, "calls") == 1200.0
    assert disruption_end(out, scenario, "emails") is None
