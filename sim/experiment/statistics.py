"""The one confidence-interval rule of ccsim: Student-t intervals over independent days."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

__all__ = ["confidence_interval"]


def confidence_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t confidence interval of independent replications (NaNs ignored).

    With fewer than two values the bounds are NaN.
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if len(x) < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    return mean, mean - half, mean + half
