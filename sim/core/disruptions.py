"""Outages and redials: what goes wrong on the day, and callers who try again.

An outage has a kind and a window, fixed (``start`` and ``duration``) or random
(``occurrences_per_day`` windows a day, Poisson, starting uniformly over the day, each
lasting a draw of ``random_duration_seconds``), drawn per replication from the outage's own stream:

* ``telephony``: contacts arriving in the window cannot reach the center (state lost);
  with redials on, a share of them call again after the window ends plus a delay;
* ``crm_slow``: talk times of contacts taken in the window are multiplied by ``factor``
  (only by agents of ``groups``, or of every group if empty);
* ``site``: the agents of ``groups`` are offline for the window; what they hold is finished
  (or dropped, with ``drop_in_hand``);
* ``partial``: ``fraction`` of the logged-in agents of ``groups`` are unavailable.

Redials: each abandoned, blocked or lost contact calls again with ``probability``, after a
delay drawn from ``delay_seconds`` (lost ones: after the window ends, plus the delay). A
contact calls again at most once; the redial's own draws are made up front like every
contact's, so policies are compared on the same redials.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.core.distributions import Distribution
from sim.core.streams import Streams

__all__ = ["OUTAGE_KINDS", "Outage", "OutageWindow", "Redials", "outage_windows"]

OUTAGE_KINDS: tuple[str, ...] = ("telephony", "crm_slow", "site", "partial")


@dataclass(frozen=True)
class Outage:
    """One kind of disruption with a fixed or random window (times in seconds from time 0)."""

    kind: str
    start: float | None = None
    duration: float | None = None
    occurrences_per_day: float = 0.0
    random_duration_seconds: Distribution | None = None
    groups: tuple[str, ...] = ()
    factor: float = 1.0
    fraction: float = 1.0
    drop_in_hand: bool = False

    def __post_init__(self) -> None:
        problems = []
        if self.kind not in OUTAGE_KINDS:
            problems.append(f"kind must be one of {OUTAGE_KINDS}")
        fixed = self.start is not None
        if self.start is not None and (
            self.duration is None or not self.duration > 0 or self.start < 0
        ):
            problems.append("a fixed outage needs start >= 0 and duration > 0")
        if not fixed and not (
            self.occurrences_per_day > 0 and self.random_duration_seconds is not None
        ):
            problems.append(
                "a random outage needs occurrences_per_day > 0 and random_duration_seconds"
            )
        if self.kind in ("site", "partial") and not self.groups:
            problems.append(f"a {self.kind} outage needs groups")
        if not (self.factor > 0 and math.isfinite(self.factor)):
            problems.append("factor must be > 0")
        if not 0 < self.fraction <= 1:
            problems.append("fraction must be in (0, 1]")
        if problems:
            raise ValueError(f"outage {self.kind!r}: " + "; ".join(problems))


@dataclass(frozen=True)
class Redials:
    """Share of abandoned, blocked and lost contacts that call again, and after how long."""

    probability: float = 0.0
    delay_seconds: Distribution | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.probability <= 1:
            raise ValueError("redials: probability must be in [0, 1]")
        if self.probability > 0 and self.delay_seconds is None:
            raise ValueError("redials: a probability > 0 needs delay_seconds")

    @property
    def on(self) -> bool:
        """Whether anybody ever calls again."""
        return self.probability > 0


@dataclass(frozen=True)
class OutageWindow:
    """One outage as it happens in a replication: ``[start, end)`` in seconds."""

    outage: int
    kind: str
    start: float
    end: float


def outage_windows(
    outages: tuple[Outage, ...], horizon: float, streams: Streams
) -> list[OutageWindow]:
    """The windows of every outage in one replication, clipped to the day, sorted by start."""
    windows = []
    for k, outage in enumerate(outages):
        if outage.start is not None and outage.duration is not None:
            spans = [(outage.start, outage.start + outage.duration)]
        else:
            rng = streams[f"outage:{k}"]
            count = int(rng.poisson(outage.occurrences_per_day))
            starts = sorted(rng.random(count) * horizon)
            assert outage.random_duration_seconds is not None
            lengths = outage.random_duration_seconds.sample(rng, count)
            spans = [(s, s + float(d)) for s, d in zip(starts, lengths, strict=True)]
        for start, end in spans:
            if start < horizon and end > start:
                windows.append(OutageWindow(k, outage.kind, float(start), float(min(end, horizon))))
    windows.sort(key=lambda w: (w.start, w.outage))
    return windows
