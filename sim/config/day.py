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

Once the day is built, an optional snapshot (``scenario.snapshot_file``, read by
:mod:`sim.config.snapshot_file`) sets where it continues from.

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
from sim.config.data_files import DataFileError
from sim.config.demand import demand_shocks
from sim.config.limits import MAX_AGENTS
from sim.config.outages import disruptions
from sim.config.safety import paths_inside
from sim.config.schema import (
    ContactServiceLevelConfig,
    ContactTypeConfig,
    DayScenarioConfig,
    DistributionConfig,
    EmpowermentConfig,
    EscalationConfig,
    GroupConfig,
    OverflowStepConfig,
    ResolutionConfig,
    RoutingConfig,
)
from sim.config.snapshot_file import MAX_SNAPSHOT_BYTES, cannot_continue, read_snapshot
from sim.config.tables import Tables, escalation_targets, read_tables
from sim.config.wfm_export import WfmExport
from sim.config.workforce import absenteeism, planned_staffing
from sim.core.fatigue import Fatigue
from sim.core.follow_ups import (
    ESCALATION_MODES,
    Empowerment,
    Escalation,
    Resolution,
    escalation_cycle,
)
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
    exported: bool = False,
) -> ContactType | None:
    """Check one ``contact_types`` entry; the ContactType (forecast filled in later) or None.

    ``exported``: the handle and wrap-up means come from a WFM export, so the config may
    leave their ``mean_seconds`` null (the family and cv are still the config's).
    """
    key = f"scenario.contact_types.{name}"
    if not isinstance(ct, ContactTypeConfig):
        c.fail(key, ct, "must be {channel, handle_time, wrap_up, patience, ...}")
        return None
    n_before = len(c.problems)
    if ct.channel not in CHANNELS:
        c.fail(f"{key}.channel", ct.channel, f"unknown channel; allowed: {list(CHANNELS)}")
    given_handle, given_wrap = ct.handle_time, ct.wrap_up
    if exported:  # a stand-in mean, replaced by the export's
        given_handle, given_wrap = _mean_from_export(given_handle), _mean_from_export(given_wrap)
    handle = distribution(c, f"{key}.handle_time", given_handle, data_dir)
    wrap = distribution(c, f"{key}.wrap_up", given_wrap, data_dir) if given_wrap else None
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
    resolution = _resolution(c, f"{key}.resolution", name, ct.resolution, t, data_dir)
    escalation = _escalation(c, f"{key}.escalation", ct.escalation)
    value = _problem_value(c, key, ct, data_dir)
    if len(c.problems) > n_before or handle is None or resolution is None:
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
        resolution=resolution,
        escalation=escalation,
        problem_value=value,
    )


def _problem_value(c: Checker, key: str, ct: ContactTypeConfig, data_dir: Path) -> Any:
    """Check a contact type's ``problem_value``: a distribution (money), on a type that
    escalates (where a problem above authority goes) and resolves with probability 1."""
    if ct.problem_value is None:
        return None
    value = distribution(c, f"{key}.problem_value", ct.problem_value, data_dir)
    if ct.escalation is None:
        c.fail(
            f"{key}.problem_value",
            dataclasses.asdict(ct.problem_value),
            "needs an escalation target: set escalation.to (where a problem above "
            "scenario.empowerment.authority goes; escalation.share: 0 lets the value alone "
            "decide), or problem_value: null",
        )
        return None
    r = ct.resolution
    if isinstance(r, ResolutionConfig) and (
        r.probability != 1 or any(p != 1 for p in (r.by_group or {}).values())
    ):
        c.fail(
            f"{key}.resolution.probability",
            r.probability,
            "must be 1 (and by_group empty) on a type with a problem_value: a problem "
            "within authority is resolved by the concession, one above it escalated",
        )
        return None
    return value


def _empowerment(c: Checker, e: Any) -> Empowerment | None:
    """Check ``scenario.empowerment``: authority >= 0, concession_share in [0, 1],
    extra_handle_seconds >= 0."""
    key = "scenario.empowerment"
    if not isinstance(e, EmpowermentConfig):
        c.fail(key, e, "must be {authority, concession_share, extra_handle_seconds}")
        return None
    ok = c.number(f"{key}.authority", e.authority, low=0, strict=False)
    share = e.concession_share
    if not (isinstance(share, (int, float)) and not isinstance(share, bool) and 0 <= share <= 1):
        c.fail(f"{key}.concession_share", share, "must be a share in [0, 1]")
        ok = False
    ok &= c.number(f"{key}.extra_handle_seconds", e.extra_handle_seconds, low=0, strict=False)
    if not ok:
        return None
    return Empowerment(float(e.authority), float(e.concession_share), float(e.extra_handle_seconds))


def _probability(c: Checker, key: str, value: Any) -> bool:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1
    if not ok:
        c.fail(key, value, "must be a probability in [0, 1]")
    return ok


def _resolution(
    c: Checker, key: str, name: str, r: Any, t: Tables, data_dir: Path
) -> Resolution | None:
    """Check a contact type's ``resolution``: probabilities in [0, 1] (per group: a group
    that serves the type), ``max_repeats`` >= 0, a ``repeat_delay`` when repeats happen."""
    if not isinstance(r, ResolutionConfig):
        c.fail(key, r, "must be {probability, by_group, repeat_delay, max_repeats}")
        return None
    n_before = len(c.problems)
    _probability(c, f"{key}.probability", r.probability)
    by_group: list[tuple[str, float]] = []
    served = None
    if t.skills is not None:
        served = {row.group for row in t.skills if row.contact_type == name}
    for group, p in (r.by_group or {}).items():
        gkey = f"{key}.by_group.{group}"
        if t.groups is not None and group not in t.groups:
            c.fail(gkey, p, f"unknown group {group!r}; allowed: {t.groups}")
        elif served is not None and group not in served:
            c.fail(gkey, p, f"group {group!r} does not serve {name!r} (no row in skills_file)")
        elif _probability(c, gkey, p):
            by_group.append((str(group), float(p)))
    c.number(f"{key}.max_repeats", r.max_repeats, low=0, strict=False, whole=True)
    delay = None
    if r.repeat_delay is not None:
        delay = distribution(c, f"{key}.repeat_delay", r.repeat_delay, data_dir)
    if len(c.problems) > n_before:
        return None
    repeats = r.max_repeats > 0 and min([r.probability, *(p for _, p in by_group)]) < 1
    if repeats and delay is None:
        c.fail(
            f"{key}.repeat_delay",
            None,
            "required: a distribution like handle_time (the time before an unresolved contact "
            "calls again), since a probability is below 1 and max_repeats > 0 (or set "
            "max_repeats: 0)",
        )
        return None
    return Resolution(float(r.probability), tuple(by_group), delay, int(r.max_repeats))


def _escalation(c: Checker, key: str, e: Any) -> Escalation | None:
    """Check a contact type's ``escalation`` on its own (its target: :func:`_escalations`)."""
    if e is None:
        return None
    if not isinstance(e, EscalationConfig):
        c.fail(key, e, "must be {to, share, transfer_seconds, mode} or null")
        return None
    ok = c.name(f"{key}.to", e.to, "the contact type escalated to")
    ok &= _probability(c, f"{key}.share", e.share)
    ok &= c.number(f"{key}.transfer_seconds", e.transfer_seconds, low=0, strict=False)
    if e.mode not in ESCALATION_MODES:
        c.fail(f"{key}.mode", e.mode, f"allowed: {list(ESCALATION_MODES)}")
        ok = False
    if not ok:
        return None
    return Escalation(str(e.to), float(e.share), float(e.transfer_seconds), str(e.mode))


def _escalations(c: Checker, s: DayScenarioConfig, type_names: list[str]) -> None:
    """Escalation targets: a contact type of the same channel, and no circle."""
    targets: dict[str, str] = {}
    for name in type_names:
        ct = s.contact_types[name]
        e = getattr(ct, "escalation", None)
        if not isinstance(e, EscalationConfig) or not isinstance(e.to, str):
            continue
        key = f"scenario.contact_types.{name}.escalation.to"
        if e.to not in type_names:
            c.fail(key, e.to, f"not a contact type; allowed: {type_names}")
            continue
        to = s.contact_types[e.to]
        if isinstance(to, ContactTypeConfig) and to.channel != ct.channel:
            c.fail(
                key,
                e.to,
                f"a {to.channel} type; an escalation stays in its channel: a {ct.channel} type",
            )
        targets[name] = e.to
    cycle = escalation_cycle(targets)
    if cycle is not None:
        c.fail(
            f"scenario.contact_types.{cycle[0]}.escalation.to",
            cycle[1],
            f"escalations circle ({' -> '.join(cycle)}); allowed: a type that does not "
            "escalate back, directly or through others",
        )


def _mean_from_export(d: Any) -> Any:
    """A distribution config whose null ``mean_seconds`` the export will set: 1 s meanwhile."""
    if isinstance(d, DistributionConfig) and d.mean_seconds is None and d.file is None:
        return dataclasses.replace(d, mean_seconds=1.0)
    return d


def _with_export(c: Checker, ct: ContactType, export: WfmExport) -> ContactType | None:
    """``ct`` with the export's forecast and handle times: the config's families and cvs,
    the export's means and per-interval scales (``None``, reported, if the export has
    wrap-up for a type without ``wrap_up``; unchanged if the export has no rows for it)."""
    h = export.handling.get(ct.name)
    if h is None:  # a type reached only by escalation, without rows: as configured
        return ct
    if ct.wrap_up is None and h.acw_scale is not None:
        c.problems.append(
            f"scenario.contact_types.{ct.name}.wrap_up: null, but scenario.export_file has "
            f"acw_seconds for queue {ct.name!r} (mean {h.acw_seconds:.4g} s); set a wrap_up "
            "distribution (its family and cv are kept, its mean comes from the export)"
        )
        return None
    wrap = ct.wrap_up  # no wrap-up in the export (acw 0 throughout): none in the scenario
    if wrap is not None:
        wrap = None if h.acw_scale is None else wrap.with_mean(h.acw_seconds)
    return dataclasses.replace(
        ct,
        forecast=export.forecast.columns[ct.name],
        handle_time=ct.handle_time.with_mean(h.aht_seconds),
        wrap_up=wrap,
        handle_time_scale=h.aht_scale,
        wrap_up_scale=h.acw_scale,
    )


def _group_settings(
    c: Checker, s: DayScenarioConfig, t: Tables, data_dir: Path
) -> tuple[dict[str, GroupConfig], dict[str, Absenteeism]]:
    """Check ``scenario.groups``: keys are groups, settings in range; absenteeism per group."""
    if not isinstance(s.groups, dict):
        c.fail(
            "scenario.groups",
            s.groups,
            "must map group names to {chat_concurrency, chat_stretch, absenteeism, fatigue}",
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
        if g.fatigue is not None:
            ok &= c.number(f"{key}.fatigue.beta", g.fatigue.beta, low=0, strict=False)
            theta = g.fatigue.theta
            if not (
                isinstance(theta, (int, float)) and not isinstance(theta, bool) and 0 <= theta <= 1
            ):
                c.fail(f"{key}.fatigue.theta", theta, "must be a number in [0, 1]")
                ok = False
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


def _fatigue(g: GroupConfig | None) -> Fatigue | None:
    """The checked fatigue of a group's settings, or ``None``."""
    if g is None or g.fatigue is None:
        return None
    return Fatigue(beta=float(g.fatigue.beta), theta=float(g.fatigue.theta))


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
        c.fail(key, raw, "must be {chat_concurrency, chat_stretch, absenteeism, fatigue}")
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


def build_day(
    c: Checker, s: DayScenarioConfig, sl: ServiceLevel, root: Path, *, allow_large: bool = False
) -> Scenario | None:
    """Check a day scenario and build it; ``None`` (with problems in ``c``) if it is bad.

    ``root``: relative ``data_dir`` paths are relative to it; every path must stay inside
    it (:func:`sim.config.safety.paths_inside`) before any file is read. ``allow_large``
    (``run.allow_large``): read a WFM export or a snapshot above its size limit. With
    ``scenario.snapshot_file``, the day continues from the snapshot (``Scenario.start``).
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
            tables = read_tables(c, s, data_dir, type_names, allow_large=allow_large)
    if s.snapshot_file is not None:
        c.name("scenario.snapshot_file", s.snapshot_file, "a snapshot file (JSON), or null")
    exported = s.export_file is not None
    types = [
        _contact_type(c, n, s.contact_types[n], tables, data_dir, sl, exported) for n in type_names
    ]
    if tables.export is not None:
        types = [None if ct is None else _with_export(c, ct, tables.export) for ct in types]
    _escalations(c, s, type_names)
    empowerment = _empowerment(c, s.empowerment)
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
    if (
        len(c.problems) > n_before
        or forecast is None
        or skills is None
        or tables.groups is None
        or empowerment is None
    ):
        return None
    by_name = {ct.name: ct for ct in types if ct is not None}
    contact_types = tuple(
        dataclasses.replace(by_name[n], forecast=forecast.columns[n]) for n in forecast.names
    ) + tuple(  # reached only by escalation: no forecast column, no contacts of its own
        dataclasses.replace(by_name[n], forecast=(0.0,) * len(forecast.start_minutes))
        for n in type_names
        if n not in forecast.columns and n in escalation_targets(s)
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
            fatigue=_fatigue(settings.get(name)),
        )
        for name in tables.groups
    )
    try:
        scenario = Scenario(
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
            empowerment=empowerment,
        )
    except ValueError as exc:  # a safety net: the checks above should have caught it
        c.problems.append(f"scenario: {exc}")
        return None
    if s.snapshot_file is None:
        return scenario
    return _continued(c, s, scenario, data_dir, allow_large)


def _continued(
    c: Checker, s: DayScenarioConfig, scenario: Scenario, data_dir: Path, allow_large: bool
) -> Scenario | None:
    """``scenario`` continuing from ``scenario.snapshot_file`` (a file in the data folder,
    :mod:`sim.config.snapshot_file`); ``None`` (with problems in ``c``) if it cannot."""
    file = str(s.snapshot_file)
    why = cannot_continue(scenario)
    if why is not None:
        c.fail("scenario.snapshot_file", file, why)
        return None
    try:
        state = read_snapshot(
            data_dir / file,
            scenario,
            shown=str(Path(s.data_dir) / file),
            max_bytes=None if allow_large else MAX_SNAPSHOT_BYTES,
            max_agents=None if allow_large else MAX_AGENTS,
        )
    except DataFileError as exc:
        c.problems.extend(exc.problems)
        return None
    try:
        return dataclasses.replace(scenario, start=state)
    except ValueError as exc:  # a safety net: read_snapshot should have caught it
        c.problems.append(f"scenario.snapshot_file ({state.source}): {exc}")
        return None
