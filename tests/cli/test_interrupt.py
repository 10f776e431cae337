"""An interrupted run (Ctrl-C) keeps every finished replication and writes its tables.

The run that gets Ctrl-C is started with :mod:`subprocess` (the signal comes from outside);
the runs that stop or resume without a signal are processes forked from one that has already
imported what a run needs (:mod:`ccsim_process`).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import ccsim_process
import pandas as pd
import pytest


@pytest.mark.parametrize("workers", [1, 2])
def test_ctrl_c_keeps_finished_replications(tmp_path, workers):
    """After SIGINT the run exits 130 and summary.csv counts exactly the replications saved in parts/."""
    run_dir = tmp_path / "run"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sim",
            "scenario=erlang",
            "scenario.hours=400",
            "run.replications=40",
            "policies=[none]",
            "report.figures=false",
            f"run.workers={workers}",
            f"hydra.run.dir={run_dir}",
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # A shell may start background jobs with SIGINT ignored; a user's terminal does not.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 120
    while len(list((run_dir / "parts").glob("*.json"))) < 2:
        assert proc.poll() is None, proc.communicate()[0]
        assert time.monotonic() < deadline, "no replication finished in time"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=120)
    assert proc.returncode == 130, output
    assert "Traceback" not in output
    saved = len(list((run_dir / "parts").glob("*.json")))
    assert 2 <= saved < 40
    summary = pd.read_csv(run_dir / "summary.csv")
    assert set(summary["replications"]) == {saved}
    replications = pd.read_csv(run_dir / "replications.csv")
    totals = replications[
        (replications["contact_type"] == "all") & (replications["group"] == "all")
    ]
    assert len(totals) == saved


def _run(args, cwd):
    return ccsim_process.run(args, cwd=cwd, timeout=300)


def test_resume_completes_an_interrupted_run_identically(tmp_path):
    """A run stopped after some replications and resumed gives byte-identical tables to one
    that ran straight through; only the missing replications are simulated again."""
    common = [
        "scenario=erlang",
        "scenario.hours=4",
        "run.workers=1",
        "policies=[none,overtime]",
        "report.figures=false",  # the tables are compared
    ]
    straight = tmp_path / "straight"
    assert (
        _run([*common, "run.replications=6", f"hydra.run.dir={straight}"], tmp_path).returncode == 0
    )
    partial = tmp_path / "partial"
    assert (
        _run([*common, "run.replications=2", f"hydra.run.dir={partial}"], tmp_path).returncode == 0
    )
    first_parts = {p.name: p.stat().st_mtime_ns for p in (partial / "parts").glob("*.json")}
    resumed = _run(
        [*common, "run.replications=6", f"run.resume={partial}", f"hydra.run.dir={tmp_path / 'x'}"],
        tmp_path,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert "4 replications already done" in resumed.stderr + resumed.stdout
    for name, mtime in first_parts.items():  # finished work was kept, not redone
        assert (partial / "parts" / name).stat().st_mtime_ns == mtime
    for table in ("summary.csv", "replications.csv", "intervals.csv"):
        assert (partial / table).read_bytes() == (straight / table).read_bytes(), table


def test_resume_refuses_another_configuration(tmp_path):
    """Resuming with another seed (or scenario) is refused before anything runs."""
    first = tmp_path / "first"
    common = ["scenario=erlang", "scenario.hours=2", "run.replications=2", "run.workers=1"]
    assert _run([*common, f"hydra.run.dir={first}"], tmp_path).returncode == 0
    again = _run([*common, "run.seed=7", f"run.resume={first}"], tmp_path)
    assert (
        again.returncode == 2 and "run.resume" in again.stderr and "Traceback" not in again.stderr
    )
    missing = _run([*common, f"run.resume={tmp_path / 'nowhere'}"], tmp_path)
    assert missing.returncode == 2 and "manifest.json" in missing.stderr
