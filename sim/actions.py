"""What a realtime policy can ask the model to do.

A policy returns a list of these; the model applies each after the policy's latency (the
time an analyst needs to notice, decide and click) and records it in ``actions.csv``.
Actions name agents, groups and contact types the way the realtime view shows them.
An action that no longer makes sense when its latency has passed (the break has started,
no agent is idle any more) is recorded as applied to zero agents.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Action",
    "CallOvertime",
    "CancelItem",
    "OfferCallbacks",
    "OfferVTO",
    "Outsource",
    "PostponeItem",
    "SetPreference",
]


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
