"""Agents who follow individual shifts: log-in, breaks, activities, absence, aux, log-out.

Each scheduled agent is a SimPy process walking through its day. Everything unplanned
(no-show, late log-in, early leave, aux time) is drawn for every agent before the day
starts, from streams of its group, so that it is the same whatever routing or a policy
does (common random numbers).

An off-phone item (break, lunch, activity, aux) that falls due while the agent holds a
contact starts when the agent is free; the agent takes no new contact meanwhile. The
start is recorded with its planned time, so lateness and adherence can be measured.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

import numpy as np

from sim.core.scenario import AgentGroup
from sim.core.streams import Streams
from sim.core.workforce import Absenteeism, Shift
from sim.model.states import AwayKind, ItemState

__all__ = ["AwayLog", "DayItem", "PlannedDay", "draw_unplanned", "item_arrays", "plan_days"]


@dataclass(frozen=True)
class PlannedDay:
    """One scheduled agent's day as it will happen, drawn up front.

    ``items``: (due time, kind, duration, name, latest start, cancellable) of every
    off-phone item in time order, planned ones and drawn aux time. ``login``/``logout``: actual times after lateness and
    early leave; ``present`` False for a no-show.
    """

    group: int
    shift_index: int
    shift: Shift
    present: bool
    login: float
    logout: float
    items: tuple[tuple[float, str, float, str, float, bool], ...]


class DayItem:
    """One off-phone item of one agent's day as it stands now: a policy may move or drop it.

    ``state``: an :class:`~sim.model.states.ItemState`. ``planned`` is the published due time, ``due`` the current one.
    """

    __slots__ = ("due", "kind", "duration", "name", "latest", "cancellable", "planned", "state")

    def __init__(
        self, due: float, kind: str, duration: float, name: str, latest: float, cancellable: bool
    ) -> None:
        self.due = due
        self.kind = kind
        self.duration = duration
        self.name = name
        self.latest = latest
        self.cancellable = cancellable
        self.planned = due
        self.state = ItemState.PENDING


def item_arrays(day_items: list[list[DayItem]]) -> dict[str, np.ndarray]:
    """Every scheduled day's off-phone items as they ended the day, as flat numpy arrays.

    ``item_day`` indexes the days (the world's ``days``, in order); per item, its kind
    (:class:`~sim.model.states.AwayKind`), published and final due times, duration and final
    :class:`~sim.model.states.ItemState`. An item a policy moved has ``item_due`` !=
    ``item_planned`` (a due time changes only while the item is pending, so the final one is
    the one it started at).
    """
    items = [(d, item) for d, day in enumerate(day_items) for item in day]
    return {
        "item_day": np.array([d for d, _ in items], dtype=np.int32),
        "item_kind": np.array([AwayKind.of(i.kind) for _, i in items], dtype=np.int8),
        "item_planned": np.array([i.planned for _, i in items], dtype=float),
        "item_due": np.array([i.due for _, i in items], dtype=float),
        "item_duration": np.array([i.duration for _, i in items], dtype=float),
        "item_state": np.array([i.state for _, i in items], dtype=np.int8),
    }


def draw_unplanned(
    shift: Shift, absence: Absenteeism, streams: dict[str, np.random.Generator]
) -> tuple[bool, float, float, list[tuple[float, float]]]:
    """No-show, lateness, early leave and aux times of one agent: (present, late seconds,
    early-leave seconds, aux (start, duration) pairs). Also used for the slots of groups
    staffed by counts (:mod:`sim.model.slots`).

    Each effect has its own stream and draws the same amount for every agent whatever the
    probabilities, so changing one effect never shifts another's draws.
    """
    present = bool(streams["no_show"].random() >= absence.no_show_probability)
    late = _delay_if(streams["late"], absence.late_probability, absence.late_seconds)
    early = _delay_if(
        streams["early_leave"], absence.early_leave_probability, absence.early_leave_seconds
    )
    aux: list[tuple[float, float]] = []
    if absence.aux_per_hour > 0 and absence.aux_seconds is not None:
        rng = streams["aux"]
        length = shift.end - shift.start
        count = int(rng.poisson(absence.aux_per_hour * length / 3600.0))
        times = np.sort(shift.start + rng.random(count) * length)
        lengths = absence.aux_seconds.sample(rng, count)
        aux = [(float(t), float(d)) for t, d in zip(times, lengths, strict=True)]
    return present, late, early, aux


def _delay_if(rng: np.random.Generator, probability: float, seconds) -> float:
    """Seconds of delay: a draw of ``seconds`` with ``probability``, else 0 (two draws always)."""
    happens = rng.random() < probability
    value = float(seconds.sample(rng, 1)[0]) if seconds is not None else 0.0
    return value if happens else 0.0


def plan_days(groups: tuple[AgentGroup, ...], streams: Streams) -> list[PlannedDay]:
    """Every scheduled agent's day, in order of (actual) log-in time."""
    days = []
    for g, group in enumerate(groups):
        effects = {
            effect: streams[f"{effect}:{group.name}"]
            for effect in ("no_show", "late", "early_leave", "aux")
        }
        for s, shift in enumerate(group.shifts):
            present, late, early, aux = draw_unplanned(shift, group.absenteeism, effects)
            login = min(shift.start + late, shift.end)
            logout = max(login, shift.end - early)
            items = [
                (b.earliest, b.kind, b.duration, b.kind, b.latest, False) for b in shift.breaks
            ]
            items += [
                (a.start, "activity", a.duration, a.name, a.start, a.cancellable)
                for a in shift.activities
            ]
            items += [(t, "aux", d, "aux", t, False) for t, d in aux]
            items.sort(key=lambda item: item[0])
            days.append(PlannedDay(g, s, shift, present, login, logout, tuple(items)))
    days.sort(key=lambda d: (d.login, d.group, d.shift_index))
    return days


class AwayLog:
    """Off-phone periods of scheduled agents: who, which kind, planned and actual times.

    Absence (no-show, late log-in, early leave) is logged against the group's shift index,
    with agent -1 for a no-show (who never logged in).
    """

    def __init__(self) -> None:
        self.agent = array("i")
        self.group = array("i")
        self.shift = array("i")
        self.kind = array("b")
        self.planned = array("d")
        self.start = array("d")
        self.end = array("d")

    def add(
        self, agent: int, day: PlannedDay, kind: str, planned: float, start: float, end: float
    ) -> None:
        """Record one off-phone period of a scheduled agent."""
        self.add_raw(agent, day.group, day.shift_index, kind, planned, start, end)

    def add_raw(
        self,
        agent: int,
        group: int,
        shift: int,
        kind: str,
        planned: float,
        start: float,
        end: float,
    ) -> None:
        """Record one off-phone period (``shift`` -1 for an agent staffed by counts)."""
        self.agent.append(agent)
        self.group.append(group)
        self.shift.append(shift)
        self.kind.append(AwayKind.of(kind))
        self.planned.append(planned)
        self.start.append(start)
        self.end.append(end)

    def arrays(self) -> dict[str, np.ndarray]:
        """The log as numpy arrays (copies)."""
        return {
            "away_agent": np.array(self.agent, dtype=np.int32),
            "away_group": np.array(self.group, dtype=np.int32),
            "away_shift": np.array(self.shift, dtype=np.int32),
            "away_kind": np.array(self.kind, dtype=np.int8),
            "away_planned": np.array(self.planned, dtype=float),
            "away_start": np.array(self.start, dtype=float),
            "away_end": np.array(self.end, dtype=float),
        }
