"""``python -m sim`` on a shared project folder: a planted config file never runs code (it is
refused before Hydra instantiates anything), data paths stay inside the project, and no
message quotes a data file's content. Every run is a process of its own (forked from one that
has imported what a run needs: :mod:`ccsim_process`) in its own temp folder, started together
by a module fixture."""

from __future__ import annotations

import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import ccsim_process
import pytest

PROJECT = Path(__file__).resolve().parents[2]
HEADER = "ccsim: invalid configuration, nothing was simulated:"
SECRET = "TOP-SECRET-TOKEN-12345"
MARKER = "planted-code-ran"


def _configs(tmp: Path) -> Path:
    """A copy of the project's config tree (its git-ignored configs/local left out)."""
    target = tmp / "configs"
    shutil.copytree(PROJECT / "configs", target, ignore=shutil.ignore_patterns("local"))
    (target / "local").mkdir()
    return target


def _callback(tmp: Path) -> list[str]:
    """A scenario file asking Hydra to call pathlib.Path.touch (a marker) and builtins.print."""
    configs = _configs(tmp)
    (configs / "scenario" / "evil.yaml").write_text(
        "# @package _global_\n"
        "hydra:\n"
        "  callbacks:\n"
        "    touch:\n"
        "      _target_: pathlib.Path.touch\n"
        f"      _args_: ['{tmp / MARKER}']\n"
        "    say:\n"
        "      _target_: builtins.print\n"
        f"      _args_: ['{SECRET}']\n"
    )
    return ["--config-dir", str(configs), "scenario=evil"]


def _escape(tmp: Path) -> list[str]:
    """A scenario whose defaults list loads a file outside the config tree (unscanned)."""
    configs = _configs(tmp)
    (tmp / "outside").mkdir()
    (tmp / "outside" / "evil.yaml").write_text(
        f"hydra:\n  callbacks:\n    touch:\n      _target_: pathlib.Path.touch\n"
        f"      _args_: ['{tmp / MARKER}']\n"
    )
    (configs / "scenario" / "sneaky.yaml").write_text(
        "defaults:\n  - default\n  - /policy@_global_: ../../outside/evil\n  - _self_\n"
    )
    return ["--config-dir", str(configs), "scenario=sneaky"]


def _env_description(tmp: Path) -> list[str]:
    configs = _configs(tmp)
    default = (configs / "scenario" / "default.yaml").read_text()
    (configs / "scenario" / "leak.yaml").write_text(
        default.replace("description: >-", "description: >-\n  ${oc.env:CCSIM_TEST_SECRET}", 1)
    )
    return ["-cd", str(configs), "scenario=leak"]


def _secret_forecast(tmp: Path) -> list[str]:
    data = tmp / "data"
    shutil.copytree(PROJECT / "scenarios" / "default", data)
    (data / "forecast.csv").write_text(f"{SECRET}\n")
    return [f"scenario.data_dir={data}", "scenario.allow_outside_paths=true"]


CASES = {
    "callback": _callback,
    "escape": _escape,
    "env": _env_description,
    "outside": lambda tmp: ["scenario.data_dir=/etc"],
    "up_and_out": lambda tmp: ["scenario.forecast_file=../../../etc/passwd"],
    "secret_forecast": _secret_forecast,
}


def _run(name: str, tmp: Path) -> subprocess.CompletedProcess:
    args = CASES[name](tmp)
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    env |= {"MPLBACKEND": "Agg", "CCSIM_TEST_SECRET": SECRET}
    command = [*args, "run.replications=1", "run.workers=1", f"hydra.run.dir={tmp / 'out'}"]
    return ccsim_process.run(command, cwd=tmp, env=env, timeout=300)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, tuple[Path, subprocess.CompletedProcess]]:
    folders = {name: tmp_path_factory.mktemp(name) for name in CASES}
    with ThreadPoolExecutor(len(CASES)) as pool:
        done = dict(zip(CASES, pool.map(_run, CASES, folders.values()), strict=True))
    return {name: (folders[name], done[name]) for name in CASES}


def _refused(tmp: Path, run: subprocess.CompletedProcess) -> list[str]:
    """The run exited 2 with the usual header, no traceback, nothing simulated or leaked."""
    output = run.stderr + run.stdout
    assert run.returncode == 2, output
    assert "Traceback" not in output, output
    assert SECRET not in output, output
    assert not (tmp / "out" / "parts").exists()
    assert not (tmp / "out" / "report.md").exists()
    lines = run.stderr.splitlines()
    assert lines[0] == HEADER, output
    return lines[1:]


def test_a_planted_callback_is_refused_and_never_instantiated(runs):
    tmp, run = runs["callback"]
    problems = _refused(tmp, run)
    assert not (tmp / MARKER).exists(), "the planted callback ran"
    where = "configs/scenario/evil.yaml"  # relative to the current folder
    assert problems == [
        f"  - {where}:1: '# @package _global_' is not allowed in a shared config file (it can "
        "place the file's keys anywhere, Hydra's settings included); only files of "
        "configs/experiment/ may say '# @package _global_'",
        f"  - {where}:2: hydra: Hydra's own settings are not allowed in a shared config file; "
        "give them on the command line (e.g. hydra.run.dir=...)",
    ]
    assert not (tmp / "out").exists()  # refused before Hydra made the run folder


def test_a_defaults_entry_leaving_the_tree_is_refused(runs):
    tmp, run = runs["escape"]
    assert _refused(tmp, run) == [
        "  - configs/scenario/sneaky.yaml:3: defaults: an entry may not leave the config folder "
        "('..'); name a config of this tree, or give it on the command line"
    ]
    assert not (tmp / MARKER).exists(), "the planted callback ran"


def test_an_environment_variable_never_reaches_the_report(runs):
    tmp, run = runs["env"]
    (problem,) = _refused(tmp, run)
    line = (
        (tmp / "configs" / "scenario" / "leak.yaml")
        .read_text()
        .splitlines()
        .index("  ${oc.env:CCSIM_TEST_SECRET}")
    )  # the folded scalar starts on the line before
    assert problem.startswith(f"  - configs/scenario/leak.yaml:{line}: ")
    assert "scenario.description: the resolver call ${oc.env:...} is not allowed" in problem


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("outside", "scenario.data_dir = '/etc'"),
        ("up_and_out", "scenario.forecast_file = '../../../etc/passwd'"),
    ],
)
def test_a_data_path_outside_the_project_is_refused(runs, name, expected):
    tmp, run = runs[name]
    assert _refused(tmp, run) == [
        f"  - {expected}: must stay inside the project folder (or set "
        "scenario.allow_outside_paths=true on the command line)"
    ]


def test_a_data_file_with_a_secret_first_line_is_not_quoted(runs):
    tmp, run = runs["secret_forecast"]
    problems = _refused(tmp, run)
    assert problems == [
        "  - scenario.forecast_file: forecast.csv lacks column 'interval_start' (its header, "
        "line 1, has 1 column(s))"
    ]
