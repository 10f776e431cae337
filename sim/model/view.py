"""Builds the realtime view (:class:`sim.policies.api.RealtimeView`) from the world's state.

Only the present is read: counters of what has happened so far, the queues as they are,
agents' states now and the published schedule ahead; never a draw for the future.
"""

from __future__ import annotations

import math
from typing import Protocol

from sim.core.scenario import Scenario
from sim.model.port import World
from sim.model.states import ItemState
from sim.policies.api import (
    DayPlan,
    GroupPlan,
    GroupView,
    QueueView,
    RealtimeView,
    TypePlan,
    UpcomingItem,
    expected_wait_seconds,
)

__all__ = ["AnalystCounters", "build_view", "day_plan", "on_phone_by_group", "serving_capacity"]


class AnalystCounters(Protocol):
    """What the analyst's side keeps beyond the world's own counters."""

    #: Per contact type (offered, answered within threshold, decided) when the interval began.
    interval_start_counts: list[tuple[int, int, int]]
    overtime_now: list[int]
    overtime_hours_called: float
    vto_hours_granted: float
    #: Per group, changes of its agents on the phone decided so far: (start, end, agents),
    #: agents > 0 for overtime and shift extensions, < 0 for time off of count-staffed groups.
    staff_changes: list[list[tuple[float, float, int]]]
    #: The day's plan, built once (:func:`day_plan`).
    plan: DayPlan


def day_plan(scenario: Scenario) -> DayPlan:
    """The plan of ``scenario``'s day as policies see it: known before the day starts."""
    types = {}
    for t in scenario.contact_types:
        patience = t.patience.mean if t.patience is not None else math.inf
        types[t.name] = TypePlan(
            name=t.name,
            channel=t.channel,
            forecast=tuple(float(v) for v in t.forecast),
            mean_work_seconds=_mean_work(t),
            mean_patience_seconds=float(patience),
            threshold_seconds=t.service_level.threshold_seconds,
            target=t.service_level.target,
        )
    groups = {}
    for group in scenario.groups:
        delays: dict[str, float] = {}
        for t in scenario.contact_types:
            if group.skill_for(t.name) is None:
                continue
            delays[t.name] = next(
                (step.after_seconds for step in t.overflow if group.name in step.groups), 0.0
            )
        groups[group.name] = GroupPlan(
            name=group.name,
            skills=tuple(
                (s.contact_type, s.level, s.proficiency)
                for s in sorted(group.skills, key=lambda s: s.level)
            ),
            chat_concurrency=group.chat_concurrency,
            scheduled=tuple(float(v) for v in group.staffing),
            by_counts=not group.scheduled,
            overflow_delay=delays,
            hourly_cost=scenario.costs.rate(group.name),
        )
    return DayPlan(
        interval_seconds=scenario.interval_seconds,
        intervals=scenario.intervals,
        horizon_seconds=scenario.horizon_seconds,
        start_clock_seconds=scenario.start_clock_seconds,
        types=types,
        groups=groups,
        overtime_premium=scenario.costs.overtime_premium,
    )


def _mean_work(t) -> float:
    return t.handle_time.mean + (t.wrap_up.mean if t.wrap_up is not None else 0.0)


def serving_capacity(world: World, k: int, on_phone: list[int]) -> float:
    """Contacts of type ``k`` that can be in service at once: the agents on the phone of the
    groups with the skill (``on_phone[g]``), times the chats each may hold for a chat type."""
    scenario = world.scenario
    t = scenario.contact_types[k]
    total = 0.0
    for g, group in enumerate(scenario.groups):
        if group.skill_for(t.name):
            total += on_phone[g] * (group.chat_concurrency if t.channel == "chat" else 1)
    return total


def _share(good: int, total: int) -> float:
    return good / total if total else math.nan


def build_view(
    world: World, analyst: AnalystCounters, upcoming_horizon_seconds: float = 4 * 3600.0
) -> RealtimeView:
    """The view of ``world`` now; items due within the horizon are listed."""
    scenario, router, now = world.scenario, world.router, world.now
    length = scenario.interval_seconds
    interval = min(int(now // length), scenario.intervals - 1)
    elapsed = (now - interval * length) / length
    groups = scenario.groups

    states = [_group_states(world, analyst, g, now) for g in range(len(groups))]
    on_phone = [s["available"] + s["busy"] + s["wrap_up"] for s in states]
    plan = analyst.plan
    queues: dict[str, QueueView] = {}
    for k, t in enumerate(scenario.contact_types):
        head = router.head(k)
        type_plan = plan.types[t.name]
        serving = sum(on_phone[g] for g, group in enumerate(groups) if group.skill_for(t.name))
        waiting = router.waiting[k]
        at_start = analyst.interval_start_counts[k]
        forecast = t.forecast
        queues[t.name] = QueueView(
            name=t.name,
            channel=t.channel,
            waiting=waiting,
            oldest_wait_seconds=now - world.arrival[head] if head >= 0 else 0.0,
            offered_interval=world.offered_so_far[k] - at_start[0],
            forecast_interval=forecast[interval],
            forecast_interval_to_date=forecast[interval] * elapsed,
            offered_day=world.offered_so_far[k],
            forecast_day_to_date=sum(forecast[:interval]) + forecast[interval] * elapsed,
            service_level_interval=_share(
                router.answered_in_threshold[k] - at_start[1], router.decided[k] - at_start[2]
            ),
            service_level_day=_share(router.answered_in_threshold[k], router.decided[k]),
            threshold_seconds=t.service_level.threshold_seconds,
            target=t.service_level.target,
            expected_wait_seconds=expected_wait_seconds(
                waiting,
                type_plan.mean_work_seconds,
                serving_capacity(world, k, on_phone),
                type_plan.mean_patience_seconds,
            ),
            agents_serving=serving,
            forecast_next_interval=forecast[interval + 1] if interval + 1 < len(forecast) else 0.0,
            callbacks_waiting=router.callbacks_waiting[k],
            answered_in_threshold_day=router.answered_in_threshold[k],
            decided_day=router.decided[k],
        )
    group_views = {
        group.name: GroupView(
            name=group.name,
            skills=tuple(s.contact_type for s in sorted(group.skills, key=lambda s: s.level)),
            scheduled=float(group.staffing[interval]),
            scheduled_by_counts=not group.scheduled,
            on_phone_ahead=_on_phone_ahead(world, analyst, g, now, interval),
            shift_ends=_shift_ends(world, g, now),
            rolling_occupancy=world.rolling_occupancy(g),
            **states[g],
        )
        for g, group in enumerate(groups)
    }
    return RealtimeView(
        now=now,
        clock=scenario.clock(now),
        interval=interval,
        interval_seconds=length,
        horizon_seconds=scenario.horizon_seconds,
        queues=queues,
        groups=group_views,
        upcoming=_upcoming(world, now, upcoming_horizon_seconds),
        overtime_hours_called=analyst.overtime_hours_called,
        vto_hours_granted=analyst.vto_hours_granted,
        plan=plan,
    )


def on_phone_by_group(world: World) -> list[int]:
    """Per group, agents on the phone now: logged in and not on a break, activity, aux or
    outage, and not leaving (the view's available + busy + wrap_up)."""
    return [
        sum(
            1
            for agent in members.values()
            if agent.doing is None and not agent.offline and not agent.leaving
        )
        for members in world.router.logged_in
    ]


def _group_states(world: World, analyst: AnalystCounters, g: int, now: float) -> dict[str, int]:
    counts = dict.fromkeys(
        ("logged_in", "available", "busy", "wrap_up", "on_break", "in_activity", "aux"), 0
    )
    counts.update(offline=0, leaving=0, overtime=0)
    capacity = world.router.capacity[g]
    counts["overtime"] = analyst.overtime_now[g]
    for agent in world.router.logged_in[g].values():
        counts["logged_in"] += 1
        doing = agent.doing
        if doing is not None:  # on a break, lunch, activity or aux right now
            key = {"break": "on_break", "lunch": "on_break", "aux": "aux"}.get(doing, "in_activity")
            counts[key] += 1
        elif agent.offline:
            counts["offline"] += 1
        elif agent.sessions == 0:
            # Idle; an agent waiting to start a due break or leaving holds nothing and is free.
            counts["leaving" if agent.leaving else "available"] += 1
        elif agent.leaving:
            counts["leaving"] += 1
        elif agent.exclusive and now >= agent.talk_until:
            counts["wrap_up"] += 1
        elif agent.exclusive or agent.sessions >= capacity or agent.away:
            counts["busy"] += 1
        else:
            counts["available"] += 1
    absent = 0
    count_absence = world.count_absence[g]
    if count_absence is not None:  # a count-staffed group: its slots absent now
        absent = count_absence.absent(now)
    for d, day in enumerate(world.days):
        if day.group == g and day.shift.start <= now < day.shift.end:
            if (
                not day.present
                or now < day.login
                or (now >= day.logout and not world.sent_home[d] and _gone(world, d))
            ):
                absent += 1
    counts["absent"] = absent
    return counts


def _on_phone_ahead(
    world: World, analyst: AnalystCounters, g: int, now: float, interval: int
) -> tuple[float, ...]:
    """Agents of group ``g`` expected on the phone in each interval from ``interval`` on
    (the current one from ``now``), from what is known now (see ``GroupView.on_phone_ahead``)."""
    scenario = world.scenario
    length, n = scenario.interval_seconds, scenario.intervals
    group = scenario.groups[g]
    starts = [max(now, j * length) for j in range(interval, n)]
    spans = [max((j + 1) * length - starts[j - interval], 1e-9) for j in range(interval, n)]
    seconds = [0.0] * (n - interval)

    def add(start: float, end: float, agents: float) -> None:
        start = max(start, now)
        if end <= start:
            return
        first = max(int(start // length), interval)
        last = min(int((end - 1e-9) // length), n - 1)
        for j in range(first, last + 1):
            a, b = max(start, starts[j - interval]), min(end, (j + 1) * length)
            if b > a:
                seconds[j - interval] += agents * (b - a)

    if group.scheduled:
        for d, day in enumerate(world.days):
            if day.group != g or world.sent_home[d]:
                continue
            if not day.present and now >= day.shift.start:
                continue  # a no-show, known once the shift has begun
            agent = world.day_agent[d]
            if agent >= 0 and world.agents[agent].logged_out:
                continue  # gone for the day
            add(day.shift.start, day.shift.end, 1.0)
            for item in world.day_items[d]:
                if item.state == ItemState.PENDING and item.kind != "aux":
                    add(item.due, item.due + item.duration, -1.0)
                elif item.state == ItemState.RUNNING:
                    add(now, item.due + item.duration, -1.0)
    else:
        absence = world.count_absence[g]
        for j in range(interval, n):
            staffed = float(group.staffing[j])
            if absence is not None:  # less the slots known away for the rest of the day
                staffed -= absence.gone(now, j)
            seconds[j - interval] = staffed * spans[j - interval]
    for start, end, agents in analyst.staff_changes[g]:
        add(start, end, float(agents))
    return tuple(max(0.0, s / span) for s, span in zip(seconds, spans, strict=True))


def _shift_ends(world: World, g: int, now: float) -> tuple[float, ...]:
    """End times of the shifts of group ``g``'s agents at work or still due today."""
    ends = []
    for d, day in enumerate(world.days):
        if day.group != g or world.sent_home[d] or day.shift.end <= now:
            continue
        if not day.present and now >= day.shift.start:
            continue
        agent = world.day_agent[d]
        if agent >= 0 and world.agents[agent].logged_out:
            continue
        ends.append(day.shift.end)
    return tuple(sorted(ends))


def _gone(world: World, d: int) -> bool:
    """Whether the agent of scheduled day ``d`` has logged out (an early leaver may still be
    finishing a contact)."""
    agent = world.day_agent[d]
    return agent < 0 or world.agents[agent].logged_out


def _upcoming(world: World, now: float, horizon: float) -> tuple[UpcomingItem, ...]:
    items = []
    groups = world.scenario.groups
    for d, day_items in enumerate(world.day_items):
        day = world.days[d]
        # A no-show is only known once the shift has started.
        gone = not day.present and now >= day.shift.start
        if gone or now >= day.logout or world.sent_home[d]:
            continue
        for j, item in enumerate(day_items):
            if item.state == ItemState.PENDING and item.kind != "aux" and item.due < now + horizon:
                items.append(
                    UpcomingItem(
                        item_id=(d, j),
                        agent=day.shift.agent,
                        group=groups[day.group].name,
                        kind=item.kind,
                        name=item.name,
                        due=item.due,
                        duration=item.duration,
                        planned=item.planned,
                        latest_start=item.latest,
                        cancellable=item.cancellable,
                        shift_end=day.shift.end,
                    )
                )
    items.sort(key=lambda u: (u.due, u.item_id))
    return tuple(items)
