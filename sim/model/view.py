"""Builds the realtime view (:class:`sim.policies.api.RealtimeView`) from the world's state.

Only the present is read: counters of what has happened so far, the queues as they are,
agents' states now and the published schedule ahead; never a draw for the future.
"""

from __future__ import annotations

import math
from typing import Protocol

from sim.model.port import World
from sim.model.states import ItemState
from sim.policies.api import (
    GroupView,
    QueueView,
    RealtimeView,
    UpcomingItem,
    expected_wait_seconds,
)

__all__ = ["AnalystCounters", "agents_on_phone", "build_view"]


class AnalystCounters(Protocol):
    """What the analyst's side keeps beyond the world's own counters."""

    #: Per contact type (offered, answered within threshold, decided) when the interval began.
    interval_start_counts: list[tuple[int, int, int]]
    overtime_now: list[int]
    overtime_hours_called: float
    vto_hours_granted: float


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
    queues: dict[str, QueueView] = {}
    for k, t in enumerate(scenario.contact_types):
        head = router.head(k)
        mean_work = t.handle_time.mean + (t.wrap_up.mean if t.wrap_up is not None else 0.0)
        serving = sum(
            states[g]["available"] + states[g]["busy"] + states[g]["wrap_up"]
            for g, group in enumerate(groups)
            if group.skill_for(t.name)
        )
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
            expected_wait_seconds=expected_wait_seconds(waiting, mean_work, serving),
            agents_serving=serving,
            forecast_next_interval=forecast[interval + 1] if interval + 1 < len(forecast) else 0.0,
            callbacks_waiting=router.callbacks_waiting[k],
        )
    group_views = {
        group.name: GroupView(
            name=group.name,
            skills=tuple(s.contact_type for s in sorted(group.skills, key=lambda s: s.level)),
            scheduled=float(group.staffing[interval]),
            scheduled_by_counts=not group.scheduled,
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
    )


def agents_on_phone(world: World, groups: list[int]) -> int:
    """Agents of ``groups`` on the phone now: logged in and not on a break, activity, aux or
    outage, and not leaving (the view's available + busy + wrap_up)."""
    return sum(
        1
        for g in groups
        for agent in world.router.logged_in[g].values()
        if agent.doing is None and not agent.offline and not agent.leaving
    )


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
                    )
                )
    items.sort(key=lambda u: (u.due, u.item_id))
    return tuple(items)
