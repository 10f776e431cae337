"""Unit tests for sim.config.build_run on dataclass configs: a valid config becomes a RunSpec,
and every kind of bad value is reported as ``key = value: what is allowed``, all together;
and every shipped scenario config composes with Hydra and validates."""

from __future__ import annotations

import csv
import dataclasses
import importlib.util
import shutil
from pathlib import Path

import pytest
from omegaconf import MISSING, OmegaConf

from sim.cli.app import compose_config
from sim.config.run import PROJECT_ROOT, ConfigError, RunSpec, build_run
from sim.config.schema import (
    Config,
    ContactServiceLevelConfig,
    ContactTypeConfig,
    DayScenarioConfig,
    DistributionConfig,
    ErlangScenarioConfig,
    GroupConfig,
    OverflowStepConfig,
    RoutingConfig,
    RunConfig,
    ServiceLevelConfig,
)

DEFAULT_DATA = PROJECT_ROOT / "scenarios" / "default"
SCENARIO_CONFIGS = PROJECT_ROOT / "configs" / "scenario"
SHIPPED = sorted(p.stem for p in SCENARIO_CONFIGS.glob("*.yaml"))
TYPES = ("sales", "service", "billing", "service_fr", "chat", "email")
GROUPS = ("sales", "service", "billing", "bilingual", "digital")


def shipped(name: str = "default") -> DayScenarioConfig:
    """configs/scenario/<name>.yaml as a DayScenarioConfig (its defaults list dropped)."""
    raw = OmegaConf.load(SCENARIO_CONFIGS / f"{name}.yaml")
    del raw["defaults"]
    return OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(DayScenarioConfig), raw))


def day(**changes) -> DayScenarioConfig:
    """The shipped default scenario, changed."""
    return dataclasses.replace(shipped(), **changes)


def with_type(name: str, scenario: DayScenarioConfig | None = None, **changes):
    """The default scenario (or ``scenario``) with contact type ``name`` changed."""
    s = scenario or day()
    s.contact_types[name] = dataclasses.replace(s.contact_types[name], **changes)
    return s


def without_type(name: str) -> DayScenarioConfig:
    """The default scenario without the contact_types entry ``name``."""
    s = day()
    del s.contact_types[name]
    return s


def erlang(**changes) -> ErlangScenarioConfig:
    """The shipped erlang scenario (200 calls/h, AHT 180 s, 14 agents), changed."""
    return dataclasses.replace(ErlangScenarioConfig(200.0, 180.0, 14), **changes)


def problems(cfg: Config) -> list[str]:
    """The problems build_run reports for ``cfg`` (it must raise ConfigError)."""
    with pytest.raises(ConfigError) as info:
        build_run(cfg)
    assert info.value.problems
    return info.value.problems


def read_table(path: Path) -> dict[str, list[str]]:
    """A CSV file as column -> list of texts."""
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    return {column: [row[column] for row in rows] for column in rows[0]}


# --- valid configs ---------------------------------------------------------------------------


def test_default_day_config_builds_the_scenario_from_its_files():
    """The default config gives 24 intervals from 08:00, types in forecast-column order and
    groups in staffing-column order, with the CSVs' values and skills."""
    spec = build_run(Config(scenario=day(), run=RunConfig(replications=3, seed=7, workers=1)))
    assert isinstance(spec, RunSpec)
    assert (spec.replications, spec.seed, spec.workers) == (3, 7, 1)
    # No root policies: the scenario's own default comparison.
    assert spec.policies == tuple(day().default_policies) and "analyst" in spec.policies
    s = spec.scenario
    assert s.name == "default" and s.intervals == 24 and s.interval_seconds == 1800.0
    assert s.interval_label(0) == "08:00" and s.interval_label(23) == "19:30"
    assert s.type_names == TYPES and s.group_names == GROUPS
    forecast, staffing = (
        read_table(DEFAULT_DATA / "forecast.csv"),
        read_table(DEFAULT_DATA / "staffing.csv"),
    )
    for t in s.contact_types:
        assert t.forecast == tuple(float(v) for v in forecast[t.name])
    for g in s.groups:
        assert g.staffing == tuple(int(v) for v in staffing[g.name])
        assert all(isinstance(n, int) for n in g.staffing)
    skills = read_table(DEFAULT_DATA / "skills.csv")
    assert sum(len(g.skills) for g in s.groups) == len(skills["group"])
    service = s.groups[1]
    fr = service.skill_for("service_fr")
    assert fr is not None and (fr.proficiency, fr.level) == (1.2, 3)
    assert [sk.contact_type for sk in service.skills] == ["service", "billing", "service_fr"]
    digital = s.groups[4]
    assert (digital.chat_concurrency, digital.chat_stretch) == (3, 0.25)
    assert (s.groups[0].chat_concurrency, s.groups[0].chat_stretch) == (1, 0.0)
    sales, service_fr, chat, email = (s.contact_types[i] for i in (0, 3, 4, 5))
    assert (sales.channel, chat.channel, email.channel) == ("voice", "chat", "email")
    assert (sales.handle_time.kind, sales.handle_time.mean, sales.handle_time.cv) == (
        "lognormal",
        420.0,
        0.9,
    )
    assert sales.wrap_up.kind == "gamma" and sales.patience.mean == 180.0
    assert email.patience is None and email.wrap_up is None
    assert [(o.after_seconds, o.groups) for o in service_fr.overflow] == [(60.0, ("service",))]
    assert (sales.service_level.threshold_seconds, sales.service_level.target) == (20.0, 0.8)
    assert (chat.service_level.threshold_seconds, chat.service_level.target) == (60.0, 0.8)
    assert (email.service_level.threshold_seconds, email.service_level.target) == (14400.0, 0.9)
    assert (s.routing.agent_selection, s.routing.contact_selection) == (
        "longest_idle",
        "preference",
    )
    assert s.trunks is None and s.warmup_intervals == 0


def test_type_service_level_falls_back_to_the_top_level_service_level():
    """Unset per-type threshold and target come from service_level; short abandons always do."""
    cfg = Config(
        scenario=with_type("chat", service_level=ContactServiceLevelConfig(target=0.7)),
        service_level=ServiceLevelConfig(threshold_seconds=30, target=0.9, short_abandon_seconds=5),
    )
    sl = {t.name: t.service_level for t in build_run(cfg).scenario.contact_types}
    assert (sl["sales"].threshold_seconds, sl["sales"].target) == (30.0, 0.9)
    assert (sl["chat"].threshold_seconds, sl["chat"].target) == (30.0, 0.7)
    assert (sl["email"].threshold_seconds, sl["email"].target) == (14400.0, 0.9)
    assert {x.short_abandon_seconds for x in sl.values()} == {5.0}


def test_day_options_reach_the_scenario():
    """Trunks, warm-up, routing, priority and unset wrap-up / patience reach the Scenario."""
    scenario = with_type(
        "sales",
        day(
            trunks=40,
            warmup_minutes=60,
            routing=RoutingConfig("most_proficient", "service_level_gap"),
        ),
        wrap_up=None,
        patience=None,
        priority=2,
    )
    s = build_run(Config(scenario=scenario)).scenario
    sales = s.contact_types[0]
    assert (s.trunks, s.warmup_intervals) == (40, 2)
    assert (sales.wrap_up, sales.patience, sales.priority) == (None, None, 2)
    assert (s.routing.agent_selection, s.routing.contact_selection) == (
        "most_proficient",
        "service_level_gap",
    )


def test_overflow_steps_reach_the_scenario_in_order():
    """Several overflow steps with rising delays are kept, in order, with their groups."""
    steps = [OverflowStepConfig(0.0, ["billing"]), OverflowStepConfig(45.0, ["sales", "bilingual"])]
    s = build_run(Config(scenario=with_type("service", overflow=steps))).scenario
    assert [(o.after_seconds, o.groups) for o in s.contact_types[1].overflow] == [
        (0.0, ("billing",)),
        (45.0, ("sales", "bilingual")),
    ]


def test_relative_data_dir_is_relative_to_the_project_not_the_cwd(tmp_path, monkeypatch):
    """scenario.data_dir 'scenarios/default' works from any working directory."""
    monkeypatch.chdir(tmp_path)
    assert build_run(Config(scenario=day())).scenario.intervals == 24


def test_erlang_config_builds_a_steady_queue():
    """The erlang config gives 8 + 1 hours of 15-minute intervals with the warm-up left out."""
    s = build_run(Config(scenario=erlang(patience_seconds=300.0))).scenario
    assert s.intervals == 36 and s.warmup_intervals == 4 and s.interval_seconds == 900.0
    (calls,), (agents,) = s.contact_types, s.groups
    assert set(agents.staffing) == {14} and calls.forecast[0] == pytest.approx(50.0)
    assert calls.handle_time.kind == "exponential" and calls.patience.mean == 300.0
    assert s.reference.agents == 14 and s.reference.mean_patience_seconds == 300.0


@pytest.mark.parametrize("scenario", [erlang(), day()], ids=["erlang", "day"])
def test_omegaconf_node_is_accepted(scenario):
    """build_run takes an OmegaConf node of a Config as well as the dataclass."""
    spec = build_run(OmegaConf.structured(Config(scenario=scenario)))
    assert spec.scenario.intervals in (24, 36)


def test_keys_added_to_an_omegaconf_node_are_reported():
    """Keys that are not in the schema (what Hydra's '+' adds) are each reported by path."""
    cfg = OmegaConf.structured(Config(scenario=erlang()))
    OmegaConf.update(cfg, "scenario.agentz", 3, force_add=True)
    OmegaConf.update(cfg, "run.replicatons", 5, force_add=True)
    found = problems(cfg)
    assert len(found) == 2
    assert found[0].startswith("scenario.agentz: unknown key")
    assert found[1].startswith("run.replicatons: unknown key")


def test_keys_added_inside_contact_types_and_overflow_steps_are_reported():
    """Smuggled keys deep in a day scenario, in a dict entry or a list item, are found too."""
    cfg = OmegaConf.structured(Config(scenario=day()))
    OmegaConf.update(cfg, "scenario.contact_types.sales.handel_time", 3, force_add=True)
    OmegaConf.update(cfg, "scenario.contact_types.service_fr.overflow[0].delay", 5, force_add=True)
    found = problems(cfg)
    assert [p.split(": ")[0] for p in found] == [
        "scenario.contact_types.sales.handel_time",
        "scenario.contact_types.service_fr.overflow[0].delay",
    ]


def test_unset_values_in_an_omegaconf_node_are_reported():
    """A node with '???' values is refused with each key, not a traceback."""
    cfg = OmegaConf.structured(Config(scenario=day()))
    cfg.scenario.contact_types.sales.handle_time = MISSING
    cfg.scenario.data_dir = MISSING
    assert problems(cfg) == [
        "scenario.contact_types.sales.handle_time: required value not set",
        "scenario.data_dir: required value not set",
    ]


# --- one problem at a time -------------------------------------------------------------------


BAD_VALUES = [
    (Config(scenario=erlang(agents=0)), "scenario.agents = 0: must be a whole number >= 1"),
    (Config(scenario=erlang(agents=-3)), "scenario.agents = -3: must be a whole number >= 1"),
    (Config(scenario=erlang(agents=2.5)), "scenario.agents = 2.5: must be a whole number"),
    (Config(scenario=erlang(agents="abc")), "scenario.agents = 'abc': must be"),
    (Config(scenario=erlang(agents=True)), "scenario.agents = True: must be"),
    (Config(scenario=erlang(aht_seconds=0)), "scenario.aht_seconds = 0: must be a number > 0"),
    (Config(scenario=erlang(aht_seconds=-5)), "scenario.aht_seconds = -5: must be"),
    (Config(scenario=erlang(aht_seconds="abc")), "scenario.aht_seconds = 'abc': must be"),
    (Config(scenario=erlang(calls_per_hour=0)), "scenario.calls_per_hour = 0: must be"),
    (Config(scenario=erlang(calls_per_hour=float("nan"))), "scenario.calls_per_hour = nan"),
    (Config(scenario=erlang(patience_seconds=-1)), "scenario.patience_seconds = -1: must be"),
    (Config(scenario=erlang(patience_seconds=0)), "scenario.patience_seconds = 0: must be"),
    (Config(scenario=erlang(hours=2.1)), "scenario.hours = 2.1: must be a multiple of 0.25"),
    (Config(scenario=erlang(hours=0)), "scenario.hours = 0: must be a number > 0"),
    (Config(scenario=erlang(warmup_hours=0.3)), "scenario.warmup_hours = 0.3: must be a mult"),
    (Config(scenario=erlang(warmup_hours=-1)), "scenario.warmup_hours = -1: must be"),
    (
        Config(scenario=erlang(), service_level=ServiceLevelConfig(threshold_seconds=-1)),
        "service_level.threshold_seconds = -1: must be a number >= 0",
    ),
    (
        Config(scenario=erlang(), service_level=ServiceLevelConfig(target=1.5)),
        "service_level.target = 1.5: must be a share in (0, 1]",
    ),
    (
        Config(scenario=erlang(), service_level=ServiceLevelConfig(target=0)),
        "service_level.target = 0: must be a share in (0, 1]",
    ),
    (
        Config(scenario=erlang(), service_level=ServiceLevelConfig(short_abandon_seconds=-1)),
        "service_level.short_abandon_seconds = -1: must be",
    ),
    (
        Config(scenario=erlang(), run=RunConfig(replications=0)),
        "run.replications = 0: must be a whole number >= 1",
    ),
    (Config(scenario=erlang(), run=RunConfig(replications=2.5)), "run.replications = 2.5"),
    (Config(scenario=erlang(), run=RunConfig(workers=-1)), "run.workers = -1: must be"),
    (Config(scenario=erlang(), run=RunConfig(seed=-1)), "run.seed = -1: must be"),
    (Config(scenario=erlang(), policies=["none", "nope"]), "policies[1] = 'nope': unknown"),
    (Config(scenario=erlang(), policies=[]), "policies = []: must name at least one"),
    (Config(scenario=erlang(), policies=["none", "none"]), "policies = ['none', 'none']"),
    (Config(), "scenario = 'str': must be an erlang or a day scenario"),
]


def case_id(expected: str) -> str:
    """A test id from an expected message: its key and value."""
    return expected.split(": ")[0].replace(" ", "").replace("scenario.contact_types.", "")


@pytest.mark.parametrize(("cfg", "expected"), BAD_VALUES, ids=[case_id(e) for _, e in BAD_VALUES])
def test_one_bad_value_is_reported(cfg, expected):
    """Each bad value is the only problem reported, as 'key = value: what is allowed'."""
    found = problems(cfg)
    assert len(found) == 1, found
    assert found[0].startswith(expected), found


def test_unset_required_values_are_each_reported():
    """An erlang scenario with nothing set reports calls_per_hour, aht_seconds and agents."""
    found = problems(Config(scenario=ErlangScenarioConfig()))
    assert [p.split(" = ")[0] for p in found] == [
        "scenario.calls_per_hour",
        "scenario.aht_seconds",
        "scenario.agents",
    ]
    assert all("'???'" in p for p in found)


def test_unset_required_day_values_are_each_reported():
    """A day scenario with nothing set reports name, contact_types and data_dir."""
    found = problems(Config(scenario=DayScenarioConfig()))
    assert [p.split(" = ")[0] for p in found] == [
        "scenario.name",
        "scenario.contact_types",
        "scenario.data_dir",
    ]
    assert all("'???': required" in p for p in found)


def dist(distribution, mean=300.0, cv=None, **kw) -> DistributionConfig:
    """A DistributionConfig, for brevity in the table below."""
    return DistributionConfig(distribution, mean, cv, **kw)


def step(after, *groups) -> OverflowStepConfig:
    """An OverflowStepConfig, for brevity in the table below."""
    return OverflowStepConfig(after, list(groups))


SALES = "scenario.contact_types.sales"
SERVICE = "scenario.contact_types.service"
FR = "scenario.contact_types.service_fr"
BAD_DAY_VALUES = [
    # distributions
    (with_type("sales", handle_time=dist("lognormal", cv=0)), f"{SALES}.handle_time.cv = 0: must"),
    (with_type("sales", handle_time=dist("gamma", cv=-1)), f"{SALES}.handle_time.cv = -1: must"),
    (with_type("sales", handle_time=dist("lognormal")), f"{SALES}.handle_time.cv = None: must be"),
    (
        with_type("sales", handle_time=dist("lognormal", 0, 1)),
        f"{SALES}.handle_time.mean_seconds = 0",
    ),
    (
        with_type("sales", handle_time=dist("exponential", None)),
        f"{SALES}.handle_time.mean_seconds = None",
    ),
    (
        with_type("sales", handle_time=dist("exponential", cv=0.9)),
        f"{SALES}.handle_time.cv = 0.9: a exponential distribution takes no cv",
    ),
    (
        with_type("sales", handle_time=dist("weibull", cv=1)),
        f"{SALES}.handle_time.distribution = 'weibull': unknown distribution",
    ),
    (
        with_type("sales", handle_time=dist("empirical", None)),
        f"{SALES}.handle_time.file/{SALES}.handle_time.column = (None, None)",
    ),
    (
        with_type("sales", handle_time=MISSING),
        f"{SALES}.handle_time = '???': required: a distribution",
    ),
    (
        with_type("sales", wrap_up=dist("gamma", 30, 0)),
        f"{SALES}.wrap_up.cv = 0: must be a number > 0",
    ),
    (with_type("sales", patience=dist("lognormal", -1, 1)), f"{SALES}.patience.mean_seconds = -1"),
    # contact types
    (
        with_type("sales", channel="fax"),
        f"{SALES}.channel = 'fax': unknown channel; allowed: ['voice', 'chat', 'email']",
    ),
    (
        with_type("email", patience=dist("exponential", 3600.0)),
        "scenario.contact_types.email.patience = {'distribution': 'exponential', "
        "'mean_seconds': 3600.0}: must be null for an email contact type",
    ),
    (
        with_type("chat", service_level=ContactServiceLevelConfig(threshold_seconds=-1)),
        "scenario.contact_types.chat.service_level.threshold_seconds = -1: must be a number >= 0",
    ),
    (
        with_type("chat", service_level=ContactServiceLevelConfig(target=1.5)),
        "scenario.contact_types.chat.service_level.target = 1.5: must be a share in (0, 1]",
    ),
    (
        with_type("chat", service_level=ContactServiceLevelConfig(target=0)),
        "scenario.contact_types.chat.service_level.target = 0: must be a share in (0, 1]",
    ),
    (with_type("sales", priority=1.5), f"{SALES}.priority = 1.5: must be a whole number"),
    (with_type("sales", priority="high"), f"{SALES}.priority = 'high': must be a whole number"),
    (
        without_type("email"),
        "scenario.forecast_file: forecast.csv column 'email' has no entry in scenario.contact_types",
    ),
    (day(contact_types={}), "scenario.contact_types = {}: required: at least one contact type"),
    (day(name=""), "scenario.name = '': required: a name"),
    # overflow
    (
        with_type("service_fr", overflow=[step(60.0, "nobody")]),
        f"{FR}.overflow[0].groups[0] = 'nobody': unknown group (not a staffing column); "
        f"allowed: {list(GROUPS)}",
    ),
    (
        with_type("service_fr", overflow=[step(60.0, "digital")]),
        f"{FR}.overflow[0].groups[0] = 'digital': group has no skill for 'service_fr': add a row "
        "'digital,service_fr,<proficiency>,<level>' to scenario.skills_file",
    ),
    (
        with_type("service", overflow=[step(30.0, "billing"), step(30.0, "sales")]),
        f"{SERVICE}.overflow[1].after_seconds = 30.0: must be greater than the previous step's "
        "after_seconds (30)",
    ),
    (
        with_type("service", overflow=[step(60.0, "billing"), step(30.0, "sales")]),
        f"{SERVICE}.overflow[1].after_seconds = 30.0: must be greater than",
    ),
    (
        with_type("service", overflow=[step(30.0, "billing", "billing")]),
        f"{SERVICE}.overflow[0].groups[1] = 'billing': group already named in {SERVICE}.overflow[0]",
    ),
    (
        with_type("service", overflow=[step(30.0, "billing"), step(60.0, "sales", "billing")]),
        f"{SERVICE}.overflow[1].groups[1] = 'billing': group already named in {SERVICE}.overflow[0]",
    ),
    (
        with_type("service", overflow=[step(-5.0, "billing")]),
        f"{SERVICE}.overflow[0].after_seconds = -5.0: must be a number >= 0",
    ),
    (
        with_type("service", overflow=[OverflowStepConfig(groups=["billing"])]),
        f"{SERVICE}.overflow[0].after_seconds = '???': must be a number >= 0",
    ),
    (
        with_type("service", overflow=[step(30.0)]),
        f"{SERVICE}.overflow[0].groups = []: must name at least one group",
    ),
    # groups and routing
    (
        day(groups={"digital": GroupConfig(chat_concurrency=0)}),
        "scenario.groups.digital.chat_concurrency = 0: must be a whole number >= 1",
    ),
    (
        day(groups={"digital": GroupConfig(chat_concurrency=2.5)}),
        "scenario.groups.digital.chat_concurrency = 2.5: must be a whole number >= 1",
    ),
    (
        day(groups={"digital": GroupConfig(3, chat_stretch=-0.1)}),
        "scenario.groups.digital.chat_stretch = -0.1: must be a number >= 0",
    ),
    (
        day(groups={"nobody": GroupConfig()}),
        "scenario.groups.nobody: no column 'nobody' in scenario.staffing_file (staffing.csv); "
        f"allowed: a group of the staffing or the schedule: {list(GROUPS)}",
    ),
    (
        day(routing=RoutingConfig(agent_selection="fastest")),
        "scenario.routing.agent_selection = 'fastest': unknown rule; allowed: "
        "['longest_idle', 'fewest_skills', 'most_proficient', 'random']",
    ),
    (
        day(routing=RoutingConfig(contact_selection="fifo")),
        "scenario.routing.contact_selection = 'fifo': unknown rule; allowed: "
        "['preference', 'service_level_gap']",
    ),
    # day-wide values and files
    (day(trunks=0), "scenario.trunks = 0: must be a whole number >= 1"),
    (day(trunks=-2), "scenario.trunks = -2: must be a whole number >= 1"),
    (day(interval_minutes=20), "scenario.interval_minutes = 20: allowed: [15, 30, 60]"),
    (day(warmup_minutes=-30), "scenario.warmup_minutes = -30: must be a whole number >= 0"),
    (day(warmup_minutes=45), "scenario.warmup_minutes = 45: must be a multiple of interv"),
    (day(warmup_minutes=720), "scenario.warmup_minutes = 720: must be a multiple of inter"),
    (day(data_dir="nowhere"), "scenario.data_dir = 'nowhere': folder not found"),
    (day(forecast_file="nope.csv"), "scenario.forecast_file: file not found"),
    (day(staffing_file="nope.csv"), "scenario.staffing_file: file not found"),
    (day(skills_file="nope.csv"), "scenario.skills_file: file not found"),
]


@pytest.mark.parametrize(
    ("scenario", "expected"), BAD_DAY_VALUES, ids=[case_id(e) for _, e in BAD_DAY_VALUES]
)
def test_one_bad_day_value_is_reported(scenario, expected):
    """Each bad day-scenario value is the only problem reported, naming its key and value."""
    found = problems(Config(scenario=scenario))
    assert len(found) == 1, found
    assert found[0].startswith(expected), found


def test_contact_type_without_forecast_column_or_skill_is_reported():
    """A contact_types entry with no forecast column (and so no skills row) gets both problems."""
    s = day()
    s.contact_types["mortgage"] = ContactTypeConfig(handle_time=dist("exponential"))
    found = problems(Config(scenario=s))
    assert len(found) == 2, found
    assert found[0].startswith(
        "scenario.contact_types.mortgage: no column 'mortgage' in scenario.forecast_file "
        "(forecast.csv)"
    )
    assert found[1].startswith("scenario.contact_types.mortgage: no group can serve it")


def test_warmup_of_the_whole_day_minus_one_interval_is_allowed():
    """warmup_minutes may go up to one interval short of the day (690 of 720 minutes)."""
    assert build_run(Config(scenario=day(warmup_minutes=690))).scenario.warmup_intervals == 23


def test_fifteen_minute_intervals_on_half_hour_data_name_each_file():
    """interval_minutes 15 against 30-minute files is reported against both files' lines."""
    found = problems(Config(scenario=day(interval_minutes=15)))
    assert any(p.startswith("scenario.forecast_file: forecast.csv line 3:") for p in found)
    assert any(p.startswith("scenario.staffing_file: staffing.csv line 3:") for p in found)


# --- several problems at once ----------------------------------------------------------------


def test_several_problems_are_collected_in_one_config_error():
    """Bad values in scenario, run, service level and policies all come back in one error."""
    cfg = Config(
        scenario=erlang(agents=0, aht_seconds=-1, hours=2.1),
        run=RunConfig(replications=0),
        service_level=ServiceLevelConfig(target=2),
        policies=["none", "nope"],
    )
    with pytest.raises(ConfigError) as info:
        build_run(cfg)
    found = info.value.problems
    for key in (
        "scenario.agents = 0",
        "scenario.aht_seconds = -1",
        "scenario.hours = 2.1",
        "run.replications = 0",
        "service_level.target = 2",
        "policies[1] = 'nope'",
    ):
        assert sum(p.startswith(key) for p in found) == 1, (key, found)
    assert len(found) == 6
    assert all(f"  - {p}" in str(info.value) for p in found)


def test_several_day_problems_are_collected_in_one_config_error():
    """File, distribution, channel, overflow, group, routing and day-wide problems together."""
    s = day(
        staffing_file="nope.csv",
        trunks=0,
        warmup_minutes=-1,
        groups={"digital": GroupConfig(chat_concurrency=0, chat_stretch=-1)},
        routing=RoutingConfig(contact_selection="fifo"),
    )
    s = with_type("sales", s, handle_time=dist("lognormal", cv=0), channel="fax")
    s = with_type("service", s, overflow=[step(30.0, "billing"), step(10.0, "sales")])
    found = problems(Config(scenario=s))
    expected = [
        "scenario.staffing_file: file not found",
        f"{SALES}.channel = 'fax'",
        f"{SALES}.handle_time.cv = 0",
        f"{SERVICE}.overflow[1].after_seconds = 10.0",
        "scenario.groups.digital.chat_concurrency = 0",
        "scenario.groups.digital.chat_stretch = -1",
        "scenario.routing.contact_selection = 'fifo'",
        "scenario.trunks = 0",
        "scenario.warmup_minutes = -1",
    ]
    assert len(found) == len(expected), found
    for problem, start in zip(found, expected, strict=True):
        assert problem.startswith(start), (start, found)


def test_bad_interval_minutes_does_not_hide_other_problems():
    """With interval_minutes 20 and trunks 0, both problems are reported together."""
    found = problems(Config(scenario=day(interval_minutes=20, trunks=0)))
    assert any(p.startswith("scenario.interval_minutes = 20") for p in found)
    assert any(p.startswith("scenario.trunks = 0") for p in found)


@pytest.mark.parametrize(
    "sl", [ServiceLevelConfig(threshold_seconds="abc"), ServiceLevelConfig(target=None)]
)
def test_non_numeric_service_level_is_a_config_error(sl):
    """A non-numeric service-level value is reported as a problem, not raised as a crash."""
    found = problems(Config(scenario=erlang(), service_level=sl))
    assert found[0].startswith("service_level.")


@pytest.mark.parametrize("warmup", ["abc", None])
def test_non_numeric_warmup_is_a_config_error(warmup):
    """A non-numeric warmup_minutes is reported as a problem, not raised as a crash."""
    found = problems(Config(scenario=day(warmup_minutes=warmup)))
    assert found[0].startswith("scenario.warmup_minutes = ")


# --- data files through build_run ------------------------------------------------------------


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A copy of scenarios/default in a temp folder."""
    folder = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA, folder)
    return folder


def edit(path: Path, line: int, text: str | None) -> None:
    """Replace (or, with None, delete) line ``line`` (1-based) of a text file."""
    lines = path.read_text().splitlines()
    if text is None:
        del lines[line - 1]
    else:
        lines[line - 1] = text
    path.write_text("\n".join(lines) + "\n")


def test_empirical_handle_time_is_read_from_a_csv_column(data_dir):
    """An empirical handle time reads the named column of a CSV in the data folder."""
    (data_dir / "talk.csv").write_text("agent,seconds\na,100\nb,200\nc,600\n")
    handle = DistributionConfig("empirical", file="talk.csv", column="seconds")
    scenario = with_type(
        "sales", day(data_dir=str(data_dir), allow_outside_paths=True), handle_time=handle
    )
    sales = build_run(Config(scenario=scenario)).scenario.contact_types[0]
    assert sales.handle_time.kind == "empirical"
    assert sales.handle_time.values == (100.0, 200.0, 600.0) and sales.handle_time.mean == 300.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("agent,secs\na,100\n", f"{SALES}.handle_time.file: talk.csv lacks column 'seconds'"),
        ("seconds\n100\n-5\n", f"{SALES}.handle_time.file: talk.csv column 'seconds' lines [3]"),
        ("seconds\n0\n0\n", f"{SALES}.handle_time.file = 'talk.csv': the values must have a pos"),
    ],
    ids=["missing-column", "negative-value", "zero-mean"],
)
def test_empirical_handle_time_problems_are_reported(data_dir, text, expected):
    """A missing column, a bad value or an all-zero column of an empirical CSV is reported."""
    (data_dir / "talk.csv").write_text(text)
    handle = DistributionConfig("empirical", file="talk.csv", column="seconds")
    scenario = with_type(
        "sales", day(data_dir=str(data_dir), allow_outside_paths=True), handle_time=handle
    )
    found = problems(Config(scenario=scenario))
    assert len(found) == 1 and found[0].startswith(expected), found


def test_empirical_file_missing_is_reported(data_dir):
    """An empirical distribution naming a file that does not exist is reported with the key."""
    handle = DistributionConfig("empirical", file="talk.csv", column="seconds")
    scenario = with_type(
        "sales", day(data_dir=str(data_dir), allow_outside_paths=True), handle_time=handle
    )
    (problem,) = problems(Config(scenario=scenario))
    assert problem.startswith(f"{SALES}.handle_time.file: file not found") and "talk.csv" in problem


def test_forecast_and_staffing_of_different_lengths(data_dir):
    """A staffing file one interval short is reported against scenario.staffing_file."""
    edit(data_dir / "staffing.csv", 25, None)
    (problem,) = problems(Config(scenario=day(data_dir=str(data_dir), allow_outside_paths=True)))
    assert problem.startswith("scenario.staffing_file = 'staffing.csv': must cover the same")
    assert "24 intervals from 08:00" in problem and "23 intervals from 08:00" in problem


def test_forecast_and_staffing_with_different_starts(data_dir):
    """A staffing file starting half an hour late is reported with both starts."""
    path = data_dir / "staffing.csv"
    lines = path.read_text().splitlines()
    shifted = [lines[0]] + [
        f"{int(line[:2]) + (line[3:5] == '30'):02d}:{'00' if line[3:5] == '30' else '30'}{line[5:]}"
        for line in lines[1:]
    ]
    path.write_text("\n".join(shifted) + "\n")
    (problem,) = problems(Config(scenario=day(data_dir=str(data_dir), allow_outside_paths=True)))
    assert problem.startswith("scenario.staffing_file = 'staffing.csv': must cover the same")
    assert "24 intervals from 08:00" in problem and "24 intervals from 08:30" in problem


SKILL_ROWS = [
    ("digital,mortgage,1,1", "line 13: contact_type 'mortgage' is not a contact type; allowed: "),
    ("nobody,sales,1,1", "line 13: group 'nobody' is not a group; allowed: "),
    ("digital,sales,0,2", "line 13: proficiency '0' is not allowed; allowed: a number > 0"),
    ("digital,sales,fast,2", "line 13: proficiency 'fast' is not allowed"),
    ("digital,sales,1,0", "line 13: level '0' is not allowed; allowed: a whole number >= 1"),
    ("digital,sales,1,2.5", "line 13: level '2.5' is not allowed"),
    (
        "sales,service,1,3",
        "line 13: group 'sales' and contact_type 'service' already appear on line 3",
    ),
]


@pytest.mark.parametrize(
    ("row", "expected"),
    SKILL_ROWS,
    ids=[
        "unknown-type",
        "unknown-group",
        "proficiency-0",
        "proficiency-text",
        "level-0",
        "level-fraction",
        "duplicate",
    ],
)
def test_bad_skills_row_is_reported_with_key_file_and_line(data_dir, row, expected):
    """A bad row added to skills.csv is the only problem, named by key, file and line."""
    with (data_dir / "skills.csv").open("a") as f:
        f.write(row + "\n")
    (problem,) = problems(Config(scenario=day(data_dir=str(data_dir), allow_outside_paths=True)))
    assert problem.startswith(f"scenario.skills_file: skills.csv {expected}"), problem


def skills_line(data_dir: Path, row: str) -> int:
    """The 1-based line of ``row`` in the data folder's skills.csv."""
    return (data_dir / "skills.csv").read_text().splitlines().index(row) + 1


def test_contact_type_no_group_can_serve_is_reported(data_dir):
    """Without a skills row for email, the email type is reported as unserved."""
    edit(data_dir / "skills.csv", skills_line(data_dir, "digital,email,1.0,2"), None)
    (problem,) = problems(Config(scenario=day(data_dir=str(data_dir), allow_outside_paths=True)))
    assert problem.startswith(
        "scenario.contact_types.email: no group can serve it; add a row "
        "'<group>,email,<proficiency>,<level>' to scenario.skills_file (skills.csv)"
    )


def test_group_without_skills_is_reported(data_dir):
    """A staffing column with no skills row is a group that could serve nothing."""
    path = data_dir / "staffing.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0] + ",trainees"] + [x + ",2" for x in lines[1:]]) + "\n")
    (problem,) = problems(Config(scenario=day(data_dir=str(data_dir), allow_outside_paths=True)))
    assert problem.startswith(
        "scenario.staffing_file: staffing.csv column 'trainees' is a group with no row in "
        "scenario.skills_file (skills.csv); every group needs at least one skill"
    )


def test_overflow_group_needs_a_skills_row(data_dir):
    """service_fr overflows to the service group, so the service group needs that skill."""
    edit(data_dir / "skills.csv", skills_line(data_dir, "service,service_fr,1.2,3"), None)
    (problem,) = problems(Config(scenario=day(data_dir=str(data_dir), allow_outside_paths=True)))
    assert problem.startswith(
        f"{FR}.overflow[0].groups[0] = 'service': group has no skill for 'service_fr'"
    )


def test_problems_in_every_file_and_the_config_are_reported_together(data_dir):
    """Bad rows in forecast, staffing and skills and a bad config value come back in one error."""
    edit(data_dir / "forecast.csv", 4, "09:00,many,71.4,43.2,10.5,21.9,25.4")
    edit(data_dir / "staffing.csv", 6, "10:00,-2,25,14,6,9")
    with (data_dir / "skills.csv").open("a") as f:
        f.write("digital,sales,0,2\n")
    found = problems(
        Config(scenario=day(data_dir=str(data_dir), allow_outside_paths=True, trunks=0))
    )
    assert len(found) == 4, found
    assert found[0].startswith("scenario.forecast_file: forecast.csv line 4: sales 'many'")
    assert found[1].startswith("scenario.staffing_file: staffing.csv line 6: sales '-2'")
    assert found[2].startswith("scenario.skills_file: skills.csv line 13: proficiency '0'")
    assert found[3].startswith("scenario.trunks = 0")


# --- the shipped configs ---------------------------------------------------------------------


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_scenario_composes_and_validates(name):
    """Each configs/scenario/*.yaml composes with the root config and builds a scenario."""
    cfg = compose_config([f"scenario={name}"])
    spec = build_run(cfg)
    s = spec.scenario
    assert s.intervals >= 1 and s.type_names and s.group_names
    if name != "erlang":
        assert s.name == name and s.description
        assert (PROJECT_ROOT / "scenarios" / name / "README.md").is_file()
        data = PROJECT_ROOT / cfg.scenario.data_dir  # may reuse another scenario's data
        assert list(s.type_names) == list(read_table(data / "forecast.csv"))[1:]
        groups = list(read_table(data / "staffing.csv"))[1:]
        if cfg.scenario.schedule_file:  # then the groups on the schedule, in file order
            groups += list(dict.fromkeys(read_table(data / cfg.scenario.schedule_file)["group"]))
        assert list(s.group_names) == groups


def test_the_default_scenario_is_the_default():
    """With no override, the composed config is the multi-skill default scenario."""
    s = build_run(compose_config([])).scenario
    assert s.name == "default" and s.type_names == TYPES


def test_teaching_scenarios_share_their_demand():
    """split, pooled, n_design and w_design have the same calls and agents; so do the chains."""

    def totals(name):
        s = build_run(Config(scenario=shipped(name))).scenario
        return s.forecast_total(), s.staffing_total()

    assert totals("split") == totals("pooled") == totals("n_design") == totals("w_design")
    assert totals("chain") == totals("chain_split") == totals("chain_pooled")


def test_default_data_is_what_make_data_writes():
    """scenarios/default/make_data.py reproduces the shipped forecast and staffing."""
    spec = importlib.util.spec_from_file_location("make_data", DEFAULT_DATA / "make_data.py")
    make_data = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_data)
    forecast = make_data.forecast()
    staffing = make_data.staffing(forecast)
    assert {k: [f"{v:g}" for v in vs] for k, vs in forecast.items()} == {
        k: vs
        for k, vs in read_table(DEFAULT_DATA / "forecast.csv").items()
        if k != "interval_start"
    }
    assert {k: [str(v) for v in vs] for k, vs in staffing.items()} == {
        k: vs
        for k, vs in read_table(DEFAULT_DATA / "staffing.csv").items()
        if k != "interval_start"
    }


def test_all_is_a_reserved_name(tmp_path):
    """A contact type or group named 'all' would clash with the totals' label: refused."""
    from sim.core.distributions import Distribution
    from sim.core.scenario import AgentGroup, ContactType, Scenario, Skill

    data = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "scenarios" / "pooled", data)
    (data / "staffing.csv").write_text((data / "staffing.csv").read_text().replace("pool", "all"))
    (data / "skills.csv").write_text((data / "skills.csv").read_text().replace("pool,", "all,"))
    cfg = compose_config(["scenario=pooled", f"scenario.data_dir={data}"])
    with pytest.raises(ConfigError) as err:
        build_run(cfg)
    assert any("reserved" in p and "all" in p for p in err.value.problems)
    calls = ContactType("all", (1.0,), Distribution.exponential(1.0))
    with pytest.raises(ValueError, match="reserved"):
        Scenario("s", 60.0, (calls,), (AgentGroup("g", (1,), (Skill("all"),)),))
