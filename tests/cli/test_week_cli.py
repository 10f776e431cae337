"""``python -m sim scenario=week``: a week's tables (its intervals end to end), ``days.csv``
with each day, the report's per-day section; a week run resumes from its parts."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import ccsim_process
import pandas as pd
import pytest

DAYS = ["mon", "tue", "wed", "thu", "fri"]


def _sim(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    env["MPLBACKEND"] = "Agg"
    return ccsim_process.run(args, cwd=tmp, env=env, timeout=300)


@pytest.fixture(scope="module")
def week_run(tmp_path_factory):
    """One simulated week under none and overtime, then resumed to two."""
    tmp = tmp_path_factory.mktemp("week")
    folder = tmp / "week"
    common = ["scenario=week", "policies=[none,overtime]", "report.figures=false"]
    first = _sim(tmp, *common, "run.replications=1", f"hydra.run.dir={folder}")
    resumed = _sim(tmp, *common, "run.replications=2", f"run.resume={folder}")
    return folder, first, resumed


def test_a_week_writes_its_days(week_run):
    folder, first, resumed = week_run
    assert first.returncode == 0, first.stderr
    assert resumed.returncode == 0, resumed.stderr
    days = pd.read_csv(folder / "days.csv")
    every = days[(days.contact_type == "all") & (days.group == "all")]
    assert list(every[every.policy == "none"].day) == DAYS
    assert set(every.policy) == {"none", "overtime"}
    assert (days.replications == 2).all()  # the resumed week's parts hold their days
    summary = pd.read_csv(folder / "summary.csv")
    week = summary[(summary.contact_type == "all") & (summary.group == "all")]
    for policy in ("none", "overtime"):
        total = week[week.policy == policy].offered.item()
        assert total == pytest.approx(every[every.policy == policy].offered.sum(), rel=1e-12)
    intervals = pd.read_csv(folder / "intervals.csv")
    labels = intervals[(intervals.policy == "none") & (intervals.contact_type == "all")]
    labels = labels[labels.group == "all"].interval_start.tolist()
    assert len(labels) == 5 * 24 and labels[24] == "tue 08:00" and labels[-1] == "fri 19:30"
    report = (folder / "report.md").read_text()
    assert "## Per day" in report
    assert all(f"| none | {day} |" in report for day in DAYS)
