"""``run.executor=dask``: the same tables as the local pool, byte for byte; Ctrl-C cancels
the cluster's work, keeps what finished and leaves no process; a running scheduler's workers
are used (and their ccsim version checked), and an unreachable one is one line.

Needs ``distributed`` (``pip install -e '.[test]'`` installs it): without it these tests
fail, they are not skipped.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from distributed import LocalCluster

from sim.core.scenario import erlang_scenario
from sim.experiment import executors
from sim.experiment.executors import ExecutorError, dask_pool
from sim.experiment.replications import run_replications
from sim.experiment.tables import replication_table

SMALL = [
    "scenario=erlang",
    "scenario.hours=1",
    "run.replications=2",
    "policies=[none,overtime]",
    "run.workers=1",
]
TABLES = ("summary.csv", "intervals.csv", "comparison.csv", "replications.csv", "actions.csv")


def _start(args: list[str], cwd: Path) -> subprocess.Popen:
    """``python -m sim ARGS`` in a session of its own (its process group is its workers)."""
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    env["MPLBACKEND"] = "Agg"
    return subprocess.Popen(
        [sys.executable, "-m", "sim", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        # A shell may start background jobs with SIGINT ignored; a user's terminal does not.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _group_gone(pgid: int, seconds: float) -> list[str]:
    """The processes left in group ``pgid`` after waiting up to ``seconds`` for them to end."""
    deadline = time.monotonic() + seconds
    while True:
        left = subprocess.run(["pgrep", "-g", str(pgid)], capture_output=True, text=True)
        pids = left.stdout.split()
        if not pids or time.monotonic() > deadline:
            return pids
        time.sleep(0.1)


def test_dask_writes_the_tables_of_the_local_pool(tmp_path):
    """The same seeds per replication, whoever runs it: byte-identical tables."""
    runs = {
        "local": _start([*SMALL, f"hydra.run.dir={tmp_path / 'local'}"], tmp_path),
        "dask": _start(
            [*SMALL, "run.executor=dask", f"hydra.run.dir={tmp_path / 'dask'}"], tmp_path
        ),
    }
    outputs = {name: proc.communicate(timeout=120)[0] for name, proc in runs.items()}
    for name, proc in runs.items():
        assert proc.returncode == 0, outputs[name]
        assert "Traceback" not in outputs[name]
    assert "run.executor = dask: 1 workers on a local cluster" in outputs["dask"]
    assert "distributed" not in outputs["dask"]  # Dask's own logging stays quiet
    assert _group_gone(runs["dask"].pid, 10) == []
    for table in TABLES:
        local = (tmp_path / "local" / table).read_bytes()
        assert (tmp_path / "dask" / table).read_bytes() == local, table
    assert len(list((tmp_path / "dask" / "parts").glob("*.json"))) == 4  # written by the parent


@pytest.mark.slow
def test_ctrl_c_cancels_the_cluster_and_keeps_finished_replications(tmp_path):
    """Ctrl-C in a terminal reaches the whole process group: the workers leave it to the
    parent, which cancels their tasks, closes the cluster, writes the tables of the saved
    replications and exits 130; no process is left."""
    run_dir = tmp_path / "run"
    args = ["scenario=erlang", "scenario.hours=100", "run.replications=48", "policies=[none]"]
    proc = _start(
        [*args, "run.executor=dask", "run.workers=2", f"hydra.run.dir={run_dir}"], tmp_path
    )
    deadline = time.monotonic() + 120
    while len(list((run_dir / "parts").glob("*.json"))) < 2:
        assert proc.poll() is None, proc.communicate()[0]
        assert time.monotonic() < deadline, "no replication finished in time"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, output
    assert "Traceback" not in output and "Exception ignored" not in output, output
    assert _group_gone(proc.pid, 10) == []
    saved = len(list((run_dir / "parts").glob("*.json")))
    assert 2 <= saved < 48
    assert set(pd.read_csv(run_dir / "summary.csv")["replications"]) == {saved}
    assert not (run_dir / "complete").exists()


@pytest.fixture(scope="module")
def scheduler():
    """A running Dask scheduler with one worker process, as ``dask scheduler`` and
    ``dask worker`` would start on a cluster."""
    with LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
    ) as cluster:
        yield cluster


def test_a_running_scheduler_runs_the_replications_and_stays_up(scheduler):
    scenario = erlang_scenario(200.0, 180.0, 14, hours=1.0)
    here = run_replications(scenario, ["none", "overtime"], 3, 7)
    with dask_pool(address=scheduler.scheduler_address) as pool:
        assert pool.workers == 1
        there = run_replications(scenario, ["none", "overtime"], 3, 7, pool=pool)
    assert replication_table(there).equals(replication_table(here))
    assert len(scheduler.scheduler_info["workers"]) == 1  # not ours to close


def test_workers_of_another_ccsim_version_are_refused(scheduler, monkeypatch):
    monkeypatch.setattr(executors, "ccsim_version", lambda: "0.0.0+other")
    with pytest.raises(ExecutorError, match=r"worker tcp://.* has ccsim .*, this process 0\.0\.0"):
        with dask_pool(address=scheduler.scheduler_address):
            pass


def test_an_unreachable_scheduler_is_one_line(monkeypatch):
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", 1.0)
    with pytest.raises(ExecutorError) as info:
        with dask_pool(address="tcp://127.0.0.1:1"):
            pass
    message = str(info.value)
    assert message.startswith("run.dask_address = 'tcp://127.0.0.1:1': no Dask scheduler")
    assert "\n" not in message
