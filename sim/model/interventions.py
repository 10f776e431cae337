"""What realtime policies do inside a replication: a component of the world.

The model consults its policy every check interval with a :class:`~sim.policies.api.RealtimeView`
and applies the returned actions after the policy's latency, recording each in an action
log. Without a policy (``none``) none of this runs: no check process, no extra events.

Randomness of the analyst's world (does an agent accept overtime, VTO; does a caller accept
a callback) comes from its own streams, so a policy's choices never shift the draws of
arrivals, handle times, patience or absences (common random numbers).
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import simpy
from simpy.events import URGENT

from sim.core.streams import Streams
from sim.model.agent import Agent
from sim.model.demand import realise_demand
from sim.model.port import World
from sim.model.states import ContactState, ItemState
from sim.model.view import build_view, day_plan, on_phone_by_group, serving_capacity
from sim.model.workdays import DayItem, PlannedDay
from sim.policies.api import (
    Action,
    CallOvertime,
    CancelItem,
    OfferCallbacks,
    OfferVTO,
    Outsource,
    PostponeItem,
    RealtimePolicy,
    SetPreference,
    expected_wait_seconds,
)

__all__ = ["Interventions"]

_EPS = 1e-9


class Interventions:
    """The realtime analyst of one day: checks, actions and their effects.

    Built by the world only when a policy is consulted (``world``: the world it acts on,
    through the :class:`~sim.model.port.World` interface). It counts what the wallboard shows
    beyond the world's own counters, applies each action after the policy's latency, and logs it.
    """

    def __init__(self, world: World, policy: RealtimePolicy, streams: Streams) -> None:
        self.world = world
        self.env = world.env
        self.router = world.router
        scenario = self.scenario = world.scenario
        self.policy = policy
        n_types, n_groups = len(scenario.contact_types), len(scenario.groups)
        self.policy_streams = streams
        self.interval_start_counts = [(0, 0, 0)] * n_types
        self.overtime_now = [0] * n_groups
        self.overtime_hours_called = 0.0
        self.vto_hours_granted = 0.0
        self.staff_changes: list[list[tuple[float, float, int]]] = [[] for _ in range(n_groups)]
        self.plan = day_plan(scenario)
        self.action_log: list[tuple] = []
        self.extra_cost = np.zeros((n_groups, scenario.intervals))
        self.callback_rule: list[OfferCallbacks | None] = [None] * n_types
        self.callback_threshold = [math.inf] * n_types
        self.outsource_after: list[float | None] = [None] * n_types
        self.outsource_capacity: list[int | None] = [None] * n_types
        self.outsourced_in_interval: dict[tuple[int, int], int] = {}
        self.type_plans = [self.plan.types[t.name] for t in scenario.contact_types]

    def start(self) -> None:
        """Start the policy's checks and the interval-boundary snapshots.

        A policy that asks for perfect information (``wants_realised_demand``, the oracle of
        policy comparisons) is told the day's realised expected contacts per type and
        interval first; every other policy sees only the plan and the past.
        """
        policy = self.policy
        if getattr(policy, "wants_realised_demand", False):
            fresh = Streams(self.policy_streams.seed, self.policy_streams.replication)
            realised = realise_demand(self.scenario, fresh).forecast
            policy.observe_realised_demand(  # type: ignore[attr-defined]
                dict(zip(self.scenario.type_names, realised, strict=True))
            )
        self.env.process(self._policy_checks())
        length = self.scenario.interval_seconds
        now = self.env.now  # 0, or the moment a continued day starts
        for k in range(1, self.scenario.intervals):
            if k * length <= now:
                continue
            # Interval-to-date counters restart at each boundary before anything else happens
            # at that instant (log-ins, answers, a check): an already-triggered event scheduled
            # with URGENT priority, as SimPy itself does for process starts.
            boundary = simpy.Event(self.env)
            boundary._ok, boundary._value = True, None
            boundary.callbacks.append(self._on_boundary)
            self.env.schedule(boundary, URGENT, k * length - now)

    def _on_boundary(self, _event: simpy.Event) -> None:
        self._snapshot_interval()

    def _snapshot_interval(self) -> None:
        router = self.router
        offered = self.world.offered_so_far
        self.interval_start_counts = [
            (offered[k], router.answered_in_threshold[k], router.decided[k])
            for k in range(len(offered))
        ]

    def _policy_checks(self):
        policy = self.policy
        assert policy.check_interval_seconds is not None
        every, latency = policy.check_interval_seconds, policy.latency_seconds
        horizon = self.scenario.horizon_seconds
        t = (math.floor(self.env.now / every) + 1) * every  # the first check after the start
        while t < horizon:
            yield self.env.timeout(t - self.env.now)
            now = self.env.now
            for action in policy.decide(build_view(self.world, self)):
                apply = partial(self._apply, action, now)
                self.env.timeout(latency).callbacks.append(apply)
            t += every

    def expected_wait(self, k: int) -> float:
        """The wallboard's expected wait of a type-``k`` contact arriving now (seconds): the
        same estimate the view shows."""
        on_phone = on_phone_by_group(self.world)
        plan = self.type_plans[k]
        return expected_wait_seconds(
            self.router.waiting[k],
            plan.mean_work_seconds,
            serving_capacity(self.world, k, on_phone),
            plan.mean_patience_seconds,
        )

    # -- applying actions ------------------------------------------------------------------

    def _record(self, decided: float, action: Action, target: str, agents: int, cost: float):
        """Log an applied action with its ``cost``: a premium booked on top of logged-in
        hours (positive), or the wages saved by fewer logged-in hours (negative; not booked:
        the cost KPI already counts fewer hours)."""
        now = self.env.now
        self.action_log.append((decided, now, action.kind, target, agents, cost, action.reason))

    def _apply(self, action: Action, decided: float, _event: simpy.Event | None = None) -> None:
        if isinstance(action, PostponeItem):
            self._postpone(action, decided)
        elif isinstance(action, CancelItem):
            self._cancel(action, decided)
        elif isinstance(action, SetPreference):
            g = self.scenario.group_names.index(action.group)
            k = self.scenario.type_names.index(action.contact_type)
            changed = self.router.set_level(g, k, action.level, action.immediate)
            target = f"{action.group}/{action.contact_type}"
            # Agents moved: the group's agents on the phone when it starts serving the type
            # first (none when it goes back to the plan).
            moved = on_phone_by_group(self.world)[g] if changed and action.level is not None else 0
            self._record(decided, action, target, moved, 0.0)
            if changed and action.immediate:
                self._take_waiting(k)
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
        day_items = self.world.day_items
        if not (0 <= d < len(day_items) and 0 <= j < len(day_items[d])):
            return None
        return self.world.days[d], day_items[d][j]

    def _postpone(self, action: PostponeItem, decided: float) -> None:
        found = self._item(action.item)
        moved = 0
        if found is not None:
            day, item = found
            now = self.env.now
            before = item.due
            if item.state == ItemState.PENDING and action.until != item.due:
                if item.kind in ("break", "lunch"):
                    earliest = max(now, item.planned - (item.latest - item.planned))
                    until = min(max(action.until, earliest), item.latest)
                    if until != item.due:
                        item.due = until
                        moved = 1
                elif item.kind == "activity" and item.cancellable:
                    until = max(action.until, now)
                    if until + item.duration > day.shift.end:
                        item.state = ItemState.DROPPED  # no room left in the shift: off for today
                    else:
                        item.due = until
                    moved = 1
            if moved and item.state == ItemState.PENDING and item.due < before:
                self.world.item_moved(action.item[0])  # the agent must not sleep past it
        self._record(decided, action, self._item_label(action.item), moved, 0.0)

    def _take_waiting(self, k: int) -> None:
        """Agents just made eligible for type ``k`` take its waiting contacts now."""
        router, world = self.router, self.world
        while router.head(k) >= 0:
            agent = router.find_agent(k, 0)
            if agent is None:
                return
            sessions = agent.sessions
            world.serve_next(agent)
            if agent.sessions == sessions:
                return  # it took nothing (another level came first): no progress possible

    def _cancel(self, action: CancelItem, decided: float) -> None:
        found = self._item(action.item)
        done = 0
        if found is not None:
            _, item = found
            if item.state == ItemState.PENDING and item.kind == "activity" and item.cancellable:
                item.state = ItemState.DROPPED
                done = 1
        self._record(decided, action, self._item_label(action.item), done, 0.0)

    def _item_label(self, item_id: tuple[int, int]) -> str:
        found = self._item(item_id)
        if found is None:
            return f"unknown item {item_id}"
        day, item = found
        return f"{day.shift.agent}/{item.name}"

    def _call_overtime(self, action: CallOvertime, decided: float) -> None:
        g = self.scenario.group_names.index(action.group)
        rng = self.policy_streams[f"overtime:{action.group}"]
        now = self.env.now
        earliest = now + 60.0 * action.lead_minutes
        start = earliest if action.start_at is None else max(action.start_at, earliest)
        scheduled = self.scenario.groups[g].scheduled
        starts: list[float]
        if action.lever == "extension" and scheduled:
            # Agents still on shift, whose shift ends soonest at or after the start, stay on.
            ends = sorted(
                self.world.days[d].logout
                for d in self._on_shift(g)
                if self.world.days[d].logout >= start
            )
            starts = ends[: action.agents]
        else:
            starts = [start] * action.agents
        draws = rng.random(action.agents)  # one draw per asked agent, whoever is asked
        accepted = [
            t for t, u in zip(starts, draws, strict=False) if u < action.acceptance_probability
        ]
        horizon = self.scenario.horizon_seconds
        rate = self.scenario.costs.rate(action.group)
        paid = booked = 0.0
        for t in accepted:
            worked = max(0.0, min(t + 3600.0 * action.hours, horizon) - t) / 3600.0
            paid_hours = max(worked, action.min_paid_hours) if action.lever == "call_in" else worked
            paid += paid_hours
            # Hours paid beyond those worked (a minimum block) cost the full rate.
            extra = paid_hours - worked
            premium = worked * rate * self.scenario.costs.overtime_premium + extra * rate * (
                1.0 + self.scenario.costs.overtime_premium
            )
            self._book(g, t, premium)
            booked += premium
        self.overtime_hours_called += paid
        self._record(decided, action, action.group, len(accepted), booked)
        for t in accepted:
            end = min(t + 3600.0 * action.hours, horizon)
            if end <= t:
                continue
            self.staff_changes[g].append((t, end, 1))
            begin = self.env.timeout(t - now)
            begin.callbacks.append(partial(self._overtime_starts, g, 1, end))

    def _on_shift(self, g: int) -> list[int]:
        """Scheduled days of group ``g`` whose agent is at work or still to come today."""
        world, now = self.world, self.env.now
        found = []
        for d, day in enumerate(world.days):
            if day.group != g or world.sent_home[d] or not day.present or day.logout < now:
                continue
            agent = world.day_agent[d]
            if agent >= 0 and world.agents[agent].logged_out:
                continue
            found.append(d)
        return found

    def _book(self, g: int, at: float, cost: float) -> None:
        """Add ``cost`` to group ``g``'s cost in the interval holding ``at``."""
        k = min(int(at // self.scenario.interval_seconds), self.scenario.intervals - 1)
        self.extra_cost[g, k] += cost

    def _overtime_starts(self, g: int, count: int, end: float, _event=None) -> None:
        self.overtime_now[g] += count
        world = self.world
        if self.scenario.groups[g].scheduled:
            extra = [world.log_in(g) for _ in range(count)]
        else:
            extra = []
            world.staff_offset[g] += count
            world.set_staff(g, world.current_staffing(g))
        stop = self.env.timeout(max(0.0, end - self.env.now))
        stop.callbacks.append(partial(self._overtime_ends, g, count, extra))

    def _overtime_ends(self, g: int, count: int, extra: list[Agent], _event=None) -> None:
        self.overtime_now[g] -= count
        if extra:
            for agent in extra:
                self._leave_at_shift_end(agent)
        else:
            self.world.staff_offset[g] -= count
            self.world.set_staff(g, self.world.current_staffing(g))

    def _offer_vto(self, action: OfferVTO, decided: float) -> None:
        g = self.scenario.group_names.index(action.group)
        router = self.router
        rng = self.policy_streams[f"vto:{action.group}"]
        rate = self.scenario.costs.rate(action.group)
        now = self.env.now
        scheduled = self.scenario.groups[g].scheduled
        # Agents on shifts leave at once, so only idle ones are asked; a group staffed by
        # counts lowers its target, and an agent who accepts finishes its contacts first.
        asked = [
            a
            for a in router.logged_in[g].values()
            if (a.sessions == 0 or not scheduled) and not (a.away or a.offline or a.leaving)
        ]
        offered = asked[-action.agents :] if action.agents else []  # most recently in
        draws = rng.random(len(offered))
        accepted = [
            a for a, u in zip(offered, draws, strict=True) if u < action.acceptance_probability
        ]
        hours_saved = 0.0
        world = self.world
        end_of_day = self.scenario.horizon_seconds
        if scheduled:
            for agent in accepted:
                d = world.agent_day[agent.id]
                world.log_out(agent)
                if d < 0:  # an overtime agent: its overtime simply ends
                    continue
                world.sent_home[d] = True
                logout = world.days[d].logout
                back = logout if action.hours is None else min(logout, now + 3600.0 * action.hours)
                hours_saved += max(0.0, back - now) / 3600.0
                if back < logout:  # back on the phone after the time off, to its shift's end
                    self.staff_changes[g].append((back, logout, 1))
                    returns = self.env.timeout(back - now)
                    returns.callbacks.append(partial(self._back_from_time_off, g, logout))
        elif accepted:
            until = end_of_day
            if action.hours is not None:
                until = min(until, now + 3600.0 * action.hours)
            hours_saved = len(accepted) * (until - now) / 3600.0
            world.staff_offset[g] -= len(accepted)
            world.set_staff(g, world.current_staffing(g))
            self.staff_changes[g].append((now, until, -len(accepted)))
            if action.hours is not None:
                ends = self.env.timeout(until - now)
                ends.callbacks.append(partial(self._vto_ends, g, len(accepted)))
        self.vto_hours_granted += hours_saved
        self._record(decided, action, action.group, len(accepted), -hours_saved * rate)

    def _back_from_time_off(self, g: int, logout: float, _event=None) -> None:
        """A scheduled agent back from time off works until its shift's end (its off-phone
        items during the time off are forgone)."""
        agent = self.world.log_in(g)
        stop = self.env.timeout(max(0.0, logout - self.env.now))
        stop.callbacks.append(partial(self._leave_at_shift_end, agent))

    def _leave_at_shift_end(self, agent: Agent, _event=None) -> None:
        if agent.logged_out:
            return
        if agent.sessions > 0:
            self.router.send_home_when_free(agent)
        else:
            self.world.log_out(agent)

    def _vto_ends(self, g: int, count: int, _event=None) -> None:
        self.world.staff_offset[g] += count
        self.world.set_staff(g, self.world.current_staffing(g))

    # -- callbacks and the outsourcer ----------------------------------------------------------

    def offers_callback(self, i: int, k: int) -> bool:
        """Contact ``i`` found no agent: is it offered a callback, and does it accept?"""
        rule = self.callback_rule[k]
        if rule is None or self.expected_wait(k) <= rule.above_wait_seconds:  # type: ignore[operator]
            return False
        rng = self.policy_streams[f"callback:{self.scenario.contact_types[k].name}"]
        if rng.random() >= rule.acceptance_probability:
            return False
        world = self.world
        world.callback[i] = 1
        world.queued[i] = 1
        world.free_line(i)  # the caller hangs up and waits to be called
        self.router.enqueue_callback(i)
        return True

    def _outsource(self, action: Outsource, decided: float) -> None:
        k = self.scenario.type_names.index(action.contact_type)
        self.outsource_after[k] = action.after_wait_seconds
        self.outsource_capacity[k] = action.capacity_per_interval
        self._record(decided, action, action.contact_type, 0, 0.0)
        if action.after_wait_seconds is None:
            return
        now = self.env.now
        state, arrival = self.world.state, self.world.arrival
        for i in list(self.router.queues[k]):
            if state[i] == ContactState.WAITING:
                due = max(0.0, arrival[i] + action.after_wait_seconds - now)
                self.env.timeout(due, i).callbacks.append(self._outsource_due)

    def watch_for_outsourcing(self, i: int, k: int) -> None:
        """Contact ``i`` of type ``k`` joined a queue: hand it on after the outsourcing wait."""
        after = self.outsource_after[k]
        if after is not None:
            self.env.timeout(after, i).callbacks.append(self._outsource_due)

    def _outsource_due(self, event: simpy.Event) -> None:
        i: int = event.value  # type: ignore[assignment]
        world = self.world
        after = self.outsource_after[self.router.ctype[i]]
        if (
            world.state[i] != ContactState.WAITING
            or world.callback[i]
            or after is None
            or self.env.now - world.arrival[i] < after - _EPS
        ):
            return
        k = self.router.ctype[i]
        capacity = self.outsource_capacity[k]
        if capacity is not None:
            interval = min(
                int(self.env.now // self.scenario.interval_seconds), self.scenario.intervals - 1
            )
            taken = self.outsourced_in_interval.get((k, interval), 0)
            if taken >= capacity:
                return  # the partner is full this interval: the contact stays in the queue
            self.outsourced_in_interval[(k, interval)] = taken + 1
        world.state[i] = ContactState.OUTSOURCED
        world.resolved_at[i] = self.env.now
        self.router.dequeued(i, answered=False)
        world.free_line(i)
