"""Virtual hold: offer callers a callback instead of waiting when the expected wait is long."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sim.policies.api import Action, OfferCallbacks
from sim.policies.base import Policy, PolicyParams

if TYPE_CHECKING:
    from sim.policies.api import RealtimeView

_CLOCK = re.compile(r"^\d{2}:[0-5]\d$")


@dataclass(frozen=True)
class Params(PolicyParams):
    """Which queues offer callbacks, to whom, and how fast callbacks must be made.

    ``contact_types``: voice queues that offer callbacks (empty: every voice queue); checked
    against the scenario by :meth:`Policy.check <sim.policies.base.Policy.check>`.
    ``expected_wait_seconds``: a caller who finds no free agent is offered a callback when
    the wallboard's expected wait exceeds this. ``acceptance_probability``: each offered
    caller accepts with it. ``callback_threshold_minutes``: a callback made within this
    counts as on time (its own service level). ``stop_at_clock``: wall-clock ``HH:MM`` at
    which offering stops (callbacks already accepted are still made); ``None``: never.
    """

    contact_types: tuple[str, ...] = ()
    expected_wait_seconds: float = 120.0
    acceptance_probability: float = 0.5
    callback_threshold_minutes: float = 60.0
    stop_at_clock: str | None = None

    def problems(self) -> list[tuple[str, Any, str]]:
        found = super().problems()
        stop = self.stop_at_clock
        if stop is not None and not (isinstance(stop, str) and _CLOCK.match(stop)):
            found.append(("stop_at_clock", stop, "must be a wall-clock time 'HH:MM', or null"))
        return found


class CallbackPolicy(Policy):
    """Arm callbacks on the configured voice queues at the first check (and disarm them at
    ``stop_at_clock``, if set).

    Armed, the model offers a callback to each arriving caller who finds no free agent while
    the expected wait exceeds ``expected_wait_seconds``; an accepting caller leaves the live
    queue and is called back when an agent has no live contact waiting for it, judged against
    ``callback_threshold_minutes`` (``callback_service_level``).
    """

    name = "callback"
    description = "offer callbacks instead of waiting when the expected wait is long"
    Params = Params
    channels = ("voice",)

    def __init__(self, params: PolicyParams | None = None) -> None:
        super().__init__(params)
        self.armed: set[str] = set()  # contact types the policy has armed (decided)
        self.stopped = False

    def decide(self, view: RealtimeView) -> list[Action]:
        p: Params = self.params  # type: ignore[assignment]
        if self.stopped:
            return []
        if p.stop_at_clock is not None and view.clock >= p.stop_at_clock:
            self.stopped = True
            armed, self.armed = sorted(self.armed), set()
            return [
                OfferCallbacks(
                    contact_type=name,
                    above_wait_seconds=None,
                    threshold_seconds=60.0 * p.callback_threshold_minutes,
                    reason=f"callbacks stop at {p.stop_at_clock}",
                )
                for name in armed
            ]
        actions: list[Action] = []
        for name in self.scope(view):
            if name in self.armed:
                continue
            self.armed.add(name)
            actions.append(
                OfferCallbacks(
                    contact_type=name,
                    above_wait_seconds=p.expected_wait_seconds,
                    acceptance_probability=p.acceptance_probability,
                    threshold_seconds=60.0 * p.callback_threshold_minutes,
                    reason=f"callbacks when the expected wait exceeds {p.expected_wait_seconds:g} s",
                )
            )
        return actions

    def dropped(self, action: Action) -> None:
        """A playbook dropped ``action``: arm (or disarm) that queue at a later check instead."""
        if not isinstance(action, OfferCallbacks):
            return
        if action.above_wait_seconds is not None:
            self.armed.discard(action.contact_type)
        else:
            self.armed.add(action.contact_type)
            self.stopped = False
