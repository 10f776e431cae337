"""Invariants of resolution, repeats and escalation under random small two-tier days
(hypothesis, derandomized): every contact accounted for, every follow-up traced to the talk
that caused it, no agent on two contacts at once (warm holds included), the same seed
giving the same day, and the new KPIs in range."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core.distributions import Distribution
from sim.core.follow_ups import Escalation, Resolution
from sim.core.scenario import AgentGroup, ContactType, Scenario, Skill
from sim.core.streams import Streams
from sim.kpi.definitions import breakdown
from sim.model.draws import draw_contacts
from sim.model.states import AfterTalk, Attempt, ContactState
from sim.model.world import ContactCenter

OFFSET = math.pi / 10  # keeps event times off interval boundaries
TOL = 1e-9
SETTINGS = settings(derandomize=True, deadline=None, max_examples=100)


@st.composite
def two_tiers(draw):
    n = draw(st.integers(1, 4))
    interval = draw(st.sampled_from([300.0, 900.0]))
    mean = draw(st.integers(20, 300)) + OFFSET
    delay = Distribution(draw(st.sampled_from(["exponential", "deterministic"])), 30 + OFFSET)
    by_group = draw(st.sampled_from([(), (("front", 0.2),), (("front", 1.0),)]))
    resolution = Resolution(
        draw(st.sampled_from([0.0, 0.5, 1.0])), by_group, delay, draw(st.integers(0, 3))
    )
    escalation = None
    if draw(st.booleans()):
        escalation = Escalation(
            "t2",
            draw(st.sampled_from([0.3, 1.0, 0.0])),
            draw(st.sampled_from([15.0 + OFFSET, 0.0])),
            draw(st.sampled_from(["cold", "warm"])),
        )
    patience = draw(st.none() | st.just(Distribution.exponential(60 + OFFSET)))
    t1 = ContactType(
        "t1",
        tuple(draw(st.lists(st.integers(0, 30).map(float), min_size=n, max_size=n))),
        Distribution.exponential(mean),
        wrap_up=draw(st.none() | st.just(Distribution("deterministic", 10 + OFFSET))),
        patience=patience,
        resolution=resolution,
        escalation=escalation,
    )
    t2 = ContactType(
        "t2",
        tuple(draw(st.lists(st.integers(0, 5).map(float), min_size=n, max_size=n))),
        Distribution.exponential(2 * mean),
        patience=patience,
        resolution=Resolution(0.5, (), delay, 1),
    )
    groups = (
        AgentGroup(
            "front",
            tuple(draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))),
            (Skill("t1"),),
        ),
        AgentGroup(
            "back", tuple(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))), (Skill("t2"),)
        ),
    )
    trunks = draw(st.none() | st.integers(1, 8))
    return Scenario("random_tiers", interval, (t1, t2), groups, trunks=trunks)


cases = st.tuples(two_tiers(), st.integers(0, 2**32 - 1), st.integers(0, 3))


def _day(scenario, seed, rep):
    streams = Streams(seed, rep)
    draws = draw_contacts(scenario, streams)
    return draws, ContactCenter(scenario, draws, streams).run()


@SETTINGS
@given(cases)
def test_follow_ups_are_accounted_for_and_traced(case):
    scenario, seed, rep = case
    draws, out = _day(scenario, seed, rep)
    used = out.state != ContactState.UNUSED
    answered = out.state == ContactState.ANSWERED
    horizon = out.horizon_seconds
    # Only answered contacts have an outcome; one whose talk ended in the day has one.
    assert (out.after_talk[~answered] == AfterTalk.OPEN).all()
    ended = answered & (out.talk_end < horizon)
    assert (out.after_talk[ended] != AfterTalk.OPEN).all()
    assert (out.after_talk[answered & ~ended] == AfterTalk.OPEN).all()
    # Every follow-up that called was caused by its parent's outcome, its delay after the talk.
    if draws.follow_up is not None:
        parents = np.flatnonzero(draws.follow_up >= 0)
        children = draws.follow_up[parents]
        for i, j in zip(parents.tolist(), children.tolist(), strict=True):
            if not used[j]:
                continue
            wanted = (
                AfterTalk.ESCALATED if out.attempt[j] == Attempt.TRANSFER else AfterTalk.UNRESOLVED
            )
            assert out.after_talk[i] == wanted
            assert abs(out.arrival[j] - (out.talk_end[i] + draws.follow_delay[i])) <= TOL
            assert out.customer[j] == out.customer[i]
    else:
        assert (out.attempt <= Attempt.REDIAL).all()
    # A used follow-up slot is a repeat or a transfer of a used parent; nothing else is offered.
    assert used[: draws.first_attempts].all()
    # Accounting, per contact type and interval.
    for contact_type, group, day, per_interval in breakdown(out, scenario):
        if group != "all":
            continue
        for k in (day, per_interval):
            total = k["answered"] + k["abandoned"] + k["blocked"] + k["waiting_at_end"]
            np.testing.assert_array_equal(k["offered"], total)
        for name in ("fcr", "transfer_rate"):
            v = np.atleast_1d(per_interval[name])
            assert np.all(np.isnan(v) | ((v >= 0) & (v <= 1)))
        assert math.isnan(day["resolution_minutes"]) or day["resolution_minutes"] >= 0
        if contact_type == "t2" and scenario.contact_types[0].escalation is None:
            assert day["escalated"] == 0


@SETTINGS
@given(cases)
def test_agents_hold_one_voice_contact_at_a_time_and_days_repeat(case):
    """Warm holds included: an agent's contacts (answer to end of wrap-up) never overlap;
    the same seed gives the same day."""
    scenario, seed, rep = case
    _, out = _day(scenario, seed, rep)
    _, again = _day(scenario, seed, rep)
    for name in ("arrival", "state", "resolved_at", "work", "talk_end", "after_talk", "agent"):
        np.testing.assert_array_equal(getattr(out, name), getattr(again, name))
    for a in range(len(out.login_at)):
        mine = np.flatnonzero(out.agent == a)
        start, end = out.resolved_at[mine], out.busy_until[mine]
        order = np.argsort(start, kind="stable")
        assert np.all(end[order][:-1] <= start[order][1:] + TOL)
