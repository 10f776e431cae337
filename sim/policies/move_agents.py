"""Move cross-skilled agents onto a struggling queue, and back once it has recovered.

Routing lets each group serve its queues in a planned order of preference (level 1 first).
When a queue's service level so far in the interval falls below its target minus
``trigger_margin``, every group that has the skill but serves it after something else is
told to serve it first (level 0 beats every planned level). When the queue's service level
is back above target plus ``release_margin`` (or the queue is empty and nothing has been
answered or abandoned yet in the interval), the planned level is restored. The gap between
the two thresholds (hysteresis) keeps the groups from flapping back and forth.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sim.policies.api import Action, RealtimeView, SetPreference
from sim.policies.base import Policy, PolicyParams

__all__ = ["MoveAgents", "Params"]


@dataclass(frozen=True)
class Params(PolicyParams):
    """Move when the interval's service level is below target - ``trigger_margin``; move
    back when it is above target + ``release_margin`` (or the queue is empty)."""

    trigger_margin: float = 0.05
    release_margin: float = 0.0

    def problems(self) -> list[tuple[str, Any, str]]:
        found = super().problems()
        for name in ("trigger_margin", "release_margin"):
            value = getattr(self, name)
            if math.isfinite(value) and not 0 <= value <= 1:
                found.append((name, value, "must be in [0, 1] (a service-level share)"))
        return found


class MoveAgents(Policy):
    """Raise a struggling queue to the top of cross-skilled groups' preferences, with
    hysteresis.

    State: the (group, contact type) pairs currently raised. Each change is sent once: a
    pair is raised only if not raised already, restored only if raised.
    """

    name = "move_agents"
    description = "cross-skilled groups serve a struggling queue first until it recovers"
    Params = Params

    def __init__(self, params: PolicyParams | None = None) -> None:
        super().__init__(params)
        self._raised: set[tuple[str, str]] = set()

    def decide(self, view: RealtimeView) -> list[Action]:
        p = self.params
        assert isinstance(p, Params)
        actions: list[Action] = []
        for queue in view.queues.values():
            sl = queue.service_level_interval
            if not math.isnan(sl) and sl < queue.target - p.trigger_margin:
                why = (
                    f"{queue.name}: interval SL {sl:.2f} < target {queue.target:.2f} "
                    f"- {p.trigger_margin:g}: serve it first"
                )
                for group in view.groups.values():
                    key = (group.name, queue.name)
                    # level = 1-based position in the planned order; level 1 is first already
                    if queue.name in group.skills[1:] and key not in self._raised:
                        self._raised.add(key)
                        actions.append(
                            SetPreference(
                                reason=why, group=group.name, contact_type=queue.name, level=0
                            )
                        )
                continue
            recovered = (not math.isnan(sl) and sl > queue.target + p.release_margin) or (
                math.isnan(sl) and queue.waiting == 0
            )
            if not recovered:
                continue
            if math.isnan(sl):
                why = f"{queue.name}: empty, nothing answered yet this interval: as planned"
            else:
                why = (
                    f"{queue.name}: interval SL {sl:.2f} > target {queue.target:.2f} "
                    f"+ {p.release_margin:g}: as planned"
                )
            for group in view.groups.values():
                key = (group.name, queue.name)
                if key in self._raised:
                    self._raised.discard(key)
                    actions.append(
                        SetPreference(
                            reason=why, group=group.name, contact_type=queue.name, level=None
                        )
                    )
        return actions
