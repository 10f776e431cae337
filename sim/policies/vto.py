"""Voluntary time off, only for a surplus that lasts, and only for as long as it lasts.

Each check the analyst reads the outlook (:mod:`sim.policies.outlook`). A group may be
offered time off when it has agents to spare in every one of the next
``min_surplus_intervals`` intervals (the reforecast, known absences and the schedule as it
stands all counted), at several checks in a row, while every queue it serves meets its
target so far today and over the last hour and nobody waits. The offer is sized to the
smallest spare over that run, less a cushion, and lasts that run only
(:func:`sim.policies.levers.time_off`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sim.policies.api import Action, OfferVTO, RealtimeView
from sim.policies.base import Policy, PolicyParams
from sim.policies.levers import surplus_window, time_off
from sim.policies.signals import Persistence

__all__ = ["Params", "TimeOffOfferer", "VTOPolicy"]


@dataclass(frozen=True)
class Params(PolicyParams):
    """When a surplus is real, and what is offered.

    ``min_surplus_intervals``: the spare must last this many intervals from the next one on;
    ``keep_agents``: agents kept as a cushion beyond the requirement; ``persistence_checks``:
    checks in a row the surplus must be seen. ``rolling_minutes``: the window of the recent
    service level every queue of the group must meet (``min_decided`` contacts at least, or
    it is not judged). ``max_hours``: the longest time off offered;
    ``acceptance_probability``: each asked agent accepts with it.
    """

    min_surplus_intervals: int = 3
    keep_agents: float = 1.0
    persistence_checks: int = 3
    rolling_minutes: float = 60.0
    min_decided: int = 20
    max_hours: float = 3.0
    acceptance_probability: float = 0.5

    def problems(self) -> list[tuple[str, Any, str]]:
        found = super().problems()
        for name in ("min_surplus_intervals", "persistence_checks"):
            value = getattr(self, name)
            if not (float(value).is_integer() and value >= 1):
                found.append((name, value, "must be a whole number >= 1"))
        if not (float(self.min_decided).is_integer() and self.min_decided >= 0):
            found.append(("min_decided", self.min_decided, "must be a whole number >= 0"))
        if math.isfinite(self.max_hours) and self.max_hours < 0.5:
            found.append(("max_hours", self.max_hours, "must be >= 0.5"))
        if self.rolling_minutes <= 0:
            found.append(("rolling_minutes", self.rolling_minutes, "must be > 0"))
        return found


class TimeOffOfferer:
    """The time-off lever with its memory (persistence, offers in flight). Used by
    :class:`VTOPolicy` and the analyst."""

    def __init__(self, params: Params, latency_seconds: float, check_seconds: float) -> None:
        self.params = params
        self.latency_seconds = latency_seconds
        self.check_seconds = check_seconds
        self.persistence = Persistence(params.persistence_checks)
        self.quiet_until: dict[str, float] = {}

    def offers(self, policy: Policy, view: RealtimeView) -> list[OfferVTO]:
        """Offers for every group with a lasting surplus and healthy queues."""
        p = self.params
        situation = policy.situation
        outlook = situation.outlook()
        actions = []
        for name, group in view.groups.items():
            window = surplus_window(
                outlook, name, 1, p.keep_agents + 1.0, int(p.min_surplus_intervals)
            )
            healthy = window is not None and self._queues_fine(policy, view, group.skills)
            if not self.persistence.holds(name, healthy) or window is None:
                continue
            if view.now < self.quiet_until.get(name, -math.inf):
                continue
            reason = (
                f"{name} spares {window.agents:.1f} agents for the next {window.intervals} "
                f"interval(s); its queues meet target today and over the last "
                f"{p.rolling_minutes:g} min"
            )
            action = time_off(
                view,
                name,
                window,
                p.keep_agents,
                p.acceptance_probability,
                p.max_hours,
                reason,
                self.latency_seconds,
            )
            if action is None:
                continue
            self.quiet_until[name] = view.now + self.latency_seconds + self.check_seconds
            self.persistence.reset(name)
            actions.append(action)
        return actions

    def _queues_fine(self, policy: Policy, view: RealtimeView, skills: tuple[str, ...]) -> bool:
        """Every live queue the group serves meets its target so far today and over the
        rolling window (when judged), and nobody waits."""
        p = self.params
        tracker = policy.situation.tracker
        for name in skills:
            q = view.queues[name]
            if q.channel == "email":
                continue
            if q.waiting > 0:
                return False
            if q.service_level_day < q.target:  # NaN (nothing decided yet) passes
                return False
            recent = tracker.window(name, 60.0 * p.rolling_minutes).service_level(p.min_decided)
            if recent < q.target:
                return False
        return True


class VTOPolicy(Policy):
    """Offer time off where a surplus lasts, for that window only."""

    name = "vto"
    description = "offer voluntary time off where a surplus lasts, for that window only"
    Params = Params

    def __init__(self, params: PolicyParams | None = None) -> None:
        super().__init__(params)
        assert isinstance(self.params, Params)
        self.offerer = TimeOffOfferer(
            self.params, self.latency_seconds, self.check_interval_seconds or 0.0
        )

    def decide(self, view: RealtimeView) -> list[Action]:
        self.read(view)
        return list(self.offerer.offers(self, view))

    def dropped(self, action: Action) -> None:
        """A playbook dropped ``action``: the offer was never made."""
        if isinstance(action, OfferVTO):
            self.offerer.quiet_until.pop(action.group, None)
