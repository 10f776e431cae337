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
from sim.config.schema import ContactTypeConfig, DayScenarioConfig, EscalationConfig
from sim.config.wfm_export import (
    ALL_WEEKDAYS,
    MAX_EXPORT_BYTES,
    WfmExport,
    read_wfm_export,
)
from sim.config.workforce import Day, Schedule, check_schedule_groups, read_workforce
from sim.units import WEEKDAYS, clock_exact

__all__ = ["Tables", "escalation_targets", "read_table", "read_tables"]


@dataclass
class Tables:
    """What was read from a day scenario's data files (``None``: missing or unreadable)."""

    forecast: IntervalTable | None = None
    staffing: IntervalTable | None = None
    skills: tuple[SkillRow, ...] | None = None
    schedule: Schedule | None = None
    #: every group: staffing columns, then schedule groups (``None``: a file is unreadable)
    groups: list[str] | None = None
    #: the WFM export (``scenario.export_file``), whose mean day is also ``forecast``
    export: WfmExport | None = None


def escalation_targets(s: DayScenarioConfig) -> set[str]:
    """The contact types some type escalates to: one may have no forecast column (0 all day:
    only escalations feed it)."""
    types = s.contact_types if isinstance(s.contact_types, dict) else {}
    return {
        str(ct.escalation.to)
        for ct in types.values()
        if isinstance(ct, ContactTypeConfig)
        and isinstance(ct.escalation, EscalationConfig)
        and isinstance(ct.escalation.to, str)
    }


def read_table(
    c: Checker, data_dir: Path, key: str, file: str, *, integer: bool, minutes: int
) -> IntervalTable | None:
    """The interval table ``file`` of ``data_dir`` (config key ``key``), or None with its
    problems added to ``c``."""
    try:
        return read_interval_table(data_dir / file, key, integer=integer, interval_minutes=minutes)
    except DataFileError as exc:
        c.problems.extend(exc.problems)
        return None


def read_tables(
    c: Checker,
    s: DayScenarioConfig,
    data_dir: Path,
    type_names: list[str],
    *,
    allow_large: bool = False,
) -> Tables:
    """Read forecast (or WFM export), staffing and skills, and check them against each other
    and the config. ``allow_large``: read an export above its size limit."""
    t = Tables()
    export_ok = _check_export_keys(c, s)
    if s.interval_minutes in ALLOWED_INTERVAL_MINUTES:  # the tables are checked against it
        if s.export_file is None:
            t.forecast = read_table(
                c,
                data_dir,
                "scenario.forecast_file",
                s.forecast_file,
                integer=False,
                minutes=s.interval_minutes,
            )
        elif export_ok and type_names:  # no types at all is reported on its own
            t.export = _read_export(c, s, data_dir, type_names, allow_large)
            t.forecast = None if t.export is None else t.export.forecast
        if s.staffing_file is not None:
            t.staffing = read_table(
                c,
                data_dir,
                "scenario.staffing_file",
                s.staffing_file,
                integer=True,
                minutes=s.interval_minutes,
            )
    if t.forecast is not None and type_names:  # no types at all is reported on its own
        tier2 = escalation_targets(s)
        for name in type_names:
            if name not in t.forecast.columns and name not in tier2:
                c.problems.append(
                    f"scenario.contact_types.{name}: no column {name!r} in scenario.forecast_file "
                    f"({s.forecast_file}); every contact type needs a forecast column (but a "
                    f"type other types escalate to: 0 without one); the file "
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
                f"must cover the same intervals as scenario.{_day_source(s)} ({len(f.start_minutes)} "
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


def _day_source(s: DayScenarioConfig) -> str:
    """The key of the file the day's intervals come from."""
    return "forecast_file" if s.export_file is None else "export_file (its first to last interval)"


def _check_export_keys(c: Checker, s: DayScenarioConfig) -> bool:
    """``scenario.export_file`` is a file name (or null); ``export_weekday`` a weekday label,
    ``all`` or null, and null without an export."""
    ok = True
    if s.export_file is not None:
        ok = c.name("scenario.export_file", s.export_file, "a file in the data folder, or null")
    allowed = [*WEEKDAYS, ALL_WEEKDAYS]
    if s.export_weekday is not None and s.export_weekday not in allowed:
        c.fail("scenario.export_weekday", s.export_weekday, f"allowed: {allowed} or null")
        ok = False
    elif s.export_weekday is not None and s.export_file is None:
        c.fail(
            "scenario.export_weekday",
            s.export_weekday,
            "chooses the dates of scenario.export_file: leave it null without an export",
        )
    return ok


def _read_export(
    c: Checker, s: DayScenarioConfig, data_dir: Path, type_names: list[str], allow_large: bool
) -> WfmExport | None:
    """The export named by ``scenario.export_file`` (``None``: problems reported in ``c``)."""
    file = str(s.export_file)
    try:
        return read_wfm_export(
            data_dir / file,
            "scenario.export_file",
            queues=type_names,
            interval_minutes=s.interval_minutes,
            weekday=s.export_weekday,
            optional=escalation_targets(s),  # reached by escalation: may have no rows
            shown=str(Path(s.data_dir) / file),
            max_bytes=None if allow_large else MAX_EXPORT_BYTES,
        )
    except DataFileError as exc:
        c.problems.extend(exc.problems)
        return None


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
