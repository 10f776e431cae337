"""Simulated days shared by the analyst review tests: each (scenario, policies, days) is run
once per test process and kept (the modules using it each run on one worker)."""

from __future__ import annotations

from functools import cache

import pandas as pd

from sim.cli.app import compose_config
from sim.config.run import build_run
from sim.core.scenario import Scenario
from sim.core.streams import Streams
from sim.experiment.comparison import compare_policies
from sim.experiment.replications import run_replications
from sim.experiment.tables import action_table, replication_table
from sim.model.demand import realise_demand

SEED = 20261123


@cache
def shipped(name: str) -> Scenario:
    """The shipped scenario ``name`` as ``python -m sim scenario=<name>`` builds it."""
    return build_run(compose_config([f"scenario={name}"])).scenario


@cache
def days(name: str, policies: tuple[str, ...], count: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(day KPIs of all contacts, applied actions) of ``count`` days of scenario ``name``
    under each policy, on the same days (common random numbers)."""
    scenario = shipped(name)
    results = run_replications(scenario, policies, count, SEED, workers=1)
    table = replication_table(results)
    whole = table[(table.contact_type == "all") & (table.group == "all")].reset_index(drop=True)
    return whole, action_table(scenario, results)


def paired(whole: pd.DataFrame, policy: str, baseline: str, kpi: str) -> tuple[float, float, float]:
    """(mean, CI low, CI high) of ``policy`` - ``baseline`` for ``kpi``, paired by day."""
    two = whole[whole.policy.isin([policy, baseline])]
    row = compare_policies(two, baseline=baseline).iloc[0]
    return row[f"diff_{kpi}"], row[f"diff_{kpi}_ci_low"], row[f"diff_{kpi}_ci_high"]


def letter_start(name: str, replication: int) -> float:
    """When the scenario's first surge begins on that day (seconds from time 0)."""
    scenario = shipped(name)
    windows = realise_demand(scenario, Streams(SEED, replication)).surge_windows
    return next(w.start for w in windows if w.surge == 0) * scenario.interval_seconds
