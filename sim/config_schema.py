"""The schema of the config tree: structured-config dataclasses, no logic.

``sim.cli`` registers them with Hydra's ConfigStore (``base_config``,
``scenario/day_schema``, ``scenario/erlang_schema``); ``sim.config.build_run`` validates
them. Hydra checks key names and types against these classes; ranges, files and
cross-references are checked by ``build_run``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING

__all__ = [
    "Config",
    "ContactServiceLevelConfig",
    "ContactTypeConfig",
    "DayScenarioConfig",
    "DistributionConfig",
    "ErlangScenarioConfig",
    "GroupConfig",
    "OverflowStepConfig",
    "RoutingConfig",
    "RunConfig",
    "ServiceLevelConfig",
]


@dataclass
class DistributionConfig:
    """A duration distribution: ``distribution`` is one of exponential, lognormal, gamma,
    deterministic, empirical. ``cv`` is for lognormal and gamma; ``file`` and ``column``
    (a CSV in the scenario's data folder) for empirical."""

    distribution: str = "exponential"
    mean_seconds: float | None = None
    cv: float | None = None
    file: str | None = None
    column: str | None = None


@dataclass
class ErlangScenarioConfig:
    """A steady single queue with exponential handle times (and patience, if set)."""

    calls_per_hour: float = MISSING
    aht_seconds: float = MISSING
    agents: int = MISSING
    patience_seconds: float | None = None
    hours: float = 8.0
    warmup_hours: float = 1.0


@dataclass
class ContactServiceLevelConfig:
    """A contact type's own service level; ``None`` takes the top-level ``service_level``."""

    threshold_seconds: float | None = None
    target: float | None = None


@dataclass
class OverflowStepConfig:
    """After waiting ``after_seconds``, a contact may also be answered by ``groups``.

    Each group named must have a row for the contact type in the skills file (it gives
    the group's proficiency and level). Overflow targets are groups, not queues, so a
    contact can never be routed in a cycle.
    """

    after_seconds: float = MISSING
    groups: list[str] = field(default_factory=list)


@dataclass
class ContactTypeConfig:
    """One contact type (queue). Its name is its key in ``contact_types`` and a forecast column.

    ``channel``: voice, chat or email. ``patience`` ``None`` means nobody abandons (and
    must be ``None`` for email). ``priority``: among queues at the same preference level,
    the lower number is served first. ``overflow``: steps with strictly increasing delays,
    each group at most once.
    """

    channel: str = "voice"
    handle_time: DistributionConfig = MISSING
    wrap_up: DistributionConfig | None = None
    patience: DistributionConfig | None = None
    service_level: ContactServiceLevelConfig = field(default_factory=ContactServiceLevelConfig)
    priority: int = 0
    overflow: list[OverflowStepConfig] = field(default_factory=list)


@dataclass
class GroupConfig:
    """Per-group settings; the group's name is a staffing column.

    ``chat_concurrency``: chats an agent holds at once. ``chat_stretch``: each chat's
    handle time is multiplied by ``1 + chat_stretch * (other chats in hand)``.
    """

    chat_concurrency: int = 1
    chat_stretch: float = 0.0


@dataclass
class RoutingConfig:
    """Routing rules by name: which agent takes a new contact, which contact a freed agent takes."""

    agent_selection: str = "longest_idle"
    contact_selection: str = "preference"


@dataclass
class DayScenarioConfig:
    """A day of intervals: forecast, staffing and skills tables read from ``data_dir``."""

    name: str = MISSING
    description: str = ""
    data_dir: str = MISSING
    forecast_file: str = "forecast.csv"
    staffing_file: str = "staffing.csv"
    skills_file: str = "skills.csv"
    interval_minutes: int = 30
    contact_types: dict[str, ContactTypeConfig] = MISSING
    groups: dict[str, GroupConfig] = field(default_factory=dict)
    routing: RoutingConfig = field(default_factory=RoutingConfig)
    trunks: int | None = None
    warmup_minutes: int = 0


@dataclass
class RunConfig:
    """Replications, seed and parallelism. ``workers`` 0 means one per CPU core."""

    replications: int = 20
    seed: int = 20261123
    workers: int = 0


@dataclass
class ServiceLevelConfig:
    """Answered within ``threshold_seconds`` over offered; ``target`` for figures and report.

    The default for every contact type that does not set its own.
    """

    threshold_seconds: float = 20.0
    target: float = 0.8
    short_abandon_seconds: float = 0.0


@dataclass
class Config:
    """The root of the config tree."""

    scenario: Any = MISSING
    run: RunConfig = field(default_factory=RunConfig)
    service_level: ServiceLevelConfig = field(default_factory=ServiceLevelConfig)
    policies: list[str] = field(default_factory=lambda: ["none"])
