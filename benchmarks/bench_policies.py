"""Cost of the realtime policy machinery on the built-in default day.

CPU seconds per replication (``simulate`` + ``breakdown``) under ``none`` (no machinery at
all), under a policy consulted every 5 minutes that never acts (the price of building the
wallboard view), and under each shipped policy, interleaved over rounds so machine noise
hits all alike. Quote the ratios to ``none`` from one run. A measurement, not a test.

    python benchmarks/bench_policies.py            # 3 rounds x 3 replications
    python benchmarks/bench_policies.py --quick    # 1 round x 1 replication
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout


from sim.cli.app import compose_config  # noqa: E402
from sim.config.run import build_run
from sim.kpi.definitions import breakdown
from sim.model.world import simulate
from sim.policies.base import Policy
from sim.policies.registry import POLICIES, make_policy


class Watching(Policy):
    """Looks at the wallboard every 5 minutes and does nothing."""

    name = "watching"
    description = "builds the view, never acts"


def _default_spec():
    return build_run(compose_config([f"policies=[{','.join(POLICIES)}]"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rounds, reps = (1, 1) if args.quick else (3, 3)
    spec = _default_spec()
    scenario = spec.scenario
    variants = {"none": lambda: None, "watching": Watching}
    variants |= {
        name: (lambda n=name: make_policy(n, spec.policy_params.get(n)))
        for name in POLICIES
        if name != "none"
    }
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, build in variants.items():
            start = time.process_time()
            for r in range(reps):
                for _ in breakdown(
                    simulate(scenario, seed=1, replication=r, policy=build()), scenario
                ):
                    pass
            seconds[name].append((time.process_time() - start) / reps)
    base = statistics.median(seconds["none"])
    print(f"default day, {rounds} rounds x {reps} replications; CPU s per replication")
    print(f"{'policy':18s} {'median s':>9s} {'x none':>7s}")
    for name, values in seconds.items():
        median = statistics.median(values)
        print(f"{name:18s} {median:9.3f} {median / base:7.2f}")


if __name__ == "__main__":
    main()
