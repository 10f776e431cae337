"""The realtime view: what an analyst's wallboard shows at one moment, and nothing more.

Built by the model at each policy check from its current state only: counters of what has
happened so far, the queues as they are, agents' states now and the published schedule
ahead. Nothing drawn for the future (arrival times, handle times, patience, absences still
to come) is ever read, so a policy cannot see the future.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import ContactCenter

__all__ = ["GroupView", "QueueView", "RealtimeView", "UpcomingItem", "build_view"]


@dataclass(frozen=True)
class QueueView:
    """One contact type as the wallboard shows it.

    ``service_level_interval``: contacts answered within the threshold over contacts
    answered or abandoned since the current interval began (NaN if none yet);
    ``service_level_day`` the same since the day began. ``offered_interval`` /
    ``forecast_interval_to_date``: contacts that arrived in the current interval so far and
    the forecast pro rata to now. ``expected_wait_seconds``: the usual wallboard estimate for
    a contact arriving now, (waiting + 1) x mean work / agents able to serve it (inf if none).
    """

    name: str
    channel: str
    waiting: int
    oldest_wait_seconds: float
    offered_interval: int
    forecast_interval: float
    forecast_interval_to_date: float
    offered_day: int
    forecast_day_to_date: float
    service_level_interval: float
    service_level_day: float
    threshold_seconds: float
    target: float
    expected_wait_seconds: float
    agents_serving: int
    forecast_next_interval: float
    callbacks_waiting: int


@dataclass(frozen=True)
class GroupView:
    """One agent group now: how many agents are in each state.

    Every logged-in agent is in exactly one of available (idle, or chatting with room for
    more), busy (talking or chatting at capacity), wrap_up, on_break (break or lunch),
    in_activity, aux, offline (outage) or leaving (finishing a last contact).
    ``absent``: agents whose shift covers now but who are not logged in (no-show, late,
    early leave). ``scheduled``: agents the plan has on the phone this interval.
    """

    name: str
    skills: tuple[str, ...]
    logged_in: int
    available: int
    busy: int
    wrap_up: int
    on_break: int
    in_activity: int
    aux: int
    offline: int
    leaving: int
    absent: int
    scheduled: float
    overtime: int
    scheduled_by_counts: bool


@dataclass(frozen=True)
class UpcomingItem:
    """A scheduled agent's break, lunch or activity that has not started yet.

    ``item_id`` names it in actions. ``due`` is when it is planned now (a policy may have
    moved it from ``planned``); a break may start as late as ``latest_start``.
    """

    item_id: tuple[int, int]
    agent: str
    group: str
    kind: str
    name: str
    due: float
    duration: float
    planned: float
    latest_start: float
    cancellable: bool


@dataclass(frozen=True)
class RealtimeView:
    """Everything a policy may know at time ``now`` (seconds from time 0)."""

    now: float
    clock: str
    interval: int
    interval_seconds: float
    horizon_seconds: float
    queues: dict[str, QueueView]
    groups: dict[str, GroupView]
    upcoming: tuple[UpcomingItem, ...]
    overtime_hours_called: float
    vto_hours_granted: float

    def seconds_to_interval_end(self) -> float:
        """Seconds left in the current interval."""
        return (self.interval + 1) * self.interval_seconds - self.now


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
            if item.state == 0 and item.kind != "aux" and item.due < now + horizon:
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
