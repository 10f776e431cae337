"""Schedules and absenteeism: the data of agents who work individual shifts.

Times are seconds from the scenario's time 0. The model side is :mod:`sim.model.workdays`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.core.distributions import Distribution

__all__ = ["BREAK_KINDS", "Absenteeism", "Activity", "Break", "Shift"]


#: Off-phone states a schedule can plan.
BREAK_KINDS: tuple[str, ...] = ("break", "lunch")


@dataclass(frozen=True)
class Break:
    """A planned break or lunch: taken at ``earliest`` (seconds from time 0), or later up to
    ``latest`` if a realtime policy delays it (``latest == earliest``: fixed), for ``duration``."""

    kind: str
    earliest: float
    latest: float
    duration: float


@dataclass(frozen=True)
class Activity:
    """A planned off-phone activity (training, meeting, coaching, back office).

    ``cancellable``: whether a realtime policy may cancel or move it.
    """

    name: str
    start: float
    duration: float
    cancellable: bool = True


@dataclass(frozen=True)
class Shift:
    """One agent's day: logged in from ``start`` to ``end`` (seconds from time 0)."""

    agent: str
    start: float
    end: float
    breaks: tuple[Break, ...] = ()
    activities: tuple[Activity, ...] = ()


@dataclass(frozen=True)
class Absenteeism:
    """What happens to a group's scheduled agents that the plan did not foresee.

    Each agent independently: does not show for the day (``no_show_probability``); logs in
    late (``late_probability``, by ``late_seconds``); leaves early
    (``early_leave_probability``, by ``early_leave_seconds``); takes unplanned aux time at
    ``aux_per_hour`` occurrences per logged-in hour, each lasting ``aux_seconds``.
    """

    no_show_probability: float = 0.0
    late_probability: float = 0.0
    late_seconds: Distribution | None = None
    early_leave_probability: float = 0.0
    early_leave_seconds: Distribution | None = None
    aux_per_hour: float = 0.0
    aux_seconds: Distribution | None = None

    @property
    def any(self) -> bool:
        """Whether anything unplanned can happen at all."""
        return bool(
            self.no_show_probability
            or self.late_probability
            or self.early_leave_probability
            or self.aux_per_hour
        )
