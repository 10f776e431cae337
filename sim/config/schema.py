"""The schema of the config tree: structured-config dataclasses, no logic.

``sim.cli.app`` registers them with Hydra's ConfigStore (``base_config``,
``scenario/day_schema``, ``scenario/erlang_schema``); ``sim.config.run.build_run`` validates
them. Hydra checks key names and types against these classes; ranges, files and
cross-references are checked by ``build_run``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING

__all__ = [
    "AbsenteeismConfig",
    "FatigueConfig",
    "AlertsConfig",
    "CalibrateConfig",
    "Config",
    "ContactServiceLevelConfig",
    "ContactTypeConfig",
    "CostsConfig",
    "DayProfileConfig",
    "DayScenarioConfig",
    "DemandConfig",
    "DistributionConfig",
    "EmpowermentConfig",
    "ErlangScenarioConfig",
    "EscalationConfig",
    "GroupConfig",
    "OutageConfig",
    "OverflowStepConfig",
    "PlanConfig",
    "RedialsConfig",
    "ReportConfig",
    "ResolutionConfig",
    "RoutingConfig",
    "RunConfig",
    "ServiceLevelConfig",
    "StaffingConfig",
    "SurgeConfig",
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
    default_policies: list[str] = field(default_factory=lambda: ["none"])


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
class ResolutionConfig:
    """First-contact resolution and repeats (:mod:`sim.core.follow_ups`).

    ``probability``: chance that an answered, not escalated contact resolves the problem;
    ``by_group``: a group's own probability for the contacts it answers; ``repeat_delay``:
    a distribution like ``handle_time``, from the end of an unresolved contact's talk to
    its repeat (required when some probability is below 1 and ``max_repeats`` > 0);
    ``max_repeats``: how many times in a row a customer calls the type again.
    """

    probability: float = 1.0
    by_group: dict[str, float] = field(default_factory=dict)
    repeat_delay: DistributionConfig | None = None
    max_repeats: int = 1


@dataclass
class EscalationConfig:
    """A ``share`` of the answered contacts handed to contact type ``to`` (tier 2) at the
    end of the talk; the customer joins its queue ``transfer_seconds`` later. ``mode``:
    ``cold`` (the first agent wraps up at once) or ``warm`` (it stays on the line until tier
    2 answers or the customer hangs up)."""

    to: str = MISSING
    share: float = MISSING
    transfer_seconds: float = 0.0
    mode: str = "cold"


@dataclass
class EmpowermentConfig:
    """The money a first-line agent may spend without escalating (:mod:`sim.core.follow_ups`),
    for the contact types with a ``problem_value``: ``authority`` (>= 0): a problem worth at
    most this is resolved by the first agent, with a concession of ``concession_share`` (in
    [0, 1]) of its value and ``extra_handle_seconds`` more talk; a problem worth more is
    escalated to the type's ``escalation.to``."""

    authority: float = 0.0
    concession_share: float = 0.0
    extra_handle_seconds: float = 0.0


@dataclass
class ContactTypeConfig:
    """One contact type (queue). Its name is its key in ``contact_types`` and a forecast column.

    ``channel``: voice, chat or email. ``patience`` ``None`` means nobody abandons (and
    must be ``None`` for email). ``priority``: among queues at the same preference level,
    the lower number is served first. ``overflow``: steps with strictly increasing delays,
    each group at most once. ``resolution``: first-contact resolution and repeats;
    ``escalation``: a share handed to a tier-2 type (``None``: none). ``problem_value``:
    what a contact's problem is worth, in money, a distribution like ``handle_time`` (its
    ``mean_seconds`` is money, despite the key's name); ``None``: off. It needs an
    ``escalation`` and ``resolution.probability`` 1 (see ``scenario.empowerment``).
    """

    channel: str = "voice"
    handle_time: DistributionConfig = MISSING
    wrap_up: DistributionConfig | None = None
    patience: DistributionConfig | None = None
    service_level: ContactServiceLevelConfig = field(default_factory=ContactServiceLevelConfig)
    priority: int = 0
    overflow: list[OverflowStepConfig] = field(default_factory=list)
    resolution: ResolutionConfig = field(default_factory=ResolutionConfig)
    escalation: EscalationConfig | None = None
    problem_value: DistributionConfig | None = None


@dataclass
class FatigueConfig:
    """A group's fatigue (:mod:`sim.core.fatigue`): a talk started when the group's rolling
    60-minute occupancy is R lasts ``1 + beta * max(0, R - theta)`` times as long.
    ``beta`` >= 0 (0: no effect), ``theta`` in [0, 1]."""

    beta: float = 0.0
    theta: float = 0.85


@dataclass
class AbsenteeismConfig:
    """What happens to a group's agents that the plan did not foresee.

    For a group staffed by counts, each agent of the table is a slot (the i-th agent of
    every interval that has more than i); see :mod:`sim.model.slots`. Each agent (slot)
    independently, once a day: does not show (``no_show_probability``); logs in late
    (``late_probability``, by a ``late_minutes`` draw); leaves early
    (``early_leave_probability``, by ``early_leave_minutes``); takes unplanned aux time,
    ``aux_per_hour`` times per logged-in hour, each lasting ``aux_minutes``. The three
    durations are distributions like ``handle_time`` (``mean_seconds``, in seconds, despite
    the keys' names, kept for existing configs); each is required
    when its probability or rate is > 0.
    """

    no_show_probability: float = 0.0
    late_probability: float = 0.0
    late_minutes: DistributionConfig | None = None
    early_leave_probability: float = 0.0
    early_leave_minutes: DistributionConfig | None = None
    aux_per_hour: float = 0.0
    aux_minutes: DistributionConfig | None = None


@dataclass
class GroupConfig:
    """Per-group settings; the group's name is a staffing column or a schedule group.

    ``chat_concurrency``: chats an agent holds at once. ``chat_stretch``: each chat's
    handle time is multiplied by ``1 + chat_stretch * (other chats in hand)``.
    ``absenteeism``: unplanned absence, for a group on the schedule (``schedule_file``) or
    staffed by counts (a staffing column). ``fatigue``: sustained occupancy stretches talk
    times (:class:`FatigueConfig`; null: never).
    """

    chat_concurrency: int = 1
    chat_stretch: float = 0.0
    absenteeism: AbsenteeismConfig | None = None
    fatigue: FatigueConfig | None = None


@dataclass
class RoutingConfig:
    """Routing rules by name: which agent takes a new contact, which contact a freed agent takes."""

    agent_selection: str = "longest_idle"
    contact_selection: str = "preference"


@dataclass
class SurgeConfig:
    """An unplanned burst of demand (a mailing, an app push).

    ``start``: the first interval's start as a clock time, "HH:MM" (quoted in YAML); with
    ``latest_start`` ("HH:MM", at or after ``start``) the start is drawn uniformly among the
    interval starts between the two. ``profile``: multipliers (>= 0) of the expected contacts
    in consecutive intervals from the start. ``contact_types``: the types it hits (empty:
    all). ``probability``: the chance that it happens on a given day.
    """

    start: str = MISSING
    profile: list[float] = field(default_factory=list)
    contact_types: list[str] = field(default_factory=list)
    probability: float = 1.0
    latest_start: str | None = None


@dataclass
class DemandConfig:
    """How the day's demand differs from the forecast (all off by default).

    ``day_cv``: forecast error, one gamma day multiplier (mean 1, this cv) per simulated day
    for all contact types. ``interval_cv``: per type and interval, a gamma multiplier (mean
    1, this cv). ``surges``: unplanned bursts.
    """

    day_cv: float = 0.0
    interval_cv: float = 0.0
    surges: list[SurgeConfig] = field(default_factory=list)


@dataclass
class OutageConfig:
    """One outage (checked and converted by :mod:`sim.config.outages`): ``kind`` telephony,
    crm_slow, site or partial; a fixed window (``start`` "HH:MM", ``duration_minutes``) or
    a random one (``occurrences_per_day``, ``duration`` in seconds like ``handle_time``);
    ``groups``, ``factor``, ``fraction``, ``drop_in_hand`` only for the kinds they apply to."""

    kind: str = MISSING
    start: str | None = None
    duration_minutes: float | None = None
    occurrences_per_day: float | None = None
    duration: DistributionConfig | None = None
    groups: list[str] | None = None
    factor: float | None = None
    fraction: float | None = None
    drop_in_hand: bool | None = None


@dataclass
class RedialsConfig:
    """Abandoned, blocked and lost contacts call again with ``probability``, after ``delay``."""

    probability: float = 0.0
    delay: DistributionConfig | None = None


@dataclass
class DayProfileConfig:
    """One day of ``scenario.days`` (checked and converted by :mod:`sim.config.week`).

    ``name``: letters, digits, ``_`` and ``-``, unique among the days (e.g. ``mon``).
    ``forecast_file`` / ``staffing_file``: the day's own tables, in the scenario's data
    folder, in the shapes of ``scenario.forecast_file`` / ``scenario.staffing_file`` (the
    same intervals and columns); null: the scenario's own. ``forecast_scale`` (>= 0)
    multiplies the day's forecast (every type, every interval); ``staffing_scale`` (>= 0)
    the day's staffing, rounded half up to whole agents per interval and group (as the
    variants of ``plan.scales``).
    """

    name: str = MISSING
    forecast_file: str | None = None
    staffing_file: str | None = None
    forecast_scale: float = 1.0
    staffing_scale: float = 1.0


@dataclass
class DayScenarioConfig:
    """A day of intervals: forecast, staffing and skills tables read from ``data_dir``.

    ``schedule_file`` (optional): one row per agent of the shift-based groups;
    ``activities_file`` (optional): their breaks, lunches and off-phone activities.
    ``staffing_file`` may be ``None`` when the schedule covers every group.
    ``allow_outside_paths``: let ``data_dir`` and the files reach outside the project folder
    (refused in config files: the command line only, see :mod:`sim.config.safety`).
    ``default_policies``: the policies the scenario is compared under when the root
    ``policies`` is not given (a teaching scenario: the baseline alone).
    ``export_file`` (optional): a WFM/ACD interval export (:mod:`sim.config.wfm_export`)
    that replaces ``forecast_file`` and sets each type's handle and wrap-up times per
    interval; ``export_weekday``: which of its dates to use when they are of several
    weekdays (``mon`` ... ``sun``, or ``all``). ``empowerment``: the money a first-line
    agent may spend on a problem (for the types with a ``problem_value``).
    ``snapshot_file`` (optional): a snapshot of the day at a clock time (JSON, format
    ``ccsim-snapshot-1``, :mod:`sim.config.snapshot_file`; a run with ``run.snapshot_at``
    writes them): the day continues from it. Like the other files, relative to
    ``data_dir`` (an absolute path is taken as it is) and inside the project folder unless
    ``allow_outside_paths``.
    ``days`` (optional): several days in a row (a week), each a :class:`DayProfileConfig`
    (``{name, forecast_file, staffing_file, forecast_scale, staffing_scale}``): the scenario
    as configured with that day's forecast and staffing; the backlog of emails and callbacks
    carries from one day's close to the next day's opening. Null: one day.
    """

    name: str = MISSING
    description: str = ""
    data_dir: str = MISSING
    forecast_file: str = "forecast.csv"
    staffing_file: str | None = "staffing.csv"
    skills_file: str = "skills.csv"
    schedule_file: str | None = None
    activities_file: str | None = None
    allow_outside_paths: bool = False
    interval_minutes: int = 30
    contact_types: dict[str, ContactTypeConfig] = MISSING
    # Values are GroupConfig, checked and converted by sim.config.day: typed here as Any so
    # that `+scenario.groups.<group>.<key>=...` can add a group the YAML does not list
    # (OmegaConf cannot assign a new key of a dict of dataclasses).
    groups: dict[str, Any] = field(default_factory=dict, metadata={"values": GroupConfig})
    routing: RoutingConfig = field(default_factory=RoutingConfig)
    trunks: int | None = None
    warmup_minutes: int = 0
    demand: DemandConfig = field(default_factory=DemandConfig)
    outages: list[OutageConfig] = field(default_factory=list)
    redials: RedialsConfig = field(default_factory=RedialsConfig)
    default_policies: list[str] = field(default_factory=lambda: ["none"])
    export_file: str | None = None
    export_weekday: str | None = None
    empowerment: EmpowermentConfig = field(default_factory=EmpowermentConfig)
    snapshot_file: str | None = None
    # Items are DayProfileConfig, checked and converted by sim.config.week: typed here as
    # Any so that a misspelt key of a day is reported with its index (scenario.days[2].x)
    # among the other problems, not by OmegaConf alone.
    days: list[Any] | None = field(default=None, metadata={"items": DayProfileConfig})


@dataclass
class RunConfig:
    """Replications, seed and parallelism. ``workers`` 0 means one per CPU core.

    ``resume``: the folder of an earlier, interrupted (or shorter) run of the same
    configuration; its finished replications are kept and only the missing ones are run,
    into that folder.

    ``target_precision``: if set, replications are added (in rounds) until the 95% CI
    half-width of every policy's paired service-level difference against the baseline is
    below it (e.g. 0.01 = one percentage point), up to ``max_replications``.

    ``executor``: where replications run, ``local`` (a process pool of ``workers``) or
    ``dask`` (``pip install 'ccsim[dask]'``): on a Dask ``LocalCluster`` of ``workers``
    processes started for the run when ``dask_address`` is null, else on the workers of the
    Dask scheduler at ``dask_address`` (e.g. ``tcp://host:8786``).

    ``snapshot_at``: a clock time, ``"HH:MM"`` or ``"HH:MM:SS"`` (quoted in YAML), strictly
    inside the day of a day scenario: each day of the baseline policy (``none``, which must
    be among the policies) is also written as a snapshot at that time, a file
    ``scenario.snapshot_file`` can continue from; null: none.
    """

    replications: int = 20
    seed: int = 20261123
    workers: int = 0
    executor: str = "local"
    dask_address: str | None = None
    resume: str | None = None
    target_precision: float | None = None
    max_replications: int = 200
    allow_large: bool = False  # lift the size limits of sim.config.limits
    snapshot_at: str | None = None


@dataclass
class ServiceLevelConfig:
    """Answered within ``threshold_seconds`` over offered; ``target`` for figures and report.

    The default for every contact type that does not set its own.
    """

    threshold_seconds: float = 20.0
    target: float = 0.8
    short_abandon_seconds: float = 0.0


@dataclass
class CostsConfig:
    """Cost rates for the cost KPIs and the report (one currency).

    ``hourly_cost``: cost of a logged-in agent hour; ``hourly_cost_by_group`` overrides it
    per group name. ``overtime_premium``: extra share of the hourly cost for overtime
    (0.5 = time and a half). ``outsourcer_per_contact``: the partner's fee per contact;
    ``abandoned_contact``: estimated cost of an abandoned contact (0 = left out);
    ``repeat_contact``: estimated cost of a repeat contact, beyond the agents' time (0 =
    left out).
    """

    currency: str = "EUR"
    hourly_cost: float = 30.0
    hourly_cost_by_group: dict[str, float] = field(default_factory=dict)
    overtime_premium: float = 0.5
    outsourcer_per_contact: float = 8.0
    abandoned_contact: float = 0.0
    repeat_contact: float = 0.0


@dataclass
class PlanConfig:
    """The hiring frontier (``mode=plan``): staffing variants, annualised for finance.

    ``scales``: multipliers of every count-staffed group's staffing table (each interval
    rounded to whole agents); must include 1.0, the reference plan. ``staffing_files``:
    alternative staffing tables (not built yet: must be empty). ``days_per_year``: open
    days a year; ``paid_hours_per_fte``: paid hours of one FTE a year; ``shrinkage``: share
    of paid hours not logged in, in [0, 1); ``hiring_cost_per_fte``: hiring and training
    one agent; ``attrition_rate``: share of FTE replaced a year, in [0, 1].
    """

    scales: list[float] = field(default_factory=lambda: [0.9, 0.95, 1.0, 1.05, 1.1])
    staffing_files: list[str] = field(default_factory=list)
    days_per_year: float = 250.0
    paid_hours_per_fte: float = 1650.0
    shrinkage: float = 0.3
    hiring_cost_per_fte: float = 5000.0
    attrition_rate: float = 0.25


@dataclass
class StaffingConfig:
    """The staffing solver (``mode=staff``).

    ``confidence``: ``null``: an interval meets a contact type's target when the mean over
    the ``run.replications`` days does; a share p in (0, 1): when it meets the target on at
    least a share p of the days. ``shrinkage``: share of paid time off the phone that the
    simulation does not model, in [0, 1): the report and ``required_gross_agents`` gross the
    required agents up by it. ``occupancy_cap``: a share in (0, 1] no group's mean
    occupancy in an interval may exceed, or null. ``verify_replications``: days of the
    verification run on a fresh seed (null: ``run.replications``).
    """

    confidence: float | None = None
    shrinkage: float = 0.0
    occupancy_cap: float | None = None
    verify_replications: int | None = None


@dataclass
class CalibrateConfig:
    """Calibration from a contact log (``mode=calibrate``; see :mod:`sim.config.calibrate`).

    ``log_file``: the log, a CSV of one row per contact (required with ``mode=calibrate``;
    relative to the current folder). ``name``: the calibrated scenario's name (letters,
    digits and ``_``, starting with a letter), its config file and data folder in the run
    folder. ``interval_minutes``: the calibrated day's interval, 15, 30 or 60.
    """

    log_file: str | None = None
    name: str = "calibrated"
    interval_minutes: int = 30


@dataclass
class ReportConfig:
    """The run folder's report and figures.

    ``figure_policies``: the policies the per-interval figures (``service_level.png``,
    ``occupancy.png``) draw beside the baseline (``none``, else the first policy): a list
    of at most three of the run's policies (or one name); ``None``: the three best by the
    day's service level. ``figures``: draw ``figures/*.png`` (false: tables and report only,
    a few seconds faster per run, e.g. for sweeps or tests).
    """

    figure_policies: Any = None
    figures: bool = True


@dataclass
class AlertsConfig:
    """The thresholds of ``alerts.csv`` and the report's views (``configs/alerts.yaml``).

    Analyst: ``intervals_below_target`` intervals running below a live type's target (a
    whole number >= 1); a mean ``queue_length`` (contacts) and a ``longest_wait_seconds``
    above these. Supervisor: a group's ``adherence`` below ``adherence_floor``, its
    ``occupancy`` above ``occupancy_ceiling``. Executive: the chance a day misses the target
    above ``missed_target_chance``; a type's day's demand off its forecast by more than
    ``forecast_error_band`` (a share) either way.
    """

    intervals_below_target: int = 2
    queue_length: float = 10.0
    longest_wait_seconds: float = 300.0
    adherence_floor: float = 0.9
    occupancy_ceiling: float = 0.9
    missed_target_chance: float = 0.2
    forecast_error_band: float = 0.15


@dataclass
class Config:
    """The root of the config tree.

    ``mode``: ``run`` (simulate the policies on the staffing as given) or ``plan`` (the
    hiring frontier: every ``plan.scales`` variant of the staffing under the policies) or
    ``staff`` (the staffing solver: the fewest agents per interval and count-staffed group
    that meet every live contact type's target; ``staffing``) or ``calibrate`` (a scenario
    estimated from a contact log; ``calibrate``).
    ``policies``: the policies compared (a list of names, or one name); ``None``: the
    scenario's ``default_policies``. ``policy``: each policy's parameters by name, from
    ``configs/policy/<name>.yaml``. ``report``: what the report's figures show.
    """

    scenario: Any = MISSING
    run: RunConfig = field(default_factory=RunConfig)
    service_level: ServiceLevelConfig = field(default_factory=ServiceLevelConfig)
    costs: CostsConfig = field(default_factory=CostsConfig)
    policies: Any = None
    policy: dict[str, Any] = field(default_factory=dict)
    mode: str = "run"
    plan: PlanConfig = field(default_factory=PlanConfig)
    staffing: StaffingConfig = field(default_factory=StaffingConfig)
    calibrate: CalibrateConfig = field(default_factory=CalibrateConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
