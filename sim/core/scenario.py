"""The immutable description of one simulated day: what the model needs, nothing more.

A day has contact types (queues: sales calls, billing chats, emails, ...), each with its
own forecast per interval, handle-time, wrap-up and patience distributions, service-level
threshold, priority and overflow steps; and agent groups, each with a staffing table and a
skill set (per contact type: a proficiency, which multiplies the contact's handle time,
and a preference level, lower served first).

Configs speak in the units people use (minutes, hours, calls per hour, "08:30"); a
``Scenario`` speaks in seconds and counts. It is built once, after validation, by
``sim.config`` or directly from Python (:func:`single_queue`, :func:`erlang_scenario`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from sim.core.costs import Costs
from sim.core.day_state import GROUP_ACTUALS, TYPE_ACTUALS, DayState, not_continuable
from sim.core.demand_shocks import DemandShocks
from sim.core.disruptions import Outage, Redials
from sim.core.distributions import Distribution
from sim.core.fatigue import Fatigue
from sim.core.follow_ups import Empowerment, Escalation, Resolution, escalation_cycle
from sim.core.workforce import Absenteeism, Shift
from sim.units import clock

__all__ = [
    "AGENT_SELECTION_RULES",
    "CHANNELS",
    "CONTACT_SELECTION_RULES",
    "AgentGroup",
    "ContactType",
    "ErlangReference",
    "OverflowStep",
    "Routing",
    "Scenario",
    "ServiceLevel",
    "Skill",
    "erlang_scenario",
    "single_queue",
]

#: voice: one contact at a time; chat: up to the group's ``chat_concurrency`` at once;
#: email: deferrable work, never abandoned, taken only when no live contact waits.
CHANNELS: tuple[str, ...] = ("voice", "chat", "email")

#: Which available agent takes a new contact.
AGENT_SELECTION_RULES: tuple[str, ...] = (
    "longest_idle",
    "fewest_skills",
    "most_proficient",
    "random",
)

#: Which waiting contact a freed agent takes.
CONTACT_SELECTION_RULES: tuple[str, ...] = ("preference", "service_level_gap")


@dataclass(frozen=True)
class ServiceLevel:
    """Service-level settings: answered within ``threshold_seconds`` over offered.

    Contacts that abandon within ``short_abandon_seconds`` (0 = none) count neither as
    offered nor as answered in the service level.
    """

    threshold_seconds: float = 20.0
    target: float = 0.8
    short_abandon_seconds: float = 0.0


@dataclass(frozen=True)
class OverflowStep:
    """After waiting ``after_seconds``, a contact may also be answered by ``groups``."""

    after_seconds: float
    groups: tuple[str, ...]


@dataclass(frozen=True)
class ContactType:
    """One queue: a kind of contact with its own demand and behaviour.

    ``priority``: when a freed agent has several queues at the same preference level, the
    lower priority number is served first (then the longest-waiting contact).

    ``resolution`` and ``escalation``: whether an answered contact resolves its customer's
    problem, calls again or is handed to another type (:mod:`sim.core.follow_ups`; default:
    every answered contact is resolved). ``problem_value``: what a contact's problem is
    worth, in money (``None``: no money decides; see ``Scenario.empowerment``): a type with
    one needs an ``escalation`` and a ``resolution`` probability of 1 (its contacts within
    authority are resolved by a concession, the others escalated).

    ``handle_time_scale`` and ``wrap_up_scale``: per-interval handle times (``None``: the
    same all day). A contact arriving in interval ``k`` gets its own talk-time draw times
    ``handle_time_scale[k]`` (and its wrap-up draw times ``wrap_up_scale[k]``); the draws
    themselves do not change, so common random numbers hold. One factor (>= 0) per
    interval, e.g. a WFM export's interval AHT over the day's mean
    (:mod:`sim.config.wfm_export`).
    """

    name: str
    forecast: tuple[float, ...]
    handle_time: Distribution
    wrap_up: Distribution | None = None
    patience: Distribution | None = None
    channel: str = "voice"
    service_level: ServiceLevel = field(default_factory=ServiceLevel)
    priority: int = 0
    overflow: tuple[OverflowStep, ...] = ()
    handle_time_scale: tuple[float, ...] | None = None
    wrap_up_scale: tuple[float, ...] | None = None
    resolution: Resolution = field(default_factory=Resolution)
    escalation: Escalation | None = None
    problem_value: Distribution | None = None

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise ValueError(f"contact type {self.name!r}: channel must be one of {CHANNELS}")
        if self.problem_value is not None and (
            self.escalation is None or not self.resolution.always
        ):
            raise ValueError(
                f"contact type {self.name!r}: a problem_value needs an escalation (where a "
                "problem above authority goes) and a resolution probability of 1"
            )
        for label, scale in (
            ("handle_time_scale", self.handle_time_scale),
            ("wrap_up_scale", self.wrap_up_scale),
        ):
            if scale is not None and (
                len(scale) != len(self.forecast)
                or not all(math.isfinite(v) and v >= 0 for v in scale)
            ):
                raise ValueError(
                    f"contact type {self.name!r}: {label} needs one number >= 0 per interval "
                    f"of the forecast ({len(self.forecast)})"
                )
        if self.channel == "email" and self.patience is not None:
            raise ValueError(
                f"contact type {self.name!r}: email is never abandoned; patience must be None"
            )


@dataclass(frozen=True)
class Skill:
    """A group's ability to serve one contact type.

    ``proficiency`` multiplies the contact's own handle-time draw (0.8 = 20% faster);
    ``level`` is the preference: a freed agent serves level 1 queues before level 2.
    """

    contact_type: str
    proficiency: float = 1.0
    level: int = 1


@dataclass(frozen=True)
class AgentGroup:
    """Agents with the same skills, staffed by a table of counts or by individual shifts.

    Without ``shifts``, ``staffing[k]`` agents are logged in during interval ``k``. With
    ``shifts``, each agent follows its shift (breaks, activities) and ``staffing`` holds the
    agents planned on the phone per interval, for reports. ``chat_concurrency``: how many chats an agent holds at once. ``chat_stretch``: each
    chat's handle time is multiplied by ``1 + chat_stretch * (other chats in hand)`` at its
    start. ``fatigue``: sustained occupancy stretches its talk times
    (:mod:`sim.core.fatigue`; ``None``: never, and it adds nothing to ``fatigue_minutes``).
    """

    name: str
    staffing: tuple[float, ...]
    skills: tuple[Skill, ...]
    chat_concurrency: int = 1
    chat_stretch: float = 0.0
    shifts: tuple[Shift, ...] = ()
    absenteeism: Absenteeism = field(default_factory=Absenteeism)
    fatigue: Fatigue | None = None

    @property
    def scheduled(self) -> bool:
        """Whether agents follow individual shifts (else: the staffing table's counts)."""
        return bool(self.shifts)

    def skill_for(self, contact_type: str) -> Skill | None:
        """The group's skill for ``contact_type``, or ``None``."""
        for skill in self.skills:
            if skill.contact_type == contact_type:
                return skill
        return None


@dataclass(frozen=True)
class Routing:
    """Routing rules, by name (see :data:`AGENT_SELECTION_RULES`, :data:`CONTACT_SELECTION_RULES`)."""

    agent_selection: str = "longest_idle"
    contact_selection: str = "preference"

    def __post_init__(self) -> None:
        if self.agent_selection not in AGENT_SELECTION_RULES:
            raise ValueError(f"agent_selection must be one of {AGENT_SELECTION_RULES}")
        if self.contact_selection not in CONTACT_SELECTION_RULES:
            raise ValueError(f"contact_selection must be one of {CONTACT_SELECTION_RULES}")


@dataclass(frozen=True)
class ErlangReference:
    """The steady queue an erlang scenario represents, for analytic reference values."""

    arrival_rate: float  # contacts per second
    aht_seconds: float
    agents: int
    mean_patience_seconds: float | None


@dataclass(frozen=True)
class Scenario:
    """One day of a contact center.

    Time 0 is the start of the first interval. The first ``warmup_intervals`` intervals
    are simulated but left out of every KPI. ``trunks`` limits the voice contacts in the
    system (waiting or talking); ``None`` means no limit. ``costs``: rates for the cost
    KPIs; ``service_level_target``: the target the day's all-types service level is judged
    against (each type has its own in its ``service_level``). ``empowerment``: the money a
    first-line agent may spend on the problems of the types with a ``problem_value``
    (:mod:`sim.core.follow_ups`).
    """

    name: str
    interval_seconds: float
    contact_types: tuple[ContactType, ...]
    groups: tuple[AgentGroup, ...]
    routing: Routing = field(default_factory=Routing)
    demand: DemandShocks = field(default_factory=DemandShocks)
    outages: tuple[Outage, ...] = ()
    redials: Redials = field(default_factory=Redials)
    trunks: int | None = None
    warmup_intervals: int = 0
    start_clock_seconds: float = 0.0  # wall-clock time of day at time 0, for labels
    description: str = ""
    reference: ErlangReference | None = None
    costs: Costs = field(default_factory=Costs)
    service_level_target: float = 0.8  # for all contact types together
    empowerment: Empowerment = field(default_factory=Empowerment)
    # Where the day continues from (a snapshot; None: the day starts at time 0).
    start: DayState | None = None
    # A week's tables (sim.core.week.week_scenario): the days' names, one per day of
    # intervals laid end to end (empty: one day).
    day_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.interval_seconds <= 0:
            raise ValueError("interval_seconds must be positive")
        if not self.contact_types or not self.groups:
            raise ValueError("a scenario needs at least one contact type and one group")
        n = len(self.contact_types[0].forecast)
        if (
            n == 0
            or any(len(t.forecast) != n for t in self.contact_types)
            or any(len(g.staffing) != n for g in self.groups)
        ):
            raise ValueError("every forecast and staffing table needs the same, non-zero length")
        if not 0 <= self.warmup_intervals < n:
            raise ValueError("warmup_intervals must leave at least one measured interval")
        names = [t.name for t in self.contact_types]
        groups = [g.name for g in self.groups]
        if len(set(names)) != len(names) or len(set(groups)) != len(groups):
            raise ValueError("contact type and group names must be unique")
        if "all" in names or "all" in groups:
            raise ValueError("'all' is reserved (it labels the totals in every table): rename it")
        for t in self.contact_types:
            if not any(g.skill_for(t.name) for g in self.groups):
                raise ValueError(f"no group can serve contact type {t.name!r}")
            for step in t.overflow:
                for name in step.groups:
                    if name not in groups:
                        raise ValueError(
                            f"contact type {t.name!r}: unknown overflow group {name!r}"
                        )
            for name, _ in t.resolution.by_group:
                if name not in groups:
                    raise ValueError(f"contact type {t.name!r}: resolution: unknown group {name!r}")
            if t.escalation is not None:
                if t.escalation.to not in names:
                    raise ValueError(
                        f"contact type {t.name!r}: escalation to unknown contact type "
                        f"{t.escalation.to!r}"
                    )
                to = self.contact_types[names.index(t.escalation.to)]
                if to.channel != t.channel:
                    raise ValueError(
                        f"contact type {t.name!r}: escalation to {to.name!r}, a {to.channel} "
                        f"type; an escalation stays in its channel ({t.channel})"
                    )
        cycle = escalation_cycle(
            {t.name: t.escalation.to for t in self.contact_types if t.escalation is not None}
        )
        if cycle is not None:
            raise ValueError(f"escalations must not circle: {' -> '.join(cycle)}")
        for k, outage in enumerate(self.outages):
            for name in outage.groups:
                if name not in groups:
                    raise ValueError(f"outage {k} ({outage.kind}): unknown group {name!r}")
        for group in self.groups:
            for skill in group.skills:
                if skill.contact_type not in names:
                    raise ValueError(
                        f"group {group.name!r}: unknown contact type {skill.contact_type!r}"
                    )
        for i, surge in enumerate(self.demand.surges):
            for name in surge.contact_types:
                if name not in names:
                    raise ValueError(
                        f"demand.surges[{i}].contact_types: unknown contact type {name!r}; "
                        f"known: {names}"
                    )
            last = surge.start if surge.latest_start is None else surge.latest_start
            if last >= n * self.interval_seconds:
                raise ValueError(
                    f"demand.surges[{i}]: start and latest_start must fall inside the day "
                    f"(before {n * self.interval_seconds:g} s)"
                )

        if self.start is not None:
            self._check_start(self.start, n)

    def _check_start(self, state: DayState, n: int) -> None:
        # 0: a day of a week opening on the last day's backlog (no agents, no figures yet).
        if not 0 <= state.at_seconds < n * self.interval_seconds:
            raise ValueError(
                f"the day continues at {state.at_seconds:g} s: it must fall inside the day "
                f"(0 to {n * self.interval_seconds:g} s)"
            )
        # A day opening on the last day's backlog starts as any day does: nothing to carry.
        problems = not_continuable(self) if state.at_seconds > 0 else []
        if problems:
            raise ValueError(
                "a day with " + "; ".join(problems) + " cannot continue from a snapshot"
            )
        types, groups = len(self.contact_types), len(self.groups)
        if state.type_actuals.shape != (len(TYPE_ACTUALS), types, n) or (
            state.group_actuals.shape != (len(GROUP_ACTUALS), groups, n)
        ):
            raise ValueError("the snapshot's figures so far do not match the day's shape")
        if any(
            not 0 <= w.contact_type < types or w.arrived_at > state.at_seconds
            for w in state.waiting
        ):
            raise ValueError(
                "a waiting contact of the snapshot has an unknown type or arrives later"
            )
        for a in state.agents:
            if not 0 <= a.group < groups or any(
                not 0 <= k < types or e < 0 for k, e in a.in_contact
            ):
                raise ValueError("an agent of the snapshot has an unknown group or contact")

    @property
    def intervals(self) -> int:
        """Number of intervals in the day."""
        return len(self.contact_types[0].forecast)

    @property
    def horizon_seconds(self) -> float:
        """End of the simulated day, in seconds from time 0."""
        return self.intervals * self.interval_seconds

    @property
    def warmup_seconds(self) -> float:
        """End of the warm-up, in seconds from time 0."""
        return self.warmup_intervals * self.interval_seconds

    @property
    def type_names(self) -> tuple[str, ...]:
        """Contact type names, in order."""
        return tuple(t.name for t in self.contact_types)

    @property
    def group_names(self) -> tuple[str, ...]:
        """Group names, in order."""
        return tuple(g.name for g in self.groups)

    def forecast_total(self) -> tuple[float, ...]:
        """Expected contacts per interval, all types together."""
        return tuple(map(sum, zip(*(t.forecast for t in self.contact_types), strict=True)))

    def staffing_total(self) -> tuple[float, ...]:
        """Scheduled agents per interval, all groups together."""
        return tuple(map(sum, zip(*(g.staffing for g in self.groups), strict=True)))

    def with_type(self, index: int = 0, **changes) -> Scenario:
        """A copy with contact type ``index`` changed (e.g. ``handle_time=...``)."""
        types = list(self.contact_types)
        types[index] = replace(types[index], **changes)
        return replace(self, contact_types=tuple(types))

    def interval_label(self, k: int) -> str:
        """Wall-clock start of interval ``k`` as HH:MM (hours may pass 24); in a week's
        tables ``<day> HH:MM``."""
        return self.clock(k * self.interval_seconds)

    def clock(self, seconds: float) -> str:
        """The wall clock (HH:MM) ``seconds`` after the simulated day's time 0; in a week's
        tables (``day_names``: its days end to end) ``<day> HH:MM``."""
        if not self.day_names:
            return clock(self.start_clock_seconds + seconds)
        day_length = self.horizon_seconds / len(self.day_names)
        # The end of a day is its close (the last day's too), not the next day's opening.
        day = min(int(seconds // day_length), len(self.day_names) - 1)
        within = seconds - day * day_length
        return f"{self.day_names[day]} {clock(self.start_clock_seconds + within)}"


def single_queue(
    name: str,
    interval_seconds: float,
    forecast: Sequence[float],
    staffing: Sequence[int],
    handle_time: Distribution,
    wrap_up: Distribution | None = None,
    patience: Distribution | None = None,
    trunks: int | None = None,
    warmup_intervals: int = 0,
    service_level: ServiceLevel | None = None,
    start_clock_seconds: float = 0.0,
    description: str = "",
    reference: ErlangReference | None = None,
) -> Scenario:
    """A scenario with one voice queue (``calls``) served by one group (``agents``)."""
    calls = ContactType(
        "calls",
        tuple(float(f) for f in forecast),
        handle_time,
        wrap_up,
        patience,
        service_level=service_level or ServiceLevel(),
    )
    agents = AgentGroup("agents", tuple(int(n) for n in staffing), (Skill("calls"),))
    return Scenario(
        name,
        float(interval_seconds),
        (calls,),
        (agents,),
        trunks=trunks,
        warmup_intervals=warmup_intervals,
        start_clock_seconds=start_clock_seconds,
        description=description,
        reference=reference,
        service_level_target=calls.service_level.target,
    )


def erlang_scenario(
    calls_per_hour: float,
    aht_seconds: float,
    agents: int,
    patience_seconds: float | None = None,
    hours: float = 8.0,
    warmup_hours: float = 1.0,
    *,
    interval_minutes: float = 15.0,
    trunks: int | None = None,
    service_level: ServiceLevel | None = None,
) -> Scenario:
    """A steady single queue with exponential handle times (and patience, if given).

    Erlang C applies without patience, Erlang A with it, and Erlang B with
    ``trunks == agents``. ``hours`` are measured after ``warmup_hours`` of warm-up; both
    must be whole numbers of intervals.
    """
    interval = interval_minutes * 60.0
    n_measured = hours * 3600.0 / interval
    n_warmup = warmup_hours * 3600.0 / interval
    for label, n in (("hours", n_measured), ("warmup_hours", n_warmup)):
        if not math.isclose(n, round(n)) or n < 0:
            raise ValueError(
                f"{label} must be a whole number of {interval_minutes:g}-minute intervals"
            )
    n_total = int(round(n_measured)) + int(round(n_warmup))
    per_interval = calls_per_hour * interval / 3600.0
    return single_queue(
        "erlang",
        interval,
        (per_interval,) * n_total,
        (int(agents),) * n_total,
        Distribution.exponential(aht_seconds),
        patience=None if patience_seconds is None else Distribution.exponential(patience_seconds),
        trunks=trunks,
        warmup_intervals=int(round(n_warmup)),
        service_level=service_level,
        description=(
            f"Steady M/M/{agents}{'' if patience_seconds is None else '+M'} queue: "
            f"{calls_per_hour:g} calls/h, AHT {aht_seconds:g} s"
            + ("" if patience_seconds is None else f", mean patience {patience_seconds:g} s")
        ),
        reference=ErlangReference(
            calls_per_hour / 3600.0, aht_seconds, int(agents), patience_seconds
        ),
    )
