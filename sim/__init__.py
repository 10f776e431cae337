"""ccsim: a discrete-event contact-center simulator.

Use from Python or a notebook without Hydra::

    from sim import erlang_scenario, simulate, replication_kpis
    scenario = erlang_scenario(calls_per_hour=200, aht_seconds=180, agents=14)
    outcome = simulate(scenario, seed=1)
    replication_kpis(outcome, scenario)["service_level"]

The command line (``python -m sim``) is a thin Hydra shell around the same functions.
"""

from sim.core.demand_shocks import DemandShocks, Surge
from sim.core.disruptions import Outage, Redials
from sim.core.distributions import Distribution
from sim.core.scenario import (
    AgentGroup,
    ContactType,
    ErlangReference,
    OverflowStep,
    Routing,
    Scenario,
    ServiceLevel,
    Skill,
    erlang_scenario,
    single_queue,
)
from sim.core.streams import Streams
from sim.core.workforce import Absenteeism, Activity, Break, Shift
from sim.experiment.replications import ReplicationResult, run_replication, run_replications
from sim.experiment.statistics import confidence_interval
from sim.experiment.tables import summarize
from sim.kpi.definitions import KPI_NAMES, breakdown, interval_kpis, replication_kpis
from sim.model.draws import ContactDraws, draw_contacts
from sim.model.outcome import ReplicationOutcome
from sim.model.world import ContactCenter, simulate

__version__ = "0.1.0"

__all__ = [
    "KPI_NAMES",
    "Absenteeism",
    "Activity",
    "AgentGroup",
    "Break",
    "ContactCenter",
    "ContactDraws",
    "ContactType",
    "DemandShocks",
    "Distribution",
    "ErlangReference",
    "Outage",
    "OverflowStep",
    "Redials",
    "ReplicationOutcome",
    "ReplicationResult",
    "Routing",
    "Scenario",
    "ServiceLevel",
    "Shift",
    "Skill",
    "Streams",
    "Surge",
    "breakdown",
    "confidence_interval",
    "draw_contacts",
    "erlang_scenario",
    "interval_kpis",
    "replication_kpis",
    "run_replication",
    "run_replications",
    "simulate",
    "single_queue",
    "summarize",
]
