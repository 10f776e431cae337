"""The logged days: arrivals per interval, the staffing they show, and the log's own KPIs.

- the day: from the interval holding the earliest arrival (time of day, over all days) to
  the one holding the latest, ``interval_seconds`` long each;
- the forecast: contacts arriving per type and interval, averaged over the logged days
  (the days with at least one contact); when the log holds several weekdays, also over the
  days of each weekday;
- the staffing, inferred from answered concurrency: the agents busy at once (talk plus
  wrap-up of the answered contacts) at each answer (up to :data:`CLOCK_SLACK`) and at each
  interval's start; per interval, the most on any day (of the weekday). A log does not
  say who answered, so one pool of agents serving every type is assumed. Then, at the
  answer of a contact that had waited, every agent was busy (an idle agent would have
  taken it earlier): the count is the number logged in, and the interval is marked
  ``exact``; in an interval where nobody waited, the count is a lower bound (idle agents
  leave no trace in a log). Days with different staffing make it the most staffed day's;
- the observed KPIs per day, defined as the model's (:mod:`sim.kpi.definitions`):
  offered = every contact (blocked ones too), service level = answered within the
  threshold over offered, abandon rate = abandoned over offered.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.core.contact_log import ContactLog
from sim.units import WEEKDAYS

__all__ = [
    "CLOCK_SLACK",
    "DayShape",
    "Demand",
    "busy_peaks",
    "day_shape",
    "estimate_demand",
    "observed_kpis",
]

#: A contact that ends within this many seconds after another is answered counts as done:
#: logs round times (arrivals down to the second, durations to a tenth or a second), so the
#: agent who takes the next contact can seem to finish the last one a moment after.
CLOCK_SLACK = 2.0


@dataclass(frozen=True)
class DayShape:
    """The calibrated day: ``intervals`` intervals of ``interval_seconds`` from
    ``start_seconds`` after midnight."""

    start_seconds: float
    interval_seconds: float
    intervals: int

    def index(self, seconds: np.ndarray) -> np.ndarray:
        """The interval of each time of day (clipped to the day)."""
        k = np.floor(
            (np.asarray(seconds, dtype=float) - self.start_seconds) / self.interval_seconds
        )
        return np.clip(k, 0, self.intervals - 1).astype(np.int64)


@dataclass(frozen=True)
class Demand:
    """Arrivals and staffing per interval.

    ``days``: the logged days (ordinals); ``counts[d, t, k]``: contacts of type ``t``
    arriving in interval ``k`` of day ``d``. ``forecast``, ``staffing`` and ``exact`` by
    day group: ``""`` for all days, then a :data:`sim.units.WEEKDAYS` label per weekday when
    there are several; ``forecast[g][t, k]`` the mean arrivals, ``staffing[g][k]`` the
    inferred agents, ``exact[g][k]`` whether someone waited in that interval on a day of the
    group (the staffing is then the agents logged in, else a lower bound).
    """

    shape: DayShape
    days: tuple[int, ...]
    counts: np.ndarray
    forecast: dict[str, np.ndarray]
    staffing: dict[str, np.ndarray]
    exact: dict[str, np.ndarray]


def day_shape(log: ContactLog, interval_seconds: float) -> DayShape:
    """The intervals that hold every arrival of the log, whatever its day."""
    first = math.floor(float(log.arrival.min()) / interval_seconds) * interval_seconds
    last = math.floor(float(log.arrival.max()) / interval_seconds) * interval_seconds
    return DayShape(first, interval_seconds, int(round((last - first) / interval_seconds)) + 1)


def busy_peaks(log: ContactLog, shape: DayShape) -> tuple[np.ndarray, np.ndarray]:
    """Per logged day and interval: the most agents seen busy at once, and whether a
    contact answered in the interval had waited (then the peak is every agent logged in)."""
    days = log.days
    peak = np.zeros((len(days), shape.intervals), dtype=np.int64)
    waited = np.zeros((len(days), shape.intervals), dtype=bool)
    starts_of_intervals = shape.start_seconds + shape.interval_seconds * np.arange(shape.intervals)
    for d, day in enumerate(days):
        mine = log.answered & (log.day == day)
        start = log.arrival[mine] + log.wait[mine]
        end = start + log.talk[mine] + np.nan_to_num(log.wrap[mine])
        if not len(start):
            continue
        s, e = np.sort(start), np.sort(end)

        def busy(t: np.ndarray, s=s, e=e) -> np.ndarray:
            return np.searchsorted(s, t, "right") - np.searchsorted(e, t + CLOCK_SLACK, "right")

        at_answers = busy(start)
        k = shape.index(start)
        np.maximum.at(peak[d], k, at_answers)
        peak[d] = np.maximum(peak[d], busy(starts_of_intervals))
        waited[d, k[log.wait[mine] > 0]] = True
    return peak, waited


def estimate_demand(log: ContactLog, interval_seconds: float) -> Demand:
    """Arrivals and inferred staffing per interval, for all days and by weekday."""
    shape = day_shape(log, interval_seconds)
    days = log.days
    day_index = np.searchsorted(np.asarray(days), log.day)
    counts = np.zeros((len(days), len(log.types), shape.intervals))
    np.add.at(counts, (day_index, log.contact_type, shape.index(log.arrival)), 1.0)
    peak, waited = busy_peaks(log, shape)
    weekdays = np.array([log.weekday_of(d) for d in days])
    groups = {"": np.ones(len(days), dtype=bool)}
    if len(set(weekdays.tolist())) > 1:
        groups |= {WEEKDAYS[w]: weekdays == w for w in sorted(set(weekdays.tolist()))}
    return Demand(
        shape,
        days,
        counts,
        {g: counts[m].mean(axis=0) for g, m in groups.items()},
        {g: peak[m].max(axis=0) for g, m in groups.items()},
        {g: np.any(waited[m], axis=0) for g, m in groups.items()},
    )


def observed_kpis(log: ContactLog, threshold_seconds: float) -> dict[str, np.ndarray]:
    """Per logged day (in :attr:`ContactLog.days` order): ``offered``, ``answered``,
    ``abandoned``, ``blocked``, ``service_level`` and ``abandon_rate``."""
    days = np.asarray(log.days)
    index = np.searchsorted(days, log.day)

    def per_day(mask: np.ndarray) -> np.ndarray:
        return np.bincount(index[mask], minlength=len(days)).astype(float)

    offered = per_day(np.ones(len(log), dtype=bool))
    answered = log.answered
    in_threshold = answered & (np.nan_to_num(log.wait, nan=np.inf) <= threshold_seconds)
    abandoned = per_day(log.abandoned)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "offered": offered,
            "answered": per_day(answered),
            "abandoned": abandoned,
            "blocked": per_day(log.blocked),
            "service_level": per_day(in_threshold) / offered,
            "abandon_rate": abandoned / offered,
        }
