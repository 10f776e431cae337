"""An interrupted run (Ctrl-C) keeps every finished replication and writes its tables."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

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
