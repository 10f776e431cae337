"""The erlang scenario against queueing theory: Erlang C, Erlang A and Erlang B.

How these tests stay both stable and sensitive: each case runs R independent replications
(fixed seed, so the numbers are the same on every run) of many contacts after a one-hour
warm-up (20 x AHT). The tolerance is 4 standard errors of the mean over replications,
estimated from the replications themselves. A correct model lands inside it with
probability > 99.9% for any seed, and every case also asserts that the nearest wrong
answers (one agent more or fewer; Erlang C instead of Erlang A; service level over answered
instead of offered) lie outside the tolerance, so a biased model cannot pass.
"""

from __future__ import annotations

import numpy as np
import pytest
from tolerance import check, mean_and_tolerance

from sim import Distribution, analytic, erlang_scenario, replication_kpis, simulate

pytestmark = pytest.mark.validation

SEED = 20261123


def _replicate(scenario, replications: int) -> dict[str, np.ndarray]:
    runs = [replication_kpis(simulate(scenario, SEED, r), scenario) for r in range(replications)]
    return {k: np.array([run[k] for run in runs]) for k in runs[0]}


ERLANG_C_CASES = [
    # calls/h, AHT, agents, hours, replications: 71%, 95% and 93% utilisation
    pytest.param(200, 180, 14, 100, 20, id="C1-A10-n14"),
    pytest.param(380, 180, 20, 80, 20, id="A19-n20-95pct"),
    pytest.param(1680, 180, 90, 80, 20, id="A84-n90-93pct"),
]


@pytest.mark.parametrize(("calls_per_hour", "aht", "agents", "hours", "reps"), ERLANG_C_CASES)
def test_erlang_c(calls_per_hour, aht, agents, hours, reps):
    """Service level, P(wait), ASA and occupancy match Erlang C; n - 1 and n + 1 agents would not."""
    scenario = erlang_scenario(calls_per_hour, aht, agents, None, hours=hours, warmup_hours=1)
    k = _replicate(scenario, reps)
    rate = calls_per_hour / 3600
    theory = analytic.erlang_c_metrics(agents, rate, aht, 20)
    neighbours = {
        f"n={n}": analytic.erlang_c_metrics(n, rate, aht, 20)
        for n in (agents - 1, agents + 1)
        if n > rate * aht
    }
    check(
        k["service_level"],
        theory.service_level,
        {n: m.service_level for n, m in neighbours.items()},
    )
    check(k["wait_probability"], theory.p_wait, {n: m.p_wait for n, m in neighbours.items()})
    # ASA is the noisiest KPI in heavy traffic; sensitivity to the staffing is carried by SL and P(wait).
    check(k["asa_seconds"], theory.asa_seconds, {})
    check(k["occupancy"], theory.occupancy, {})
    assert k["abandoned"].sum() == 0 and k["blocked"].sum() == 0


ERLANG_A_CASES = [
    # calls/h, AHT, agents, mean patience, hours, replications
    # The overloaded case also separates "SL over offered" from "SL over answered" (15% apart).
    pytest.param(200, 180, 14, 300, 60, 20, id="A0-A10-n14"),
    pytest.param(400, 180, 18, 180, 20, 20, id="overloaded-A20-n18"),
]


@pytest.mark.parametrize(
    ("calls_per_hour", "aht", "agents", "patience", "hours", "reps"), ERLANG_A_CASES
)
def test_erlang_a(calls_per_hour, aht, agents, patience, hours, reps):
    """Service level (over offered), abandon rate, P(wait), ASA of answered and occupancy match Erlang A."""
    scenario = erlang_scenario(calls_per_hour, aht, agents, patience, hours=hours, warmup_hours=1)
    k = _replicate(scenario, reps)
    rate = calls_per_hour / 3600
    theory = analytic.erlang_a_metrics(agents, rate, aht, patience, 20)
    fewer = analytic.erlang_a_metrics(agents - 1, rate, aht, patience, 20)
    more = analytic.erlang_a_metrics(agents + 1, rate, aht, patience, 20)
    wrong = {"n-1": fewer.service_level, "n+1": more.service_level}
    if theory.p_abandon > 0.1:
        wrong["SL over answered"] = theory.service_level / (1 - theory.p_abandon)
    check(k["service_level"], theory.service_level, wrong)
    check(k["abandon_rate"], theory.p_abandon, {"n-1": fewer.p_abandon, "n+1": more.p_abandon})
    check(k["wait_probability"], theory.p_wait, {"n-1": fewer.p_wait, "n+1": more.p_wait})
    check(k["asa_seconds"], theory.asa_seconds, {"n-1": fewer.asa_seconds, "n+1": more.asa_seconds})
    check(k["occupancy"], theory.occupancy, {})
    check(k["mean_wait_all_seconds"], theory.mean_wait_all_seconds, {})


def test_erlang_a_published_case_a0_is_not_erlang_c():
    """Abandonment matters: in case A0 the simulated service level excludes Erlang C's value."""
    scenario = erlang_scenario(200, 180, 14, 300, hours=20, warmup_hours=1)
    k = _replicate(scenario, 20)
    erlang_c = analytic.erlang_c_metrics(14, 200 / 3600, 180, 20).service_level
    mean, tol = mean_and_tolerance(k["service_level"])
    assert abs(mean - 0.916792) <= tol < abs(erlang_c - 0.916792) / 2


@pytest.mark.parametrize(
    "handle_time",
    [
        Distribution.exponential(180),
        Distribution("lognormal", 180, 2.0),
        Distribution("deterministic", 180),
    ],
    ids=["exponential", "lognormal-cv2", "deterministic"],
)
def test_erlang_b_blocking_is_insensitive_to_handle_time_distribution(handle_time):
    """With lines = agents, blocked / offered matches Erlang B (0.11974 for n = 12, A = 10) for any handle-time law."""
    base = erlang_scenario(200, 180, 12, None, hours=20, warmup_hours=1, trunks=12)
    scenario = base.with_type(0, handle_time=handle_time)
    k = _replicate(scenario, 20)
    blocking = k["blocked"] / k["offered"]
    theory = analytic.erlang_b(12, 10.0)
    assert theory == pytest.approx(0.11973919, abs=1e-7)
    check(
        blocking, theory, {"n=11": analytic.erlang_b(11, 10.0), "n=13": analytic.erlang_b(13, 10.0)}
    )
    # With lines = agents, nobody ever queues.
    assert k["wait_probability"].max() == 0.0
