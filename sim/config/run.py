"""Validation of a composed config into a :class:`RunSpec`, ready to simulate.

The schema (the structured-config dataclasses) is in :mod:`sim.config.schema`;
:mod:`sim.cli.app` registers it with Hydra (this module does not import Hydra). Hydra rejects misspelt keys and wrong types; every other check is done by
:func:`build_run`, which reports all problems together, each naming the config key, the
bad value and what is allowed, before anything is simulated. Day scenarios are checked
and built by :mod:`sim.config.day`, their days in a row (``scenario.days``) by
:mod:`sim.config.week`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from sim.config.calibrate import check_calibrate
from sim.config.checks import Checker
from sim.config.day import build_day
from sim.config.limits import check_before_building, check_built, numbers_too_large
from sim.config.plan_files import read_staffing_variants
from sim.config.schema import (
    AlertsConfig,
    Config,
    CostsConfig,
    DayScenarioConfig,
    ErlangScenarioConfig,
    PlanConfig,
    RunConfig,
    ServiceLevelConfig,
    StaffingConfig,
)
from sim.config.snapshot_file import cannot_continue
from sim.config.week import build_week
from sim.core.alerts import AlertThresholds
from sim.core.costs import Costs
from sim.core.planning import REFERENCE_SCALE, PlanTerms, StaffingTerms
from sim.core.scenario import Scenario, ServiceLevel, erlang_scenario
from sim.core.week import Week, week_scenario
from sim.policies.base import Policy, build_params
from sim.policies.registry import POLICIES
from sim.units import clock_exact, parse_clock

__all__ = ["PROJECT_ROOT", "ConfigError", "RunSpec", "build_run"]

#: The values of the root ``mode``.
MODES = ("run", "plan", "staff", "calibrate")
#: The values of ``run.executor`` (those of :data:`sim.experiment.executors.EXECUTORS`).
EXECUTORS = ("local", "dask")

#: Relative data paths in configs are relative to this folder (the one holding configs/).
PROJECT_ROOT = Path(__file__).resolve().parents[2]


class ConfigError(ValueError):
    """Every problem found in a config, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class RunSpec:
    """A validated run: what to simulate, under which policies, how often.

    With ``scenario.days``, ``week`` holds the days (what is simulated) and ``scenario``
    is the week laid end to end (:func:`~sim.core.week.week_scenario`: what the tables and
    the report read); without, ``week`` is ``None`` and ``scenario`` is the day.
    """

    scenario: Scenario
    policies: tuple[str, ...]
    replications: int
    seed: int
    workers: int
    resume: Path | None = None
    policy_params: dict[str, dict[str, Any]] = field(default_factory=dict)
    target_precision: float | None = None
    max_replications: int = 200
    mode: str = "run"
    plan: PlanTerms | None = None  # set with mode "plan"
    staffing: StaffingTerms | None = None  # set with mode "staff"
    executor: str = "local"  # run.executor
    dask_address: str | None = None  # run.dask_address
    figure_policies: tuple[str, ...] | None = None  # report.figure_policies
    alerts: AlertThresholds = field(default_factory=AlertThresholds)  # alerts.*
    figures: bool = True  # report.figures
    # run.snapshot_at: seconds from the day's time 0 (None: no snapshots are written)
    snapshot_at: float | None = None
    week: Week | None = None  # scenario.days: the days simulated in a row

    def fingerprint(self) -> str:
        """What must match for a run to resume another: scenario (and the week's days),
        policies, their parameters and seed."""
        params = sorted((k, sorted(v.items())) for k, v in self.policy_params.items())
        if self.week is None:  # as before weeks existed: a one-day run resumes its folder
            text = repr((self.scenario, self.policies, self.seed, params))
        else:
            text = repr((self.scenario, self.week, self.policies, self.seed, params))
        return hashlib.sha256(text.encode()).hexdigest()


def _check_service_level(c: Checker, sl: ServiceLevelConfig) -> bool:
    ok = c.number("service_level.threshold_seconds", sl.threshold_seconds, low=0, strict=False)
    ok &= c.number(
        "service_level.short_abandon_seconds", sl.short_abandon_seconds, low=0, strict=False
    )
    ok &= c.share("service_level.target", sl.target)
    return ok


def _policies(c: Checker, given: Any, default: list[str]) -> list[str]:
    """The policies to compare: ``given`` (a list of names, or one name: ``policies=none``),
    or the scenario's ``default_policies`` when it is ``None``."""
    if given is None:
        return [str(name) for name in default]
    if isinstance(given, str):
        return [given]
    if isinstance(given, (list, tuple)) and all(isinstance(name, str) for name in given):
        return list(given)
    c.fail(
        "policies", given, "must be a policy name or a list of policy names, e.g. [none,analyst]"
    )
    return []


def _check_run(c: Checker, run: RunConfig, policies: list[str], key: str = "policies") -> None:
    """The run's numbers, and the policies compared (named ``key`` in errors)."""
    c.number("run.replications", run.replications, low=1, strict=False, whole=True)
    c.number("run.seed", run.seed, low=0, strict=False, whole=True)
    c.number("run.workers", run.workers, low=0, strict=False, whole=True)
    _check_executor(c, run)
    if run.resume is not None and not (Path(run.resume) / "manifest.json").is_file():
        c.fail(
            "run.resume",
            run.resume,
            "must be the folder of an earlier ccsim run (with a manifest.json)",
        )
    if not policies:
        c.fail(key, list(policies), f"must name at least one policy; allowed: {sorted(POLICIES)}")
    for i, name in enumerate(policies):
        if name not in POLICIES:
            c.fail(f"{key}[{i}]", name, f"unknown policy; allowed: {sorted(POLICIES)}")
    if len(set(policies)) != len(policies):
        c.fail(key, list(policies), "must not name a policy twice")
    if run.target_precision is not None:
        if c.number("run.target_precision", run.target_precision, low=0, strict=True) and (
            len(policies) < 2
        ):
            c.fail(
                "run.target_precision",
                run.target_precision,
                "needs two policies or more: it is the precision of the paired service-level "
                "differences between policies (list them in policies=[...])",
            )
    if c.number("run.max_replications", run.max_replications, low=1, strict=False, whole=True):
        if run.target_precision is not None and run.max_replications < run.replications:
            c.fail(
                "run.max_replications",
                run.max_replications,
                f"must be at least run.replications ({run.replications}) with a target precision",
            )


def _check_executor(c: Checker, run: RunConfig) -> None:
    """``run.executor`` and ``run.dask_address``: a known executor, installed, and an
    address only for Dask."""
    if run.executor not in EXECUTORS:
        c.fail("run.executor", run.executor, f"allowed: {', '.join(EXECUTORS)}")
    elif run.executor == "dask" and importlib.util.find_spec("distributed") is None:
        c.fail(
            "run.executor",
            run.executor,
            "needs Dask's distributed package, which is not installed: pip install 'ccsim[dask]'",
        )
    address = run.dask_address
    if address is None:
        return
    if not isinstance(address, str) or not address.strip() or any(ch.isspace() for ch in address):
        c.fail(
            "run.dask_address",
            address,
            "must be a Dask scheduler's address, e.g. tcp://host:8786, or null for a local cluster",
        )
    elif run.executor != "dask":
        c.fail(
            "run.dask_address",
            address,
            "is for run.executor=dask only: add run.executor=dask, or leave it null",
        )


def _alerts(c: Checker, alerts: AlertsConfig) -> AlertThresholds:
    """The alert thresholds, checked (problems go to ``c``)."""
    c.number(
        "alerts.intervals_below_target",
        alerts.intervals_below_target,
        low=1,
        strict=False,
        whole=True,
    )
    for key in ("queue_length", "longest_wait_seconds"):
        c.number(f"alerts.{key}", getattr(alerts, key), low=0, strict=False)
    for key in ("adherence_floor", "occupancy_ceiling", "missed_target_chance"):
        _share(c, f"alerts.{key}", getattr(alerts, key), "[0, 1]", lambda x: 0 <= x <= 1)
    c.number("alerts.forecast_error_band", alerts.forecast_error_band, low=0, strict=False)
    return AlertThresholds(
        **{f.name: getattr(alerts, f.name) for f in dataclasses.fields(AlertThresholds)}
    )


def _figure_policies(c: Checker, given: Any, policies: list[str]) -> tuple[str, ...] | None:
    """``report.figure_policies``: ``None``, or names (one name, or a list) of the run's
    ``policies``, at most three besides the baseline (``none``, else the first policy)."""
    if given is None:
        return None
    key = "report.figure_policies"
    names = [given] if isinstance(given, str) else given
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
        c.fail(key, given, "must be a policy name or a list of policy names, or null")
        return None
    ok = True
    for i, name in enumerate(names):
        if name not in policies:
            c.fail(f"{key}[{i}]", name, f"not a policy of this run; allowed: {list(policies)}")
            ok = False
    if len(set(names)) != len(names):
        c.fail(key, list(names), "must not name a policy twice")
        ok = False
    baseline = "none" if "none" in policies else (policies[0] if policies else None)
    if len([n for n in names if n != baseline]) > 3:
        c.fail(
            key,
            list(names),
            f"at most three policies besides the baseline {baseline!r}, which is always drawn",
        )
        ok = False
    return tuple(names) if ok else None


def _share(c: Checker, key: str, value: Any, allowed: str, inside) -> bool:
    """A share that must lie in ``allowed`` (``inside`` tells)."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if number and math.isfinite(value) and inside(value):
        return True
    c.fail(key, value, f"must be a share in {allowed}")
    return False


def _plan(c: Checker, mode: Any, plan: PlanConfig, run: RunConfig) -> PlanTerms | None:
    """``mode`` and, with ``mode=plan``, the plan's terms (``None`` in ``run`` mode)."""
    if mode not in MODES:
        c.fail("mode", mode, f"allowed: {', '.join(MODES)}")
        return None
    if mode != "plan":
        return None
    ok = True
    scales = list(plan.scales)
    if not scales:
        c.fail(
            "plan.scales",
            scales,
            f"must list staffing multipliers > 0, {REFERENCE_SCALE:g} among them",
        )
        ok = False
    for i, scale in enumerate(scales):
        ok &= c.number(f"plan.scales[{i}]", scale, low=0, strict=True)
    if ok and REFERENCE_SCALE not in scales:
        c.fail(
            "plan.scales",
            scales,
            f"must include {REFERENCE_SCALE:g}: the staffing as given, the reference plan every "
            "variant is paired against",
        )
        ok = False
    if ok and len(set(scales)) != len(scales):
        c.fail("plan.scales", scales, "must not name a scale twice")
        ok = False
    ok &= c.number("plan.days_per_year", plan.days_per_year, low=0, strict=True)
    ok &= c.number("plan.paid_hours_per_fte", plan.paid_hours_per_fte, low=0, strict=True)
    ok &= c.number("plan.hiring_cost_per_fte", plan.hiring_cost_per_fte, low=0, strict=False)
    ok &= _share(c, "plan.shrinkage", plan.shrinkage, "[0, 1)", lambda x: 0 <= x < 1)
    ok &= _share(c, "plan.attrition_rate", plan.attrition_rate, "[0, 1]", lambda x: 0 <= x <= 1)
    for key, value in (("run.resume", run.resume), ("run.target_precision", run.target_precision)):
        if value is not None:
            c.fail(key, value, "not available with mode=plan: leave it null")
            ok = False
    if not ok:
        return None
    return PlanTerms(
        scales=tuple(sorted(float(s) for s in scales)),
        days_per_year=float(plan.days_per_year),
        paid_hours_per_fte=float(plan.paid_hours_per_fte),
        shrinkage=float(plan.shrinkage),
        hiring_cost_per_fte=float(plan.hiring_cost_per_fte),
        attrition_rate=float(plan.attrition_rate),
    )


def _staffing(
    c: Checker, mode: Any, staffing: StaffingConfig, run: RunConfig
) -> StaffingTerms | None:
    """With ``mode=staff``, the solver's terms (``None`` in other modes)."""
    if mode != "staff":
        return None
    ok = True
    confidence = staffing.confidence
    if confidence is not None:
        ok &= _share(c, "staffing.confidence", confidence, "(0, 1) or null", lambda x: 0 < x < 1)
    ok &= _share(c, "staffing.shrinkage", staffing.shrinkage, "[0, 1)", lambda x: 0 <= x < 1)
    cap = staffing.occupancy_cap
    if cap is not None:
        ok &= _share(c, "staffing.occupancy_cap", cap, "(0, 1] or null", lambda x: 0 < x <= 1)
    verify = staffing.verify_replications
    if verify is not None:
        ok &= c.number("staffing.verify_replications", verify, low=1, strict=False, whole=True)
    for key, value in (("run.resume", run.resume), ("run.target_precision", run.target_precision)):
        if value is not None:
            c.fail(key, value, "not available with mode=staff: leave it null")
            ok = False
    if not ok:
        return None
    return StaffingTerms(
        confidence=None if confidence is None else float(confidence),
        replications=int(run.replications),
        shrinkage=float(staffing.shrinkage),
        occupancy_cap=None if cap is None else float(cap),
        verify_replications=int(run.replications if verify is None else verify),
    )


def _check_plan_scenario(c: Checker, scenario: Scenario, mode: str) -> None:
    """``mode=plan`` scales and ``mode=staff`` solves count-staffed groups: refused when
    every group is on shifts."""
    if all(g.scheduled for g in scenario.groups):
        what = "plan.scales does not scale" if mode == "plan" else "mode=staff does not solve"
        c.fail(
            "mode",
            mode,
            "needs a group staffed by counts (a staffing table): every group of this "
            f"scenario is on individual shifts, which {what}",
        )


def _check_policy_params(
    c: Checker, policies: list[str], given: dict[str, Any]
) -> tuple[dict[str, dict[str, Any]], dict[str, Policy]]:
    """Each listed policy's parameters, checked; unknown names under ``policy`` too.

    Returns the parameters of every listed policy, and an instance of each whose parameters
    are good (for :meth:`Policy.check <sim.policies.base.Policy.check>` once the scenario is
    built).
    """
    params: dict[str, dict[str, Any]] = {}
    built: dict[str, Policy] = {}
    for name, values in given.items():
        if name not in POLICIES:
            c.fail(f"policy.{name}", values, f"no such policy; allowed: {sorted(POLICIES)}")
        elif values is not None and not isinstance(values, dict):
            c.fail(f"policy.{name}", values, "must be a mapping of parameter: value")
    for name in policies:
        if name not in POLICIES:
            continue
        values = dict(given.get(name) or {})
        checked, problems = build_params(POLICIES[name].Params, values, f"policy.{name}")
        for key, value, why in problems:
            c.fail(key, value, why)
        params[name] = values
        if checked is not None and not problems:
            built[name] = POLICIES[name](checked)
    return params, built


def _check_policies_against(c: Checker, policies: dict[str, Policy], scenario: Scenario) -> None:
    """The names each policy's parameters give (contact types, groups), against ``scenario``."""
    for name, policy in policies.items():
        for key, value, why in policy.check(scenario):
            c.fail(f"policy.{name}.{key}", value, why)


def _costs(c: Checker, costs: CostsConfig, groups: tuple[str, ...]) -> Costs:
    for key in (
        "hourly_cost",
        "overtime_premium",
        "outsourcer_per_contact",
        "abandoned_contact",
        "repeat_contact",
    ):
        c.number(f"costs.{key}", getattr(costs, key), low=0, strict=False)
    by_group = {}
    for name, rate in costs.hourly_cost_by_group.items():
        if name not in groups:
            c.fail(
                f"costs.hourly_cost_by_group.{name}", rate, f"unknown group; groups: {list(groups)}"
            )
        elif c.number(f"costs.hourly_cost_by_group.{name}", rate, low=0, strict=False):
            by_group[name] = float(rate)
    return Costs(
        hourly=float(costs.hourly_cost),
        hourly_by_group=tuple(sorted(by_group.items())),
        overtime_premium=float(costs.overtime_premium),
        outsourced_contact=float(costs.outsourcer_per_contact),
        abandoned_contact=float(costs.abandoned_contact),
        repeat_contact=float(costs.repeat_contact),
        currency=str(costs.currency),
    )


def _snapshot_at(
    c: Checker, given: Any, policies: list[str], mode: Any, scenario: Scenario | None, day: bool
) -> float | None:
    """``run.snapshot_at``: a clock time strictly inside the day of a ``day`` scenario that
    can continue from a snapshot, with the baseline ``none`` among ``policies``, in
    ``mode=run``; as seconds from the day's time 0 (``None``: off, or reported in ``c``)."""
    if given is None:
        return None
    key = "run.snapshot_at"
    wall = parse_clock(given, allow_seconds=True) if isinstance(given, str) else None
    if wall is None:
        c.fail(
            key,
            given,
            'must be a clock time "HH:MM" or "HH:MM:SS" (quoted in YAML) inside the day, or null',
        )
    if not day:
        c.fail(
            key,
            given,
            "for a day scenario only: an erlang scenario's day has no wall clock and cannot "
            "continue from a snapshot (scenario.snapshot_file); leave it null",
        )
        return None
    if "none" not in policies:
        c.fail(
            key,
            given,
            "needs none among the policies (snapshots are written of the baseline's days), "
            "e.g. policies=[none,analyst]",
        )
    if mode in ("plan", "staff", "calibrate"):
        c.fail(key, given, f"not available with mode={mode}: leave it null")
    if wall is None or scenario is None:
        return None
    at = wall - scenario.start_clock_seconds
    start = scenario.start_clock_seconds
    if not 0 < at < scenario.horizon_seconds:
        c.fail(
            key,
            given,
            f"must fall strictly inside the day ({clock_exact(start)} to "
            f"{clock_exact(start + scenario.horizon_seconds)})",
        )
        return None
    why = cannot_continue(scenario)
    if why is not None:
        c.fail(key, given, f"a snapshot no day could continue from: {why}")
        return None
    if scenario.start is not None and at <= scenario.start.at_seconds:
        begins = clock_exact(start + scenario.start.at_seconds)
        c.fail(
            key,
            given,
            f"must come after the clock of scenario.snapshot_file ({begins}), where the day "
            f"continues from: a clock after {begins} and before "
            f"{clock_exact(start + scenario.horizon_seconds)}",
        )
        return None
    return at


def _erlang(
    c: Checker, s: ErlangScenarioConfig, sl: ServiceLevel, build: bool = True
) -> Scenario | None:
    ok = c.number("scenario.calls_per_hour", s.calls_per_hour, low=0, strict=True)
    ok &= c.number("scenario.aht_seconds", s.aht_seconds, low=0, strict=True)
    ok &= c.number("scenario.agents", s.agents, low=1, strict=False, whole=True)
    if s.patience_seconds is not None:
        ok &= c.number("scenario.patience_seconds", s.patience_seconds, low=0, strict=True)
    for key, value, low, strict in (
        ("hours", s.hours, 0, True),
        ("warmup_hours", s.warmup_hours, 0, False),
    ):
        if c.number(f"scenario.{key}", value, low=low, strict=strict):
            if math.isfinite(value * 4) and not math.isclose(value * 4, round(value * 4)):
                c.fail(f"scenario.{key}", value, "must be a multiple of 0.25 (15-minute intervals)")
                ok = False
        else:
            ok = False
    if not ok or not build:  # not build: too large (sim.config.limits said why)
        return None
    return erlang_scenario(
        s.calls_per_hour,
        s.aht_seconds,
        int(s.agents),
        s.patience_seconds,
        s.hours,
        s.warmup_hours,
        service_level=sl,
    )


def _smuggled_keys(raw: Any, typed: Any, path: str = "") -> list[str]:
    """Keys present in the raw config but not in its typed conversion (added with ``+``)."""
    if isinstance(raw, dict) and isinstance(typed, dict):
        found = [f"{path}{k}" for k in raw if k not in typed]
        for k in raw:
            if k in typed:
                found += _smuggled_keys(raw[k], typed[k], f"{path}{k}.")
        return found
    if isinstance(raw, list) and isinstance(typed, list):
        stem = path.rstrip(".")
        return [
            key
            for i, (r, t) in enumerate(zip(raw, typed, strict=False))
            for key in _smuggled_keys(r, t, f"{stem}[{i}].")
        ]
    return []


def build_run(cfg: Any) -> RunSpec:
    """Validate a config (a ``Config`` object or an OmegaConf node of one) into a :class:`RunSpec`.

    Raises :class:`ConfigError` listing every problem found.
    """
    c = Checker()
    if not isinstance(cfg, Config):
        missing = sorted(OmegaConf.missing_keys(cfg))
        if missing:  # a typed conversion is impossible with unset values
            raise ConfigError([f"{key}: required value not set" for key in missing])
        raw = OmegaConf.to_container(cfg, resolve=True)
        cfg = OmegaConf.to_object(cfg)
        typed = dataclasses.asdict(cfg)  # the typed keys (as OmegaConf would give, 100x faster)
        for key in _smuggled_keys(raw, typed):
            c.problems.append(
                f"{key}: unknown key (misspelt, or added with '+'?); it is not part of the config schema"
            )
    if huge := numbers_too_large(cfg):  # they could not even be compared with a limit
        raise ConfigError(c.problems + huge)
    sl_ok = _check_service_level(c, cfg.service_level)
    chosen = _policies(c, cfg.policies, getattr(cfg.scenario, "default_policies", ["none"]))
    _check_run(
        c, cfg.run, chosen, "policies" if cfg.policies is not None else "scenario.default_policies"
    )
    figure_policies = _figure_policies(c, cfg.report.figure_policies, chosen)
    fits = check_before_building(c, cfg, chosen)
    sl = (
        ServiceLevel(
            float(cfg.service_level.threshold_seconds),
            float(cfg.service_level.target),
            float(cfg.service_level.short_abandon_seconds),
        )
        if sl_ok
        else ServiceLevel()  # a stand-in so the scenario is still checked; the run is refused
    )
    if isinstance(cfg.scenario, ErlangScenarioConfig):
        scenario = _erlang(c, cfg.scenario, sl, build=fits)
    elif isinstance(cfg.scenario, DayScenarioConfig):
        scenario = build_day(
            c, cfg.scenario, sl, PROJECT_ROOT, allow_large=bool(cfg.run.allow_large)
        )
    else:
        c.fail("scenario", type(cfg.scenario).__name__, "must be an erlang or a day scenario")
        scenario = None
    params, policies = _check_policy_params(c, chosen, dict(cfg.policy))
    mode = cfg.mode
    terms = _plan(c, mode, cfg.plan, cfg.run)
    staffing = _staffing(c, mode, cfg.staffing, cfg.run)
    if mode == "calibrate":  # the log itself is read by sim.config.calibrate.read_calibration
        check_calibrate(c, cfg.calibrate, cfg.run, PROJECT_ROOT)
    if scenario is not None and mode in ("plan", "staff"):
        _check_plan_scenario(c, scenario, mode)
    if scenario is not None and terms is not None and cfg.plan.staffing_files:
        variants = read_staffing_variants(
            c, list(cfg.plan.staffing_files), cfg.scenario, scenario, PROJECT_ROOT
        )
        terms = replace(terms, variants=variants)
    if scenario is not None:
        costs = _costs(c, cfg.costs, scenario.group_names)
        scenario = replace(scenario, costs=costs, service_level_target=sl.target)
        _check_policies_against(c, policies, scenario)
    days = getattr(cfg.scenario, "days", None)  # a day scenario's key only
    week = None
    if days is not None:  # each day is the checked base day with its forecast and staffing
        week = build_week(
            c, cfg.scenario, scenario, PROJECT_ROOT, mode=mode, snapshot_at=cfg.run.snapshot_at
        )
        scenario = None if week is None else week_scenario(week)
    if scenario is not None:
        check_built(c, cfg, scenario, chosen)
    snapshot_at = _snapshot_at(
        c,
        None if days is not None else cfg.run.snapshot_at,  # with days: refused above
        chosen,
        mode,
        scenario,
        day=isinstance(cfg.scenario, DayScenarioConfig),
    )
    alerts = _alerts(c, cfg.alerts)
    if c.problems or scenario is None:
        raise ConfigError(c.problems or ["scenario: could not be built"])
    return RunSpec(
        scenario,
        tuple(chosen),
        int(cfg.run.replications),
        int(cfg.run.seed),
        int(cfg.run.workers),
        None if cfg.run.resume is None else Path(cfg.run.resume),
        params,
        None if cfg.run.target_precision is None else float(cfg.run.target_precision),
        int(cfg.run.max_replications),
        str(mode),
        terms,
        staffing,
        executor=str(cfg.run.executor),
        dask_address=cfg.run.dask_address,
        figure_policies=figure_policies,
        alerts=alerts,
        figures=bool(cfg.report.figures),
        snapshot_at=snapshot_at,
        week=week,
    )
