"""Checking a day scenario's schedule, activities and absenteeism, and building its shifts.

A group with rows in ``scenario.schedule_file`` is shift-based: each agent follows its own
shift, with the breaks, lunches and off-phone activities of ``scenario.activities_file``
(formats in :mod:`sim.config.schedule_files`). Such a group has no staffing column; its
``staffing`` is derived from the plan (:func:`planned_staffing`). Absenteeism
(``scenario.groups.<group>.absenteeism``) applies to shift-based groups and to groups
staffed by counts (each agent of the table, see :mod:`sim.model.slots`).

Times are clock times of the scenario's day: the first forecast interval's start to the
last one's end. When the day passes midnight, a clock time earlier than the day's start
is read as the next day's (or write it past 24:00, e.g. ``25:30``). In the ``Scenario``
they become seconds from the day's start. Problems are reported through
:class:`sim.config.checks.Checker`, naming key, file, line and what is allowed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.config.data_files import NAME_CHARS, DataFileError, quoted
from sim.config.schedule_files import ActivityRow, ShiftRow, read_activities, read_schedule
from sim.config.schema import AbsenteeismConfig, DayScenarioConfig
from sim.core.distributions import Distribution
from sim.core.workforce import Absenteeism, Activity, Break, Shift
from sim.units import clock_exact

if TYPE_CHECKING:
    from sim.config.checks import Checker

__all__ = [
    "Day",
    "Schedule",
    "absenteeism",
    "check_schedule_groups",
    "planned_staffing",
    "read_workforce",
]

_MIDNIGHT = 24 * 60


@dataclass(frozen=True)
class Day:
    """The simulated day in clock minutes: ``intervals`` of ``interval_minutes`` from ``start``."""

    start: int
    intervals: int
    interval_minutes: int

    @property
    def end(self) -> int:
        return self.start + self.intervals * self.interval_minutes

    def minutes(self, clock: int) -> int:
        """A clock time of the day: times before the start are the next day's if the day
        passes midnight."""
        return clock + _MIDNIGHT if self.end > _MIDNIGHT and clock < self.start else clock

    def seconds(self, minutes: float) -> float:
        """Seconds from time 0 (the day's start) of a normalised clock time in minutes."""
        return (minutes - self.start) * 60.0

    @property
    def label(self) -> str:
        return f"{_clock(self.start)}-{_clock(self.end)}"


@dataclass
class Schedule:
    """The checked schedule: shifts per group (sorted by start, then agent), in the order
    the groups first appear in the file, and the line where each group first appears."""

    file: str
    shifts: dict[str, tuple[Shift, ...]] = field(default_factory=dict)
    first_line: dict[str, int] = field(default_factory=dict)

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(self.first_line)


def read_workforce(
    c: Checker, s: DayScenarioConfig, data_dir: Path, day: Day | None
) -> Schedule | None:
    """Read and check ``scenario.schedule_file`` and ``scenario.activities_file``.

    ``day`` ``None`` (the forecast could not be read): only each row is checked. Returns
    the schedule (``None`` if there is no schedule file or it cannot be read).
    """
    if s.schedule_file is None:
        if s.activities_file is not None:
            c.fail(
                "scenario.activities_file",
                s.activities_file,
                "needs scenario.schedule_file: activities belong to the agents of a schedule",
            )
        return None
    shift_rows: tuple[ShiftRow, ...] | None = None
    activity_rows: tuple[ActivityRow, ...] = ()
    try:
        shift_rows, found = read_schedule(data_dir / s.schedule_file, "scenario.schedule_file")
        c.problems.extend(found)
    except DataFileError as exc:
        c.problems.extend(exc.problems)
    if s.activities_file is not None:
        try:
            activity_rows, found = read_activities(
                data_dir / s.activities_file, "scenario.activities_file"
            )
            c.problems.extend(found)
        except DataFileError as exc:
            c.problems.extend(exc.problems)
    if shift_rows is None:
        return None
    schedule = Schedule(s.schedule_file)
    for row in shift_rows:
        if row.group:
            schedule.first_line.setdefault(row.group, row.line)
    if day is None:
        return schedule
    shifts = _check_shifts(c, s.schedule_file, shift_rows, day)
    items = _check_activities(c, s, shift_rows, shifts, activity_rows, day)
    by_group: dict[str, list[Shift]] = {g: [] for g in schedule.groups}
    for row in shift_rows:
        if not row.valid or row.agent not in shifts:
            continue
        start, end = shifts[row.agent]
        mine = sorted(items.get(row.agent, []), key=lambda r: (r[1], r[0].line))
        by_group[row.group].append(
            Shift(
                row.agent,
                day.seconds(start),
                day.seconds(end),
                breaks=tuple(
                    Break(r.kind, day.seconds(st), day.seconds(la), r.duration_minutes * 60.0)
                    for r, st, la in mine
                    if r.is_break
                ),
                activities=tuple(
                    Activity(
                        r.kind,
                        day.seconds(st),
                        r.duration_minutes * 60.0,
                        True if r.cancellable is None else r.cancellable,
                    )
                    for r, st, _ in mine
                    if not r.is_break
                ),
            )
        )
    schedule.shifts = {
        g: tuple(sorted(v, key=lambda sh: (sh.start, sh.agent))) for g, v in by_group.items()
    }
    return schedule


def _check_shifts(
    c: Checker, file: str, rows: Sequence[ShiftRow], day: Day
) -> dict[str, tuple[int, int]]:
    """Each agent's shift as normalised clock minutes, for the shifts that make sense."""
    out = {}
    for row in rows:
        if not row.valid or row.start is None or row.end is None:
            continue  # reported by the reader
        where = f"scenario.schedule_file: {file} line {row.line}"
        start, end = day.minutes(row.start), day.minutes(row.end)
        shown = f"{_clock(row.start)}-{_clock(row.end)}"
        if not (day.start <= start < day.end and day.start < end <= day.end):
            c.problems.append(
                f"{where}: shift {shown} of agent {quoted(row.agent)} is outside the simulated "
                f"day; allowed: within {day.label} (the forecast's intervals)"
            )
        elif end <= start:
            c.problems.append(
                f"{where}: shift_end {_clock(row.end)!r} is not after shift_start "
                f"{_clock(row.start)!r} (agent {quoted(row.agent)}); allowed: a later time (a "
                f"shift passes midnight only if the simulated day does; the day is {day.label})"
            )
        else:
            out[row.agent] = (start, end)
    return out


def _check_activities(
    c: Checker,
    s: DayScenarioConfig,
    shift_rows: Sequence[ShiftRow],
    shifts: dict[str, tuple[int, int]],
    rows: Sequence[ActivityRow],
    day: Day,
) -> dict[str, list[tuple[ActivityRow, int, int]]]:
    """Per agent: its rows with normalised start and latest start, checked against the
    agent's shift and each other."""
    file = s.activities_file
    agents: dict[str, ShiftRow] = {}
    for r in shift_rows:
        agents.setdefault(r.agent, r)
    out: dict[str, list[tuple[ActivityRow, int, int]]] = {}
    for row in rows:
        where = f"scenario.activities_file: {file} line {row.line}"
        if row.agent not in agents:
            c.problems.append(
                f"{where}: agent {quoted(row.agent)} is not in scenario.schedule_file "
                f"({s.schedule_file}); allowed: an agent of the schedule"
            )
            continue
        if row.agent not in shifts:  # its shift is reported already
            continue
        start = day.minutes(row.start)
        latest = start if row.latest_start is None else day.minutes(row.latest_start)
        if latest < start:
            c.problems.append(
                f"{where}: latest_start {_clock(row.latest_start)!r} is before start "
                f"{_clock(row.start)!r}; allowed: empty (fixed) or a time at or after start"
            )
            continue
        shift_start, shift_end = shifts[row.agent]
        if start < shift_start or latest + row.duration_minutes > shift_end:
            span = f"{_clock(row.start)}-{_clock(row.start + row.duration_minutes)}"
            if latest > start:
                span += f" (latest start {_clock(latest)}: ends by {_clock(latest + row.duration_minutes)})"
            c.problems.append(
                f"{where}: {row.kind} {span} is outside agent {quoted(row.agent)}'s shift "
                f"{_clock(shift_start)}-{_clock(shift_end)} ({s.schedule_file} line "
                f"{agents[row.agent].line}); allowed: within the shift"
            )
            continue
        out.setdefault(row.agent, []).append((row, start, latest))
    for agent, items in out.items():
        items.sort(key=lambda r: (r[1], r[0].line))
        last: tuple[ActivityRow, int, int] | None = None
        for item in items:
            row, start, _ = item
            if last is not None and start < last[1] + last[0].duration_minutes:
                other = last[0]
                c.problems.append(
                    f"scenario.activities_file: {file} line {row.line}: {row.kind} "
                    f"{_clock(start)}-{_clock(start + row.duration_minutes)} overlaps "
                    f"{other.kind} {_clock(last[1])}-{_clock(last[1] + other.duration_minutes)} "
                    f"on line {other.line} (agent {quoted(agent)}); allowed: one break or "
                    "activity at a time per agent (judged at their start times)"
                )
            if last is None or start + row.duration_minutes > last[1] + last[0].duration_minutes:
                last = item
    return out


def check_schedule_groups(
    c: Checker,
    s: DayScenarioConfig,
    schedule: Schedule,
    staffing_groups: Sequence[str],
    skilled_groups: Sequence[str] | None,
) -> None:
    """A schedule group must have skills and must not also be a staffing column."""
    for group, line in schedule.first_line.items():
        where = f"scenario.schedule_file: {schedule.file} line {line}"
        if group in staffing_groups:
            c.problems.append(
                f"{where}: group {quoted(group, NAME_CHARS)} also has a column in "
                f"scenario.staffing_file ({s.staffing_file}); allowed: a group is staffed by its "
                "staffing column or by the schedule, not both (remove the column or the group's "
                "rows)"
            )
        elif skilled_groups is not None and group not in skilled_groups:
            c.problems.append(
                f"{where}: group {quoted(group, NAME_CHARS)} has no row in "
                f"scenario.skills_file ({s.skills_file}); allowed: a group with skills: "
                f"{list(dict.fromkeys(skilled_groups))}"
            )


def absenteeism(
    c: Checker,
    key: str,
    a: Any,
    distribution: Callable[[str, Any], Distribution | None],
) -> Absenteeism | None:
    """Check ``scenario.groups.<group>.absenteeism`` at ``key``; ``None`` if it is bad.

    It applies to a group on the schedule (each agent) and to a group staffed by counts
    (each agent of the table, as a slot: :mod:`sim.model.slots`).
    ``distribution(key, config)`` checks and builds a duration distribution, configured in
    seconds (``mean_seconds``) like every other despite the keys' ``_minutes`` names.
    """
    if not isinstance(a, AbsenteeismConfig):
        c.fail(
            key,
            a,
            "must be {no_show_probability, late_probability, late_minutes, "
            "early_leave_probability, early_leave_minutes, aux_per_hour, aux_minutes}",
        )
        return None
    n_before = len(c.problems)
    values: dict[str, Any] = {}
    # (rate key, duration key of the config, the Absenteeism field holding that duration)
    for rate, minutes, held_as in (
        ("no_show_probability", None, None),
        ("late_probability", "late_minutes", "late_seconds"),
        ("early_leave_probability", "early_leave_minutes", "early_leave_seconds"),
        ("aux_per_hour", "aux_minutes", "aux_seconds"),
    ):
        value = getattr(a, rate)
        ok = c.number(f"{key}.{rate}", value, low=0, strict=False)
        if ok and rate != "aux_per_hour" and value > 1:
            c.fail(f"{key}.{rate}", value, "must be a probability in [0, 1]")
            ok = False
        values[rate] = float(value) if ok else 0.0
        if minutes is None or held_as is None:
            continue
        d = getattr(a, minutes)
        if d is None:
            if ok and value > 0:
                c.fail(
                    f"{key}.{minutes}",
                    None,
                    f"required when {rate} > 0: a distribution {{distribution, mean_seconds, cv}}",
                )
            values[held_as] = None
        else:
            values[held_as] = distribution(f"{key}.{minutes}", d)
    if len(c.problems) > n_before:
        return None
    return Absenteeism(**values)


def planned_staffing(
    shifts: Sequence[Shift], intervals: int, interval_seconds: float
) -> tuple[float, ...]:
    """Agents planned on the phone per interval: the time-weighted average number of agents
    on shift and not on a planned break (at its earliest start) or activity."""
    out = []
    for k in range(intervals):
        a, b = k * interval_seconds, (k + 1) * interval_seconds
        total = 0.0
        for shift in shifts:
            total += _overlap(shift.start, shift.end, a, b)
            for br in shift.breaks:
                total -= _overlap(br.earliest, br.earliest + br.duration, a, b)
            for act in shift.activities:
                total -= _overlap(act.start, act.start + act.duration, a, b)
        out.append(round(total / interval_seconds, 6))
    return tuple(out)


def _overlap(start: float, end: float, a: float, b: float) -> float:
    return max(0.0, min(end, b) - max(start, a))


def _clock(minutes: float | None) -> str:
    return "" if minutes is None else clock_exact(60 * minutes)
