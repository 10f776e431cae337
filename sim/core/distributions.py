"""Handle-time and patience distributions, parametrised as planners know them.

A distribution is given by its mean (seconds) and, where it has one, its coefficient of
variation (standard deviation / mean). Sampling is vectorised: the model draws every
contact's value up front from the contact's own random stream, so that the i-th contact
always gets the i-th draw whatever a policy does later (common random numbers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["KINDS", "Distribution"]

#: Distribution kinds and whether each takes a coefficient of variation.
KINDS: dict[str, bool] = {
    "exponential": False,
    "lognormal": True,
    "gamma": True,
    "deterministic": False,
    "empirical": False,
}


@dataclass(frozen=True)
class Distribution:
    """A non-negative random duration in seconds.

    ``kind`` is one of :data:`KINDS`. ``mean`` is in seconds; ``cv`` is used by the
    lognormal and gamma kinds; ``values`` holds the observations of an empirical
    distribution (its mean is then the mean of the values).
    """

    kind: str
    mean: float
    cv: float = 1.0
    values: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown distribution {self.kind!r}; allowed: {sorted(KINDS)}")
        if self.kind == "empirical":
            if not self.values or min(self.values) < 0:
                raise ValueError("an empirical distribution needs non-negative values")
            object.__setattr__(self, "mean", float(np.mean(self.values)))
        if not (self.mean > 0 and math.isfinite(self.mean)):
            raise ValueError(f"mean must be a positive number, got {self.mean!r}")
        if KINDS[self.kind] and not (self.cv > 0 and math.isfinite(self.cv)):
            raise ValueError(f"cv must be a positive number, got {self.cv!r}")

    @classmethod
    def exponential(cls, mean: float) -> Distribution:
        """Exponential with the given mean (cv 1): the Erlang models' assumption."""
        return cls("exponential", float(mean))

    @classmethod
    def empirical(cls, values) -> Distribution:
        """Resampling of observed values (seconds); the mean is theirs."""
        return cls("empirical", 1.0, values=tuple(float(v) for v in values))

    def with_mean(self, mean: float) -> Distribution:
        """The same family and cv with another mean (seconds > 0); an empirical
        distribution's values are all scaled to it."""
        if self.kind == "empirical":
            factor = float(mean) / self.mean
            return Distribution.empirical(v * factor for v in self.values)
        return Distribution(self.kind, float(mean), self.cv)

    @property
    def std(self) -> float:
        """Standard deviation in seconds."""
        if self.kind == "empirical":
            return float(np.std(self.values))
        if self.kind == "deterministic":
            return 0.0
        if self.kind == "exponential":
            return self.mean
        return self.mean * self.cv

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` independent values from ``rng`` as a float64 array."""
        if self.kind == "exponential":
            return rng.exponential(self.mean, size)
        if self.kind == "lognormal":
            sigma2 = math.log1p(self.cv**2)
            return rng.lognormal(math.log(self.mean) - sigma2 / 2, math.sqrt(sigma2), size)
        if self.kind == "gamma":
            shape = 1.0 / self.cv**2
            return rng.gamma(shape, self.mean / shape, size)
        if self.kind == "deterministic":
            return np.full(size, self.mean)
        return rng.choice(np.asarray(self.values, dtype=float), size)

    def describe(self) -> str:
        """A short human description, e.g. ``lognormal(mean 300 s, cv 0.8)``."""
        if self.kind in ("exponential", "deterministic"):
            return f"{self.kind}(mean {self.mean:g} s)"
        if self.kind == "empirical":
            return f"empirical({len(self.values)} values, mean {self.mean:.4g} s)"
        return f"{self.kind}(mean {self.mean:g} s, cv {self.cv:g})"
