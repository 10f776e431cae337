"""``python -m sim mode=plan`` writes plan.csv, the frontier figure and the finance section;
a bad plan is refused before anything is simulated."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import ccsim_process
import pandas as pd

from sim.experiment.hiring_plan import PLAN_COLUMNS

PROJECT = Path(__file__).resolve().parents[2]


def _sim(tmp_path: Path, *overrides: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    env["MPLBACKEND"] = "Agg"
    return ccsim_process.run(["scenario=erlang", *overrides], cwd=tmp_path, env=env, timeout=120)


def test_plan_mode_writes_the_frontier(tmp_path):
    out = tmp_path / "plan"
    proc = _sim(
        tmp_path,
        "mode=plan",
        "scenario.hours=1",
        "scenario.warmup_hours=0",
        "plan.scales=[0.9,1.0,1.1]",
        "run.replications=2",
        "run.workers=1",
        f"hydra.run.dir={out}",
    )
    output = proc.stderr + proc.stdout
    assert proc.returncode == 0, output
    assert "Traceback" not in output
    plan = pd.read_csv(out / "plan.csv")
    assert list(plan.columns) == PLAN_COLUMNS
    assert plan["variant"].tolist() == ["x0.9", "x1", "x1.1"]
    assert plan["fte"].is_monotonic_increasing
    assert (out / "figures" / "frontier.png").stat().st_size > 0
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## For finance" in report
    assert "Assumptions:" in report
    assert (out / "complete").is_file()


def test_bad_plan_is_refused_before_simulating(tmp_path):
    out = tmp_path / "bad"
    proc = _sim(tmp_path, "mode=plan", "plan.scales=[0,1.0]", f"hydra.run.dir={out}")
    assert proc.returncode == 2
    assert "plan.scales[0] = 0.0: must be a number > 0" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not (out / "plan.csv").exists()
