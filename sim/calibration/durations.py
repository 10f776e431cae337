"""Handle and wrap-up times: lognormal and gamma fitted by maximum likelihood, the better kept.

Both families are fitted to the positive values with the location fixed at 0 (scipy's
``fit(..., floc=0)``); both have two parameters, so the one with the higher likelihood has
the lower AIC and is chosen. The mean and the coefficient of variation of the chosen law
get confidence intervals from the law's own sampling theory (no resampling, so they are
the same on every run):

- lognormal (``mu``, ``sigma`` of the log): the mean ``exp(mu + sigma^2 / 2)`` by Cox's
  interval (``log`` mean +- z * sqrt(s^2 / n + s^4 / (2 (n - 1))))), the cv
  ``sqrt(exp(sigma^2) - 1)`` from the exact chi-square interval of ``sigma^2``;
- gamma (shape ``a``, mean ``m``): the maximum-likelihood mean is the sample mean and its
  Fisher information is ``n a / m^2``, orthogonal to the shape's ``n (trigamma(a) - 1/a)``;
  both intervals are taken on the log scale; the cv is ``a^(-1/2)``.

Both are model-based: they hold when the chosen family fits (see the goodness-of-fit figure
of ``calibration.md``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.special import polygamma

from sim.core.contact_log import MIN_FIT_VALUES
from sim.core.distributions import Distribution

__all__ = ["FAMILIES", "DurationFit", "Interval", "fit_duration"]

#: The candidate families, in the order they are tried (ties go to the first).
FAMILIES: tuple[str, ...] = ("lognormal", "gamma")


@dataclass(frozen=True)
class Interval:
    """An estimate and its confidence interval (NaN bounds where there is none)."""

    estimate: float
    low: float = math.nan
    high: float = math.nan

    def covers(self, value: float) -> bool:
        """Whether ``value`` lies in ``[low, high]``."""
        return self.low <= value <= self.high


@dataclass(frozen=True)
class DurationFit:
    """A positive duration law fitted to ``n`` values (``zeros`` values of 0 left out).

    ``family``: the chosen one of :data:`FAMILIES`; ``mean`` (seconds) and ``cv`` of the
    chosen law with their intervals; ``params``: per family, lognormal ``(mu, sigma)`` of
    the log, gamma ``(shape, scale)``; ``log_likelihood``: per family, at its maximum.
    """

    family: str
    n: int
    zeros: int
    mean: Interval
    cv: Interval
    params: dict[str, tuple[float, float]]
    log_likelihood: dict[str, float]
    level: float = 0.95

    @property
    def aic_margin(self) -> float:
        """How much lower the chosen family's AIC is than the other's (>= 0)."""
        other = [f for f in FAMILIES if f != self.family][0]
        return 2.0 * (self.log_likelihood[self.family] - self.log_likelihood[other])

    def distribution(self) -> Distribution:
        """The chosen law as the model's :class:`Distribution` (mean and cv)."""
        return Distribution(self.family, self.mean.estimate, self.cv.estimate)

    def pdf(self, x: np.ndarray, family: str | None = None) -> np.ndarray:
        """Density of the fitted ``family`` (default: the chosen one) at ``x`` seconds."""
        return _frozen(family or self.family, self.params[family or self.family]).pdf(x)

    def describe(self) -> str:
        """How the estimates were made, for the ``method`` column."""
        ci = (
            "Cox's interval for the mean, chi-square interval of sigma^2 for the cv"
            if self.family == "lognormal"
            else "Fisher information (log scale) for the mean and the shape"
        )
        zeros = f", {self.zeros} zero value(s) left out" if self.zeros else ""
        return f"{self.family} MLE, floc=0 (n={self.n}{zeros}); {self.level:.0%} CI: {ci}"


def _frozen(family: str, params: tuple[float, float]):
    if family == "lognormal":
        mu, sigma = params
        return stats.lognorm(sigma, scale=math.exp(mu))
    shape, scale = params
    return stats.gamma(shape, scale=scale)


def fit_duration(values: np.ndarray, level: float = 0.95) -> DurationFit:
    """Fit lognormal and gamma to the positive, finite ``values`` (seconds) and keep the
    one with the higher likelihood. ``ValueError`` with fewer than
    :data:`~sim.core.contact_log.MIN_FIT_VALUES`."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    zeros = int(np.count_nonzero(x <= 0))
    x = x[x > 0]
    n = len(x)
    if n < MIN_FIT_VALUES:
        raise ValueError(f"{n} positive values: at least {MIN_FIT_VALUES} are needed for a fit")
    z = float(stats.norm.ppf(0.5 + level / 2))
    logs = np.log(x)
    mu, sigma = float(logs.mean()), float(logs.std())
    shape, _, scale = stats.gamma.fit(x, floc=0)
    params = {"lognormal": (mu, sigma), "gamma": (float(shape), float(scale))}
    loglik = {f: float(np.sum(_frozen(f, params[f]).logpdf(x))) for f in FAMILIES}
    family = max(FAMILIES, key=lambda f: loglik[f])  # ties: the first
    if family == "lognormal":
        mean, cv = _lognormal_intervals(mu, sigma, n, z, level)
    else:
        mean, cv = _gamma_intervals(float(shape), float(scale), n, z)
    return DurationFit(family, n, zeros, mean, cv, params, loglik, level)


def _lognormal_intervals(
    mu: float, sigma: float, n: int, z: float, level: float
) -> tuple[Interval, Interval]:
    s2 = sigma**2
    log_mean = mu + s2 / 2
    half = z * math.sqrt(s2 / n + s2**2 / (2 * max(n - 1, 1)))
    mean = Interval(math.exp(log_mean), math.exp(log_mean - half), math.exp(log_mean + half))
    chi_low, chi_high = stats.chi2.ppf([0.5 - level / 2, 0.5 + level / 2], n - 1)
    s2_low, s2_high = n * s2 / chi_high, n * s2 / chi_low
    cv = Interval(
        math.sqrt(math.expm1(s2)), math.sqrt(math.expm1(s2_low)), math.sqrt(math.expm1(s2_high))
    )
    return mean, cv


def _gamma_intervals(shape: float, scale: float, n: int, z: float) -> tuple[Interval, Interval]:
    m = shape * scale
    half_m = z / math.sqrt(n * shape)
    mean = Interval(m, m * math.exp(-half_m), m * math.exp(half_m))
    info = n * (float(polygamma(1, shape)) - 1.0 / shape)
    half_a = z / (shape * math.sqrt(info)) if info > 0 else math.inf
    a_low, a_high = shape * math.exp(-half_a), shape * math.exp(half_a)
    cv = Interval(1 / math.sqrt(shape), 1 / math.sqrt(a_high), 1 / math.sqrt(a_low))
    return mean, cv
