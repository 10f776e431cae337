"""``mode=staff``: the solver returns the exact analytic minimum on steady Erlang C and
Erlang A queues, its tables have the documented shape, and bad input is refused by
``build_run`` naming the key.

Tolerance reasoning: the cases are picked so that the analytic service level one agent
below the answer is at least 5 points under the 80% target and at the answer at least 3
points over it, and handle times are short (2 minutes) against the 30-minute intervals:
an interval starts from the queue the interval before left, and with long handle times a
staffing one below the steady answer can still pass an interval that starts from a
better-staffed one (the transient lasts a few mean handle times). Each measured interval is 30 minutes (40 to 120 calls); a day's interval
service level then has a standard deviation of about 0.1, so the mean of 48 replications
has a standard error of about 0.015: the 3 to 5 point margins are 2 to 3.5 standard
errors, and common random numbers (the same days for every candidate) make the service
level rise with the agents on each day, so a candidate cannot pass while a larger one
fails. The seed is fixed, so the outcome is reproducible; the margins make it robust to a
change of seed too.
"""

from __future__ import annotations

import shutil
from dataclasses import replace

import numpy as np
import pytest

from sim import analytic
from sim.cli.app import compose_config
from sim.config.checks import Checker
from sim.config.run import PROJECT_ROOT, ConfigError, _check_plan_scenario, build_run
from sim.core.planning import StaffingTerms
from sim.core.scenario import erlang_scenario
from sim.experiment.staffing_solver import (
    REQUIRED_COLUMNS,
    SolvedStaffing,
    required_table,
    solve_staffing,
    solved_table,
)

TERMS = StaffingTerms(confidence=None, replications=48)


@pytest.mark.parametrize(
    ("calls_per_hour", "aht", "patience", "erlang_c_answer"),
    [
        (60, 120, None, 4),  # Erlang C: SL(3) 62.4%, SL(4) 87.5%
        (80, 120, None, 5),  # Erlang C: SL(4) 69.7%, SL(5) 89.0%
        (80, 120, 30, 5),  # Erlang A: SL(3) 69.6%, SL(4) 84.3%; Erlang C says 5
        (100, 120, 120, 6),  # Erlang A: SL(4) 67.8%, SL(5) 83.8%; Erlang C says 6
    ],
)
def test_exact_minimum_on_steady_queues(calls_per_hour, aht, patience, erlang_c_answer):
    rate = calls_per_hour / 3600.0
    expected = analytic.required_agents(rate, aht, 20.0, 0.8, patience)
    assert analytic.required_agents(rate, aht, 20.0, 0.8) == erlang_c_answer
    if patience is not None:
        assert expected < erlang_c_answer  # the cases where Erlang C and A differ
    scenario = erlang_scenario(
        calls_per_hour,
        aht,
        agents=expected + 3,
        patience_seconds=patience,
        hours=1,
        warmup_hours=0.5,
        interval_minutes=30,
    )
    solved = solve_staffing(scenario, TERMS, seed=7)
    table = required_table(scenario, solved)
    assert list(table.columns) == REQUIRED_COLUMNS
    assert len(table) == 2  # one row per measured interval, warm-up left out
    assert table["required_agents"].tolist() == [expected, expected]
    assert table["erlang_agents"].tolist() == [expected, expected]
    assert (table["gap"] == 3).all()
    solved_csv = solved_table(scenario, solved)
    assert list(solved_csv.columns) == ["interval_start", "agents"]
    assert len(solved_csv) == scenario.intervals


def test_confidence_asks_for_more_days():
    scenario = erlang_scenario(100, 180, 8, hours=0.5, warmup_hours=0.5, interval_minutes=30)
    mean = solve_staffing(scenario, StaffingTerms(None, 16), seed=3).required
    sure = solve_staffing(scenario, StaffingTerms(0.95, 16), seed=3).required
    assert (sure >= mean).all() and (sure > mean).any()


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("staffing.confidence=0", "staffing.confidence = 0"),
        ("staffing.confidence=1.5", "staffing.confidence = 1.5"),
    ],
)
def test_bad_confidence_names_the_key(override, expected):
    with pytest.raises(ConfigError, match="must be a share in \\(0, 1\\) or null") as err:
        build_run(compose_config(["scenario=erlang", "mode=staff", override]))
    assert expected in str(err.value)


def test_shift_only_scenario_is_refused():
    scenario = build_run(compose_config(["scenario=monday_no_show"])).scenario
    shift = next(g for g in scenario.groups if g.scheduled).shifts[:1]
    groups = tuple(g if g.scheduled else replace(g, shifts=shift) for g in scenario.groups)
    on_shifts = replace(scenario, groups=groups)
    checker = Checker()
    _check_plan_scenario(checker, on_shifts, "staff")
    assert checker.problems == [
        "mode = 'staff': needs a group staffed by counts (a staffing table): every group of "
        "this scenario is on individual shifts, which mode=staff does not solve"
    ]
    with pytest.raises(ValueError, match="needs a group staffed by counts"):
        solve_staffing(on_shifts, TERMS, seed=1)


def test_staff_spec_carries_the_terms():
    spec = build_run(
        compose_config(
            ["scenario=erlang", "mode=staff", "staffing.confidence=0.9", "run.replications=7"]
        )
    )
    assert spec.staffing == StaffingTerms(confidence=0.9, replications=7)
    assert build_run(compose_config(["scenario=erlang"])).staffing is None


def test_solved_table_loads_as_the_staffing_file(tmp_path):
    spec = build_run(compose_config([]))
    scenario = spec.scenario
    counts = [g for g in scenario.groups if not g.scheduled]
    staff = np.array([g.staffing for g in counts]) + 1
    solved = SolvedStaffing(tuple(g.name for g in counts), staff, staff, staff - 1)
    data = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "scenarios" / "default", data)
    original = (data / "staffing.csv").read_text(encoding="utf-8").splitlines()[0]
    table = solved_table(scenario, solved)
    (data / "staffing.csv").write_text(table.to_csv(index=False), encoding="utf-8")
    assert (data / "staffing.csv").read_text(encoding="utf-8").splitlines()[0] == original
    loaded = build_run(
        compose_config([f"scenario.data_dir={data}", "scenario.allow_outside_paths=true"])
    ).scenario
    assert [g.staffing for g in loaded.groups] == [tuple(map(float, row)) for row in staff]
