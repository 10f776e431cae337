"""Unplanned absence of groups staffed by counts: the staffing table read as slots.

Slot ``i`` of a count-staffed group is the table's ``i``-th agent: it is due on the phone in
interval ``k`` when ``i < staffing[k]``. Its day runs from the start of its first such
interval to the end of its last (gaps in between, where the table has fewer agents, stay
gaps). Each slot gets the draws a scheduled agent's shift gets
(:func:`~sim.model.workdays.draw_unplanned`), once per day, before the day starts:

* no-show: the slot is absent the whole day (one draw per slot, so a no-show is the same
  person missing all day, not a fresh coin per interval);
* late log-in: the slot's day starts later by a draw; early leave: it ends earlier;
* aux: unplanned off-phone periods at ``aux_per_hour`` per hour of the slot's day.

The group's target in interval ``k`` at time ``t`` is then the number of slots
``i < staffing[k]`` present at ``t`` (the world adds overtime and time off). The agents are
anonymous: when the target drops, the world logs out an idle agent, or a busy one after its
contact, as at any staffing change; aux time is such a drop and a log-in when it ends.

Draws come from streams of their own, ``count_<effect>:<group>`` (``no_show``, ``late``,
``early_leave``, ``aux``), the same number whatever the probabilities, so common random
numbers hold; a group without absenteeism draws nothing (its table applies as is).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from sim.core.scenario import AgentGroup
from sim.core.streams import Streams
from sim.core.workforce import Absenteeism, Shift
from sim.model.workdays import draw_unplanned

__all__ = ["CountAbsence", "plan_count_absence"]

_EPSILON = 1e-6  # seconds: a time read from the event clock may be a rounding short


class CountAbsence:
    """The drawn absence of one count-staffed group's slots for one day.

    ``changes``: the times inside intervals (not at their starts) at which the number of
    slots on the phone changes; at interval starts the staffing process looks anyway.
    """

    __slots__ = (
        "staffing",
        "interval_seconds",
        "start",
        "end",
        "present",
        "login",
        "logout",
        "aux",
        "changes",
        "_times",
        "_counts",
    )

    def __init__(
        self,
        staffing: Sequence[int],
        interval_seconds: float,
        absence: Absenteeism,
        name: str,
        streams: Streams,
    ) -> None:
        self.staffing = tuple(staffing)
        self.interval_seconds = length = interval_seconds
        n = len(self.staffing)
        effects = {
            effect: streams[f"count_{effect}:{name}"]
            for effect in ("no_show", "late", "early_leave", "aux")
        }
        self.start: list[float] = []
        self.end: list[float] = []
        self.present: list[bool] = []
        self.login: list[float] = []
        self.logout: list[float] = []
        self.aux: list[tuple[tuple[float, float], ...]] = []
        for i in range(max(self.staffing, default=0)):
            ks = [k for k in range(n) if i < self.staffing[k]]
            start, end = ks[0] * length, (ks[-1] + 1) * length
            present, late, early, aux = draw_unplanned(
                Shift(f"{name}#{i}", start, end), absence, effects
            )
            login = min(start + late, end)
            self.start.append(start)
            self.end.append(end)
            self.present.append(present)
            self.login.append(login)
            self.logout.append(max(login, end - early))
            self.aux.append(tuple((t, t + d) for t, d in aux))
        boundaries = {k * length for k in range(n)}
        inside = {
            t
            for i in range(len(self.present))
            for t in (self.login[i], self.logout[i], *(x for w in self.aux[i] for x in w))
            if 0 < t < n * length and t not in boundaries
        }
        self.changes = tuple(sorted(inside))
        self._times = sorted(boundaries | inside)
        self._counts = [self._count(t) for t in self._times]

    def _interval(self, t: float) -> int:
        return min(max(int(t // self.interval_seconds), 0), len(self.staffing) - 1)

    def _on(self, i: int, t: float) -> bool:
        if not self.present[i] or not self.login[i] <= t < self.logout[i]:
            return False
        return not any(a <= t < b for a, b in self.aux[i])

    def _count(self, t: float) -> int:
        return sum(1 for i in range(self.staffing[self._interval(t)]) if self._on(i, t))

    def on_phone(self, t: float) -> int:
        """Slots due now (``i < staffing[k]``) that are on the phone at time ``t``."""
        j = max(bisect_right(self._times, t + _EPSILON) - 1, 0)
        return self._counts[j] if self._times else 0

    def absent(self, t: float) -> int:
        """Slots due at ``t`` but not on the phone: no-show, not logged in yet (late), left
        early, or in aux time."""
        due = self.staffing[self._interval(t)] if self.staffing else 0
        return due - self.on_phone(t)

    def gone(self, t: float, k: int) -> int:
        """Slots due in interval ``k`` known at ``t`` to be away for the rest of the day: a
        no-show once its day has begun, an early leaver once it has left."""
        return sum(
            1
            for i in range(self.staffing[k])
            if (not self.present[i] and t >= self.start[i])
            or (self.logout[i] < self.end[i] and t >= self.logout[i])
        )


def plan_count_absence(
    groups: Sequence[AgentGroup], intervals: int, interval_seconds: float, streams: Streams
) -> list[CountAbsence | None]:
    """Per group, the drawn absence of its slots; ``None`` for a group on a schedule or one
    with no absenteeism configured (nothing is drawn for it)."""
    return [
        CountAbsence(
            [int(s) for s in group.staffing[:intervals]],
            interval_seconds,
            group.absenteeism,
            group.name,
            streams,
        )
        if not group.scheduled and group.absenteeism.any
        else None
        for group in groups
    ]
