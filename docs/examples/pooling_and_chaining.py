"""Pooling and chaining: two skills per agent get most of the benefit of every skill.

Six queues each receive 180 calls per hour (AHT 3 minutes, so 9 Erlangs each), and six
groups of 10 agents staff them: 90% utilisation. We compare three ways to train the agents:

* ``split``:  each group serves only its own queue: six separate M/M/10 queues;
* ``chain``:  group g serves queues g and g+1 (queue 6 wraps round to queue 1), so
  every agent has two skills and the skills form one closed chain;
* ``pooled``: every group serves every queue: one M/M/60 queue.

The two ends are textbook Erlang C results (dashed lines in the figure). Pooling wins
because an idle agent in one group can take a call waiting in another queue. The surprise
(Jordan and Graves 1995; Wallace and Whitt 2005) is how much of that gain the chain gets:
with only two skills per agent, the service level lands close to full pooling, because
spare capacity can pass along the chain from any queue to any other.

Every design sees the same simulated calls in replication r (common random numbers), and
the error bars are 95% confidence intervals over replications.

Run::

    python docs/examples/pooling_and_chaining.py [output_folder]

It prints the table and writes ``pooling_and_chaining.png`` into ``output_folder``
(default: the current folder). Set ``CCSIM_EXAMPLE_QUICK=1`` for a quick, rougher run.
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
    replication_table,
    run_replications,
    summarize,
)

QUEUES, AGENTS, CALLS_PER_HOUR, AHT = 6, 10, 180.0, 180.0
THRESHOLD = 20.0  # service level: answered within 20 s
INTERVAL = 1800.0  # 30-minute intervals
WARMUP_INTERVALS = 2  # one hour (20 x AHT) left out of the KPIs
QUICK = os.environ.get("CCSIM_EXAMPLE_QUICK") == "1"
HOURS, REPLICATIONS = (2, 3) if QUICK else (8, 10)


def design(name: str) -> Scenario:
    """The six-queue center with the skills of design ``name``."""
    n = WARMUP_INTERVALS + int(HOURS * 3600 / INTERVAL)
    calls = CALLS_PER_HOUR * INTERVAL / 3600.0
    queues = tuple(
        ContactType(
            f"queue{q + 1}",
            (calls,) * n,
            Distribution.exponential(AHT),
            service_level=ServiceLevel(threshold_seconds=THRESHOLD),
        )
        for q in range(QUEUES)
    )
    skills = {
        "split": lambda g: [g],
        "chain": lambda g: [g, (g + 1) % QUEUES],
        "pooled": lambda g: list(range(QUEUES)),
    }[name]
    groups = tuple(
        AgentGroup(f"group{g + 1}", (AGENTS,) * n, tuple(Skill(f"queue{q + 1}") for q in skills(g)))
        for g in range(QUEUES)
    )
    return Scenario(name, INTERVAL, queues, groups, warmup_intervals=WARMUP_INTERVALS)


def main(output: Path) -> pd.DataFrame:
    output.mkdir(parents=True, exist_ok=True)
    designs = ["split", "chain", "pooled"]
    tables = []
    for name in designs:
        results = run_replications(design(name), ["none"], REPLICATIONS, seed=2024)
        tables.append(replication_table(results).assign(design=name))
    table = pd.concat(tables, ignore_index=True)
    overall = table[(table.contact_type == "all") & (table.group == "all")]
    summary = summarize(overall, by=["design"])

    rate = CALLS_PER_HOUR / 3600.0
    erlang = {
        "split": analytic.erlang_c_metrics(AGENTS, rate, AHT, THRESHOLD).service_level,
        "pooled": analytic.erlang_c_metrics(
            QUEUES * AGENTS, QUEUES * rate, AHT, THRESHOLD
        ).service_level,
    }
    summary["erlang_c"] = summary["design"].map(erlang)
    columns = [
        "design",
        "replications",
        "service_level",
        "service_level_ci_low",
        "service_level_ci_high",
        "erlang_c",
        "asa_seconds",
        "occupancy",
    ]
    shown = summary[columns].round(3)

    fig, ax = plt.subplots(figsize=(6, 4))
    sl = summary["service_level"]
    errors = [sl - summary["service_level_ci_low"], summary["service_level_ci_high"] - sl]
    ax.bar(summary["design"], sl, yerr=errors, capsize=8, color=["#c44e52", "#dd8452", "#4c72b0"])
    for name, value in erlang.items():
        x = designs.index(name)
        ax.hlines(value, x - 0.4, x + 0.4, colors="black", linestyles="dashed")
    ax.set_ylim(0, 1)
    ax.set_ylabel(f"service level (answered within {THRESHOLD:g} s)")
    ax.set_title(
        f"{QUEUES} queues x {AGENTS} agents at {CALLS_PER_HOUR * AHT / 3600 / AGENTS:.0%} load\n"
        f"mean and 95% CI over {REPLICATIONS} replications; dashed: Erlang C"
    )
    fig.tight_layout()
    fig.savefig(output / "pooling_and_chaining.png", dpi=120)
    plt.close(fig)
    print(shown.to_string(index=False))  # noqa: T201
    return shown


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd())
