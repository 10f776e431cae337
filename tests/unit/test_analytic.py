"""Unit tests for sim.analytic against the published values in shared/validation/README.md,
independent computations and queueing identities."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.linalg import expm
from scipy.stats import poisson

from sim.analytic import (
    ErlangAResult,
    ErlangCResult,
    erlang_a_metrics,
    erlang_b,
    erlang_c,
    erlang_c_asa,
    erlang_c_metrics,
    erlang_c_occupancy,
    erlang_c_service_level,
    required_agents,
)

PER_30_MIN = 1 / 1800  # contacts per 30 min -> contacts per second


def assert_published(value: float, published: str) -> None:
    """Equal to ``published`` to as many decimals as are printed (half a unit of the last)."""
    decimals = len(published.split(".")[1]) if "." in published else 0
    assert value == pytest.approx(float(published), abs=0.5 * 10.0**-decimals + 1e-12)


# --- Erlang B ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "load", "blocking"),
    [
        (1, 1, 0.5),
        (2, 1, 0.2),
        (10, 10, 0.21458234),
        (12, 10, 0.11973919),
        (17, 10, 0.01294888),
        (100, 90, 0.02695738),
    ],
)
def test_erlang_b_published_table(n: int, load: float, blocking: float) -> None:
    assert erlang_b(n, load) == pytest.approx(blocking, abs=1e-7)


def test_erlang_b_staffing_a10_two_percent_needs_17_lines() -> None:
    lines = next(n for n in range(1, 100) if erlang_b(n, 10) <= 0.02)
    assert lines == 17
    assert_published(erlang_b(16, 10), "0.022302")


@pytest.mark.parametrize(("n", "load"), [(1, 0.3), (5, 2.0), (20, 25.0), (60, 50.5)])
def test_erlang_b_equals_truncated_poisson(n: int, load: float) -> None:
    assert erlang_b(n, load) == pytest.approx(
        poisson.pmf(n, load) / poisson.cdf(n, load), rel=1e-12
    )


# --- Erlang C ------------------------------------------------------------------------------

ERLANG_C_CASES = {
    "C1": (100 * PER_30_MIN, 180, 14, 20, "0.174132", "0.888350", "7.8359", "0.714286"),
    "C2": (100 * PER_30_MIN, 180, 15, 19.8, "0.102042", "0.941127", "3.6735", "0.666667"),
    "C7": (2.0, 1, 3, 1, None, "0.836498", "0.4444", "0.666667"),
    "C11": (0.5 / 180, 180, 1, 20, "0.5", "0.527020", "180.0", "0.5"),
}


@pytest.mark.parametrize("case", sorted(ERLANG_C_CASES))
def test_erlang_c_published_cases(case: str) -> None:
    rate, aht, n, threshold, pw, sl, asa, occ = ERLANG_C_CASES[case]
    result = erlang_c_metrics(n, rate, aht, threshold)
    assert isinstance(result, ErlangCResult)
    if pw is None:  # C7 publishes Pw = 4/9 exactly
        assert result.p_wait == pytest.approx(4 / 9, rel=1e-12)
    else:
        assert_published(result.p_wait, pw)
    assert_published(result.service_level, sl)
    assert_published(result.asa_seconds, asa)
    assert_published(result.occupancy, occ)
    load = rate * aht
    assert result.p_wait == erlang_c(n, load)
    assert result.service_level == erlang_c_service_level(n, load, aht, threshold)
    assert result.asa_seconds == erlang_c_asa(n, load, aht)
    assert result.occupancy == erlang_c_occupancy(n, load)


def test_erlang_c_mm1_closed_form() -> None:
    assert erlang_c(1, 0.5) == pytest.approx(0.5, rel=1e-14)
    assert erlang_c_asa(1, 0.5, 180) == pytest.approx(0.5 * 180 / 0.5, rel=1e-14)
    assert erlang_c_service_level(1, 0.5, 180, 20) == pytest.approx(
        1 - 0.5 * math.exp(-0.5 * 20 / 180)
    )


def test_erlang_c_staffing_example() -> None:
    assert required_agents(100 * PER_30_MIN, 180, 20, 0.8) == 14
    assert_published(erlang_c_service_level(13, 10, 180, 20), "0.795595")
    assert erlang_c_service_level(14, 10, 180, 20) >= 0.8


def test_erlang_c_unstable_and_empty() -> None:
    assert erlang_c(10, 10) == 1.0
    assert erlang_c(10, 12) == 1.0
    assert erlang_c_service_level(10, 10, 180, 20) == 0.0
    assert erlang_c_asa(10, 12, 180) == math.inf
    assert erlang_c_occupancy(10, 12) == 1.0
    assert erlang_c(5, 0) == 0.0
    assert erlang_c_service_level(5, 0, 180, 0) == 1.0
    assert erlang_c_asa(5, 0, 180) == 0.0


def test_erlang_c_service_level_at_zero_threshold_is_one_minus_p_wait() -> None:
    assert erlang_c_service_level(14, 10, 180, 0) == pytest.approx(1 - erlang_c(14, 10), rel=1e-14)


def test_required_agents_starts_above_load() -> None:
    # A very loose target is met by the first stable staffing, never by an unstable one.
    assert required_agents(10 / 180, 180, 20, 0.01) == 11
    assert required_agents(0.0, 180, 20, 0.8) == 1


# --- Erlang A ------------------------------------------------------------------------------


def test_erlang_a_case_a0() -> None:
    r = erlang_a_metrics(14, 100 * PER_30_MIN, 180, 300, 20)
    assert isinstance(r, ErlangAResult)
    assert_published(r.p_wait, "0.145260")
    assert_published(r.p_abandon, "0.013984")
    assert_published(r.service_level, "0.916792")
    assert_published(r.mean_wait_all_seconds, "4.19512")
    assert_published(r.asa_seconds, "3.87848")
    assert_published(r.occupancy, "0.704297")


def test_erlang_a_case_a1() -> None:
    r = erlang_a_metrics(10, 10 / 180, 180, 180, 20)
    assert_published(r.p_wait, "0.542070")
    assert_published(r.p_abandon, "0.125110")
    assert_published(r.occupancy, "0.874890")


@pytest.mark.parametrize(("n", "load"), [(1, 0.5), (3, 5.0), (10, 10.0), (25, 20.0), (40, 55.0)])
def test_erlang_a_patience_equal_to_aht_gives_poisson(n: int, load: float) -> None:
    aht = 120.0
    r = erlang_a_metrics(n, load / aht, aht, aht, 10)
    k = np.arange(n, n + 2000)
    expected_excess = float(np.dot(k - n, poisson.pmf(k, load)))
    assert r.p_wait == pytest.approx(poisson.sf(n - 1, load), rel=1e-9)
    assert r.p_abandon == pytest.approx(expected_excess / load, rel=1e-9)


@pytest.mark.parametrize(("n", "load", "threshold"), [(14, 10, 20), (3, 2.0, 1.0), (50, 45, 30)])
def test_erlang_a_tends_to_erlang_c_as_patience_grows(
    n: int, load: float, threshold: float
) -> None:
    aht = 180.0
    c = erlang_c_metrics(n, load / aht, aht, threshold)
    a = erlang_a_metrics(n, load / aht, aht, 1e9, threshold)
    assert a.p_wait == pytest.approx(c.p_wait, rel=1e-5)
    assert a.service_level == pytest.approx(c.service_level, rel=1e-5)
    assert a.asa_seconds == pytest.approx(c.asa_seconds, rel=1e-5)
    assert a.mean_wait_all_seconds == pytest.approx(c.asa_seconds, rel=1e-5)
    assert a.occupancy == pytest.approx(c.occupancy, rel=1e-5)
    assert a.p_abandon < 1e-5


def test_erlang_a_infinite_patience_is_erlang_c() -> None:
    c = erlang_c_metrics(14, 100 * PER_30_MIN, 180, 20)
    a = erlang_a_metrics(14, 100 * PER_30_MIN, 180, math.inf, 20)
    assert (a.p_wait, a.service_level, a.asa_seconds, a.occupancy) == pytest.approx(
        (c.p_wait, c.service_level, c.asa_seconds, c.occupancy), rel=1e-12
    )
    assert a.p_abandon == 0.0
    unstable = erlang_a_metrics(10, 12 / 180, 180, math.inf, 20)
    assert unstable == ErlangAResult(1.0, 0.0, 0.0, math.inf, math.inf, 1.0)


def test_erlang_a_overloaded_is_stable() -> None:
    r = erlang_a_metrics(10, 15 / 180, 180, 120, 20)  # 150% load
    assert 0 < r.p_abandon < 1 and r.p_wait > 0.8
    assert r.occupancy == pytest.approx((1 - r.p_abandon) * 15 / 10, rel=1e-12)
    assert r.occupancy <= 1.0


def test_erlang_a_no_arrivals() -> None:
    assert erlang_a_metrics(3, 0.0, 180, 300, 20) == ErlangAResult(0.0, 0.0, 1.0, 0.0, 0.0, 0.0)


def _independent_erlang_a(n, rate, aht, patience, threshold, states=80):
    """Generator-matrix solution: the chain by linear algebra, waits by a matrix exponential."""
    mu, theta = 1 / aht, 1 / patience
    q = np.zeros((states, states))
    for k in range(states - 1):
        q[k, k + 1] = rate
        q[k + 1, k] = min(k + 1, n) * mu + max(k + 1 - n, 0) * theta
    np.fill_diagonal(q, -q.sum(axis=1))
    lhs = np.vstack([q.T, np.ones(states)])
    pi = np.linalg.lstsq(lhs, np.r_[np.zeros(states), 1.0], rcond=None)[0]
    # Tagged contact: transient state i = contacts ahead (0..m-1), state m = served (absorbing);
    # abandonment is the missing mass. Row j answers for a contact that found j waiting.
    m = states - n
    s = np.zeros((m + 1, m + 1))
    for i in range(m):
        s[i, i] = -(n * mu + i * theta + theta)
        if i > 0:
            s[i, i - 1] = n * mu + i * theta
    s[0, m] = n * mu
    served_by_t = expm(s * threshold)[:m, m]
    sub = s[:m, :m]
    served_wait = np.linalg.solve(sub, np.linalg.solve(sub, s[:m, m]))  # S^-2 s
    p_queue = pi[n:]
    lq = float(np.dot(np.arange(m), p_queue))
    p_abandon = theta * lq / rate
    sl = float(pi[:n].sum() + np.dot(p_queue, served_by_t))
    asa = float(np.dot(p_queue, served_wait)) / (1 - p_abandon)
    return float(p_queue.sum()), p_abandon, sl, asa


@pytest.mark.parametrize(
    ("n", "load", "patience", "threshold"),
    [(3, 2.5, 100.0, 15.0), (2, 3.0, 40.0, 5.0), (5, 3.0, 120.0, 0.0), (4, 3.5, 300.0, 45.0)],
)
def test_erlang_a_matches_generator_matrix_solution(n, load, patience, threshold) -> None:
    aht = 60.0
    pw, pab, sl, asa = _independent_erlang_a(n, load / aht, aht, patience, threshold)
    r = erlang_a_metrics(n, load / aht, aht, patience, threshold)
    assert (r.p_wait, r.p_abandon, r.service_level, r.asa_seconds) == pytest.approx(
        (pw, pab, sl, asa), rel=1e-8
    )


@settings(derandomize=True, deadline=None, max_examples=100)
@given(
    n=st.integers(1, 80),
    rho=st.floats(0.05, 2.0),
    aht=st.floats(10.0, 600.0),
    patience=st.floats(1.0, 20_000.0),
    threshold=st.floats(0.0, 120.0),
)
def test_erlang_a_identities(n, rho, aht, patience, threshold) -> None:
    load = rho * n
    r = erlang_a_metrics(n, load / aht, aht, patience, threshold)
    b, pw = erlang_b(n, load), r.p_wait
    # Garnett, Mandelbaum and Reiman (2002). Evaluated as printed, (1 - B) / (1 - Pw) - 1 + B
    # loses about eps / Pw + eps / (1 - Pw) relative, hence the allowance besides 1e-9 Pw.
    assume(pw < 1.0)  # 1 - Pw rounds to 0 in heavy overload with long patience
    second = (b / rho) / ((1 - b) / (1 - pw) - 1 + b) * pw
    gmr = (1 - 1 / rho) * pw + second
    assert abs(r.p_abandon - gmr) <= 1e-9 * pw + 1e-14 * second * (1 / pw + 1 / (1 - pw))
    assert r.p_abandon <= b * (1 + 1e-12)
    assert r.p_abandon == pytest.approx(r.mean_wait_all_seconds / patience, rel=1e-12)
    assert 1 - pw - 1e-12 <= r.service_level <= 1 - r.p_abandon + 1e-12
    assert 0 <= r.occupancy <= 1 + 1e-12
    assert all(math.isfinite(v) and v >= 0 for v in dataclasses.astuple(r))


@settings(derandomize=True, deadline=None, max_examples=50)
@given(n=st.integers(1, 60), rho=st.floats(0.05, 0.98))
def test_erlang_c_from_b_matches_mmn_formula(n, rho) -> None:
    load = rho * n
    tail = poisson.pmf(n, load) / (1 - rho)
    assert erlang_c(n, load) == pytest.approx(tail / (poisson.cdf(n - 1, load) + tail), rel=1e-9)


@pytest.mark.parametrize(
    ("rate", "patience", "target"),
    [
        (100 * PER_30_MIN, 300.0, 0.8),
        (100 * PER_30_MIN, 300.0, 0.9),
        (30 / 180, 60.0, 0.7),
        (2.0, 600.0, 0.95),
    ],
)
def test_required_agents_erlang_a_is_minimal(rate, patience, target) -> None:
    aht, threshold = 180.0, 20.0
    n = required_agents(rate, aht, threshold, target, mean_patience=patience)
    assert erlang_a_metrics(n, rate, aht, patience, threshold).service_level >= target
    if n > 1:
        assert erlang_a_metrics(n - 1, rate, aht, patience, threshold).service_level < target


def test_required_agents_infinite_patience_matches_erlang_c() -> None:
    rate = 100 * PER_30_MIN
    assert required_agents(rate, 180, 20, 0.8, mean_patience=math.inf) == 14


# --- numerical stability -------------------------------------------------------------------


def test_large_systems_are_stable() -> None:
    assert 0 < erlang_b(1000, 950) < 1
    assert 0 < erlang_c(1000, 950) < 1
    assert math.isfinite(erlang_c_asa(1000, 950, 180))
    assert 0 < erlang_b(5000, 6000) < 1
    for rho in (0.9, 1.0, 1.2):
        r = erlang_a_metrics(500, rho * 500 / 180, 180, 300, 20)
        assert all(math.isfinite(v) for v in dataclasses.astuple(r))
        assert 0 < r.p_wait < 1 and 0 <= r.service_level <= 1


def test_numpy_integer_agents_accepted() -> None:
    assert erlang_b(np.int64(12), 10) == erlang_b(12, 10)


def test_results_are_frozen() -> None:
    r = erlang_c_metrics(14, 100 * PER_30_MIN, 180, 20)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.p_wait = 0.0  # type: ignore[misc]


# --- argument validation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: erlang_b(0, 1.0), "agents"),
        (lambda: erlang_b(2.5, 1.0), "agents"),
        (lambda: erlang_b(True, 1.0), "agents"),
        (lambda: erlang_c(-3, 1.0), "agents"),
        (lambda: erlang_b(3, -1.0), "load"),
        (lambda: erlang_c(3, float("nan")), "load"),
        (lambda: erlang_c_occupancy(3, -0.1), "load"),
        (lambda: erlang_c_service_level(3, 1.0, 0.0, 20), "aht"),
        (lambda: erlang_c_service_level(3, 1.0, 180, -1), "threshold"),
        (lambda: erlang_c_asa(3, 1.0, -180), "aht"),
        (lambda: erlang_c_metrics(3, -0.01, 180, 20), "arrival_rate"),
        (lambda: erlang_a_metrics(3, 0.01, 180, 0.0, 20), "mean_patience"),
        (lambda: erlang_a_metrics(3, 0.01, 180, -5.0, 20), "mean_patience"),
        (lambda: erlang_a_metrics(3, -0.01, 180, 300, 20), "arrival_rate"),
        (lambda: erlang_a_metrics(0, 0.01, 180, 300, 20), "agents"),
        (lambda: erlang_a_metrics(3, 0.01, 180, 300, -2), "threshold"),
        (lambda: required_agents(0.05, 180, 20, 0.0), "target"),
        (lambda: required_agents(0.05, 180, 20, 1.0), "target"),
        (lambda: required_agents(0.05, 180, 20, 1.5), "target"),
        (lambda: required_agents(0.05, 0, 20, 0.8), "aht"),
        (lambda: required_agents(-0.05, 180, 20, 0.8), "arrival_rate"),
        (lambda: required_agents(0.05, 180, 20, 0.8, mean_patience=0), "mean_patience"),
    ],
)
def test_invalid_arguments_raise(call, name: str) -> None:
    with pytest.raises(ValueError, match=rf"^{name} must be .*, got "):
        call()


def test_overload_with_huge_patience_is_refused_clearly() -> None:
    with pytest.raises(ValueError, match="mean_patience"):
        erlang_a_metrics(10, 20 / 180, 180, 1e12, 20)
