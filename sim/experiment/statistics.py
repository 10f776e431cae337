"""The one confidence-interval rule of ccsim: Student-t intervals over independent days
(or over paired differences of days)."""

from __future__ import annotations

import math

import numpy as np
from scipy.special import stdtrit  # the Student-t quantile (what scipy.stats.t.ppf calls)

__all__ = ["confidence_interval", "t_half_width"]


def t_half_width(sd, count, level: float = 0.95) -> np.ndarray:
    """Half-width of the Student-t interval of a mean from ``count`` values with sample
    standard deviation ``sd`` (element-wise; NaN where fewer than two values)."""
    sd = np.asarray(sd, dtype=float)
    n = np.asarray(count, dtype=float)
    n = np.where(np.isnan(n), 0.0, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(n >= 2, stdtrit(np.maximum(n - 1, 1), 0.5 + level / 2), np.nan)
        return t * sd / np.sqrt(n)


def confidence_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t confidence interval of independent replications (NaNs ignored).

    With fewer than two values the bounds are NaN.
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    half = float(t_half_width(x.std(ddof=1) if len(x) > 1 else math.nan, len(x), level))
    return mean, mean - half, mean + half
