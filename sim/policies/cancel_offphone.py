"""Postpone (or cancel) off-phone activities while a queue struggles.

The analyst's first lever on a bad morning: the training block, team meeting or coaching
session due in the next half hour is moved back so its agents stay on the phone. When no
queue struggles any more the analyst simply stops postponing: an activity then runs at the
time it stands at now (the model drops a postponed activity for the day once it no longer
fits in the agent's shift).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sim.policies.api import Action, CancelItem, PostponeItem, QueueView, RealtimeView
from sim.policies.base import Policy, PolicyParams

__all__ = ["CancelOffPhone", "Params", "struggle_reason"]

MODES: tuple[str, ...] = ("postpone", "cancel")


def _whole(value: Any) -> bool:
    """Whether ``value`` is a whole number (2 or 2.0; a config may give either)."""
    return isinstance(value, int) or (
        isinstance(value, float) and math.isfinite(value) and value.is_integer()
    )


@dataclass(frozen=True)
class Params(PolicyParams):
    """When a queue struggles, and what happens to the activities then.

    A queue struggles when its service level so far in the interval is below its target
    minus ``margin``, or when at least ``min_offered`` contacts arrived in the interval and
    that is more than ``1 + surge_share`` times the forecast pro rata to now. Cancellable
    activities of agents able to serve a struggling queue, due within ``lookahead_minutes``,
    are postponed by ``postpone_minutes`` (``mode`` "postpone") or cancelled for the day
    (``mode`` "cancel").
    """

    margin: float = 0.0
    surge_share: float = 0.15
    min_offered: int = 10
    lookahead_minutes: float = 30.0
    postpone_minutes: float = 30.0
    mode: str = "postpone"

    def problems(self) -> list[tuple[str, Any, str]]:
        found = super().problems()
        if math.isfinite(self.margin) and not 0 <= self.margin <= 1:
            found.append(("margin", self.margin, "must be in [0, 1] (a service-level share)"))
        if not (_whole(self.min_offered) and self.min_offered >= 0):
            found.append(("min_offered", self.min_offered, "must be a whole number >= 0"))
        if self.mode not in MODES:
            found.append(("mode", self.mode, f"must be one of {list(MODES)}"))
        if self.mode == "postpone" and self.postpone_minutes == 0:
            found.append(("postpone_minutes", 0, "must be > 0 when mode is 'postpone'"))
        return found


def struggle_reason(
    queue: QueueView, margin: float, surge_share: float, min_offered: int
) -> str | None:
    """Why ``queue`` struggles now (service level below target, or a surge), or None.

    The interval's service level so far is ignored while it is undefined (NaN: nothing
    answered or abandoned yet in the interval).
    """
    sl = queue.service_level_interval
    if not math.isnan(sl) and sl < queue.target - margin:
        return f"{queue.name}: interval SL {sl:.2f} < target {queue.target:.2f} - {margin:g}"
    expected = queue.forecast_interval_to_date
    if queue.offered_interval >= min_offered and queue.offered_interval > expected * (
        1.0 + surge_share
    ):
        return (
            f"{queue.name}: offered {queue.offered_interval} > forecast so far "
            f"{expected:.1f} x {1.0 + surge_share:g}"
        )
    return None


class CancelOffPhone(Policy):
    """Postpone or cancel upcoming cancellable activities while a queue struggles.

    State: the items already asked for (postponed to when, or cancelled), so that an
    action still in flight (latency) or an item already moved beyond the lookahead is not
    asked for again.
    """

    name = "cancel_offphone"
    description = "postpone or cancel off-phone activities while a queue struggles"
    Params = Params

    def __init__(self, params: PolicyParams | None = None) -> None:
        super().__init__(params)
        self._asked: dict[tuple[int, int], float] = {}  # item -> until (inf: cancelled)

    def decide(self, view: RealtimeView) -> list[Action]:
        p = self.params
        assert isinstance(p, Params)
        reasons: dict[str, str] = {}  # group -> why its activities should wait
        for queue in view.queues.values():
            why = struggle_reason(queue, p.margin, p.surge_share, p.min_offered)
            if why is None:
                continue
            for group in view.groups.values():
                if queue.name in group.skills and group.name not in reasons:
                    reasons[group.name] = why
        if not reasons:
            return []  # nobody struggles: activities run at the time they stand at now
        horizon = view.now + 60.0 * p.lookahead_minutes
        actions: list[Action] = []
        for item in view.upcoming:
            if item.kind != "activity" or not item.cancellable or item.group not in reasons:
                continue
            if item.due >= horizon:
                continue
            if self._asked.get(item.item_id, -math.inf) > item.due:
                continue  # already asked: still in flight (latency), or cancelled
            if p.mode == "cancel":
                self._asked[item.item_id] = math.inf
                actions.append(CancelItem(reason=reasons[item.group], item=item.item_id))
            else:
                until = item.due + 60.0 * p.postpone_minutes
                self._asked[item.item_id] = until
                actions.append(
                    PostponeItem(reason=reasons[item.group], item=item.item_id, until=until)
                )
        return actions
