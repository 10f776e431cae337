"""Patience, censored by answers: exponential and lognormal by maximum likelihood,
Kaplan-Meier for the survival curve.

A caller's patience is seen only when they hang up before an agent answers: an abandoned
contact's wait *is* its patience, an answered contact's wait is a *lower bound* of it
(right-censored: the caller would have waited at least that long), and a blocked contact
never queued and says nothing. The mean of the abandon times alone is therefore biased
low (the patient callers were answered before they could show it): it is reported, never
used.

- exponential: the maximum-likelihood mean is the total waiting time of all non-blocked
  contacts over the number of abandons; its interval is the chi-square interval
  ``[2T / chi2(1 - a/2; 2d), 2T / chi2(a/2; 2d)]`` (exact for type II censoring, the
  standard interval for random censoring);
- lognormal: the censored likelihood (density at each abandon time, survival at each
  answered contact's wait) maximised over ``(mu, log sigma)`` with its analytic gradient;
  intervals from the observed information (the Hessian of the log-likelihood, by central
  differences of the gradient) and the delta method for the mean, and from ``log sigma``'s
  interval for the cv;
- the family with the lower AIC is chosen (exponential has one parameter, lognormal two).

Abandons within :data:`RESOLUTION` seconds (logs round to the second or the tenth; a
lognormal density vanishes at 0) count as patience in ``[0, RESOLUTION]`` in both
likelihoods. Kaplan-Meier: :func:`scipy.stats.ecdf` on :class:`scipy.stats.CensoredData`,
with Greenwood's interval.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from sim.calibration.durations import Interval
from sim.core.distributions import Distribution

__all__ = ["MIN_LOGNORMAL_ABANDONS", "RESOLUTION", "PatienceFit", "fit_patience"]

#: Abandons within this many seconds are patience in [0, RESOLUTION].
RESOLUTION = 1.0
#: Fewest abandons for a lognormal fit (fewer: exponential only).
MIN_LOGNORMAL_ABANDONS = 10


@dataclass(frozen=True)
class PatienceFit:
    """Patience estimated from ``abandons`` abandon times and ``censored`` answered waits.

    ``family``: ``exponential`` or ``lognormal``, the lower AIC; ``exponential_mean``;
    ``lognormal_mean``, ``lognormal_cv`` and ``lognormal_params`` (``mu``, ``sigma``) when
    fitted; ``log_likelihood`` per family fitted; ``naive_mean``: the mean of the abandon
    times (biased low, for comparison only); ``total_wait``: the waiting time of every
    non-blocked contact. ``km_*``: the Kaplan-Meier survival curve at its step times, with
    its pointwise interval.
    """

    family: str
    abandons: int
    censored: int
    total_wait: float
    exponential_mean: Interval
    lognormal_mean: Interval | None
    lognormal_cv: Interval | None
    lognormal_params: tuple[float, float] | None
    log_likelihood: dict[str, float]
    naive_mean: float
    km_time: np.ndarray
    km_survival: np.ndarray
    km_low: np.ndarray
    km_high: np.ndarray
    level: float = 0.95

    @property
    def mean(self) -> Interval:
        """The chosen law's mean patience (seconds) and its interval."""
        if self.family == "lognormal" and self.lognormal_mean is not None:
            return self.lognormal_mean
        return self.exponential_mean

    @property
    def aic_margin(self) -> float:
        """How much lower the chosen family's AIC is than the other's (NaN with one fit)."""
        if "lognormal" not in self.log_likelihood:
            return math.nan
        aic = {
            "exponential": 2 - 2 * self.log_likelihood["exponential"],
            "lognormal": 4 - 2 * self.log_likelihood["lognormal"],
        }
        return abs(aic["exponential"] - aic["lognormal"])

    def distribution(self) -> Distribution:
        """The chosen law as the model's :class:`Distribution`."""
        if self.family == "lognormal" and self.lognormal_cv is not None:
            return Distribution("lognormal", self.mean.estimate, self.lognormal_cv.estimate)
        return Distribution.exponential(self.exponential_mean.estimate)

    def sf(self, t: np.ndarray, family: str | None = None) -> np.ndarray:
        """Survival function of the fitted ``family`` (default: the chosen one) at ``t``."""
        family = family or self.family
        if family == "lognormal" and self.lognormal_params is not None:
            mu, sigma = self.lognormal_params
            return stats.lognorm(sigma, scale=math.exp(mu)).sf(t)
        return np.exp(-np.asarray(t, dtype=float) / self.exponential_mean.estimate)


def fit_patience(wait: np.ndarray, abandoned: np.ndarray, level: float = 0.95) -> PatienceFit:
    """Fit patience to the waits of the non-blocked contacts; ``abandoned`` marks those that
    hung up (the others were answered: censored). ``ValueError`` without an abandon."""
    wait = np.asarray(wait, dtype=float)
    abandoned = np.asarray(abandoned, dtype=bool)
    events, censored = wait[abandoned], wait[~abandoned]
    d = len(events)
    if d == 0:
        raise ValueError("no abandons: patience cannot be estimated (only bounded below)")
    total = float(wait.sum())
    if not total > 0:
        raise ValueError("every abandon is at 0 s: patience cannot be estimated")
    chi = stats.chi2.ppf([0.5 + level / 2, 0.5 - level / 2], 2 * d)
    exp_mean = Interval(total / d, 2 * total / chi[0], 2 * total / chi[1])
    early = events < RESOLUTION
    late, positive = events[~early], censored[censored > 0]
    n_early = int(early.sum())
    loglik = {"exponential": _exponential_loglik(1 / exp_mean.estimate, late, n_early, positive)}
    lognormal_mean = lognormal_cv = params = None
    if d >= MIN_LOGNORMAL_ABANDONS:
        fitted = _lognormal(late, n_early, positive, exp_mean.estimate, level)
        if fitted is not None:
            params, loglik["lognormal"], lognormal_mean, lognormal_cv = fitted
    family = "exponential"
    if "lognormal" in loglik and 4 - 2 * loglik["lognormal"] < 2 - 2 * loglik["exponential"]:
        family = "lognormal"
    km = stats.ecdf(stats.CensoredData(uncensored=events, right=censored))
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # undefined where S is 0: left NaN
        band = km.sf.confidence_interval(level)
    return PatienceFit(
        family=family,
        abandons=d,
        censored=len(censored),
        total_wait=total,
        exponential_mean=exp_mean,
        lognormal_mean=lognormal_mean,
        lognormal_cv=lognormal_cv,
        lognormal_params=params,
        log_likelihood=loglik,
        naive_mean=float(events.mean()),
        km_time=np.asarray(km.sf.quantiles, dtype=float),
        km_survival=np.asarray(km.sf.probabilities, dtype=float),
        km_low=np.asarray(band.low.probabilities, dtype=float),
        km_high=np.asarray(band.high.probabilities, dtype=float),
        level=level,
    )


def _exponential_loglik(rate: float, late: np.ndarray, n_early: int, censored: np.ndarray) -> float:
    ll = len(late) * math.log(rate) - rate * float(late.sum()) - rate * float(censored.sum())
    if n_early:
        ll += n_early * math.log(-math.expm1(-rate * RESOLUTION))
    return ll


def _lognormal_terms(
    theta: np.ndarray, log_late: np.ndarray, n_early: int, log_censored: np.ndarray
) -> tuple[float, np.ndarray]:
    """Log-likelihood and its gradient in ``(mu, log sigma)``."""
    mu, log_sigma = float(theta[0]), float(theta[1])
    sigma = math.exp(log_sigma)
    z = (log_late - mu) / sigma
    ll = float(np.sum(-log_late - log_sigma - 0.5 * math.log(2 * math.pi) - 0.5 * z**2))
    d_mu = float(np.sum(z)) / sigma
    d_sigma = float(np.sum(z**2 - 1)) / sigma
    zc = (log_censored - mu) / sigma
    ll += float(np.sum(stats.norm.logsf(zc)))
    hazard = np.exp(stats.norm.logpdf(zc) - stats.norm.logsf(zc))  # phi / (1 - Phi)
    d_mu += float(np.sum(hazard)) / sigma
    d_sigma += float(np.sum(hazard * zc)) / sigma
    if n_early:
        ze = (math.log(RESOLUTION) - mu) / sigma
        ll += n_early * float(stats.norm.logcdf(ze))
        ratio = math.exp(float(stats.norm.logpdf(ze) - stats.norm.logcdf(ze)))  # phi / Phi
        d_mu -= n_early * ratio / sigma
        d_sigma -= n_early * ratio * ze / sigma
    return ll, np.array([d_mu, d_sigma * sigma])


def _lognormal(
    late: np.ndarray, n_early: int, censored: np.ndarray, exp_mean: float, level: float
) -> tuple[tuple[float, float], float, Interval, Interval] | None:
    """The censored lognormal fit: (mu, sigma), log-likelihood, mean and cv intervals."""
    log_late, log_censored = np.log(late), np.log(censored)

    def negative(theta: np.ndarray) -> tuple[float, np.ndarray]:
        ll, grad = _lognormal_terms(theta, log_late, n_early, log_censored)
        return -ll, -grad

    s2 = math.log(2.0)  # start: the exponential's mean with a cv of 1
    start = np.array([math.log(exp_mean) - s2 / 2, 0.5 * math.log(s2)])
    with np.errstate(all="ignore"):
        result = optimize.minimize(negative, start, jac=True, method="BFGS")
    theta = result.x
    # A likelihood without a maximum (e.g. every abandon within RESOLUTION) runs off to
    # extreme parameters: no lognormal fit then (the exponential stays).
    if not (np.all(np.isfinite(theta)) and abs(theta[0]) < 30 and -10 < theta[1] < math.log(10)):
        return None
    hessian = np.zeros((2, 2))
    for j in range(2):
        step = 1e-5 * (1 + abs(theta[j]))
        up, down = theta.copy(), theta.copy()
        up[j] += step
        down[j] -= step
        hessian[:, j] = (negative(up)[1] - negative(down)[1]) / (2 * step)
    hessian = (hessian + hessian.T) / 2
    mu, sigma = float(theta[0]), math.exp(float(theta[1]))
    z = float(stats.norm.ppf(0.5 + level / 2))
    log_mean = mu + sigma**2 / 2
    try:
        cov = np.linalg.inv(hessian)
    except np.linalg.LinAlgError:
        cov = np.full((2, 2), np.nan)
    gradient = np.array([1.0, sigma**2])
    sd_mean = math.sqrt(max(float(gradient @ cov @ gradient), 0.0))
    sd_log_sigma = math.sqrt(max(float(cov[1, 1]), 0.0))
    mean = Interval(_exp(log_mean), _exp(log_mean - z * sd_mean), _exp(log_mean + z * sd_mean))
    s_low, s_high = sigma * math.exp(-z * sd_log_sigma), sigma * math.exp(z * sd_log_sigma)
    cv = Interval(
        math.sqrt(_expm1(sigma**2)), math.sqrt(_expm1(s_low**2)), math.sqrt(_expm1(s_high**2))
    )
    return (mu, sigma), -float(result.fun), mean, cv


def _exp(x: float) -> float:
    return math.exp(x) if x < 700 else math.inf


def _expm1(x: float) -> float:
    return math.expm1(x) if x < 700 else math.inf
