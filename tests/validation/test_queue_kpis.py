"""``queue_length`` and ``wait_p90_seconds`` against queueing theory, and Little's law.

Case C1 of ``../shared/validation``: 200 calls/h, exponential AHT 180 s, 14 agents (A = 10,
71% load), Erlang C: C = 0.174132, so 17% of the calls wait and P(W > t) = C exp(-(n mu -
lambda) t) = C exp(-4 t / 180). Then L_q = lambda W_q = (200 / 3600) x 7.8359 s = 0.43533
contacts waiting on average, and the 90th percentile of the waits is the t with P(W > t) =
0.1: t = 180 ln(C / 0.1) / 4 = 24.959 s.

Stable and sensitive, as ``tests/validation/test_erlang.py``: R = 20 independent
replications (seed fixed, so the numbers are the same on every run) of 100 measured hours
(about 20 000 calls each) after a one-hour warm-up (20 x AHT); the tolerance is 4 standard
errors of the mean over the replications, estimated from them (``tolerance.check``), which
a correct model misses with probability < 0.01% for any seed. Measured with this seed:
queue length 0.4359 +- 0.068, p90 25.4 +- 5.7 s. The nearest wrong answers lie more than
two tolerances away and are asserted to: 13 agents (L_q 0.951, p90 62.9 s), 15 agents
(0.204, 0.73 s), and for the p90 the 90th percentile of the calls that waited (103.6 s).
Little's law itself is an identity of each day's records, checked exactly.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from tolerance import check

from sim import analytic, erlang_scenario, replication_kpis, simulate
from sim.model.states import ContactState

pytestmark = pytest.mark.validation

SEED = 20261123
CALLS_PER_HOUR, AHT, AGENTS, HOURS, REPLICATIONS = 200, 180.0, 14, 100, 20


@pytest.fixture(scope="module")
def erlang_c_days():
    scenario = erlang_scenario(CALLS_PER_HOUR, AHT, AGENTS, None, hours=HOURS, warmup_hours=1)
    outcomes = [simulate(scenario, SEED, r) for r in range(REPLICATIONS)]
    return scenario, outcomes, [replication_kpis(out, scenario) for out in outcomes]


def _erlang_c_p90(agents: int, load: float, aht: float) -> float:
    """The t with P(W > t) = C exp(-(agents - load) t / aht) = 0.1 (0 if C <= 0.1)."""
    c = analytic.erlang_c(agents, load)
    return max(0.0, aht * math.log(c / 0.1) / (agents - load))


def test_littles_law_holds_exactly_on_each_day(erlang_c_days):
    """Time in queue over the measured day = the waits of the measured calls, up to the two
    end effects: calls of the warm-up still waiting at its end, and calls still waiting at
    the horizon (whose wait is not known). Both are small: L_q = lambda W_q within 1%."""
    scenario, outcomes, days = erlang_c_days
    start, end = scenario.warmup_seconds, scenario.horizon_seconds
    measured = end - start
    for out, k in zip(outcomes, days, strict=True):
        resolved = k["answered"] + k["abandoned"]
        waits = k["mean_wait_all_seconds"] * resolved  # the measured calls' waits, summed
        queued = out.queued & (out.state != ContactState.UNUSED)
        left = np.where(np.isnan(out.resolved_at), end, out.resolved_at)
        carried_in = np.clip(left[queued & (out.arrival < start)] - start, 0.0, None).sum()
        waiting_at_end = queued & (out.state == ContactState.WAITING) & (out.arrival >= start)
        censored = (end - out.arrival[waiting_at_end]).sum()
        assert k["queue_length"] * measured == pytest.approx(
            waits + carried_in + censored, rel=1e-9
        )
        arrival_rate = resolved / measured
        assert k["queue_length"] == pytest.approx(
            arrival_rate * k["mean_wait_all_seconds"], rel=0.01
        )
        measured_calls = (out.arrival >= start) & ~np.isnan(out.resolved_at)
        assert k["longest_wait_seconds"] == np.nanmax(out.wait[measured_calls])
        assert k["longest_wait_seconds"] >= k["wait_p90_seconds"] >= 0.0


def test_queue_length_matches_erlang_c(erlang_c_days):
    """The mean over days of the day's time-averaged queue is Erlang C's L_q = lambda W_q."""
    _, _, days = erlang_c_days
    rate = CALLS_PER_HOUR / 3600.0
    load = rate * AHT

    def lq(n: int) -> float:
        return rate * analytic.erlang_c_asa(n, load, AHT)

    assert lq(AGENTS) == pytest.approx(0.435330, abs=1e-6)
    values = np.array([k["queue_length"] for k in days])
    check(values, lq(AGENTS), {"n=13": lq(AGENTS - 1), "n=15": lq(AGENTS + 1)})


def test_wait_p90_matches_the_erlang_c_wait_distribution(erlang_c_days):
    """The mean over days of the day's 90th-percentile wait is the t with P(W > t) = 0.1."""
    _, _, days = erlang_c_days
    load = CALLS_PER_HOUR / 3600.0 * AHT
    theory = _erlang_c_p90(AGENTS, load, AHT)
    assert theory == pytest.approx(24.959, abs=1e-3)
    # The 90th percentile of the calls that waited: P(W > t | W > 0) = exp(-4 t / 180) = 0.1.
    of_waiting = AHT * math.log(10.0) / (AGENTS - load)
    values = np.array([k["wait_p90_seconds"] for k in days])
    check(
        values,
        theory,
        {
            "n=13": _erlang_c_p90(AGENTS - 1, load, AHT),
            "n=15": _erlang_c_p90(AGENTS + 1, load, AHT),
            "p90 of the calls that waited": of_waiting,
        },
    )


def test_queue_length_with_abandonment_matches_erlang_a():
    """Case A0 (mean patience 300 s): abandoners are in the queue until they hang up, so
    L_q = lambda x the mean wait of all calls (Wq_all = 4.19512 s), 0.23306."""
    scenario = erlang_scenario(CALLS_PER_HOUR, AHT, AGENTS, 300.0, hours=60, warmup_hours=1)
    values = np.array(
        [replication_kpis(simulate(scenario, SEED, r), scenario)["queue_length"] for r in range(20)]
    )
    rate = CALLS_PER_HOUR / 3600.0

    def lq(n: int) -> float:
        return rate * analytic.erlang_a_metrics(n, rate, AHT, 300.0, 20).mean_wait_all_seconds

    assert lq(AGENTS) == pytest.approx(rate * 4.19512, abs=1e-6)
    check(values, lq(AGENTS), {"n=13": lq(AGENTS - 1), "n=15": lq(AGENTS + 1)})
