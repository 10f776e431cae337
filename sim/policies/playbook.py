"""An analyst's written playbook: other policies as rungs of a ladder, tried in order.

Steps are found by name among the policies defined in :mod:`sim.policies`
(:func:`~sim.policies.base.defined_policies`): all of them once
:mod:`sim.policies.registry` is imported, as the config and the experiment layer do.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sim.policies.api import (
    Action,
    CallOvertime,
    CancelItem,
    OfferVTO,
    PostponeItem,
    SetPreference,
)
from sim.policies.base import Policy, PolicyParams, build_params, defined_policies

if TYPE_CHECKING:
    from sim.core.scenario import Scenario
    from sim.policies.api import RealtimeView

#: Set on the playbook itself: its check interval and latency apply to every step.
_SHARED = ("check_interval_minutes", "latency_minutes")


@dataclass(frozen=True)
class Params(PolicyParams):
    """The rungs of the playbook and their settings.

    ``steps``: policy names in priority order (first = tried first). ``overrides``: per step
    name, parameters of that step's policy (its own defaults otherwise); the playbook's
    ``check_interval_minutes`` and ``latency_minutes`` apply to every step.
    """

    steps: tuple[str, ...] = ("cancel_offphone", "move_agents", "overtime", "callback")
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict, hash=False)

    def problems(self) -> list[tuple[str, Any, str]]:
        found = super().problems()
        policies = defined_policies()
        steps = self.steps
        if not isinstance(steps, tuple) or not all(isinstance(s, str) for s in steps):
            return [*found, ("steps", steps, "must be a list of policy names")]
        if not steps:
            found.append(("steps", [], "must name at least one policy"))
        allowed = sorted(n for n, cls in policies.items() if not issubclass(cls, PlaybookPolicy))
        for i, name in enumerate(steps):
            cls = policies.get(name)
            if cls is None:
                found.append((f"steps[{i}]", name, f"unknown policy; allowed: {allowed}"))
            elif issubclass(cls, PlaybookPolicy):
                found.append((f"steps[{i}]", name, "a playbook cannot be a step of a playbook"))
        twice = sorted({s for s in steps if steps.count(s) > 1})
        if twice:
            found.append(("steps", list(steps), f"must not name a step twice: {twice}"))
        overrides = self.overrides
        if not isinstance(overrides, Mapping):
            return [*found, ("overrides", overrides, "must be a mapping of step: parameters")]
        for name, values in overrides.items():
            key = f"overrides.{name}"
            if name not in steps:
                found.append((key, values, f"not a step of this playbook; steps: {list(steps)}"))
            elif not isinstance(values, Mapping):
                found.append((key, values, "must be a mapping of parameter: value"))
            elif name in policies and not issubclass(policies[name], PlaybookPolicy):
                for shared in _SHARED:
                    if shared in values:
                        found.append(
                            (f"{key}.{shared}", values[shared], "set it on the playbook itself")
                        )
                rest = {k: v for k, v in values.items() if k not in _SHARED}
                _, bad = build_params(policies[name].Params, rest, key)
                found.extend(bad)
        return found


class PlaybookPolicy(Policy):
    """Ask each step's policy in priority order; escalate only where earlier rungs did nothing.

    Each check, every step (one policy instance per step, keeping its own state) sees the
    same view and reads the same signals and outlook (computed once). A step's action that
    would change what a higher-priority step already changed in this check is dropped (and
    the step, if it has a ``dropped(action)`` method, is told, so it can try again later).
    Kept actions carry the step's name in their reason. What an action changes: a group's
    agents on the phone (overtime, time off, an agent's moved or cancelled item), how a
    group routes one contact type (a preference change), or what a contact type's callers
    are offered (callbacks, outsourcing). So a preference change does not hold back
    overtime for the same group: only a lever that changes its staffing does.
    """

    name = "playbook"
    description = "an analyst's playbook: several policies tried in priority order"
    Params = Params

    def __init__(self, params: PolicyParams | None = None) -> None:
        super().__init__(params)
        self.steps = _build_steps(self.params)  # type: ignore[arg-type]
        for _, step in self.steps:
            step.situation = self.situation  # one set of signals for every rung

    def decide(self, view: RealtimeView) -> list[Action]:
        acted: set[tuple[Any, ...]] = set()
        kept: list[Action] = []
        for name, policy in self.steps:
            if policy.check_interval_seconds is None:
                continue  # a policy that is never consulted (the baseline)
            mine: set[tuple[Any, ...]] = set()
            for action in policy.decide(view):
                targets = _targets(action, view)
                if targets & acted:
                    notify = getattr(policy, "dropped", None)
                    if notify is not None:
                        notify(action)
                    continue
                mine |= targets
                reason = f"{name}: {action.reason}" if action.reason else name
                kept.append(dataclasses.replace(action, reason=reason))
            acted |= mine
        return kept

    def overtime_hours_asked(self) -> float:
        return sum(policy.overtime_hours_asked() for _, policy in self.steps)

    def continue_week(self, hours_asked_before: float) -> None:
        for _, policy in self.steps:  # one rung at most calls overtime
            policy.continue_week(hours_asked_before)

    def check(self, scenario: Scenario) -> list[tuple[str, Any, str]]:
        """Its own names, and each step's (reported as ``overrides.<step>.<field>``)."""
        found = super().check(scenario)
        for name, policy in self.steps:
            found += [(f"overrides.{name}.{f}", v, why) for f, v, why in policy.check(scenario)]
        return found


def _build_steps(params: Params) -> list[tuple[str, Policy]]:
    """One instance per step, with the playbook's check interval and latency."""
    bad = params.problems()
    if bad:
        raise ValueError("; ".join(f"policy.playbook.{k} = {v!r}: {why}" for k, v, why in bad))
    policies = defined_policies()
    steps = []
    for name in params.steps:
        cls = policies[name]
        values = dict(params.overrides.get(name, {}))
        values.update({k: getattr(params, k) for k in _SHARED})
        built, problems = build_params(cls.Params, values, f"policy.playbook.overrides.{name}")
        if problems or built is None:
            raise ValueError("; ".join(f"{k} = {v!r}: {why}" for k, v, why in problems))
        steps.append((name, cls(built)))
    return steps


def _targets(action: Action, view: RealtimeView) -> set[tuple[Any, ...]]:
    """What an action changes: ("staff", group), ("routing", group, type) or
    ("offer", type)."""
    if isinstance(action, (CancelItem, PostponeItem)):
        for item in view.upcoming:
            if item.item_id == action.item:
                return {("staff", item.group)}
        return {("item", action.item)}
    if isinstance(action, SetPreference):
        return {("routing", action.group, action.contact_type)}
    if isinstance(action, (CallOvertime, OfferVTO)):
        return {("staff", action.group)}
    contact_type = getattr(action, "contact_type", "")
    return {("offer", contact_type)}
