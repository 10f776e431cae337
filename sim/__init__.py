"""ccsim: a discrete-event contact-center simulator.

Use from Python or a notebook without Hydra::

    from sim import erlang_scenario, simulate, replication_kpis
    scenario = erlang_scenario(calls_per_hour=200, aht_seconds=180, agents=14)
    outcome = simulate(scenario, seed=1)
    replication_kpis(outcome, scenario)["service_level"]

Several policies on paired replications (common random numbers), as tables::

    from sim import compare_policies, replication_table, run_replications, summarize
    results = run_replications(scenario, ["none", "overtime"], replications=5, seed=1)
    table = replication_table(results)
    summarize(table, by=["policy"])
    compare_policies(table, baseline="none")

A run as the command line composes and validates it (``configs/``, any override), in a
notebook: its tables as DataFrames, its figures, and the run folder ``python -m sim`` writes::

    import sim
    spec = sim.load("erlang", overrides=["run.replications=3", "run.workers=1"])
    results = sim.run(spec)
    results.summary[["policy", "contact_type", "service_level", "service_level_ci_low"]]
    figure = results.figure_service_level()  # a matplotlib Figure; results.save("results/x")

The command line (``python -m sim``) is a thin Hydra shell around the same functions.

The names below are the public API. They are loaded on first use, so ``import sim`` is cheap:
pandas, scipy and matplotlib are imported only by the functions that need them. Everything
else lives in the layer packages (``sim.core``, ``sim.policies``, ``sim.model``, ``sim.kpi``,
``sim.experiment``, ``sim.report``, ``sim.config``, ``sim.cli``) and is imported from there.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for type checkers and IDEs; at run time see __getattr__ below
    from sim import analytic
    from sim.cli.notebook import load, run
    from sim.core.demand_shocks import DemandShocks
    from sim.core.disruptions import Outage
    from sim.core.distributions import Distribution
    from sim.core.scenario import (
        AgentGroup,
        ContactType,
        Scenario,
        ServiceLevel,
        Skill,
        erlang_scenario,
        single_queue,
    )
    from sim.experiment.comparison import compare_policies
    from sim.experiment.replications import run_replications
    from sim.experiment.statistics import confidence_interval
    from sim.experiment.tables import interval_table, replication_table, summarize
    from sim.kpi.definitions import KPI_NAMES, replication_kpis
    from sim.model.outcome import ReplicationOutcome
    from sim.model.world import simulate
    from sim.policies.registry import make_policy

#: Public name -> the module that defines it (a module name itself for a public submodule).
_HOMES: dict[str, str] = {
    # scenario data (sim.core)
    "Scenario": "sim.core.scenario",
    "ContactType": "sim.core.scenario",
    "AgentGroup": "sim.core.scenario",
    "Skill": "sim.core.scenario",
    "ServiceLevel": "sim.core.scenario",
    "erlang_scenario": "sim.core.scenario",
    "single_queue": "sim.core.scenario",
    "Distribution": "sim.core.distributions",
    "DemandShocks": "sim.core.demand_shocks",
    "Outage": "sim.core.disruptions",
    # policies
    "make_policy": "sim.policies.registry",
    # one replication
    "simulate": "sim.model.world",
    "ReplicationOutcome": "sim.model.outcome",
    "replication_kpis": "sim.kpi.definitions",
    "KPI_NAMES": "sim.kpi.definitions",
    # experiments (pandas from here on)
    "run_replications": "sim.experiment.replications",
    "replication_table": "sim.experiment.tables",
    "interval_table": "sim.experiment.tables",
    "summarize": "sim.experiment.tables",
    "compare_policies": "sim.experiment.comparison",
    "confidence_interval": "sim.experiment.statistics",
    # Erlang B/C/A and staffing formulas
    "analytic": "sim.analytic",
    # a run as the command line composes it, from a notebook (Hydra's compose API, no app)
    "load": "sim.cli.notebook",
    "run": "sim.cli.notebook",
}

__all__ = [
    "KPI_NAMES",
    "AgentGroup",
    "ContactType",
    "DemandShocks",
    "Distribution",
    "Outage",
    "ReplicationOutcome",
    "Scenario",
    "ServiceLevel",
    "Skill",
    "analytic",
    "compare_policies",
    "confidence_interval",
    "erlang_scenario",
    "interval_table",
    "load",
    "make_policy",
    "replication_kpis",
    "replication_table",
    "run",
    "run_replications",
    "simulate",
    "single_queue",
    "summarize",
]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ccsim")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


def __getattr__(name: str) -> Any:
    """Import a public name's home module on first use and cache the name here."""
    if name == "__version__":
        value: Any = _version()
    elif name in _HOMES:
        home = import_module(_HOMES[name])
        value = home if home.__name__ == f"{__name__}.{name}" else getattr(home, name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*__all__, "__version__"])
