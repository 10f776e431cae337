"""Exact event logs of agents on individual shifts: breaks, activities, absence, KPIs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.core.distributions import Distribution
from sim.core.scenario import AgentGroup, ContactType, Scenario, Skill
from sim.core.streams import Streams
from sim.core.workforce import Absenteeism, Activity, Break, Shift
from sim.kpi.definitions import replication_kpis
from sim.model.draws import ContactDraws
from sim.model.states import AwayKind, ContactState
from sim.model.world import ContactCenter

INTERVAL = 100.0


def scenario(shifts, intervals=3, absenteeism=None):
    """One voice queue served by one group of agents on the given shifts."""
    calls = ContactType("calls", (0.0,) * intervals, Distribution.exponential(1.0))
    group = AgentGroup(
        "team",
        (0.0,) * intervals,
        (Skill("calls"),),
        shifts=tuple(shifts),
        absenteeism=absenteeism or Absenteeism(),
    )
    return Scenario("shifts", INTERVAL, (calls,), (group,))


def run(scen, arrival, handle, seed=0):
    draws = ContactDraws.scripted(arrival, handle)
    return ContactCenter(scen, draws, Streams(seed, 0)).run()


def away(out, kind):
    """(planned, start, end) of the away periods of one kind."""
    mask = out.away_kind == AwayKind.of(kind)
    return list(zip(out.away_planned[mask], out.away_start[mask], out.away_end[mask], strict=True))


def test_agent_logs_in_and_out_at_its_shift():
    """An agent answers only inside its shift; a contact before it waits for the log-in."""
    out = run(scenario([Shift("ann", 50.0, 250.0)]), arrival=[10, 100], handle=[5, 5])
    assert out.login_at.tolist() == [50.0] and out.logout_at.tolist() == [250.0]
    assert out.resolved_at.tolist() == [50.0, 100.0]


def test_break_due_while_on_a_contact_starts_when_it_ends_and_is_recorded_late():
    """A break due at 30 while talking until 40 runs 40-50; a contact arriving at 35 waits until 50."""
    shift = Shift("ann", 0.0, 300.0, breaks=(Break("break", 30.0, 30.0, 10.0),))
    out = run(scenario([shift]), arrival=[0, 35], handle=[40, 5])
    assert away(out, "break") == [(30.0, 40.0, 50.0)]
    assert out.resolved_at.tolist() == [0.0, 50.0]
    assert out.state.tolist() == [ContactState.ANSWERED, ContactState.ANSWERED]


def test_idle_agent_goes_on_break_on_time_and_contacts_wait():
    """An idle agent leaves for lunch at the planned time; contacts wait for its return."""
    shift = Shift("ann", 0.0, 300.0, breaks=(Break("lunch", 20.0, 20.0, 60.0),))
    out = run(scenario([shift]), arrival=[30], handle=[5])
    assert away(out, "lunch") == [(20.0, 20.0, 80.0)]
    assert out.resolved_at.tolist() == [80.0]


def test_activity_blocks_contacts_and_another_agent_answers():
    """During a training block the trainee takes nothing; the other agent answers."""
    shifts = [
        Shift("ann", 0.0, 300.0, activities=(Activity("training", 10.0, 100.0),)),
        Shift("bob", 0.0, 300.0),
    ]
    out = run(scenario(shifts), arrival=[20, 30], handle=[50, 50])
    assert away(out, "activity") == [(10.0, 10.0, 110.0)]
    trainee = int(np.flatnonzero(out.away_kind == AwayKind.ACTIVITY)[0])
    ann = out.away_agent[trainee]
    assert ann not in out.agent[:1].tolist()  # the first contact goes to bob
    assert out.resolved_at.tolist() == [20.0, 70.0]  # the second waits for bob, not for ann


def test_shift_end_while_busy_finishes_the_contact_then_logs_out():
    """At shift end an agent in a contact finishes it, then logs out, taking nothing new."""
    out = run(scenario([Shift("ann", 0.0, 100.0)]), arrival=[90, 95], handle=[30, 5])
    assert out.logout_at.tolist() == [120.0]
    assert out.state.tolist() == [ContactState.ANSWERED, ContactState.WAITING]


def test_no_show_never_logs_in_and_is_absent_all_shift():
    """With no-show probability 1 the agent never logs in; contacts wait; absence is logged."""
    scen = scenario([Shift("ann", 0.0, 200.0)], absenteeism=Absenteeism(no_show_probability=1.0))
    out = run(scen, arrival=[10], handle=[5])
    assert len(out.login_at) == 0
    assert away(out, "absent") == [(0.0, 0.0, 200.0)]
    assert out.state.tolist() == [ContactState.WAITING]


def test_late_log_in_and_early_leave_shift_the_session_and_count_as_absence():
    """Late by 1 minute and leaving 2 minutes early: logged in 60-180 of a 0-300 shift."""
    absence = Absenteeism(
        late_probability=1.0,
        late_seconds=Distribution("deterministic", 60.0),
        early_leave_probability=1.0,
        early_leave_seconds=Distribution("deterministic", 120.0),
    )
    out = run(scenario([Shift("ann", 0.0, 300.0)], absenteeism=absence), arrival=[], handle=[])
    assert out.login_at.tolist() == [60.0] and out.logout_at.tolist() == [180.0]
    assert sorted(away(out, "absent")) == [(0.0, 0.0, 60.0), (180.0, 180.0, 300.0)]


def test_adherence_shrinkage_and_occupancy_on_a_hand_made_day():
    """One agent, shift 0-300, break planned 30-40 taken 40-50, one call 0-40.

    Scheduled 300 s; planned break 10 s; out of adherence 30-50 (on the phone when the break was
    planned, then on break when the phone was planned): adherence 280/300. Busy 40 s over
    available 290 s (logged in 300 less 10 on break).
    """
    shift = Shift("ann", 0.0, 300.0, breaks=(Break("break", 30.0, 30.0, 10.0),))
    scen = scenario([shift])
    out = run(scen, arrival=[0], handle=[40])
    kpis = replication_kpis(out, scen)
    assert kpis["adherence"] == pytest.approx(280 / 300)
    assert kpis["adherence_published"] == kpis["adherence"]  # no policy changed the schedule
    assert kpis["shrinkage_planned"] == pytest.approx(10 / 300)
    assert kpis["shrinkage_unplanned"] == 0.0
    assert kpis["occupancy"] == pytest.approx(40 / 290)
    assert kpis["agents_logged_in"] == pytest.approx(1.0)
    assert kpis["agents_available"] == pytest.approx(290 / 300)


def test_no_show_is_unplanned_shrinkage_and_zero_adherence():
    """A no-show's whole shift is unplanned shrinkage and out of adherence."""
    scen = scenario(
        [Shift("ann", 0.0, 300.0), Shift("bob", 0.0, 300.0)],
        absenteeism=Absenteeism(no_show_probability=0.5),
    )
    for seed in range(20):
        out = run(scen, arrival=[], handle=[], seed=seed)
        kpis = replication_kpis(out, scen)
        present = len(out.login_at)
        assert kpis["shrinkage_unplanned"] == pytest.approx((2 - present) / 2)
        assert kpis["adherence"] == pytest.approx(present / 2)


def test_count_staffed_groups_have_no_schedule_kpis():
    """Adherence and shrinkage are undefined (NaN) without individual shifts."""
    calls = ContactType("calls", (0.0,), Distribution.exponential(1.0))
    scen = Scenario("counts", INTERVAL, (calls,), (AgentGroup("team", (1,), (Skill("calls"),)),))
    kpis = replication_kpis(ContactCenter(scen, ContactDraws.scripted([10], [5])).run(), scen)
    assert math.isnan(kpis["adherence"]) and math.isnan(kpis["shrinkage_planned"])
    assert kpis["occupancy"] == pytest.approx(5 / 100)


def test_abandonment_still_works_with_shifts():
    """A contact whose patience runs out while the only agent is on break abandons."""
    calls = ContactType(
        "calls",
        (0.0, 0.0, 0.0),
        Distribution.exponential(1.0),
        patience=Distribution("deterministic", 10.0),
    )
    shift = Shift("ann", 0.0, 300.0, breaks=(Break("break", 0.0, 0.0, 50.0),))
    group = AgentGroup("team", (0.0,) * 3, (Skill("calls"),), shifts=(shift,))
    scen = Scenario("s", INTERVAL, (calls,), (group,))
    draws = ContactDraws.scripted([5], [5], patience=[10])
    out = ContactCenter(scen, draws).run()
    assert out.state.tolist() == [ContactState.ABANDONED] and out.resolved_at.tolist() == [15.0]


def test_chat_agent_due_for_a_break_takes_no_new_chat_while_finishing_one():
    """A chat agent with room for 2 chats, due for a break while holding one, takes no second."""
    chat = ContactType("chat", (0.0,) * 3, Distribution.exponential(1.0), channel="chat")
    shift = Shift("ann", 0.0, 300.0, breaks=(Break("break", 10.0, 10.0, 20.0),))
    group = AgentGroup("team", (0.0,) * 3, (Skill("chat"),), chat_concurrency=2, shifts=(shift,))
    scen = Scenario("chat-break", INTERVAL, (chat,), (group,))
    out = ContactCenter(scen, ContactDraws.scripted([0, 15], [30, 5])).run()
    assert away(out, "break") == [(10.0, 30.0, 50.0)]
    assert out.resolved_at.tolist() == [0.0, 50.0]  # the second chat waits for the break to end


def test_per_agent_adherence_rows():
    """agent_adherence gives one row per scheduled agent with its own shares."""
    from sim.kpi.adherence import agent_adherence

    shifts = [
        Shift("ann", 0.0, 300.0, breaks=(Break("break", 30.0, 30.0, 10.0),)),
        Shift("bob", 0.0, 300.0),
    ]
    scen = scenario(shifts)
    out = run(scen, arrival=[0], handle=[40])  # ann takes the call (longest idle, first logged in)
    rows = {r["agent"]: r for r in agent_adherence(out, scen)}
    assert rows["ann"]["adherence"] == pytest.approx(280 / 300)
    assert rows["ann"]["adherence_published"] == rows["ann"]["adherence"]
    assert rows["ann"]["shrinkage_planned"] == pytest.approx(10 / 300)
    assert rows["bob"]["adherence"] == 1.0 and rows["bob"]["shrinkage_planned"] == 0.0
    assert {r["group"] for r in rows.values()} == {"team"}
