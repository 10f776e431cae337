"""Each group's rolling 60-minute occupancy, counted at every whole minute.

:class:`RollingOccupancy` is a SimPy process that wakes at every whole minute mark and
counts, per group, the agents on the phone (logged in, not on a break, activity, aux or
outage) and the busy ones among them (at least one contact in hand). A ring of the last
:data:`~sim.core.fatigue.ROLLING_MARKS` counts per group and its running sums give the
rolling occupancy (:mod:`sim.core.fatigue`) in O(1) per look; a contact's start reads a
factor cached at the mark. The cost is one count of each group's agents a minute, nothing
per contact.

The process only reads the world: it changes no state and draws nothing, so a run with it
gives the same results as one without it (its own timeouts interleave with the day's events
without reordering them). It runs when a group has fatigue or a realtime policy is consulted
(the view shows the rolling occupancy).
"""

from __future__ import annotations

import numpy as np

from sim.core.fatigue import MARK_SECONDS, ROLLING_MARKS
from sim.model.port import World

__all__ = ["RollingOccupancy"]


class RollingOccupancy:
    """The rolling occupancy of every group of ``world`` (see the module); start with
    :meth:`start`, read :meth:`occupancy` and :meth:`talk_factor`, and after the run the
    per-mark records :attr:`occupancy_at_mark` and :attr:`logged_in_at_mark`."""

    def __init__(self, world: World) -> None:
        self.world = world
        groups = world.scenario.groups
        n = len(groups)
        self.fatigue = [g.fatigue for g in groups]
        self._busy = [[0] * ROLLING_MARKS for _ in range(n)]
        self._on_phone = [[0] * ROLLING_MARKS for _ in range(n)]
        self._sum_busy = [0] * n
        self._sum_on_phone = [0] * n
        self._slot = 0
        self.current = [0.0] * n  # rolling occupancy as of the last mark
        # Talk multiplier per group as of the last mark (None: the group has no stretch).
        self.factor: list[float | None] = [None] * n
        # Marks at whole minutes up to the horizon; one at the horizon is counted by
        # :meth:`finish`, after the day's last event.
        marks = int(world.scenario.horizon_seconds // MARK_SECONDS)
        #: Per group and mark m (at (m + 1) minutes): the rolling occupancy there.
        self.occupancy_at_mark = np.zeros((n, marks))
        #: Per group and mark: agents logged in at the mark.
        self.logged_in_at_mark = np.zeros((n, marks))

    def start(self) -> None:
        """Start counting at the first whole minute."""
        if self.occupancy_at_mark.shape[1]:
            self.world.env.process(self._count())

    def occupancy(self, g: int) -> float:
        """Group ``g``'s rolling occupancy as of the last mark (0 before the first)."""
        return self.current[g]

    def talk_factor(self, g: int) -> float | None:
        """What a talk group ``g`` starts now is multiplied by; ``None``: nothing (no
        fatigue, or ``beta`` = 0)."""
        return self.factor[g]

    def finish(self) -> None:
        """At the horizon, after the run: count the mark at the horizon, if there is one
        (the run stops before events due at the horizon)."""
        marks = self.occupancy_at_mark.shape[1]
        if marks and marks * MARK_SECONDS >= self.world.scenario.horizon_seconds:
            self._mark(marks - 1)

    def _count(self):
        env = self.world.env
        horizon = self.world.scenario.horizon_seconds
        first = int(env.now // MARK_SECONDS)  # 0, or the minute a continued day starts in
        for m in range(first, self.occupancy_at_mark.shape[1]):
            if (m + 1) * MARK_SECONDS >= horizon:
                return  # counted by finish()
            yield env.timeout((m + 1) * MARK_SECONDS - env.now)
            self._mark(m)

    def _mark(self, m: int) -> None:
        """Count every group's agents at mark ``m`` and update the rolling figures."""
        world = self.world
        slot = self._slot
        self._slot = (slot + 1) % ROLLING_MARKS
        for g, members in enumerate(world.router.logged_in):
            on_phone = busy = 0
            for agent in members.values():
                if agent.doing is None and not agent.offline:
                    on_phone += 1
                    if agent.sessions > 0:
                        busy += 1
            self._sum_busy[g] += busy - self._busy[g][slot]
            self._sum_on_phone[g] += on_phone - self._on_phone[g][slot]
            self._busy[g][slot] = busy
            self._on_phone[g][slot] = on_phone
            den = self._sum_on_phone[g]
            value = self._sum_busy[g] / den if den > 0 else 0.0
            self.current[g] = value
            self.occupancy_at_mark[g, m] = value
            self.logged_in_at_mark[g, m] = len(members)
            fatigue = self.fatigue[g]
            if fatigue is not None and fatigue.beta > 0:
                self.factor[g] = fatigue.factor(value)
