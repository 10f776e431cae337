"""Shared by the make_data.py scripts of the shift-based scenarios (training_peak,
monday_no_show): shift plans, their on-phone agents per interval, and the CSV files.

A plan is a list of shift patterns with a number of agents each:
``(start, hours, morning break, lunch, afternoon break, agents)``, clock times as HH:MM.
Full-time shifts last 8 hours with a 15-minute break in the morning, a 30-minute lunch
(a realtime policy may delay it by up to 30 minutes) and a 15-minute break in the
afternoon: 7 hours on the phone. Part-time shifts last 6 hours with two 15-minute breaks
(lunch ``None``) or 4 hours with one (lunch and second break ``None``).

:func:`fit` finds a plan whose planned on-phone agents per interval come close to a
staffing column (a small integer program); the make_data.py scripts hold the plans it
found, as data a planner can edit, so that regenerating the files needs no solver.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sim.config.workforce import planned_staffing
from sim.core.workforce import BREAK_KINDS, Activity, Break, Shift

#: (start, hours, morning break, lunch, afternoon break, agents); clock times HH:MM
Pattern = tuple[str, int, str, "str | None", "str | None", int]

BREAK_MINUTES, LUNCH_MINUTES, LUNCH_DELAY = 15, 30, 30
#: Where a fitted shift's breaks may go, in minutes after its start.
FULL_TIME = (480, (90, 120, 150), (180, 210, 240, 270, 300), (330, 360, 390))
SIX_HOURS = (360, (90, 120), (240, 270))
PART_TIME = (240, (90, 120))
#: Per agent, by shift hours, in the fit's units (one agent over or under the target in
#: one interval costs 1 to 6): part-time shifts only where they help clearly.
AGENT_COST = {8: 0.001, 6: 0.5, 4: 1.0}


@dataclass(frozen=True)
class Item:
    """A planned break, lunch or activity, in clock minutes."""

    kind: str
    start: int
    duration: int
    latest: int | None = None  # breaks: latest start (None: fixed)
    cancellable: bool | None = None  # activities only


@dataclass
class Agent:
    """One agent's plan, in clock minutes."""

    name: str
    group: str
    start: int
    end: int
    items: list[Item] = field(default_factory=list)

    def free(self, start: int, end: int) -> bool:
        """On shift and with nothing planned from ``start`` to ``end``."""
        return (
            self.start <= start
            and end <= self.end
            and all(i.start + i.duration <= start or end <= i.start for i in self.items)
        )


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def minutes(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def agents_for(group: str, prefix: str, plan: list[Pattern]) -> list[Agent]:
    """The agents of ``plan``, named ``prefix01``, ``prefix02``, ... in plan order.

    Agents of the same pattern take their 15-minute breaks in turn, on the half hour and a
    quarter past (in the same interval, so the plan's on-phone agents do not change)."""
    out = []
    for start, hours, morning, lunch, afternoon, count in plan:
        begin = minutes(start)
        for j in range(count):
            turn = BREAK_MINUTES * (j % 2)
            items = [Item("break", minutes(morning) + turn, BREAK_MINUTES)]
            if lunch is not None:
                at = minutes(lunch)
                items.append(Item("lunch", at, LUNCH_MINUTES, at + LUNCH_DELAY))
            if afternoon is not None:
                items.append(Item("break", minutes(afternoon) + turn, BREAK_MINUTES))
            name = f"{prefix}{len(out) + 1:02d}"
            out.append(Agent(name, group, begin, begin + 60 * hours, items))
    return out


def on_phone(agents: list[Agent], day_start: int, intervals: int, interval: int) -> list[float]:
    """Planned on-phone agents per interval, as the simulator derives them."""

    def seconds(m: int) -> float:
        return (m - day_start) * 60.0

    shifts = [
        Shift(
            a.name,
            seconds(a.start),
            seconds(a.end),
            breaks=tuple(
                Break(i.kind, seconds(i.start), seconds(i.latest or i.start), i.duration * 60.0)
                for i in a.items
                if i.kind in BREAK_KINDS
            ),
            activities=tuple(
                Activity(i.kind, seconds(i.start), i.duration * 60.0)
                for i in a.items
                if i.kind not in BREAK_KINDS
            ),
        )
        for a in agents
    ]
    return list(planned_staffing(shifts, intervals, interval * 60.0))


def fit(target: list[float], day_start: int, interval: int) -> list[Pattern]:
    """A plan whose on-phone agents per interval come close to ``target`` (a penalty that
    grows with the difference in each interval, then the fewest agents), by scipy's
    integer solver. Shifts start on the half hour and end by the day's close."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    n = len(target)
    day_end = day_start + n * interval
    options: list[Pattern] = []
    for start in range(day_start, day_end - FULL_TIME[0] + 1, 30):
        for a in FULL_TIME[1]:
            for b in FULL_TIME[2]:
                for c in FULL_TIME[3]:
                    options.append(
                        (clock(start), 8, clock(start + a), clock(start + b), clock(start + c), 1)
                    )
    for start in range(day_start, day_end - SIX_HOURS[0] + 1, 30):
        for a in SIX_HOURS[1]:
            for c in SIX_HOURS[2]:
                options.append((clock(start), 6, clock(start + a), None, clock(start + c), 1))
    for start in range(day_start, day_end - PART_TIME[0] + 1, 30):
        for a in PART_TIME[1]:
            options.append((clock(start), 4, clock(start + a), None, None, 1))
    cover = np.array(
        [on_phone(agents_for("g", "a", [o]), day_start, n, interval) for o in options]
    ).T
    m = len(options)
    # variables: agents per option, then per interval and per penalty step the agents over
    # and under the target; the steps cost more and more (a convex, piecewise-linear
    # stand-in for the squared difference, so that shortfalls are spread, not piled up)
    steps = [(1.0, 1.0), (2.0, 3.0), (np.inf, 6.0)]  # (width, cost per agent)
    k = len(steps)
    per_agent = np.array([AGENT_COST[o[1]] for o in options])
    cost = np.concatenate([per_agent, *([np.full(n, c) for _, c in steps] * 2)])
    deviation = np.hstack([-np.eye(n)] * k + [np.eye(n)] * k)  # cover - over + under
    rows = np.hstack([cover, deviation])
    upper = np.concatenate([np.full(m, np.inf), *([np.full(n, w) for w, _ in steps] * 2)])
    result = milp(
        cost,
        constraints=LinearConstraint(rows, target, target),
        integrality=np.concatenate([np.ones(m), np.zeros(2 * k * n)]),
        bounds=Bounds(0, upper),
    )
    if not result.success:
        raise RuntimeError(result.message)
    return [(*o[:5], int(round(x))) for o, x in zip(options, result.x[:m], strict=True) if round(x)]


def schedule_csv(agents: list[Agent]) -> str:
    return _csv(
        ["agent", "group", "shift_start", "shift_end"],
        [[a.name, a.group, clock(a.start), clock(a.end)] for a in agents],
    )


def activities_csv(agents: list[Agent]) -> str:
    rows = [
        [
            a.name,
            i.kind,
            clock(i.start),
            i.duration,
            "" if i.latest is None else clock(i.latest),
            "" if i.cancellable is None else str(i.cancellable).lower(),
        ]
        for a in agents
        for i in sorted(a.items, key=lambda i: i.start)
    ]
    return _csv(["agent", "kind", "start", "duration_minutes", "latest_start", "cancellable"], rows)


def interval_csv(day_start: int, interval: int, columns: dict[str, list]) -> str:
    n = len(next(iter(columns.values())))
    return _csv(
        ["interval_start", *columns],
        [
            [clock(day_start + k * interval), *(f"{columns[c][k]:g}" for c in columns)]
            for k in range(n)
        ],
    )


def _csv(header: list[str], rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()
