"""Overflow to an outsourcing partner: hand long waiters to the partner while a queue is hot."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.policies.api import Action, Outsource
from sim.policies.base import Policy, PolicyParams

if TYPE_CHECKING:
    from sim.policies.api import RealtimeView


@dataclass(frozen=True)
class Params(PolicyParams):
    """When contacts go to the partner.

    ``contact_types``: queues the partner may take (empty: every voice and chat queue);
    checked against the scenario by :meth:`Policy.check <sim.policies.base.Policy.check>`.
    ``after_wait_seconds``: while outsourcing is on, a contact that has waited this long goes
    to the partner (each at the scenario's ``costs.outsourced_contact``).
    ``trigger_wait_seconds``: outsourcing turns on when the queue's oldest wait exceeds this,
    and off again at a check where the queue is calm (nobody waiting, or the oldest wait
    under half of it). ``always_on``: outsource all day from the first check instead.
    """

    contact_types: tuple[str, ...] = ()
    after_wait_seconds: float = 90.0
    trigger_wait_seconds: float = 60.0
    always_on: bool = False


class OverflowPartnerPolicy(Policy):
    """Switch outsourcing on per queue when its oldest wait exceeds ``trigger_wait_seconds``
    and off when it is calm again (or keep it on all day with ``always_on``).

    On: ``Outsource(contact_type, after_wait_seconds)``; the model hands every contact of
    that type that has waited ``after_wait_seconds`` to the partner (contacts already
    waiting included). Off: ``Outsource(contact_type, None)``. Outsourced contacts count in
    ``outsourced`` and against the service level; each costs ``costs.outsourced_contact``.
    """

    name = "overflow_partner"
    description = "hand long-waiting contacts to an outsourcing partner while a queue is hot"
    Params = Params
    channels = ("voice", "chat")

    def __init__(self, params: PolicyParams | None = None) -> None:
        super().__init__(params)
        self.on: set[str] = set()  # queues for which outsourcing is on (as decided)

    def decide(self, view: RealtimeView) -> list[Action]:
        p: Params = self.params  # type: ignore[assignment]
        actions: list[Action] = []
        for name in self.scope(view):
            queue = view.queues[name]
            if p.always_on:
                turn_on, turn_off = name not in self.on, False
                why = "outsourcing all day"
            elif name in self.on:
                turn_on = False
                turn_off = (
                    queue.waiting == 0 or queue.oldest_wait_seconds < p.trigger_wait_seconds / 2
                )
                why = f"calm: {queue.waiting} waiting, oldest {queue.oldest_wait_seconds:.0f} s"
            else:
                turn_on = queue.oldest_wait_seconds > p.trigger_wait_seconds
                turn_off = False
                why = (
                    f"oldest wait {queue.oldest_wait_seconds:.0f} s > {p.trigger_wait_seconds:g} s"
                )
            if turn_on:
                self.on.add(name)
                actions.append(
                    Outsource(
                        contact_type=name, after_wait_seconds=p.after_wait_seconds, reason=why
                    )
                )
            elif turn_off:
                self.on.discard(name)
                actions.append(Outsource(contact_type=name, after_wait_seconds=None, reason=why))
        return actions

    def dropped(self, action: Action) -> None:
        """A playbook dropped ``action``: outsourcing of that queue stays as it was."""
        if isinstance(action, Outsource):
            if action.after_wait_seconds is None:
                self.on.add(action.contact_type)
            else:
                self.on.discard(action.contact_type)
