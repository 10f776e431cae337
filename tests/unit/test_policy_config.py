"""Bad policy, cost and precision settings are refused before anything runs, each named as
``key = value: what is allowed``; good ones reach the RunSpec (and the scenario's costs)."""

from __future__ import annotations

import pytest

from sim.config.run import ConfigError, build_run
from sim.config.schema import Config, CostsConfig, ErlangScenarioConfig, RunConfig


def config(**changes) -> Config:
    base = Config(
        scenario=ErlangScenarioConfig(
            calls_per_hour=200.0, aht_seconds=180.0, agents=14, hours=1.0, warmup_hours=0.0
        )
    )
    for key, value in changes.items():
        setattr(base, key, value)
    return base


def problems(cfg: Config) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        build_run(cfg)
    return caught.value.problems


def test_good_settings_reach_the_run_spec():
    spec = build_run(
        config(
            costs=CostsConfig(hourly_cost=25.0, hourly_cost_by_group={"agents": 40.0}),
            run=RunConfig(replications=4, target_precision=0.02, max_replications=50),
            policies=["none", "overtime"],
        )
    )
    assert spec.scenario.costs.rate("agents") == 40.0
    assert spec.scenario.costs.hourly == 25.0
    assert spec.target_precision == 0.02 and spec.max_replications == 50
    assert spec.policy_params["none"] == {}


def test_unknown_policy_name_is_named():
    found = problems(config(policies=["none", "overtme"]))
    assert any(p.startswith("policies[1] = 'overtme': unknown policy; allowed:") for p in found)


def test_parameters_of_an_unknown_policy_are_refused():
    found = problems(config(policy={"nope": {"x": 1}}))
    assert any(p.startswith("policy.nope = ") and "no such policy" in p for p in found)


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("check_interval_minutes", 0, "must be > 0"),
        ("check_interval_minutes", -5, "must be > 0"),
        ("latency_minutes", -1, "must be >= 0"),
        ("latency_minutes", "soon", "must be a number"),
        ("bogus", 1, "unknown parameter"),
    ],
)
def test_bad_policy_parameters_are_named(field, value, allowed):
    # Every policy shares these two parameters; the test uses whichever policy with a check
    # interval is registered first (``none`` has none and takes no parameters).
    from sim.policies.registry import POLICIES

    name = next((n for n in sorted(POLICIES) if n != "none"), None)
    if name is None:
        pytest.skip("only the baseline is registered")
    found = problems(config(policies=["none", name], policy={name: {field: value}}))
    assert any(p.startswith(f"policy.{name}.{field} = ") and allowed in p for p in found), found


def test_probabilities_outside_zero_one_are_named():
    from sim.policies.registry import POLICIES

    with_probability = [
        (name, f.name)
        for name, cls in sorted(POLICIES.items())
        for f in __import__("dataclasses").fields(cls.Params)
        if f.name.endswith("_probability")
    ]
    if not with_probability:
        pytest.skip("no registered policy has an acceptance probability")
    for name, field in with_probability:
        found = problems(config(policies=["none", name], policy={name: {field: 1.5}}))
        assert f"policy.{name}.{field} = 1.5: must be a probability in [0, 1]" in found


@pytest.mark.parametrize(
    ("costs", "expected"),
    [
        (CostsConfig(hourly_cost=-1.0), "costs.hourly_cost = -1.0"),
        (CostsConfig(overtime_premium=-0.5), "costs.overtime_premium = -0.5"),
        (CostsConfig(outsourcer_per_contact=-2.0), "costs.outsourcer_per_contact = -2.0"),
        (
            CostsConfig(hourly_cost_by_group={"nobody": 3.0}),
            "costs.hourly_cost_by_group.nobody = 3.0",
        ),
    ],
)
def test_bad_costs_are_named(costs, expected):
    found = problems(config(costs=costs))
    assert any(p.startswith(expected) for p in found), found


def test_bad_precision_settings_are_named():
    found = problems(config(run=RunConfig(replications=10, target_precision=0.0)))
    assert any(p.startswith("run.target_precision = 0.0") for p in found)
    found = problems(
        config(run=RunConfig(replications=10, target_precision=0.01, max_replications=5))
    )
    assert any(p.startswith("run.max_replications = 5: must be at least") for p in found)


def test_target_precision_with_one_policy_is_refused_not_ignored():
    found = problems(config(run=RunConfig(replications=10, target_precision=0.01)))
    assert "run.target_precision = 0.01: needs two policies or more" in found[0]


def test_names_a_policy_gives_are_checked_against_the_scenario():
    """``Policy.check``, called by build_run once the scenario is built: a contact type the
    scenario lacks is named with the other problems, before anything is simulated."""
    found = problems(
        config(
            policies=["none", "callback", "overflow_partner"],
            policy={
                "callback": {"contact_types": ["calls", "nope"]},
                "overflow_partner": {"contact_types": ["calls"]},
            },
            costs=CostsConfig(hourly_cost=-1.0),
        )
    )
    assert found[0].startswith("costs.hourly_cost = -1.0")
    assert found[1:] == [
        "policy.callback.contact_types[1] = 'nope': not a voice contact type of this scenario; "
        "allowed: ['calls']"
    ]
