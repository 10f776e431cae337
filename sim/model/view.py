"""Builds the realtime view (:class:`sim.policies.api.RealtimeView`) from the world's state.

Only the present is read: counters of what has happened so far, the queues as they are,
agents' states now and the published schedule ahead; never a draw for the future.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.model.states import ItemState
from sim.policies.api import GroupView, QueueView, RealtimeView, UpcomingItem

if TYPE_CHECKING:
    from sim.model.world import ContactCenter

__all__ = ["build_view"]


def _share(good: int, total: int) -> float:
    return good / total if total else math.nan


def build_view(center: ContactCenter, upcoming_horizon_seconds: float = 4 * 3600.0) -> RealtimeView:
    """The view of ``center`` at its current time; items due within the horizon are listed."""
    scenario, router, now = center.scenario, center.router, center.env.now
    length = scenario.interval_seconds
    interval = min(int(now // length), scenario.intervals - 1)
    elapsed = (now - interval * length) / length
    groups = scenario.groups

    states = [_group_states(center, g, now) for g in range(len(groups))]
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
        at_start = center.interval_start_counts[k]
        forecast = t.forecast
        queues[t.name] = QueueView(
            name=t.name,
            channel=t.channel,
            waiting=waiting,
            oldest_wait_seconds=now - center.arrival[head] if head >= 0 else 0.0,
            offered_interval=center.offered_so_far[k] - at_start[0],
            forecast_interval=forecast[interval],
            forecast_interval_to_date=forecast[interval] * elapsed,
            offered_day=center.offered_so_far[k],
            forecast_day_to_date=sum(forecast[:interval]) + forecast[interval] * elapsed,
            service_level_interval=_share(
                router.answered_in_threshold[k] - at_start[1], router.decided[k] - at_start[2]
            ),
            service_level_day=_share(router.answered_in_threshold[k], router.decided[k]),
            threshold_seconds=t.service_level.threshold_seconds,
            target=t.service_level.target,
            expected_wait_seconds=(waiting + 1) * mean_work / serving if serving else math.inf,
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
        clock=_clock(scenario, now),
        interval=interval,
        interval_seconds=length,
        horizon_seconds=scenario.horizon_seconds,
        queues=queues,
        groups=group_views,
        upcoming=_upcoming(center, now, upcoming_horizon_seconds),
        overtime_hours_called=center.overtime_hours_called,
        vto_hours_granted=center.vto_hours_granted,
    )


def _clock(scenario, now: float) -> str:
    minutes = int((scenario.start_clock_seconds + now) // 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _group_states(center: ContactCenter, g: int, now: float) -> dict[str, int]:
    counts = dict.fromkeys(
        ("logged_in", "available", "busy", "wrap_up", "on_break", "in_activity", "aux"), 0
    )
    counts.update(offline=0, leaving=0, overtime=0)
    capacity = center.router.capacity[g]
    counts["overtime"] = center.overtime_now[g]
    for agent in center.router.logged_in[g].values():
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
    for d, day in enumerate(center.days):
        if day.group == g and day.shift.start <= now < day.shift.end:
            if (
                not day.present
                or now < day.login
                or (now >= day.logout and not center.sent_home[d] and _gone(center, d))
            ):
                absent += 1
    counts["absent"] = absent
    return counts


def _gone(center: ContactCenter, d: int) -> bool:
    """Whether the agent of scheduled day ``d`` has logged out (an early leaver may still be
    finishing a contact)."""
    agent = center.day_agent[d]
    return agent < 0 or center.agents[agent].logged_out


def _upcoming(center: ContactCenter, now: float, horizon: float) -> tuple[UpcomingItem, ...]:
    items = []
    groups = center.scenario.groups
    for d, day_items in enumerate(center.day_items):
        day = center.days[d]
        # A no-show is only known once the shift has started.
        gone = not day.present and now >= day.shift.start
        if gone or now >= day.logout or center.sent_home[d]:
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
