"""Hand-made realtime views for the policy unit tests: a wallboard built on a scenario's plan.

:func:`wallboard` gives the view of ``scenario`` at ``now`` as a calm day would show it
(every queue on forecast, nobody waiting, every group with its planned agents on the phone
from now to the end of the day); a test changes what its rule looks at, per queue and per
group. The plan is the model's own (:func:`sim.model.view.day_plan`), so the outlook a
policy computes from it is the one it computes in a run.
"""

from __future__ import annotations

import math
from typing import Any

from sim.core.scenario import Scenario
from sim.model.view import day_plan
from sim.policies.api import (
    DayPlan,
    GroupView,
    QueueView,
    RealtimeView,
    UpcomingItem,
    expected_wait_seconds,
)

__all__ = ["wallboard"]


def wallboard(
    scenario: Scenario,
    now: float,
    queues: dict[str, dict[str, Any]] | None = None,
    groups: dict[str, dict[str, Any]] | None = None,
    upcoming: tuple[UpcomingItem, ...] | list[UpcomingItem] = (),
    plan: DayPlan | None = None,
) -> RealtimeView:
    """The view of ``scenario`` at ``now``, with ``queues[name]`` and ``groups[name]``
    replacing fields of that queue's or group's defaults.

    Defaults: each queue has had exactly its forecast so far (rounded), nobody waits,
    nothing decided (service levels NaN unless ``answered_in_threshold_day`` and
    ``decided_day`` are given); each group has its planned agents logged in and idle and
    ``on_phone_ahead`` = the plan's staffing from the current interval on. The queues'
    ``agents_serving`` and ``expected_wait_seconds`` follow from the groups' agents on the
    phone and the queue's waiting contacts, unless given.
    """
    plan = plan or day_plan(scenario)
    queues, groups = queues or {}, groups or {}
    length = plan.interval_seconds
    interval = min(int(now // length), plan.intervals - 1)
    elapsed = (now - interval * length) / length
    group_views = {}
    for name, g in plan.groups.items():
        staffed = round(g.scheduled[interval])
        values: dict[str, Any] = dict(
            name=name,
            skills=tuple(t for t, _, _ in g.skills),
            logged_in=staffed,
            available=staffed,
            busy=0,
            wrap_up=0,
            on_break=0,
            in_activity=0,
            aux=0,
            offline=0,
            leaving=0,
            absent=0,
            scheduled=g.scheduled[interval],
            overtime=0,
            scheduled_by_counts=g.by_counts,
            on_phone_ahead=tuple(g.scheduled[interval:]),
            shift_ends=(),
        )
        values.update(groups.get(name, {}))
        group_views[name] = GroupView(**values)
    queue_views = {}
    for name, t in plan.types.items():
        f = t.forecast
        to_date = sum(f[:interval]) + f[interval] * elapsed
        values = dict(
            name=name,
            channel=t.channel,
            waiting=0,
            oldest_wait_seconds=0.0,
            offered_interval=round(f[interval] * elapsed),
            forecast_interval=f[interval],
            forecast_interval_to_date=f[interval] * elapsed,
            offered_day=round(to_date),
            forecast_day_to_date=to_date,
            service_level_interval=math.nan,
            threshold_seconds=t.threshold_seconds,
            target=t.target,
            forecast_next_interval=f[interval + 1] if interval + 1 < len(f) else 0.0,
            callbacks_waiting=0,
            answered_in_threshold_day=0,
            decided_day=0,
        )
        values.update(queues.get(name, {}))
        if "service_level_day" not in values:
            decided = values["decided_day"]
            values["service_level_day"] = (
                values["answered_in_threshold_day"] / decided if decided else math.nan
            )
        serving = [
            (group_views[g.name], g.chat_concurrency if t.channel == "chat" else 1)
            for g in plan.groups.values()
            if any(s == name for s, _, _ in g.skills)
        ]
        on_phone = [gv.available + gv.busy + gv.wrap_up for gv, _ in serving]
        values.setdefault("agents_serving", sum(on_phone))
        values.setdefault(
            "expected_wait_seconds",
            expected_wait_seconds(
                values["waiting"],
                t.mean_work_seconds,
                sum(n * c for n, (_, c) in zip(on_phone, serving, strict=True)),
                t.mean_patience_seconds,
            ),
        )
        queue_views[name] = QueueView(**values)
    return RealtimeView(
        now=now,
        clock=plan.clock(now),
        interval=interval,
        interval_seconds=length,
        horizon_seconds=plan.horizon_seconds,
        queues=queue_views,
        groups=group_views,
        upcoming=tuple(sorted(upcoming, key=lambda u: (u.due, u.item_id))),
        overtime_hours_called=0.0,
        vto_hours_granted=0.0,
        plan=plan,
    )
