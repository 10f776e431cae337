"""``scenario.days``: several days in a row (a week), checked and built into a
:class:`~sim.core.week.Week`.

Each entry is a day profile (:class:`~sim.config.schema.DayProfileConfig`): a ``name``
(letters, digits, ``_``, ``-``; unique), and optionally its own ``forecast_file`` and
``staffing_file`` (in the scenario's data folder, in the shapes of
``scenario.forecast_file`` and ``scenario.staffing_file``: the same intervals, one column
per contact type or agent group), a ``forecast_scale`` and a ``staffing_scale`` (>= 0,
default 1). A day is the scenario as configured (the base day :func:`sim.config.day.build_day`
built: contact types, groups, skills, routing, costs, demand shocks, outages) with that
day's forecast (its file, else the scenario's, times ``forecast_scale``) and staffing (its
file, else the scenario's, times ``staffing_scale`` rounded half up to whole agents per
interval and group, as the variants of ``plan.scales``).

With ``scenario.export_file``, every day's forecast (and handle times) is the export's: a
day may scale it (``forecast_scale``) but not name its own ``forecast_file``. A week is a
``mode=run`` of its own: ``mode=plan|staff|calibrate`` and ``run.snapshot_at`` are refused,
and so is what :func:`~sim.core.week.week_unsupported` names (groups on individual
shifts, a warm-up, a snapshot to continue from).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from sim.config.checks import Checker
from sim.config.data_files import IntervalTable, quoted_list
from sim.config.schema import DayProfileConfig, DayScenarioConfig
from sim.config.tables import escalation_targets, read_table
from sim.core.planning import scaled_staffing
from sim.core.scenario import Scenario
from sim.core.week import Week, week_unsupported
from sim.units import clock

__all__ = ["build_week", "day_names"]

#: A day's name: letters, digits, ``_`` and ``-`` (it labels the week's intervals).
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
#: The keys of a day profile, for messages.
_FIELDS = [f.name for f in dataclasses.fields(DayProfileConfig)]
_SHAPE = "{" + ", ".join(_FIELDS) + "}"


def day_names(days: Any) -> Any:
    """``scenario.days`` as shown in a message: the days' names if it is a list of
    mappings with names, else the value itself."""
    if isinstance(days, (list, tuple)):
        names = [_get(d, "name") for d in days]
        if all(isinstance(n, str) for n in names):
            return names
    return days


def _get(profile: Any, key: str) -> Any:
    if isinstance(profile, (dict, DictConfig)):
        return profile.get(key)
    return getattr(profile, key, None)


def build_week(
    c: Checker,
    s: DayScenarioConfig,
    base: Scenario | None,
    root: Path,
    *,
    mode: Any = "run",
    snapshot_at: Any = None,
) -> Week | None:
    """The week of ``s.days`` around the base day ``base`` (``None``: it could not be built;
    the days' keys are still checked); ``None`` with problems in ``c`` if it is bad (or if
    ``s.days`` is null). ``root``: what a relative ``data_dir`` is relative to (the files'
    paths were checked by :func:`sim.config.safety.paths_inside`). ``mode`` and
    ``snapshot_at`` (``run.snapshot_at``): a week is a ``mode=run`` without snapshots."""
    days = s.days
    if days is None:
        return None
    n_before = len(c.problems)
    shown = day_names(days)
    if mode in ("plan", "staff", "calibrate"):
        c.fail("scenario.days", shown, f"not available with mode={mode}: leave it null")
    if snapshot_at is not None:
        c.fail(
            "run.snapshot_at",
            snapshot_at,
            "not available with scenario.days (a snapshot is of one day): leave it null",
        )
    if not isinstance(days, (list, tuple)) or not days:
        c.fail(
            "scenario.days",
            days,
            f"must list at least one day, each {_SHAPE} (e.g. [{{name: mon}}, {{name: tue, "
            "forecast_scale: 1.1}]), or be null for one day",
        )
        return None
    profiles = _profiles(c, s, days)
    if base is not None:
        for problem in week_unsupported(base):
            c.fail(
                "scenario.days",
                shown,
                f"a week cannot yet have {problem}{_HOW.get(problem.split(' (')[0], '')}: "
                "leave scenario.days null",
            )
    if len(c.problems) > n_before or base is None or profiles is None:
        return None
    data_dir = Path(s.data_dir)
    data_dir = data_dir if data_dir.is_absolute() else root / data_dir
    built = [_day(c, s, base, data_dir, i, p) for i, p in enumerate(profiles)]
    if len(c.problems) > n_before:
        return None
    scenarios = tuple(d for d in built if d is not None)
    try:
        return Week(days=scenarios, names=tuple(str(p.name) for p in profiles))
    except ValueError as exc:  # a safety net: the checks above should have caught it
        c.fail("scenario.days", shown, str(exc))
        return None


#: What to change for each thing a week cannot have (the phrases of week_unsupported).
_HOW = {
    "agents on individual shifts": ", set by scenario.schedule_file",
    "a warm-up": ", set by scenario.warmup_minutes",
    "a snapshot to continue from": ", set by scenario.snapshot_file",
}


def _profiles(c: Checker, s: DayScenarioConfig, days: Any) -> list[DayProfileConfig] | None:
    """Each day profile checked (keys, name, scales, file names); ``None`` if one is bad."""
    n_before = len(c.problems)
    out: list[DayProfileConfig] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(days):
        key = f"scenario.days[{i}]"
        p = _profile(c, key, raw)
        if p is None:
            continue
        if not (isinstance(p.name, str) and _NAME.match(p.name)):
            c.fail(
                f"{key}.name",
                p.name,
                "required: the day's name, letters, digits, '_' or '-' (at most 32), e.g. mon",
            )
        elif p.name in seen:
            c.fail(
                f"{key}.name",
                p.name,
                f"already the name of scenario.days[{seen[p.name]}]; each day needs its own name",
            )
        else:
            seen[p.name] = i
        c.number(f"{key}.forecast_scale", p.forecast_scale, low=0, strict=False)
        c.number(f"{key}.staffing_scale", p.staffing_scale, low=0, strict=False)
        for file_key in ("forecast_file", "staffing_file"):
            value = getattr(p, file_key)
            if value is not None:
                c.name(
                    f"{key}.{file_key}",
                    value,
                    "a file in the scenario's data folder, or null (the scenario's own)",
                )
        if p.forecast_file is not None and s.export_file is not None:
            c.fail(
                f"{key}.forecast_file",
                p.forecast_file,
                f"with scenario.export_file ({s.export_file}) every day's forecast and handle "
                "times are the export's: scale them with forecast_scale, or leave "
                "scenario.export_file null to give each day its own forecast_file",
            )
        if p.staffing_file is not None and s.staffing_file is None:
            c.fail(
                f"{key}.staffing_file",
                p.staffing_file,
                "the scenario has no staffing table (scenario.staffing_file: null); leave it null",
            )
        out.append(p)
    return out if len(c.problems) == n_before else None


def _profile(c: Checker, key: str, raw: Any) -> DayProfileConfig | None:
    """``scenario.days[i]`` as a :class:`DayProfileConfig` of the values given (checked by
    :func:`_profiles`); ``None`` (reported) if it is not a mapping or has an unknown key."""
    if isinstance(raw, DayProfileConfig):
        return raw
    if isinstance(raw, DictConfig):
        raw = OmegaConf.to_container(raw, resolve=True)
    if not isinstance(raw, dict):
        c.fail(key, raw, f"must be a day profile {_SHAPE}, e.g. {{name: mon}}")
        return None
    unknown = [k for k in raw if k not in _FIELDS]
    for k in unknown:
        c.problems.append(f"{key}.{k}: unknown key (misspelt?); allowed: {_FIELDS}")
    if unknown:
        return None
    return DayProfileConfig(**{"name": None, **{str(k): v for k, v in raw.items()}})


def _day(
    c: Checker, s: DayScenarioConfig, base: Scenario, data_dir: Path, i: int, p: DayProfileConfig
) -> Scenario | None:
    """Day ``i``: ``base`` with the profile's forecast and staffing (``None``: reported)."""
    key = f"scenario.days[{i}]"
    minutes = round(base.interval_seconds / 60)
    labels = [base.interval_label(k) for k in range(base.intervals)]
    forecast = {t.name: t.forecast for t in base.contact_types}
    if p.forecast_file is not None:
        table = read_table(
            c, data_dir, f"{key}.forecast_file", p.forecast_file, integer=False, minutes=minutes
        )
        if table is None:
            return None
        optional = escalation_targets(s)  # reached by escalation only: may have no column
        needed = [n for n in base.type_names if n not in optional or n in table.columns]
        if not _matches(
            c,
            f"{key}.forecast_file",
            p.forecast_file,
            table,
            needed,
            base.type_names,
            "contact type",
            "scenario.forecast_file",
            labels,
        ):
            return None
        forecast = {n: table.columns.get(n, (0.0,) * base.intervals) for n in base.type_names}
    staffing = {g.name: g.staffing for g in base.groups}
    if p.staffing_file is not None:
        table = read_table(
            c, data_dir, f"{key}.staffing_file", p.staffing_file, integer=True, minutes=minutes
        )
        if table is None:
            return None
        if not _matches(
            c,
            f"{key}.staffing_file",
            p.staffing_file,
            table,
            base.group_names,
            base.group_names,
            "agent group",
            "scenario.staffing_file",
            labels,
        ):
            return None
        staffing = {g: tuple(int(v) for v in table.columns[g]) for g in base.group_names}
    f_scale, s_scale = float(p.forecast_scale), float(p.staffing_scale)
    types = tuple(
        dataclasses.replace(t, forecast=tuple(x * f_scale for x in forecast[t.name]))
        for t in base.contact_types
    )
    groups = tuple(
        dataclasses.replace(g, staffing=scaled_staffing(staffing[g.name], s_scale))
        for g in base.groups
    )
    try:
        return dataclasses.replace(base, contact_types=types, groups=groups)
    except ValueError as exc:  # a safety net: the checks above should have caught it
        c.fail(key, p.name, str(exc))
        return None


def _matches(
    c: Checker,
    key: str,
    file: str,
    table: IntervalTable,
    needed: tuple[str, ...] | list[str],
    allowed: tuple[str, ...],
    what: str,
    like: str,
    labels: list[str],
) -> bool:
    """Whether ``table`` has the columns ``needed`` (and no other than ``allowed``) and
    the day's intervals ``labels``; else reported."""
    missing = [n for n in needed if n not in table.columns]
    extra = [n for n in table.names if n not in allowed]
    if missing or extra:
        c.fail(
            key,
            file,
            f"must have one column per {what}, like {like}: {quoted_list(list(needed))}"
            + (f"; missing: {quoted_list(missing)}" if missing else "")
            + (f"; not {what}s: {quoted_list(extra)}" if extra else ""),
        )
        return False
    starts = [clock(m * 60.0) for m in table.start_minutes]
    if starts != labels:
        c.fail(
            key,
            file,
            f"must cover the scenario's intervals {labels[0]} to {labels[-1]} ({len(labels)} "
            f"rows), like {like}; it has {starts[0]} to {starts[-1]} ({len(starts)} rows)",
        )
        return False
    return True
