"""Move breaks and lunches within their window: later out of a shortage, earlier into a trough.

Where the outlook (:mod:`sim.policies.outlook`) shows a group short while some of its agents
are due on a break, the analyst moves those breaks to the start inside their window where
the group has an agent to spare (:func:`sim.policies.levers.break_moves`): later, or earlier
into a quieter moment. The model never moves a break outside its window (no later than its
latest start, no earlier than its planned start less the window's width); fixed breaks stay.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sim.policies.api import Action, RealtimeView
from sim.policies.base import Policy, PolicyParams
from sim.policies.cancel_offphone import short_now_or_ahead
from sim.policies.levers import break_moves
from sim.policies.signals import Persistence

__all__ = ["DelayBreaks", "Params"]


@dataclass(frozen=True)
class Params(PolicyParams):
    """A group is short when the outlook has it lacking ``min_short_agents`` or more in
    some interval within ``lookahead_minutes``, at ``persistence_checks`` checks in a row;
    its movable breaks due within ``lookahead_minutes`` that fall in a shortage are moved."""

    min_short_agents: float = 1.0
    persistence_checks: int = 2
    lookahead_minutes: float = 30.0

    def problems(self) -> list[tuple[str, Any, str]]:
        found = super().problems()
        if not (float(self.persistence_checks).is_integer() and self.persistence_checks >= 1):
            found.append(
                ("persistence_checks", self.persistence_checks, "must be a whole number >= 1")
            )
        if math.isfinite(self.min_short_agents) and self.min_short_agents <= 0:
            found.append(("min_short_agents", self.min_short_agents, "must be > 0"))
        return found


class DelayBreaks(Policy):
    """Move breaks out of a shortage of their group, within their window.

    State: the start each break was last asked to move to, so that a request is not sent
    twice.
    """

    name = "delay_breaks"
    description = "move breaks within their window: out of a shortage, into a trough"
    Params = Params

    def __init__(self, params: PolicyParams | None = None) -> None:
        super().__init__(params)
        assert isinstance(self.params, Params)
        self.persistence = Persistence(self.params.persistence_checks)
        self.asked: dict[tuple[int, int], float] = {}

    def decide(self, view: RealtimeView) -> list[Action]:
        p = self.params
        assert isinstance(p, Params)
        self.read(view)
        lookahead = 60.0 * p.lookahead_minutes
        short = short_now_or_ahead(self, view, p.min_short_agents, lookahead, self.persistence)
        if not short:
            return []
        return break_moves(
            view, self.situation.outlook(), set(short), lookahead, self.latency_seconds, self.asked
        )
