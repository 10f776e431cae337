"""How competent the simulated realtime analyst is: the review figures, on the shipped scenarios.

For each scenario, every policy runs the same simulated days (common random numbers) and
this prints, per policy: actions a day, the day's service level change from ``none`` with
its paired 95% CI, the cost change, cost per point, and the most changes of one target in a
day (flapping). Then the review's checks:

* ``erlang`` (staffed exactly to 80/20): actions a day of ``overtime``, ``vto``, ``analyst``;
* ``mailing_surge``: the share of overtime money (premiums booked, by decision time) that
  ``overtime`` and ``analyst`` decide before the day's letter calls begin;
* ``analyst`` against ``none`` and against the best single policy; ``oracle`` against
  ``analyst`` (paired CI of the difference).

A measurement, not a test (tests/integration/test_analyst_review.py asserts the thresholds
on fewer days); it always exits 0.

    python benchmarks/bench_analyst.py                  # 20 days per scenario and policy
    python benchmarks/bench_analyst.py --days 40 --scenarios mailing_surge default
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from sim.core.streams import Streams
from sim.experiment.comparison import compare_policies
from sim.experiment.replications import run_replications
from sim.experiment.tables import action_table, replication_table
from sim.model.demand import realise_demand

SCENARIOS = (
    "default",
    "erlang",
    "mailing_surge",
    "training_peak",
    "monday_no_show",
    "telephony_outage",
)
SINGLE = (
    "overtime",
    "vto",
    "cancel_offphone",
    "delay_breaks",
    "move_agents",
    "overflow_partner",
    "callback",
)
POLICIES = ("none", *SINGLE, "playbook", "analyst", "oracle")
SEED = 20261123


def load(scenario: str):
    """The shipped scenario as ``python -m sim scenario=<name>`` builds it."""
    from sim.cli.app import compose_config
    from sim.config.run import build_run

    return build_run(compose_config([f"scenario={scenario}"])).scenario


def letter_starts(scenario, days: int) -> dict[int, float]:
    """Per day, when the first surge's window begins (seconds from time 0)."""
    starts = {}
    for r in range(days):
        windows = realise_demand(scenario, Streams(SEED, r)).surge_windows
        first = [w for w in windows if w.surge == 0]
        if first:
            starts[r] = first[0].start * scenario.interval_seconds
    return starts


def review(name: str, days: int, workers: int) -> dict:
    """Run every policy on ``days`` days of scenario ``name``; print and return figures."""
    scenario = load(name)
    began = time.perf_counter()
    results = run_replications(scenario, POLICIES, days, SEED, workers=workers)
    seconds = time.perf_counter() - began
    table = replication_table(results)
    actions = action_table(scenario, results)
    whole = table[(table.contact_type == "all") & (table.group == "all")]
    diff = compare_policies(whole, baseline="none")
    per_policy = []
    for policy in POLICIES:
        mine = actions[actions.policy == policy]
        row = {"policy": policy, "actions_a_day": len(mine) / days}
        row["max_changes_of_one_target"] = (
            int(mine.groupby(["replication", "target"]).size().max()) if len(mine) else 0
        )
        if policy != "none":
            d = diff[diff.policy == policy].iloc[0]
            row["sl_points"] = 100 * d.diff_service_level
            row["sl_ci"] = (100 * d.diff_service_level_ci_low, 100 * d.diff_service_level_ci_high)
            row["cost"] = d.diff_cost
            row["cost_per_point"] = (
                d.diff_cost / row["sl_points"] if row["sl_points"] > 0 else float("nan")
            )
        per_policy.append(row)
    print(f"\n## {name}: {days} days x {len(POLICIES)} policies in {seconds:.0f} s wall")
    frame = pd.DataFrame(per_policy).set_index("policy")
    with pd.option_context("display.width", 200, "display.precision", 2):
        print(frame.to_string())
    out = {"scenario": name, "table": frame}
    if name == "mailing_surge":
        starts = letter_starts(scenario, days)
        for policy in ("overtime", "analyst", "oracle"):
            money = actions[(actions.policy == policy) & (actions.action == "call_overtime")]
            early = money[money.decided_at < money.replication.map(starts)]
            total = money.cost.sum()
            share = early.cost.sum() / total if total else float("nan")
            out[f"{policy}_share_before_letter"] = share
            print(
                f"{policy}: {100 * share:.0f}% of {total / days:.0f} EUR a day of overtime "
                f"premiums decided before the letter's calls begin"
            )
    versus = compare_policies(whole[whole.policy.isin(["analyst", "oracle"])], baseline="analyst")
    v = versus.iloc[0]
    print(
        f"oracle - analyst: {100 * v.diff_service_level:+.2f} points "
        f"[{100 * v.diff_service_level_ci_low:+.2f}, {100 * v.diff_service_level_ci_high:+.2f}]"
    )
    singles = frame.loc[[p for p in SINGLE if p in frame.index]]
    best = singles.sl_points.idxmax()
    print(
        f"best single policy: {best} {singles.sl_points[best]:+.2f} points at "
        f"{singles.cost_per_point[best]:.0f} EUR a point; analyst "
        f"{frame.sl_points['analyst']:+.2f} at {frame.cost_per_point['analyst']:.0f} EUR a point"
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--scenarios", nargs="*", default=list(SCENARIOS))
    args = parser.parse_args()
    for name in args.scenarios:
        review(name, args.days, args.workers)


if __name__ == "__main__":
    main()
