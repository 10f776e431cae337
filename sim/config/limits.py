"""Size limits: a run too large for the machine is refused before anything is simulated.

A mistyped number (``scenario.agents=10000000``, ``run.replications=1000000000``,
``scenario.hours=1e9``, ``scenario.calls_per_hour=1e12``, a forecast cell of ``1e12``)
would otherwise run until the memory runs out. :func:`check_before_building` (from the
config, before the scenario is built: an erlang scenario's size is known from its four
numbers, and building it would already allocate its intervals) and :func:`check_built`
(from the built day scenario) estimate, per replication:

- contact slots: the expected contacts (the sum of the forecast, surges at their peak),
  doubled when redials are on (the model draws a redial slot for every contact up front),
  plus one per repeat and escalation each contact may lead to (drawn up front too);
- agents at the peak: each count-staffed group's largest staffing, plus one agent per
  scheduled shift (or the agents logged in at a snapshot's clock, if more);
- intervals (a week of ``scenario.days``: days x the day's intervals, its contacts
  the days' forecasts together), and memory: :data:`BYTES_PER_CONTACT` per contact slot,
  :data:`BYTES_PER_AGENT` per agent and :data:`BYTES_PER_INTERVAL` per interval and
  breakdown (all contacts, each contact type, each group);

and for the whole run: replication runs (replications x policies; with
``run.target_precision``, ``run.max_replications`` x policies), the memory of their
results kept by the main process for the tables, the CPU time
(:data:`SECONDS_PER_CONTACT` per contact per replication run) and the worker processes.
Each estimate above its limit is one problem, naming the config keys, the estimate and the
limit; ``run.allow_large=true`` lifts every limit except :data:`HARD_MAX`, beyond which
nothing can be simulated at all. The constants were measured on the erlang and default
scenarios (CPython 3.11): about 220 to 300 bytes and 9 to 23 us per contact for the
baseline policy (realtime policies cost up to 3 times more CPU), about 0.8 kB per agent,
about 1.5 kB per interval and breakdown in a replication and 1 kB in its result.
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.config.checks import Checker
from sim.config.schema import ErlangScenarioConfig, RunConfig
from sim.core.follow_ups import follow_up_bound
from sim.core.scenario import Scenario

__all__ = [
    "BYTES_PER_AGENT",
    "BYTES_PER_CONTACT",
    "BYTES_PER_INTERVAL",
    "HARD_MAX",
    "MAX_AGENTS",
    "MAX_CONTACTS",
    "MAX_CPU_SECONDS",
    "MAX_INTERVALS",
    "MAX_RUNS",
    "MEMORY_SHARE",
    "RESULT_BYTES_PER_INTERVAL",
    "RESULTS_MEMORY_SHARE",
    "SECONDS_PER_CONTACT",
    "WORKERS_PER_CORE",
    "DaySize",
    "check_before_building",
    "check_built",
    "erlang_size",
    "machine_memory_bytes",
    "numbers_too_large",
    "scenario_size",
]

#: Contact slots per replication (expected contacts, redial slots included): a busy
#: center's week in one simulated day.
MAX_CONTACTS = 5_000_000
#: Agents logged in at the peak: the largest centers have a few tens of thousands.
MAX_AGENTS = 100_000
#: Intervals in a day: 10,000 are 104 days of 15-minute intervals.
MAX_INTERVALS = 10_000
#: Replication runs (replications x policies): CIs stop narrowing long before.
MAX_RUNS = 100_000
#: Estimated CPU time of the whole run: a week of one core.
MAX_CPU_SECONDS = 7 * 24 * 3600.0
#: Share of the machine's memory one replication may need.
MEMORY_SHARE = 0.25
#: Share of the machine's memory the results kept for the tables may need.
RESULTS_MEMORY_SHARE = 0.5
#: Worker processes per CPU core (at least 8 in all): each holds a whole Python process.
WORKERS_PER_CORE = 4
#: Beyond this (2**53, where floats stop counting exactly) a count cannot be simulated at
#: all: ``run.allow_large`` does not lift it.
HARD_MAX = float(2**53)

BYTES_PER_CONTACT = 250
BYTES_PER_AGENT = 1_000
BYTES_PER_INTERVAL = 1_500  # per interval and breakdown, in a replication
RESULT_BYTES_PER_INTERVAL = 2_000  # per interval, breakdown and replication run, for tables
SECONDS_PER_CONTACT = 15e-6  # per contact and replication run

ALLOW = "set run.allow_large=true to run it anyway"


@dataclass(frozen=True)
class DaySize:
    """The size of one simulated day, with the config keys that set each part.

    ``contacts``: contact slots (expected contacts, redial slots included);
    ``selections``: the breakdowns reported (all, each contact type, each group).
    The ``*_keys`` are ``key = value`` texts for the messages; the ``*_note`` say where the
    number comes from.
    """

    contacts: float
    agents: float
    intervals: float
    selections: int
    contacts_keys: str
    agents_keys: str
    intervals_keys: str
    contacts_note: str = ""
    agents_note: str = ""
    intervals_note: str = ""

    @property
    def memory_bytes(self) -> float:
        """Estimated memory of one replication."""
        return (
            BYTES_PER_CONTACT * self.contacts
            + BYTES_PER_AGENT * self.agents
            + BYTES_PER_INTERVAL * self.intervals * self.selections
        )


# --- estimates -------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    """``value`` as a finite float >= 0, or ``None`` (the checker reports bad values)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        x = float(value)
    except OverflowError:
        return None
    return x if math.isfinite(x) and x >= 0 else None


def _keys(*pairs: tuple[str, Any]) -> str:
    return ", ".join(f"{key} = {value!r}" for key, value in pairs)


def erlang_size(s: ErlangScenarioConfig) -> DaySize | None:
    """The size of an erlang scenario's day from its config (``None`` if its numbers are
    not valid; the checker reports those). 15-minute intervals, one type, one group."""
    rate, agents = _number(s.calls_per_hour), _number(s.agents)
    hours, warmup = _number(s.hours), _number(s.warmup_hours)
    if rate is None or agents is None or hours is None or warmup is None:
        return None
    total = hours + warmup
    return DaySize(
        contacts=rate * total,
        agents=agents,
        intervals=total * 4,
        selections=3,
        contacts_keys=_keys(
            ("scenario.calls_per_hour", s.calls_per_hour),
            ("scenario.hours", s.hours),
            ("scenario.warmup_hours", s.warmup_hours),
        ),
        agents_keys=_keys(("scenario.agents", s.agents)),
        intervals_keys=_keys(
            ("scenario.hours", s.hours), ("scenario.warmup_hours", s.warmup_hours)
        ),
        contacts_note=" (calls per hour x hours, warm-up included)",
        intervals_note=" of 15 minutes (hours and warm-up)",
    )


def scenario_size(scenario: Scenario, cfg_scenario: Any = None) -> DaySize:
    """The size of a built scenario's day; ``cfg_scenario`` (its config) names the keys."""

    def key(name: str, default: str) -> tuple[str, Any]:
        return (f"scenario.{name}", getattr(cfg_scenario, name, default))

    # The day's forecast: the forecast file's, or the WFM export's mean day.
    day_file = "export_file" if getattr(cfg_scenario, "export_file", None) else "forecast_file"
    n = scenario.intervals
    by_type = [math.fsum(t.forecast) for t in scenario.contact_types]
    expected = math.fsum(by_type)
    contacts_keys = [key(day_file, "forecast.csv")]
    # A week (sim.core.week.week_scenario): the days' intervals end to end.
    days = [("scenario.days", f"{len(scenario.day_names)} days")] if scenario.day_names else []
    contacts_keys += days
    notes = []
    if len(by_type) > 1 or n > 1:
        k = max(range(len(by_type)), key=by_type.__getitem__)
        forecast = scenario.contact_types[k].forecast
        j = max(range(n), key=forecast.__getitem__)
        notes.append(
            f"type {scenario.type_names[k]!r} {_count(by_type[k])}, "
            f"{_count(forecast[j])} in its {scenario.interval_label(j)} interval"
        )
    surge_extra = 0.0
    for surge in scenario.demand.surges:
        if surge.probability <= 0:
            continue
        hit = [
            t
            for t in scenario.contact_types
            if not surge.contact_types or t.name in surge.contact_types
        ]
        peak = max(math.fsum(t.forecast[j] for t in hit) for j in range(n))
        extra = peak * math.fsum(max(0.0, m - 1.0) for m in surge.profile)
        surge_extra += extra * max(1, len(scenario.day_names))  # a week: on every day
    if surge_extra > 0:
        expected += surge_extra
        contacts_keys.append(("scenario.demand.surges", f"{len(scenario.demand.surges)} surge(s)"))
        notes.append("surges at their peak")
    slots = expected
    if scenario.redials.on:
        slots = 2 * expected
        contacts_keys.append(("scenario.redials.probability", scenario.redials.probability))
        notes.append("doubled: every contact gets a redial slot")
    resolution = {t.name: t.resolution for t in scenario.contact_types}
    escalation = {t.name: t.escalation for t in scenario.contact_types}
    valued = {t.name for t in scenario.contact_types if t.problem_value is not None}
    follow = math.fsum(
        by_type[k] * follow_up_bound(t.name, resolution, escalation, valued)
        for k, t in enumerate(scenario.contact_types)
    )
    if follow > 0:  # the slots of every repeat and escalation a contact may lead to
        slots += follow
        contacts_keys.append(("scenario.contact_types", "resolution, escalation"))
        notes.append("plus a slot per possible repeat and escalation")
    counted = [g for g in scenario.groups if not g.scheduled]
    scheduled = [g for g in scenario.groups if g.scheduled]
    agents = math.fsum(max(g.staffing) for g in counted) + sum(len(g.shifts) for g in scheduled)
    agents_keys = []
    if counted:
        agents_keys.append(key("staffing_file", "staffing.csv"))
    if scheduled:
        agents_keys.append(key("schedule_file", "schedule.csv"))
    agents_note = " (each count-staffed group's largest staffing, plus one per scheduled shift)"
    if scenario.start is not None and len(scenario.start.agents) > agents:
        agents = float(len(scenario.start.agents))  # the day continues with these
        agents_keys = [("scenario.snapshot_file", scenario.start.source)]
        agents_note = " (logged in at the snapshot's clock)"
    return DaySize(
        contacts=slots,
        agents=agents,
        intervals=float(n),
        selections=1 + len(scenario.contact_types) + len(scenario.groups),
        contacts_keys=_keys(*contacts_keys),
        agents_keys=_keys(*agents_keys),
        intervals_keys=_keys(key(day_file, "forecast.csv"), *days),
        contacts_note=f" ({'; '.join(notes)})" if notes else "",
        agents_note=agents_note,
        intervals_note=f" of {scenario.interval_seconds / 60:g} minutes (forecast rows"
        + (" x days)" if days else ")"),
    )


def machine_memory_bytes() -> float | None:
    """The memory this process may use: the machine's RAM, or its container's limit if
    lower (cgroup v2 or v1); ``None`` if unknown (then memory is not checked)."""
    found: float | None = None
    try:
        found = float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        pass
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(path).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            continue
        if text.isdigit() and int(text) > 0:
            found = min(found, float(text)) if found else float(text)
    return found if found and found > 0 else None


# --- checks ----------------------------------------------------------------------------------


def numbers_too_large(cfg: Any, path: str = "") -> list[str]:
    """A problem for every whole number of the typed config too large to be a float.

    Such a number cannot even be compared with its limit (Python raises OverflowError), so
    :func:`~sim.config.run.build_run` reports these before any other check.
    """
    if isinstance(cfg, bool):
        return []
    if isinstance(cfg, int):
        try:
            float(cfg)
        except OverflowError:
            try:
                digits = f"{len(str(abs(cfg)))} digits"
            except ValueError:  # Python refuses to print more than 4300 digits
                digits = "thousands of digits"
            return [f"{path} = <a whole number of {digits}>: far too large for any setting"]
        return []
    if dataclasses.is_dataclass(cfg) and not isinstance(cfg, type):
        return [
            p
            for f in dataclasses.fields(cfg)
            for p in numbers_too_large(getattr(cfg, f.name), f"{path}{'.' if path else ''}{f.name}")
        ]
    if isinstance(cfg, dict):
        return [p for k, v in cfg.items() for p in numbers_too_large(v, f"{path}.{k}")]
    if isinstance(cfg, (list, tuple)):
        return [p for i, v in enumerate(cfg) for p in numbers_too_large(v, f"{path}[{i}]")]
    return []


def _runs(run: RunConfig, policies: list[str]) -> tuple[float, str] | None:
    """Replication runs at most, and the ``key = value`` that sets them."""
    reps = _number(run.replications)
    if reps is None:
        return None
    key = ("run.replications", run.replications)
    if run.target_precision is not None and len(policies) > 1:
        most = _number(run.max_replications)
        if most is not None and most > reps:
            reps, key = most, ("run.max_replications", run.max_replications)
    n = len(policies)
    return reps * n, f"{_keys(key)} x {n} polic{'y' if n == 1 else 'ies'}"


def _allow(run: RunConfig) -> bool:
    return run.allow_large is True


class _Limits:
    """Adds one problem per estimate above its limit (or above :data:`HARD_MAX`)."""

    def __init__(self, c: Checker, allow_large: bool) -> None:
        self.c = c
        self.allow_large = allow_large
        self.ok = True

    def count(self, keys: str, what: str, value: float, limit: float, note: str = "") -> None:
        if value <= limit or (self.allow_large and value <= HARD_MAX):
            return
        self.ok = False
        if value > HARD_MAX:
            self.c.problems.append(
                f"{keys}: {_count(value)} {what}{note}, beyond what can be simulated at all "
                f"(at most {_count(HARD_MAX)}; run.allow_large does not lift this)"
            )
        else:
            self.c.problems.append(
                f"{keys}: {_count(value)} {what}{note}, above the limit of {_count(limit)}; {ALLOW}"
            )

    def amount(self, keys: str, what: str, text: str, limit: str) -> None:
        if self.allow_large:
            return
        self.ok = False
        self.c.problems.append(f"{keys}: {what} {text}, above {limit}; {ALLOW}")


def _check_day(lim: _Limits, day: DaySize, runs: tuple[float, str] | None) -> None:
    lim.count(
        day.contacts_keys,
        "contact slots expected per replication",
        day.contacts,
        MAX_CONTACTS,
        day.contacts_note,
    )
    lim.count(day.agents_keys, "agents at the peak", day.agents, MAX_AGENTS, day.agents_note)
    lim.count(day.intervals_keys, "intervals", day.intervals, MAX_INTERVALS, day.intervals_note)
    if not lim.ok:
        return  # the estimates below would only repeat an absurd size
    ram = machine_memory_bytes()
    if ram is not None and day.memory_bytes > MEMORY_SHARE * ram:
        biggest = max(
            (BYTES_PER_CONTACT * day.contacts, day.contacts_keys),
            (BYTES_PER_AGENT * day.agents, day.agents_keys),
            (BYTES_PER_INTERVAL * day.intervals * day.selections, day.intervals_keys),
        )[1]
        lim.amount(
            biggest,
            "estimated memory per replication",
            _bytes(day.memory_bytes),
            f"a quarter of this machine's memory ({_bytes(MEMORY_SHARE * ram)} of {_bytes(ram)}; "
            f"{BYTES_PER_CONTACT} bytes per contact slot, {BYTES_PER_AGENT} per agent, "
            f"{BYTES_PER_INTERVAL} per interval and breakdown)",
        )
    if runs is None:
        return
    n_runs, runs_keys = runs
    results = RESULT_BYTES_PER_INTERVAL * day.intervals * day.selections * n_runs
    if ram is not None and results > RESULTS_MEMORY_SHARE * ram:
        lim.amount(
            runs_keys,
            "estimated memory for the results the tables are made from",
            f"{_bytes(results)} ({_count(n_runs)} replication runs x {_count(day.intervals)} "
            f"intervals x {day.selections} breakdowns)",
            f"half of this machine's memory ({_bytes(RESULTS_MEMORY_SHARE * ram)})",
        )
    cpu = SECONDS_PER_CONTACT * day.contacts * n_runs
    if cpu > MAX_CPU_SECONDS:
        lim.amount(
            f"{runs_keys}, {day.contacts_keys}",
            "estimated CPU time",
            f"{_duration(cpu)} ({_count(n_runs)} replication runs x {_count(day.contacts)} "
            f"contact slots x {SECONDS_PER_CONTACT * 1e6:g} us)",
            f"the limit of {_duration(MAX_CPU_SECONDS)}",
        )


def check_before_building(c: Checker, cfg: Any, policies: list[str]) -> bool:
    """Check the sizes known from the config alone: replication runs (of ``policies``, the
    policies compared), worker processes and, for an erlang scenario, the whole day.
    ``False`` if the scenario must not be built (an erlang day over its limits)."""
    run: RunConfig = cfg.run
    lim = _Limits(c, _allow(run))
    runs = _runs(run, policies)
    if runs is not None:
        lim.count(runs[1], "replication runs", runs[0], MAX_RUNS)
    runs_ok = lim.ok
    workers = _number(run.workers)
    cores = os.cpu_count() or 1
    most = max(8, WORKERS_PER_CORE * cores)
    if workers is not None and workers > most:
        lim.count(
            _keys(("run.workers", run.workers)),
            "worker processes",
            workers,
            most,
            f" ({WORKERS_PER_CORE} per CPU core, {cores} here, at least 8)",
        )
    if isinstance(cfg.scenario, ErlangScenarioConfig):
        day = erlang_size(cfg.scenario)
        if day is not None:
            day_lim = _Limits(c, lim.allow_large)
            _check_day(day_lim, day, runs if runs_ok else None)
            return day_lim.ok
    return True


def check_built(c: Checker, cfg: Any, scenario: Scenario, policies: list[str]) -> None:
    """Check the size of a built day scenario (an erlang one was checked before), run
    under ``policies``."""
    if isinstance(cfg.scenario, ErlangScenarioConfig):
        return
    run: RunConfig = cfg.run
    lim = _Limits(c, _allow(run))
    runs = _runs(run, policies)
    if runs is not None and runs[0] > MAX_RUNS and not lim.allow_large:
        runs = None  # already refused: its estimates would repeat it
    _check_day(lim, scenario_size(scenario, cfg.scenario), runs)


# --- formatting ------------------------------------------------------------------------------


def _count(x: float) -> str:
    if not math.isfinite(x):
        return "more than 1e308"
    if x < 1e10:
        return f"{x:,.0f}"
    mantissa, exponent = f"{x:.1e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def _bytes(x: float) -> str:
    for unit, size in (("PB", 1e15), ("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if x >= size:
            return f"{x / size:,.1f} {unit}"
    return f"{x / 1e3:.0f} kB"


def _duration(seconds: float) -> str:
    for unit, size in (("CPU-years", 365.25 * 86400), ("CPU-days", 86400), ("CPU-hours", 3600)):
        if seconds >= size:
            n = seconds / size
            return f"{_count(n) if n >= 1000 else f'{n:.1f}'} {unit}"
    return f"{seconds / 60:.0f} CPU-minutes"
