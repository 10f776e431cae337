"""Skill-based routing on tiny scripted days: which agent takes a contact, and when.

Every test builds a small multi-type, multi-group ``Scenario`` in Python and scripts its
contacts with ``ContactDraws.scripted`` (forecasts are ignored), then asserts the exact
event log: who answered each contact, when, and how long the agent worked on it.
Agent ids are given in log-in order: at time 0 the groups log in, in scenario order.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.core.distributions import Distribution
from sim.core.scenario import (
    AgentGroup,
    ContactType,
    OverflowStep,
    Routing,
    Scenario,
    ServiceLevel,
    Skill,
)
from sim.core.streams import Streams
from sim.kpi.definitions import breakdown, interval_kpis, replication_kpis
from sim.model.draws import ContactDraws
from sim.model.states import ContactState
from sim.model.world import ContactCenter, simulate

INF = math.inf
NAN = math.nan


def ctype(name, intervals=1, *, channel="voice", priority=0, overflow=(), target=0.8, forecast=0.0):
    """A contact type whose forecast is ignored (scripted draws carry the contacts)."""
    return ContactType(
        name,
        (float(forecast),) * intervals,
        Distribution.exponential(10.0),
        channel=channel,
        priority=priority,
        overflow=tuple(overflow),
        service_level=ServiceLevel(threshold_seconds=20.0, target=target),
    )


def group(name, staffing, *skills, concurrency=1, stretch=0.0):
    """A group; ``skills`` are contact type names or ``Skill`` objects."""
    return AgentGroup(
        name,
        tuple(staffing),
        tuple(s if isinstance(s, Skill) else Skill(s) for s in skills),
        chat_concurrency=concurrency,
        chat_stretch=stretch,
    )


def scenario(types, groups, *, interval=1000.0, agent="longest_idle", contact="preference"):
    return Scenario(
        name="routing",
        interval_seconds=interval,
        contact_types=tuple(types),
        groups=tuple(groups),
        routing=Routing(agent_selection=agent, contact_selection=contact),
    )


def run(scen, arrival, handle, types=None, wrap=None, patience=None, streams=None):
    """Run the scripted contacts; ``types`` are contact type names (default: the first)."""
    kind = None if types is None else [scen.type_names.index(t) for t in types]
    draws = ContactDraws.scripted(arrival, handle, wrap, patience, kind)
    return ContactCenter(scen, draws, streams).run()


def assert_times(actual, expected):
    np.testing.assert_allclose(actual, np.asarray(expected, dtype=float), rtol=0, atol=1e-12)


# -- agent selection: which available agent takes a new contact ----------------------------


def test_longest_idle_across_groups():
    """A new contact goes to the eligible agent idle longest, whatever its group."""
    scen = scenario([ctype("a")], [group("A", [2], "a"), group("B", [1], "a")])
    out = run(
        scen,
        arrival=[0, 1, 5, 6, 7, 12, 20, 21],
        handle=[10, 2, 10, 10, 1, 1, 5, 5],
    )
    # t=0, 1: all idle since 0, ties go to the first group's first agent: 0, then 1.
    # t=5: agent 1 idle since 3, agent 2 (group B) since 0 -> 2.  t=6 -> 1.
    # t=7: all busy; agent 0 frees first (10).  t=12: only agent 0 free.
    # t=20: agent 0 idle since 13, 2 since 15, 1 since 16 -> 0.  t=21: 2 before 1.
    assert out.agent.tolist() == [0, 1, 2, 1, 0, 0, 0, 2]
    assert_times(out.resolved_at, [0, 1, 5, 6, 10, 12, 20, 21])
    assert out.agent_group.tolist() == [0, 0, 1]


def test_longest_idle_chats_go_to_fewest_chats_in_hand_first():
    """For chats, the agent with the fewest chats in hand comes first, then the longest there."""
    scen = scenario(
        [ctype("chat", channel="chat")],
        [group("A", [1], "chat", concurrency=3), group("B", [1], "chat", concurrency=3)],
    )
    out = run(scen, arrival=[0, 1, 2, 3, 4, 5, 6], handle=[100] * 7)
    # t=1: agent 1 holds none -> 1.  t=2: both hold one; agent 0 since 0 -> 0.  t=3 -> 1.
    # t=4: both hold two, agent 0 since 2 -> 0.  t=5 -> 1.  t=6: both full, waits for 100.
    assert out.agent.tolist() == [0, 1, 0, 1, 0, 1, 0]
    assert_times(out.resolved_at, [0, 1, 2, 3, 4, 5, 100])


@pytest.mark.parametrize(("rule", "agent"), [("longest_idle", 0), ("fewest_skills", 1)])
def test_first_contact_generalist_or_specialist(rule, agent):
    """With everybody idle since 0, longest idle takes the first group, fewest skills the specialist."""
    scen = scenario(
        [ctype("a"), ctype("b")],
        [group("generalists", [1], "a", "b"), group("specialists", [1], "a")],
        agent=rule,
    )
    out = run(scen, arrival=[0], handle=[10], types=["a"])
    assert out.agent.tolist() == [agent]


def test_fewest_skills_prefers_specialist_even_if_idle_shorter():
    """fewest_skills tries groups by number of skills, not by idle time."""
    scen = scenario(
        [ctype("a"), ctype("b")],
        [group("generalists", [1], "a", "b"), group("specialists", [1], "a")],
        agent="fewest_skills",
    )
    out = run(scen, arrival=[0, 1, 20, 21], handle=[10, 1, 5, 5], types=["a", "b", "a", "a"])
    # t=0: specialist (1).  t=1: b, generalist only (0).  t=20: generalist idle since 2,
    # specialist since 10, still the specialist.  t=21: specialist busy -> generalist.
    assert out.agent.tolist() == [1, 0, 1, 0]
    assert_times(out.resolved_at, [0, 1, 20, 21])


def test_most_proficient_prefers_lowest_multiplier_per_type():
    """most_proficient tries the group with the lowest proficiency multiplier for that type."""
    groups = [
        group("slow_a", [1], Skill("a", 1.25), Skill("b", 0.5)),
        group("fast_a", [1], Skill("a", 0.75), Skill("b", 1.0)),
    ]
    scen = scenario([ctype("a"), ctype("b")], groups, agent="most_proficient")
    out = run(scen, arrival=[0, 1, 20, 21], handle=[8, 8, 8, 8], types=["a", "a", "b", "b"])
    assert out.agent.tolist() == [1, 0, 0, 1]
    assert_times(out.resolved_at, [0, 1, 20, 21])
    assert_times(out.work, [6, 10, 4, 8])
    # Longest idle would have given the first contact to the first (slow) group.
    out = run(scenario([ctype("a"), ctype("b")], groups), arrival=[0], handle=[8], types=["a"])
    assert out.agent.tolist() == [0] and out.work.tolist() == [10.0]


def random_scenario():
    return scenario(
        [ctype("a"), ctype("b")],
        [group("A", [2], "a"), group("B", [2], "a"), group("C", [1], "b")],
        agent="random",
    )


def test_random_selection_reproducible_and_covers_eligible_agents():
    """random: the same seed gives the same choices; every eligible agent is used, nobody else."""
    scen = random_scenario()
    arrival = np.arange(80) * 10.0
    handle = np.ones(80)

    def agents(seed, rep):
        return run(scen, arrival, handle, streams=Streams(seed, rep)).agent

    first = agents(5, 0)
    np.testing.assert_array_equal(first, agents(5, 0))
    assert not np.array_equal(first, agents(5, 1))
    assert not np.array_equal(first, agents(6, 0))
    counts = np.bincount(first, minlength=5)
    assert counts[4] == 0  # group C lacks the skill
    assert counts[:4].min() >= 8  # 20 expected each


def test_random_selection_only_among_available_agents():
    """Busy agents are never drawn: four long contacts take four different agents, the fifth waits."""
    scen = random_scenario()
    for seed in range(10):
        out = run(scen, [0, 1, 2, 3, 4], [100, 100, 100, 100, 1], streams=Streams(seed, 0))
        assert sorted(out.agent[:4].tolist()) == [0, 1, 2, 3]
        assert_times(out.resolved_at, [0, 1, 2, 3, 100])


def test_random_selection_simulate_reproducible_with_common_arrivals():
    """simulate() with the random rule depends only on seed and replication; arrivals do not depend on the rule."""
    types = [ctype("a", 2, forecast=60.0)]
    groups = [group("A", [2, 2], "a"), group("B", [2, 2], "a")]
    scen = scenario(types, groups, interval=600.0, agent="random")
    one, two = simulate(scen, 11, 0), simulate(scen, 11, 0)
    np.testing.assert_array_equal(one.agent, two.agent)
    np.testing.assert_array_equal(one.resolved_at, two.resolved_at)
    assert set(one.agent[one.agent >= 0].tolist()) == {0, 1, 2, 3}
    other = simulate(scenario(types, groups, interval=600.0), 11, 0)
    np.testing.assert_array_equal(one.arrival, other.arrival)
    assert not np.array_equal(one.agent, other.agent)


# -- contact selection: which waiting contact a freed agent takes --------------------------


def test_preference_level_before_waiting_time():
    """A freed agent serves its level-1 queue before a level-2 contact that waited longer."""
    scen = scenario([ctype("a"), ctype("b")], [group("G", [1], Skill("a"), Skill("b", level=2))])
    out = run(scen, arrival=[0, 1, 2], handle=[10, 1, 1], types=["a", "b", "a"])
    assert_times(out.resolved_at, [0, 11, 10])


def test_preference_levels_are_per_group():
    """Two groups with opposite levels each take their own level-1 queue first."""
    scen = scenario(
        [ctype("a"), ctype("b")],
        [
            group("X", [1], Skill("a"), Skill("b", level=2)),
            group("Y", [1], Skill("b"), Skill("a", level=2)),
        ],
    )
    # Both agents busy until 10; then b (waiting since 2) and a (since 3) are both waiting.
    out = run(scen, arrival=[0, 0, 2, 3], handle=[10, 10, 5, 5], types=["a", "b", "b", "a"])
    # At 10, X (agent 0) frees first (its event was scheduled first) and takes a; Y takes b.
    assert out.agent.tolist() == [0, 1, 1, 0]
    assert_times(out.resolved_at, [0, 0, 10, 10])


def test_priority_within_a_level():
    """Same level: the lower priority number first, then the longest wait."""
    scen = scenario(
        [ctype("std", priority=2), ctype("vip", priority=1)], [group("G", [1], "std", "vip")]
    )
    out = run(
        scen,
        arrival=[0, 1, 2, 3, 4],
        handle=[10, 1, 1, 1, 1],
        types=["std", "std", "vip", "std", "vip"],
    )
    assert_times(out.resolved_at, [0, 12, 10, 13, 11])


def test_level_beats_priority():
    """A level-1 queue comes first even if a level-2 queue has the more urgent priority."""
    scen = scenario(
        [ctype("a", priority=9), ctype("b", priority=0)],
        [group("G", [1], Skill("a"), Skill("b", level=2))],
    )
    out = run(scen, arrival=[0, 1, 2], handle=[10, 1, 1], types=["a", "b", "a"])
    assert_times(out.resolved_at, [0, 11, 10])


def test_same_level_and_priority_is_fcfs_across_queues():
    """Same level and priority: the longest-waiting contact of any queue first."""
    scen = scenario([ctype("a"), ctype("b")], [group("G", [1], "a", "b")])
    out = run(scen, arrival=[0, 1, 2, 3], handle=[10, 1, 1, 1], types=["a", "b", "a", "b"])
    assert_times(out.resolved_at, [0, 10, 11, 12])


@pytest.mark.parametrize(
    ("rule", "resolved"),
    [
        ("service_level_gap", [0, 6, 110, 100]),
        ("preference", [0, 6, 100, 110]),
    ],
)
def test_service_level_gap_takes_queue_below_target(rule, resolved):
    """service_level_gap: the queue furthest below its target so far today, not the longest wait."""
    scen = scenario([ctype("a"), ctype("b")], [group("G", [1], "a", "b")], contact=rule)
    # c0 (b) answered at once: b is at 1/1.  c1 (a) abandons at 6: a is at 0/1.
    # At 100 the agent frees; c2 (b) waited longer but a is 0.8 below target, b 0.2 above.
    out = run(
        scen,
        arrival=[0, 1, 2, 3],
        handle=[100, 10, 10, 10],
        types=["b", "a", "b", "a"],
        patience=[INF, 5, INF, INF],
    )
    assert out.state.tolist() == [
        ContactState.ANSWERED,
        ContactState.ABANDONED,
        ContactState.ANSWERED,
        ContactState.ANSWERED,
    ]
    assert_times(out.resolved_at, resolved)


def test_service_level_gap_uses_each_queues_target():
    """With no history (both at 100%), the queue with the higher target is further below it."""
    types = [ctype("a", target=0.5), ctype("b", target=0.95)]
    scen = scenario(types, [group("G", [1], "a", "b")], contact="service_level_gap")
    # c0 (b) answered at once (b: 1/1, gap +0.05); a has no decided contact yet (gap +0.5).
    out = run(scen, arrival=[0, 1, 2], handle=[10, 1, 1], types=["b", "a", "b"])
    assert_times(out.resolved_at, [0, 11, 10])


# -- handle time -------------------------------------------------------------------------


def test_proficiency_multiplies_talk_not_wrap():
    """work = draw x proficiency + wrap-up, and the agent is busy exactly that long."""
    scen = scenario([ctype("a")], [group("G", [1], Skill("a", proficiency=0.5))])
    out = run(scen, arrival=[0, 1], handle=[10, 4], wrap=[3, 0])
    assert_times(out.work, [8, 2])
    assert_times(out.resolved_at, [0, 8])
    assert_times(out.busy_until, [8, 10])
    assert replication_kpis(out, scen)["aht_seconds"] == pytest.approx(5.0, abs=1e-12)


# -- chat --------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 2, 3])
def test_chat_concurrency_k_at_once_next_waits(k):
    """An agent holds k chats at once, each stretched by 1 + 0.5 x (others in hand); chat k+1 waits."""
    scen = scenario(
        [ctype("chat", channel="chat")],
        [group("G", [1], "chat", concurrency=k, stretch=0.5)],
    )
    out = run(scen, arrival=list(range(k + 1)), handle=[10] * (k + 1))
    # Chat j < k starts at j with j others in hand; chat 0 ends first, at 10.
    assert_times(out.resolved_at, [*range(k), 10])
    assert_times(out.work, [10 * (1 + 0.5 * j) for j in range(k)] + [10 * (1 + 0.5 * (k - 1))])
    assert out.agent.tolist() == [0] * (k + 1)


def test_chat_stretch_and_proficiency_event_log():
    """Chat talk time = draw x proficiency x (1 + stretch x others in hand at its start)."""
    scen = scenario(
        [ctype("chat", channel="chat")],
        [group("G", [1], Skill("chat", proficiency=0.8), concurrency=2, stretch=0.5)],
    )
    out = run(scen, arrival=[0, 1, 2, 9, 30], handle=[10] * 5)
    # c0: 8 (alone), ends 8.  c1: 12, ends 13.  c2 waits for c0's end at 8: 12, ends 20.
    # c3 waits for c1's end at 13: 12, ends 25.  c4 at 30, alone again: 8.
    assert_times(out.resolved_at, [0, 1, 8, 13, 30])
    assert_times(out.work, [8, 12, 12, 12, 8])
    # One busy period while any chat is in hand.
    assert_times(out.busy_start, [0, 30])
    assert_times(out.busy_end, [25, 38])


def test_agent_with_chats_takes_no_voice_and_voice_blocks_chat():
    """An agent with a chat in hand takes more chats but no voice call; on a call it takes nothing."""
    scen = scenario(
        [ctype("chat", channel="chat"), ctype("voice")],
        [group("G", [1], "chat", "voice", concurrency=2)],
    )
    out = run(
        scen,
        arrival=[0, 1, 2, 11],
        handle=[10, 5, 4, 1],
        types=["chat", "voice", "chat", "chat"],
    )
    # c1 (voice) waits although the agent has room; c2 (chat) is taken at once. At 6 the
    # agent still holds c0: no voice. At 10 it is free: voice. c3 (chat) waits for it.
    assert_times(out.resolved_at, [0, 10, 2, 15])


def test_voice_goes_to_agent_without_chats():
    """A voice call skips an agent holding a chat for one with nothing in hand."""
    scen = scenario(
        [ctype("chat", channel="chat"), ctype("voice")],
        [group("G", [2], "chat", "voice", concurrency=2)],
    )
    out = run(scen, arrival=[0, 1, 2], handle=[10, 10, 10], types=["chat", "voice", "chat"])
    assert out.agent.tolist() == [0, 1, 0]
    assert_times(out.resolved_at, [0, 1, 2])


# -- email -------------------------------------------------------------------------------


def test_email_waits_while_live_contact_eligible():
    """Email is taken only when no live contact is eligible, even at a better level."""
    scen = scenario(
        [ctype("voice"), ctype("mail", channel="email")],
        [group("G", [1], Skill("voice", level=2), Skill("mail", level=1))],
    )
    out = run(
        scen,
        arrival=[0, 1, 2, 20],
        handle=[10, 5, 3, 5],
        types=["voice", "mail", "voice", "mail"],
    )
    # At 10: c2 (voice) though c1 (mail) waited longer; then c1 at 13. c3 finds the agent idle.
    assert_times(out.resolved_at, [0, 13, 10, 20])


def test_email_taken_when_waiting_live_contact_not_yet_eligible():
    """A live contact not yet eligible for an overflow agent does not hold back its email."""
    types = [ctype("voice", overflow=[OverflowStep(30.0, ("O",))]), ctype("mail", channel="email")]
    scen = scenario(types, [group("P", [1], "voice"), group("O", [1], "voice", "mail")])
    out = run(
        scen,
        arrival=[0, 0.5, 1, 2],
        handle=[100, 10, 5, 10],
        types=["voice", "mail", "voice", "mail"],
    )
    # O frees at 10.5: c2 (voice) has waited 9.5 s < 30, so O takes c3 (mail) until 20.5,
    # then stays idle until c2's overflow at 31.
    assert out.agent.tolist() == [0, 1, 1, 1]
    assert_times(out.resolved_at, [0, 0.5, 31, 10.5])


def test_email_without_patience_never_abandons():
    """Emails wait as long as it takes, and are still waiting at the horizon if nobody takes them."""
    scen = scenario(
        [ctype("voice"), ctype("mail", channel="email")],
        [group("G", [1], "voice", "mail")],
        interval=100.0,
    )
    out = run(scen, arrival=[0, 1, 2], handle=[60, 50, 1], types=["voice", "mail", "mail"])
    assert out.state.tolist() == [
        ContactState.ANSWERED,
        ContactState.ANSWERED,
        ContactState.WAITING,
    ]
    assert_times(out.resolved_at, [0, 60, NAN])


def test_email_with_patience_is_rejected():
    """Emails are never abandoned: an email type given a patience is refused up front."""
    with pytest.raises(ValueError, match="email is never abandoned"):
        ContactType(
            "mail",
            (200.0, 200.0),
            Distribution.exponential(600.0),
            patience=Distribution.exponential(30.0),
            channel="email",
        )


# -- overflow ----------------------------------------------------------------------------


def overflow_scenario(p_staffing=(1,), o_staffing=(1,), interval=1000.0):
    types = [
        ctype("a", len(p_staffing), overflow=[OverflowStep(30.0, ("O",))]),
        ctype("b", len(p_staffing)),
    ]
    groups = [group("P", p_staffing, "a"), group("O", o_staffing, "a", "b")]
    return scenario(types, groups, interval=interval)


def test_overflow_after_delay_only():
    """Before the delay only the primary group answers; after it the overflow group does too."""
    scen = overflow_scenario()
    out = run(
        scen,
        arrival=[0, 1, 35, 50, 90],
        handle=[100, 10, 20, 5, 5],
        types=["a", "a", "b", "a", "a"],
    )
    # c1: O idle but not eligible until 31.  c2 (b, O's own): O busy until 41.
    # c3: O frees at 61 but c3 has waited 11 s only; its overflow at 80 reaches O.
    # c4: O idle since 85 but not eligible before 120; P frees at 100 and takes it.
    assert out.agent.tolist() == [0, 1, 1, 1, 0]
    assert_times(out.resolved_at, [0, 31, 41, 80, 100])
    assert_times(out.wait, [0, 30, 6, 30, 10])


def test_overflow_group_logging_in_respects_delay():
    """An overflow agent logging in at a boundary takes only contacts that waited the delay."""
    scen = overflow_scenario(p_staffing=(1, 1), o_staffing=(0, 1), interval=100.0)
    out = run(scen, arrival=[0, 90], handle=[500, 5])
    assert_times(out.resolved_at, [0, 120])  # O logs in at 100; c1 is eligible at 120
    out = run(scen, arrival=[0, 10], handle=[500, 5])
    assert_times(out.resolved_at, [0, 100])  # overflow at 40 finds no O agent; O logs in at 100
    assert out.agent.tolist() == [0, 1]


def test_overflow_steps_in_sequence():
    """Each step adds its groups at its own delay."""
    types = [ctype("a", overflow=[OverflowStep(10.0, ("O1",)), OverflowStep(20.0, ("O2",))])]
    groups = [group("P", [1], "a"), group("O1", [1], "a"), group("O2", [1], "a")]
    scen = scenario(types, groups)
    out = run(scen, arrival=[0, 1, 2], handle=[100, 100, 100])
    # c1: O1 at 11.  c2: O1 busy at 12, O2 at 22.
    assert out.agent.tolist() == [0, 1, 2]
    assert_times(out.resolved_at, [0, 11, 22])


# -- staffing per group, KPI breakdown ----------------------------------------------------


def test_staffing_per_group():
    """Each group follows its own staffing table."""
    scen = scenario(
        [ctype("a", 3), ctype("b", 3)],
        [group("A", [1, 0, 2], "a"), group("B", [0, 2, 1], "b")],
        interval=100.0,
    )
    out = run(scen, arrival=[50, 150, 150, 250], handle=[10] * 4, types=["a", "b", "a", "b"])
    # c2 (a) finds no A agent at 150 and is answered by agent 3, logged in at 200.
    # At 200 B drops to one: agent 1 (idle since 160) leaves, agent 2 (since 100) stays.
    assert out.agent_group.tolist() == [0, 1, 1, 0, 0]
    assert_times(out.login_at, [0, 100, 100, 200, 200])
    assert_times(out.logout_at, [100, 200, 300, 300, 300])
    assert out.agent.tolist() == [0, 1, 3, 2]
    assert_times(out.resolved_at, [50, 150, 200, 250])
    assert interval_kpis(out, scen, group="A")["agents_logged_in"].tolist() == [1, 0, 2]
    assert interval_kpis(out, scen, group="B")["agents_logged_in"].tolist() == [0, 2, 1]
    assert interval_kpis(out, scen)["agents_logged_in"].tolist() == [1, 2, 3]


def kpi_case():
    scen = scenario(
        [ctype("a"), ctype("b")],
        [group("GA", [1], Skill("a"), Skill("b", level=2)), group("GB", [1], "b")],
        interval=100.0,
    )
    out = run(
        scen,
        arrival=[0, 5, 10, 20, 38, 70],
        handle=[30, 40, 10, 10, 20, 10],
        types=["a", "b", "a", "b", "b", "a"],
        patience=[INF, INF, INF, 15, INF, INF],
    )
    return scen, out


def test_kpi_case_event_log():
    """GA takes its level-1 queue (a) first; c3 (b) abandons at 35; GA serves b at level 2."""
    _, out = kpi_case()
    assert (
        out.state.tolist()
        == [ContactState.ANSWERED] * 3 + [ContactState.ABANDONED] + [ContactState.ANSWERED] * 2
    )
    assert out.agent.tolist() == [0, 1, 0, -1, 0, 0]
    assert_times(out.resolved_at, [0, 5, 30, 35, 40, 70])
    assert_times(out.wait, [0, 0, 20, 15, 2, 0])


def test_kpis_per_type_and_group_by_hand():
    """replication_kpis per contact type and per group, checked by hand."""
    scen, out = kpi_case()
    k = replication_kpis(out, scen, contact_type="a")
    assert (k["offered"], k["answered"], k["abandoned"]) == (3, 3, 0)
    assert k["service_level"] == pytest.approx(1.0)  # c2 waited exactly the 20 s threshold
    assert k["asa_seconds"] == pytest.approx(20 / 3)
    assert k["aht_seconds"] == pytest.approx(50 / 3)
    assert k["wait_probability"] == pytest.approx(1 / 3)
    assert math.isnan(k["occupancy"]) and math.isnan(k["agents_logged_in"])

    k = replication_kpis(out, scen, contact_type="b")
    assert (k["offered"], k["answered"], k["abandoned"]) == (3, 2, 1)
    assert k["service_level"] == pytest.approx(2 / 3)
    assert k["abandon_rate"] == pytest.approx(1 / 3)
    assert k["asa_seconds"] == pytest.approx(1.0)
    assert k["aht_seconds"] == pytest.approx(30.0)
    assert k["avg_time_to_abandon_seconds"] == pytest.approx(15.0)
    assert k["mean_wait_all_seconds"] == pytest.approx(17 / 3)

    k = replication_kpis(out, scen, group="GA")
    assert k["answered"] == 4
    assert k["asa_seconds"] == pytest.approx(22 / 4)
    assert k["aht_seconds"] == pytest.approx(70 / 4)
    assert k["occupancy"] == pytest.approx(0.7)  # busy [0, 60) and [70, 80)
    assert k["agents_logged_in"] == pytest.approx(1.0)
    assert math.isnan(k["offered"]) and math.isnan(k["service_level"])

    k = replication_kpis(out, scen, group="GB")
    assert k["answered"] == 1 and k["aht_seconds"] == pytest.approx(40.0)
    assert k["occupancy"] == pytest.approx(0.4)

    k = replication_kpis(out, scen, contact_type="b", group="GA")
    assert k["answered"] == 1 and k["aht_seconds"] == pytest.approx(20.0)
    assert math.isnan(k["service_level"]) and math.isnan(k["occupancy"])

    k = replication_kpis(out, scen)
    assert (k["offered"], k["answered"], k["abandoned"]) == (6, 5, 1)
    assert k["service_level"] == pytest.approx(5 / 6)
    assert k["occupancy"] == pytest.approx(110 / 200)


def test_breakdown_rows_match_replication_kpis():
    """breakdown() yields all, each type and each group, equal to replication_kpis."""
    scen, out = kpi_case()
    rows = list(breakdown(out, scen))
    assert [(t, g) for t, g, _, _ in rows] == [
        ("all", "all"),
        ("a", "all"),
        ("b", "all"),
        ("all", "GA"),
        ("all", "GB"),
    ]
    for contact_type, group_name, day, _ in rows:
        expected = replication_kpis(
            out,
            scen,
            contact_type=None if contact_type == "all" else contact_type,
            group=None if group_name == "all" else group_name,
        )
        np.testing.assert_allclose(
            [day[k] for k in expected], list(expected.values()), rtol=0, atol=1e-12
        )
