"""Overflow to an outsourcing partner: hand long waiters to the partner while a queue is hot.

A queue is hot when its oldest contact has waited over ``trigger_wait_seconds`` and its
expected wait (Erlang A on the agents serving) is over its threshold, at
``persistence_checks`` checks in a row; it is calm again when nobody has waited over half
the trigger and the expected wait is within the threshold, as many checks running.
Outsourcing stays on or off at least ``min_hold_minutes`` (no flapping), and the partner
takes at most ``capacity_per_interval`` contacts per interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sim.policies.api import Action, Outsource
from sim.policies.base import Policy, PolicyParams
from sim.policies.signals import Hold, Persistence

if TYPE_CHECKING:
    from sim.policies.api import RealtimeView


@dataclass(frozen=True)
class Params(PolicyParams):
    """When contacts go to the partner, and how many it can take.

    ``contact_types``: queues the partner may take (empty: every voice and chat queue);
    checked against the scenario by :meth:`Policy.check <sim.policies.base.Policy.check>`.
    ``after_wait_seconds``: while outsourcing is on, a contact that has waited this long goes
    to the partner (each at the scenario's ``costs.outsourcer_per_contact``).
    ``trigger_wait_seconds``, ``persistence_checks``, ``min_hold_minutes``: when it turns on
    and off (see the module). ``capacity_per_interval``: contacts the partner takes per
    interval and queue (0: no limit). ``always_on``: outsource all day from the first check.
    """

    contact_types: tuple[str, ...] = ()
    after_wait_seconds: float = 90.0
    trigger_wait_seconds: float = 60.0
    persistence_checks: int = 2
    min_hold_minutes: float = 30.0
    capacity_per_interval: int = 20
    always_on: bool = False

    def problems(self) -> list[tuple[str, Any, str]]:
        found = super().problems()
        for name, low in (("persistence_checks", 1), ("capacity_per_interval", 0)):
            value = getattr(self, name)
            if not (float(value).is_integer() and value >= low):
                found.append((name, value, f"must be a whole number >= {low}"))
        return found


class OverflowPartnerPolicy(Policy):
    """Switch outsourcing on per queue while it is hot, off once calm, with persistence and
    a minimum hold (or keep it on all day with ``always_on``)."""

    name = "overflow_partner"
    description = "hand long-waiting contacts to an outsourcing partner while a queue is hot"
    Params = Params
    channels = ("voice", "chat")

    def __init__(self, params: PolicyParams | None = None) -> None:
        super().__init__(params)
        p = self.params
        assert isinstance(p, Params)
        self.on: set[str] = set()  # queues for which outsourcing is on (as decided)
        self.hot = Persistence(p.persistence_checks)
        self.calm = Persistence(p.persistence_checks)
        self.hold = Hold(60.0 * p.min_hold_minutes)

    def decide(self, view: RealtimeView) -> list[Action]:
        p: Params = self.params  # type: ignore[assignment]
        self.read(view)
        capacity = int(p.capacity_per_interval) or None
        actions: list[Action] = []
        for name in self.scope(view):
            q = view.queues[name]
            hot = self.hot.holds(
                name,
                q.oldest_wait_seconds > p.trigger_wait_seconds
                and q.expected_wait_seconds > q.threshold_seconds,
            )
            calm = self.calm.holds(
                name,
                q.oldest_wait_seconds < p.trigger_wait_seconds / 2
                and q.expected_wait_seconds <= q.threshold_seconds,
            )
            if p.always_on:
                turn_on, turn_off = name not in self.on, False
                why = "outsourcing all day"
            elif not self.hold.may_change(name, view.now):
                continue
            elif name in self.on:
                turn_on, turn_off = False, calm
                why = f"calm: oldest wait {q.oldest_wait_seconds:.0f} s, expected {q.expected_wait_seconds:.0f} s"
            else:
                turn_on, turn_off = hot, False
                why = (
                    f"oldest wait {q.oldest_wait_seconds:.0f} s > {p.trigger_wait_seconds:g} s, "
                    f"expected wait {q.expected_wait_seconds:.0f} s > {q.threshold_seconds:g} s"
                )
            if turn_on:
                self.on.add(name)
                self.hold.changed(name, view.now)
                actions.append(
                    Outsource(
                        contact_type=name,
                        after_wait_seconds=p.after_wait_seconds,
                        capacity_per_interval=capacity,
                        reason=why,
                    )
                )
            elif turn_off:
                self.on.discard(name)
                self.hold.changed(name, view.now)
                actions.append(Outsource(contact_type=name, after_wait_seconds=None, reason=why))
        return actions

    def dropped(self, action: Action) -> None:
        """A playbook dropped ``action``: outsourcing of that queue stays as it was."""
        if isinstance(action, Outsource):
            if action.after_wait_seconds is None:
                self.on.add(action.contact_type)
            else:
                self.on.discard(action.contact_type)
