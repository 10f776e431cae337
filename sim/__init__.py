"""ccsim: a discrete-event contact-center simulator.

Use from Python or a notebook without Hydra::

    from sim import erlang_scenario, simulate, replication_kpis
    scenario = erlang_scenario(calls_per_hour=200, aht_seconds=180, agents=14)
    outcome = simulate(scenario, seed=1)
    replication_kpis(outcome, scenario)["service_level"]

The command line (``python -m sim``) is a thin Hydra shell around the same functions.
"""

from .disruptions import Outage, Redials
from .distributions import Distribution
from .experiment import (
    ReplicationResult,
    confidence_interval,
    run_replication,
    run_replications,
    summarize,
)
from .model import ContactCenter, ContactDraws, draw_contacts, simulate
from .records import KPI_NAMES, ReplicationOutcome, breakdown, interval_kpis, replication_kpis
from .scenario import (
    Absenteeism,
    Activity,
    AgentGroup,
    Break,
    ContactType,
    DemandShocks,
    ErlangReference,
    OverflowStep,
    Routing,
    Scenario,
    ServiceLevel,
    Shift,
    Skill,
    Surge,
    erlang_scenario,
    single_queue,
)
from .streams import Streams

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
