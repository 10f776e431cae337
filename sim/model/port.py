"""The world as its components see it: the explicit interface between the contact flow
(:class:`~sim.model.world.ContactCenter`) and the parts that act on it (outages and redials,
repeats and escalations, the realtime analyst's interventions, the realtime view).

A structural type: the world satisfies it without importing this module, so components can
name what they use without importing the world (no import circle).
"""

from __future__ import annotations

from array import array
from typing import Protocol

import simpy

from sim.core.scenario import Scenario
from sim.model.agent import Agent
from sim.model.draws import ContactDraws
from sim.model.routing import Router
from sim.model.slots import CountAbsence
from sim.model.workdays import AwayLog, DayItem, PlannedDay

__all__ = ["World"]


class World(Protocol):
    """What components read and call on the world of one replication."""

    scenario: Scenario
    env: simpy.Environment
    router: Router
    contacts: ContactDraws
    # Per contact, indexed by contact: arrival time, type, outcome.
    arrival: list[float]
    state: bytearray
    queued: bytearray
    callback: bytearray
    dropped: bytearray
    resolved_at: array
    work: array
    talk_end: array
    after_talk: bytearray
    in_system: int
    talk_until: dict[int, float]
    offered_so_far: list[int]
    # Agents and their days.
    agents: list[Agent]
    agent_day: list[int]
    days: list[PlannedDay]
    day_items: list[list[DayItem]]
    day_agent: list[int]
    sent_home: list[bool]
    staff_offset: list[int]
    count_absence: list[CountAbsence | None]
    away_log: AwayLog

    @property
    def now(self) -> float: ...

    def rolling_occupancy(self, g: int) -> float:
        """Group ``g``'s rolling 60-minute occupancy as of the last whole minute."""

    def admit(self, i: int, transfer: bool = False) -> None:
        """Contact ``i`` calls in (``transfer``: handed on by an agent, already connected)."""

    def finish(self, agent: Agent, i: int, after: float) -> None:
        """``agent`` finishes contact ``i`` ``after`` seconds from now."""

    def release(self, agent: Agent, i: int) -> None:
        """``agent`` is done with contact ``i``."""

    def serve_next(self, agent: Agent) -> None:
        """Give a free agent waiting work, then list it as available."""

    def free_line(self, i: int) -> None:
        """Contact ``i`` no longer holds a line."""

    def log_in(self, group: int) -> Agent:
        """A new agent of ``group`` logs in."""

    def log_out(self, agent: Agent) -> None:
        """``agent`` logs out now."""

    def current_staffing(self, g: int) -> int:
        """Agents count-staffed group ``g`` should have logged in now."""

    def set_staff(self, group: int, target: int) -> None:
        """Log agents of count-staffed ``group`` in or out to reach ``target``."""

    def item_moved(self, day_index: int) -> None:
        """An off-phone item of scheduled day ``day_index`` was brought forward."""
