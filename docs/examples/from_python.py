"""From Python, without Hydra: build a scenario, simulate it, summarise it, check it against Erlang C.

A single voice queue, 200 calls per hour, exponential talk time of 180 s (10 Erlangs),
nobody abandons, constant staffing: the M/M/n queue of Erlang C. The scenario is built
from its parts (``ContactType``, ``AgentGroup``, ``Skill``, ``Scenario``) to show how a
day scenario looks inside; ``sim.erlang_scenario`` builds the same in one call.

For 12 to 16 agents it runs replications (simulated days) under common random numbers,
summarises the service level with 95% confidence intervals and prints it beside Erlang C;
``analytic.required_agents`` gives the staffing Erlang C asks for 80% in 20 s.

Run::

    python docs/examples/from_python.py [output_folder]

It prints the table and writes ``from_python.png`` into ``output_folder`` (default: the
current folder). Set ``CCSIM_EXAMPLE_QUICK=1`` for a quick, rougher run.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from sim import (  # noqa: E402
    AgentGroup,
    ContactType,
    Distribution,
    Scenario,
    ServiceLevel,
    Skill,
    analytic,
    replication_kpis,
    replication_table,
    run_replications,
    simulate,
    summarize,
)

CALLS_PER_HOUR, AHT, THRESHOLD, TARGET = 200.0, 180.0, 20.0, 0.8
INTERVAL = 900.0  # 15-minute intervals
QUICK = os.environ.get("CCSIM_EXAMPLE_QUICK") == "1"
HOURS, REPLICATIONS = (2, 3) if QUICK else (8, 10)
SEED = 7
WARMUP = 4  # intervals (one hour) simulated first, left out of every KPI


def queue(agents: int) -> Scenario:
    """One voice queue served by one group of ``agents``, steady over the day."""
    n = WARMUP + int(HOURS * 3600 / INTERVAL)
    calls = ContactType(
        name="calls",
        forecast=(CALLS_PER_HOUR * INTERVAL / 3600,) * n,  # expected contacts per interval
        handle_time=Distribution.exponential(AHT),
        patience=None,  # nobody abandons: Erlang C
        service_level=ServiceLevel(threshold_seconds=THRESHOLD, target=TARGET),
    )
    team = AgentGroup(name="agents", staffing=(agents,) * n, skills=(Skill("calls"),))
    return Scenario(f"mmn_{agents}", INTERVAL, (calls,), (team,), warmup_intervals=WARMUP)


def main(output: Path) -> pd.DataFrame:
    output.mkdir(parents=True, exist_ok=True)

    # One simulated day: per-contact records, reduced to the day's KPIs.
    day = simulate(queue(14), seed=1)
    kpis = replication_kpis(day, queue(14))
    print(  # noqa: T201
        f"one day, 14 agents: {kpis['offered']:.0f} offered, "
        f"service level {kpis['service_level']:.3f}, ASA {kpis['asa_seconds']:.1f} s"
    )

    # Replications for each staffing level, then mean and 95% CI per staffing level.
    rate = CALLS_PER_HOUR / 3600
    tables = []
    for agents in range(12, 17):
        results = run_replications(queue(agents), ["none"], REPLICATIONS, seed=SEED)
        tables.append(replication_table(results).assign(agents=agents))
    table = pd.concat(tables, ignore_index=True)
    overall = table[(table.contact_type == "all") & (table.group == "all")]
    summary = summarize(overall, by=["agents"])
    summary["erlang_c"] = [
        analytic.erlang_c_metrics(n, rate, AHT, THRESHOLD).service_level for n in summary.agents
    ]
    columns = [
        "agents",
        "replications",
        "service_level",
        "service_level_ci_low",
        "service_level_ci_high",
        "erlang_c",
        "asa_seconds",
        "occupancy",
    ]
    shown = summary[columns].round(3)
    print(shown.to_string(index=False))  # noqa: T201
    needed = analytic.required_agents(rate, AHT, THRESHOLD, TARGET)
    print(f"Erlang C asks for {needed} agents for {TARGET:.0%} within {THRESHOLD:g} s")  # noqa: T201

    fig, ax = plt.subplots(figsize=(6, 4))
    sl = summary["service_level"]
    ax.errorbar(
        summary["agents"],
        sl,
        yerr=[sl - summary["service_level_ci_low"], summary["service_level_ci_high"] - sl],
        fmt="o",
        capsize=5,
        label=f"simulated, 95% CI over {REPLICATIONS} days",
    )
    ax.plot(summary["agents"], summary["erlang_c"], "k--", label="Erlang C")
    ax.axhline(TARGET, color="grey", linewidth=0.8)
    ax.set_xlabel("agents")
    ax.set_ylabel(f"service level (answered within {THRESHOLD:g} s)")
    ax.set_title(f"M/M/n: {CALLS_PER_HOUR:g} calls/h, AHT {AHT:g} s")
    ax.legend()
    fig.tight_layout()
    fig.savefig(output / "from_python.png", dpi=120)
    plt.close(fig)
    return shown


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd())
