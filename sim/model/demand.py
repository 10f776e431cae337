"""The day's realised demand: the forecast after forecast error, interval noise and surges.

A plan is made on a forecast; the day brings something else. For one replication,
:func:`realise_demand` turns each contact type's forecast (expected contacts per interval)
into the expected contacts that day; arrivals are then Poisson around it
(:mod:`sim.model.arrivals`). Three effects multiply the forecast, as set in
``Scenario.demand`` (:class:`~sim.core.demand_shocks.DemandShocks`):

- forecast error: one day multiplier, gamma with mean 1 and cv ``day_cv``, common to every
  contact type (stream ``forecast_error``). The day's offered volume then has variance
  ``L + day_cv**2 * L**2`` around its forecast ``L`` instead of Poisson's ``L``;
- interval noise: each type's expected contacts in each interval multiplied by its own
  gamma(mean 1, cv ``interval_cv``) draw (stream ``interval_noise:<type>``), so an interval
  forecast ``L_k`` gives a variance ``L_k + interval_cv**2 * L_k**2``;
- surges: surge ``i`` (stream ``surge:<i>``) happens with its probability; its start
  interval is fixed or drawn uniformly between ``start`` and ``latest_start``; its profile
  then multiplies the listed types' (all, if none listed) expected contacts in consecutive
  intervals from there, cut at the end of the day.

Each effect draws from its own streams, and always the same number of values whatever the
others do (a surge draws whether it happens and its start even when its probability is 0
or 1), so switching one effect on or off leaves every other draw unchanged: common random
numbers. Nothing here touches the streams contacts are drawn from, and a scenario without
shocks gets its forecast back unchanged, without a single draw.

The result depends only on the scenario, the seed and the replication, so a report can call
:func:`realise_demand` again to learn what happened in a replication (the day multiplier,
the surge windows).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from sim.core.scenario import Scenario
from sim.core.streams import Streams

__all__ = ["DemandRealisation", "SurgeWindow", "realise_demand", "realised_forecast"]


class SurgeWindow(NamedTuple):
    """A surge that happened: intervals ``start`` to ``stop - 1`` (as in ``range``)."""

    surge: int  # index into ``Scenario.demand.surges``
    start: int  # first interval of the window
    stop: int  # first interval after the window (cut at the end of the day)


@dataclass(frozen=True)
class DemandRealisation:
    """What one replication's demand turned out to be.

    ``forecast[k][j]``: expected contacts of contact type ``k`` in interval ``j`` after
    every shock. ``day_multiplier``: the forecast-error draw (1.0 without forecast error).
    ``surge_windows``: the surges that happened, in surge order.
    """

    forecast: tuple[tuple[float, ...], ...]
    day_multiplier: float = 1.0
    surge_windows: tuple[SurgeWindow, ...] = ()


def _gamma_mean_one(rng: np.random.Generator, cv: float, size: int) -> np.ndarray:
    """``size`` gamma draws with mean 1 and coefficient of variation ``cv`` (> 0)."""
    shape = 1.0 / (cv * cv)
    return rng.gamma(shape, 1.0 / shape, size)


def _interval_of(seconds: float, interval_seconds: float) -> int:
    """The interval holding ``seconds`` (a boundary belongs to the interval it starts)."""
    return int(math.floor(seconds / interval_seconds + 1e-9))


def realise_demand(scenario: Scenario, streams: Streams) -> DemandRealisation:
    """The day's expected contacts per type and interval, and what caused them."""
    shocks = scenario.demand
    base = tuple(tuple(float(v) for v in t.forecast) for t in scenario.contact_types)
    if not shocks.any:
        return DemandRealisation(base)
    n = scenario.intervals
    factor = np.ones((len(base), n))
    day = 1.0
    if shocks.day_cv > 0:
        day = float(_gamma_mean_one(streams["forecast_error"], shocks.day_cv, 1)[0])
        factor *= day
    if shocks.interval_cv > 0:
        for k, t in enumerate(scenario.contact_types):
            factor[k] *= _gamma_mean_one(streams[f"interval_noise:{t.name}"], shocks.interval_cv, n)
    windows: list[SurgeWindow] = []
    names = scenario.type_names
    for i, surge in enumerate(shocks.surges):
        rng = streams[f"surge:{i}"]
        happens = rng.random() < surge.probability  # u < 0 never, u < 1 always
        first = _interval_of(surge.start, scenario.interval_seconds)
        last = first
        if surge.latest_start is not None:
            last = _interval_of(surge.latest_start, scenario.interval_seconds)
        start = int(rng.integers(first, last + 1))  # drawn even when fixed or not happening
        if not happens:
            continue
        stop = min(start + len(surge.profile), n)
        rows = [names.index(name) for name in surge.contact_types] or range(len(base))
        profile = np.asarray(surge.profile[: stop - start], dtype=float)
        for k in dict.fromkeys(rows):  # each type once, in order
            factor[k, start:stop] *= profile
        windows.append(SurgeWindow(i, start, stop))
    forecast = tuple(tuple((np.asarray(row) * factor[k]).tolist()) for k, row in enumerate(base))
    return DemandRealisation(forecast, day, tuple(windows))


def realised_forecast(scenario: Scenario, streams: Streams) -> list[tuple[float, ...]]:
    """Per contact type, the day's expected contacts per interval (see :func:`realise_demand`)."""
    return list(realise_demand(scenario, streams).forecast)
