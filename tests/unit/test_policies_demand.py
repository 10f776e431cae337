"""The demand-side realtime policies: vto, callback, overflow_partner and playbook.

For each policy: (a) in a small day built to trigger it, it acts and the effect is real;
(b) in a calm day it does nothing (callback, and overflow_partner with ``always_on``, arm
once) and every KPI equals the baseline's; (c) its actions apply exactly ``latency_minutes``
after the check; (d) bad parameters are named. Decision rules are also checked exactly on
hand-made wallboard views.

Tolerances: effects are measured on R = 20 paired replications with a fixed seed (replication
r of both policies sees the same arrivals, handle times and patience: common random numbers),
so each comparison is a per-replication difference. The assertions are per replication
(every one of the 20 days must move the right way) where the measured effect is many
standard deviations from zero on this seed, and exact where the model's bookkeeping makes
them exact (outsourcing fees, hours sent home); the margins are quoted next to each.
"""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
import pytest

from sim.core.costs import Costs
from sim.core.distributions import Distribution
from sim.core.scenario import erlang_scenario, single_queue
from sim.kpi.definitions import replication_kpis
from sim.model.world import simulate
from sim.policies.api import (
    CallOvertime,
    CancelItem,
    GroupView,
    OfferCallbacks,
    OfferVTO,
    Outsource,
    QueueView,
    RealtimeView,
    SetPreference,
    UpcomingItem,
)
from sim.policies.base import Policy, build_params
from sim.policies.registry import POLICIES, make_policy

SEED = 20261125
REPS = 20
RATE = 30.0  # cost of an agent hour
FEE = 5.0  # the partner's fee per outsourced contact

# -- days -------------------------------------------------------------------------------------

#: 100 calls/h of 180 s on 15 agents (5 Erlangs, occupancy ~0.33): every queue far above
#: target. VTO's trigger; calm for callbacks and outsourcing (nobody waits a minute).
OVERSTAFFED = dataclasses.replace(
    erlang_scenario(100, 180, 15, patience_seconds=300, hours=8, warmup_hours=0),
    costs=Costs(hourly=RATE),
)
#: Two agents for 1.5 Erlangs: never more than ``min_available`` = 2 available, so no VTO.
NO_SLACK = dataclasses.replace(
    erlang_scenario(30, 180, 2, patience_seconds=300, hours=8, warmup_hours=0),
    costs=Costs(hourly=RATE),
)
#: Four hours at 11 Erlangs on 10 agents, then four at 4; callers never hang up. Callbacks
#: move work from the peak to the lull.
PEAK_THEN_LULL = single_queue(
    "peak", 1800.0, [110.0] * 8 + [40.0] * 8, [10] * 16, Distribution.exponential(180.0)
)
#: Six hours at 11 Erlangs on 10 agents (mean patience 3 minutes), then two at 3.
UNDERSTAFFED = dataclasses.replace(
    single_queue(
        "short",
        1800.0,
        [110.0] * 12 + [30.0] * 4,
        [10] * 16,
        Distribution.exponential(180.0),
        patience=Distribution.exponential(180.0),
    ),
    costs=Costs(hourly=RATE, outsourced_contact=FEE),
)


def paired(scenario, name, params=None, policy=None):
    """Per replication: (KPIs under none, KPIs under the policy, the policy's outcome)."""
    rows = []
    for r in range(REPS):
        base = replication_kpis(simulate(scenario, SEED, r), scenario)
        chosen = policy() if policy is not None else make_policy(name, params)
        outcome = simulate(scenario, SEED, r, policy=chosen)
        rows.append((base, replication_kpis(outcome, scenario), outcome))
    return rows


def column(rows, which, kpi):
    return np.array([row[which][kpi] for row in rows])


def same_kpis(a: dict, b: dict) -> bool:
    return all(a[k] == b[k] or (math.isnan(a[k]) and math.isnan(b[k])) for k in a)


# -- hand-made wallboards ---------------------------------------------------------------------


def queue(name="calls", sl=1.0, waiting=0, oldest=0.0, channel="voice", target=0.8, day=None):
    return QueueView(
        name=name,
        channel=channel,
        waiting=waiting,
        oldest_wait_seconds=oldest,
        offered_interval=10,
        forecast_interval=10.0,
        forecast_interval_to_date=10.0,
        offered_day=10,
        forecast_day_to_date=10.0,
        service_level_interval=sl,
        service_level_day=sl if day is None else day,
        threshold_seconds=20.0,
        target=target,
        expected_wait_seconds=0.0,
        agents_serving=10,
        forecast_next_interval=10.0,
        callbacks_waiting=0,
    )


def group(name="agents", available=10, busy=2, wrap_up=0, skills=("calls",)):
    return GroupView(
        name=name,
        skills=skills,
        logged_in=available + busy + wrap_up,
        available=available,
        busy=busy,
        wrap_up=wrap_up,
        on_break=0,
        in_activity=0,
        aux=0,
        offline=0,
        leaving=0,
        absent=0,
        scheduled=float(available + busy + wrap_up),
        overtime=0,
        scheduled_by_counts=True,
    )


def view(queues=(), groups=(), now=600.0, clock="08:10", upcoming=()):
    return RealtimeView(
        now=now,
        clock=clock,
        interval=int(now // 900),
        interval_seconds=900.0,
        horizon_seconds=8 * 3600.0,
        queues={q.name: q for q in queues},
        groups={g.name: g for g in groups},
        upcoming=tuple(upcoming),
        overtime_hours_called=0.0,
        vto_hours_granted=0.0,
    )


# -- vto --------------------------------------------------------------------------------------


def test_vto_rule_on_hand_made_views():
    vto = make_policy("vto")
    # All fine: 10 available, occupancy 2/12: offer min(2, 10 - 2) = 2, hours and p passed on.
    (offer,) = vto.decide(view([queue(sl=0.95)], [group()]))
    assert offer == OfferVTO(
        group="agents", agents=2, hours=2.0, acceptance_probability=0.5, reason=offer.reason
    )
    assert make_policy("vto").decide(view([queue()], [group(available=3)]))[0].agents == 1
    # NaN (nothing decided yet this interval) is fine only while nobody waits.
    assert make_policy("vto").decide(view([queue(sl=math.nan)], [group()]))
    blocked = {
        "at target + margin only": view([queue(sl=0.9)], [group()]),
        "NaN with a caller waiting": view([queue(sl=math.nan, waiting=1)], [group()]),
        "occupancy at the cap": view([queue()], [group(available=4, busy=4, wrap_up=2)]),
        "only min_available available": view([queue()], [group(available=2, busy=0)]),
        "a second queue below target": view(
            [queue(), queue("chat", sl=0.5, channel="chat")],
            [group(skills=("calls", "chat"))],
        ),
    }
    for why, seen in blocked.items():
        assert make_policy("vto").decide(seen) == [], why
    # Cooldown: one offer per group per 60 minutes.
    assert vto.decide(view([queue()], [group()], now=600.0 + 59 * 60)) == []
    assert vto.decide(view([queue()], [group()], now=600.0 + 60 * 60))


def test_vto_lowers_cost_and_keeps_service_level_in_an_overstaffed_day():
    rows = paired(OVERSTAFFED, "vto")
    saved = column(rows, 0, "cost") - column(rows, 1, "cost")
    # Seed SEED: 8 offers a day, 1.9 agents fewer logged in on average; saving 460 a day
    # (SE 21), least 355; service level >= 0.988 every day against a target of 0.8.
    assert (saved > 0).all(), saved
    assert (column(rows, 1, "agents_logged_in") < column(rows, 0, "agents_logged_in")).all()
    assert (column(rows, 1, "service_level") >= OVERSTAFFED.service_level_target).all()
    for _, _, outcome in rows:
        assert {a[2] for a in outcome.actions} == {"offer_vto"}
        assert all(a[5] <= 0 for a in outcome.actions)  # savings: negative cost


def test_vto_action_log_holds_the_hours_sent_home():
    """Counts-staffed agents sent home for ``hours``: the logged cost is the saved hours x rate."""
    for base, kpis, outcome in paired(OVERSTAFFED, "vto"):
        hours = (base["agents_logged_in"] - kpis["agents_logged_in"]) * 8.0
        logged = -sum(a[5] for a in outcome.actions)
        assert logged == pytest.approx(RATE * hours, abs=1e-6)


def test_vto_cost_counts_the_saving_once():
    """The cost KPI falls by the hours no longer logged in, not twice that (the logged
    saving is not booked on top)."""
    for base, kpis, _ in paired(OVERSTAFFED, "vto"):
        hours = (base["agents_logged_in"] - kpis["agents_logged_in"]) * 8.0
        assert base["cost"] - kpis["cost"] == pytest.approx(RATE * hours, abs=1e-6)


def test_vto_for_the_rest_of_the_day():
    policy = POLICIES["vto"](POLICIES["vto"].Params(hours=None, acceptance_probability=1.0))
    outcome = simulate(OVERSTAFFED, SEED, 0, policy=policy)
    first = outcome.actions[0]
    assert first[4] == 2  # both asked accept
    # Two agents gone from the first offer to the end of the day (8 h).
    assert -first[5] == pytest.approx(2 * RATE * (8 * 3600.0 - first[1]) / 3600.0)


def test_vto_hours_null_is_accepted_from_a_config():
    """``hours: null`` (the rest of the day) passes the config checks."""
    _, problems = build_params(POLICIES["vto"].Params, {"hours": None}, "policy.vto")
    assert problems == []


# -- callback ---------------------------------------------------------------------------------


def test_callback_arms_voice_queues_once_and_stops_at_the_clock():
    queues = [queue("sales"), queue("chat", channel="chat"), queue("mail", channel="email")]
    policy = make_policy("callback", {"stop_at_clock": "17:00"})
    (arm,) = policy.decide(view(queues))
    assert arm == OfferCallbacks(
        contact_type="sales",
        above_wait_seconds=120.0,
        acceptance_probability=0.5,
        threshold_seconds=3600.0,
        reason=arm.reason,
    )
    assert policy.decide(view(queues, now=1200.0)) == []
    (stop,) = policy.decide(view(queues, now=9 * 3600.0, clock="17:00"))
    assert stop.contact_type == "sales" and stop.above_wait_seconds is None
    assert policy.decide(view(queues, now=9 * 3600.0 + 300, clock="17:05")) == []
    # Naming a queue that is not a voice queue is refused when the run is built, not in the day.
    chat_day = erlang_scenario(calls_per_hour=100, aht_seconds=180, agents=5).with_type(
        0, channel="chat"
    )
    name = chat_day.contact_types[0].name
    (problem,) = make_policy("callback", {"contact_types": [name]}).check(chat_day)
    assert problem[:2] == ("contact_types[0]", name) and "not a voice contact type" in problem[2]


def test_callbacks_raise_the_live_service_level_when_the_day_is_short():
    rows = paired(PEAK_THEN_LULL, "callback")
    gain = column(rows, 1, "service_level") - column(rows, 0, "service_level")
    # Seed SEED: live service level 0.28 -> 0.40 (gain 0.12, SE 0.004, least 0.089), 92-210
    # callbacks a day: the accepted callers are served in the lull instead of queueing
    # ahead of the others. (With impatient callers the gain vanishes: callbacks then turn
    # abandons into work, which is why these callers wait.)
    assert (gain > 0.05).all(), gain
    assert (column(rows, 1, "callbacks") > 0).all()
    callback_sl = column(rows, 1, "callback_service_level")
    assert not np.isnan(callback_sl).any() and ((callback_sl >= 0) & (callback_sl <= 1)).all()
    assert np.isnan(column(rows, 0, "callback_service_level")).all()
    for _, kpis, outcome in rows:
        assert [a[2:5] for a in outcome.actions] == [("offer_callbacks", "calls", 0)]
        assert kpis["answered"] + kpis["waiting_at_end"] == kpis["offered"]  # nobody lost


# -- overflow_partner -------------------------------------------------------------------------


def test_overflow_partner_rule_on_hand_made_views():
    queues = [queue("sales", oldest=61.0, waiting=3), queue("mail", channel="email", oldest=999.0)]
    policy = make_policy("overflow_partner")
    (on,) = policy.decide(view(queues))
    assert on == Outsource(contact_type="sales", after_wait_seconds=90.0, reason=on.reason)
    assert policy.decide(view(queues)) == []  # still hot: already on
    assert policy.decide(view([queue("sales", oldest=30.0, waiting=2)])) == []  # not calm yet
    (off,) = policy.decide(view([queue("sales", oldest=29.0, waiting=2)]))
    assert off.contact_type == "sales" and off.after_wait_seconds is None
    assert make_policy("overflow_partner").decide(view([queue("sales", oldest=60.0)])) == []
    always = make_policy("overflow_partner", {"always_on": True})
    assert [a.contact_type for a in always.decide(view(queues))] == ["sales"]
    assert always.decide(view([queue("sales", waiting=0)])) == []


def test_overflow_partner_takes_long_waiters_at_its_fee():
    rows = paired(UNDERSTAFFED, "overflow_partner")
    outsourced = column(rows, 1, "outsourced")
    # Seed SEED: 11-51 contacts a day to the partner, abandons 223 -> 201 (least drop 5).
    assert (outsourced > 0).all() and (column(rows, 0, "outsourced") == 0).all()
    assert (column(rows, 1, "abandoned") < column(rows, 0, "abandoned")).all()
    # Same agents logged in under both: the cost grows by exactly the partner's fees.
    extra = column(rows, 1, "cost") - column(rows, 0, "cost")
    np.testing.assert_allclose(extra, FEE * outsourced, rtol=0, atol=1e-6)
    for _, _, outcome in rows:
        kinds = [(a[2], a[3]) for a in outcome.actions]
        assert set(kinds) == {("outsource", "calls")}


# -- calm days: nothing to do -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "name", "params", "arms"),
    [
        (NO_SLACK, "vto", {}, []),
        (OVERSTAFFED, "callback", {}, [("offer_callbacks", "calls")]),
        (OVERSTAFFED, "overflow_partner", {}, []),
        (OVERSTAFFED, "overflow_partner", {"always_on": True}, [("outsource", "calls")]),
        (
            OVERSTAFFED,
            "playbook",
            {
                "steps": ["vto", "overflow_partner", "callback"],
                "overrides": {"vto": {"min_available": 100}},
            },
            [("offer_callbacks", "calls")],
        ),
    ],
    ids=["vto", "callback", "overflow_partner", "overflow_always_on", "playbook"],
)
def test_calm_day_changes_nothing(scenario, name, params, arms):
    for base, kpis, outcome in paired(scenario, name, params):
        assert [a[2:4] for a in outcome.actions] == arms
        assert same_kpis(base, kpis)


# -- latency ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "name", "params"),
    [
        (OVERSTAFFED, "vto", {"latency_minutes": 3.0}),
        (PEAK_THEN_LULL, "callback", {"latency_minutes": 3.0}),
        (UNDERSTAFFED, "overflow_partner", {"latency_minutes": 3.0}),
        (
            UNDERSTAFFED,
            "playbook",
            {"latency_minutes": 4.0, "steps": ["overflow_partner", "callback"]},
        ),
    ],
    ids=["vto", "callback", "overflow_partner", "playbook"],
)
def test_actions_apply_after_the_latency(scenario, name, params):
    outcome = simulate(scenario, SEED, 0, policy=make_policy(name, params))
    assert outcome.actions
    for decided, applied, *_ in outcome.actions:
        assert applied - decided == pytest.approx(60.0 * params["latency_minutes"], abs=1e-9)
        assert decided % (5 * 60.0) == pytest.approx(0.0)  # on the check grid


# -- playbook ---------------------------------------------------------------------------------


class Scripted(Policy):
    """A stand-in step: returns ``actions`` at every check; remembers what was dropped."""

    def __init__(self, *actions):
        super().__init__()
        self.actions = list(actions)
        self.told: list = []

    def decide(self, view):
        return list(self.actions)

    def dropped(self, action):
        self.told.append(action)


def test_playbook_keeps_priority_order_and_drops_later_rungs_on_the_same_target():
    playbook = make_policy("playbook", {"steps": ["vto", "callback"]})
    upcoming = [
        UpcomingItem((0, 0), "ann", "a", "activity", "training", 900.0, 900.0, 900.0, 900.0, True),
        UpcomingItem((1, 0), "bob", "c", "activity", "coaching", 900.0, 900.0, 900.0, 900.0, True),
    ]
    first = Scripted(CallOvertime(group="a", agents=1), Outsource(contact_type="x"))
    second = Scripted(
        OfferVTO(group="a", agents=1),  # group a: acted on by the first rung
        SetPreference(group="b", contact_type="x", level=2),  # type x: acted on
        OfferCallbacks(contact_type="y", above_wait_seconds=60.0),  # new target: kept
        CancelItem(item=(0, 0)),  # ann is in group a: dropped
        CancelItem(item=(1, 0)),  # bob is in group c: kept
    )
    third = Scripted(OfferVTO(group="c", agents=1))  # group c: acted on by the second rung
    playbook.steps = [("first", first), ("second", second), ("third", third)]
    kept = playbook.decide(view(upcoming=upcoming))
    assert [(a.kind, a.reason) for a in kept] == [
        ("call_overtime", "first"),
        ("outsource", "first"),
        ("offer_callbacks", "second"),
        ("cancel_item", "second"),
    ]
    assert kept[3].item == (1, 0)
    assert second.told == second.actions[:2] + [second.actions[3]]
    assert third.told == third.actions and first.told == []


def test_playbook_escalates_in_the_model_and_the_dropped_rung_tries_again():
    """Both rungs act on ``calls`` at the first check: only the higher one is applied; the
    lower one, told its action was dropped, acts at the next check."""
    hot = {"overrides": {"overflow_partner": {"always_on": True}}}
    for steps, order in [
        (["overflow_partner", "callback"], ["outsource", "offer_callbacks"]),
        (["callback", "overflow_partner"], ["offer_callbacks", "outsource"]),
    ]:
        outcome = simulate(
            UNDERSTAFFED, SEED, 0, policy=make_policy("playbook", {"steps": steps, **hot})
        )
        log = [(a[0], a[2], a[6].split(":")[0]) for a in outcome.actions]
        assert log == [(300.0, order[0], steps[0]), (600.0, order[1], steps[1])]


def test_playbook_with_one_step_is_that_policy():
    lone = simulate(UNDERSTAFFED, SEED, 1, policy=make_policy("overflow_partner"))
    book = simulate(
        UNDERSTAFFED, SEED, 1, policy=make_policy("playbook", {"steps": ["overflow_partner"]})
    )
    assert [a[:6] for a in book.actions] == [a[:6] for a in lone.actions]
    assert same_kpis(replication_kpis(lone, UNDERSTAFFED), replication_kpis(book, UNDERSTAFFED))


def test_playbook_default_steps_that_exist_run():
    """The default ladder, with whichever of its policies are registered today."""
    default = POLICIES["playbook"].Params().steps
    present = [s for s in default if s in POLICIES]
    if not present:
        pytest.skip(f"none of {default} is registered yet")
    outcome = simulate(UNDERSTAFFED, SEED, 0, policy=make_policy("playbook", {"steps": present}))
    assert all(a[6].split(":")[0] in present for a in outcome.actions)


# -- bad parameters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "values", "key", "allowed"),
    [
        ("vto", {"acceptance_probability": 1.5}, "acceptance_probability", "probability"),
        ("vto", {"min_available": 1.5}, "min_available", "whole number"),
        ("vto", {"agents_per_offer": 0}, "agents_per_offer", "whole number >= 1"),
        ("vto", {"hours": 0.0}, "hours", "must be > 0"),
        ("vto", {"max_occupancy": 1.2}, "max_occupancy", "(0, 1]"),
        ("callback", {"acceptance_probability": 1.5}, "acceptance_probability", "probability"),
        ("callback", {"stop_at_clock": "5pm"}, "stop_at_clock", "HH:MM"),
        ("callback", {"contact_types": ["a", "a"]}, "contact_types", "twice"),
        ("overflow_partner", {"after_wait_seconds": -1.0}, "after_wait_seconds", ">= 0"),
        ("overflow_partner", {"always_on": 1}, "always_on", "true or false"),
        ("playbook", {"steps": ["vto", "overtme"]}, "steps[1]", "unknown policy"),
        ("playbook", {"steps": ["vto", "playbook"]}, "steps[1]", "cannot be a step"),
        ("playbook", {"steps": ["vto", "vto"]}, "steps", "twice"),
        (
            "playbook",
            {"steps": ["vto"], "overrides": {"callback": {}}},
            "overrides.callback",
            "not a step",
        ),
        (
            "playbook",
            {"steps": ["callback"], "overrides": {"callback": {"acceptance_probability": 1.5}}},
            "overrides.callback.acceptance_probability",
            "probability",
        ),
        (
            "playbook",
            {"steps": ["callback"], "overrides": {"callback": {"latency_minutes": 2.0}}},
            "overrides.callback.latency_minutes",
            "on the playbook itself",
        ),
    ]
    + [
        (name, {field: value}, field, allowed)
        for name in ("vto", "callback", "overflow_partner", "playbook")
        for field, value, allowed in [
            ("check_interval_minutes", 0, "must be > 0"),
            ("latency_minutes", -1, "must be >= 0"),
            ("bogus", 1, "unknown parameter"),
        ]
    ],
)
def test_bad_parameters_are_named(name, values, key, allowed):
    params = {"steps": ["callback"], **values} if name == "playbook" else values
    _, problems = build_params(POLICIES[name].Params, params, f"policy.{name}")
    named = [(k, why) for k, _, why in problems if k == f"policy.{name}.{key}"]
    assert named and allowed in named[0][1], problems
    with pytest.raises(ValueError, match=re.escape(f"policy.{name}.{key} = ")):
        make_policy(name, params)
