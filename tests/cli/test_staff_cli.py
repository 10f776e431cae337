"""``python -m sim mode=staff`` writes the required and solved staffing, the gap heatmap
and the report section."""

from __future__ import annotations

import math
import os
from pathlib import Path

import ccsim_process
import pandas as pd

from sim.experiment.staffing_solver import REQUIRED_COLUMNS, VERIFICATION_COLUMNS

PROJECT = Path(__file__).resolve().parents[2]


def test_staff_mode_writes_its_files(tmp_path):
    out = tmp_path / "staff"
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    env["MPLBACKEND"] = "Agg"
    args = [
        "mode=staff",
        "scenario=erlang",
        "scenario.hours=1",
        "scenario.warmup_hours=0",
        "run.replications=4",
        "staffing.verify_replications=3",
        "staffing.shrinkage=0.25",
        "run.workers=1",
        f"hydra.run.dir={out}",
    ]
    proc = ccsim_process.run(args, cwd=tmp_path, env=env, timeout=120)
    output = proc.stderr + proc.stdout
    assert proc.returncode == 0, output
    assert "Traceback" not in output
    required = pd.read_csv(out / "staffing_required.csv")
    assert list(required.columns) == REQUIRED_COLUMNS
    assert len(required) == 4  # one row per 15-minute interval of the measured hour
    assert (required["gap"] == required["scheduled_agents"] - required["required_agents"]).all()
    solved = pd.read_csv(out / "staffing_solved.csv")
    assert list(solved.columns) == ["interval_start", "agents"]
    assert solved["agents"].tolist() == required["required_agents"].tolist()
    assert (
        required["required_gross_agents"] == (required["required_agents"] / 0.75).apply(math.ceil)
    ).all()
    verification = pd.read_csv(out / "staffing_verification.csv")
    assert list(verification.columns) == VERIFICATION_COLUMNS
    assert verification["interval_start"].tolist() == ["day", *required["interval_start"]]
    assert (out / "figures" / "staffing_gap.png").stat().st_size > 0
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## Required against scheduled" in report
    assert "| required (simulated) |" in report
    assert "| required, grossed up for 25% shrinkage |" in report
    assert "## Verification on fresh days" in report
    assert "simulated on 3 days the search never saw" in report
    assert (out / "complete").is_file()
