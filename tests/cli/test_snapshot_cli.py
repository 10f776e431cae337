"""``run.snapshot_at`` writes each baseline day's state; ``scenario.snapshot_file`` continues
a day from one, policies acting from that moment and compared paired; a snapshot that
contradicts itself is refused with its file, before anything is simulated."""

from __future__ import annotations

import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import ccsim_process
import pandas as pd
import pytest

AT_SECONDS = 3 * 3600 + 20 * 60  # 11:20 on the default day, which starts at 08:00


def _sim(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    env["MPLBACKEND"] = "Agg"
    return ccsim_process.run(args, cwd=tmp, env=env, timeout=180)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Three runs: the day with snapshots at 11:20 next to a contradictory snapshot's
    refusal, then a day continued from the first run's replication 1 under none and
    overtime."""
    tmp = tmp_path_factory.mktemp("snapshot")
    first, bad_run, continued = tmp / "first", tmp / "bad", tmp / "continued"
    quick = ["run.replications=3", "report.figures=false", "scenario.allow_outside_paths=true"]
    bad = tmp / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "format": "ccsim-snapshot-1",
                "clock": "11:20",
                "groups": {
                    name: {"logged_in": 1, "busy": busy}
                    for name, busy in [
                        (
                            "sales",
                            [{"contacts": [{"contact_type": "sales", "seconds_in_contact": 5}]}]
                            * 2,
                        ),
                        ("service", []),
                        ("billing", []),
                        ("bilingual", []),
                        ("digital", []),
                    ]
                },
            }
        )
    )
    with ThreadPoolExecutor(max_workers=2) as pool:
        written = pool.submit(
            _sim, tmp, "policies=none", "run.snapshot_at=11:20", *quick, f"hydra.run.dir={first}"
        )
        refused = pool.submit(
            _sim, tmp, f"scenario.snapshot_file={bad}", *quick, f"hydra.run.dir={bad_run}"
        )
        out = {"first": (first, written.result()), "bad": (bad_run, refused.result())}
    snapshot = first / "snapshots" / "replication-0001.json"
    out["continued"] = (
        continued,
        _sim(
            tmp,
            "policies=[none,overtime]",
            f"scenario.snapshot_file={snapshot}",
            *quick,
            f"hydra.run.dir={continued}",
        ),
    )
    return out


def test_snapshot_at_writes_each_days_state(runs):
    folder, proc = runs["first"]
    assert proc.returncode == 0, proc.stderr
    files = sorted(p.name for p in (folder / "snapshots").iterdir())
    assert files == [f"replication-{r:04d}.json" for r in range(3)]
    doc = json.loads((folder / "snapshots" / "replication-0001.json").read_text())
    assert doc["format"] == "ccsim-snapshot-1" and doc["clock"] == "11:20"
    assert doc["waiting"] and all(0 <= w["waited_seconds"] <= AT_SECONDS for w in doc["waiting"])
    logged_in = sum(g["logged_in"] for g in doc["groups"].values())
    busy = sum(len(g["busy"]) for g in doc["groups"].values())
    assert 0 < busy <= logged_in
    # The figures so far cover the seven intervals begun before 11:20, per type and group.
    starts = {row["interval_start"] for row in doc["actuals"]["contact_types"]}
    assert starts == {f"{8 + k // 2:02d}:{30 * (k % 2):02d}" for k in range(7)}


def test_a_continued_day_keeps_the_morning_and_lets_policies_act_from_the_moment(runs):
    folder, proc = runs["continued"]
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((runs["first"][0] / "snapshots" / "replication-0001.json").read_text())
    intervals = pd.read_csv(folder / "intervals.csv")
    every = intervals[(intervals.contact_type == "all") & (intervals.group == "all")]
    offered_before = (
        pd.DataFrame(doc["actuals"]["contact_types"]).groupby("interval_start")["offered"].sum()
    )
    for policy in ("none", "overtime"):
        mine = every[every.policy == policy].set_index("interval_start")
        # Intervals that ended before 11:20: the snapshot's own figures, the same every day.
        for start in ("08:00", "09:30", "10:30"):
            assert mine.loc[start, "offered"] == offered_before[start]
            assert mine.loc[start, "offered_ci_low"] == mine.loc[start, "offered_ci_high"]
    actions = pd.read_csv(folder / "actions.csv")
    assert len(actions) and (actions.decided_at >= AT_SECONDS).all()
    comparison = pd.read_csv(folder / "comparison.csv")
    assert "overtime" in set(comparison.policy)
    assert "Continues the day from a snapshot at 11:20" in (folder / "report.md").read_text()


def test_a_snapshot_with_more_busy_agents_than_logged_in_is_refused(runs):
    folder, proc = runs["bad"]
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "bad.json" in proc.stderr
    assert "groups.sales: 2 busy and 0 away agents, but logged_in = 1" in proc.stderr
    assert not (folder / "parts").exists()
