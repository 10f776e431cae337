"""``run.executor`` and ``run.dask_address``: checked with the rest of the config, before
anything runs (a bad name, an address without Dask, Dask not installed), and what a Dask
executor that cannot run says (one line)."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from sim.cli.app import compose_config
from sim.config import run as config_run
from sim.config.run import ConfigError, build_run
from sim.config.schema import Config, ErlangScenarioConfig, RunConfig
from sim.experiment import executors
from sim.experiment.executors import ExecutorError, dask_pool, open_pool


def problems(run: RunConfig) -> list[str]:
    with pytest.raises(ConfigError) as info:
        build_run(Config(scenario=ErlangScenarioConfig(200.0, 180.0, 14), run=run))
    return info.value.problems


def test_the_executors_are_local_and_dask():
    """The config checks the names the executors module runs."""
    assert config_run.EXECUTORS == executors.EXECUTORS == ("local", "dask")


def test_local_is_the_default_and_dask_is_taken():
    spec = build_run(compose_config(["scenario=erlang"]))
    assert (spec.executor, spec.dask_address) == ("local", None)
    spec = build_run(
        compose_config(["scenario=erlang", "run.executor=dask", "run.dask_address=tcp://h:8786"])
    )
    assert (spec.executor, spec.dask_address) == ("dask", "tcp://h:8786")


def test_an_unknown_executor_is_named_with_the_allowed_ones():
    assert problems(RunConfig(executor="spark")) == ["run.executor = 'spark': allowed: local, dask"]


@pytest.mark.parametrize("address", ["", "tcp://host 8786"])
def test_a_bad_dask_address_is_refused(address):
    [problem] = problems(RunConfig(executor="dask", dask_address=address))
    assert problem.startswith(f"run.dask_address = {address!r}: must be a Dask scheduler's")


def test_a_dask_address_needs_the_dask_executor():
    [problem] = problems(RunConfig(dask_address="tcp://host:8786"))
    assert problem == (
        "run.dask_address = 'tcp://host:8786': is for run.executor=dask only: "
        "add run.executor=dask, or leave it null"
    )


def test_dask_without_distributed_says_how_to_install_it(monkeypatch):
    """Refused with the config's other problems, before anything runs."""
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a, **k: None if name == "distributed" else real(name, *a, **k),
    )
    [problem] = problems(RunConfig(executor="dask"))
    assert problem.startswith("run.executor = 'dask': needs Dask's distributed package")
    assert problem.endswith("pip install 'ccsim[dask]'")


def test_dask_pool_without_distributed_raises_one_line(monkeypatch):
    """Called from Python, without the config check: the same advice, as an ExecutorError."""
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    with pytest.raises(ExecutorError, match=r"pip install 'ccsim\[dask\]'") as info:
        with dask_pool(1):
            pass
    assert "\n" not in str(info.value)


def test_open_pool_refuses_an_unknown_executor_and_is_none_for_local():
    with pytest.raises(ValueError, match="allowed: local, dask"):
        with open_pool("spark"):
            pass
    with open_pool("local", 2) as pool:
        assert pool is None  # run_replications makes its own process pool per call
