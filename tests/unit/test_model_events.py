"""Exact event logs of tiny scripted days: who answers what, when, and what the KPIs say."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.core.distributions import Distribution
from sim.core.scenario import ServiceLevel, single_queue
from sim.kpi.definitions import interval_kpis, replication_kpis
from sim.model.draws import ContactDraws
from sim.model.states import ContactState
from sim.model.world import ContactCenter, simulate

INF = math.inf
NAN = math.nan


def scenario(staffing, interval=1000.0, trunks=None, warmup=0, service_level=None):
    """A scenario whose forecast is ignored: the scripted draws carry the contacts."""
    return single_queue(
        name="scripted",
        interval_seconds=interval,
        forecast=(0.0,) * len(staffing),
        staffing=tuple(staffing),
        handle_time=Distribution.exponential(1.0),
        trunks=trunks,
        warmup_intervals=warmup,
        service_level=service_level or ServiceLevel(),
    )


def run(scen, arrival, handle, wrap=None, patience=None):
    return ContactCenter(scen, ContactDraws.scripted(arrival, handle, wrap, patience)).run()


def assert_times(actual, expected):
    np.testing.assert_allclose(actual, np.asarray(expected, dtype=float), rtol=0, atol=1e-12)


# -- who answers what, and when --------------------------------------------------------


def test_two_agents_fcfs_when_both_busy():
    """Contacts finding both agents busy are answered in arrival order by whoever frees first."""
    out = run(scenario([2]), arrival=[0, 1, 2, 3], handle=[10, 5, 3, 2])
    assert out.state.tolist() == [ContactState.ANSWERED] * 4
    assert out.agent.tolist() == [0, 1, 1, 1]
    assert_times(out.resolved_at, [0, 1, 6, 9])
    assert out.queued.tolist() == [False, False, True, True]
    assert_times(out.wait, [0, 0, 4, 6])
    assert_times(out.busy_until, [10, 6, 9, 11])


def test_longest_idle_agent_takes_next_contact():
    """An arriving contact goes to the agent idle longest, not the lowest id."""
    # Agent 0 is idle from 5, agent 1 from 2: contact 2 goes to agent 1, contact 3 to agent 0.
    out = run(scenario([2]), arrival=[0, 1, 10, 11], handle=[5, 1, 3, 3])
    assert out.agent.tolist() == [0, 1, 1, 0]
    assert_times(out.resolved_at, [0, 1, 10, 11])
    assert not out.queued.any()
    assert out.login_at.tolist() == [0.0, 0.0]


def test_wrap_up_keeps_agent_busy():
    """After-contact work delays the agent's next answer until talk plus wrap-up is over."""
    out = run(scenario([1]), arrival=[0, 12], handle=[10, 1], wrap=[5, 2])
    assert out.agent.tolist() == [0, 0]
    assert_times(out.resolved_at, [0, 15])
    assert_times(out.wait, [0, 3])
    assert_times(out.busy_until, [15, 18])


# -- abandonment ---------------------------------------------------------------------


def test_abandonment_timing_and_skipping():
    """A queued contact abandons exactly at arrival + patience and the agent skips it."""
    out = run(
        scenario([1]),
        arrival=[0, 1, 2, 3, 4],
        handle=[10, 1, 5, 1, 2],
        patience=[1, 4, 20, 8, 100],  # contact 0 is answered at once: its patience is moot
    )
    assert out.state.tolist() == [
        ContactState.ANSWERED,
        ContactState.ABANDONED,
        ContactState.ANSWERED,
        ContactState.ABANDONED,
        ContactState.ANSWERED,
    ]
    assert out.agent.tolist() == [0, -1, 0, -1, 0]
    assert_times(out.resolved_at, [0, 5, 10, 11, 15])
    assert_times(out.wait, [0, 4, 8, 8, 11])


def test_answered_before_patience_is_not_abandoned():
    """A contact answered before its patience runs out stays answered after the timer fires."""
    out = run(scenario([1]), arrival=[0, 1], handle=[10, 5], patience=[INF, 9.5])
    assert out.state.tolist() == [ContactState.ANSWERED, ContactState.ANSWERED]
    assert_times(out.resolved_at, [0, 10])


# -- trunks --------------------------------------------------------------------------


def test_trunks_count_waiting_and_talking_not_wrap_up():
    """A contact is blocked when every line holds a waiting or talking contact; wrap-up holds none."""
    out = run(
        scenario([1], trunks=2),
        arrival=[0, 1, 2, 12, 13, 15.5, 16.5],
        handle=[10, 1, 1, 1, 1, 1, 1],
        wrap=[5, 0, 0, 0, 0, 0, 0],
    )
    # t=2: c0 talking + c1 waiting -> blocked. t=12: c0 in wrap-up, only c1 holds a line.
    # t=13: c1, c3 waiting -> blocked. t=15.5: c1 talking, c3 waiting -> blocked.
    assert out.state.tolist() == [
        ContactState.ANSWERED,
        ContactState.ANSWERED,
        ContactState.BLOCKED,
        ContactState.ANSWERED,
        ContactState.BLOCKED,
        ContactState.BLOCKED,
        ContactState.ANSWERED,
    ]
    assert_times(out.resolved_at, [0, 15, NAN, 16, NAN, NAN, 17])
    assert out.agent.tolist() == [0, 0, -1, 0, -1, -1, 0]
    kpis = replication_kpis(out, scenario([1], trunks=2))
    assert kpis["blocked"] == 3 and kpis["offered"] == 7


def test_abandonment_frees_a_line_and_waiting_at_end():
    """An abandoning contact frees its line; a contact still queued at the horizon stays ContactState.WAITING."""
    scen = scenario([0], interval=100.0, trunks=1)
    out = run(scen, arrival=[0, 3, 6], handle=[1, 1, 1], patience=[5, INF, INF])
    assert out.state.tolist() == [
        ContactState.ABANDONED,
        ContactState.BLOCKED,
        ContactState.WAITING,
    ]
    assert_times(out.resolved_at, [5, NAN, NAN])
    assert out.agent.tolist() == [-1, -1, -1]
    assert len(out.login_at) == 0
    kpis = replication_kpis(out, scen)
    assert (kpis["offered"], kpis["abandoned"], kpis["blocked"], kpis["waiting_at_end"]) == (
        3,
        1,
        1,
        1,
    )


# -- staffing changes at interval boundaries -------------------------------------------


def test_busy_surplus_agent_finishes_then_logs_out():
    """Staffing 2 -> 1 with both busy: the earliest log-in finishes talk + wrap-up, then leaves."""
    scen = scenario([2, 1], interval=100.0)
    out = run(scen, arrival=[10, 20, 110], handle=[100, 150, 5], wrap=[20, 0, 0])
    # Agent 0 is busy until 130 and leaves then, although contact 2 has waited since 110.
    assert out.agent.tolist() == [0, 1, 1]
    assert_times(out.resolved_at, [10, 20, 170])
    assert_times(out.login_at, [0, 0])
    assert_times(out.logout_at, [130, 200])


def test_idle_surplus_agent_logs_out_at_boundary():
    """Staffing 2 -> 1 with one agent idle: that agent logs out exactly at the boundary."""
    scen = scenario([2, 1], interval=100.0)
    out = run(scen, arrival=[10, 150], handle=[200, 1])
    assert_times(out.logout_at, [200, 100])  # agent 0 is still talking at the horizon
    assert out.state.tolist() == [ContactState.ANSWERED, ContactState.WAITING]
    assert replication_kpis(out, scen)["waiting_at_end"] == 1
    assert interval_kpis(out, scen)["waiting_at_end"].tolist() == [0, 1]


def test_most_recently_idle_agent_logs_out_first():
    """Of several idle agents, the one idle the shortest time logs out at a staffing cut."""
    scen = scenario([3, 2], interval=100.0)
    # Agent 2 is idle since 0, agent 1 since 50: agent 1 leaves at 100, agent 2 stays.
    out = run(scen, arrival=[10, 20, 150], handle=[200, 30, 1])
    assert out.agent.tolist() == [0, 1, 2]
    assert_times(out.logout_at, [200, 100, 200])
    assert_times(out.resolved_at, [10, 20, 150])


def test_staffing_up_new_agents_take_waiting_contacts():
    """Agents added at a boundary log in then and at once answer the queue in FCFS order."""
    scen = scenario([1, 3], interval=100.0)
    out = run(scen, arrival=[0, 10, 20, 30], handle=[150, 10, 20, 5])
    assert_times(out.login_at, [0, 100, 100])
    assert out.agent.tolist() == [0, 1, 2, 1]
    assert_times(out.resolved_at, [0, 100, 100, 110])
    assert_times(out.logout_at, [200, 200, 200])


def test_leaving_agent_is_kept_when_staffing_goes_back_up():
    """A busy agent due to leave stays on, instead of a new log-in, when staffing rises again."""
    scen = scenario([2, 1, 2], interval=100.0)
    out = run(scen, arrival=[10, 20, 270, 280], handle=[250, 100, 5, 5])
    assert len(out.login_at) == 2
    # Agent 1 is idle since 120, agent 0 since 260.
    assert out.agent.tolist() == [0, 1, 1, 0]
    assert_times(out.logout_at, [300, 300])


def test_agent_woken_at_boundary_still_follows_staffing_cut():
    """An agent answering a contact that arrives exactly at a staffing cut leaves after it."""
    scen = scenario([1, 1, 0], interval=100.0)
    # The arrival at 200 is scheduled at t=50, before the staffing process schedules t=200,
    # so it is processed first and wakes the idle agent before the cut to 0 is applied.
    out = run(scen, arrival=[50, 200, 250], handle=[10, 10, 10])
    assert out.logout_at[0] <= 210
    assert out.state[2] == ContactState.WAITING


# -- KPIs checked by hand ----------------------------------------------------------------


def kpi_case(warmup=0):
    scen = scenario(
        [1, 1],
        interval=100.0,
        warmup=warmup,
        service_level=ServiceLevel(threshold_seconds=20.0, short_abandon_seconds=5.0),
    )
    out = run(
        scen,
        arrival=[0, 10, 20, 30, 50, 90, 150],
        handle=[30, 20, 1, 1, 10, 30, 10],
        wrap=[10, 0, 0, 0, 0, 0, 0],
        patience=[INF, INF, 3, 15, INF, INF, INF],
    )
    return scen, out


def test_kpi_case_event_log():
    """The hand-checked KPI case runs as scripted."""
    _, out = kpi_case()
    assert (
        out.state.tolist()
        == [
            ContactState.ANSWERED,
            ContactState.ANSWERED,
            ContactState.ABANDONED,
            ContactState.ABANDONED,
        ]
        + [ContactState.ANSWERED] * 3
    )
    assert_times(out.resolved_at, [0, 40, 23, 45, 60, 90, 150])
    assert_times(out.wait, [0, 30, 3, 15, 10, 0, 0])


def test_interval_kpis_by_hand():
    """Per-interval KPIs: SL with threshold and short abandons, occupancy with busy time split."""
    scen, out = kpi_case()
    k = interval_kpis(out, scen)
    assert k["interval"].tolist() == [0, 1]
    assert k["offered"].tolist() == [6, 1]
    assert k["answered"].tolist() == [4, 1]
    assert k["abandoned"].tolist() == [2, 0]
    # Within 20 s: c0, c4, c5; c2 is a short abandon (3 s <= 5 s), out of the denominator.
    assert k["service_level"] == pytest.approx([3 / 5, 1.0], abs=1e-12)
    assert k["abandon_rate"] == pytest.approx([2 / 6, 0.0], abs=1e-12)
    assert k["asa_seconds"] == pytest.approx([(0 + 30 + 10 + 0) / 4, 0.0], abs=1e-12)
    assert k["aht_seconds"][0] == pytest.approx((40 + 20 + 10 + 30) / 4, abs=1e-12)
    assert k["avg_time_to_abandon_seconds"][0] == pytest.approx(9.0, abs=1e-12)
    assert np.isnan(k["avg_time_to_abandon_seconds"][1])
    assert k["wait_probability"] == pytest.approx([4 / 6, 0.0], abs=1e-12)
    assert k["mean_wait_all_seconds"][0] == pytest.approx(58 / 6, abs=1e-12)
    # Busy: [0,40) [40,60) [60,70) [90,120) [150,160): 80 s then 30 s, of 100 s logged in.
    assert k["occupancy"] == pytest.approx([0.8, 0.3], abs=1e-12)
    assert k["agents_logged_in"] == pytest.approx([1.0, 1.0], abs=1e-12)


def test_replication_kpis_by_hand_and_warmup():
    """Replication KPIs pool the measured intervals; the warm-up interval is left out."""
    scen, out = kpi_case()
    k = replication_kpis(out, scen)
    assert k["offered"] == 7 and k["answered"] == 5 and k["waiting_at_end"] == 0
    assert k["service_level"] == pytest.approx(4 / 6, abs=1e-12)
    assert k["occupancy"] == pytest.approx(110 / 200, abs=1e-12)

    scen, out = kpi_case(warmup=1)
    k = replication_kpis(out, scen)
    assert k["offered"] == 1 and k["answered"] == 1
    assert k["service_level"] == pytest.approx(1.0, abs=1e-12)
    assert k["occupancy"] == pytest.approx(0.3, abs=1e-12)


@pytest.mark.parametrize(
    "interval, forecast, staffing, mean, k",
    [
        (60.0, (0.0, 0.0, 3.0, 0.0), (0, 0, 1, 0), 9.31415926535898, 3),  # 1.0000000000000107
        (900.0, (1.0, 36.0, 0.0, 0.0), (0, 2, 0, 1), 5.314159265358979, 3),  # -8.08e-15
    ],
)
def test_occupancy_is_within_zero_and_one_exactly(interval, forecast, staffing, mean, k):
    """Occupancy stays within [0, 1] exactly, with no rounding spill, per interval."""
    scen = single_queue(
        name="rounding",
        interval_seconds=interval,
        forecast=forecast,
        staffing=staffing,
        handle_time=Distribution("exponential", mean),
    )
    seed, rep = (1, 1) if interval == 60.0 else (0, 0)
    occupancy = interval_kpis(simulate(scen, seed, rep), scen)["occupancy"]
    assert 0.0 <= occupancy[k] <= 1.0
