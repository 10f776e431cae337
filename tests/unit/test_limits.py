"""Size limits (sim.config.limits): a run too large for the machine is refused by build_run,
one problem per limit naming the keys, the estimate and the limit, before anything is
simulated (or, for an erlang day, even built); run.allow_large lifts the limits; numbers
too large to compare are refused cleanly; run_replications makes its tasks lazily."""

from __future__ import annotations

import dataclasses
import time

import pytest

from sim.cli.app import compose_config
from sim.config import limits
from sim.config.checks import Checker
from sim.config.run import PROJECT_ROOT, ConfigError, build_run
from sim.config.schema import Config, ErlangScenarioConfig, RunConfig
from sim.core.disruptions import Redials
from sim.core.distributions import Distribution
from sim.core.scenario import erlang_scenario, single_queue
from sim.experiment.replications import run_replications

ALLOW = "set run.allow_large=true to run it anyway"
HUGE = int("9" * 400)  # no float holds it


def config(policies=("none",), **changes) -> Config:
    """An erlang config; ``changes`` go to the scenario or, prefixed ``run_``, to the run."""
    run = {k.removeprefix("run_"): v for k, v in changes.items() if k.startswith("run_")}
    scenario = {k: v for k, v in changes.items() if not k.startswith("run_")}
    base = {"calls_per_hour": 200.0, "aht_seconds": 180.0, "agents": 14}
    return Config(
        scenario=ErlangScenarioConfig(**{**base, **scenario}),
        run=RunConfig(**{"workers": 1, **run}),
        policies=list(policies),
    )


def problems(cfg) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        build_run(cfg)
    return caught.value.problems


@pytest.fixture(autouse=True)
def ample_memory(monkeypatch):
    """The memory limits judged against a fixed 16 GB machine, whatever runs the tests."""
    monkeypatch.setattr(limits, "machine_memory_bytes", lambda: 16e9)


# --- each limit, one problem each -----------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"agents": 10_000_000},
            "scenario.agents = 10000000: 10,000,000 agents at the peak, above the limit of "
            f"100,000; {ALLOW}",
        ),
        (
            {"run_replications": 1_000_000_000},
            "run.replications = 1000000000 x 1 policy: 1,000,000,000 replication runs, above "
            f"the limit of 100,000; {ALLOW}",
        ),
        (
            {"calls_per_hour": 1e12},
            "scenario.calls_per_hour = 1000000000000.0, scenario.hours = 8.0, "
            "scenario.warmup_hours = 1.0: 9.0e12 contact slots expected per replication "
            f"(calls per hour x hours, warm-up included), above the limit of 5,000,000; {ALLOW}",
        ),
        (
            {"hours": 3000.0, "agents": 1000},
            "scenario.hours = 3000.0, scenario.warmup_hours = 1.0: 12,004 intervals of 15 "
            f"minutes (hours and warm-up), above the limit of 10,000; {ALLOW}",
        ),
        (
            {"run_workers": 100_000},
            "run.workers = 100000: 100,000 worker processes (4 per CPU core, ",
        ),
    ],
    ids=["agents", "replications", "calls_per_hour", "hours", "workers"],
)
def test_each_limit_is_one_problem_naming_key_estimate_and_limit(changes, expected):
    found = problems(config(**changes))
    assert len(found) == 1, found
    assert found[0].startswith(expected), found[0]
    assert found[0].endswith(ALLOW)


def test_a_billion_hours_is_refused_without_building_the_day(monkeypatch):
    """scenario.hours=1e9 would allocate 4e9 intervals: the erlang day is never built."""
    built = []
    monkeypatch.setattr("sim.config.run.erlang_scenario", lambda *a, **k: built.append(a))
    found = problems(config(hours=1e9))
    assert not built
    assert [p.split(":")[0] for p in found] == [
        "scenario.calls_per_hour = 200.0, scenario.hours = 1000000000.0, "
        "scenario.warmup_hours = 1.0",
        "scenario.hours = 1000000000.0, scenario.warmup_hours = 1.0",
    ]
    assert "4,000,000,004 intervals of 15 minutes" in found[1] and "limit of 10,000" in found[1]


def test_size_problems_come_with_the_other_problems():
    found = problems(
        config(agents=10_000_000, aht_seconds=-1.0, run_replications=1_000_000_000, run_seed=-1)
    )
    keys = sorted(p.split(" = ")[0] for p in found)
    assert keys == ["run.replications", "run.seed", "scenario.agents", "scenario.aht_seconds"]


def test_max_replications_counts_with_a_target_precision():
    found = problems(
        config(
            policies=("none", "overtime"),
            run_target_precision=0.01,
            run_max_replications=1_000_000,
        )
    )
    assert found == [
        "run.max_replications = 1000000 x 2 policies: 2,000,000 replication runs, above the "
        f"limit of 100,000; {ALLOW}"
    ]


def test_memory_per_replication_against_a_quarter_of_the_machine(monkeypatch):
    monkeypatch.setattr(limits, "machine_memory_bytes", lambda: 1e9)
    # 400,000 contacts x 250 bytes = 100 MB, under a quarter of 1 GB ...
    build_run(config(calls_per_hour=40_000.0, hours=9.0, warmup_hours=1.0, agents=300))
    # ... 4,000,000 x 250 bytes = 1 GB, above
    found = problems(config(calls_per_hour=400_000.0, hours=9.0, warmup_hours=1.0, agents=3000))
    assert found == [
        "scenario.calls_per_hour = 400000.0, scenario.hours = 9.0, scenario.warmup_hours = 1.0: "
        "estimated memory per replication 1.0 GB, above a quarter of this machine's memory "
        "(250.0 MB of 1.0 GB; 250 bytes per contact slot, 1000 per agent, 1500 per interval "
        f"and breakdown); {ALLOW}"
    ]


def test_results_memory_against_half_of_the_machine(monkeypatch):
    monkeypatch.setattr(limits, "machine_memory_bytes", lambda: 1e9)
    # 10,000 runs x 36 intervals x 3 breakdowns x 2 kB = 2.2 GB
    found = problems(config(run_replications=10_000))
    assert len(found) == 1
    assert found[0].startswith(
        "run.replications = 10000 x 1 policy: estimated memory for the results the tables are "
        "made from 2.2 GB (10,000 replication runs x 36 intervals x 3 breakdowns), above half "
        "of this machine's memory (500.0 MB)"
    )


def test_cpu_time_against_a_week(monkeypatch):
    monkeypatch.setattr(limits, "machine_memory_bytes", lambda: None)  # memory unknown
    # 90,000 runs x 900,000 contacts x 15 us = 14 CPU-days
    found = problems(config(calls_per_hour=100_000.0, agents=600, run_replications=90_000))
    assert len(found) == 1
    assert found[0].startswith("run.replications = 90000 x 1 policy, scenario.calls_per_hour")
    assert "estimated CPU time 14.1 CPU-days" in found[0]
    assert f"above the limit of 7.0 CPU-days; {ALLOW}" in found[0]


# --- day scenarios ---------------------------------------------------------------------------


def test_a_forecast_cell_of_1e12_is_refused_naming_the_type_and_interval():
    day = single_queue("day", 1800, [10.0, 1e12, 10.0], [5, 5, 5], Distribution.exponential(180))
    c = Checker()
    limits.check_built(c, Config(scenario=None, run=RunConfig()), day, ["none"])
    assert c.problems == [
        "scenario.forecast_file = 'forecast.csv': 1.0e12 contact slots expected per "
        "replication (type 'calls' 1.0e12, 1.0e12 in its 00:30 interval), above the limit of "
        f"5,000,000; {ALLOW}"
    ]
    c = Checker()
    limits.check_built(c, Config(scenario=None, run=RunConfig(allow_large=True)), day, ["none"])
    assert c.problems == []


def test_redial_slots_double_the_contacts():
    day = single_queue("day", 1800, [3e6], [5], Distribution.exponential(180))
    assert limits.scenario_size(day).contacts == 3e6
    day = dataclasses.replace(day, redials=Redials(0.5, Distribution.exponential(60)))
    size = limits.scenario_size(day)
    assert size.contacts == 6e6
    assert "scenario.redials.probability = 0.5" in size.contacts_keys


@pytest.mark.parametrize(
    ("limit", "key", "what"),
    [
        ("MAX_CONTACTS", "scenario.forecast_file = 'forecast.csv'", "contact slots expected"),
        ("MAX_AGENTS", "scenario.staffing_file = 'staffing.csv'", "agents at the peak"),
        ("MAX_INTERVALS", "scenario.forecast_file = 'forecast.csv'", "intervals of 30 minutes"),
    ],
)
def test_day_scenarios_are_checked_from_their_files(monkeypatch, limit, key, what):
    """The shipped default day (about 4,400 contacts, 24 intervals) against lowered limits."""
    cfg = compose_config(["policies=[none]"])
    build_run(cfg)
    monkeypatch.setattr(limits, limit, 10)
    found = problems(cfg)
    assert len(found) == 1, found
    assert found[0].startswith(f"{key}: ") and what in found[0] and found[0].endswith(ALLOW)


def test_scheduled_shifts_count_as_agents():
    spec = build_run(compose_config(["scenario=training_peak", "policies=[none]"]))
    size = limits.scenario_size(spec.scenario)
    shifts = sum(len(g.shifts) for g in spec.scenario.groups)
    counted = sum(max(g.staffing) for g in spec.scenario.groups if not g.scheduled)
    assert shifts > 0 and size.agents == shifts + counted


def test_every_shipped_scenario_is_within_the_limits():
    for path in sorted((PROJECT_ROOT / "configs" / "scenario").glob("*.yaml")):
        build_run(compose_config([f"scenario={path.stem}"]))


# --- run.allow_large and what it cannot lift -------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"agents": 10_000_000},
        {"run_replications": 1_000_000_000},
        {"calls_per_hour": 1e12},
        {"hours": 3000.0},
    ],
    ids=["agents", "replications", "calls_per_hour", "hours"],
)
def test_allow_large_lifts_the_limits(changes):
    """Validated only: nothing is simulated."""
    spec = build_run(config(run_allow_large=True, **changes))
    assert spec.scenario.intervals >= 1


def test_allow_large_does_not_lift_what_cannot_exist():
    found = problems(config(calls_per_hour=1e308, hours=1e308, run_allow_large=True))
    assert len(found) == 2
    assert all("more than 1e308" in p and "run.allow_large does not lift this" in p for p in found)


def test_allow_large_is_a_config_key():
    assert (
        build_run(
            compose_config(
                ["scenario=erlang", "run.allow_large=true", "run.replications=1000000000"]
            )
        ).replications
        == 1_000_000_000
    )


# --- absurd numbers: clean problems, never an OverflowError ----------------------------------


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"agents": HUGE}, "scenario.agents"),
        ({"run_replications": HUGE}, "run.replications"),
        ({"run_max_replications": HUGE, "run_target_precision": 0.01}, "run.max_replications"),
        ({"run_workers": HUGE}, "run.workers"),
        ({"run_seed": HUGE}, "run.seed"),
    ],
)
def test_integers_too_large_for_a_float(changes, key):
    assert problems(config(**changes)) == [
        f"{key} = <a whole number of 400 digits>: far too large for any setting"
    ]


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("scenario.hours=1e308", "more than 1e308 intervals"),
        ("scenario.hours=inf", "scenario.hours = inf: must be a number > 0"),
        ("scenario.calls_per_hour=1e308", "more than 1e308 contact slots"),
        ("scenario.calls_per_hour=inf", "scenario.calls_per_hour = inf: must be a number > 0"),
        ("scenario.agents=1000000000000000000000000000000", "1.0e30 agents at the peak"),
        ("run.replications=" + "9" * 400, "far too large for any setting"),
    ],
)
def test_absurd_numbers_on_the_command_line(override, expected):
    found = problems(compose_config(["scenario=erlang", override]))
    assert any(expected in p for p in found), found


# --- run_replications: tasks are made lazily -------------------------------------------------


class _Enough(Exception):
    pass


@pytest.mark.parametrize("workers", [1, 2])
def test_a_trillion_replications_start_at_once(workers):
    """No list of a trillion tasks (or futures) is made before the first result."""
    scenario = erlang_scenario(20, 180, 2, None, 0.25, 0)
    seen = []

    def stop_after_three(result):
        seen.append(result.replication)
        if len(seen) == 3:
            raise _Enough

    start = time.monotonic()
    with pytest.raises(_Enough):
        run_replications(scenario, ["none"], 10**12, 1, workers=workers, on_result=stop_after_three)
    assert time.monotonic() - start < 30
    assert len(seen) == 3
