"""Multi-skill routing against queueing theory: pooling, global FCFS, priorities, chaining, overflow.

Same philosophy as ``test_erlang.py``: R replications with a fixed seed, a warm-up of at least
20 x AHT, a tolerance of 4 standard errors of the mean over replications (estimated from the
replications themselves), and, where a reference value exists, an assertion that the nearest
wrong answer lies outside the tolerance, so a biased model cannot pass. Comparisons between
routing designs are paired: replication r of every design sees the same arrivals and handle
times (streams are named by contact type), so differences are estimated per replication.

Reference values: ``../shared/validation/README.md`` (Erlang C case C1; two types on one
pool; Cobham's priority example; Wallace and Whitt's chaining).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from tolerance import check, mean_and_tolerance

from sim import Distribution, analytic, replication_kpis, simulate
from sim.core.scenario import AgentGroup, ContactType, OverflowStep, Scenario, ServiceLevel, Skill
from sim.model.states import ContactState

pytestmark = pytest.mark.validation

SEED = 20261124
INTERVAL = 1800.0  # 30-minute intervals


def _type(name, per_hour, aht, intervals, *, priority=0, overflow=(), threshold=20.0):
    return ContactType(
        name,
        (per_hour * INTERVAL / 3600.0,) * intervals,
        Distribution.exponential(aht),
        priority=priority,
        overflow=tuple(overflow),
        service_level=ServiceLevel(threshold_seconds=threshold),
    )


def _group(name, agents, intervals, *skills):
    return AgentGroup(name, (agents,) * intervals, tuple(Skill(s) for s in skills))


def _scenario(types, groups, warmup_intervals, name="multiskill"):
    return Scenario(name, INTERVAL, tuple(types), tuple(groups), warmup_intervals=warmup_intervals)


def _replicate(scenario, replications, selections):
    """KPI arrays over replications, per (contact_type, group) selection."""
    out = {sel: [] for sel in selections}
    for r in range(replications):
        outcome = simulate(scenario, SEED, r)
        for sel in selections:
            out[sel].append(replication_kpis(outcome, scenario, *sel))
    return {
        sel: {k: np.array([run[k] for run in runs]) for k in runs[0]} for sel, runs in out.items()
    }


def _ci95(values):
    mean = float(values.mean())
    half = 1.96 * float(values.std(ddof=1)) / math.sqrt(len(values))
    return mean - half, mean + half


# -- pooling: dedicated groups vs one group with both skills --------------------------------

AHT = 180.0
C1_RATE = 200.0  # calls per hour per queue: 100 per 30 min, A = 10


def _split_or_pooled(pooled, hours):
    n = 2 + 2 * hours  # one hour (20 x AHT) of warm-up
    types = [_type("q0", C1_RATE, AHT, n), _type("q1", C1_RATE, AHT, n)]
    if pooled:
        groups = [_group("pool", 28, n, "q0", "q1")]
    else:
        groups = [_group("g0", 14, n, "q0"), _group("g1", 14, n, "q1")]
    return _scenario(types, groups, warmup_intervals=2)


def _erlang_c(agents, per_hour):
    return analytic.erlang_c_metrics(agents, per_hour / 3600.0, AHT, 20.0)


def test_split_queues_each_reproduce_erlang_c():
    """Two identical queues with dedicated groups of 14: each is Erlang C case C1."""
    k = _replicate(_split_or_pooled(False, 60), 20, [("q0", None), ("q1", None), ("q0", "g0")])
    theory, fewer, more = _erlang_c(14, C1_RATE), _erlang_c(13, C1_RATE), _erlang_c(15, C1_RATE)
    assert theory.service_level == pytest.approx(0.888350, abs=1e-6)
    for q in ("q0", "q1"):
        check(
            k[(q, None)]["service_level"],
            theory.service_level,
            {"n=13": fewer.service_level, "n=15": more.service_level},
        )
        check(
            k[(q, None)]["wait_probability"],
            theory.p_wait,
            {"n=13": fewer.p_wait, "n=15": more.p_wait},
        )
        check(k[(q, None)]["asa_seconds"], theory.asa_seconds, {})
    # Dedicated: group g0 answers every q0 contact and nothing else.
    np.testing.assert_array_equal(k[("q0", "g0")]["answered"], k[("q0", None)]["answered"])


def test_full_pooling_reproduces_merged_erlang_c_and_beats_split():
    """One group of 28 with both skills is one M/M/28 queue; its SL CI lies above the split one."""
    pooled = _replicate(_split_or_pooled(True, 20), 20, [(None, None), ("q0", None), ("q1", None)])
    theory = _erlang_c(28, 2 * C1_RATE)
    split_value = _erlang_c(14, C1_RATE)
    for sel in pooled:
        check(
            pooled[sel]["service_level"],
            theory.service_level,
            {"split (M/M/14)": split_value.service_level},
        )
        check(pooled[sel]["wait_probability"], theory.p_wait, {"split": split_value.p_wait})
    split = _replicate(_split_or_pooled(False, 20), 20, [(None, None)])
    low, _ = _ci95(pooled[(None, None)]["service_level"])
    _, high = _ci95(split[(None, None)]["service_level"])
    assert low > high, f"pooled SL CI low {low:.4f} not above split SL CI high {high:.4f}"


# -- two types, one all-skilled pool, global FCFS -------------------------------------------


def test_two_types_one_pool_each_sees_erlang_c_of_total_load():
    """60 + 40 per 30 min on 14 agents, same level and priority: both types see case C1."""
    n = 2 + 2 * 60
    types = [_type("a", 120.0, AHT, n), _type("b", 80.0, AHT, n)]
    scen = _scenario(types, [_group("pool", 14, n, "a", "b")], warmup_intervals=2)
    k = _replicate(scen, 20, [("a", None), ("b", None)])
    theory, fewer = _erlang_c(14, 200.0), _erlang_c(13, 200.0)
    for t, own_rate in (("a", 120.0), ("b", 80.0)):
        own = _erlang_c(14, own_rate)  # wrong: as if the type had the 14 agents to itself
        check(
            k[(t, None)]["service_level"],
            theory.service_level,
            {"n=13": fewer.service_level, "own load only": own.service_level},
        )
        check(
            k[(t, None)]["wait_probability"],
            theory.p_wait,
            {"n=13": fewer.p_wait, "own load only": own.p_wait},
        )
        check(k[(t, None)]["asa_seconds"], theory.asa_seconds, {})


# -- non-preemptive priority: Cobham ------------------------------------------------------

COBHAM_HIGH, COBHAM_LOW, COBHAM_FCFS = 12.2644, 49.0578, 36.7933


def _cobham_scenario(high_priority, hours):
    n = 2 * hours + 4  # two hours of warm-up: 24 x AHT
    types = [
        _type("high", 30.0, 300.0, n, priority=high_priority),
        _type("low", 60.0, 300.0, n, priority=2),
    ]
    return _scenario(types, [_group("pool", 10, n, "high", "low")], warmup_intervals=4)


def test_cobham_formula_matches_analytic_values():
    """The README's values follow from W_k = C(n, A) / (n mu (1 - s_{k-1})(1 - s_k))."""
    c = analytic.erlang_c(10, 7.5)
    n_mu = 10 / 300.0
    assert c / (n_mu * 1 * 0.75) == pytest.approx(COBHAM_HIGH, abs=1e-4)
    assert c / (n_mu * 0.75 * 0.25) == pytest.approx(COBHAM_LOW, abs=1e-4)
    assert analytic.erlang_c_asa(10, 7.5, 300.0) == pytest.approx(COBHAM_FCFS, abs=1e-4)


def test_non_preemptive_priority_matches_cobham():
    """30/h high + 60/h low, AHT 300, n = 10: W_high = 12.26 s, W_low = 49.06 s; FCFS (36.79 s) is excluded."""
    scen = _cobham_scenario(high_priority=1, hours=200)
    k = _replicate(scen, 20, [("high", None), ("low", None), (None, None)])
    for sel in k:
        assert k[sel]["abandoned"].sum() == 0
        # No abandonment: the mean wait of all contacts is the ASA.
        np.testing.assert_allclose(
            k[sel]["asa_seconds"], k[sel]["mean_wait_all_seconds"], rtol=1e-12
        )
    check(k[("high", None)]["asa_seconds"], COBHAM_HIGH, {"FCFS": COBHAM_FCFS})
    # The low class's mean wait is far noisier; its tolerance does not always exclude FCFS.
    check(k[("low", None)]["asa_seconds"], COBHAM_LOW, {})
    # Conservation: priorities reorder waits but keep their contact-weighted mean.
    check(k[(None, None)]["asa_seconds"], COBHAM_FCFS, {})


def test_equal_priority_gives_both_classes_fcfs_wait():
    """The same two classes at equal priority both wait the FCFS 36.79 s, outside the high class's tolerance."""
    k = _replicate(
        _cobham_scenario(high_priority=2, hours=120), 20, [("high", None), ("low", None)]
    )
    check(k[("high", None)]["asa_seconds"], COBHAM_FCFS, {"priority": COBHAM_HIGH})
    check(k[("low", None)]["asa_seconds"], COBHAM_FCFS, {})


# -- limited cross-training: Wallace and Whitt --------------------------------------------

WW_QUEUES, WW_AGENTS, WW_LOAD = 6, 10, 9.0  # 90% utilisation per queue


def _ww_scenario(design, hours):
    n = 2 + 2 * hours
    per_hour = WW_LOAD / AHT * 3600.0
    types = [_type(f"q{i}", per_hour, AHT, n) for i in range(WW_QUEUES)]
    groups = []
    for g in range(WW_QUEUES):
        if design == "split":
            skills = [f"q{g}"]
        elif design == "chain":
            skills = [f"q{g}", f"q{(g + 1) % WW_QUEUES}"]
        else:
            skills = [f"q{i}" for i in range(WW_QUEUES)]
        groups.append(_group(f"g{g}", WW_AGENTS, n, *skills))
    return _scenario(types, groups, warmup_intervals=2, name=design)


def test_chaining_recovers_most_of_pooling_benefit():
    """6 queues x 10 agents at 90%: a chain of two skills per agent gets >= 70% of full pooling's gain.

    The two ends are exact (split: M/M/10 per queue; pooled: M/M/60). Replications are
    paired, so the criterion is judged on per-replication differences.
    """
    reps = 10
    sl = {
        design: _replicate(_ww_scenario(design, 20), reps, [(None, None)])[(None, None)][
            "service_level"
        ]
        for design in ("split", "chain", "pool")
    }
    rate = WW_LOAD / AHT
    split_theory = analytic.erlang_c_metrics(WW_AGENTS, rate, AHT, 20.0).service_level
    pool_theory = analytic.erlang_c_metrics(
        WW_QUEUES * WW_AGENTS, WW_QUEUES * rate, AHT, 20.0
    ).service_level
    check(
        sl["split"],
        split_theory,
        {"n=11": analytic.erlang_c_metrics(WW_AGENTS + 1, rate, AHT, 20.0).service_level},
    )
    check(sl["pool"], pool_theory, {"split": split_theory})
    assert sl["split"].max() < sl["chain"].min() and sl["chain"].mean() < sl["pool"].mean()
    gain = (sl["chain"] - sl["split"]) - 0.7 * (sl["pool"] - sl["split"])
    mean, tol = mean_and_tolerance(gain)
    assert mean - tol > 0, f"chain gets {mean:+.4f} over 70% of pooling's gain, tolerance {tol:.4f}"


# -- overflow after a delay ---------------------------------------------------------------

DELAY = 15.0
SALES_PROFILE = (60, 80, 110, 140, 150, 130, 120, 140, 160, 130, 100, 70)  # per 30 min
SERVICE_PROFILE = (40, 50, 60, 70, 80, 70, 60, 60, 70, 60, 50, 40)
SALES_STAFF = (7, 9, 11, 13, 13, 12, 11, 13, 14, 12, 10, 8)
SERVICE_STAFF = (8, 9, 10, 11, 12, 11, 10, 10, 11, 10, 9, 8)


def _overflow_scenario(overflow):
    sales = ContactType(
        "sales",
        tuple(float(x) for x in SALES_PROFILE),
        Distribution.exponential(AHT),
        patience=Distribution.exponential(240.0),
        service_level=ServiceLevel(threshold_seconds=30.0),
        overflow=(OverflowStep(DELAY, ("service",)),) if overflow else (),
    )
    service = ContactType(
        "service",
        tuple(float(x) for x in SERVICE_PROFILE),
        Distribution.exponential(240.0),
        patience=Distribution.exponential(300.0),
        service_level=ServiceLevel(threshold_seconds=30.0),
    )
    service_skills = (Skill("service"), Skill("sales", proficiency=1.2, level=2))
    groups = (
        AgentGroup("sales", SALES_STAFF, (Skill("sales"),)),
        AgentGroup("service", SERVICE_STAFF, service_skills if overflow else service_skills[:1]),
    )
    return Scenario("overflow", INTERVAL, (sales, service), groups, warmup_intervals=3)


def test_overflow_group_answers_only_after_delay_and_helps_primary_type():
    """Every sales contact answered by the overflow-only group waited >= 15 s; overflow raises sales SL."""
    with_overflow, without = _overflow_scenario(True), _overflow_scenario(False)
    reps = 20
    sl_with, sl_without = np.zeros(reps), np.zeros(reps)
    overflowed = at_delay = 0
    for r in range(reps):
        out = simulate(with_overflow, SEED, r)
        answered_by_service = (
            (out.contact_type == 0)
            & (out.state == ContactState.ANSWERED)
            & (out.answering_group == 1)
        )
        waits = out.wait[answered_by_service]
        assert waits.min() >= DELAY - 1e-9, (
            f"replication {r}: a sales contact answered by service after {waits.min()} s"
        )
        overflowed += len(waits)
        at_delay += int(np.sum(np.abs(waits - DELAY) < 1e-9))
        sl_with[r] = replication_kpis(out, with_overflow, "sales")["service_level"]
        base = simulate(without, SEED, r)
        np.testing.assert_array_equal(base.arrival, out.arrival)  # paired: same contacts
        assert not np.any((base.contact_type == 0) & (base.answering_group == 1))
        sl_without[r] = replication_kpis(base, without, "sales")["service_level"]
    # Thousands of overflows; some at the overflow event itself, some pulled later.
    assert overflowed >= 2000 and 0 < at_delay < overflowed
    mean, tol = mean_and_tolerance(sl_with - sl_without)
    assert mean - tol > 0, f"overflow changes sales SL by {mean:+.4f}, tolerance {tol:.4f}"
