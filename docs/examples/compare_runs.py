"""Compare two run folders day by day: paired differences with 95% confidence intervals.

Two runs with the same ``run.seed`` simulate the same days: replication ``r`` of each
draws its contacts (arrival times, talk times, patience) from the same named streams, as
long as the contact types and their forecasts are the same (common random numbers). So
the difference between the runs is best measured replication by replication: the paired
interval is usually far narrower than the one two independent runs would give, which is
printed beside it (``unpaired``).

Run from the project folder::

    python docs/examples/compare_runs.py OUTPUT RUN_A RUN_B   # B minus A
    python docs/examples/compare_runs.py OUTPUT               # runs split and pooled first

It prints, per contact type (``all`` = every type) and, when the runs compared several
policies, per policy (a ``policy`` column), each KPI of A and of B (means over days),
B - A with its paired 95% CI, and the unpaired CI; it writes ``comparison.csv`` (every
policy) and ``comparison.png`` (the baseline ``none``, or the one policy) into ``OUTPUT``.
Set ``CCSIM_EXAMPLE_QUICK=1`` for a quick run when it runs the two scenarios itself.

From Python, :func:`compare_tables` pairs two replication tables in memory (e.g. the
``replications`` of two ``sim.run`` results) and :func:`shown` gives what is printed.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from omegaconf import OmegaConf  # noqa: E402
from scipy import stats  # noqa: E402

from sim import confidence_interval  # noqa: E402

KPIS = ["service_level", "asa_seconds", "abandon_rate", "offered"]
KEYS = ["policy", "contact_type", "group", "replication"]
QUICK = os.environ.get("CCSIM_EXAMPLE_QUICK") == "1"


def run_scenario(scenario: str, folder: Path, replications: int) -> Path:
    """``python -m sim scenario=<scenario>`` into ``folder``, in one worker process."""
    command = [
        sys.executable,
        "-m",
        "sim",
        f"scenario={scenario}",
        f"run.replications={replications}",
        "run.workers=1",
        f"hydra.run.dir={folder}",
    ]
    subprocess.run(command, check=True, capture_output=True, text=True)
    return folder


def seed_of(run: Path) -> int | None:
    """The ``run.seed`` a run folder was made with (from its resolved config)."""
    config = run / ".hydra" / "config.yaml"
    return int(OmegaConf.load(config).run.seed) if config.is_file() else None


def unpaired_interval(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Welch's interval for mean(b) - mean(a), as if the two runs were independent."""
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1)) if se > 0 else 1.0
    half = float(stats.t.ppf(0.5 + level / 2, dof)) * se
    diff = float(b.mean() - a.mean())
    return diff - half, diff + half


def compare(run_a: Path, run_b: Path) -> pd.DataFrame:
    """B - A per policy, contact type and KPI of two run folders, paired on the replication."""
    seeds = seed_of(run_a), seed_of(run_b)
    if seeds[0] != seeds[1]:
        print(f"warning: the runs have different seeds {seeds}: pairing them is meaningless")  # noqa: T201
    return compare_tables(
        pd.read_csv(run_a / "replications.csv"), pd.read_csv(run_b / "replications.csv")
    )


def compare_tables(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """B - A per policy, contact type and KPI, paired on the replication: ``a`` and ``b``
    are two runs' replication tables (``replications.csv``, or ``RunResults.replications``
    of ``sim.run``). Policies that ran in one of the two only are left out."""
    # Contact-type rows and the (all, all) row ("all" is never a type's or group's name).
    a, b = (t[t["group"] == "all"] for t in (a, b))
    both = a.merge(b, on=KEYS, suffixes=("_a", "_b"))
    rows = []
    for (policy, contact_type), days in both.groupby(["policy", "contact_type"], sort=False):
        for kpi in KPIS:
            x, y = days[f"{kpi}_a"].to_numpy(float), days[f"{kpi}_b"].to_numpy(float)
            keep = ~(np.isnan(x) | np.isnan(y))
            x, y = x[keep], y[keep]
            if len(x) < 2:
                continue
            diff, low, high = confidence_interval(y - x)
            u_low, u_high = unpaired_interval(x, y)
            rows.append(
                {
                    "policy": policy,
                    "contact_type": contact_type,
                    "kpi": kpi,
                    "days": len(x),
                    "a": x.mean(),
                    "b": y.mean(),
                    "b_minus_a": diff,
                    "ci_low": low,
                    "ci_high": high,
                    "unpaired_ci_low": u_low,
                    "unpaired_ci_high": u_high,
                }
            )
    return pd.DataFrame(rows)


def plot(table: pd.DataFrame, names: tuple[str, str], path: Path) -> None:
    """Service level difference per contact type: paired vs unpaired 95% intervals, for the
    baseline ``none`` (or the first policy) when the runs compared several policies."""
    sl = table[table["kpi"] == "service_level"]
    policies = list(dict.fromkeys(sl["policy"]))
    policy = "none" if "none" in policies else policies[0]
    sl = sl[sl["policy"] == policy].reset_index(drop=True)
    x = np.arange(len(sl))
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for shift, (low, high, label, color) in enumerate(
        [
            ("ci_low", "ci_high", "paired (same days)", "#4c72b0"),
            ("unpaired_ci_low", "unpaired_ci_high", "unpaired", "#c44e52"),
        ]
    ):
        mid = sl["b_minus_a"]
        ax.errorbar(
            x + (shift - 0.5) * 0.2,
            mid,
            yerr=[mid - sl[low], sl[high] - mid],
            fmt="o",
            capsize=5,
            color=color,
            label=label,
        )
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set_xticks(x, sl["contact_type"])
    ax.set_ylabel("service level, B - A")
    which = f", policy {policy}" if len(policies) > 1 else ""
    ax.set_title(
        f"{names[1]} minus {names[0]}{which}\nmean and 95% CI over {int(sl['days'].max())} days",
        fontsize="medium",
    )
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def shown(table: pd.DataFrame) -> pd.DataFrame:
    """The comparison as printed, rounded to 3 decimals: one policy (a teaching scenario)
    without its name, which adds nothing; several with a ``policy`` column naming each row's."""
    return (table.drop(columns=["policy"]) if table["policy"].nunique() == 1 else table).round(3)


def main(output: Path, run_a: Path | None = None, run_b: Path | None = None) -> pd.DataFrame:
    output.mkdir(parents=True, exist_ok=True)
    if run_a is None or run_b is None:
        replications = 3 if QUICK else 20
        run_a = run_scenario("split", output / "split", replications)
        run_b = run_scenario("pooled", output / "pooled", replications)
    table = compare(run_a, run_b)
    table.to_csv(output / "comparison.csv", index=False)
    plot(table, (run_a.name, run_b.name), output / "comparison.png")
    print(f"B = {run_b}, A = {run_a}")  # noqa: T201
    print(shown(table).to_string(index=False))  # noqa: T201
    return table


if __name__ == "__main__":
    args = [Path(a) for a in sys.argv[1:]]
    if len(args) not in (1, 3):
        sys.exit(__doc__)
    main(*args)
