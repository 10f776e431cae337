"""``queue_length``, ``wait_p90_seconds`` and ``longest_wait_seconds`` on hand-made days.

Two kinds of day: a replication outcome written by hand (every contact's fate chosen, so
that callbacks, handovers to the outsourcer, lost and blocked contacts, a redial, an email
backlog, contacts still waiting at the horizon and the warm-up each meet the definitions),
and a scripted day that the model runs, checked against a timeline worked out by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.core.distributions import Distribution
from sim.core.scenario import AgentGroup, ContactType, Scenario, Skill, single_queue
from sim.kpi.definitions import ALL, breakdown, interval_kpis, replication_kpis
from sim.model.draws import ContactDraws
from sim.model.outcome import ReplicationOutcome
from sim.model.states import ContactState
from sim.model.world import ContactCenter

NEW = ("queue_length", "wait_p90_seconds", "longest_wait_seconds")
W, A, AB, OUT, LOST, BLK, UNUSED = (
    ContactState.WAITING,
    ContactState.ANSWERED,
    ContactState.ABANDONED,
    ContactState.OUTSOURCED,
    ContactState.LOST,
    ContactState.BLOCKED,
    ContactState.UNUSED,
)
NAN = math.nan


def _scenario(intervals: int = 3, warmup: int = 1) -> Scenario:
    """Calls (voice) and mails (email), one group with both skills, 100-second intervals."""
    zeros = (0.0,) * intervals
    types = (
        ContactType("calls", zeros, Distribution.exponential(60.0)),
        ContactType("mails", zeros, Distribution.exponential(60.0), channel="email"),
    )
    group = AgentGroup("team", (1,) * intervals, (Skill("calls"), Skill("mails")))
    return Scenario("hand", 100.0, types, (group,), warmup_intervals=warmup)


def _outcome(scenario: Scenario, rows, originals: int | None = None) -> ReplicationOutcome:
    """An outcome from rows of (type, arrival, state, queued, resolved_at, callback); one
    agent logged in all day answers every answered contact."""
    k, arrival, state, queued, resolved, callback = (np.array(c) for c in zip(*rows, strict=True))
    n = len(rows)
    answered = state == ContactState.ANSWERED
    return ReplicationOutcome(
        horizon_seconds=scenario.horizon_seconds,
        arrival=arrival.astype(float),
        contact_type=k.astype(np.int32),
        handle=np.full(n, 1.0),
        wrap=np.zeros(n),
        work=np.where(answered, 1.0, np.nan),
        state=state.astype(np.int8),
        queued=queued.astype(bool),
        resolved_at=resolved.astype(float),
        agent=np.where(answered, 0, -1),
        agent_group=np.zeros(1, dtype=np.int32),
        login_at=np.zeros(1),
        logout_at=np.full(1, scenario.horizon_seconds),
        busy_agent=np.zeros(0, dtype=np.int32),
        busy_start=np.zeros(0),
        busy_end=np.zeros(0),
        originals=originals,
        callback=callback.astype(bool),
    )


# Contacts 0-10 are first attempts; slots 11-21 their redials, only slot 16 (contact 5's,
# lost in an outage) called. The warm-up is [0, 100); the measured day [100, 300).
HAND_ROWS = [
    (0, 50, A, 1, 130, 0),  # arrived in the warm-up: waits [50, 130), only [100, 130) counts
    (0, 110, A, 0, 110, 0),  # answered at once: wait 0, never in the queue
    (0, 120, AB, 1, 180, 0),  # abandons after 60 s
    (0, 130, A, 1, 140, 1),  # a callback: not in the live queue, not in the waits
    (0, 140, OUT, 1, 240, 0),  # handed to the outsourcer after 100 s: queued [140, 240)
    (0, 150, LOST, 0, NAN, 0),  # lost in a telephony outage: never waits
    (0, 160, BLK, 0, NAN, 0),  # blocked: never waits
    (0, 210, A, 1, 230, 0),  # waits 20 s
    (0, 250, W, 1, NAN, 0),  # still waiting at the horizon: queued [250, 300)
    (1, 100, A, 1, 290, 0),  # an email answered after 190 s
    (1, 205, W, 1, NAN, 0),  # the email backlog at close: queued [205, 300)
    *[(0, NAN, UNUSED, 0, NAN, 0)] * 5,
    (0, 190, A, 1, 200, 0),  # slot 16: contact 5's redial, waits 10 s
    *[(0, NAN, UNUSED, 0, NAN, 0)] * 5,
]


@pytest.fixture(scope="module")
def hand():
    scenario = _scenario()
    return scenario, _outcome(scenario, HAND_ROWS, originals=11)


def test_queue_length_by_hand(hand):
    """Seconds spent in the live queue per interval / the interval's length."""
    scenario, out = hand
    # calls, [100, 200): contact 0 30 s, 2 60 s, 4 60 s, the redial 10 s;
    # [200, 300): contact 4 40 s, 7 20 s, 8 50 s.
    calls = interval_kpis(out, scenario, contact_type="calls")
    assert calls["queue_length"] == pytest.approx([160 / 100, 110 / 100], abs=1e-12)
    # mails: contact 9 in both intervals (100 s, 90 s), the backlog email 95 s.
    mails = interval_kpis(out, scenario, contact_type="mails")
    assert mails["queue_length"] == pytest.approx([1.0, 185 / 100], abs=1e-12)
    # all: every channel's waiting contacts added up.
    every = interval_kpis(out, scenario)
    assert every["queue_length"] == pytest.approx([2.6, 2.95], abs=1e-12)
    # The day: the time average over the measured 200 s.
    assert replication_kpis(out, scenario, "calls")["queue_length"] == pytest.approx(270 / 200)
    assert replication_kpis(out, scenario, "mails")["queue_length"] == pytest.approx(285 / 200)
    assert replication_kpis(out, scenario)["queue_length"] == pytest.approx(555 / 200)


def test_wait_order_statistics_by_hand(hand):
    """Waits of live answered and abandoned contacts, in the interval of their arrival."""
    scenario, out = hand
    calls = interval_kpis(out, scenario, contact_type="calls")
    # [100, 200): contacts 1, 2 and the redial waited 0, 60 and 10 s; [200, 300): contact 7 20 s.
    # Out: contact 0 (arrived in the warm-up), the callback, the outsourced, lost, blocked
    # and still waiting contacts.
    assert calls["wait_p90_seconds"] == pytest.approx([60.0, 20.0])
    assert calls["longest_wait_seconds"] == pytest.approx([60.0, 20.0])
    mails = interval_kpis(out, scenario, contact_type="mails")
    assert mails["wait_p90_seconds"][0] == 190.0 and np.isnan(mails["wait_p90_seconds"][1])
    assert mails["longest_wait_seconds"][0] == 190.0
    assert np.isnan(mails["longest_wait_seconds"][1])
    day = replication_kpis(out, scenario)
    # The day's waits 0, 10, 20, 60, 190: the 5th of 5 (ceil(0.9 x 5) = 5) is the 90th percentile.
    assert day["wait_p90_seconds"] == 190.0 and day["longest_wait_seconds"] == 190.0
    assert replication_kpis(out, scenario, "calls")["wait_p90_seconds"] == 60.0
    assert day["mean_wait_all_seconds"] == pytest.approx(280 / 5)  # the same contacts


def test_group_rows_leave_the_queue_kpis_undefined(hand):
    """A group's row describes the contacts it answered: queue KPIs are NaN there."""
    scenario, out = hand
    day = replication_kpis(out, scenario, group="team")
    per_interval = interval_kpis(out, scenario, group="team")
    for name in NEW:
        assert math.isnan(day[name])
        assert np.isnan(per_interval[name]).all()


def test_breakdown_gives_the_same_figures(hand):
    """The one pipeline (breakdown) and the single-selection functions agree exactly."""
    scenario, out = hand
    for contact_type, group, day, per_interval in breakdown(out, scenario):
        t = None if contact_type == ALL else contact_type
        g = None if group == ALL else group
        alone_day = replication_kpis(out, scenario, t, g)
        alone_intervals = interval_kpis(out, scenario, t, g)
        for name in NEW:
            np.testing.assert_array_equal(day[name], alone_day[name])
            np.testing.assert_array_equal(per_interval[name], alone_intervals[name])


@pytest.mark.parametrize(
    ("waits", "p90"),
    [
        ([], NAN),
        ([7.0], 7.0),
        (list(range(1, 11)), 9.0),  # ceil(9.0) = 9th of 10 (linear interpolation: 9.1)
        (list(range(1, 12)), 10.0),  # ceil(9.9) = 10th of 11
        (list(range(1, 21)), 18.0),  # ceil(18.0) = 18th of 20, whatever 0.9 x 20 rounds to
        ([0.0] * 9 + [50.0], 0.0),  # 90% answered at once
        ([0.0] * 8 + [50.0, 30.0], 30.0),
    ],
)
def test_wait_p90_is_the_nearest_rank(waits, p90):
    """The smallest wait that at least 90% of the contacts did not exceed."""
    scenario = _scenario(intervals=1, warmup=0)
    rows = [(0, 10.0, A if w == 0 else AB, w > 0, 10.0 + w, 0) for w in reversed(waits)]
    out = _outcome(scenario, rows or [(0, 10.0, LOST, 0, NAN, 0)])
    day = replication_kpis(out, scenario)
    per_interval = interval_kpis(out, scenario)
    if math.isnan(p90):
        assert math.isnan(day["wait_p90_seconds"]) and math.isnan(day["longest_wait_seconds"])
        assert day["queue_length"] == 0.0
        return
    assert day["wait_p90_seconds"] == p90 == per_interval["wait_p90_seconds"][0]
    assert day["longest_wait_seconds"] == max(waits) == per_interval["longest_wait_seconds"][0]


def test_scripted_day_by_hand():
    """The model's own records: one agent, three 100-second intervals, no warm-up.

    Timeline: c0 arrives at 0 and is served to 150. c1 (20) waits to 150. c2 (60) abandons
    at 90. c3 (170) waits to 200 (c1's end). c4 (210) waits to 250 (c3's end), c5 (220) to
    260 (c4's end); c6 (230) is still waiting at the horizon (300).
    """
    scenario = single_queue("hand", 100.0, (0.0, 0.0, 0.0), (1, 1, 1), Distribution.exponential(1))
    inf = math.inf
    draws = ContactDraws.scripted(
        arrival=[0, 20, 60, 170, 210, 220, 230],
        handle=[150, 50, 5, 50, 10, 100, 5],
        patience=[inf, inf, 30, inf, inf, inf, inf],
    )
    out = ContactCenter(scenario, draws).run()
    np.testing.assert_allclose(out.wait[:6], [0, 130, 30, 30, 40, 40], atol=1e-9)
    assert out.state[6] == ContactState.WAITING
    k = interval_kpis(out, scenario)
    # In the queue: [0, 100) c1 80 + c2 30; [100, 200) c1 50 + c3 30;
    # [200, 300) c4 40 + c5 40 + c6 70.
    assert k["queue_length"] == pytest.approx([1.1, 0.8, 1.5], abs=1e-9)
    # Waits by arrival interval: [0, 130, 30], [30], [40, 40] (c6 still waits: not counted).
    assert k["wait_p90_seconds"] == pytest.approx([130, 30, 40], abs=1e-9)
    assert k["longest_wait_seconds"] == pytest.approx([130, 30, 40], abs=1e-9)
    day = replication_kpis(out, scenario)
    assert day["queue_length"] == pytest.approx(340 / 300, abs=1e-9)
    assert day["wait_p90_seconds"] == pytest.approx(130, abs=1e-9)  # 6th of 6 waits
    assert day["longest_wait_seconds"] == pytest.approx(130, abs=1e-9)
