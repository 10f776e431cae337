"""Repeats and escalations against theory (issue 14): the geometric number of repeats, and
tier 2 as an Erlang C queue.

Tolerances follow ``tolerance.py``: a mean over R replications (fixed seed, so the same
numbers on every run) within 4 standard errors estimated from the replications; a correct
model fails that with probability < 0.01% for any seed, and each named wrong answer (one
repeat more or fewer; one tier-2 agent more or fewer) lies more than 2 tolerances away, so
a model producing it would fail.
"""

from __future__ import annotations

import numpy as np
import pytest
from tolerance import check

from sim import analytic
from sim.core.distributions import Distribution
from sim.core.follow_ups import Escalation, Resolution
from sim.core.scenario import AgentGroup, ContactType, Scenario, Skill
from sim.kpi.definitions import breakdown
from sim.model.world import simulate

pytestmark = pytest.mark.validation

SEED = 20261214
E = Distribution.exponential


def _repeats(r: float, k: int) -> float:
    """Expected repeats per first contact: a customer calls again while unresolved, at most
    k times: (1-r) + (1-r)^2 + ... + (1-r)^k."""
    return sum((1 - r) ** j for j in range(1, k + 1))


def test_repeats_per_first_contact_are_a_truncated_geometric_sum():
    """Resolution r = 0.5, at most k = 2 repeats: 0.75 repeats per first contact; with k = 1
    or k = 3 it would be 0.5 or 0.875.

    Why it holds: every contact is answered (no patience, 60 agents for 12 erlangs of first
    calls plus their repeats), each answered talk is resolved independently with
    probability r, and the day ends with 3 quiet hours, so that every repeat (delay 2
    minutes) of a customer who called in the first 6 hours happens and is answered within
    the day. 30 replications of about 1,440 first contacts each.
    """
    r, k = 0.5, 2
    n_busy, n_quiet = 24, 12
    calls = ContactType(
        "calls",
        (60.0,) * n_busy + (0.0,) * n_quiet,
        E(180),
        resolution=Resolution(r, (), Distribution("deterministic", 120.0), k),
    )
    agents = AgentGroup("agents", (60,) * (n_busy + n_quiet), (Skill("calls"),))
    scenario = Scenario("repeats", 900.0, (calls,), (agents,))
    per_first, fcr = [], []
    for rep in range(30):
        day = next(d for t, g, d, _ in breakdown(simulate(scenario, SEED, rep), scenario))
        assert day["waiting_at_end"] == day["abandoned"] == 0
        firsts = day["offered"] - day["repeats"]
        per_first.append(day["repeats"] / firsts)
        fcr.append(day["fcr"])
    check(
        np.array(per_first),
        _repeats(r, k),
        {"k - 1": _repeats(r, k - 1), "k + 1": _repeats(r, k + 1)},
    )
    check(np.array(fcr), r, {"r - 0.05": r - 0.05, "r + 0.05": r + 0.05})


def test_tier_two_waits_match_erlang_c():
    """Tier 2 fed only by escalations: 25% of 240 calls an hour, handle time 360 s
    (exponential), 8 agents: Erlang C's service level, P(wait) and ASA; 7 or 9 agents would
    not match.

    Why Erlang C applies: tier 1 is ample (40 agents for 12 erlangs: a wait there is a
    1e-9 event), so it is an M/M/infinity queue whose departures are, in steady state, a
    Poisson stream of 240 an hour (Burke; for M/G/infinity too). Escalation picks each
    departure independently with probability 0.25 (thinning a Poisson stream leaves it
    Poisson, rate 60 an hour) and delays it by a constant transfer (a shift in time leaves
    it Poisson), and tier 2's handle times are exponential and independent of it: tier 2 is
    M/M/8 with load 6 erlangs. Nobody abandons (no patience). The first hour (20 tier-1 and
    10 tier-2 handle times) is warm-up; 20 replications of 24 measured hours, about 1,440
    tier-2 contacts each.
    """
    hours, warmup = 24, 1
    n = (hours + warmup) * 4
    tier1 = ContactType(
        "tier1", (60.0,) * n, E(180), escalation=Escalation("tier2", 0.25, 30.0, "cold")
    )
    tier2 = ContactType("tier2", (0.0,) * n, E(360))
    groups = (
        AgentGroup("front", (40,) * n, (Skill("tier1"),)),
        AgentGroup("back", (8,) * n, (Skill("tier2"),)),
    )
    scenario = Scenario("tiers", 900.0, (tier1, tier2), groups, warmup_intervals=warmup * 4)
    rows: dict[str, list[float]] = {"service_level": [], "wait_probability": [], "asa": []}
    for rep in range(20):
        out = simulate(scenario, SEED, rep)
        day = {t: d for t, g, d, _ in breakdown(out, scenario) if g == "all"}
        assert day["tier1"]["wait_probability"] == 0 and day["tier2"]["abandoned"] == 0
        rows["service_level"].append(day["tier2"]["service_level"])
        rows["wait_probability"].append(day["tier2"]["wait_probability"])
        rows["asa"].append(day["tier2"]["asa_seconds"])
    rate = 0.25 * 240 / 3600
    theory = analytic.erlang_c_metrics(8, rate, 360, 20)
    near = {f"n={c}": analytic.erlang_c_metrics(c, rate, 360, 20) for c in (7, 9)}
    check(
        np.array(rows["service_level"]),
        theory.service_level,
        {k: m.service_level for k, m in near.items()},
    )
    check(
        np.array(rows["wait_probability"]), theory.p_wait, {k: m.p_wait for k, m in near.items()}
    )
    check(np.array(rows["asa"]), theory.asa_seconds, {})
