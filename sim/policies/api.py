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

__all__ = [
    "ACTION_COLUMNS",
    "RealtimePolicy",
    "expected_wait_seconds",
    "GroupView",
    "QueueView",
    "RealtimeView",
    "UpcomingItem",
    "Action",
    "CallOvertime",
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
    the forecast pro rata to now. ``expected_wait_seconds``: the wallboard estimate for a
    contact arriving now, :func:`expected_wait_seconds` with ``agents_serving`` (agents of the
    groups with the skill who are on the phone: not on a break, activity, aux or outage, not
    leaving).
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


@dataclass(frozen=True)
class GroupView:
    """One agent group now: how many agents are in each state.

    Every logged-in agent is in exactly one of available (idle, or chatting with room for
    more), busy (talking or chatting at capacity), wrap_up, on_break (break or lunch),
    in_activity, aux, offline (outage) or leaving (finishing a last contact).
    ``absent``: agents whose shift covers now but who are not logged in (no-show, late,
    early leave). ``scheduled``: agents the plan has on the phone this interval.
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


@dataclass(frozen=True)
class UpcomingItem:
    """A scheduled agent's break, lunch or activity that has not started yet.

    ``item_id`` names it in actions. ``due`` is when it is planned now (a policy may have
    moved it from ``planned``); a break may start as late as ``latest_start``.
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
    (seconds from time 0). Breaks move only within their allowed window; activities only if
    cancellable, and not past the end of the shift (it is then dropped for the day)."""

    item: tuple[int, int] = (-1, -1)  # UpcomingItem.item_id
    until: float = 0.0


@dataclass(frozen=True)
class CancelItem(Action):
    """Cancel a scheduled agent's upcoming cancellable activity for the day."""

    item: tuple[int, int] = (-1, -1)


@dataclass(frozen=True)
class SetPreference(Action):
    """Set the preference level at which ``group`` serves ``contact_type`` (1 = first).

    The group must already have the skill; ``level=None`` restores the planned level."""

    group: str = ""
    contact_type: str = ""
    level: int | None = None


@dataclass(frozen=True)
class CallOvertime(Action):
    """Ask ``agents`` agents of ``group`` to work ``hours`` of overtime, starting
    ``lead_minutes`` after the action applies; each accepts with
    ``acceptance_probability``. Accepted hours cost the group's rate plus the premium."""

    group: str = ""
    agents: int = 0
    hours: float = 1.0
    lead_minutes: float = 0.0
    acceptance_probability: float = 1.0


@dataclass(frozen=True)
class OfferVTO(Action):
    """Offer voluntary time off to up to ``agents`` idle agents of ``group``; each accepts
    with ``acceptance_probability``. Agents on shifts leave for the rest of their shift;
    agents staffed by counts for ``hours`` (or the rest of the day if None)."""

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
    ``after_wait_seconds`` to the outsourcer (``None``: stop)."""

    contact_type: str = ""
    after_wait_seconds: float | None = None


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


def expected_wait_seconds(waiting: int, mean_work_seconds: float, agents_serving: int) -> float:
    """The one expected-wait estimate of ccsim: what a contact arriving now behind
    ``waiting`` others can expect when ``agents_serving`` agents clear one contact each
    ``mean_work_seconds`` (talk plus wrap-up): (waiting + 1) x mean work / agents; inf if no
    agent serves. The view shows it and the callback offer uses it.
    """
    return (waiting + 1) * mean_work_seconds / agents_serving if agents_serving else math.inf
