"""The planner's helpers of sim.analytic: gross agents from net and shrinkage, the occupancy
cap, agents for an ASA target, and the service level of a headcount. Exact: each is checked
against its defining formula, computed here independently, and at the boundary (the answer
meets the target, one agent fewer does not)."""

from __future__ import annotations

import math

import pytest

from sim import analytic


def erlang_c_by_recursion(n: int, load: float) -> float:
    """P(wait) of M/M/n from the Erlang B recursion B(k) = A B(k-1) / (k + A B(k-1))."""
    b = 1.0
    for k in range(1, n + 1):
        b = load * b / (k + load * b)
    return n * b / (n - load * (1 - b))


@pytest.mark.parametrize(
    ("net", "shrinkage", "gross"),
    [(14, 0.0, 14), (14, 0.3, 20), (14, 0.35, 22), (7.5, 0.25, 10), (0, 0.4, 0)],
)
def test_gross_agents_is_net_over_one_minus_shrinkage_rounded_up(net, shrinkage, gross):
    assert analytic.gross_agents(net, shrinkage) == gross


@pytest.mark.parametrize(
    ("load", "cap", "agents"), [(10.0, 0.85, 12), (10.0, 1.0, 10), (8.5, 0.85, 10)]
)
def test_occupancy_cap_is_load_over_cap_rounded_up(load, cap, agents):
    assert analytic.agents_for_occupancy_cap(load, cap) == agents
    assert load / agents <= cap + 1e-12 and (agents == 0 or load / (agents - 1) > cap)


@pytest.mark.parametrize("asa_target", [5.0, 15.0, 30.0, 60.0])
def test_agents_for_an_asa_target_erlang_c(asa_target):
    rate, aht = 200 / 3600, 180.0  # 10 Erlangs
    n = analytic.agents_for_asa(rate, aht, asa_target)

    def asa(k: int) -> float:
        return math.inf if k <= 10 else erlang_c_by_recursion(k, 10.0) * aht / (k - 10.0)

    assert asa(n) <= asa_target < asa(n - 1)


@pytest.mark.parametrize("asa_target", [5.0, 20.0])
def test_agents_for_an_asa_target_erlang_a(asa_target):
    rate, aht, patience = 200 / 3600, 180.0, 120.0
    n = analytic.agents_for_asa(rate, aht, asa_target, patience)
    at = analytic.erlang_a_metrics(n, rate, aht, patience, 0.0).asa_seconds
    below = analytic.erlang_a_metrics(n - 1, rate, aht, patience, 0.0).asa_seconds
    assert at <= asa_target < below
    # Abandonment shortens the queue: no more agents than Erlang C asks for.
    assert n <= analytic.agents_for_asa(rate, aht, asa_target)


def test_service_level_of_a_headcount_is_that_of_the_agents_left_on_the_phone():
    rate, aht = 200 / 3600, 180.0
    # 20 scheduled, 30% shrinkage: 14 on the phone, Erlang C 88.8% in 20 s.
    got = analytic.service_level_for_headcount(20, 0.3, rate, aht, 20.0)
    p_wait = erlang_c_by_recursion(14, 10.0)
    assert got == pytest.approx(1 - p_wait * math.exp(-(14 - 10) * 20 / aht), rel=1e-12)
    assert got == pytest.approx(0.8883500191794669, rel=1e-12)
    with_patience = analytic.service_level_for_headcount(20, 0.3, rate, aht, 20.0, 120.0)
    assert with_patience == analytic.erlang_a_metrics(14, rate, aht, 120.0, 20.0).service_level
    assert analytic.service_level_for_headcount(1, 0.5, rate, aht, 20.0) == 0.0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: analytic.gross_agents(10, 1.0), "shrinkage must be in [0, 1), got 1.0"),
        (lambda: analytic.gross_agents(10, -0.1), "shrinkage must be in [0, 1), got -0.1"),
        (lambda: analytic.gross_agents(10, "x"), "shrinkage must be a number in [0, 1), got 'x'"),
        (
            lambda: analytic.agents_for_occupancy_cap(10, 0),
            "occupancy_cap must be in (0, 1], got 0",
        ),
        (lambda: analytic.agents_for_asa(0.1, 180, -1), "asa_target must be a finite number >= 0"),
        (lambda: analytic.service_level_for_headcount(0, 0.3, 0.1, 180, 20), "agents must be"),
    ],
)
def test_bad_planning_inputs_are_named(call, message):
    with pytest.raises(ValueError, match=None) as caught:
        call()
    assert str(caught.value).startswith(message), str(caught.value)
