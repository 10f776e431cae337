"""The contract between realtime policies and the model.

What a policy sees (:class:`RealtimeView`: queues, agent groups and the schedule ahead at one
moment) and what it can ask the model to do (the actions). A policy returns a list of actions;
the model applies each after the policy's latency (the time an analyst needs to notice,
decide and click) and records it in ``actions.csv`` with the columns :data:`ACTION_COLUMNS`.
Actions name agents, groups and contact types the way the realtime view shows them.
An action that no longer makes sense when its latency has passed (the break has started,
no agent is idle any more) is recorded as applied to zero agents.

The view is built by the model from its current state only: counters of what has happened
so far, the queues as they are, agents' states now and the published schedule ahead. Nothing
drawn for the future (arrival times, handle times, patience, absences still to come) is ever
read, so a policy cannot see the future.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

from sim.core.scenario import Scenario
from sim.units import clock

__all__ = [
    "ACTION_COLUMNS",
    "DayPlan",
    "GroupPlan",
    "RealtimePolicy",
    "TypePlan",
    "expected_wait_seconds",
    "GroupView",
    "QueueView",
    "RealtimeView",
    "UpcomingItem",
    "Action",
    "CallOvertime",
    "OVERTIME_LEVERS",
    "CancelItem",
    "OfferCallbacks",
    "OfferVTO",
    "Outsource",
    "PostponeItem",
    "SetPreference",
]

#: Columns of one action record (``actions.csv`` adds policy and replication).
ACTION_COLUMNS = ("decided_at", "applied_at", "action", "target", "agents", "cost", "reason")


@dataclass(frozen=True)
class QueueView:
    """One contact type as the wallboard shows it.

    ``service_level_interval``: contacts answered within the threshold over contacts
    answered or abandoned since the current interval began (NaN if none yet);
    ``service_level_day`` the same since the day began. ``offered_interval`` /
    ``forecast_interval_to_date``: contacts that arrived in the current interval so far and
    the forecast pro rata to now. ``agents_serving``: agents of the groups with the skill who
    are on the phone (not on a break, activity, aux or outage, not leaving).
    ``expected_wait_seconds``: the wallboard estimate for a contact arriving now,
    :func:`expected_wait_seconds` (Erlang A) on those agents (for chat, times the chats each
    may hold) with the type's mean work and patience. ``answered_in_threshold_day`` / ``decided_day``: the counts behind
    ``service_level_day`` (contacts answered within the threshold; answered or abandoned),
    so that a policy can difference them over any window of its own.
    """

    name: str
    channel: str
    waiting: int
    oldest_wait_seconds: float
    offered_interval: int
    forecast_interval: float
    forecast_interval_to_date: float
    offered_day: int
    forecast_day_to_date: float
    service_level_interval: float
    service_level_day: float
    threshold_seconds: float
    target: float
    expected_wait_seconds: float
    agents_serving: int
    forecast_next_interval: float
    callbacks_waiting: int
    answered_in_threshold_day: int = 0
    decided_day: int = 0


@dataclass(frozen=True)
class GroupView:
    """One agent group now: how many agents are in each state.

    Every logged-in agent is in exactly one of available (idle, or chatting with room for
    more), busy (talking or chatting at capacity), wrap_up, on_break (break or lunch),
    in_activity, aux, offline (outage) or leaving (finishing a last contact).
    ``absent``: agents whose shift covers now but who are not logged in (no-show, late,
    early leave); for a group staffed by counts with absenteeism, the table's agents due
    now who are not on the phone (no-show, late, left early, aux: such agents log out).
    ``scheduled``: agents the plan has on the phone this interval.
    ``on_phone_ahead[j]``: agents expected on the phone in interval ``interval + j`` (j = 0:
    the rest of the current interval), from what is known now: the schedule as it stands
    (breaks and activities at their current times, moved or dropped ones where the analyst
    put them), less agents known absent or sent home, plus overtime and shift extensions
    accepted; for groups staffed by counts, the table (less no-shows once their day has
    begun and early leavers once gone) plus overtime less time off. Absence
    still to come (a late log-in not yet noticed, aux time) is not known and not counted.
    ``shift_ends``: when the shifts of the group's agents at work or still due today end,
    in order (empty for groups staffed by counts). ``rolling_occupancy``: the group's busy
    over on-phone agents, counted at each whole minute of the last hour
    (:mod:`sim.core.fatigue`), as of the last whole minute.
    """

    name: str
    skills: tuple[str, ...]
    logged_in: int
    available: int
    busy: int
    wrap_up: int
    on_break: int
    in_activity: int
    aux: int
    offline: int
    leaving: int
    absent: int
    scheduled: float
    overtime: int
    scheduled_by_counts: bool
    on_phone_ahead: tuple[float, ...] = ()
    shift_ends: tuple[float, ...] = ()
    rolling_occupancy: float = math.nan


@dataclass(frozen=True)
class UpcomingItem:
    """A scheduled agent's break, lunch or activity that has not started yet.

    ``item_id`` names it in actions. ``due`` is when it is planned now (a policy may have
    moved it from ``planned``); a break may start as late as ``latest_start``.
    ``shift_end``: when the agent's shift ends.
    """

    item_id: tuple[int, int]
    agent: str
    group: str
    kind: str
    name: str
    due: float
    duration: float
    planned: float
    latest_start: float
    cancellable: bool
    shift_end: float = math.inf


@dataclass(frozen=True)
class TypePlan:
    """What the plan says of one contact type, known before the day starts.

    ``forecast[j]``: expected contacts in interval ``j`` (the plan's forecast, not the day's
    realised demand). ``mean_work_seconds``: mean talk plus wrap-up.
    ``mean_patience_seconds``: mean patience (inf: never abandons, e.g. email).
    """

    name: str
    channel: str
    forecast: tuple[float, ...]
    mean_work_seconds: float
    mean_patience_seconds: float
    threshold_seconds: float
    target: float


@dataclass(frozen=True)
class GroupPlan:
    """What the plan says of one agent group.

    ``skills``: (contact type, preference level, proficiency) in preference order.
    ``scheduled[j]``: agents planned on the phone in interval ``j``. ``overflow_delay``:
    per contact type it serves, seconds a contact waits before the group may take it (0 for
    its own queues). ``hourly_cost``: per logged-in hour, before any overtime premium.
    """

    name: str
    skills: tuple[tuple[str, int, float], ...]
    chat_concurrency: int
    scheduled: tuple[float, ...]
    by_counts: bool
    overflow_delay: dict[str, float]
    hourly_cost: float


@dataclass(frozen=True)
class DayPlan:
    """The plan of the day: forecasts, skills and staffing, the same at every check."""

    interval_seconds: float
    intervals: int
    horizon_seconds: float
    start_clock_seconds: float
    types: dict[str, TypePlan]
    groups: dict[str, GroupPlan]
    overtime_premium: float

    def clock(self, seconds: float) -> str:
        """The wall clock ``HH:MM`` at ``seconds`` from time 0."""
        return clock(self.start_clock_seconds + seconds)


@dataclass(frozen=True)
class RealtimeView:
    """Everything a policy may know at time ``now`` (seconds from time 0)."""

    now: float
    clock: str
    interval: int
    interval_seconds: float
    horizon_seconds: float
    queues: dict[str, QueueView]
    groups: dict[str, GroupView]
    upcoming: tuple[UpcomingItem, ...]
    overtime_hours_called: float
    vto_hours_granted: float
    plan: DayPlan

    def seconds_to_interval_end(self) -> float:
        """Seconds left in the current interval."""
        return (self.interval + 1) * self.interval_seconds - self.now


@dataclass(frozen=True)
class Action:
    """Base of every action; ``reason`` is the analyst's note, kept in ``actions.csv``."""

    reason: str = ""

    @property
    def kind(self) -> str:
        """The action's name in ``actions.csv``."""
        return _KIND[type(self)]


@dataclass(frozen=True)
class PostponeItem(Action):
    """Move a scheduled agent's upcoming break, lunch or activity to start at ``until``
    (seconds from time 0), later or earlier. A break or lunch moves only within its window:
    no later than its latest start, no earlier than its planned start less the window's
    width (a fixed break does not move), never into the past. A cancellable activity moves
    anywhere from now on; one that no longer fits before the end of the shift is dropped
    for the day."""

    item: tuple[int, int] = (-1, -1)  # UpcomingItem.item_id
    until: float = 0.0


@dataclass(frozen=True)
class CancelItem(Action):
    """Cancel a scheduled agent's upcoming cancellable activity for the day."""

    item: tuple[int, int] = (-1, -1)


@dataclass(frozen=True)
class SetPreference(Action):
    """Set the preference level at which ``group`` serves ``contact_type`` (1 = first).

    The group must already have the skill; ``level=None`` restores the planned level (and
    the planned overflow delay). ``immediate``: the group may also take the type's contacts
    at once, without waiting for the overflow delay (idle agents of the group take waiting
    contacts right away)."""

    group: str = ""
    contact_type: str = ""
    level: int | None = None
    immediate: bool = False


#: The two ways to get overtime: keep agents on after their shift, or phone agents off today.
OVERTIME_LEVERS: tuple[str, ...] = ("call_in", "extension")


@dataclass(frozen=True)
class CallOvertime(Action):
    """Ask ``agents`` agents of ``group`` for ``hours`` of overtime; each accepts with
    ``acceptance_probability``. Accepted hours cost the group's rate plus the premium;
    ``min_paid_hours``: each accepted call-in is paid at least this many hours.

    ``lever`` "call_in": agents off today come in at ``start_at`` (seconds from time 0;
    ``None``: ``lead_minutes`` after the action applies; never earlier than that).
    ``lever`` "extension": agents on shift today whose shift ends soonest at or after
    ``start_at`` (``None``: now) stay on ``hours`` past their shift end; a group staffed by
    counts keeps ``agents`` more agents from ``start_at`` for ``hours``."""

    group: str = ""
    agents: int = 0
    hours: float = 1.0
    lead_minutes: float = 0.0
    acceptance_probability: float = 1.0
    start_at: float | None = None
    lever: str = "call_in"
    min_paid_hours: float = 0.0


@dataclass(frozen=True)
class OfferVTO(Action):
    """Offer voluntary time off to up to ``agents`` agents of ``group``; each accepts with
    ``acceptance_probability``, for ``hours`` (``None``: the rest of the day; an agent on a
    shift at most to its end, then back on the phone). Agents on shifts are asked only when
    idle and leave at once; agents of a group staffed by counts finish what they hold."""

    group: str = ""
    agents: int = 0
    hours: float | None = None
    acceptance_probability: float = 1.0


@dataclass(frozen=True)
class OfferCallbacks(Action):
    """From now on, offer a callback to each arriving ``contact_type`` contact whose
    expected wait exceeds ``above_wait_seconds`` (``None``: stop offering). Accepted
    callbacks wait in their own queue, served when no live contact waits for the agent,
    and are judged against ``threshold_seconds`` (their own service level)."""

    contact_type: str = ""
    above_wait_seconds: float | None = None
    acceptance_probability: float = 1.0
    threshold_seconds: float = 3600.0


@dataclass(frozen=True)
class Outsource(Action):
    """From now on, hand every ``contact_type`` contact that has waited
    ``after_wait_seconds`` to the outsourcer (``None``: stop). ``capacity_per_interval``:
    the partner takes at most this many contacts per interval (``None``: no limit); beyond
    it contacts stay in the queue."""

    contact_type: str = ""
    after_wait_seconds: float | None = None
    capacity_per_interval: int | None = None


_KIND: dict[type, str] = {
    PostponeItem: "postpone_item",
    CancelItem: "cancel_item",
    SetPreference: "set_preference",
    CallOvertime: "call_overtime",
    OfferVTO: "offer_vto",
    OfferCallbacks: "offer_callbacks",
    Outsource: "outsource",
}


class RealtimePolicy(Protocol):
    """What the model asks of a policy (:class:`sim.policies.base.Policy` implements it)."""

    @property
    def check_interval_seconds(self) -> float | None:
        """Seconds between two looks at the day, or ``None`` for never."""

    @property
    def latency_seconds(self) -> float:
        """Seconds from a decision to its effect."""

    def decide(self, view: RealtimeView) -> list[Action]:
        """The actions to take given what the analyst sees now."""

    def check(self, scenario: Scenario) -> list[tuple[str, Any, str]]:
        """(parameter, value, what is allowed) for every parameter that does not fit
        ``scenario`` (e.g. a contact type it lacks); empty if all is well."""


def expected_wait_seconds(
    waiting: int,
    mean_work_seconds: float,
    agents_serving: float,
    mean_patience_seconds: float = math.inf,
) -> float:
    """The one expected-wait estimate of ccsim (Erlang A on the agents actually serving):
    what a contact arriving now behind ``waiting`` others would wait if it never hung up,
    when ``agents_serving`` agents (chat: agents x chats each may hold) each clear one
    contact per ``mean_work_seconds`` (talk plus wrap-up) and each contact ahead hangs up
    at rate 1 / ``mean_patience_seconds``: the sum over i = 0..waiting of
    1 / (agents / mean work + i / mean patience). Without abandonment this is
    (waiting + 1) x mean work / agents; inf if no agent serves. The view shows it, and the
    callback offer and every policy use it.
    """
    if agents_serving <= 0:
        return math.inf
    service_rate = agents_serving / mean_work_seconds
    if math.isinf(mean_patience_seconds):
        return (waiting + 1) / service_rate
    hang_up = 1.0 / mean_patience_seconds
    return sum(1.0 / (service_rate + i * hang_up) for i in range(waiting + 1))
