"""Reading a day scenario's data tables: forecast, staffing, skills, schedule, activities.

Each table is checked on its own (values, clock times, lines) and against the others and
the config (the same intervals; every contact type with a forecast column; every group
with a staffing column or schedule rows, and a skills row); problems go to a
:class:`~sim.config.checks.Checker`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sim.config.checks import Checker
from sim.config.constants import ALLOWED_INTERVAL_MINUTES
from sim.config.data_files import (
    NAME_CHARS,
    DataFileError,
    IntervalTable,
    SkillRow,
    quoted,
    quoted_list,
    read_interval_table,
    read_skills,
)
from sim.config.schema import DayScenarioConfig
from sim.config.workforce import Day, Schedule, check_schedule_groups, read_workforce
from sim.units import clock_exact

__all__ = ["Tables", "read_tables"]


@dataclass
class Tables:
    """What was read from a day scenario's data files (``None``: missing or unreadable)."""

    forecast: IntervalTable | None = None
    staffing: IntervalTable | None = None
    skills: tuple[SkillRow, ...] | None = None
    schedule: Schedule | None = None
    #: every group: staffing columns, then schedule groups (``None``: a file is unreadable)
    groups: list[str] | None = None


def _read_table(
    c: Checker, data_dir: Path, key: str, file: str, *, integer: bool, minutes: int
) -> IntervalTable | None:
    try:
        return read_interval_table(data_dir / file, key, integer=integer, interval_minutes=minutes)
    except DataFileError as exc:
        c.problems.extend(exc.problems)
        return None


def read_tables(c: Checker, s: DayScenarioConfig, data_dir: Path, type_names: list[str]) -> Tables:
    """Read forecast, staffing and skills, and check them against each other and the config."""
    t = Tables()
    if s.interval_minutes in ALLOWED_INTERVAL_MINUTES:  # the tables are checked against it
        t.forecast = _read_table(
            c,
            data_dir,
            "scenario.forecast_file",
            s.forecast_file,
            integer=False,
            minutes=s.interval_minutes,
        )
        if s.staffing_file is not None:
            t.staffing = _read_table(
                c,
                data_dir,
                "scenario.staffing_file",
                s.staffing_file,
                integer=True,
                minutes=s.interval_minutes,
            )
    if t.forecast is not None and type_names:  # no types at all is reported on its own
        for name in type_names:
            if name not in t.forecast.columns:
                c.problems.append(
                    f"scenario.contact_types.{name}: no column {name!r} in scenario.forecast_file "
                    f"({s.forecast_file}); every contact type needs a forecast column; the file "
                    f"has {quoted_list(t.forecast.names)}"
                )
        for name in t.forecast.names:
            if name not in type_names:
                c.problems.append(
                    f"scenario.forecast_file: {s.forecast_file} column "
                    f"{quoted(name, NAME_CHARS)} has no entry in scenario.contact_types; add "
                    f"scenario.contact_types.{name} (channel, "
                    f"handle_time, ...) or remove the column; entries: {type_names}"
                )
    if t.forecast is not None and t.staffing is not None:
        f, st = t.forecast, t.staffing
        if f.start_minutes != st.start_minutes:
            c.fail(
                "scenario.staffing_file",
                s.staffing_file,
                f"must cover the same intervals as scenario.forecast_file ({len(f.start_minutes)} "
                f"intervals from {clock_exact(60 * (f.start_minutes[0]))}); it has {len(st.start_minutes)} "
                f"intervals from {clock_exact(60 * (st.start_minutes[0]))}",
            )
    staffing_groups = _read_schedule(c, s, data_dir, t)
    groups = t.groups
    # A type missing from the config or the forecast is reported above, not once per row.
    known = list(dict.fromkeys([*type_names, *(t.forecast.names if t.forecast else ())]))
    try:
        t.skills = read_skills(
            data_dir / s.skills_file,
            "scenario.skills_file",
            groups=groups,
            contact_types=known or None,
        )
    except DataFileError as exc:
        c.problems.extend(exc.problems)
        if t.schedule is not None:
            check_schedule_groups(c, s, t.schedule, staffing_groups, None)
        return t
    served = {row.contact_type for row in t.skills}
    for name in type_names:
        if name not in served:
            c.problems.append(
                f"scenario.contact_types.{name}: no group can serve it; add a row "
                f"'<group>,{name},<proficiency>,<level>' to scenario.skills_file ({s.skills_file})"
            )
    skilled = {row.group for row in t.skills}
    for name in staffing_groups:
        if name not in skilled:
            c.problems.append(
                f"scenario.staffing_file: {s.staffing_file} column "
                f"{quoted(name, NAME_CHARS)} is a group with no row in scenario.skills_file "
                f"({s.skills_file}); every group needs at least one skill"
            )
    if t.schedule is not None:
        check_schedule_groups(c, s, t.schedule, staffing_groups, [r.group for r in t.skills])
    return t


def _read_schedule(c: Checker, s: DayScenarioConfig, data_dir: Path, t: Tables) -> list[str]:
    """Read the schedule and activities into ``t`` and set ``t.groups``; the staffing columns."""
    day = None
    if t.forecast is not None:
        starts = t.forecast.start_minutes
        day = Day(starts[0], len(starts), s.interval_minutes)
    t.schedule = read_workforce(c, s, data_dir, day)
    staffing_groups = list(t.staffing.names) if t.staffing is not None else []
    if s.staffing_file is None and s.schedule_file is None:
        c.fail(
            "scenario.staffing_file",
            None,
            "required unless scenario.schedule_file gives every group's agents",
        )
    elif (s.staffing_file is None or t.staffing is not None) and (
        s.schedule_file is None or t.schedule is not None
    ):
        schedule_groups = t.schedule.groups if t.schedule is not None else ()
        t.groups = list(dict.fromkeys([*staffing_groups, *schedule_groups]))
        if "all" in t.groups:
            c.fail(
                "scenario.staffing_file/schedule_file",
                "all",
                "group name 'all' is reserved (it labels the totals): rename it",
            )
    return staffing_groups
