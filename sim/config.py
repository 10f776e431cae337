"""Structured configs, their validation, and conversion to a :class:`~sim.scenario.Scenario`.

The dataclasses here are the schema of the Hydra config tree (``sim.cli`` registers them;
this module does not import Hydra). Hydra rejects misspelt keys and wrong types; every
other check is done by :func:`build_run`, which reports all problems together, each
naming the config key, the bad value and what is allowed, before anything is simulated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import MISSING, OmegaConf

from .data_files import DataFileError, read_interval_table, read_values_column
from .distributions import KINDS, Distribution
from .policies import POLICIES
from .scenario import Scenario, ServiceLevel, erlang_scenario

__all__ = [
    "PROJECT_ROOT",
    "Config",
    "ConfigError",
    "DayScenarioConfig",
    "DistributionConfig",
    "ErlangScenarioConfig",
    "RunConfig",
    "RunSpec",
    "ServiceLevelConfig",
    "build_run",
]

#: Relative data paths in configs are relative to this folder (the one holding configs/).
PROJECT_ROOT = Path(__file__).resolve().parents[1]

ALLOWED_INTERVAL_MINUTES = (15, 30, 60)


@dataclass
class DistributionConfig:
    """A duration distribution: ``distribution`` is one of exponential, lognormal, gamma,
    deterministic, empirical. ``cv`` is for lognormal and gamma; ``file`` and ``column``
    (a CSV in the scenario's data folder) for empirical."""

    distribution: str = "exponential"
    mean_seconds: float | None = None
    cv: float | None = None
    file: str | None = None
    column: str | None = None


@dataclass
class ErlangScenarioConfig:
    """A steady single queue with exponential handle times (and patience, if set)."""

    calls_per_hour: float = MISSING
    aht_seconds: float = MISSING
    agents: int = MISSING
    patience_seconds: float | None = None
    hours: float = 8.0
    warmup_hours: float = 1.0


@dataclass
class DayScenarioConfig:
    """A day of intervals: forecast and staffing tables read from ``data_dir``."""

    name: str = MISSING
    description: str = ""
    data_dir: str = MISSING
    forecast_file: str = "forecast.csv"
    staffing_file: str = "staffing.csv"
    interval_minutes: int = 30
    handle_time: DistributionConfig = field(default_factory=DistributionConfig)
    wrap_up: DistributionConfig | None = None
    patience: DistributionConfig | None = None
    trunks: int | None = None
    warmup_minutes: int = 0


@dataclass
class RunConfig:
    """Replications, seed and parallelism. ``workers`` 0 means one per CPU core."""

    replications: int = 20
    seed: int = 20261123
    workers: int = 0


@dataclass
class ServiceLevelConfig:
    """Answered within ``threshold_seconds`` over offered; ``target`` for figures and report."""

    threshold_seconds: float = 20.0
    target: float = 0.8
    short_abandon_seconds: float = 0.0


@dataclass
class Config:
    """The root of the config tree."""

    scenario: Any = MISSING
    run: RunConfig = field(default_factory=RunConfig)
    service_level: ServiceLevelConfig = field(default_factory=ServiceLevelConfig)
    policies: list[str] = field(default_factory=lambda: ["none"])


class ConfigError(ValueError):
    """Every problem found in a config, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class RunSpec:
    """A validated run: what to simulate, under which policies, how often."""

    scenario: Scenario
    policies: tuple[str, ...]
    replications: int
    seed: int
    workers: int


class _Checker:
    """Collects problems as ``key = value: what is allowed`` lines."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, key: str, value: Any, allowed: str) -> None:
        self.problems.append(f"{key} = {value!r}: {allowed}")

    def number(
        self, key: str, value: Any, *, low: float, strict: bool, whole: bool = False
    ) -> bool:
        ok = (
            isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        )
        ok = ok and (value > low if strict else value >= low) and (not whole or value == int(value))
        if not ok:
            kind = "a whole number" if whole else "a number"
            self.fail(key, value, f"must be {kind} {'>' if strict else '>='} {low:g}")
        return ok


def _check_service_level(c: _Checker, sl: ServiceLevelConfig) -> bool:
    ok = c.number("service_level.threshold_seconds", sl.threshold_seconds, low=0, strict=False)
    ok &= c.number(
        "service_level.short_abandon_seconds", sl.short_abandon_seconds, low=0, strict=False
    )
    if not (isinstance(sl.target, (int, float)) and 0 < sl.target <= 1):
        c.fail("service_level.target", sl.target, "must be a share in (0, 1]")
        ok = False
    return ok


def _check_run(c: _Checker, run: RunConfig, policies: list[str]) -> None:
    c.number("run.replications", run.replications, low=1, strict=False, whole=True)
    c.number("run.seed", run.seed, low=0, strict=False, whole=True)
    c.number("run.workers", run.workers, low=0, strict=False, whole=True)
    if not policies:
        c.fail(
            "policies",
            list(policies),
            f"must name at least one policy; allowed: {sorted(POLICIES)}",
        )
    for i, name in enumerate(policies):
        if name not in POLICIES:
            c.fail(f"policies[{i}]", name, f"unknown policy; allowed: {sorted(POLICIES)}")
    if len(set(policies)) != len(policies):
        c.fail("policies", list(policies), "must not name a policy twice")


def _erlang(c: _Checker, s: ErlangScenarioConfig, sl: ServiceLevel) -> Scenario | None:
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
            if not math.isclose(value * 4, round(value * 4)):
                c.fail(f"scenario.{key}", value, "must be a multiple of 0.25 (15-minute intervals)")
                ok = False
        else:
            ok = False
    if not ok:
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


def _distribution(
    c: _Checker, key: str, d: DistributionConfig, data_dir: Path
) -> Distribution | None:
    if d.distribution not in KINDS:
        c.fail(
            f"{key}.distribution", d.distribution, f"unknown distribution; allowed: {sorted(KINDS)}"
        )
        return None
    if d.distribution == "empirical":
        if not d.file or not d.column:
            c.fail(
                f"{key}.file/{key}.column",
                (d.file, d.column),
                "an empirical distribution needs both",
            )
            return None
        try:
            values = read_values_column(data_dir / d.file, f"{key}.file", d.column)
        except DataFileError as exc:
            c.problems.extend(exc.problems)
            return None
        if not sum(values) > 0:
            c.fail(f"{key}.file", d.file, "the values must have a positive mean")
            return None
        return Distribution.empirical(values)
    ok = c.number(f"{key}.mean_seconds", d.mean_seconds, low=0, strict=True)
    if KINDS[d.distribution]:
        ok &= c.number(f"{key}.cv", d.cv, low=0, strict=True)
    elif d.cv is not None:
        c.fail(f"{key}.cv", d.cv, f"a {d.distribution} distribution takes no cv; leave it null")
        ok = False
    if not ok or d.mean_seconds is None:
        return None
    return Distribution(d.distribution, float(d.mean_seconds), float(d.cv or 1.0))


def _day(c: _Checker, s: DayScenarioConfig, sl: ServiceLevel) -> Scenario | None:
    n_before = len(c.problems)
    interval_ok = s.interval_minutes in ALLOWED_INTERVAL_MINUTES
    if not interval_ok:
        c.fail(
            "scenario.interval_minutes",
            s.interval_minutes,
            f"allowed: {list(ALLOWED_INTERVAL_MINUTES)}",
        )
    data_dir = Path(s.data_dir)
    data_dir = data_dir if data_dir.is_absolute() else PROJECT_ROOT / data_dir
    tables = {}
    if not data_dir.is_dir():
        c.fail("scenario.data_dir", s.data_dir, f"folder not found (looked at {data_dir})")
    elif interval_ok:  # the tables are checked against the interval length
        for key, file, column, integer in (
            ("scenario.forecast_file", s.forecast_file, "contacts", False),
            ("scenario.staffing_file", s.staffing_file, "agents", True),
        ):
            try:
                tables[key] = read_interval_table(
                    data_dir / file,
                    key,
                    column,
                    integer=integer,
                    interval_minutes=s.interval_minutes,
                )
            except DataFileError as exc:
                c.problems.extend(exc.problems)
    handle = _distribution(c, "scenario.handle_time", s.handle_time, data_dir)
    wrap = _distribution(c, "scenario.wrap_up", s.wrap_up, data_dir) if s.wrap_up else None
    patience = _distribution(c, "scenario.patience", s.patience, data_dir) if s.patience else None
    if s.trunks is not None:
        c.number("scenario.trunks", s.trunks, low=1, strict=False, whole=True)
    warmup_ok = c.number(
        "scenario.warmup_minutes", s.warmup_minutes, low=0, strict=False, whole=True
    )
    if len(tables) == 2:
        forecast, staffing = tables["scenario.forecast_file"], tables["scenario.staffing_file"]
        if forecast.start_minutes != staffing.start_minutes:
            c.fail(
                "scenario.staffing_file",
                s.staffing_file,
                f"must cover the same intervals as scenario.forecast_file ({len(forecast.values)} "
                f"intervals from {_clock(forecast.start_minutes[0])}); it has {len(staffing.values)} "
                f"intervals from {_clock(staffing.start_minutes[0])}",
            )
        elif warmup_ok and (
            s.warmup_minutes % s.interval_minutes
            or s.warmup_minutes >= len(forecast.values) * s.interval_minutes
        ):
            c.fail(
                "scenario.warmup_minutes",
                s.warmup_minutes,
                f"must be a multiple of interval_minutes ({s.interval_minutes}) shorter than the day",
            )
    if len(c.problems) > n_before or handle is None:
        return None
    return Scenario(
        name=s.name,
        interval_seconds=s.interval_minutes * 60.0,
        forecast=forecast.values,
        staffing=tuple(int(v) for v in staffing.values),
        handle_time=handle,
        wrap_up=wrap,
        patience=patience,
        trunks=None if s.trunks is None else int(s.trunks),
        warmup_intervals=s.warmup_minutes // s.interval_minutes,
        service_level=sl,
        start_clock_seconds=forecast.start_minutes[0] * 60.0,
        description=s.description,
    )


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _smuggled_keys(raw: Any, typed: Any, path: str = "") -> list[str]:
    """Keys present in the raw config but not in its typed conversion (added with ``+``)."""
    if isinstance(raw, dict) and isinstance(typed, dict):
        found = [f"{path}{k}" for k in raw if k not in typed]
        for k in raw:
            if k in typed:
                found += _smuggled_keys(raw[k], typed[k], f"{path}{k}.")
        return found
    return []


def build_run(cfg: Any) -> RunSpec:
    """Validate a config (a ``Config`` object or an OmegaConf node of one) into a :class:`RunSpec`.

    Raises :class:`ConfigError` listing every problem found.
    """
    c = _Checker()
    if not isinstance(cfg, Config):
        raw = OmegaConf.to_container(cfg, resolve=True)
        cfg = OmegaConf.to_object(cfg)
        typed = OmegaConf.to_container(OmegaConf.structured(cfg), resolve=True)
        for key in _smuggled_keys(raw, typed):
            c.problems.append(
                f"{key}: unknown key (misspelt, or added with '+'?); it is not part of the config schema"
            )
    sl_ok = _check_service_level(c, cfg.service_level)
    _check_run(c, cfg.run, list(cfg.policies))
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
        scenario = _erlang(c, cfg.scenario, sl)
    elif isinstance(cfg.scenario, DayScenarioConfig):
        scenario = _day(c, cfg.scenario, sl)
    else:
        c.fail("scenario", type(cfg.scenario).__name__, "must be an erlang or a day scenario")
        scenario = None
    if c.problems or scenario is None:
        raise ConfigError(c.problems or ["scenario: could not be built"])
    return RunSpec(
        scenario,
        tuple(cfg.policies),
        int(cfg.run.replications),
        int(cfg.run.seed),
        int(cfg.run.workers),
    )
