"""Call in overtime for the groups serving a struggling queue.

The analyst phones agents who are off today and asks them to come in for a few hours.
Each asked agent accepts with a probability and starts after a lead time; accepted hours
are paid at the group's hourly rate plus the overtime premium
(``Scenario.costs.overtime_premium``), which the model applies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sim.policies.api import Action, CallOvertime, RealtimeView
from sim.policies.base import Policy, PolicyParams
from sim.policies.cancel_offphone import _whole, struggle_reason

__all__ = ["Overtime", "Params"]


@dataclass(frozen=True)
class Params(PolicyParams):
    """When to call overtime, how much, and how often.

    A queue struggles when its service level so far in the interval is below target -
    ``margin``, or at least ``min_offered`` contacts arrived in the interval and that is
    more than ``1 + surge_share`` times the forecast pro rata to now. Each group able to
    serve a struggling queue is then asked for ``agents_per_call`` agents for ``hours``
    hours, starting ``lead_minutes`` after the call applies; each accepts with
    ``acceptance_probability``. A group is called at most once per ``cooldown_minutes``.
    ``max_agent_hours_per_day`` caps the hours *asked* (agents asked x hours, accepted or
    not) over the day, all groups together: the analyst's budget for phone calls, known at
    decision time, whereas accepted hours are known only after the latency.
    """

    margin: float = 0.05
    surge_share: float = 0.15
    min_offered: int = 10
    agents_per_call: int = 2
    hours: float = 2.0
    lead_minutes: float = 30.0
    acceptance_probability: float = 0.6
    cooldown_minutes: float = 60.0
    max_agent_hours_per_day: float = 16.0

    def problems(self) -> list[tuple[str, Any, str]]:
        found = super().problems()
        if math.isfinite(self.margin) and not 0 <= self.margin <= 1:
            found.append(("margin", self.margin, "must be in [0, 1] (a service-level share)"))
        if not (_whole(self.min_offered) and self.min_offered >= 0):
            found.append(("min_offered", self.min_offered, "must be a whole number >= 0"))
        if not (_whole(self.agents_per_call) and self.agents_per_call >= 1):
            found.append(("agents_per_call", self.agents_per_call, "must be a whole number >= 1"))
        if math.isfinite(self.hours) and self.hours <= 0:
            found.append(("hours", self.hours, "must be > 0"))
        if math.isfinite(self.max_agent_hours_per_day) and self.max_agent_hours_per_day < 0:
            found.append(("max_agent_hours_per_day", self.max_agent_hours_per_day, "must be >= 0"))
        return found


class Overtime(Policy):
    """Ask agents of the groups serving a struggling queue to work overtime.

    State: when each group was last called (cooldown) and the agent-hours asked so far
    (the daily cap). A call that would pass the cap asks for as many agents as still fit,
    or is not made; no call is made whose overtime would start at or after the end of the
    day.
    """

    name = "overtime"
    description = "call in overtime for the groups serving a struggling queue"
    Params = Params

    def __init__(self, params: PolicyParams | None = None) -> None:
        super().__init__(params)
        self._last_call: dict[str, float] = {}  # group -> decision time of its last call
        self.asked_hours = 0.0  # agents asked x hours, today

    def decide(self, view: RealtimeView) -> list[Action]:
        p = self.params
        assert isinstance(p, Params)
        start = view.now + self.latency_seconds + 60.0 * p.lead_minutes
        if start >= view.horizon_seconds:
            return []
        actions: list[Action] = []
        for queue in view.queues.values():
            why = struggle_reason(queue, p.margin, p.surge_share, p.min_offered)
            if why is None:
                continue
            for group in view.groups.values():
                if queue.name not in group.skills:
                    continue
                last = self._last_call.get(group.name)
                if last is not None and view.now - last < 60.0 * p.cooldown_minutes:
                    continue
                room = p.max_agent_hours_per_day - self.asked_hours
                agents = min(int(p.agents_per_call), int(math.floor(room / p.hours + 1e-9)))
                if agents < 1:
                    continue
                self._last_call[group.name] = view.now
                self.asked_hours += agents * p.hours
                actions.append(
                    CallOvertime(
                        reason=why,
                        group=group.name,
                        agents=agents,
                        hours=p.hours,
                        lead_minutes=p.lead_minutes,
                        acceptance_probability=p.acceptance_probability,
                    )
                )
        return actions
