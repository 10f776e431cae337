"""Speed and memory of ccsim on the erlang scenario, against minimal SimPy and Ciw.

One run, rounds interleaved (ccsim, SimPy, Ciw, ccsim, ...), CPU time per run from
``time.process_time()``. Reports median contacts per CPU-second, the paired per-round
ratios ccsim/SimPy and ccsim/Ciw (median over rounds), and ccsim's peak traced memory
per recorded contact. A measurement, not a test: it always exits 0.

    python benchmarks/bench_erlang.py            # full run (5 rounds, ~211k contacts/run)
    python benchmarks/bench_erlang.py --quick    # smoke run, a few seconds
"""

from __future__ import annotations

import argparse
import gc
import math
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import ciw
import numpy as np
import simpy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from sim.core.scenario import erlang_scenario
from sim.kpi.definitions import interval_kpis, replication_kpis
from sim.model.world import simulate

AGENTS = 100
AHT = 180.0  # seconds, exponential
CALLS_PER_HOUR = 1900.0  # offered load 95 Erlangs on 100 agents
PATIENCE = 300.0  # seconds, exponential mean (abandonment variant)
CIW_FRACTION = 0.1  # Ciw runs on this fraction of the horizon (it is slow)

GOAL_VS_SIMPY = 1.6
GOAL_VS_CIW = 4.0
GOAL_BYTES = 300.0


# -- the three contenders: each returns the number of contacts it recorded ------------


def run_ccsim(hours: float, warmup: float, patience: float | None, seed: int) -> int:
    """ccsim with records and KPIs on: simulate + replication_kpis + interval_kpis."""
    scenario = erlang_scenario(CALLS_PER_HOUR, AHT, AGENTS, patience, hours, warmup)
    outcome = simulate(scenario, seed)
    replication_kpis(outcome, scenario)
    interval_kpis(outcome, scenario)
    return len(outcome.arrival)


def _call(env, server, handle, patience, waits):
    arrive = env.now
    with server.request() as req:
        if patience is None:
            yield req
        else:
            got = yield req | env.timeout(patience)
            if req not in got:  # abandoned
                waits.append(env.now - arrive)
                return
        waits.append(env.now - arrive)
        yield env.timeout(handle)


def _source(env, server, gaps, handles, patiences, waits):
    for i, gap in enumerate(gaps):
        yield env.timeout(gap)
        env.process(_call(env, server, handles[i], patiences[i], waits))


def run_simpy(hours: float, warmup: float, patience: float | None, seed: int) -> int:
    """Textbook SimPy M/M/c(+M): one process per call on a Resource; pre-drawn times."""
    horizon = (hours + warmup) * 3600.0
    rng = np.random.default_rng(seed)
    mean_n = CALLS_PER_HOUR * horizon / 3600.0
    n = int(mean_n + 10 * math.sqrt(mean_n) + 10)  # enough arrivals to cover the horizon
    gaps = rng.exponential(3600.0 / CALLS_PER_HOUR, n)
    n = int(np.searchsorted(np.cumsum(gaps), horizon))
    gaps = gaps[:n].tolist()
    handles = rng.exponential(AHT, n).tolist()
    patiences = [None] * n if patience is None else rng.exponential(patience, n).tolist()
    env = simpy.Environment()
    server = simpy.Resource(env, capacity=AGENTS)
    waits: list[float] = []
    env.process(_source(env, server, gaps, handles, patiences, waits))
    env.run(until=horizon)
    return len(waits)


def run_ciw(hours: float, warmup: float, patience: float | None, seed: int) -> int:
    """Ciw M/M/c(+M), on CIW_FRACTION of the horizon; contacts = get_all_records() rows."""
    ciw.seed(seed)
    extra = {}
    if patience is not None:
        extra["reneging_time_distributions"] = [ciw.dists.Exponential(1.0 / patience)]
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(CALLS_PER_HOUR / 3600.0)],
        service_distributions=[ciw.dists.Exponential(1.0 / AHT)],
        number_of_servers=[AGENTS],
        **extra,
    )
    q = ciw.Simulation(network)
    q.simulate_until_max_time((hours + warmup) * 3600.0 * CIW_FRACTION)
    return len(q.get_all_records())


CONTENDERS = (("ccsim", run_ccsim), ("simpy", run_simpy), ("ciw", run_ciw))


def timed(fn, *args) -> tuple[int, float]:
    gc.collect()
    t0 = time.process_time()
    n = fn(*args)
    return n, time.process_time() - t0


def peak_bytes_per_contact(hours: float, warmup: float, patience: float | None) -> float:
    """tracemalloc peak over one ccsim simulate + KPIs, per recorded contact."""
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    n = run_ccsim(hours, warmup, patience, seed=12345)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak / n


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def bench_case(label: str, patience, hours, warmup, rounds) -> None:
    rates: dict[str, list[float]] = {name: [] for name, _ in CONTENDERS}
    counts: dict[str, list[int]] = {name: [] for name, _ in CONTENDERS}
    vs_simpy, vs_ciw = [], []
    print(f"\n== {label} ==")
    print(
        f"{'round':>5} "
        + " ".join(f"{name + ' c/cpu-s':>16}" for name, _ in CONTENDERS)
        + f" {'ccsim/simpy':>12} {'ccsim/ciw':>10}"
    )
    for r in range(rounds):
        row = {}
        for name, fn in CONTENDERS:
            n, cpu = timed(fn, hours, warmup, patience, 1000 + r)
            row[name] = n / cpu
            rates[name].append(n / cpu)
            counts[name].append(n)
        vs_simpy.append(row["ccsim"] / row["simpy"])
        vs_ciw.append(row["ccsim"] / row["ciw"])
        print(
            f"{r + 1:>5} "
            + " ".join(f"{row[name]:>16,.0f}" for name, _ in CONTENDERS)
            + f" {vs_simpy[-1]:>11.2f}x {vs_ciw[-1]:>9.2f}x"
        )
    med = {name: statistics.median(v) for name, v in rates.items()}
    print(
        f"{'med':>5} "
        + " ".join(f"{med[name]:>16,.0f}" for name, _ in CONTENDERS)
        + f" {statistics.median(vs_simpy):>11.2f}x {statistics.median(vs_ciw):>9.2f}x"
    )
    print(
        "contacts/run (median): "
        + ", ".join(f"{name} {int(statistics.median(c)):,}" for name, c in counts.items())
    )
    bpc = peak_bytes_per_contact(hours, warmup, patience)
    rs, rc = statistics.median(vs_simpy), statistics.median(vs_ciw)
    print(f"goal ccsim/simpy >= {GOAL_VS_SIMPY:.1f}x : {rs:6.2f}x  {verdict(rs >= GOAL_VS_SIMPY)}")
    print(f"goal ccsim/ciw   >= {GOAL_VS_CIW:.1f}x : {rc:6.2f}x  {verdict(rc >= GOAL_VS_CIW)}")
    print(
        f"goal ccsim peak  <= {GOAL_BYTES:.0f} B/contact : {bpc:6.0f} B  "
        f"{verdict(bpc <= GOAL_BYTES)}  (tracemalloc, simulate + KPIs)"
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--rounds", type=int, default=None, help="interleaved rounds (default 5; 2 with --quick)"
    )
    ap.add_argument("--quick", action="store_true", help="tiny smoke run")
    args = ap.parse_args(argv)
    hours, warmup = (5.0, 1.0) if args.quick else (110.0, 1.0)
    rounds = args.rounds or (2 if args.quick else 5)

    print(
        f"python {platform.python_version()} ({platform.python_implementation()}), "
        f"numpy {np.__version__}, simpy {simpy.__version__}, ciw {ciw.__version__}"
    )
    print(
        f"case: M/M/{AGENTS}, {CALLS_PER_HOUR:g} calls/h, AHT {AHT:g} s exp "
        f"(load {CALLS_PER_HOUR * AHT / 3600:g} Erl), {hours:g} h + {warmup:g} h warm-up, "
        f"{rounds} interleaved rounds, CPU time = time.process_time()"
    )
    print(
        f"ccsim = simulate + replication_kpis + interval_kpis; simpy = textbook Resource "
        f"model; ciw on {CIW_FRACTION:g} of the horizon (contacts per CPU-second is "
        f"size-independent enough)"
    )
    print(
        "contacts: ccsim all arrivals; simpy calls with a recorded wait; "
        "ciw get_all_records() rows (served + reneged)"
    )
    wall = time.perf_counter()
    bench_case("no abandonment (M/M/c)", None, hours, warmup, rounds)
    bench_case(
        f"abandonment, exp patience mean {PATIENCE:g} s (M/M/c+M)", PATIENCE, hours, warmup, rounds
    )
    print(f"\nwall time {time.perf_counter() - wall:.0f} s; quote figures as ratios from one run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
