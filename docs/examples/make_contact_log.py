"""Write a contact log of simulated days with known laws: the example log of ``mode=calibrate``.

Two voice queues served by one pool of 9 agents, 09:00-12:00 on two days (Monday 2 and
Tuesday 3 March 2026), about 800 contacts:

| type | contacts per hour | talk time | wrap-up | patience |
| --- | --- | --- | --- | --- |
| `sales` | 50 | lognormal, mean 300 s, cv 0.9 | gamma, mean 30 s, cv 0.5 | lognormal, mean 180 s, cv 1.0 |
| `service` | 80 | gamma, mean 200 s, cv 0.6 | gamma, mean 20 s, cv 0.5 | exponential, mean 150 s |

``docs/examples/contact_log.csv`` is its output (``python docs/examples/make_contact_log.py
docs/examples``); calibrate it with ``python -m sim mode=calibrate
calibrate.log_file=docs/examples/contact_log.csv`` and compare the estimates with the table.
Two days are few: the intervals are wide, and with this few abandons the patience family
may not be told apart. It also draws ``contact_log.png``: per type, the abandon times the
log shows against the true patience law; they are far shorter, since the patient callers
were answered before they could hang up (why calibration treats answered waits as
censored patience). Set ``CCSIM_EXAMPLE_QUICK=1`` for one day.

Run::

    python docs/examples/make_contact_log.py [output_folder]
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from sim import AgentGroup, ContactType, Distribution, Scenario, Skill, simulate  # noqa: E402
from sim.calibration.simulated import simulated_log  # noqa: E402
from sim.config.contact_log import contact_log_csv  # noqa: E402
from sim.core.contact_log import ContactLog  # noqa: E402

SEED = 20260302
FIRST_DAY = dt.date(2026, 3, 2)  # a Monday


def scenario() -> Scenario:
    """The simulated day: 6 half-hour intervals from 09:00, one pool of 9 agents."""
    sales = ContactType(
        "sales",
        (25.0,) * 6,
        Distribution("lognormal", 300.0, 0.9),
        wrap_up=Distribution("gamma", 30.0, 0.5),
        patience=Distribution("lognormal", 180.0, 1.0),
    )
    service = ContactType(
        "service",
        (40.0,) * 6,
        Distribution("gamma", 200.0, 0.6),
        wrap_up=Distribution("gamma", 20.0, 0.5),
        patience=Distribution.exponential(150.0),
    )
    agents = AgentGroup("agents", (9,) * 6, (Skill("sales"), Skill("service")))
    return Scenario(
        "example_log", 1800.0, (sales, service), (agents,), start_clock_seconds=9 * 3600.0
    )


def figure(day: Scenario, log: ContactLog) -> Figure:
    """Per type: the density of the logged abandon times against the true patience's."""
    fig = Figure(figsize=(9, 3.5))
    fig.set_layout_engine("constrained")
    axes = fig.subplots(1, len(day.contact_types))
    rng = np.random.default_rng(SEED)
    for ax, (k, t) in zip(axes, enumerate(day.contact_types), strict=True):
        waits = log.wait[(log.contact_type == k) & log.abandoned]
        assert t.patience is not None
        truth = t.patience.sample(rng, 20_000)
        bins = np.linspace(0, np.quantile(truth, 0.95), 30)
        ax.hist(
            truth, bins=bins, density=True, alpha=0.5, label=f"patience: {t.patience.describe()}"
        )
        ax.hist(
            waits,
            bins=bins,
            density=True,
            alpha=0.5,
            label=f"abandon times (mean {waits.mean():.0f} s)",
        )
        ax.set_title(t.name)
        ax.set_xlabel("seconds")
        ax.legend(fontsize="small")
    return fig


def main(output: Path, days: int) -> Path:
    """Simulate ``days`` days; write ``contact_log.csv`` and ``contact_log.png`` into
    ``output``."""
    day = scenario()
    log = simulated_log(day, [simulate(day, SEED, r) for r in range(days)], FIRST_DAY)
    output.mkdir(parents=True, exist_ok=True)
    path = output / "contact_log.csv"
    path.write_text(contact_log_csv(log), encoding="utf-8")
    figure(day, log).savefig(output / "contact_log.png", dpi=100)
    return path


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(".")
    written = main(folder, 1 if os.environ.get("CCSIM_EXAMPLE_QUICK") else 2)
    sys.stdout.write(f"wrote {written}\n")
