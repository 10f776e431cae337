"""Hold each group's rolling occupancy under a cap: let cross-skilled groups help, then
offer callbacks; step back once the group is comfortably under the cap again.

The signal is the group's rolling 60-minute occupancy (``GroupView.rolling_occupancy``: busy
over on-phone agents counted at every minute of the last hour, :mod:`sim.core.fatigue`), a
smooth figure that does not reset at interval boundaries. A group is *over* when it exceeds
``cap`` and *under* when it is below ``cap - release_margin``, each at
``persistence_checks`` checks running (:class:`~sim.policies.signals.Persistence`). An over
group gets one more lever per step, cheapest first:

1. *overflow*: groups that have the skill for the over group's first-choice queues but
   serve them later (a lower preference or after an overflow delay), whose own rolling
   occupancy is below ``cap - release_margin``, serve those queues at preference 1 and at
   once (:class:`~sim.policies.api.SetPreference`). Sized to the gap: helpers are taken,
   most spare first, until their spare agents (on the phone x (cap - their occupancy))
   cover the over group's excess (on the phone x (its occupancy - cap));
2. *callbacks* (``callbacks``): the over group's first-choice voice queues offer a
   callback to callers whose expected wait exceeds ``callback_wait_seconds``.

When neither is left the group's levers are spent: nothing more is done for it (the
action log shows what was). An under group gives back its last lever (callbacks first,
then helpers); a helper that goes over the cap itself is released. Each group changes at
most once per ``min_hold_minutes`` (:class:`~sim.policies.signals.Hold`): the rolling hour
needs time to show a step's effect before the next.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sim.policies.api import Action, GroupView, OfferCallbacks, RealtimeView, SetPreference
from sim.policies.base import Policy, PolicyParams
from sim.policies.signals import Hold, Persistence

__all__ = ["OccupancyCap", "Params"]


@dataclass(frozen=True)
class Params(PolicyParams):
    """The cap and the levers.

    ``groups``: the groups held under the cap (empty: every group); checked against the
    scenario. ``cap`` in (0, 1]: the rolling occupancy to stay under; ``release_margin``:
    a lever is given back below ``cap - release_margin`` (hysteresis; helpers need that much
    room). ``persistence_checks``, ``min_hold_minutes``: see the module. ``callbacks``:
    whether callbacks are a lever; offered above ``callback_wait_seconds`` of expected
    wait, accepted with ``callback_acceptance_probability``, on time within
    ``callback_threshold_minutes``.
    """

    groups: tuple[str, ...] = ()
    cap: float = 0.85
    release_margin: float = 0.05
    persistence_checks: int = 3
    min_hold_minutes: float = 30.0
    callbacks: bool = True
    callback_wait_seconds: float = 60.0
    callback_acceptance_probability: float = 0.5
    callback_threshold_minutes: float = 60.0

    def problems(self) -> list[tuple[str, Any, str]]:
        found = super().problems()
        if not 0 < self.cap <= 1:
            found.append(("cap", self.cap, "must be a share in (0, 1]"))
        if math.isfinite(self.release_margin) and not 0 <= self.release_margin < 1:
            found.append(("release_margin", self.release_margin, "must be in [0, 1)"))
        if not (float(self.persistence_checks).is_integer() and self.persistence_checks >= 1):
            found.append(
                ("persistence_checks", self.persistence_checks, "must be a whole number >= 1")
            )
        groups = self.groups
        if not isinstance(groups, tuple) or not all(isinstance(g, str) for g in groups):
            found.append(("groups", groups, "must be a list of group names"))
        elif len(set(groups)) != len(groups):
            found.append(("groups", list(groups), "must not name a group twice"))
        return found


#: The parameters' class under a name that the policy's ``Params`` attribute does not shadow.
_Params = Params


class OccupancyCap(Policy):
    """Overflow to cross-skilled helpers, then callbacks, while a group's rolling occupancy
    is over the cap (see the module).

    State: per capped group, the levers in use (helpers as (group, queue) pairs, queues
    with callbacks armed), in the order they were pulled.
    """

    name = "occupancy_cap"
    description = "hold each group's rolling occupancy under a cap: overflow, then callbacks"
    Params = Params

    def __init__(self, params: PolicyParams | None = None) -> None:
        super().__init__(params)
        p = self.params
        assert isinstance(p, Params)
        self.over = Persistence(p.persistence_checks)
        self.under = Persistence(p.persistence_checks)
        self.hold = Hold(60.0 * p.min_hold_minutes)
        #: Per capped group, the steps taken, last last: ("help", helper, queue) or
        #: ("callback", queue).
        self.steps: dict[str, list[tuple[str, ...]]] = {}
        self.helping: dict[tuple[str, str], str] = {}  # (helper, queue) -> capped group
        self.armed: set[str] = set()  # queues with callbacks on
        self.spent: set[str] = set()  # capped groups with no lever left (as last seen)
        self.base: dict[str, float] = {}  # helper -> its rolling occupancy when it began

    def decide(self, view: RealtimeView) -> list[Action]:
        p = self.params
        assert isinstance(p, Params)
        names = list(p.groups) or list(view.groups)
        actions: list[Action] = []
        for name in names:
            group = view.groups[name]
            rolling = group.rolling_occupancy
            if math.isnan(rolling):
                continue
            over = self.over.holds(name, rolling > p.cap)
            under = self.under.holds(
                name, self._without_last(view, group) < p.cap - p.release_margin
            )
            if not self.hold.may_change(name, view.now):
                continue
            if over:
                taken = self._step_up(view, group, p)
                if taken:
                    self.hold.changed(name, view.now)
                    self.over.reset(name)
                    actions += taken
            elif under and self.steps.get(name):
                actions += self._step_down(view, group, p)
                self.hold.changed(name, view.now)
                self.under.reset(name)
        actions += self._release_tired_helpers(view, p)
        return actions

    def _without_last(self, view: RealtimeView, group: GroupView) -> float:
        """``group``'s rolling occupancy as it would be without its last lever: with
        helpers, plus the work they took on (each helper's on-phone agents times the rise
        of its rolling occupancy since it began to help), over ``group``'s agents on the
        phone; callbacks (which only defer work) are judged on the occupancy itself."""
        steps = self.steps.get(group.name)
        rolling = group.rolling_occupancy
        if not steps or steps[-1][0] != "help":
            return rolling
        on_phone = group.available + group.busy + group.wrap_up
        if on_phone <= 0:
            return rolling
        extra = 0.0
        for helper in {s[1] for s in steps if s[0] == "help"}:
            h = view.groups[helper]
            rise = h.rolling_occupancy - self.base[helper]
            extra += (h.available + h.busy + h.wrap_up) * max(0.0, rise)
        return rolling + extra / on_phone

    # -- levers -----------------------------------------------------------------------

    def _first_queues(self, view: RealtimeView, group: str) -> list[str]:
        """The queues ``group`` serves first and at once (its preference-1 skills)."""
        plan = view.plan.groups[group]
        return [t for t, level, _ in plan.skills if level == 1 and not plan.overflow_delay.get(t)]

    def _step_up(self, view: RealtimeView, group: GroupView, p: _Params) -> list[Action]:
        """The next lever for the over ``group``, sized to its excess; empty if none is left."""
        name = group.name
        on_phone = group.available + group.busy + group.wrap_up
        excess = on_phone * (group.rolling_occupancy - p.cap)
        head = (
            f"{name}: rolling 60-min occupancy {group.rolling_occupancy:.2f} > cap {p.cap:.2f} "
            f"at {p.persistence_checks} checks running (excess {excess:.1f} agents)"
        )
        queues = self._first_queues(view, name)
        helpers = []
        for other in view.groups.values():
            if other.name == name or math.isnan(other.rolling_occupancy):
                continue
            room = p.cap - p.release_margin - other.rolling_occupancy
            if room <= 0:
                continue
            mine = [q for q in queues if self._may_help(view, other.name, q)]
            if mine:
                spare = (other.available + other.busy + other.wrap_up) * (
                    p.cap - other.rolling_occupancy
                )
                helpers.append((spare, other.name, mine))
        helpers.sort(key=lambda h: (-h[0], h[1]))
        actions: list[Action] = []
        covered = 0.0
        for spare, helper, mine in helpers:
            if covered >= excess:
                break
            covered += spare
            self.base.setdefault(helper, view.groups[helper].rolling_occupancy)
            for q in mine:
                self.helping[(helper, q)] = name
                self.steps.setdefault(name, []).append(("help", helper, q))
                actions.append(
                    SetPreference(
                        reason=f"{head}: {helper} ({spare:.1f} agents spare) serves {q} first",
                        group=helper,
                        contact_type=q,
                        level=1,
                        immediate=True,
                    )
                )
        if actions:
            self.spent.discard(name)
            return actions
        if p.callbacks:
            for q in queues:
                if view.queues[q].channel != "voice" or q in self.armed:
                    continue
                self.armed.add(q)
                self.steps.setdefault(name, []).append(("callback", q))
                actions.append(
                    OfferCallbacks(
                        reason=f"{head}: no helper with room: callbacks on {q} above "
                        f"{p.callback_wait_seconds:g} s expected wait",
                        contact_type=q,
                        above_wait_seconds=p.callback_wait_seconds,
                        acceptance_probability=p.callback_acceptance_probability,
                        threshold_seconds=60.0 * p.callback_threshold_minutes,
                    )
                )
        if not actions:
            self.spent.add(name)
        return actions

    def _may_help(self, view: RealtimeView, helper: str, queue: str) -> bool:
        """Whether ``helper`` has the skill for ``queue`` but serves it later (a lower
        preference or an overflow delay), and is not helping with it already."""
        if (helper, queue) in self.helping:
            return False
        plan = view.plan.groups[helper]
        for t, level, _ in plan.skills:
            if t == queue:
                return level > 1 or plan.overflow_delay.get(t, 0.0) > 0
        return False

    def _step_down(self, view: RealtimeView, group: GroupView, p: _Params) -> list[Action]:
        """Give back the under ``group``'s last lever (all helpers of the last step)."""
        name = group.name
        steps = self.steps[name]
        without = self._without_last(view, group)
        why = (
            f"{name}: rolling 60-min occupancy {group.rolling_occupancy:.2f} "
            f"({without:.2f} without its last lever) < {p.cap - p.release_margin:.2f} "
            f"at {p.persistence_checks} checks running"
        )
        kind = steps[-1][0]
        actions: list[Action] = []
        while steps and steps[-1][0] == kind:
            step = steps.pop()
            if kind == "callback":
                self.armed.discard(step[1])
                actions.append(
                    OfferCallbacks(
                        reason=f"{why}: callbacks on {step[1]} off",
                        contact_type=step[1],
                        above_wait_seconds=None,
                        threshold_seconds=60.0 * p.callback_threshold_minutes,
                    )
                )
            else:
                actions.append(self._unhelp(step[1], step[2], f"{why}: {step[1]} back to plan"))
        self.spent.discard(name)
        return actions

    def _unhelp(self, helper: str, queue: str, reason: str) -> SetPreference:
        self.helping.pop((helper, queue), None)
        if not any(h == helper for h, _ in self.helping):
            self.base.pop(helper, None)
        return SetPreference(reason=reason, group=helper, contact_type=queue, level=None)

    def _release_tired_helpers(self, view: RealtimeView, p: _Params) -> list[Action]:
        """Helpers over the cap themselves (persisting) go back to their plan."""
        actions: list[Action] = []
        for (helper, queue), capped in list(self.helping.items()):
            occupancy = view.groups[helper].rolling_occupancy
            tired = self.over.holds(("helper", helper, queue), occupancy > p.cap)
            if tired and self.hold.may_change(("helper", helper), view.now):
                self.hold.changed(("helper", helper), view.now)
                self.steps[capped].remove(("help", helper, queue))
                actions.append(
                    self._unhelp(
                        helper,
                        queue,
                        f"{helper}: rolling 60-min occupancy {occupancy:.2f} > cap "
                        f"{p.cap:.2f} itself: stops serving {queue} first",
                    )
                )
        return actions

    def dropped(self, action: Action) -> None:
        """A playbook dropped ``action``: forget the lever, so that a later check may pull
        it again."""
        if isinstance(action, SetPreference) and action.level is not None:
            capped = self.helping.pop((action.group, action.contact_type), None)
            if capped is not None:
                self.steps[capped].remove(("help", action.group, action.contact_type))
        elif isinstance(action, OfferCallbacks) and action.above_wait_seconds is not None:
            self.armed.discard(action.contact_type)
            for steps in self.steps.values():
                if ("callback", action.contact_type) in steps:
                    steps.remove(("callback", action.contact_type))
