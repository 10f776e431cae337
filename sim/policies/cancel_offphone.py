"""Move off-phone activities out of a shortage, to the trough of the agents' shifts.

The analyst's first lever on a short day: a training block, team meeting or coaching
session that falls where the outlook (:mod:`sim.policies.outlook`) shows its group short is
moved, a group session together, to the start in the agents' shifts where the group lacks
the fewest agents (:func:`sim.policies.levers.activity_moves`); with no such trough it is
cancelled if its agents are needed (``mode`` "postpone_or_cancel", the default), or runs
as planned (``mode`` "postpone"); ``mode`` "cancel" cancels rather than moves. Training hours
planned and delivered are KPIs (``training_hours_planned``, ``training_hours_delivered``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sim.policies.api import Action, RealtimeView
from sim.policies.base import Policy, PolicyParams
from sim.policies.levers import ACTIVITY_MODES, activity_moves
from sim.policies.signals import Persistence

__all__ = ["CancelOffPhone", "Params", "short_now_or_ahead"]


@dataclass(frozen=True)
class Params(PolicyParams):
    """A group is short when the outlook has it lacking ``min_short_agents`` or more in
    some interval within ``lookahead_minutes``, at ``persistence_checks`` checks in a row;
    its cancellable activities due within ``lookahead_minutes`` that fall in a shortage are
    then moved to a trough (``mode`` "postpone", else they run as planned;
    "postpone_or_cancel", else they are cancelled if their agents are needed) or cancelled
    (``mode`` "cancel"); see :func:`sim.policies.levers.activity_moves`."""

    min_short_agents: float = 1.0
    persistence_checks: int = 2
    lookahead_minutes: float = 90.0
    mode: str = "postpone_or_cancel"

    def problems(self) -> list[tuple[str, Any, str]]:
        found = super().problems()
        if self.mode not in ACTIVITY_MODES:
            found.append(("mode", self.mode, f"must be one of {list(ACTIVITY_MODES)}"))
        if not (float(self.persistence_checks).is_integer() and self.persistence_checks >= 1):
            found.append(
                ("persistence_checks", self.persistence_checks, "must be a whole number >= 1")
            )
        if math.isfinite(self.min_short_agents) and self.min_short_agents <= 0:
            found.append(("min_short_agents", self.min_short_agents, "must be > 0"))
        return found


def short_now_or_ahead(
    policy: Policy,
    view: RealtimeView,
    min_agents: float,
    lookahead_seconds: float,
    persistence: Persistence,
) -> dict[str, str]:
    """Groups the outlook has short (by ``min_agents`` or more) in some interval within
    ``lookahead_seconds``, persisting; each with why, in words."""
    outlook = policy.situation.outlook()
    last = int((view.now + lookahead_seconds) // view.interval_seconds) - outlook.first
    found = {}
    for group in view.groups:
        short = outlook.short[group][: last + 1]
        worst = max(short, default=0.0)
        if persistence.holds(group, worst >= min_agents):
            j = short.index(worst)
            when = view.plan.clock((outlook.first + j) * view.interval_seconds)
            found[group] = f"{group} short {worst:.1f} agents at {when}"
    return found


class CancelOffPhone(Policy):
    """Move (or cancel) activities that fall in a shortage of their group."""

    name = "cancel_offphone"
    description = "move off-phone activities out of a shortage, to the trough of the shift"
    Params = Params

    def __init__(self, params: PolicyParams | None = None) -> None:
        super().__init__(params)
        assert isinstance(self.params, Params)
        self.persistence = Persistence(self.params.persistence_checks)
        self.moved: set[tuple[int, int]] = set()

    def decide(self, view: RealtimeView) -> list[Action]:
        p = self.params
        assert isinstance(p, Params)
        self.read(view)
        lookahead = 60.0 * p.lookahead_minutes
        short = short_now_or_ahead(self, view, p.min_short_agents, lookahead, self.persistence)
        if not short:
            return []
        return activity_moves(
            view,
            self.situation.outlook(),
            short,
            lookahead,
            self.latency_seconds,
            p.mode,
            self.moved,
        )
