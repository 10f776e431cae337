"""Speed of skill-based routing: a 12-hour day, 20 contact types, 20 agent groups.

Seconds per replication (``simulate`` + ``breakdown``, KPIs on) for N total agents, with
the volume scaled with N (N = 1000 -> ~150k contacts), and how the time grows from
N = 100 to N = 1000 (near-linear in contacts means microseconds per contact stay flat).
Then one N = 1000 replication per routing rule. A measurement, not a test: it always
exits 0.

    python benchmarks/bench_skills.py             # full run (N = 100, 250, 500, 1000; 3 rounds)
    python benchmarks/bench_skills.py --quick     # smoke run, a few seconds
    python benchmarks/bench_skills.py --profile   # also cProfile one replication at the largest N
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import gc
import io
import math
import platform
import pstats
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import simpy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

import sim  # noqa: E402
from sim.analytic import required_agents
from sim.core.distributions import Distribution
from sim.core.scenario import (
    AGENT_SELECTION_RULES,
    CONTACT_SELECTION_RULES,
    AgentGroup,
    ContactType,
    Routing,
    Scenario,
    ServiceLevel,
    Skill,
)
from sim.kpi.definitions import breakdown
from sim.model.world import simulate

TYPES = 20  # voice contact types; group g has type g as its primary skill
INTERVAL = 1800.0  # seconds
INTERVALS = 24  # 12 hours, 08:00-20:00
START_CLOCK = 8 * 3600.0
AHT = 250.0  # seconds, lognormal mean (see OCCUPANCY)
AHT_CV = 1.0
PATIENCE = 180.0  # seconds, exponential mean
OCCUPANCY = 0.87  # offered work / logged-in time; with AHT 250 s: 150 contacts/agent/day
SL_THRESHOLD, SL_TARGET = 20.0, 0.8
SECONDARY_PROFICIENCY = 1.1

GOAL_N = 1000
GOAL_SECONDS = 10.0


# -- the scenario ------------------------------------------------------------------------


def intraday_curve(shift_hours: float = 0.0) -> np.ndarray:
    """Share of a day's contacts per 30-min interval (08:00-20:00): a morning peak, a
    smaller afternoon peak and a quiet evening (peak 1.4x, trough 0.46x the day's mean),
    shifted by ``shift_hours``; sums to 1."""
    hour = 8.0 + (np.arange(INTERVALS) + 0.5) * INTERVAL / 3600.0 - shift_hours
    w = (
        0.7
        + 0.6 * np.exp(-(((hour - 10.5) / 1.6) ** 2))
        + 0.45 * np.exp(-(((hour - 14.5) / 1.8) ** 2))
        - 0.1 * np.clip(hour - 17.0, 0.0, None)
    )
    w = np.clip(w, 0.05, None)
    return w / w.sum()


def type_shares() -> np.ndarray:
    """Share of the day's contacts per type: a few big queues, a long tail of small ones."""
    s = 1.0 / (np.arange(TYPES) + 2.0) ** 0.7
    return s / s.sum()


def skill_sets() -> list[list[tuple[int, int, float]]]:
    """Per group: (type, level, proficiency). Primary type g at level 1; the next type in
    a chain at level 2; every even group also type g + 7 at level 2. So every type has
    at least 2 groups (its own and the previous one), some 3."""
    sets = []
    for g in range(TYPES):
        skills = [(g, 1, 1.0), ((g + 1) % TYPES, 2, SECONDARY_PROFICIENCY)]
        if g % 2 == 0:
            skills.append(((g + 7) % TYPES, 2, SECONDARY_PROFICIENCY))
        sets.append(skills)
    return sets


@functools.cache
def demand(agents: int, aht: float) -> tuple[np.ndarray, np.ndarray]:
    """Forecast and staffing tables (types x intervals) for ``agents`` agents on average.

    Volume: ``agents * 12 h * OCCUPANCY / aht`` contacts (150 per agent at the defaults),
    split over types by :func:`type_shares` and over intervals by each type's (slightly
    shifted) intraday curve. Staffing: Erlang A agents per type and interval for SL 80/20
    (``required_agents``), given to the type's primary group, then scaled so that the
    day's average total is ``agents``: offered load / agents is OCCUPANCY at every N.
    """
    day_contacts = agents * INTERVALS * INTERVAL * OCCUPANCY / aht
    shares = type_shares()
    forecasts = np.array(
        [
            day_contacts * shares[k] * intraday_curve(shift_hours=0.25 * ((k % 5) - 2))
            for k in range(TYPES)
        ]
    )
    need = np.array(
        [
            [
                required_agents(f / INTERVAL, aht, SL_THRESHOLD, SL_TARGET, PATIENCE)
                if f > 0
                else 0
                for f in forecast
            ]
            for forecast in forecasts
        ],
        dtype=float,
    )
    scale = agents * INTERVALS / need.sum()
    return forecasts, np.maximum(1, np.rint(need * scale)).astype(int)


def build_scenario(
    agents: int,
    agent_rule: str = "longest_idle",
    contact_rule: str = "preference",
    aht: float = AHT,
) -> Scenario:
    """The day for ``agents`` agents on average over the day (see :func:`demand`)."""
    forecasts, staffing = demand(agents, aht)
    names = [f"t{k:02d}" for k in range(TYPES)]
    types = tuple(
        ContactType(
            names[k],
            tuple(float(x) for x in forecasts[k]),
            Distribution("lognormal", aht, AHT_CV),
            patience=Distribution.exponential(PATIENCE),
            service_level=ServiceLevel(SL_THRESHOLD, SL_TARGET),
        )
        for k in range(TYPES)
    )
    groups = tuple(
        AgentGroup(
            f"g{g:02d}",
            tuple(int(x) for x in staffing[g]),
            tuple(Skill(names[k], prof, level) for k, level, prof in skills),
        )
        for g, skills in enumerate(skill_sets())
    )
    return Scenario(
        f"skills-{agents}",
        INTERVAL,
        types,
        groups,
        routing=Routing(agent_rule, contact_rule),
        start_clock_seconds=START_CLOCK,
        description=f"{TYPES} voice types, {TYPES} groups, {agents} agents on average",
    )


# -- timing ------------------------------------------------------------------------------


def replicate(scenario: Scenario, replication: int) -> tuple[int, float, float, dict]:
    """One timed replication: simulate + every breakdown. (contacts, cpu s, wall s, KPIs)."""
    gc.collect()
    c0, w0 = time.process_time(), time.perf_counter()
    outcome = simulate(scenario, seed=1, replication=replication)
    rows = list(breakdown(outcome, scenario))
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    return len(outcome.arrival), cpu, wall, rows[0][2]  # rows[0]: all types, all groups


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def bench_sizes(sizes: list[int], rounds: int, aht: float) -> dict[int, float]:
    print(
        f"\n== seconds per replication vs agents (median of {rounds}; longest_idle + preference) =="
    )
    print(
        f"{'agents':>6} {'avg/peak':>9} {'contacts':>9} {'cpu s':>7} {'wall s':>7} "
        f"{'us/contact':>10} {'x contacts':>10} {'x cpu s':>8} {'x us/c':>7}  "
        f"{'SL':>5} {'aband':>5} {'occ':>5}"
    )
    base = None
    med_cpu: dict[int, float] = {}
    for n in sizes:
        scenario = build_scenario(n, aht=aht)
        peak = max(scenario.staffing_total())
        avg = sum(scenario.staffing_total()) / scenario.intervals
        runs = [replicate(scenario, r) for r in range(rounds)]
        contacts = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        wall = statistics.median(r[2] for r in runs)
        kpis = runs[0][3]
        med_cpu[n] = cpu
        if base is None:
            base = (contacts, cpu)
        xc, xs = contacts / base[0], cpu / base[1]
        print(
            f"{n:>6} {avg:>4.0f}/{peak:<4d} {contacts:>9,.0f} {cpu:>7.2f} {wall:>7.2f} "
            f"{1e6 * cpu / contacts:>10.1f} {xc:>9.2f}x {xs:>7.2f}x {xs / xc:>6.2f}x  "
            f"{kpis['service_level']:>5.2f} {kpis['abandon_rate']:>5.3f} {kpis['occupancy']:>5.2f}"
        )
        if n == sizes[-1] and len(sizes) > 1 and xc > 1:
            print(
                f"growth: cpu s ~ contacts^{math.log(xs) / math.log(xc):.2f} "
                f"from N={sizes[0]} to N={n} (1.00 = linear)"
            )
    return med_cpu


def bench_rules(n: int, aht: float) -> None:
    print(f"\n== one replication per routing rule at N={n} (cpu s, wall s) ==")
    combos = [(a, "preference") for a in AGENT_SELECTION_RULES] + [
        ("longest_idle", c) for c in CONTACT_SELECTION_RULES if c != "preference"
    ]
    for agent_rule, contact_rule in combos:
        scenario = build_scenario(n, agent_rule, contact_rule, aht)
        contacts, cpu, wall, kpis = replicate(scenario, 0)
        print(
            f"{agent_rule:>16} + {contact_rule:<17} {contacts:>9,} contacts "
            f"{cpu:>7.2f} {wall:>7.2f}  {1e6 * cpu / contacts:>6.1f} us/contact  "
            f"SL {kpis['service_level']:.2f}"
        )


def profile(n: int, aht: float) -> None:
    scenario = build_scenario(n, aht=aht)
    prof = cProfile.Profile()
    prof.enable()
    outcome = simulate(scenario, seed=1, replication=0)
    list(breakdown(outcome, scenario))
    prof.disable()
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats(key).print_stats(15)
        print(f"\n== cProfile, N={n}, top 15 by {key} ==")
        text = out.getvalue()
        print(text[text.find("ncalls") :].rstrip())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--agents",
        default=None,
        help="comma-separated total agents N (default 100,250,500,1000; 50,100 with --quick)",
    )
    ap.add_argument(
        "--rounds", type=int, default=None, help="runs per N (default 3; 1 with --quick)"
    )
    ap.add_argument("--quick", action="store_true", help="tiny smoke run")
    ap.add_argument("--no-rules", action="store_true", help="skip the per-rule runs")
    ap.add_argument("--profile", action="store_true", help="cProfile one run at the largest N")
    ap.add_argument("--aht", type=float, default=AHT, help=f"mean handle time, s (default {AHT:g})")
    args = ap.parse_args(argv)
    default_sizes = "50,100" if args.quick else "100,250,500,1000"
    sizes = sorted(int(x) for x in (args.agents or default_sizes).split(","))
    rounds = args.rounds or (1 if args.quick else 3)

    print(
        f"python {platform.python_version()} ({platform.python_implementation()}), "
        f"numpy {np.__version__}, simpy {simpy.__version__}, ccsim {sim.__version__}"
    )
    print(
        f"case: {TYPES} voice types, {TYPES} groups (primary skill + 1-2 secondary at "
        f"proficiency {SECONDARY_PROFICIENCY:g}), {INTERVALS} x {INTERVAL / 60:g} min, "
        f"lognormal AHT {args.aht:g} s cv {AHT_CV:g}, exp patience {PATIENCE:g} s, "
        f"load/agents {OCCUPANCY:g} ({INTERVALS * INTERVAL * OCCUPANCY / args.aht:.0f} "
        "contacts per agent)"
    )
    print(
        "timed: simulate + breakdown (every KPI per type, per group, per interval); "
        "cpu = time.process_time(), wall = perf_counter()"
    )
    wall = time.perf_counter()
    med_cpu = bench_sizes(sizes, rounds, args.aht)
    if GOAL_N in med_cpu:
        s = med_cpu[GOAL_N]
        print(
            f"goal <= {GOAL_SECONDS:g} s per replication at N={GOAL_N}: "
            f"{s:.2f} cpu s  {verdict(s <= GOAL_SECONDS)}"
        )
    else:
        print(f"goal <= {GOAL_SECONDS:g} s per replication at N={GOAL_N}: not measured")
    if not args.no_rules:
        bench_rules(GOAL_N if GOAL_N in sizes else sizes[-1], args.aht)
    if args.profile:
        profile(sizes[-1], args.aht)
    print(f"\nwall time {time.perf_counter() - wall:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
