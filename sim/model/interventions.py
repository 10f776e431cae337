"""What realtime policies do inside a replication (a part of :class:`sim.model.ContactCenter`).

The model consults its policy every check interval with a :class:`~sim.realtime.RealtimeView`
and applies the returned actions after the policy's latency, recording each in an action
log. Without a policy (``none``) none of this runs: no check process, no extra events.

Randomness of the analyst's world (does an agent accept overtime, VTO; does a caller accept
a callback) comes from its own streams, so a policy's choices never shift the draws of
arrivals, handle times, patience or absences (common random numbers).
"""

from __future__ import annotations

import math
from array import array
from functools import partial

import numpy as np
import simpy
from simpy.events import URGENT

from sim.core.scenario import Scenario
from sim.core.streams import Streams
from sim.model.agent import Agent
from sim.model.routing import Router
from sim.model.states import ContactState
from sim.model.view import build_view
from sim.model.workdays import DayItem, PlannedDay
from sim.policies.api import (
    Action,
    CallOvertime,
    CancelItem,
    OfferCallbacks,
    OfferVTO,
    Outsource,
    PostponeItem,
    SetPreference,
)
from sim.policies.base import Policy

__all__ = ["PolicyEffects"]

_EPS = 1e-9
PENDING, RUNNING, DONE, DROPPED = 0, 1, 2, 3


class PolicyEffects:
    """Mixin: policy checks, actions and their effects on agents, routing and contacts."""

    # Provided by ContactCenter.
    scenario: Scenario
    env: simpy.Environment
    router: Router
    arrival: list[float]
    state: bytearray
    queued: bytearray
    resolved_at: array
    in_system: int
    is_voice: list[bool]
    days: list[PlannedDay]
    agents: list[Agent]
    agent_day: list[int]
    callback: bytearray

    def _log_in(self, group: int) -> Agent:  # type: ignore[empty-body]
        ...
    def _log_out(self, agent: Agent) -> None: ...
    def _set_staff(self, group: int, target: int) -> None: ...

    def _init_policy(self, policy: Policy | None, streams: Streams) -> None:
        scenario = self.scenario
        interval = None if policy is None else policy.check_interval_seconds
        self.policy = policy if interval is not None else None
        n_types, n_groups = len(scenario.contact_types), len(scenario.groups)
        self.policy_streams = streams
        self.offered_so_far = [0] * n_types
        self.interval_start_counts = [(0, 0, 0)] * n_types
        self.day_items = [[DayItem(*item) for item in day.items] for day in self.days]
        self.sent_home = [False] * len(self.days)
        self.day_agent = [-1] * len(self.days)  # agent id of each scheduled day, once logged in
        self.overtime_now = [0] * n_groups
        self.overtime_hours_called = 0.0
        self.vto_hours_granted = 0.0
        self.staff_offset = [0] * n_groups
        self.action_log: list[tuple] = []
        self.extra_cost = np.zeros((n_groups, scenario.intervals))
        self.callback_rule: list[OfferCallbacks | None] = [None] * n_types
        self.callback_threshold = [math.inf] * n_types
        self.outsource_after: list[float | None] = [None] * n_types
        self.mean_work = [
            t.handle_time.mean + (t.wrap_up.mean if t.wrap_up is not None else 0.0)
            for t in scenario.contact_types
        ]
        self.skilled_groups = [
            [g for g, group in enumerate(scenario.groups) if group.skill_for(t.name)]
            for t in scenario.contact_types
        ]

    def _start_policy(self) -> None:
        if self.policy is None:
            return
        self.env.process(self._policy_checks())
        length = self.scenario.interval_seconds
        for k in range(1, self.scenario.intervals):
            # Interval-to-date counters restart at each boundary before anything else happens
            # at that instant (log-ins, answers, a check): an already-triggered event scheduled
            # with URGENT priority, as SimPy itself does for process starts.
            boundary = simpy.Event(self.env)
            boundary._ok, boundary._value = True, None
            boundary.callbacks.append(self._on_boundary)
            self.env.schedule(boundary, URGENT, k * length)

    def _on_boundary(self, _event: simpy.Event) -> None:
        self._snapshot_interval()

    def _snapshot_interval(self) -> None:
        router = self.router
        self.interval_start_counts = [
            (self.offered_so_far[k], router.answered_in_threshold[k], router.decided[k])
            for k in range(len(self.offered_so_far))
        ]

    def _policy_checks(self):
        policy = self.policy
        assert policy is not None and policy.check_interval_seconds is not None
        every, latency = policy.check_interval_seconds, policy.latency_seconds
        horizon = self.scenario.horizon_seconds
        t = every
        while t < horizon:
            yield self.env.timeout(t - self.env.now)
            now = self.env.now
            for action in policy.decide(build_view(self)):
                apply = partial(self._apply, action, now)
                self.env.timeout(latency).callbacks.append(apply)
            t += every

    def expected_wait(self, k: int) -> float:
        """Wallboard estimate of the wait of a type-``k`` contact arriving now (seconds)."""
        router = self.router
        on_phone = sum(len(router.logged_in[g]) for g in self.skilled_groups[k])
        if on_phone == 0:
            return math.inf
        return (router.waiting[k] + 1) * self.mean_work[k] / on_phone

    # -- applying actions ------------------------------------------------------------------

    def _record(
        self,
        decided: float,
        action: Action,
        target: str,
        agents: int,
        cost: float,
        book: bool = False,
    ):
        """Log an applied action; ``book``: add its cost to the day's cost (a premium paid
        on top of logged-in hours). A saving from fewer logged-in hours is not booked: the
        cost KPI already counts fewer hours."""
        now = self.env.now
        self.action_log.append((decided, now, action.kind, target, agents, cost, action.reason))
        if cost and book:
            g = (
                self.scenario.group_names.index(target)
                if target in self.scenario.group_names
                else -1
            )
            if g >= 0:
                k = min(int(now // self.scenario.interval_seconds), self.scenario.intervals - 1)
                self.extra_cost[g, k] += cost

    def _apply(self, action: Action, decided: float, _event: simpy.Event | None = None) -> None:
        if isinstance(action, PostponeItem):
            self._postpone(action, decided)
        elif isinstance(action, CancelItem):
            self._cancel(action, decided)
        elif isinstance(action, SetPreference):
            g = self.scenario.group_names.index(action.group)
            k = self.scenario.type_names.index(action.contact_type)
            changed = self.router.set_level(g, k, action.level)
            target = f"{action.group}/{action.contact_type}"
            self._record(
                decided, action, target, len(self.router.logged_in[g]) if changed else 0, 0.0
            )
        elif isinstance(action, CallOvertime):
            self._call_overtime(action, decided)
        elif isinstance(action, OfferVTO):
            self._offer_vto(action, decided)
        elif isinstance(action, OfferCallbacks):
            k = self.scenario.type_names.index(action.contact_type)
            self.callback_rule[k] = action if action.above_wait_seconds is not None else None
            self.callback_threshold[k] = action.threshold_seconds
            self._record(decided, action, action.contact_type, 0, 0.0)
        elif isinstance(action, Outsource):
            self._outsource(action, decided)
        else:
            raise TypeError(f"unknown action {action!r}")

    def _item(self, item_id: tuple[int, int]) -> tuple[PlannedDay, DayItem] | None:
        d, j = item_id
        if not (0 <= d < len(self.day_items) and 0 <= j < len(self.day_items[d])):
            return None
        return self.days[d], self.day_items[d][j]

    def _postpone(self, action: PostponeItem, decided: float) -> None:
        found = self._item(action.item)
        moved = 0
        if found is not None:
            day, item = found
            if item.state == PENDING and action.until > item.due:
                if item.kind in ("break", "lunch"):
                    until = min(action.until, item.latest)
                    if until > item.due:
                        item.due = until
                        moved = 1
                elif item.kind == "activity" and item.cancellable:
                    if action.until + item.duration > day.shift.end:
                        item.state = DROPPED  # no room left in the shift: off for today
                    else:
                        item.due = action.until
                    moved = 1
        self._record(decided, action, self._item_label(action.item), moved, 0.0)

    def _cancel(self, action: CancelItem, decided: float) -> None:
        found = self._item(action.item)
        done = 0
        if found is not None:
            _, item = found
            if item.state == PENDING and item.kind == "activity" and item.cancellable:
                item.state = DROPPED
                done = 1
        self._record(decided, action, self._item_label(action.item), done, 0.0)

    def _item_label(self, item_id: tuple[int, int]) -> str:
        found = self._item(item_id)
        if found is None:
            return f"unknown item {item_id}"
        day, item = found
        return f"{day.shift.agent}/{item.name}"

    def _current_staffing(self, g: int) -> int:
        scenario = self.scenario
        k = min(int(self.env.now // scenario.interval_seconds), scenario.intervals - 1)
        return max(0, int(scenario.groups[g].staffing[k]) + self.staff_offset[g])

    def _call_overtime(self, action: CallOvertime, decided: float) -> None:
        g = self.scenario.group_names.index(action.group)
        rng = self.policy_streams[f"overtime:{action.group}"]
        accepted = int((rng.random(action.agents) < action.acceptance_probability).sum())
        rate = self.scenario.costs.rate(action.group)
        premium = accepted * action.hours * rate * self.scenario.costs.overtime_premium
        self.overtime_hours_called += accepted * action.hours
        self._record(decided, action, action.group, accepted, premium, book=True)
        if accepted:
            start = self.env.timeout(60.0 * action.lead_minutes)
            start.callbacks.append(partial(self._overtime_starts, g, accepted, action.hours))

    def _overtime_starts(self, g: int, count: int, hours: float, _event=None) -> None:
        self.overtime_now[g] += count
        if self.scenario.groups[g].scheduled:
            extra = [self._log_in(g) for _ in range(count)]
        else:
            extra = []
            self.staff_offset[g] += count
            self._set_staff(g, self._current_staffing(g))
        end = self.env.timeout(3600.0 * hours)
        end.callbacks.append(partial(self._overtime_ends, g, count, extra))

    def _overtime_ends(self, g: int, count: int, extra: list[Agent], _event=None) -> None:
        self.overtime_now[g] -= count
        if extra:
            for agent in extra:
                if agent.logged_out:
                    continue
                if agent.sessions > 0:
                    self.router.send_home_when_free(agent)
                else:
                    self._log_out(agent)
        else:
            self.staff_offset[g] -= count
            self._set_staff(g, self._current_staffing(g))

    def _offer_vto(self, action: OfferVTO, decided: float) -> None:
        g = self.scenario.group_names.index(action.group)
        router = self.router
        rng = self.policy_streams[f"vto:{action.group}"]
        rate = self.scenario.costs.rate(action.group)
        now = self.env.now
        idle = [
            a
            for a in router.logged_in[g].values()
            if a.sessions == 0 and not (a.away or a.offline or a.leaving)
        ]
        offered = idle[-action.agents :] if action.agents else []  # most recently idle
        draws = rng.random(len(offered))
        accepted = [
            a for a, u in zip(offered, draws, strict=True) if u < action.acceptance_probability
        ]
        hours_saved = 0.0
        if self.scenario.groups[g].scheduled:
            for agent in accepted:
                d = self.agent_day[agent.id]
                if d < 0:  # an overtime agent: its overtime simply ends
                    hours_saved += 0.0
                else:
                    self.sent_home[d] = True
                    hours_saved += max(0.0, self.days[d].logout - now) / 3600.0
                self._log_out(agent)
        elif accepted:
            until = self.scenario.horizon_seconds
            if action.hours is not None:
                until = min(until, now + 3600.0 * action.hours)
            hours_saved = len(accepted) * (until - now) / 3600.0
            self.staff_offset[g] -= len(accepted)
            self._set_staff(g, self._current_staffing(g))
            if action.hours is not None:
                back = self.env.timeout(until - now)
                back.callbacks.append(partial(self._vto_ends, g, len(accepted)))
        self.vto_hours_granted += hours_saved
        self._record(decided, action, action.group, len(accepted), -hours_saved * rate)

    def _vto_ends(self, g: int, count: int, _event=None) -> None:
        self.staff_offset[g] += count
        self._set_staff(g, self._current_staffing(g))

    # -- callbacks and the outsourcer ----------------------------------------------------------

    def _offers_callback(self, i: int, k: int) -> bool:
        """Contact ``i`` found no agent: is it offered a callback, and does it accept?"""
        rule = self.callback_rule[k]
        if rule is None or self.expected_wait(k) <= rule.above_wait_seconds:  # type: ignore[operator]
            return False
        rng = self.policy_streams[f"callback:{self.scenario.contact_types[k].name}"]
        if rng.random() >= rule.acceptance_probability:
            return False
        self.callback[i] = 1
        self.queued[i] = 1
        if self.scenario.trunks is not None and self.is_voice[k]:
            self.in_system -= 1  # the caller hangs up and waits to be called
        self.router.enqueue_callback(i)
        return True

    def _outsource(self, action: Outsource, decided: float) -> None:
        k = self.scenario.type_names.index(action.contact_type)
        self.outsource_after[k] = action.after_wait_seconds
        self._record(decided, action, action.contact_type, 0, 0.0)
        if action.after_wait_seconds is None:
            return
        now = self.env.now
        for i in list(self.router.queues[k]):
            if self.state[i] == ContactState.WAITING:
                due = max(0.0, self.arrival[i] + action.after_wait_seconds - now)
                self.env.timeout(due, i).callbacks.append(self._outsource_due)

    def _watch_for_outsourcing(self, i: int, k: int) -> None:
        after = self.outsource_after[k]
        if after is not None:
            self.env.timeout(after, i).callbacks.append(self._outsource_due)

    def _outsource_due(self, event: simpy.Event) -> None:
        i: int = event.value  # type: ignore[assignment]
        k = self.router.ctype[i]
        after = self.outsource_after[k]
        if (
            self.state[i] != ContactState.WAITING
            or self.callback[i]
            or after is None
            or self.env.now - self.arrival[i] < after - _EPS
        ):
            return
        self.state[i] = ContactState.OUTSOURCED
        self.resolved_at[i] = self.env.now
        self.router.dequeued(i, answered=False)
        if self.scenario.trunks is not None and self.is_voice[k]:
            self.in_system -= 1

    def action_table(self) -> list[tuple]:
        """Every applied action as a tuple of :data:`ACTION_COLUMNS`, in time order."""
        return list(self.action_log)
