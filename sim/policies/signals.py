"""What an analyst reads off the wallboard before acting, computed once for every policy.

A wallboard's interval-to-date figures reset every half hour and swing with ordinary
Poisson noise; an analyst worth hiring reads them through three filters, which live here:

* rolling windows that do not reset at interval boundaries (:class:`Tracker` keeps each
  queue's cumulative counters at every check and differences them over any window);
* offered-versus-forecast judged against Poisson noise (:func:`poisson_tail`: how likely a
  count at least this far from its expectation is by chance), and a service level judged
  against its target the same way (:func:`binomial_lower_tail`);
* persistence (:class:`Persistence`: a condition must hold for k checks running) and a
  minimum hold time between two changes of the same target (:class:`Hold`).

The one expected-wait estimate is :func:`sim.policies.api.expected_wait_seconds` (Erlang A
on the agents actually serving), which the view already carries per queue.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass

from sim.policies.api import RealtimeView

__all__ = [
    "Hold",
    "Persistence",
    "Tracker",
    "WindowCounts",
    "beyond_poisson_noise",
    "binomial_lower_tail",
    "poisson_tail",
]


def poisson_tail(observed: float, expected: float, upper: bool = True) -> float:
    """P(X >= observed) (``upper``) or P(X <= observed) for X ~ Poisson(``expected``).

    Through the regularized incomplete gamma function (P(X >= k) = P(k, mu), P(X <= k) =
    Q(k + 1, mu)), by its series or continued fraction: accurate in the far tails that the
    significance tests use, in a few dozen steps. ``observed`` is rounded down to a whole
    count (up, for the lower tail).
    """
    if expected <= 0:
        return 1.0 if (observed <= 0 or not upper) else 0.0
    if upper:
        k = math.floor(observed)
        return 1.0 if k <= 0 else _gamma_pq(k, expected)[0]
    k = math.ceil(observed)
    return 0.0 if k < 0 else _gamma_pq(k + 1, expected)[1]


def beyond_poisson_noise(observed: float, expected: float, alpha: float, upper: bool) -> bool:
    """Whether ``observed`` lies beyond Poisson noise around ``expected`` at level ``alpha``
    (upper or lower tail). Within two standard deviations of an expectation of 10 or more
    either tail holds at least 2.2%, so for ``alpha`` <= 0.02 the answer is no without
    summing the tail (the tests run this often)."""
    if expected >= 10 and alpha <= 0.02 and abs(observed - expected) < 2.0 * math.sqrt(expected):
        return False
    return poisson_tail(observed, expected, upper) < alpha


def _gamma_pq(a: float, x: float) -> tuple[float, float]:
    """The regularized incomplete gamma functions (P(a, x), Q(a, x)), a > 0, x > 0; the
    smaller of the two is computed directly (series for P, continued fraction for Q), so
    it keeps its precision however far in the tail."""
    log_front = a * math.log(x) - x - math.lgamma(a)
    if x < a + 1.0:  # series
        term = total = 1.0 / a
        n = a
        for _ in range(10_000):
            n += 1.0
            term *= x / n
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        p = min(1.0, total * math.exp(log_front))
        return p, 1.0 - p
    # Continued fraction for Q(a, x) (modified Lentz).
    tiny = 1e-300
    b = x + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    q = min(1.0, math.exp(log_front) * h)
    return 1.0 - q, q


def binomial_lower_tail(successes: int, trials: int, p: float) -> float:
    """P(X <= ``successes``) for X ~ Binomial(``trials``, ``p``), summed exactly in log space:
    how likely a service level this low is by chance when the true one is ``p``."""
    if trials <= 0 or successes >= trials:
        return 1.0
    if successes < 0:
        return 0.0
    if p <= 0:
        return 1.0
    if p >= 1:
        return 0.0
    log_p, log_q = math.log(p), math.log1p(-p)
    base = math.lgamma(trials + 1)
    logs = [
        base - math.lgamma(i + 1) - math.lgamma(trials - i + 1) + i * log_p + (trials - i) * log_q
        for i in range(successes + 1)
    ]
    top = max(logs)
    return min(1.0, math.exp(top) * sum(math.exp(v - top) for v in logs))


@dataclass(frozen=True)
class WindowCounts:
    """One queue's counts over a trailing window: contacts offered and the plan's forecast
    for the window, contacts answered within the threshold and contacts answered or
    abandoned; ``seconds`` the window's actual length (shorter early in the day)."""

    offered: int
    forecast: float
    answered_in_threshold: int
    decided: int
    seconds: float

    def service_level(self, min_decided: int = 1) -> float:
        """Answered within the threshold over decided, NaN with fewer than ``min_decided``."""
        if self.decided < max(1, min_decided):
            return math.nan
        return self.answered_in_threshold / self.decided

    def below_target(self, target: float, alpha: float, min_decided: int = 1) -> bool:
        """Whether the window's service level is below ``target`` beyond chance: a one-sided
        binomial test at level ``alpha`` on at least ``min_decided`` contacts."""
        if (
            self.decided < max(1, min_decided)
            or self.answered_in_threshold >= target * self.decided
        ):
            return False  # at or above target: no test needed
        return binomial_lower_tail(self.answered_in_threshold, self.decided, target) < alpha


class Tracker:
    """Each queue's cumulative counters at every check, for rolling windows.

    Call :meth:`update` with each view (a second call at the same time is ignored, so
    several policies may share one tracker); then :meth:`window` gives any trailing
    window's counts. Only the past is kept: what the view showed at each check.
    """

    def __init__(self, keep_seconds: float = 4 * 3600.0) -> None:
        self.keep_seconds = keep_seconds
        self.now = -math.inf
        self.view: RealtimeView | None = None
        self._history: dict[str, deque[tuple[float, int, float, int, int]]] = {}

    def update(self, view: RealtimeView) -> None:
        """Record the view's counters (once per moment)."""
        if view.now <= self.now:
            return
        self.now = view.now
        self.view = view
        for name, q in view.queues.items():
            rows = self._history.setdefault(name, deque([(0.0, 0, 0.0, 0, 0)]))
            rows.append(
                (
                    view.now,
                    q.offered_day,
                    q.forecast_day_to_date,
                    q.answered_in_threshold_day,
                    q.decided_day,
                )
            )
            while len(rows) > 2 and rows[1][0] < view.now - self.keep_seconds:
                rows.popleft()

    def window(self, name: str, seconds: float) -> WindowCounts:
        """Counts of queue ``name`` over the trailing ``seconds`` (from the last check at or
        before now - seconds; the whole day so far if it is younger)."""
        rows = self._history[name]
        last = rows[-1]
        since = last[0] - seconds
        base = rows[0]
        for row in rows:
            if row[0] <= since + 1e-9:
                base = row
            else:
                break
        return WindowCounts(
            offered=last[1] - base[1],
            forecast=last[2] - base[2],
            answered_in_threshold=last[3] - base[3],
            decided=last[4] - base[4],
            seconds=last[0] - base[0],
        )


class Persistence:
    """Conditions that must hold for ``checks`` checks running before they count."""

    def __init__(self, checks: int) -> None:
        self.checks = max(1, int(checks))
        self._run: dict[Hashable, int] = {}

    def holds(self, key: Hashable, condition: bool) -> bool:
        """Record whether ``condition`` holds now for ``key``; True once it has held at
        ``checks`` checks in a row (and for as long as it keeps holding)."""
        run = self._run.get(key, 0) + 1 if condition else 0
        self._run[key] = run
        return run >= self.checks

    def reset(self, key: Hashable) -> None:
        """Start counting ``key`` afresh (after acting on it)."""
        self._run.pop(key, None)


class Hold:
    """A minimum time between two changes of the same target (no flapping)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._changed: dict[Hashable, float] = {}

    def may_change(self, key: Hashable, now: float) -> bool:
        """Whether ``key`` was last changed at least the hold time ago (or never)."""
        last = self._changed.get(key)
        return last is None or now - last >= self.seconds - 1e-9

    def changed(self, key: Hashable, now: float) -> None:
        """Record a change of ``key`` at ``now``."""
        self._changed[key] = now
