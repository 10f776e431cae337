"""Non-homogeneous Poisson arrivals from an interval forecast.

The arrival rate is constant within each interval (forecast contacts / interval length).
Sampling is exact for that piecewise-constant rate: the count in an interval is
Poisson(forecast), and given the count the arrival times are independent and uniform on
the interval.

The forecast given here is the day's realised one: forecast error, interval noise and
surges are applied before, by :mod:`sim.model.demand`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["arrival_times"]


def arrival_times(
    forecast: Sequence[float], interval_seconds: float, rng: np.random.Generator
) -> np.ndarray:
    """Sorted arrival times in seconds from the start of the first interval.

    ``forecast[k]`` is the expected number of contacts in interval ``k``.
    """
    expected = np.asarray(forecast, dtype=float)
    counts = rng.poisson(expected)
    starts = np.arange(len(expected)) * float(interval_seconds)
    offsets = rng.random(int(counts.sum())) * float(interval_seconds)
    times = np.repeat(starts, counts) + offsets
    times.sort(kind="stable")
    return times
