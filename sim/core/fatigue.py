"""Agent fatigue: sustained occupancy stretches handle time.

A group with :class:`Fatigue` talks longer when it has been busy for a while: a contact an
agent of the group starts at time ``t`` takes

    talk x (1 + beta x max(0, R(t) - theta))

where ``R(t)`` is the group's *rolling occupancy* at ``t``: at every whole minute mark
(60 s, 120 s, ... of simulated time) the model counts the group's agents on the phone
(logged in and not on a break, activity, aux or outage) and, of those, the busy ones (at
least one contact in hand); ``R(t)`` is the busy count summed over the last
:data:`ROLLING_MARKS` marks at or before ``t`` over the on-phone count summed over the same
marks (0 before the first mark, or when nobody was on the phone). It is the left Riemann sum,
at a one-minute step, of busy agent-seconds over available agent-seconds in the last hour:
the ``occupancy`` KPI's ratio over a trailing 60-minute window. Wrap-up is not stretched.

``beta = 0`` (the default) changes nothing: handle times are the same to the bit.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Fatigue", "MARK_SECONDS", "ROLLING_MARKS"]

#: Seconds between two counts of a group's busy and on-phone agents.
MARK_SECONDS = 60.0
#: Counts in the rolling window: 60 one-minute marks, the last hour.
ROLLING_MARKS = 60


@dataclass(frozen=True)
class Fatigue:
    """A group's fatigue: ``beta`` >= 0 stretches talk by ``beta`` per point of rolling
    occupancy above ``theta`` in [0, 1] (see the module)."""

    beta: float = 0.0
    theta: float = 0.85

    def __post_init__(self) -> None:
        if not self.beta >= 0:
            raise ValueError(f"fatigue beta must be >= 0, got {self.beta!r}")
        if not 0 <= self.theta <= 1:
            raise ValueError(f"fatigue theta must be in [0, 1], got {self.theta!r}")

    def factor(self, rolling_occupancy: float) -> float:
        """The talk multiplier at ``rolling_occupancy``: 1 + beta x max(0, R - theta)."""
        return 1.0 + self.beta * max(0.0, rolling_occupancy - self.theta)
