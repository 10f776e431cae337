"""Overtime for the group that is short, sized to the gap, when the gap persists ahead.

Each check the analyst reads the outlook (:mod:`sim.policies.outlook`: the reforecast rest
of the day, agents required per group and interval against agents expected on the phone).
When a group lacks agents over a run of coming intervals, at several checks in a row, it
asks for overtime covering that run (:func:`sim.policies.levers.overtime_call`): agents
whose shifts end just before or inside the run stay on (a shift extension), or, if none
do, agents off today are called in (lead time, minimum paid block). Accepted hours are paid
at the group's rate plus ``costs.overtime_premium``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sim.policies.api import Action, CallOvertime, RealtimeView
from sim.policies.base import Policy, PolicyParams
from sim.policies.levers import OvertimeTerms, overtime_call, short_window
from sim.policies.signals import Persistence

__all__ = ["Overtime", "Params", "OvertimeAsker"]


@dataclass(frozen=True)
class Params(PolicyParams):
    """When a group counts as short, and the terms of overtime.

    Short: the outlook has it lacking ``min_short_agents`` or more in at least
    ``min_short_intervals`` consecutive intervals, from the first one overtime can still
    reach, starting within ``lookahead_minutes``, at ``persistence_checks`` checks in a row
    (a gap further ahead is left for later checks: the reforecast will know more, and the
    budget stays for what comes). Terms: ``extension_acceptance`` (an
    agent asked to stay on accepts), ``call_in_acceptance``, ``call_in_lead_minutes`` and
    ``min_paid_hours`` (an agent called in), ``max_hours`` (per agent).
    ``max_agent_hours_per_day``: the cap on agent-hours *asked* over the day, all groups
    together (the analyst's budget, known when deciding).
    """

    min_short_agents: float = 1.0
    min_short_intervals: int = 2
    persistence_checks: int = 3
    lookahead_minutes: float = 60.0
    extension_acceptance: float = 0.5
    call_in_acceptance: float = 0.6
    call_in_lead_minutes: float = 30.0
    min_paid_hours: float = 2.0
    max_hours: float = 3.0
    max_agent_hours_per_day: float = 24.0
    max_agent_hours_per_week: float = 120.0

    def problems(self) -> list[tuple[str, Any, str]]:
        found = super().problems()
        for name in ("extension_acceptance", "call_in_acceptance"):
            value = getattr(self, name)
            if not 0 < value <= 1:
                found.append((name, value, "must be in (0, 1] (the chance an agent accepts)"))
        for name in ("min_short_intervals", "persistence_checks"):
            value = getattr(self, name)
            if not (float(value).is_integer() and value >= 1):
                found.append((name, value, "must be a whole number >= 1"))
        if math.isfinite(self.max_hours) and self.max_hours < 0.5:
            found.append(("max_hours", self.max_hours, "must be >= 0.5"))
        if math.isfinite(self.min_short_agents) and self.min_short_agents <= 0:
            found.append(("min_short_agents", self.min_short_agents, "must be > 0"))
        for name in ("max_agent_hours_per_day", "max_agent_hours_per_week"):
            budget = getattr(self, name)  # not caught by the generic *_hours rule
            if math.isfinite(budget) and budget < 0:
                found.append((name, budget, "must be >= 0"))
        return found

    def terms(self) -> OvertimeTerms:
        """The overtime terms these parameters set."""
        return OvertimeTerms(
            extension_acceptance=self.extension_acceptance,
            call_in_acceptance=self.call_in_acceptance,
            call_in_lead_minutes=self.call_in_lead_minutes,
            min_paid_hours=self.min_paid_hours,
            max_hours=self.max_hours,
        )


class OvertimeAsker:
    """The overtime lever with its memory: persistence per group, calls in flight, the
    day's budget. Used by :class:`Overtime` and by the analyst."""

    def __init__(self, params: Params, latency_seconds: float, check_seconds: float) -> None:
        self.params = params
        self.latency_seconds = latency_seconds
        self.check_seconds = check_seconds
        self.persistence = Persistence(params.persistence_checks)
        self.asked_hours = 0.0
        self.asked_before = 0.0  # on the earlier days of a week (scenario.days)
        self.quiet_until: dict[str, float] = {}  # group -> no new call before (in flight)

    def short_groups(self, policy: Policy, view: RealtimeView) -> dict[str, Any]:
        """Groups short over a run ahead that overtime can still reach, persisting."""
        p = self.params
        outlook = policy.situation.outlook()
        reach = view.now + self.latency_seconds
        first = int(reach // view.interval_seconds) - outlook.first
        last = int((view.now + 60.0 * p.lookahead_minutes) // view.interval_seconds) - outlook.first
        found = {}
        for group in view.groups:
            window = short_window(outlook, group, first, p.min_short_agents, p.min_short_intervals)
            if window is not None and window.start > last:
                window = None
            if self.persistence.holds(group, window is not None) and window is not None:
                found[group] = window
        return found

    def ask(
        self, policy: Policy, view: RealtimeView, group: str, window, extra: str = ""
    ) -> Action | None:
        """Overtime for ``group`` over ``window`` (None if in flight, no lever fits, or the
        budget is spent)."""
        if view.now < self.quiet_until.get(group, -math.inf):
            return None
        p = self.params
        outlook = policy.situation.outlook()
        plan = view.plan
        start = (outlook.first + window.start) * view.interval_seconds
        reason = (
            f"{group} short {window.agents:.1f} agents from "
            f"{plan.clock(start)} for {window.intervals} interval(s){extra}"
        )
        budget = min(
            p.max_agent_hours_per_day - self.asked_hours,
            p.max_agent_hours_per_week - self.asked_before - self.asked_hours,
        )
        action = overtime_call(
            view, outlook, group, window, p.terms(), self.latency_seconds, budget, reason
        )
        if action is None:
            return None
        self.asked_hours += action.agents * action.hours
        # The accepted agents appear in the outlook once the call applies.
        self.quiet_until[group] = view.now + self.latency_seconds + self.check_seconds
        self.persistence.reset(group)
        return action

    def dropped(self, action: Action) -> None:
        """``action`` (from :meth:`ask`) was never made: its budget and quiet time return."""
        if isinstance(action, CallOvertime):
            self.asked_hours -= action.agents * action.hours
            self.quiet_until.pop(action.group, None)


class Overtime(Policy):
    """Overtime (shift extension or call-in) for each group short over a persisting run of
    coming intervals, sized to the mean lack."""

    name = "overtime"
    description = "overtime for the group that is short, sized to the gap ahead"
    Params = Params

    def __init__(self, params: PolicyParams | None = None) -> None:
        super().__init__(params)
        assert isinstance(self.params, Params)
        self.asker = OvertimeAsker(
            self.params, self.latency_seconds, self.check_interval_seconds or 0.0
        )

    def dropped(self, action: Action) -> None:
        """A playbook dropped ``action``: the call was never made."""
        self.asker.dropped(action)

    def overtime_hours_asked(self) -> float:
        return self.asker.asked_hours

    def continue_week(self, hours_asked_before: float) -> None:
        self.asker.asked_before = hours_asked_before

    def decide(self, view: RealtimeView) -> list[Action]:
        self.read(view)
        actions: list[Action] = []
        for group, window in self.asker.short_groups(self, view).items():
            action = self.asker.ask(self, view, group, window)
            if action is not None:
                actions.append(action)
        return actions
