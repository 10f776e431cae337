"""Shared config and data files are data (sim.config.safety): the config-tree scan that runs
before Hydra, the data-path check of a day scenario, and messages that never quote a file."""

from __future__ import annotations

import dataclasses
import shutil
import time
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from sim.config.data_files import DataFileError, read_interval_table, read_skills
from sim.config.run import PROJECT_ROOT, ConfigError, build_run
from sim.config.safety import (
    OUTSIDE,
    config_dirs,
    output_dir_problems,
    scan_config_tree,
    unsafe_start,
)
from sim.config.schedule_files import read_schedule
from sim.config.schema import Config, DayScenarioConfig, DistributionConfig

CONFIGS = PROJECT_ROOT / "configs"
SECRET = "TOP-SECRET-TOKEN-12345"


@pytest.fixture
def tree(tmp_path: Path, monkeypatch) -> Path:
    """A copy of the shipped config tree (without configs/local), as the current folder."""
    target = tmp_path / "configs"
    shutil.copytree(CONFIGS, target, ignore=shutil.ignore_patterns("local"))
    (target / "local").mkdir()
    monkeypatch.chdir(tmp_path)
    return target


def plant(tree: Path, rel: str, text: str) -> list[str]:
    path = tree / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return scan_config_tree(tree)


# --- the config tree ------------------------------------------------------------------------


def test_the_shipped_tree_passes_and_is_fast():
    scan_config_tree(CONFIGS)  # warm
    start = time.perf_counter()
    assert scan_config_tree(CONFIGS) == []
    print(f"scan of configs/: {1000 * (time.perf_counter() - start):.1f} ms")  # not asserted


def test_a_clean_copy_passes(tree):
    assert scan_config_tree(tree) == []


def test_a_clean_group_file_passes(tree):
    text = (
        "defaults:\n  - default\n  - _self_\nname: mine\n"
        "description: 'seed ${run.seed}, data in ${.data_dir}'\n"
        "groups:\n  a: &g {chat_concurrency: 2}\n  b: *g\n"
    )
    assert plant(tree, "scenario/mine.yaml", text) == []


CALLBACK = (
    "# @package _global_\nhydra:\n  callbacks:\n    evil:\n      _target_: pathlib.Path.touch\n"
    "      _args_: ['/tmp/marker']\n"
)


@pytest.mark.parametrize(
    ("rel", "text", "expected"),
    [
        (
            "scenario/evil.yaml",
            CALLBACK,
            [
                "configs/scenario/evil.yaml:1: '# @package _global_' is not allowed in a shared "
                "config file",
                "configs/scenario/evil.yaml:2: hydra: Hydra's own settings are not allowed",
            ],
        ),
        (
            "policy/overtime.yaml",
            "# @package _global_\nrun:\n  replications: 1\n",
            ["configs/policy/overtime.yaml:1: '# @package _global_' is not allowed"],
        ),
        (
            "scenario/p.yaml",
            "# a comment line\n# @package hydra.callbacks\nx: 1\n",
            [],  # after a plain comment Hydra reads no header: the line is inert
        ),
        (
            "scenario/p.yaml",
            "\n# @package hydra\ncallbacks: {}\n",
            ["configs/scenario/p.yaml:2: '# @package hydra' is not allowed"],
        ),
        (
            "local/overrides.yaml",
            "hydra:\n  job:\n    env_set: {PYTHONPATH: /tmp}\n",
            ["configs/local/overrides.yaml:1: hydra: Hydra's own settings are not allowed"],
        ),
        (
            "scenario/t.yaml",
            "name: t\nroutes:\n  - x:\n      _target_: os.system\n",
            [
                "configs/scenario/t.yaml:4: scenario.routes[].x._target_: a _target_ is not "
                "allowed here; ccsim never builds objects named in a config file"
            ],
        ),
        (
            "scenario/t.yaml",
            "x._target_: os.system\n",
            ["configs/scenario/t.yaml:1: scenario.x._target_: a _target_ is not allowed"],
        ),
        (
            "scenario/e.yaml",
            "name: e\ndescription: ${oc.env:HOME}\n",
            [
                "configs/scenario/e.yaml:2: scenario.description: the resolver call "
                "${oc.env:...} is not allowed in a config file"
            ],
        ),
        (
            "policy/d.yaml",
            "x: 'a ${ oc.decode:${y}} b'\n",
            ["configs/policy/d.yaml:1: policy.x: the resolver call ${oc.decode:...}"],
        ),
        (
            "scenario/n.yaml",
            "name: ${now:%H}\n",
            ["configs/scenario/n.yaml:1: scenario.name: the resolver call ${now:...}"],
        ),
        (
            "scenario/s.yaml",
            f"name: s\nagents: [1, 2\n{SECRET}: 3\n",
            ["configs/scenario/s.yaml:3: not valid YAML: did not find expected ',' or ']'"],
        ),
        (
            "scenario/tab.yaml",
            "contact_types:\n\tsales: 1\n",
            ["configs/scenario/tab.yaml:2: not valid YAML: found character"],
        ),
        (
            "scenario/l.yaml",
            "- a\n- b\n",
            [
                "configs/scenario/l.yaml:1: the file must hold a mapping (key: value lines), not a list"
            ],
        ),
        (
            "experiment/x.yaml",
            f"{SECRET}\n",
            [
                "configs/experiment/x.yaml:1: the file must hold a mapping (key: value lines), not a "
                "single value"
            ],
        ),
        (
            "scenario/tag.yaml",
            "x: !!python/object/apply:os.system ['true']\n",
            ["configs/scenario/tag.yaml:1: scenario.x: YAML tags are not allowed here"],
        ),
        (
            "scenario/merge.yaml",
            "a: &a {hydra: {run: {dir: /tmp}}}\n<<: *a\n",
            ["configs/scenario/merge.yaml:2: YAML merge keys (<<) are not allowed"],
        ),
        (
            "scenario/allow.yaml",
            "name: x\nallow_outside_paths: true\n",
            [
                "configs/scenario/allow.yaml:2: scenario.allow_outside_paths: allowed on the "
                "command line only"
            ],
        ),
        (
            "experiment/allow.yaml",
            "# @package _global_\nscenario:\n  allow_outside_paths: true\n",
            ["configs/experiment/allow.yaml:3: scenario.allow_outside_paths: allowed on the"],
        ),
        (
            "experiment/resume.yaml",
            "# @package _global_\nrun:\n  resume: /home/someone/results/run\n",
            ["configs/experiment/resume.yaml:3: run.resume: allowed on the command line only"],
        ),
        (
            "scenario/dfl.yaml",
            "defaults:\n  - /hydra/output@_global_: ccsim\n  - /policy@_global_.hydra: none\n"
            "  - override hydra/launcher: basic\n",
            [
                "configs/scenario/dfl.yaml:2: defaults: an entry may not select or fill Hydra's",
                "configs/scenario/dfl.yaml:3: defaults: an entry may not select or fill Hydra's",
                "configs/scenario/dfl.yaml:4: defaults: an entry may not select or fill Hydra's",
            ],
        ),
        (
            "scenario/up.yaml",
            "defaults:\n  - default\n  - /policy@_global_: ../../outside/evil\n"
            "  - ../x\n  - /policy@policy.x: [none, ../../y]\n  - _self_\n",
            [
                "configs/scenario/up.yaml:3: defaults: an entry may not leave the config folder",
                "configs/scenario/up.yaml:4: defaults: an entry may not leave the config folder",
                "configs/scenario/up.yaml:5: defaults: an entry may not leave the config folder",
            ],
        ),
        (
            "scenario/dfl.yaml",
            "defaults: default\n",
            ["configs/scenario/dfl.yaml:1: defaults: must be a list"],
        ),
        (
            "scenario/dup.yaml",
            "name: a\nname: b\n",
            [
                "configs/scenario/dup.yaml:2: scenario.name: the key appears twice in the same "
                "mapping (first on line 1)"
            ],
        ),
        (
            "scenario/bin.yaml",
            "a: \x00\x01\n",
            ["configs/scenario/bin.yaml:1: not valid YAML: special characters"],
        ),
        (
            "newgroup/sub/x.yaml",
            "hydra: {}\n",
            ["configs/newgroup/sub/x.yaml:1: hydra: Hydra's own settings are not allowed"],
        ),
    ],
)
def test_a_planted_group_file_is_refused(tree, rel, text, expected):
    found = plant(tree, rel, text)
    assert len(found) == len(expected), found
    for problem, start in zip(found, expected, strict=True):
        assert problem.startswith(start), (problem, start)
        assert SECRET not in problem


def test_an_experiment_may_be_global_but_not_set_hydra(tree):
    ok = "# @package _global_\ndefaults:\n  - override /scenario: erlang\nrun: {seed: 1}\n"
    assert plant(tree, "experiment/mine.yaml", ok) == []
    found = plant(tree, "experiment/mine.yaml", ok + "hydra: {run: {dir: /tmp}}\n")
    assert found == [
        "configs/experiment/mine.yaml:5: hydra: Hydra's own settings are not allowed in a shared "
        "config file; give them on the command line (e.g. hydra.run.dir=...)"
    ]


def test_a_yaml_error_names_file_and_line_only(tree):
    text = f"name: x\n{SECRET}: 'unterminated\n"
    (problem,) = plant(tree, "scenario/q.yaml", text)
    assert problem.startswith("configs/scenario/q.yaml:")
    assert SECRET not in problem and "unterminated" not in problem


def test_the_project_files_may_name_only_allowed_callbacks(tree):
    output = tree / "hydra" / "output" / "ccsim.yaml"
    text = output.read_text()
    output.write_text(text.replace("sim.cli.sweep_callback.SweepSummary", "os.system"))
    line = text.splitlines().index("    _target_: sim.cli.sweep_callback.SweepSummary") + 1
    assert scan_config_tree(tree) == [
        f"configs/hydra/output/ccsim.yaml:{line}: hydra.callbacks.sweep_summary._target_: a _target_ "
        "is not allowed here; allowed: ['sim.cli.sweep_callback.SweepSummary'] as a "
        "hydra.callbacks entry"
    ]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            "  callbacks:\n    evil:\n      _target_: builtins.print\n",
            "hydra.callbacks.evil._target_: a _target_ is not allowed here",
        ),
        ("  searchpath: [file:///tmp]\n", "hydra.searchpath: not a Hydra setting a config file"),
        ("  job_logging:\n    root: {level: INFO}\n", "hydra.job_logging.root.level: not a"),
        ("  job:\n", "hydra.job.env_set.A: not a Hydra setting"),
        ("  run:\n    dir: ${oc.env:HOME}\n", "hydra.run.dir: the resolver call ${oc.env:...}"),
    ],
)
def test_the_root_config_may_set_only_some_hydra_keys(tree, extra, expected):
    config = tree / "config.yaml"
    text = config.read_text()
    if extra == "  job:\n":  # under the existing hydra.job
        text = text.replace("  job:", "  job:\n    env_set: {A: b}")
    else:
        text += extra
    config.write_text(text)
    (problem,) = scan_config_tree(tree)
    assert problem.startswith("configs/config.yaml:"), problem
    assert expected in problem


def test_the_root_config_may_not_load_a_file_outside_the_tree(tree):
    config = tree / "config.yaml"
    config.write_text(config.read_text().replace("  - _self_\n", "  - _self_\n  - ../x\n", 1))
    (problem,) = scan_config_tree(tree)
    assert problem.startswith("configs/config.yaml:")
    assert "defaults: an entry may not leave the config folder ('..')" in problem


def test_an_alias_may_not_smuggle_keys_into_hydra(tree):
    config = tree / "config.yaml"
    text = config.read_text().replace("run:\n", "run: &r\n", 1)
    config.write_text(text + "  job_logging: *r\n")
    (problem,) = scan_config_tree(tree)
    assert "hydra.job_logging" in problem and "not" in problem


def test_a_symlinked_group_folder_is_scanned(tree, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "x.yaml").write_text("hydra: {}\n")
    (tree / "linked").symlink_to(elsewhere)
    (tree / "loop").symlink_to(tree)  # a loop is walked once
    (problem,) = scan_config_tree(tree)
    assert problem.startswith("configs/linked/x.yaml:1: hydra:")


# --- which folders: the command line ----------------------------------------------------------


def test_config_dirs_follow_the_command_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("a", "b", "c", "d", "e"):
        (tmp_path / name).mkdir()
    argv = [
        "--config-dir",
        str(tmp_path / "a"),
        f"-cd={tmp_path / 'b'}",
        "--config-d",
        "c",
        f"--config-path={tmp_path / 'd'}",
        f"hydra.searchpath=[pkg://x,file://{tmp_path / 'e'}]",
        "scenario=erlang",
        "-cd",
        str(tmp_path / "missing"),
    ]
    found = config_dirs(argv, CONFIGS)
    assert found == [
        CONFIGS,
        *(tmp_path / n for n in "ab"),
        Path("c"),
        *(tmp_path / n for n in "de"),
    ]
    assert config_dirs(["-cd", str(CONFIGS)], CONFIGS) == [CONFIGS]


def test_unsafe_start_lists_every_problem_of_the_trees_read(tree):
    (tree / "scenario" / "evil.yaml").write_text(CALLBACK)
    assert unsafe_start(["scenario=default"], CONFIGS) == []  # the shipped tree alone
    found = unsafe_start(["--config-dir", str(tree), "scenario=evil"], CONFIGS)
    assert found[0].startswith("configs/scenario/evil.yaml:1: '# @package _global_'")
    assert found[1].startswith("configs/scenario/evil.yaml:2: hydra:")


# --- data paths -----------------------------------------------------------------------------


def default_scenario(**changes) -> DayScenarioConfig:
    raw = OmegaConf.load(CONFIGS / "scenario" / "default.yaml")
    del raw["defaults"]
    s = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(DayScenarioConfig), raw))
    return dataclasses.replace(s, **changes)


def problems(s: DayScenarioConfig) -> list[str]:
    with pytest.raises(ConfigError) as info:
        build_run(Config(scenario=s))
    return info.value.problems


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A copy of scenarios/default outside the project folder."""
    folder = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "scenarios" / "default", folder)
    return folder


@pytest.mark.parametrize(
    ("changes", "key", "value"),
    [
        ({"data_dir": "/etc"}, "scenario.data_dir", "/etc"),
        ({"data_dir": "../../.."}, "scenario.data_dir", "../../.."),
        ({"forecast_file": "/etc/passwd"}, "scenario.forecast_file", "/etc/passwd"),
        ({"staffing_file": "../../../x.csv"}, "scenario.staffing_file", "../../../x.csv"),
        ({"skills_file": "/etc/hosts"}, "scenario.skills_file", "/etc/hosts"),
        ({"schedule_file": "/etc/a.csv"}, "scenario.schedule_file", "/etc/a.csv"),
        ({"activities_file": "/etc/b.csv"}, "scenario.activities_file", "/etc/b.csv"),
    ],
)
def test_a_path_outside_the_project_is_refused(changes, key, value):
    assert problems(default_scenario(**changes)) == [f"{key} = {value!r}: {OUTSIDE}"]


def test_an_empirical_file_outside_is_refused_and_not_read(outside):
    s = default_scenario()
    s.contact_types["sales"].handle_time = DistributionConfig("empirical", file=str(outside / "x"))
    assert problems(s) == [
        f"scenario.contact_types.sales.handle_time.file = '{outside / 'x'}': {OUTSIDE}"
    ]


def test_a_symlink_out_of_the_data_folder_is_refused(outside):
    inside = PROJECT_ROOT / "scenarios" / "default"
    link = inside / ".ccsim-test-link.csv"
    link.unlink(missing_ok=True)
    link.symlink_to(outside / "forecast.csv")
    try:
        found = problems(default_scenario(forecast_file=link.name))
    finally:
        link.unlink()
    assert found == [f"scenario.forecast_file = '{link.name}': {OUTSIDE}"]


def test_allow_outside_paths_lets_a_folder_elsewhere_be_read(outside):
    assert problems(default_scenario(data_dir=str(outside))) == [
        f"scenario.data_dir = '{outside}': {OUTSIDE}"
    ]
    spec = build_run(
        Config(scenario=default_scenario(data_dir=str(outside), allow_outside_paths=True))
    )
    assert spec.scenario.name == "default"


def test_paths_inside_the_project_pass():
    s = default_scenario(data_dir=str(PROJECT_ROOT / "scenarios" / "default"))
    assert build_run(Config(scenario=s)).scenario.name == "default"
    s = default_scenario(forecast_file="../default/forecast.csv")
    assert build_run(Config(scenario=s)).scenario.name == "default"


# --- no file content in messages --------------------------------------------------------------


def _problems_of(read, path: Path) -> list[str]:
    with pytest.raises(DataFileError) as info:
        read(path)
    return info.value.problems


@pytest.mark.parametrize(
    "read",
    [
        lambda p: read_interval_table(
            p, "scenario.forecast_file", integer=False, interval_minutes=30
        ),
        lambda p: read_skills(p, "scenario.skills_file"),
        lambda p: read_schedule(p, "scenario.schedule_file"),
    ],
)
@pytest.mark.parametrize("first", [SECRET, f"{SECRET},{SECRET}x", f"a,b,{SECRET}"])
def test_a_file_with_a_secret_first_line_is_not_quoted(tmp_path, read, first):
    path = tmp_path / "f.csv"
    path.write_text(f"{first}\n08:00,1\n")
    found = _problems_of(read, path)
    assert found and all(SECRET not in p for p in found), found
    assert all("f.csv" in p for p in found)


def test_a_long_cell_is_named_by_its_length_a_short_one_as_written(tmp_path):
    path = tmp_path / "forecast.csv"
    path.write_text(f"interval_start,sales\n08:00,{SECRET}\n08:30,abc\n")
    found = _problems_of(
        lambda p: read_interval_table(p, "k", integer=False, interval_minutes=30), path
    )
    assert found == [
        "k: forecast.csv line 2: sales (a 22-character value) is not allowed; allowed: a number >= 0",
        "k: forecast.csv line 3: sales 'abc' is not allowed; allowed: a number >= 0",
    ]


def test_a_secret_first_line_of_a_scenario_file_stays_out_of_build_run(outside):
    (outside / "forecast.csv").write_text(f"{SECRET}\n")
    (outside / "skills.csv").write_text(f"{SECRET}\n")
    found = problems(default_scenario(data_dir=str(outside), allow_outside_paths=True))
    assert found and all(SECRET not in p for p in found), found


@pytest.mark.parametrize("value", ["", ".", "./", "''"])
def test_a_run_folder_that_is_the_current_folder_is_refused_before_hydra(
    value, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    (problem,) = output_dir_problems([f"hydra.run.dir={value}"], tmp_path / "project")
    assert problem.startswith(f"hydra.run.dir = {value!r}: the run folder would be the current")


def test_a_run_folder_at_or_above_the_project_root_is_refused(tmp_path, monkeypatch):
    project = tmp_path / "project"
    (project / "results").mkdir(parents=True)
    monkeypatch.chdir(project / "results")
    found = output_dir_problems(
        ["hydra.run.dir=..", f"hydra.sweep.dir={tmp_path}", "hydra.run.dir=mine"], project
    )
    assert [p.split(":")[0] for p in found] == [
        "hydra.run.dir = '..'",
        f"hydra.sweep.dir = '{tmp_path}'",
    ]
    assert "the project root" in found[0] and "above the project" in found[1]
    assert output_dir_problems(["hydra.run.dir=results/x", "run.seed=3"], project) == []
