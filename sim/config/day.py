"""Checking a day scenario's config and data files, and building its :class:`Scenario`.

Every check appends ``key = value: what is allowed`` lines to a :class:`Checker`, so that
all problems are reported together. The data folder's tables are read by
:mod:`sim.config.tables`:

- the forecast: ``interval_start`` (HH:MM) and one column per contact type, expected
  contacts per interval; each column needs an entry in ``scenario.contact_types`` and
  each entry a column;
- the staffing: ``interval_start`` and one column per agent group, agents logged in
  (whole numbers); the same intervals as the forecast;
- the skills: one row per group and contact type it serves,
  ``group,contact_type,proficiency,level``;
- optionally a schedule and activities (:mod:`sim.config.workforce`): groups on the
  schedule follow individual shifts and have no staffing column.

Overflow steps name groups, not queues, so a contact can never be routed in a cycle;
each overflow group needs a skills row for the contact type (its proficiency and level).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import ConfigKeyError, OmegaConfBaseException

from sim.config.checks import Checker, distribution
from sim.config.constants import ALLOWED_INTERVAL_MINUTES
from sim.config.demand import demand_shocks
from sim.config.outages import disruptions
from sim.config.safety import paths_inside
from sim.config.schema import (
    ContactServiceLevelConfig,
    ContactTypeConfig,
    DayScenarioConfig,
    GroupConfig,
    OverflowStepConfig,
    RoutingConfig,
)
from sim.config.tables import Tables, read_tables
from sim.config.workforce import absenteeism, planned_staffing
from sim.core.scenario import (
    AGENT_SELECTION_RULES,
    CHANNELS,
    CONTACT_SELECTION_RULES,
    AgentGroup,
    ContactType,
    OverflowStep,
    Routing,
    Scenario,
    ServiceLevel,
    Skill,
)
from sim.core.workforce import Absenteeism

__all__ = ["build_day"]


def _overflow(c: Checker, key: str, name: str, steps: Any, t: Tables) -> tuple[OverflowStep, ...]:
    """Check a contact type's overflow steps: known groups with the skill, rising delays."""
    if not isinstance(steps, (list, tuple)):
        c.fail(key, steps, "must be a list of {after_seconds, groups}")
        return ()
    groups = t.groups
    skilled = None if t.skills is None else {r.group for r in t.skills if r.contact_type == name}
    out: list[OverflowStep] = []
    seen: dict[str, int] = {}
    last_delay: float | None = None
    for i, step in enumerate(steps):
        at = f"{key}[{i}]"
        if not isinstance(step, OverflowStepConfig):
            c.fail(at, step, "must be {after_seconds, groups}")
            continue
        ok = c.number(f"{at}.after_seconds", step.after_seconds, low=0, strict=False)
        if ok and last_delay is not None and step.after_seconds <= last_delay:
            c.fail(
                f"{at}.after_seconds",
                step.after_seconds,
                f"must be greater than the previous step's after_seconds ({last_delay:g})",
            )
            ok = False
        elif ok:
            last_delay = float(step.after_seconds)
        if not isinstance(step.groups, (list, tuple)) or not step.groups:
            c.fail(f"{at}.groups", step.groups, "must name at least one group")
            continue
        for j, group in enumerate(step.groups):
            gkey = f"{at}.groups[{j}]"
            if groups is not None and group not in groups:
                c.fail(
                    gkey,
                    group,
                    f"unknown group (not a staffing column{' or schedule group' if t.schedule else ''}); "
                    f"allowed: {groups}",
                )
                ok = False
            elif skilled is not None and group not in skilled:
                c.fail(
                    gkey,
                    group,
                    f"group has no skill for {name!r}: add a row '{group},{name},<proficiency>,"
                    f"<level>' to scenario.skills_file (it sets the overflow proficiency and level)",
                )
                ok = False
            if group in seen:
                c.fail(gkey, group, f"group already named in {key}[{seen[group]}]; name it once")
                ok = False
            seen.setdefault(group, i)
        if ok:
            out.append(OverflowStep(float(step.after_seconds), tuple(step.groups)))
    return tuple(out)


def _contact_type(
    c: Checker,
    name: str,
    ct: Any,
    t: Tables,
    data_dir: Path,
    default_sl: ServiceLevel,
) -> ContactType | None:
    """Check one ``contact_types`` entry; the ContactType (forecast filled in later) or None."""
    key = f"scenario.contact_types.{name}"
    if not isinstance(ct, ContactTypeConfig):
        c.fail(key, ct, "must be {channel, handle_time, wrap_up, patience, ...}")
        return None
    n_before = len(c.problems)
    if ct.channel not in CHANNELS:
        c.fail(f"{key}.channel", ct.channel, f"unknown channel; allowed: {list(CHANNELS)}")
    handle = distribution(c, f"{key}.handle_time", ct.handle_time, data_dir)
    wrap = distribution(c, f"{key}.wrap_up", ct.wrap_up, data_dir) if ct.wrap_up else None
    patience = None
    if ct.patience is not None:
        if ct.channel == "email":
            shown = {k: v for k, v in dataclasses.asdict(ct.patience).items() if v is not None}
            c.fail(
                f"{key}.patience",
                shown,
                "must be null for an email contact type (emails are never abandoned)",
            )
        else:
            patience = distribution(c, f"{key}.patience", ct.patience, data_dir)
    sl = ct.service_level
    threshold, target = default_sl.threshold_seconds, default_sl.target
    if not isinstance(sl, ContactServiceLevelConfig):
        c.fail(f"{key}.service_level", sl, "must be {threshold_seconds, target}")
    else:
        if sl.threshold_seconds is not None and c.number(
            f"{key}.service_level.threshold_seconds", sl.threshold_seconds, low=0, strict=False
        ):
            threshold = float(sl.threshold_seconds)
        if sl.target is not None and c.share(f"{key}.service_level.target", sl.target):
            target = float(sl.target)
    if isinstance(ct.priority, bool) or not isinstance(ct.priority, int):
        c.fail(f"{key}.priority", ct.priority, "must be a whole number (lower is served first)")
    overflow = _overflow(c, f"{key}.overflow", name, ct.overflow, t)
    if len(c.problems) > n_before or handle is None:
        return None
    return ContactType(
        name,
        (),
        handle,
        wrap,
        patience,
        channel=ct.channel,
        service_level=ServiceLevel(threshold, target, default_sl.short_abandon_seconds),
        priority=int(ct.priority),
        overflow=overflow,
    )


def _group_settings(
    c: Checker, s: DayScenarioConfig, t: Tables, data_dir: Path
) -> tuple[dict[str, GroupConfig], dict[str, Absenteeism]]:
    """Check ``scenario.groups``: keys are groups, settings in range; absenteeism per group."""
    if not isinstance(s.groups, dict):
        c.fail(
            "scenario.groups",
            s.groups,
            "must map group names to {chat_concurrency, chat_stretch, absenteeism}",
        )
        return {}, {}
    out = {}
    absent: dict[str, Absenteeism] = {}
    for name, g in s.groups.items():
        key = f"scenario.groups.{name}"
        if t.groups is not None and name not in t.groups:
            rows = f" and no rows in scenario.schedule_file ({s.schedule_file})"
            c.problems.append(
                f"{key}: no column {name!r} in scenario.staffing_file ({s.staffing_file})"
                f"{rows if s.schedule_file else ''}; allowed: a group of the staffing or the "
                f"schedule: {t.groups}"
            )
        g = _group_config(c, key, g)
        if g is None:
            continue
        ok = c.number(
            f"{key}.chat_concurrency", g.chat_concurrency, low=1, strict=False, whole=True
        )
        ok &= c.number(f"{key}.chat_stretch", g.chat_stretch, low=0, strict=False)
        if ok:
            out[name] = g
        if g.absenteeism is not None:
            a = absenteeism(
                c,
                f"{key}.absenteeism",
                g.absenteeism,
                lambda k, d: distribution(c, k, d, data_dir),
            )
            if a is not None:
                absent[name] = a
    return out, absent


def _group_config(c: Checker, key: str, raw: Any) -> GroupConfig | None:
    """``scenario.groups.<group>`` as a :class:`GroupConfig`; ``None`` (reported) if it is not one.

    The schema types the values as ``Any`` (so that the command line can add a group with
    ``+``); the keys and types are checked here, as Hydra checks the rest of the tree.
    """
    if isinstance(raw, GroupConfig):
        return raw
    if isinstance(raw, DictConfig):
        raw = OmegaConf.to_container(raw, resolve=True)
    if not isinstance(raw, dict):
        c.fail(key, raw, "must be {chat_concurrency, chat_stretch, absenteeism}")
        return None
    try:
        return OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(GroupConfig), raw))  # type: ignore[return-value]
    except OmegaConfBaseException as exc:
        where = f"{key}.{exc.full_key}" if exc.full_key else key
        if isinstance(exc, ConfigKeyError):
            fields = (
                [f.name for f in dataclasses.fields(exc.object_type)]
                if exc.object_type and dataclasses.is_dataclass(exc.object_type)
                else []
            )
            c.problems.append(f"{where}: unknown key (misspelt?); allowed: {fields}")
        else:
            c.problems.append(
                f"{where} = {getattr(exc, 'value', raw)!r}: {str(exc.msg).splitlines()[0]}"
            )
        return None


def build_day(c: Checker, s: DayScenarioConfig, sl: ServiceLevel, root: Path) -> Scenario | None:
    """Check a day scenario and build it; ``None`` (with problems in ``c``) if it is bad.

    ``root``: relative ``data_dir`` paths are relative to it; every path must stay inside
    it (:func:`sim.config.safety.paths_inside`) before any file is read.
    """
    n_before = len(c.problems)
    c.name("scenario.name", s.name, "a name for the scenario")
    if s.interval_minutes not in ALLOWED_INTERVAL_MINUTES:
        c.fail(
            "scenario.interval_minutes",
            s.interval_minutes,
            f"allowed: {list(ALLOWED_INTERVAL_MINUTES)}",
        )
    types_ok = isinstance(s.contact_types, dict) and bool(s.contact_types)
    if not types_ok:
        c.fail(
            "scenario.contact_types",
            s.contact_types,
            "required: at least one contact type {channel, handle_time, ...}, one per forecast column",
        )
    type_names = [str(k) for k in s.contact_types] if types_ok else []
    if "all" in type_names:
        c.fail(
            "scenario.contact_types.all",
            "all",
            "'all' is reserved (it labels the totals): rename it",
        )
    tables = Tables()
    data_dir = root
    named = c.name("scenario.data_dir", s.data_dir, "the scenario's data folder")
    if named:
        data_dir = Path(s.data_dir)
        data_dir = data_dir if data_dir.is_absolute() else root / data_dir
    if not paths_inside(c, s, data_dir if named else None, root):
        return None  # read no file: a path leaves the project folder
    if named:
        if not data_dir.is_dir():
            c.fail("scenario.data_dir", s.data_dir, f"folder not found (looked at {data_dir})")
        else:
            tables = read_tables(c, s, data_dir, type_names)
    types = [_contact_type(c, n, s.contact_types[n], tables, data_dir, sl) for n in type_names]
    settings, absent = _group_settings(c, s, tables, data_dir)
    routing = s.routing
    if not isinstance(routing, RoutingConfig):
        c.fail("scenario.routing", routing, "must be {agent_selection, contact_selection}")
        routing = RoutingConfig()
    for rule, value, allowed in (
        ("agent_selection", routing.agent_selection, AGENT_SELECTION_RULES),
        ("contact_selection", routing.contact_selection, CONTACT_SELECTION_RULES),
    ):
        if value not in allowed:
            c.fail(f"scenario.routing.{rule}", value, f"unknown rule; allowed: {list(allowed)}")
    if s.trunks is not None:
        c.number("scenario.trunks", s.trunks, low=1, strict=False, whole=True)
    warmup_ok = c.number(
        "scenario.warmup_minutes", s.warmup_minutes, low=0, strict=False, whole=True
    )
    forecast, staffing, skills = tables.forecast, tables.staffing, tables.skills
    if (
        warmup_ok
        and forecast is not None
        and (
            s.warmup_minutes % s.interval_minutes
            or s.warmup_minutes >= len(forecast.start_minutes) * s.interval_minutes
        )
    ):
        c.fail(
            "scenario.warmup_minutes",
            s.warmup_minutes,
            f"must be a multiple of interval_minutes ({s.interval_minutes}) shorter than the day",
        )
    starts = None if forecast is None else forecast.start_minutes
    demand = demand_shocks(c, s.demand, type_names, starts, s.interval_minutes)
    outages, redials = disruptions(
        c, s, tables.groups, starts, lambda k, d: distribution(c, k, d, data_dir)
    )
    if len(c.problems) > n_before or forecast is None or skills is None or tables.groups is None:
        return None
    by_name = {ct.name: ct for ct in types if ct is not None}
    contact_types = tuple(
        dataclasses.replace(by_name[n], forecast=forecast.columns[n]) for n in forecast.names
    )
    shifts = tables.schedule.shifts if tables.schedule is not None else {}
    n_intervals = len(forecast.start_minutes)
    groups = tuple(
        AgentGroup(
            name,
            planned_staffing(shifts[name], n_intervals, s.interval_minutes * 60.0)
            if name in shifts
            else tuple(int(v) for v in staffing.columns[name]),  # type: ignore[union-attr]
            tuple(Skill(r.contact_type, r.proficiency, r.level) for r in skills if r.group == name),
            chat_concurrency=int(settings.get(name, GroupConfig()).chat_concurrency),
            chat_stretch=float(settings.get(name, GroupConfig()).chat_stretch),
            shifts=shifts.get(name, ()),
            absenteeism=absent.get(name, Absenteeism()),
        )
        for name in tables.groups
    )
    try:
        return Scenario(
            name=s.name,
            interval_seconds=s.interval_minutes * 60.0,
            contact_types=contact_types,
            groups=groups,
            routing=Routing(routing.agent_selection, routing.contact_selection),
            trunks=None if s.trunks is None else int(s.trunks),
            warmup_intervals=s.warmup_minutes // s.interval_minutes,
            demand=demand,
            outages=outages,
            redials=redials,
            start_clock_seconds=forecast.start_minutes[0] * 60.0,
            description=s.description,
        )
    except ValueError as exc:  # a safety net: the checks above should have caught it
        c.problems.append(f"scenario: {exc}")
        return None
