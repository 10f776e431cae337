"""Unit tests for sim.config.build_run on dataclass configs: a valid config becomes a RunSpec,
and every kind of bad value is reported as ``key = value: what is allowed``, all together."""

from __future__ import annotations

import csv
import dataclasses
import shutil
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from sim.config import (
    PROJECT_ROOT,
    Config,
    ConfigError,
    DayScenarioConfig,
    DistributionConfig,
    ErlangScenarioConfig,
    RunConfig,
    RunSpec,
    ServiceLevelConfig,
    build_run,
)

DEFAULT_DATA = PROJECT_ROOT / "scenarios" / "default"


def day(**changes) -> DayScenarioConfig:
    """The shipped default scenario (configs/scenario/default.yaml) as a dataclass, changed."""
    base = DayScenarioConfig(
        name="default",
        data_dir="scenarios/default",
        handle_time=DistributionConfig("lognormal", 300.0, 0.9),
        wrap_up=DistributionConfig("gamma", 30.0, 0.5),
        patience=DistributionConfig("lognormal", 240.0, 1.0),
    )
    return dataclasses.replace(base, **changes)


def erlang(**changes) -> ErlangScenarioConfig:
    """The shipped erlang scenario (200 calls/h, AHT 180 s, 14 agents), changed."""
    return dataclasses.replace(ErlangScenarioConfig(200.0, 180.0, 14), **changes)


def problems(cfg: Config) -> list[str]:
    """The problems build_run reports for ``cfg`` (it must raise ConfigError)."""
    with pytest.raises(ConfigError) as info:
        build_run(cfg)
    assert info.value.problems
    return info.value.problems


def read_column(path: Path, column: str) -> list[str]:
    """One column of a CSV file, as text."""
    with path.open(newline="") as f:
        return [row[column] for row in csv.DictReader(f)]


# --- valid configs ---------------------------------------------------------------------------


def test_default_day_config_builds_the_scenario_from_its_files():
    """The default day config gives 24 intervals with the CSV's forecast and staffing from 08:00."""
    spec = build_run(Config(scenario=day(), run=RunConfig(replications=3, seed=7, workers=1)))
    assert isinstance(spec, RunSpec)
    assert (spec.policies, spec.replications, spec.seed, spec.workers) == (("none",), 3, 7, 1)
    s = spec.scenario
    assert s.name == "default" and s.intervals == 24 and s.interval_seconds == 1800.0
    assert s.forecast == tuple(
        float(v) for v in read_column(DEFAULT_DATA / "forecast.csv", "contacts")
    )
    assert s.staffing == tuple(int(v) for v in read_column(DEFAULT_DATA / "staffing.csv", "agents"))
    assert all(isinstance(n, int) for n in s.staffing)
    assert s.interval_label(0) == "08:00" and s.interval_label(23) == "19:30"
    assert (s.handle_time.kind, s.handle_time.mean, s.handle_time.cv) == ("lognormal", 300.0, 0.9)
    assert s.wrap_up.kind == "gamma" and s.patience.mean == 240.0
    assert s.trunks is None and s.warmup_intervals == 0
    assert (s.service_level.threshold_seconds, s.service_level.target) == (20.0, 0.8)


def test_day_options_reach_the_scenario():
    """Trunks, warm-up and service-level settings are carried into the Scenario."""
    cfg = Config(
        scenario=day(trunks=40, warmup_minutes=60, wrap_up=None, patience=None),
        service_level=ServiceLevelConfig(threshold_seconds=30, target=0.9),
    )
    s = build_run(cfg).scenario
    assert (s.trunks, s.warmup_intervals, s.wrap_up, s.patience) == (40, 2, None, None)
    assert (s.service_level.threshold_seconds, s.service_level.target) == (30.0, 0.9)


def test_relative_data_dir_is_relative_to_the_project_not_the_cwd(tmp_path, monkeypatch):
    """scenario.data_dir 'scenarios/default' works from any working directory."""
    monkeypatch.chdir(tmp_path)
    assert build_run(Config(scenario=day())).scenario.intervals == 24


def test_erlang_config_builds_a_steady_queue():
    """The erlang config gives 8 + 1 hours of 15-minute intervals with the warm-up left out."""
    s = build_run(Config(scenario=erlang(patience_seconds=300.0))).scenario
    assert s.intervals == 36 and s.warmup_intervals == 4 and s.interval_seconds == 900.0
    assert set(s.staffing) == {14} and s.forecast[0] == pytest.approx(50.0)
    assert s.handle_time.kind == "exponential" and s.patience.mean == 300.0
    assert s.reference.agents == 14 and s.reference.mean_patience_seconds == 300.0


def test_omegaconf_node_is_accepted():
    """build_run takes an OmegaConf node of a Config as well as the dataclass."""
    spec = build_run(OmegaConf.structured(Config(scenario=erlang())))
    assert spec.scenario.intervals == 36


def test_keys_added_to_an_omegaconf_node_are_reported():
    """Keys that are not in the schema (what Hydra's '+' adds) are each reported by path."""
    cfg = OmegaConf.structured(Config(scenario=erlang()))
    OmegaConf.update(cfg, "scenario.agentz", 3, force_add=True)
    OmegaConf.update(cfg, "run.replicatons", 5, force_add=True)
    found = problems(cfg)
    assert len(found) == 2
    assert found[0].startswith("scenario.agentz: unknown key")
    assert found[1].startswith("run.replicatons: unknown key")


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
    return expected.split(": ")[0].replace(" ", "")


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


def cv_dist(distribution, mean=300.0, cv=None, **kw) -> DistributionConfig:
    """A DistributionConfig, for brevity in the table below."""
    return DistributionConfig(distribution, mean, cv, **kw)


BAD_DAY_VALUES = [
    (day(handle_time=cv_dist("lognormal", cv=0)), "scenario.handle_time.cv = 0: must be"),
    (day(handle_time=cv_dist("gamma", cv=-1)), "scenario.handle_time.cv = -1: must be"),
    (day(handle_time=cv_dist("lognormal")), "scenario.handle_time.cv = None: must be"),
    (day(handle_time=cv_dist("lognormal", 0, 1)), "scenario.handle_time.mean_seconds = 0"),
    (day(handle_time=cv_dist("exponential", None)), "scenario.handle_time.mean_seconds = None"),
    (day(handle_time=cv_dist("exponential", cv=0.9)), "scenario.handle_time.cv = 0.9: a exp"),
    (day(handle_time=cv_dist("weibull", cv=1)), "scenario.handle_time.distribution = 'weibull'"),
    (day(handle_time=cv_dist("empirical", None)), "scenario.handle_time.file/scenario.handle"),
    (day(wrap_up=cv_dist("gamma", 30, 0)), "scenario.wrap_up.cv = 0: must be a number > 0"),
    (day(patience=cv_dist("lognormal", -1, 1)), "scenario.patience.mean_seconds = -1"),
    (day(trunks=0), "scenario.trunks = 0: must be a whole number >= 1"),
    (day(trunks=-2), "scenario.trunks = -2: must be a whole number >= 1"),
    (day(interval_minutes=20), "scenario.interval_minutes = 20: allowed: [15, 30, 60]"),
    (day(warmup_minutes=-30), "scenario.warmup_minutes = -30: must be a whole number >= 0"),
    (day(warmup_minutes=45), "scenario.warmup_minutes = 45: must be a multiple of interv"),
    (day(warmup_minutes=720), "scenario.warmup_minutes = 720: must be a multiple of inter"),
    (day(data_dir="nowhere"), "scenario.data_dir = 'nowhere': folder not found"),
    (day(forecast_file="nope.csv"), "scenario.forecast_file: file not found"),
    (day(staffing_file="nope.csv"), "scenario.staffing_file: file not found"),
]


@pytest.mark.parametrize(
    ("scenario", "expected"), BAD_DAY_VALUES, ids=[case_id(e) for _, e in BAD_DAY_VALUES]
)
def test_one_bad_day_value_is_reported(scenario, expected):
    """Each bad day-scenario value is the only problem reported, naming its key and value."""
    found = problems(Config(scenario=scenario))
    assert len(found) == 1, found
    assert found[0].startswith(expected), found


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
    """A missing data file, a bad cv, trunks 0 and a bad warm-up are reported together."""
    cfg = Config(
        scenario=day(
            staffing_file="nope.csv",
            handle_time=cv_dist("lognormal", cv=0),
            trunks=0,
            warmup_minutes=-1,
        )
    )
    found = problems(cfg)
    for key in (
        "scenario.staffing_file: file not found",
        "scenario.handle_time.cv = 0",
        "scenario.trunks = 0",
        "scenario.warmup_minutes = -1",
    ):
        assert any(p.startswith(key) for p in found), (key, found)


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


def test_empirical_handle_time_is_read_from_a_csv_column(data_dir):
    """An empirical handle time reads the named column of a CSV in the data folder."""
    (data_dir / "talk.csv").write_text("agent,seconds\na,100\nb,200\nc,600\n")
    handle = DistributionConfig("empirical", file="talk.csv", column="seconds")
    s = build_run(Config(scenario=day(data_dir=str(data_dir), handle_time=handle))).scenario
    assert s.handle_time.kind == "empirical"
    assert s.handle_time.values == (100.0, 200.0, 600.0) and s.handle_time.mean == 300.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("agent,secs\na,100\n", "scenario.handle_time.file: talk.csv lacks column 'seconds'"),
        ("seconds\n100\n-5\n", "scenario.handle_time.file: talk.csv column 'seconds' lines [3]"),
        ("seconds\n0\n0\n", "scenario.handle_time.file = 'talk.csv': the values must have a pos"),
    ],
    ids=["missing-column", "negative-value", "zero-mean"],
)
def test_empirical_handle_time_problems_are_reported(data_dir, text, expected):
    """A missing column, a bad value or an all-zero column of an empirical CSV is reported."""
    (data_dir / "talk.csv").write_text(text)
    handle = DistributionConfig("empirical", file="talk.csv", column="seconds")
    found = problems(Config(scenario=day(data_dir=str(data_dir), handle_time=handle)))
    assert len(found) == 1 and found[0].startswith(expected), found


def test_empirical_file_missing_is_reported(data_dir):
    """An empirical distribution naming a file that does not exist is reported with the key."""
    handle = DistributionConfig("empirical", file="talk.csv", column="seconds")
    (problem,) = problems(Config(scenario=day(data_dir=str(data_dir), handle_time=handle)))
    assert problem.startswith("scenario.handle_time.file: file not found") and "talk.csv" in problem


def test_forecast_and_staffing_of_different_lengths(data_dir):
    """A staffing file one interval short is reported against scenario.staffing_file."""
    lines = (data_dir / "staffing.csv").read_text().splitlines()
    (data_dir / "staffing.csv").write_text("\n".join(lines[:-1]) + "\n")
    (problem,) = problems(Config(scenario=day(data_dir=str(data_dir))))
    assert problem.startswith("scenario.staffing_file = 'staffing.csv': must cover the same")
    assert "24 intervals from 08:00" in problem and "23 intervals from 08:00" in problem


def test_problems_in_both_files_and_the_config_are_reported_together(data_dir):
    """Bad rows in forecast and staffing and a bad config value come back in one error."""
    forecast = (data_dir / "forecast.csv").read_text().splitlines()
    forecast[3] = "09:00,many"
    (data_dir / "forecast.csv").write_text("\n".join(forecast) + "\n")
    staffing = (data_dir / "staffing.csv").read_text().splitlines()
    staffing[5] = "10:00,-2"
    (data_dir / "staffing.csv").write_text("\n".join(staffing) + "\n")
    found = problems(Config(scenario=day(data_dir=str(data_dir), trunks=0)))
    assert len(found) == 3, found
    assert found[0].startswith("scenario.forecast_file: forecast.csv line 4: contacts 'many'")
    assert found[1].startswith("scenario.staffing_file: staffing.csv line 6: agents '-2'")
    assert found[2].startswith("scenario.trunks = 0")
