"""Voluntary time off: send idle agents home when every queue they serve is comfortably fine."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sim.policies.api import Action, OfferVTO
from sim.policies.base import Policy, PolicyParams

if TYPE_CHECKING:
    from sim.policies.api import GroupView, RealtimeView


@dataclass(frozen=True)
class Params(PolicyParams):
    """When and how much voluntary time off is offered.

    ``sl_margin``: every queue the group serves must have its service level so far this
    interval above its target plus this margin (no answered/abandoned contact yet counts as
    fine only if nobody waits). ``max_occupancy``: the group's busy + wrap-up agents over its
    available + busy + wrap-up agents must be below this. ``min_available``: available agents
    kept on the phone; an offer needs more than this. ``agents_per_offer``: agents asked at
    most per offer. ``hours``: time off per accepted agent staffed by counts (``None``: the
    rest of the day; agents on shifts always leave for the rest of their shift).
    ``acceptance_probability``: each asked agent accepts with it. ``cooldown_minutes``: at
    most one offer per group per this many minutes.
    """

    sl_margin: float = 0.10
    max_occupancy: float = 0.6
    min_available: int = 2
    agents_per_offer: int = 2
    hours: float | None = 2.0
    acceptance_probability: float = 0.5
    cooldown_minutes: float = 60.0

    def problems(self) -> list[tuple[str, Any, str]]:
        found = super().problems()
        if not 0 <= self.sl_margin <= 1:
            found.append(("sl_margin", self.sl_margin, "must be in [0, 1]"))
        if not 0 < self.max_occupancy <= 1:
            found.append(("max_occupancy", self.max_occupancy, "must be in (0, 1]"))
        for name, low in (("min_available", 0), ("agents_per_offer", 1)):
            value = getattr(self, name)
            if not (float(value).is_integer() and value >= low):
                found.append((name, value, f"must be a whole number >= {low}"))
        if self.hours is not None and not (math.isfinite(self.hours) and self.hours > 0):
            found.append(("hours", self.hours, "must be > 0, or null for the rest of the day"))
        return found


class VTOPolicy(Policy):
    """Offer voluntary time off to a group whose queues all beat their target comfortably.

    Each check, for each group: if every queue it serves has a service level this interval
    above target + ``sl_margin`` (NaN fine only with nobody waiting), its occupancy proxy
    (busy + wrap-up) / (available + busy + wrap-up) is below ``max_occupancy`` and more
    than ``min_available`` agents are available, offer VTO to
    ``min(agents_per_offer, available - min_available)`` agents; at most once per group per
    ``cooldown_minutes`` (and never while an offer is still in flight). The model logs the
    saved hours as a negative cost; the cost KPI falls because logged-in hours fall.
    """

    name = "vto"
    description = "offer voluntary time off when a group's queues beat their target comfortably"
    Params = Params

    def __init__(self, params: PolicyParams | None = None) -> None:
        super().__init__(params)
        self.last_offer: dict[str, float] = {}  # group -> time of the last offer decided

    def decide(self, view: RealtimeView) -> list[Action]:
        p: Params = self.params  # type: ignore[assignment]
        wait = max(60.0 * p.cooldown_minutes, self.latency_seconds)
        actions: list[Action] = []
        for name, group in view.groups.items():
            last = self.last_offer.get(name)
            if last is not None and view.now - last < wait:
                continue
            agents = _offer_size(view, group, p)
            if agents <= 0:
                continue
            self.last_offer[name] = view.now
            actions.append(
                OfferVTO(
                    group=name,
                    agents=agents,
                    hours=p.hours,
                    acceptance_probability=p.acceptance_probability,
                    reason=f"queues above target + {p.sl_margin:g}, occupancy "
                    f"{_occupancy(group):.2f} < {p.max_occupancy:g}, {group.available} available",
                )
            )
        return actions

    def dropped(self, action: Action) -> None:
        """A playbook dropped ``action``: the offer was never made (no cooldown)."""
        if isinstance(action, OfferVTO):
            self.last_offer.pop(action.group, None)


def _offer_size(view: RealtimeView, group: GroupView, p: Params) -> int:
    """Agents to ask for VTO in ``group`` now, 0 for none."""
    if group.available <= p.min_available or not group.skills:
        return 0
    if not _occupancy(group) < p.max_occupancy:
        return 0
    for name in group.skills:
        queue = view.queues[name]
        if queue.waiting > 0:
            return 0
        # The day so far must beat the target too: one quiet moment of an understaffed day
        # (an interval just begun, its service level still undefined) is no reason to send
        # agents home.
        if not queue.service_level_day >= queue.target and not math.isnan(queue.service_level_day):
            return 0
        level = queue.service_level_interval
        if math.isnan(level):
            level = queue.service_level_day
        if not math.isnan(level) and not level > queue.target + p.sl_margin:
            return 0
    return int(min(p.agents_per_offer, group.available - p.min_available))


def _occupancy(group: GroupView) -> float:
    working = group.busy + group.wrap_up
    on_phone = group.available + working
    return working / on_phone if on_phone else math.nan
