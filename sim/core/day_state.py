"""The state of a day at a moment: where a simulation continues from (a snapshot).

A realtime analyst at 11:20 knows the contacts waiting and how long each has waited, the
agents logged in and what each is doing, and the day's figures so far. A
:class:`DayState` holds exactly that; the model starts the day at ``at_seconds`` from it
(:mod:`sim.model.resume`), and the day's KPIs add the figures so far (``type_actuals``,
``group_actuals``: per interval, the sums the KPIs are built from, see
:data:`TYPE_ACTUALS` and :data:`GROUP_ACTUALS`) to those of the simulated rest.

Everything here is what an observer knows at that moment: no contact's remaining
patience or handle time. Those are drawn when the day continues, given how long the
contact has already waited or been in contact.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "COUNT_ACTUALS",
    "GROUP_ACTUALS",
    "SNAPSHOT_FORMAT",
    "TYPE_ACTUALS",
    "AgentState",
    "DayState",
    "WaitingContact",
    "not_continuable",
]

#: The format a snapshot file declares (its ``"format"``): the document
#: ``run.snapshot_at`` writes and ``scenario.snapshot_file`` reads.
SNAPSHOT_FORMAT = "ccsim-snapshot-1"

#: The figures so far per contact type and interval (the interval the contacts arrived
#: in): contacts offered (including those still waiting), answered, abandoned, answered
#: within the type's threshold, abandoned within the short-abandon threshold, that had to
#: queue; seconds waited by the answered and by the abandoned ones; the handle seconds of
#: the contacts whose work has ended (``handled`` of them); seconds spent in the queue
#: within the interval.
TYPE_ACTUALS: tuple[str, ...] = (
    "offered",
    "answered",
    "abandoned",
    "answered_within_threshold",
    "short_abandoned",
    "queued",
    "wait_answered_seconds",
    "wait_abandoned_seconds",
    "handled",
    "handle_seconds",
    "queue_seconds",
)

#: The figures so far per agent group and interval (the interval the time fell in; the
#: contacts by the interval they arrived in): contacts its agents answered, whose work
#: ended (``handled``) and its handle seconds; agent-seconds busy, logged in and off the
#: phone (breaks, activities, aux, outages).
GROUP_ACTUALS: tuple[str, ...] = (
    "answered",
    "handled",
    "handle_seconds",
    "busy_seconds",
    "logged_in_seconds",
    "away_seconds",
)

#: The figures (of either kind) that count contacts, whole numbers; the others are seconds.
COUNT_ACTUALS = frozenset(
    name for name in TYPE_ACTUALS + GROUP_ACTUALS if not name.endswith("_seconds")
)


@dataclass(frozen=True)
class WaitingContact:
    """A contact waiting at the moment: its type (index into ``Scenario.contact_types``)
    and when it arrived (seconds from time 0; before the moment; negative for one carried
    over from an earlier day of a week, counting its open hours only). ``overnight``: carried
    over from an earlier day (counted there; here only its work and its time in the queue).
    ``callback``: it accepted a callback (it waits to be called back, not in the queue)."""

    contact_type: int
    arrived_at: float
    overnight: bool = False
    callback: bool = False


@dataclass(frozen=True)
class AgentState:
    """A logged-in agent at the moment: its group (index into ``Scenario.groups``), the
    contacts in hand as (contact type index, seconds since the agent took it) pairs (empty:
    available), the seconds left of an off-phone item it is on (0: on the phone), and
    whether it logs out once the contacts in hand are done (``leaving``: its shift is over).
    ``chats_before``: per contact in hand, how many other chats the agent held when it took
    it (a chat's handle time stretches with them); empty: its place among those in hand."""

    group: int
    in_contact: tuple[tuple[int, float], ...] = ()
    away_seconds_left: float = 0.0
    leaving: bool = False
    chats_before: tuple[int, ...] = ()


@dataclass(frozen=True)
class DayState:
    """The day at ``at_seconds`` (seconds from time 0): contacts waiting, agents logged
    in, and the figures so far.

    ``type_actuals`` has shape (len(TYPE_ACTUALS), contact types, intervals) and
    ``group_actuals`` (len(GROUP_ACTUALS), groups, intervals): per interval, the sums of
    the contacts and agent time before ``at_seconds``. ``source``: where it came from (a
    file's path, or the run and replication that wrote it), for messages.
    """

    at_seconds: float
    waiting: tuple[WaitingContact, ...]
    agents: tuple[AgentState, ...]
    type_actuals: np.ndarray = field(compare=False)
    group_actuals: np.ndarray = field(compare=False)
    source: str = ""

    def actual(self, name: str) -> np.ndarray:
        """One figure so far per contact type and interval (a :data:`TYPE_ACTUALS` name)."""
        return self.type_actuals[TYPE_ACTUALS.index(name)]

    def group_actual(self, name: str) -> np.ndarray:
        """One figure so far per group and interval (a :data:`GROUP_ACTUALS` name)."""
        return self.group_actuals[GROUP_ACTUALS.index(name)]

    def __repr__(self) -> str:
        # The fingerprint of a run (its repr) must change with the figures too.
        return (
            f"DayState(at_seconds={self.at_seconds!r}, waiting={self.waiting!r}, "
            f"agents={self.agents!r}, type_actuals={self.type_actuals.tolist()!r}, "
            f"group_actuals={self.group_actuals.tolist()!r})"
        )


def not_continuable(scenario) -> list[str]:
    """What in ``scenario`` a day cannot yet continue from a :class:`DayState` with, one
    phrase each (empty: it can). These carry state a snapshot does not hold: agents on
    individual shifts (their schedules and unplanned absence so far), outages, redials and
    repeats or escalations still to come, lines held (``trunks``) and fatigue (the last
    hour's occupancy)."""
    problems = []
    scheduled = [g.name for g in scenario.groups if g.scheduled]
    if scheduled:
        problems.append(f"agents on individual shifts (groups {', '.join(scheduled)})")
    if scenario.outages:
        problems.append("outages")
    if scenario.redials.on:
        problems.append("redials")
    follow = [
        t.name
        for t in scenario.contact_types
        if not t.resolution.always or t.escalation is not None or t.problem_value is not None
    ]
    if follow:
        problems.append(f"repeats or escalations (contact types {', '.join(follow)})")
    if scenario.trunks is not None:
        problems.append("a line limit (trunks)")
    tired = [g.name for g in scenario.groups if g.fatigue is not None]
    if tired:
        problems.append(f"fatigue (groups {', '.join(tired)})")
    return problems
