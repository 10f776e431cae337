"""Delay breaks and lunches while a queue is long.

While contacts pile up, the analyst asks agents about to go on a break to take it a little
later, within the window the schedule allows (the model never moves a break past its latest
start). Fixed breaks (latest start = due) are left alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sim.core.workforce import BREAK_KINDS
from sim.policies.api import Action, PostponeItem, RealtimeView
from sim.policies.base import Policy, PolicyParams

__all__ = ["DelayBreaks", "Params"]


def _whole(value: Any) -> bool:
    """Whether ``value`` is a whole number (2 or 2.0; a config may give either)."""
    return isinstance(value, int) or (
        isinstance(value, float) and math.isfinite(value) and value.is_integer()
    )


@dataclass(frozen=True)
class Params(PolicyParams):
    """A queue is long when ``queue_threshold`` or more contacts wait, or its oldest contact
    has waited ``oldest_wait_seconds`` or more. Breaks and lunches due within
    ``lookahead_minutes`` of agents able to serve a long queue are then pushed back by
    ``delay_minutes`` (capped by the model at the break's latest start)."""

    queue_threshold: int = 5
    oldest_wait_seconds: float = 60.0
    lookahead_minutes: float = 10.0
    delay_minutes: float = 10.0

    def problems(self) -> list[tuple[str, Any, str]]:
        found = super().problems()
        if not (_whole(self.queue_threshold) and self.queue_threshold >= 1):
            found.append(("queue_threshold", self.queue_threshold, "must be a whole number >= 1"))
        if self.delay_minutes == 0:
            found.append(("delay_minutes", 0, "must be > 0"))
        return found


class DelayBreaks(Policy):
    """Push upcoming breaks later while a queue is long.

    State: the start each break was last asked to move to, so a request still in flight
    (latency) is not sent twice. Once a request has applied, the break may be pushed again
    when it comes within the lookahead once more, until it reaches its latest start.
    """

    name = "delay_breaks"
    description = "delay breaks and lunches (within their window) while a queue is long"
    Params = Params

    def __init__(self, params: PolicyParams | None = None) -> None:
        super().__init__(params)
        self._asked: dict[tuple[int, int], float] = {}  # item -> until

    def decide(self, view: RealtimeView) -> list[Action]:
        p = self.params
        assert isinstance(p, Params)
        reasons: dict[str, str] = {}  # group -> why its breaks should wait
        for queue in view.queues.values():
            if queue.waiting >= p.queue_threshold:
                why = f"{queue.name}: {queue.waiting} waiting >= {p.queue_threshold}"
            elif queue.waiting and queue.oldest_wait_seconds >= p.oldest_wait_seconds:
                why = (
                    f"{queue.name}: oldest wait {queue.oldest_wait_seconds:.0f} s "
                    f">= {p.oldest_wait_seconds:g} s"
                )
            else:
                continue
            for group in view.groups.values():
                if queue.name in group.skills and group.name not in reasons:
                    reasons[group.name] = why
        if not reasons:
            return []
        horizon = view.now + 60.0 * p.lookahead_minutes
        actions: list[Action] = []
        for item in view.upcoming:
            if item.kind not in BREAK_KINDS or item.group not in reasons:
                continue
            if item.due >= horizon or item.latest_start <= item.due:
                continue  # not due soon, or fixed (or already at its latest start)
            if self._asked.get(item.item_id, -math.inf) > item.due:
                continue  # a request is still in flight
            until = item.due + 60.0 * p.delay_minutes
            self._asked[item.item_id] = until
            actions.append(PostponeItem(reason=reasons[item.group], item=item.item_id, until=until))
        return actions
