"""Policies' names are checked against the scenario before the first event (``Policy.check``,
called by ``build_run``); every shipped scenario and experiment validates with every
registered policy; policies register themselves without an import circle."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from sim.cli.app import compose_config
from sim.config.run import PROJECT_ROOT, ConfigError, build_run
from sim.core.scenario import erlang_scenario
from sim.policies.base import Policy, PolicyParams, defined_policies
from sim.policies.registry import _NOT_POLICIES, POLICIES, make_policy

SCENARIOS = sorted(p.stem for p in (PROJECT_ROOT / "configs" / "scenario").glob("*.yaml"))
EXPERIMENTS = sorted(p.stem for p in (PROJECT_ROOT / "configs" / "experiment").glob("*.yaml"))


def problems(overrides: list[str]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        build_run(compose_config(overrides))
    return caught.value.problems


# -- the shipped configs ----------------------------------------------------------------------


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_scenario_validates_with_every_policy(scenario):
    """All registered policies selected at once, with their shipped parameters: no problem
    (a ConfigError would list each, named ``policy.<name>.<field>``)."""
    spec = build_run(compose_config([f"scenario={scenario}", f"policies=[{','.join(POLICIES)}]"]))
    assert spec.policies == tuple(POLICIES)
    for name in POLICIES:
        assert make_policy(name, spec.policy_params[name]).check(spec.scenario) == []


def test_there_are_experiments():
    assert EXPERIMENTS, "configs/experiment/ holds no experiment"


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_every_experiment_composes_and_pins_a_reproducible_run(experiment):
    spec = build_run(compose_config([f"experiment={experiment}"]))
    raw = (PROJECT_ROOT / "configs" / "experiment" / f"{experiment}.yaml").read_text()
    assert raw.startswith("# @package _global_")
    for key in ("override /scenario:", "policies:", "replications:", "seed:"):
        assert key in raw, f"{experiment}.yaml does not pin {key.rstrip(':')}"
    assert spec.replications >= 2 and len(spec.policies) >= 2


def test_an_experiment_is_overridden_by_the_command_line():
    spec = build_run(compose_config(["experiment=outage_playbook", "run.replications=3"]))
    assert spec.scenario.name == "telephony_outage" and spec.replications == 3


# -- names checked against the scenario -------------------------------------------------------


def test_unknown_contact_type_is_named_before_anything_runs():
    found = problems(
        ["scenario=erlang", "policies=[none,callback]", "policy.callback.contact_types=[nope]"]
    )
    assert found == [
        "policy.callback.contact_types[0] = 'nope': not a voice contact type of this scenario; "
        "allowed: ['calls']"
    ]


def test_a_queue_of_another_channel_is_named():
    found = problems(
        [
            "policies=[none,callback,overflow_partner]",
            "policy.callback.contact_types=[sales,chat]",
            "policy.overflow_partner.contact_types=[chat,email]",
        ]
    )
    assert [p.split(": ")[0] for p in found] == [
        "policy.callback.contact_types[1] = 'chat'",
        "policy.overflow_partner.contact_types[1] = 'email'",
    ]
    assert "not a voice contact type" in found[0] and "'sales'" in found[0]
    assert "not a voice or chat contact type" in found[1] and "'chat'" in found[1]


def test_playbook_steps_are_checked_with_their_overrides():
    found = problems(
        [
            "policies=[none,playbook]",
            "+policy.playbook.overrides.callback.contact_types=[chat]",
        ]
    )
    assert len(found) == 1
    assert found[0].startswith("policy.playbook.overrides.callback.contact_types[0] = 'chat': ")


def test_scenario_names_are_reported_with_other_problems():
    found = problems(
        [
            "scenario=erlang",
            "run.replications=0",
            "policies=[none,callback]",
            "policy.callback.contact_types=[nope]",
        ]
    )
    assert [p.split(" = ")[0] for p in found] == [
        "run.replications",
        "policy.callback.contact_types[0]",
    ]


def test_bad_parameters_are_not_checked_against_the_scenario_too():
    """A value already refused (a string where a list belongs) is named once."""
    found = problems(
        ["scenario=erlang", "policies=[none,callback]", "policy.callback.stop_at_clock=5pm"]
    )
    assert len(found) == 1 and found[0].startswith("policy.callback.stop_at_clock = '5pm'")


@dataclass(frozen=True)
class _NamingParams(PolicyParams):
    group: str = "agents"
    groups: tuple[str, ...] = ()
    skill: str = "calls"
    backup_groups: tuple[str, ...] = ()
    note: str = "not a name"


class _Naming(Policy):
    """Defined outside sim.policies: checked like any policy, registered nowhere."""

    name = "test_naming"
    description = "names groups and skills"
    Params = _NamingParams


def test_group_and_skill_names_are_checked_by_field_name():
    scenario = erlang_scenario(200.0, 180.0, 14, None, 1.0, 0.0)
    assert _Naming().check(scenario) == []
    bad = _Naming(_NamingParams(group="x", groups=("agents", "y"), skill="z", backup_groups=("w",)))
    assert bad.check(scenario) == [
        ("group", "x", "not a group of this scenario; allowed: ['agents']"),
        ("groups[1]", "y", "not a group of this scenario; allowed: ['agents']"),
        ("skill", "z", "not a contact type of this scenario; allowed: ['calls']"),
        ("backup_groups[0]", "w", "not a group of this scenario; allowed: ['agents']"),
    ]


# -- the registry -----------------------------------------------------------------------------


def test_policies_register_themselves_and_only_those_of_the_package():
    assert POLICIES == defined_policies()
    assert "test_naming" not in POLICIES
    assert {cls.__module__.rpartition(".")[0] for cls in POLICIES.values()} == {"sim.policies"}
    machinery = {"__init__", "api", "base", "levers", "outlook", "registry", "signals"}
    modules = {
        p.stem for p in (PROJECT_ROOT / "sim" / "policies").glob("*.py") if p.stem not in machinery
    }
    assert {cls.__module__.rpartition(".")[2] for cls in POLICIES.values()} == modules
    # The analyst and its oracle live in one module; every other module holds one policy.
    assert {"analyst", "oracle"} <= set(POLICIES)
    assert POLICIES["oracle"].__module__ == POLICIES["analyst"].__module__ == "sim.policies.analyst"
    assert issubclass(POLICIES["oracle"], POLICIES["analyst"])
    # The registry imports every module but the machinery, which defines no policy.
    assert _NOT_POLICIES == machinery - {"__init__"}


def test_a_second_policy_of_the_same_name_is_refused():
    with pytest.raises(RuntimeError, match="two policies are named 'callback'"):
        type("Copy", (Policy,), {"name": "callback", "__module__": "sim.policies.copy"})


def test_no_policy_module_imports_inside_a_function():
    """Imports at module level (or under TYPE_CHECKING) only: nothing lazy goes up or round."""
    found = []
    for path in sorted((PROJECT_ROOT / "sim" / "policies").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found += [
                    f"{path.name}:{inner.lineno}"
                    for inner in ast.walk(node)
                    if isinstance(inner, (ast.Import, ast.ImportFrom))
                ]
    assert not found, found


def test_the_playbook_finds_its_steps_without_the_registry():
    """Importing the playbook alone pulls in no registry; with the registry loaded, every
    step resolves."""
    source = Path(PROJECT_ROOT / "sim" / "policies" / "playbook.py").read_text(encoding="utf-8")
    assert "registry" not in "".join(
        ast.unparse(n) for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ImportFrom)
    )
    playbook = make_policy("playbook", {"steps": sorted(set(POLICIES) - {"playbook"})})
    assert [name for name, _ in playbook.steps] == sorted(set(POLICIES) - {"playbook"})


def test_simulate_refuses_a_policy_that_does_not_fit_before_the_first_event():
    """From Python, without the config: the same check, before anything is simulated."""
    from sim import erlang_scenario, make_policy, simulate

    scenario = erlang_scenario(calls_per_hour=100, aht_seconds=180, agents=5)
    policy = make_policy("callback", {"contact_types": ["nope"]})
    with pytest.raises(ValueError, match=r"contact_types\[0\] = 'nope': not a voice contact type"):
        simulate(scenario, policy=policy)


def test_each_scenario_compares_its_own_default_policies():
    """Without ``policies``, the default day (and the days built on it) compare the analyst
    and the single levers; the erlang queue and the teaching scenarios run the baseline."""
    day = build_run(compose_config([])).policies
    assert day == (
        "none",
        "move_agents",
        "overtime",
        "callback",
        "overflow_partner",
        "playbook",
        "analyst",
    )
    assert build_run(compose_config(["scenario=mailing_surge"])).policies == day
    for teaching in ("erlang", "split", "pooled", "chain", "n_design", "w_design"):
        assert build_run(compose_config([f"scenario={teaching}"])).policies == ("none",), teaching
    given = build_run(compose_config(["scenario=erlang", "policies=[none,overtime]"]))
    assert given.policies == ("none", "overtime")


def test_one_policy_may_be_named_without_brackets():
    assert build_run(compose_config(["policies=none"])).policies == ("none",)
    assert build_run(compose_config(["scenario=erlang", "policies=analyst"])).policies == (
        "analyst",
    )


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (["policies=nope"], "policies[0] = 'nope': unknown policy"),
        (["policies={a:1}"], "policies = {'a': 1}: must be a policy name or a list"),
        (["scenario.default_policies=[none,nope]"], "scenario.default_policies[1] = 'nope'"),
        (["scenario=erlang", "scenario.default_policies=[]"], "scenario.default_policies = []"),
    ],
)
def test_bad_policy_lists_are_named(overrides, expected):
    with pytest.raises(ConfigError) as caught:
        build_run(compose_config(overrides))
    assert any(p.startswith(expected) for p in caught.value.problems), caught.value.problems
