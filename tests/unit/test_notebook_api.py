"""The notebook API: ``sim.load`` (a run as ``python -m sim`` composes and validates it),
``sim.run`` (its results in memory) and ``RunResults.save`` (the run folder the command line
writes, through the same code)."""

from __future__ import annotations

import os
from pathlib import Path

import ccsim_process
import pandas as pd
import pytest
from matplotlib.figure import Figure

import sim
from sim.cli.app import compose_config
from sim.config.run import ConfigError, RunSpec, build_run
from sim.experiment.run_folder import RunFolderError
from sim.report.results import RunResults

ROOT = Path(__file__).resolve().parents[2]
QUICK = ["scenario.hours=2", "run.replications=2", "run.workers=1"]
TWO = [*QUICK, "policies=[none,overtime]"]


@pytest.fixture(scope="module")
def results() -> RunResults:
    return sim.run(sim.load("erlang", overrides=TWO))


def problems(name: str, overrides: list[str]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        sim.load(name, overrides=overrides)
    return caught.value.problems


# -- sim.load ---------------------------------------------------------------------------------


def test_load_is_the_validated_spec_the_command_line_would_run(tmp_path, monkeypatch):
    """From another working folder too: configs and data are found from the project."""
    monkeypatch.chdir(tmp_path)
    spec = sim.load("default", overrides=["run.replications=3", "policies=[none,analyst]"])
    assert isinstance(spec, RunSpec)
    assert spec.scenario.name == "default" and spec.replications == 3
    assert spec.policies == ("none", "analyst")
    same = build_run(
        compose_config(["scenario=default", "run.replications=3", "policies=[none,analyst]"])
    )
    assert spec.fingerprint() == same.fingerprint()
    assert not list(tmp_path.iterdir())  # nothing written where it runs


def test_load_names_every_problem_with_its_key_value_and_what_is_allowed():
    found = problems("erlang", ["run.replications=0", "scenario.agents=-1"])
    assert found == [
        "run.replications = 0: must be a whole number >= 1",
        "scenario.agents = -1: must be a whole number >= 1",
    ]


def test_load_refuses_an_unknown_scenario_naming_the_ones_there_are():
    (found,) = problems("nope", [])
    assert found.startswith("scenario = 'nope': no such scenario; allowed: [")
    assert "'erlang'" in found and "'default'" in found


@pytest.mark.parametrize(
    ("override", "words"),
    [
        ("run.replicatons=3", ["run.replicatons", "not in 'RunConfig'"]),
        ("run.replications=abc", ["run.replications=abc", "could not be converted to Integer"]),
        ("experiment=nope", ["experiment/nope", "outage_playbook"]),
        ("run.replications", ["run.replications", "EQUAL"]),
    ],
)
def test_load_turns_a_bad_override_into_one_clear_line(override, words):
    (found,) = problems("erlang", [override])
    assert found.startswith(f"overrides ['{override}']: ")
    for word in words:
        assert word in found
    assert "\n" not in found and "full_key" not in found and "reference_type" not in found


def test_load_refuses_a_key_smuggled_in_with_plus_and_a_bare_string():
    assert problems("erlang", ["+run.extra=1"]) == [
        "run.extra: unknown key (misspelt, or added with '+'?); it is not part of the config schema"
    ]
    with pytest.raises(TypeError, match=r"a list of strings, e\.g\. \['run.replications=2'\]"):
        sim.load("erlang", overrides="run.replications=2")  # type: ignore[arg-type]


def test_load_checks_report_figure_policies_against_the_runs_policies():
    assert problems("erlang", ["report.figure_policies=[overtime]"]) == [
        "report.figure_policies[0] = 'overtime': not a policy of this run; allowed: ['none']"
    ]
    spec = sim.load("default", overrides=["report.figure_policies=[analyst,playbook]"])
    assert spec.figure_policies == ("analyst", "playbook")


# -- sim.run ----------------------------------------------------------------------------------


def test_run_returns_the_run_folders_tables_as_dataframes(results):
    assert results.policies == ("none", "overtime")
    for name in ("summary", "intervals", "replications", "comparison", "actions"):
        assert isinstance(getattr(results, name), pd.DataFrame), name
    summary = results.summary
    assert set(summary["policy"]) == {"none", "overtime"}
    assert set(summary["replications"]) == {2}
    assert {"service_level", "service_level_ci_low", "service_level_ci_high"} <= set(summary)
    assert len(results.replications) == 2 * len(summary)
    assert set(results.intervals["interval_start"]) >= {"01:00", "02:45"}
    assert list(results.comparison["policy"].unique()) == ["overtime"]
    assert list(results.actions.columns[:2]) == ["policy", "replication"]
    assert "erlang" in repr(results) and "2 replications" in repr(results)
    assert results.report().startswith("# ccsim run: scenario `erlang`")


def test_run_is_the_command_lines_simulation(results):
    """The same days as run_replications on the same spec: common random numbers."""
    spec = sim.load("erlang", overrides=TWO)
    direct = sim.run_replications(
        spec.scenario, spec.policies, spec.replications, spec.seed, params=spec.policy_params
    )
    assert sim.replication_table(direct).equals(results.replications)


def test_one_policy_has_an_empty_comparison():
    one = sim.run(sim.load("erlang", overrides=QUICK))
    assert one.comparison.empty


def test_run_refuses_other_modes():
    spec = sim.load("default", overrides=["mode=plan", "run.replications=2"])
    with pytest.raises(ValueError, match="mode = 'plan'"):
        sim.run(spec)


@pytest.mark.parametrize(
    "method",
    [
        "figure_service_level",
        "figure_occupancy",
        "figure_heatmap",
        "figure_queue_length",
        "figure_staffing",
        "figure_cost",
        "figure_actions",
    ],
)
def test_figure_methods_return_figures(results, method):
    figure = getattr(results, method)()
    assert isinstance(figure, Figure)
    assert figure.axes


def test_figure_methods_take_the_policies_to_draw(results):
    lines = results.figure_service_level(policies=["overtime"]).axes[0].get_lines()
    assert {line.get_label() for line in lines} >= {"overtime"}
    assert "none" not in {line.get_label() for line in lines}
    assert results.figure_policies() == ["none", "overtime"]


# -- save: the command line's run folder ------------------------------------------------------


def _files(folder: Path) -> set[str]:
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and ".hydra" not in p.parts and p.name != "ccsim.log"
    }


def test_save_writes_the_files_the_command_line_writes(results, tmp_path):
    cli = tmp_path / "cli"
    env = {**os.environ, "MPLBACKEND": "Agg"}
    done = ccsim_process.run(
        ["scenario=erlang", *TWO, f"hydra.run.dir={cli}"], cwd=tmp_path, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    saved = results.save(tmp_path / "notebook")
    assert saved == tmp_path / "notebook"
    assert _files(saved) == _files(cli)
    assert "figures/service_level_heatmap.png" in _files(saved)
    for table in ("summary.csv", "intervals.csv", "comparison.csv", "replications.csv"):
        assert (saved / table).read_bytes() == (cli / table).read_bytes(), table
    assert (saved / "complete").is_file()


def test_save_refuses_a_folder_that_holds_a_run(results, tmp_path):
    results.save(tmp_path / "run")
    with pytest.raises(RunFolderError, match="already holds a run"):
        results.save(tmp_path / "run")
