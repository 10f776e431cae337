"""``mode=plan``: the plan's formulas on a hand-made table, staffing variants, monotonicity
on a small Erlang A queue, and bad plans refused by ``build_run`` naming the key."""

from __future__ import annotations

import shutil
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from sim.cli.app import compose_config
from sim.config.run import PROJECT_ROOT, ConfigError, build_run
from sim.core.costs import Costs
from sim.core.planning import PlanTerms
from sim.core.scenario import erlang_scenario
from sim.experiment.hiring_plan import (
    PLAN_COLUMNS,
    adjacent_steps,
    annualise,
    meets_target,
    plan_table,
    plan_variants,
    run_plan,
    scaled_scenario,
)

TERMS = PlanTerms(
    scales=(0.9, 1.0),
    days_per_year=200.0,
    paid_hours_per_fte=1600.0,
    shrinkage=0.2,
    hiring_cost_per_fte=4000.0,
    attrition_rate=0.5,
)


def _day(variant, scale, replication, agents, cost, sl, abandoned, missed):
    return {
        "variant": variant,
        "scale": scale,
        "policy": "none",
        "replication": replication,
        "agents_logged_in": agents,
        "cost": cost,
        "service_level": sl,
        "abandoned": abandoned,
        "missed_target": missed,
        "cost_per_contact": cost / 100,
    }


def test_formulas_on_a_hand_made_table():
    day = pd.DataFrame(
        [
            _day("x0.9", 0.9, 0, 8.0, 2000.0, 0.70, 10.0, 1.0),
            _day("x0.9", 0.9, 1, 8.0, 2000.0, 0.74, 6.0, 0.0),
            _day("x1", 1.0, 0, 10.0, 2500.0, 0.80, 4.0, 0.0),
            _day("x1", 1.0, 1, 10.0, 2500.0, 0.86, 2.0, 0.0),
        ]
    )
    per_rep = annualise(day, measured_hours=8.0, terms=TERMS)
    # 10 agents x 8 h = 80 agent-hours a day; x 200 days / (1600 x 0.8) = 12.5 FTE
    ref = per_rep[per_rep["variant"] == "x1"].iloc[0]
    assert ref["agent_hours_per_day"] == 80.0
    assert ref["fte"] == pytest.approx(12.5)
    # 2500 x 200 + 4000 x 0.5 x 12.5 = 500000 + 25000
    assert ref["annual_cost"] == pytest.approx(525_000.0)
    assert ref["abandoned_per_year"] == 800.0
    plan = plan_table(per_rep)
    assert list(plan.columns) == PLAN_COLUMNS
    low, high = plan.iloc[0], plan.iloc[1]
    assert low["variant"] == "x0.9" and high["variant"] == "x1"
    assert low["fte"] == pytest.approx(10.0)  # 64 h x 200 / 1280
    assert low["annual_cost"] == pytest.approx(400_000 + 20_000)
    assert low["abandoned_per_year"] == pytest.approx(1600.0)  # mean 8 a day x 200
    assert low["missed_target_days_per_year"] == pytest.approx(100.0)  # half the days
    assert low["service_level"] == pytest.approx(0.72)
    assert low["diff_service_level"] == pytest.approx(-0.11)
    assert low["diff_annual_cost"] == pytest.approx(-105_000.0)
    assert low["diff_abandoned_per_year"] == pytest.approx(1000.0)
    assert high["diff_service_level"] == 0.0 and high["diff_fte_ci_low"] == 0.0
    steps = adjacent_steps(per_rep)
    assert steps["diff_fte"].tolist() == pytest.approx([2.5])
    assert steps["diff_missed_target_days_per_year"].tolist() == pytest.approx([-100.0])
    assert meets_target(plan, TERMS.days_per_year)["variant"].tolist() == ["x1"]


def test_scaling_rounds_to_whole_agents():
    s = erlang_scenario(200, 180, 14, hours=1, warmup_hours=0)
    assert set(scaled_scenario(s, 0.9).groups[0].staffing) == {13.0}  # 12.6 -> 13
    assert set(scaled_scenario(s, 1.25).groups[0].staffing) == {18.0}  # 17.5 -> 18 (half up)
    assert scaled_scenario(s, 1.0) == s


def test_more_staff_costs_more_and_serves_better():
    s = erlang_scenario(200, 180, 14, patience_seconds=300, hours=2, warmup_hours=0.5)
    s = replace(s, costs=Costs(hourly=30.0))
    per_rep = run_plan(s, ["none"], 4, 7, PlanTerms(scales=(0.8, 1.0, 1.2)))
    plan = plan_table(per_rep)
    assert plan["scale"].tolist() == [0.8, 1.0, 1.2]
    for column in ("agent_hours_per_day", "fte", "annual_cost", "service_level"):
        assert plan[column].is_monotonic_increasing and plan[column].is_unique, column
    assert plan["abandoned_per_year"].is_monotonic_decreasing
    assert plan["abandoned_per_year"].iloc[0] > plan["abandoned_per_year"].iloc[-1]
    steps = adjacent_steps(per_rep)
    assert (steps["diff_service_level"] > 0).all()


BASE = ["scenario=erlang", "mode=plan"]


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("plan.scales=[0]", "plan.scales[0] = 0.0: must be a number > 0"),
        ("plan.scales=[-1,1.0]", "plan.scales[0] = -1.0: must be a number > 0"),
        ("plan.scales=[0.9,1.1]", "plan.scales = [0.9, 1.1]: must include 1"),
        ("plan.shrinkage=1.0", "plan.shrinkage = 1.0: must be a share in [0, 1)"),
        ("plan.attrition_rate=1.5", "plan.attrition_rate = 1.5: must be a share in [0, 1]"),
        ("plan.days_per_year=0", "plan.days_per_year = 0.0: must be a number > 0"),
        (
            "plan.staffing_files=[a.csv]",
            "plan.staffing_files = ['a.csv']: needs a day scenario with a data folder",
        ),
        ("run.target_precision=0.01", "run.target_precision = 0.01: not available with mode=plan"),
    ],
)
def test_bad_plan_names_the_key(override, expected):
    with pytest.raises(ConfigError) as caught:
        build_run(compose_config([*BASE, override]))
    assert any(p.startswith(expected) for p in caught.value.problems), caught.value.problems


def test_unknown_mode_is_refused():
    with pytest.raises(ConfigError) as caught:
        build_run(compose_config(["scenario=erlang", "mode=bogus"]))
    assert caught.value.problems == ["mode = 'bogus': allowed: run, plan, staff, calibrate"]


def test_plan_spec_carries_the_terms():
    spec = build_run(compose_config([*BASE, "plan.scales=[1.1,1.0]", "plan.shrinkage=0"]))
    assert spec.mode == "plan"
    assert spec.plan == PlanTerms(scales=(1.0, 1.1), shrinkage=0.0)
    assert build_run(compose_config(["scenario=erlang"])).plan is None


def _data_copy(tmp_path):
    """The default scenario's data in a temporary folder, and the overrides that load it."""
    data = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "scenarios" / "default", data)
    return data, [f"scenario.data_dir={data}", "scenario.allow_outside_paths=true", "mode=plan"]


def test_a_staffing_file_is_a_variant_identical_to_its_scale(tmp_path):
    """A file holding the x1.1 scaling of the staffing (each interval rounded half up)
    gives, on the same days, exactly the x1.1 variant's values; its scale is its size over
    the plan as given."""
    data, overrides = _data_copy(tmp_path)
    staffing = pd.read_csv(data / "staffing.csv")
    bigger = staffing.copy()
    for column in bigger.columns[1:]:
        bigger[column] = np.floor(bigger[column] * 1.1 + 0.5).astype(int)
    bigger.to_csv(data / "plus_ten.csv", index=False)
    spec = build_run(
        compose_config([*overrides, "plan.scales=[1.0,1.1]", "plan.staffing_files=[plus_ten.csv]"])
    )
    assert spec.plan is not None
    [variant] = spec.plan.variants
    assert variant.name == "plus_ten"
    assert variant.agents("service") == tuple(float(n) for n in bigger["service"])
    names = [(name, scale) for name, scale, _ in plan_variants(spec.scenario, spec.plan)]
    size = bigger.iloc[:, 1:].to_numpy().sum() / staffing.iloc[:, 1:].to_numpy().sum()
    assert names == [("x1", 1.0), ("x1.1", 1.1), ("plus_ten", pytest.approx(size))]
    per_rep = run_plan(spec.scenario, ["none"], 2, 3, spec.plan)
    values = ["agent_hours_per_day", "service_level", "annual_cost", "abandoned_per_year"]
    scaled = per_rep[per_rep["variant"] == "x1.1"][values].to_numpy()
    from_file = per_rep[per_rep["variant"] == "plus_ten"][values].to_numpy()
    assert np.array_equal(scaled, from_file)
    plan = plan_table(per_rep)
    assert plan["variant"].tolist() == ["x1", "x1.1", "plus_ten"]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda t: t.rename(columns={"digital": "webchat"}),
            "must have one column per count-staffed group of the scenario, "
            "['sales', 'service', 'billing', 'bilingual', 'digital']; not such a group: "
            "['webchat']; missing: ['digital']",
        ),
        (lambda t: t.drop(columns=["bilingual"]), "; missing: ['bilingual']"),
        (
            lambda t: t.iloc[:-2],
            "must cover the scenario's intervals 08:00 to 19:30 (24 rows); it has 08:00 to "
            "18:30 (22 rows)",
        ),
        (
            lambda t: t.assign(
                interval_start=[f"{7 + k // 2:02d}:{30 * (k % 2):02d}" for k in range(len(t))]
            ),
            "must cover the scenario's intervals 08:00 to 19:30 (24 rows); it has 07:00 to 18:30",
        ),
        (lambda t: t.assign(sales=-1), "sales '-1' is not allowed; allowed: a whole number >= 0"),
    ],
    ids=["other-group", "missing-group", "fewer-intervals", "other-intervals", "negative"],
)
def test_a_bad_staffing_file_is_refused_before_anything_runs(tmp_path, edit, expected):
    data, overrides = _data_copy(tmp_path)
    edit(pd.read_csv(data / "staffing.csv")).to_csv(data / "variant.csv", index=False)
    with pytest.raises(ConfigError) as caught:
        build_run(compose_config([*overrides, "plan.staffing_files=[variant.csv]"]))
    assert "plan.staffing_files[0]" in str(caught.value)
    assert expected in str(caught.value)


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        ("../../../../etc/hostname", "plan.staffing_files[0] = '../../../../etc/hostname': "),
        ("nowhere.csv", "plan.staffing_files[0] = 'nowhere.csv': file not found"),
    ],
)
def test_a_staffing_file_outside_or_missing_is_refused(file, expected):
    with pytest.raises(ConfigError) as caught:
        build_run(compose_config(["mode=plan", f"plan.staffing_files=[{file}]"]))
    assert expected in str(caught.value)
