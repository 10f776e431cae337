"""The policy comparison from the command line: comparison.csv pairs the policies day by day,
and run.target_precision adds replications until the paired service-level CI is narrow enough
(or the cap is reached)."""

from __future__ import annotations

import ccsim_process
import pandas as pd

COMMON = (
    "scenario=erlang",
    "scenario.hours=2",
    "scenario.warmup_hours=0",
    "scenario.agents=12",
    "scenario.patience_seconds=200",
    "run.workers=1",
    "policies=[none,overtime]",
    "policy.overtime.check_interval_minutes=10",
)


def _run(tmp_path, *args):
    out = tmp_path / "run"
    done = ccsim_process.run([*COMMON, *args, f"hydra.run.dir={out}"], cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr + done.stdout
    return out, done.stdout + done.stderr


def test_target_precision_adds_replications_up_to_the_cap(tmp_path):
    """An unreachable precision (0.0001 = a hundredth of a point) runs to max_replications."""
    out, log = _run(
        tmp_path, "run.replications=3", "run.target_precision=0.0001", "run.max_replications=7"
    )
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["replications"]) == {7}
    assert "run.max_replications = 7 reached" in log
    comparison = pd.read_csv(out / "comparison.csv")
    total = comparison[(comparison["contact_type"] == "all") & (comparison["group"] == "all")]
    assert list(total["policy"]) == ["overtime"] and list(total["baseline"]) == ["none"]
    assert int(total["replications"].iloc[0]) == 7
    # The paired difference is the mean of the per-day differences in replications.csv.
    reps = pd.read_csv(out / "replications.csv")
    reps = reps[(reps["contact_type"] == "all") & (reps["group"] == "all")]
    by_policy = reps.pivot(index="replication", columns="policy", values="service_level")
    expected = (by_policy["overtime"] - by_policy["none"]).mean()
    assert abs(total["diff_service_level"].iloc[0] - expected) < 1e-12


def test_a_reached_precision_stops_at_once(tmp_path):
    """A loose precision (50 points) is met by the first round: no replication is added."""
    out, log = _run(tmp_path, "run.replications=3", "run.target_precision=0.5")
    assert set(pd.read_csv(out / "summary.csv")["replications"]) == {3}
    assert "target precision reached with 3 replications" in log


def test_a_policy_naming_an_unknown_queue_is_refused_before_the_first_event(tmp_path):
    """Checked against the scenario up front: exit 2, the key named, no traceback, no
    replication simulated (no parts/)."""
    out = tmp_path / "run"
    done = ccsim_process.run(
        [
            "scenario=erlang",
            "policies=[none,callback]",
            "policy.callback.contact_types=[nope]",
            f"hydra.run.dir={out}",
        ],
        cwd=tmp_path,
        timeout=300,
    )
    text = done.stdout + done.stderr
    assert done.returncode == 2, text
    assert "policy.callback.contact_types[0] = 'nope'" in done.stderr
    assert "allowed: ['calls']" in done.stderr
    assert "Traceback" not in text
    assert not (out / "parts").exists() and not (out / "manifest.json").exists()
