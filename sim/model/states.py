"""Every state the model records, defined once: contacts, off-phone items and away periods."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["AfterTalk", "Attempt", "AwayKind", "ContactState", "ItemState", "Origin"]


class ContactState(IntEnum):
    """What became of a contact (``ReplicationOutcome.state``)."""

    WAITING = 0  # still queued (at the horizon: waiting_at_end)
    ANSWERED = 1
    ABANDONED = 2
    BLOCKED = 3  # found every line busy
    LOST = 4  # could not reach the center (telephony outage)
    UNUSED = 5  # a redial slot that was never called
    OUTSOURCED = 6  # handed to the outsourcer by a policy


class Attempt(IntEnum):
    """Which call of its customer a contact is (``ReplicationOutcome.attempt``)."""

    FIRST = 0  # the customer's first contact (from the forecast)
    REDIAL = 1  # calling again after hanging up, being blocked or lost
    REPEAT = 2  # calling again because the problem was not resolved
    TRANSFER = 3  # escalated: handed from another type's agent


class Origin(IntEnum):
    """Where a contact of a continued day comes from (``ReplicationOutcome.origin``; see
    :mod:`sim.model.resume`)."""

    NEW = 0  # arrived from the moment the day continued on: the simulated part's own
    WAITING = 1  # waiting at that moment: offered before it, its outcome simulated
    IN_HAND = 2  # in an agent's hands at that moment: answered before it, only its work left
    OVERNIGHT = 3  # waiting at an earlier day's close (counted there): only its work is today's


class AfterTalk(IntEnum):
    """What an answered contact's talk led to (``ReplicationOutcome.after_talk``), decided
    when the talk ends (see :mod:`sim.core.follow_ups`)."""

    OPEN = 0  # not answered, or still talking when the day ended
    RESOLVED = 1
    UNRESOLVED = 2  # calls again if repeats are left
    ESCALATED = 3  # handed to the escalation type
    CUT_OFF = 4  # an outage cut it off in talk


class ItemState(IntEnum):
    """Where a scheduled agent's off-phone item stands (a policy may move or drop it)."""

    PENDING = 0
    RUNNING = 1
    DONE = 2
    DROPPED = 3  # cancelled, or moved out of the shift


class AwayKind(IntEnum):
    """Off-phone states in the away log (``ReplicationOutcome.away_kind``); activities of any
    name are ``ACTIVITY``."""

    BREAK = 0
    LUNCH = 1
    ACTIVITY = 2
    AUX = 3
    ABSENT = 4
    OUTAGE = 5

    @property
    def label(self) -> str:
        """The kind's name as items and reports spell it (``"break"``, ``"absent"``, ...)."""
        return self.name.lower()

    @classmethod
    def of(cls, kind: str) -> AwayKind:
        """The away kind spelled ``kind`` (``"break"``, ``"absent"``, ...)."""
        return cls[kind.upper()]
