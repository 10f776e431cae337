"""Reading a day scenario's schedule and activities files (CSV), row by row.

Both files are optional (``scenario.schedule_file``, ``scenario.activities_file``):

- the schedule, one row per agent: ``agent,group,shift_start,shift_end`` (HH:MM);
- the activities, one row per planned off-phone item of a scheduled agent:
  ``agent,kind,start,duration_minutes,latest_start,cancellable``. ``kind`` ``break`` or
  ``lunch`` is a break, taken at ``start`` or, if a realtime policy delays it, up to
  ``latest_start`` (empty: fixed); any other kind (training, meeting, coaching,
  back_office, ...) is an activity, and ``cancellable`` (``true``/``false``, empty: true)
  says whether a policy may cancel or move it. ``latest_start`` and ``cancellable`` may
  be left out of the header.

The readers check each row on its own (required cells, clock times, numbers, flags,
duplicate agents) and return the rows with clock times as minutes after midnight, as
written, together with the problems of the bad rows, so that the checks that need the day,
the shifts or other rows (:mod:`sim.config.workforce`) still run on the good ones. A file
that cannot be read at all (missing, bad header) raises :class:`DataFileError`. Problems
name the config key, the file, the line and what is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sim.config.data_files import (
    _clock_minutes,
    _header_size,
    _number,
    _raise,
    _read_csv,
    _Table,
    quoted,
    quoted_list,
)
from sim.core.workforce import BREAK_KINDS

__all__ = [
    "ACTIVITY_COLUMNS",
    "SCHEDULE_COLUMNS",
    "ActivityRow",
    "ShiftRow",
    "read_activities",
    "read_schedule",
]

#: The columns of a schedule file, all required.
SCHEDULE_COLUMNS: tuple[str, ...] = ("agent", "group", "shift_start", "shift_end")
#: The columns of an activities file; the last two may be left out.
ACTIVITY_COLUMNS: tuple[str, ...] = (
    "agent",
    "kind",
    "start",
    "duration_minutes",
    "latest_start",
    "cancellable",
)
_OPTIONAL_ACTIVITY_COLUMNS = ("latest_start", "cancellable")
_FLAGS = {"true": True, "false": False}


@dataclass(frozen=True)
class ShiftRow:
    """One schedule row: ``agent`` of ``group`` works from ``start`` to ``end`` (minutes
    after midnight, as written: a shift passing midnight has ``end < start`` unless its
    end is written past 24:00). ``line`` is the row's line in the file. ``valid``: the row
    has no problem (else its times may be ``None``)."""

    line: int
    agent: str
    group: str
    start: int | None
    end: int | None
    valid: bool = True


@dataclass(frozen=True)
class ActivityRow:
    """One activities row. ``start`` and ``latest_start`` are minutes after midnight as
    written; ``latest_start`` is ``None`` when empty, ``cancellable`` ``None`` when empty
    (an activity defaults to cancellable; a break has no such flag)."""

    line: int
    agent: str
    kind: str
    start: int
    duration_minutes: float
    latest_start: int | None
    cancellable: bool | None

    @property
    def is_break(self) -> bool:
        """A break or lunch (else an off-phone activity)."""
        return self.kind in BREAK_KINDS


def _columns(key: str, path: Path, table: _Table, allowed: tuple[str, ...], optional=()):
    header = table.columns
    missing = [c for c in allowed if c not in header and c not in optional]
    unknown = [c for c in header if c not in allowed]
    problems = []
    if missing:
        problems.append(f"{key}: {path.name} lacks column(s) {missing}{_header_size(table)}")
    if unknown:
        # Named only in a header that is recognisably this file's: the first line of a file
        # of another kind (or of no kind) stays out of the message.
        named = len(unknown) < len(header)
        what = f"unknown column(s) {quoted_list(unknown)}" if named else "no known column"
        problems.append(f"{key}: {path.name} line 1: {what}; allowed: {list(allowed)}")
    if problems:
        _raise(problems)


def read_schedule(path: Path, key: str) -> tuple[tuple[ShiftRow, ...], list[str]]:
    """Read a schedule file: one row per agent, ``agent,group,shift_start,shift_end``.

    Agent names must be unique; clock times are HH:MM (hours may pass 24). Returns every
    row with an agent name (bad ones with ``valid`` ``False``) and the problems found.
    """
    table = _read_csv(path, key)
    _columns(key, path, table, SCHEDULE_COLUMNS)
    if not table.rows:
        _raise([f"{key}: {path.name} has no rows"])
    problems: list[str] = []
    rows: list[ShiftRow] = []
    seen: dict[str, int] = {}
    for line, row in table.rows:
        where = f"{key}: {path.name} line {line}"
        agent, group = row.get("agent") or "", row.get("group") or ""
        ok = True
        for column, name, what in (("agent", agent, "an agent name"), ("group", group, "a group")):
            if not name:
                problems.append(f"{where}: {column} is empty; allowed: {what}")
                ok = False
        if agent in seen:
            problems.append(
                f"{where}: agent {quoted(agent)} already appears on line {seen[agent]}; "
                "allowed: one row per agent (agent names are unique)"
            )
            ok = False
        elif agent:
            seen[agent] = line
        times = []
        for column in ("shift_start", "shift_end"):
            text = row.get(column) or ""
            minutes = _clock_minutes(text)
            if minutes is None:
                problems.append(f"{where}: {column} {quoted(text)} is not a time; allowed: HH:MM")
                ok = False
            times.append(minutes)
        if agent:
            rows.append(ShiftRow(line, agent, group, times[0], times[1], ok))
    return tuple(rows), problems


def read_activities(path: Path, key: str) -> tuple[tuple[ActivityRow, ...], list[str]]:
    """Read an activities file: one row per break, lunch or off-phone activity.

    ``duration_minutes`` must be a number > 0; ``latest_start`` is only for breaks and
    lunches, ``cancellable`` (``true``/``false``) only for activities. Returns the good
    rows and the problems of the others.
    """
    table = _read_csv(path, key)
    _columns(key, path, table, ACTIVITY_COLUMNS, _OPTIONAL_ACTIVITY_COLUMNS)
    problems: list[str] = []
    rows: list[ActivityRow] = []
    for line, row in table.rows:
        where = f"{key}: {path.name} line {line}"
        agent, kind = row.get("agent") or "", row.get("kind") or ""
        ok = True
        for column, name, what in (
            ("agent", agent, "an agent of the schedule"),
            ("kind", kind, f"{' or '.join(BREAK_KINDS)}, or an activity name (training, ...)"),
        ):
            if not name:
                problems.append(f"{where}: {column} is empty; allowed: {what}")
                ok = False
        text = row.get("start") or ""
        start = _clock_minutes(text)
        if start is None:
            problems.append(f"{where}: start {quoted(text)} is not a time; allowed: HH:MM")
            ok = False
        text = row.get("duration_minutes") or ""
        duration = _number(text)
        if duration is None or duration <= 0:
            problems.append(
                f"{where}: duration_minutes {quoted(text)} is not allowed; allowed: a "
                "number of minutes > 0"
            )
            ok = False
        latest: int | None = None
        text = row.get("latest_start") or ""
        if text and kind and kind not in BREAK_KINDS:
            problems.append(
                f"{where}: latest_start {quoted(text)} is given for activity {quoted(kind)}; "
                "allowed: empty "
                f"(only a {' or '.join(BREAK_KINDS)} has a window; an activity starts at start)"
            )
            ok = False
        elif text:
            latest = _clock_minutes(text)
            if latest is None:
                problems.append(
                    f"{where}: latest_start {quoted(text)} is not a time; allowed: HH:MM, or empty "
                    "(the break is fixed at start)"
                )
                ok = False
        cancellable: bool | None = None
        text = row.get("cancellable") or ""
        if text and kind in BREAK_KINDS:
            problems.append(
                f"{where}: cancellable {quoted(text)} is given for a {kind}; allowed: empty (a "
                "break is never cancelled; latest_start says how far a policy may delay it)"
            )
            ok = False
        elif text:
            cancellable = _FLAGS.get(text.lower())
            if cancellable is None:
                problems.append(
                    f"{where}: cancellable {quoted(text)} is not allowed; allowed: true or false "
                    "(empty: true)"
                )
                ok = False
        if ok and start is not None and duration is not None:
            rows.append(ActivityRow(line, agent, kind, start, duration, latest, cancellable))
    return tuple(rows), problems
