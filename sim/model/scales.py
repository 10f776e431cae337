"""Per-interval handle times: the factors on a contact's own talk and wrap-up draws.

A contact type may carry ``handle_time_scale`` and ``wrap_up_scale``
(:class:`~sim.core.scenario.ContactType`): a contact arriving in interval ``k`` talks for its
own draw times ``handle_time_scale[k]`` (before the answering group's proficiency) and
wraps up for its draw times ``wrap_up_scale[k]``. The draws are made up front as always;
only the factor depends on the arrival interval, so common random numbers hold. A
redial's interval is that of its own (later) arrival.
"""

from __future__ import annotations

import numpy as np

from sim.core.scenario import Scenario

__all__ = ["IntervalScales"]


class IntervalScales:
    """The per-interval talk and wrap-up factors of a scenario's contact types.

    Build it with :meth:`of`, which gives ``None`` when no type has a scale (then nothing
    is multiplied at all, and a run is exactly as without this feature).
    """

    __slots__ = ("interval_seconds", "last", "talk", "wrap")

    def __init__(self, scenario: Scenario) -> None:
        self.interval_seconds = scenario.interval_seconds
        self.last = scenario.intervals - 1
        # Per contact type, the factors by interval (None: 1 all day).
        self.talk: list[tuple[float, ...] | None] = [
            t.handle_time_scale for t in scenario.contact_types
        ]
        self.wrap: list[tuple[float, ...] | None] = [
            t.wrap_up_scale for t in scenario.contact_types
        ]

    @classmethod
    def of(cls, scenario: Scenario) -> IntervalScales | None:
        """The scales of ``scenario``, or ``None`` if no contact type has one."""
        if all(
            t.handle_time_scale is None and t.wrap_up_scale is None for t in scenario.contact_types
        ):
            return None
        return cls(scenario)

    def interval(self, arrival: float) -> int:
        """The interval a contact arriving at ``arrival`` seconds belongs to."""
        return min(max(int(arrival // self.interval_seconds), 0), self.last)

    def apply(self, kind: int, arrival: float, talk: float, wrap: float) -> tuple[float, float]:
        """Talk and wrap-up of a contact of type ``kind`` arriving at ``arrival``."""
        k = self.interval(arrival)
        talk_scale, wrap_scale = self.talk[kind], self.wrap[kind]
        if talk_scale is not None:
            talk *= talk_scale[k]
        if wrap_scale is not None:
            wrap *= wrap_scale[k]
        return talk, wrap

    def wrap_times(
        self, contact_type: np.ndarray, arrival: np.ndarray, wrap: np.ndarray
    ) -> np.ndarray:
        """Every contact's wrap-up after its scale (a redial slot never used keeps its draw)."""
        out = np.array(wrap, dtype=float, copy=True)
        known = ~np.isnan(arrival)
        k = np.clip(
            (np.where(known, arrival, 0.0) // self.interval_seconds).astype(np.int64),
            0,
            self.last,
        )
        for kind, scale in enumerate(self.wrap):
            if scale is None:
                continue
            mine = known & (contact_type == kind)
            out[mine] *= np.asarray(scale, dtype=float)[k[mine]]
        return out
