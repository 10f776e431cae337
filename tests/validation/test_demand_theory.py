"""Demand shocks against theory: the offered volume's mean and variance.

Given the day's realised forecast, arrivals are Poisson; a gamma multiplier with mean 1 and
cv ``c`` on an expected count ``L`` makes the count negative binomial (Poisson-gamma) with
mean ``L`` and variance ``L + c² L²``. So:

- forecast error (``day_cv = c``, one multiplier per day): the day's offered volume has
  variance ``L + c² L²``, and intervals are correlated;
- interval noise (``interval_cv = v``, a multiplier per interval): interval ``k`` has
  variance ``L_k + v² L_k²``, intervals are independent, so the day's variance is
  ``sum(L_k + v² L_k²)``, far below ``L + v² L²``;
- without shocks the volume is Poisson: variance ``L``.

How the tolerance is set: R = 2000 simulated days (fixed seed, drawn with
``draw_contacts``, no queue simulated). For each check the exact standard deviation of the
sample variance is computed from the count's own fourth moment,
``Var(S²) = (μ4 - σ⁴ (R - 3) / (R - 1)) / R``, with the cumulants of the negative binomial
(a Poisson-gamma count with mean ``m`` and gamma shape ``r = 1 / cv²`` has
``κ2 = m + m²/r`` and ``κ4 = m + 7m²/r + 12m³/r² + 6m⁴/r³``; ``μ4 = κ4 + 3κ2²``). With
R = 2000 the sample variance is close to normal, so a correct model lands within 4 of those
standard deviations with probability > 99.99% for any seed; the sample mean is held to 4
standard errors. Each test also asserts that the nearest wrong answer (no shock at all; the
shock applied per day instead of per interval) lies more than 8 standard deviations away, so
a model that ignored or misplaced the shock could not pass.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from sim import Distribution
from sim.core.demand_shocks import DemandShocks
from sim.core.scenario import single_queue
from sim.core.streams import Streams
from sim.model.draws import draw_contacts

pytestmark = pytest.mark.validation

SEED = 20261123
R = 2000
Z = 4.0
INTERVAL = 1800.0
#: Expected contacts per interval: a small day (L = 400) with a peak, so L_k differ.
FORECAST = (
    10.0,
    15.0,
    20.0,
    30.0,
    40.0,
    45.0,
    40.0,
    30.0,
    25.0,
    30.0,
    35.0,
    30.0,
    20.0,
    15.0,
    10.0,
    5.0,
)
L = sum(FORECAST)


def counts(demand: DemandShocks) -> np.ndarray:
    """Offered contacts per simulated day (rows) and interval (columns)."""
    plain = single_queue(
        "demand", INTERVAL, FORECAST, (1,) * len(FORECAST), Distribution.exponential(60.0)
    )
    scenario = dataclasses.replace(plain, demand=demand)
    out = np.empty((R, len(FORECAST)), dtype=np.int64)
    for r in range(R):
        arrival = draw_contacts(scenario, Streams(SEED, r)).arrival
        out[r] = np.bincount((arrival // INTERVAL).astype(int), minlength=len(FORECAST))
    return out


def cumulants(mean: float, cv: float) -> tuple[float, float]:
    """(κ2, κ4) of a Poisson count whose mean is ``mean`` x gamma(mean 1, cv); cv 0: Poisson."""
    if cv == 0:
        return mean, mean
    r = 1.0 / cv**2
    k2 = mean + mean**2 / r
    k4 = mean + 7 * mean**2 / r + 12 * mean**3 / r**2 + 6 * mean**4 / r**3
    return k2, k4


def sd_of_sample_variance(k2: float, k4: float) -> float:
    """Exact standard deviation of the sample variance (ddof=1) of R independent counts."""
    mu4 = k4 + 3 * k2**2
    return math.sqrt((mu4 - k2**2 * (R - 3) / (R - 1)) / R)


def check_variance(values: np.ndarray, k2: float, k4: float, wrong: dict[str, float]) -> None:
    """Sample variance against k2 within Z sds; each wrong answer beyond 2 Z sds of k2."""
    var = float(values.var(ddof=1))
    sd = sd_of_sample_variance(k2, k4)
    assert abs(var - k2) <= Z * sd, (
        f"sample variance {var:.1f} vs {k2:.1f} (tolerance {Z * sd:.1f})"
    )
    for label, value in wrong.items():
        assert abs(value - k2) > 2 * Z * sd, f"test too weak: {label} ({value:.1f}) is within reach"


def check_mean(values: np.ndarray, expected: float, k2: float) -> None:
    tol = Z * math.sqrt(k2 / R)
    assert abs(values.mean() - expected) <= tol, (
        f"mean {values.mean():.2f} vs {expected} ± {tol:.2f}"
    )


def test_without_shocks_the_day_is_poisson():
    c = 0.2
    day = counts(DemandShocks()).sum(axis=1)
    k2, k4 = cumulants(L, 0.0)
    check_mean(day, L, k2)
    check_variance(day, k2, k4, {"with forecast error cv 0.2": L + c**2 * L**2})


def test_forecast_error_gives_the_day_variance_l_plus_c2_l2():
    c = 0.2
    per_interval = counts(DemandShocks(day_cv=c))
    day = per_interval.sum(axis=1)
    k2, k4 = cumulants(L, c)
    check_mean(day, L, k2)
    check_variance(day, k2, k4, {"Poisson (no forecast error)": L})
    # one multiplier for the whole day: the two halves move together, cov = c² L1 L2
    half = len(FORECAST) // 2
    l1, l2 = sum(FORECAST[:half]), sum(FORECAST[half:])
    first, second = per_interval[:, :half].sum(axis=1), per_interval[:, half:].sum(axis=1)
    corr = float(np.corrcoef(first, second)[0, 1])
    expected_corr = c**2 * l1 * l2 / math.sqrt((l1 + c**2 * l1**2) * (l2 + c**2 * l2**2))
    assert abs(corr - expected_corr) < Z / math.sqrt(R), (corr, expected_corr)


def test_interval_noise_gives_each_interval_l_plus_v2_l2():
    v = 0.3
    per_interval = counts(DemandShocks(interval_cv=v))
    for k, lk in enumerate(FORECAST):
        k2, k4 = cumulants(lk, v)
        check_mean(per_interval[:, k], lk, k2)
        wrong = {"Poisson (no noise)": lk} if lk >= 30 else {}  # smaller ones: too close to tell
        check_variance(per_interval[:, k], k2, k4, wrong)
    # independent intervals: the day's variance is the sum, far below the per-day formula
    day = per_interval.sum(axis=1)
    k2 = sum(cumulants(lk, v)[0] for lk in FORECAST)
    k4 = sum(cumulants(lk, v)[1] for lk in FORECAST)
    check_variance(
        day,
        k2,
        k4,
        {"Poisson (no noise)": L, "one multiplier per day (day_cv = v)": L + v**2 * L**2},
    )
