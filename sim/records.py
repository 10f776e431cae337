"""Records of one replication and the KPIs computed from them, one exact definition each.

KPI definitions (the README and the docs quote these):

* ``offered``: contacts that arrived (blocked ones included).
* ``answered`` / ``abandoned`` / ``blocked``: contacts an agent took / that hung up while
  waiting / that found every line busy. ``waiting_at_end``: still queued at the horizon.
  ``offered = answered + abandoned + blocked + waiting_at_end``.
* ``service_level``: contacts answered within the threshold over offered contacts; contacts
  that abandoned within ``short_abandon_seconds`` are left out of both. Blocked contacts
  and contacts still waiting at the horizon count against it.
* ``abandon_rate``: abandoned / offered.
* ``asa_seconds``: mean wait of answered contacts (0 for those answered at once).
* ``aht_seconds``: mean handle time (talk plus wrap-up) of answered contacts.
* ``avg_time_to_abandon_seconds``: mean wait of abandoned contacts.
* ``wait_probability``: share of offered, non-blocked contacts that had to queue.
* ``mean_wait_all_seconds``: mean queue time of answered and abandoned contacts together.
* ``occupancy``: busy time (talk plus wrap-up) over logged-in time.
* ``agents_logged_in``: logged-in agent-seconds / seconds: the average number logged in.

A contact belongs to the interval in which it arrived; busy and logged-in time are split
across intervals at the boundaries. Contacts arriving in the warm-up, and time before its
end, are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "ABANDONED",
    "ANSWERED",
    "BLOCKED",
    "KPI_NAMES",
    "SHARE_KPIS",
    "WAITING",
    "ReplicationOutcome",
    "interval_kpis",
    "replication_kpis",
]

WAITING, ANSWERED, ABANDONED, BLOCKED = 0, 1, 2, 3

#: Every KPI column, in output order.
KPI_NAMES: tuple[str, ...] = (
    "offered",
    "answered",
    "abandoned",
    "blocked",
    "waiting_at_end",
    "service_level",
    "abandon_rate",
    "asa_seconds",
    "aht_seconds",
    "avg_time_to_abandon_seconds",
    "wait_probability",
    "mean_wait_all_seconds",
    "occupancy",
    "agents_logged_in",
)

#: KPIs that are shares, in [0, 1].
SHARE_KPIS: frozenset[str] = frozenset(
    {"service_level", "abandon_rate", "wait_probability", "occupancy"}
)


@dataclass(frozen=True)
class ReplicationOutcome:
    """Flat per-contact and per-agent-session records of one simulated day.

    Contact arrays are indexed by contact (in arrival order). ``resolved_at`` is when the
    contact was answered or abandoned (NaN otherwise); ``queued`` whether it had to wait;
    ``agent`` who answered it (-1 if nobody). Agent sessions are ``[login_at, logout_at)``.
    """

    horizon_seconds: float
    arrival: np.ndarray
    handle: np.ndarray
    wrap: np.ndarray
    state: np.ndarray
    queued: np.ndarray
    resolved_at: np.ndarray
    agent: np.ndarray
    login_at: np.ndarray
    logout_at: np.ndarray

    @property
    def wait(self) -> np.ndarray:
        """Queue time of answered and abandoned contacts (NaN for the others)."""
        wait = np.where(self.queued, self.resolved_at - self.arrival, 0.0)
        wait[np.isnan(self.resolved_at)] = np.nan
        return wait

    @property
    def busy_until(self) -> np.ndarray:
        """End of the agent's work (talk plus wrap-up) on each answered contact."""
        return self.resolved_at + self.handle + self.wrap


def time_in_intervals(
    starts: np.ndarray, ends: np.ndarray, length: float, intervals: int
) -> np.ndarray:
    """Total length of the periods ``[starts, ends)`` falling in each interval of ``length`` seconds.

    Each period is split exactly at the interval boundaries: its pieces in its first and
    last interval, plus whole intervals in between (periods end by ``intervals * length``).
    """
    end_of_day = intervals * length
    starts = np.clip(np.asarray(starts, dtype=float), 0.0, end_of_day)
    ends = np.clip(np.asarray(ends, dtype=float), 0.0, end_of_day)
    first = np.minimum((starts // length).astype(np.int64), intervals - 1)
    last = np.minimum((ends // length).astype(np.int64), intervals - 1)
    same = first == last
    totals = np.zeros(intervals)
    totals += np.bincount(first[same], weights=(ends - starts)[same], minlength=intervals)
    split = ~same
    head = (first[split] + 1) * length - starts[split]
    tail = ends[split] - last[split] * length
    totals += np.bincount(first[split], weights=head, minlength=intervals)
    totals += np.bincount(last[split], weights=tail, minlength=intervals)
    # Whole intervals strictly between the first and the last: a difference array.
    spans = np.zeros(intervals + 1)
    np.add.at(spans, first[split] + 1, 1.0)
    np.add.at(spans, last[split], -1.0)
    totals += np.cumsum(spans[:-1]) * length
    return totals


def _interval_sums(outcome: ReplicationOutcome, scenario) -> dict[str, np.ndarray]:
    """Counts and time totals per interval, from which every KPI is a ratio."""
    n = scenario.intervals
    length = scenario.interval_seconds
    idx = np.minimum((outcome.arrival // length).astype(np.int64), n - 1)
    state = outcome.state
    wait = outcome.wait
    sl = scenario.service_level

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(idx[mask], minlength=n).astype(float)

    def total(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
        return np.bincount(idx[mask], weights=values[mask], minlength=n)

    answered = state == ANSWERED
    abandoned = state == ABANDONED
    short = abandoned & (wait <= sl.short_abandon_seconds)
    if sl.short_abandon_seconds <= 0:
        short[:] = False
    return {
        "offered": np.bincount(idx, minlength=n).astype(float),
        "answered": count(answered),
        "abandoned": count(abandoned),
        "blocked": count(state == BLOCKED),
        "waiting_at_end": count(state == WAITING),
        "short_abandoned": count(short),
        "answered_in_threshold": count(answered & (wait <= sl.threshold_seconds)),
        "queued": count(outcome.queued),
        "wait_answered": total(answered, wait),
        "wait_abandoned": total(abandoned, wait),
        "handle_answered": total(answered, outcome.handle + outcome.wrap),
        "busy_seconds": time_in_intervals(
            outcome.resolved_at[answered], outcome.busy_until[answered], length, n
        ),
        "logged_in_seconds": time_in_intervals(outcome.login_at, outcome.logout_at, length, n),
        "period_seconds": np.full(n, length),
    }


def _ratio(num, den):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, np.divide(num, np.where(den > 0, den, 1.0)), np.nan)


def _kpis_from_sums(s: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    not_blocked = s["offered"] - s["blocked"]
    resolved = s["answered"] + s["abandoned"]
    return {
        "offered": s["offered"],
        "answered": s["answered"],
        "abandoned": s["abandoned"],
        "blocked": s["blocked"],
        "waiting_at_end": s["waiting_at_end"],
        "service_level": _ratio(s["answered_in_threshold"], s["offered"] - s["short_abandoned"]),
        "abandon_rate": _ratio(s["abandoned"], s["offered"]),
        "asa_seconds": _ratio(s["wait_answered"], s["answered"]),
        "aht_seconds": _ratio(s["handle_answered"], s["answered"]),
        "avg_time_to_abandon_seconds": _ratio(s["wait_abandoned"], s["abandoned"]),
        "wait_probability": _ratio(s["queued"], not_blocked),
        "mean_wait_all_seconds": _ratio(s["wait_answered"] + s["wait_abandoned"], resolved),
        "occupancy": _ratio(s["busy_seconds"], s["logged_in_seconds"]),
        "agents_logged_in": _ratio(s["logged_in_seconds"], s["period_seconds"]),
    }


def interval_kpis(outcome: ReplicationOutcome, scenario) -> dict[str, np.ndarray]:
    """Every KPI per measured interval (warm-up intervals left out), plus ``interval``."""
    sums = _interval_sums(outcome, scenario)
    first = scenario.warmup_intervals
    kpis = _kpis_from_sums({k: v[first:] for k, v in sums.items()})
    return {"interval": np.arange(first, scenario.intervals), **kpis}


def replication_kpis(outcome: ReplicationOutcome, scenario) -> dict[str, float]:
    """Every KPI over the measured part of the day (after the warm-up)."""
    sums = _interval_sums(outcome, scenario)
    first = scenario.warmup_intervals
    totals = {k: np.asarray(v[first:].sum()) for k, v in sums.items()}
    return {k: float(v) for k, v in _kpis_from_sums(totals).items()}
