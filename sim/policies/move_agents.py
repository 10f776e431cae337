"""Move cross-skilled agents onto a struggling queue, and back once it has recovered.

A queue struggles when its service level over the last ``rolling_minutes`` (a rolling
window, not the interval so far) is below its target beyond chance (a one-sided binomial
test at ``alpha`` on at least ``min_decided`` contacts), or when contacts wait and its
expected wait (Erlang A on the agents serving) exceeds twice the threshold, at
``persistence_checks`` checks in a row. Groups that have the skill
but serve the queue after something else, or only after an overflow delay, and whose own
queues are comfortable, are then told to serve it first and at once (no overflow delay).
The queue recovers when its rolling service level is above target plus ``release_margin``
(or nobody waits and its expected wait is within the threshold) at ``persistence_checks``
checks in a row; no change of the same (group, queue) within ``min_hold_minutes`` of the
last (no flapping).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sim.policies.api import Action, RealtimeView, SetPreference
from sim.policies.base import Policy, PolicyParams
from sim.policies.signals import Hold, Persistence

__all__ = ["MoveAgents", "Params"]


@dataclass(frozen=True)
class Params(PolicyParams):
    """Move when the rolling service level is below target beyond chance (test at
    ``alpha``; or the expected wait is over twice the threshold); move back when it is
    above target + ``release_margin``; each held ``min_hold_minutes`` at least."""

    alpha: float = 0.05
    release_margin: float = 0.02
    rolling_minutes: float = 60.0
    min_decided: int = 30
    persistence_checks: int = 2
    min_hold_minutes: float = 90.0

    def problems(self) -> list[tuple[str, Any, str]]:
        found = super().problems()
        if math.isfinite(self.release_margin) and not 0 <= self.release_margin <= 1:
            found.append(("release_margin", self.release_margin, "must be in [0, 1]"))
        if not 0 < self.alpha < 1:
            found.append(("alpha", self.alpha, "must be in (0, 1) (a significance level)"))
        for name, low in (("min_decided", 0), ("persistence_checks", 1)):
            value = getattr(self, name)
            if not (float(value).is_integer() and value >= low):
                found.append((name, value, f"must be a whole number >= {low}"))
        if self.rolling_minutes <= 0:
            found.append(("rolling_minutes", self.rolling_minutes, "must be > 0"))
        return found


class MoveAgents(Policy):
    """Cross-skilled groups serve a struggling queue first and at once, with hysteresis
    and a minimum hold time.

    State: the (group, contact type) pairs currently raised, and when each last changed.
    """

    name = "move_agents"
    description = "cross-skilled groups serve a struggling queue first until it recovers"
    Params = Params

    def __init__(self, params: PolicyParams | None = None) -> None:
        super().__init__(params)
        p = self.params
        assert isinstance(p, Params)
        self._raised: set[tuple[str, str]] = set()
        self.struggling = Persistence(p.persistence_checks)
        self.recovered = Persistence(p.persistence_checks)
        self.hold = Hold(60.0 * p.min_hold_minutes)

    def decide(self, view: RealtimeView) -> list[Action]:
        p = self.params
        assert isinstance(p, Params)
        tracker = self.read(view).tracker
        window = 60.0 * p.rolling_minutes
        state = {}
        for name, q in view.queues.items():
            if q.channel == "email":
                continue
            recent = tracker.window(name, window)
            sl = recent.service_level(p.min_decided)
            long_wait = q.waiting > 0 and q.expected_wait_seconds > 2 * q.threshold_seconds
            bad = recent.below_target(q.target, p.alpha, p.min_decided) or long_wait
            good = (not math.isnan(sl) and sl > q.target + p.release_margin) or (
                q.waiting == 0 and q.expected_wait_seconds <= q.threshold_seconds and math.isnan(sl)
            )
            state[name] = (sl, self.struggling.holds(name, bad), self.recovered.holds(name, good))
        actions: list[Action] = []
        for name, (sl, struggles, recovered) in state.items():
            q = view.queues[name]
            shown = "n/a" if math.isnan(sl) else f"{sl:.2f}"
            for group in view.groups.values():
                key = (group.name, name)
                if not self.hold.may_change(key, view.now):
                    continue
                if (
                    struggles
                    and key not in self._raised
                    and self._may_help(view, group, name, state)
                ):
                    why = (
                        f"{name}: {p.rolling_minutes:g}-min SL {shown} vs target {q.target:.2f}, "
                        f"expected wait {q.expected_wait_seconds:.0f} s: {group.name} serves it first"
                    )
                    self._raised.add(key)
                    self.hold.changed(key, view.now)
                    actions.append(
                        SetPreference(
                            reason=why, group=group.name, contact_type=name, level=0, immediate=True
                        )
                    )
                elif recovered and key in self._raised:
                    self._raised.discard(key)
                    self.hold.changed(key, view.now)
                    actions.append(
                        SetPreference(
                            reason=f"{name}: {p.rolling_minutes:g}-min SL {shown}: as planned",
                            group=group.name,
                            contact_type=name,
                            level=None,
                        )
                    )
        return actions

    @staticmethod
    def _may_help(view: RealtimeView, group, name: str, state) -> bool:
        """Whether ``group`` serves ``name`` only after something else (a later level or an
        overflow delay) and none of its first-choice queues struggles."""
        plan = view.plan
        if name not in group.skills:
            return False
        delayed = plan.groups[group.name].overflow_delay.get(name, 0.0) > 0
        if group.skills[0] == name and not delayed:
            return False  # it serves this queue first already
        own = [t for t, level, _ in plan.groups[group.name].skills if level == 1 and t != name]
        return not any(state.get(t, (math.nan, False, False))[1] for t in own)
