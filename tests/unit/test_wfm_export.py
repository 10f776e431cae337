"""Unit tests for sim.config.wfm_export and ``scenario.export_file``: a WFM/ACD interval export
read into the mean day's forecast and per-interval handle times (exactly as worked out by
hand on a tiny file), every kind of bad input refused with its file and line, and the
export in a day scenario (means replaced, families and cvs kept, path safety, provenance)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli.app import compose_config
from sim.config.checks import Checker
from sim.config.data_files import DataFileError
from sim.config.day import build_day
from sim.config.provenance import data_files
from sim.config.run import ConfigError, build_run
from sim.config.schema import (
    ContactTypeConfig,
    DayScenarioConfig,
    DistributionConfig,
)
from sim.config.wfm_export import WfmExport, read_wfm_export
from sim.core.distributions import Distribution
from sim.core.scenario import ServiceLevel

KEY = "scenario.export_file"
HEADER = "date,interval_start,queue,offered,aht_seconds,acw_seconds"
#: Two Mondays (2026-03-02 and 2026-03-09). Queue a: 08:30 has no row on the 9th (nothing
#: offered). By hand, weights = offered:
#:   forecast a: 08:00 (10 + 30) / 2 = 20, 08:30 30 / 2 = 15; b: 4 / 2 = 2 in both;
#:   talk a: 08:00 (10*200 + 30*300) / 40 = 275, 08:30 100; day 14000 / 70 = 200:
#:           scales 1.375 and 0.5;
#:   wrap a: 08:00 (10*10 + 30*30) / 40 = 25, 08:30 4; day 1120 / 70 = 16: 1.5625, 0.25;
#:   talk b: 80 and 240, day (320 + 960) / 8 = 160: scales 0.5 and 1.5; no wrap-up.
TINY = [
    "2026-03-02,08:00,a,10,200,10",
    "2026-03-02,08:30,a,30,100,4",
    "2026-03-09,08:00,a,30,300,30",
    "2026-03-02,08:00,b,4,80,0",
    "2026-03-09,08:30,b,4,240,0",
]


def write(folder: Path, rows: list[str], header: str = HEADER, name: str = "export.csv") -> Path:
    path = folder / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def read(path: Path, **kwargs) -> WfmExport:
    kwargs.setdefault("queues", ["a", "b"])
    kwargs.setdefault("interval_minutes", 30)
    return read_wfm_export(path, KEY, shown="data/export.csv", **kwargs)


def problems(path: Path, **kwargs) -> list[str]:
    with pytest.raises(DataFileError) as info:
        read(path, **kwargs)
    return info.value.problems


# --- a good file -------------------------------------------------------------------------------


def test_the_mean_day_and_handle_times_are_as_worked_out_by_hand(tmp_path):
    export = read(write(tmp_path, TINY))
    assert export.forecast.start_minutes == (480, 510)
    assert export.forecast.columns == {"a": (20.0, 15.0), "b": (2.0, 2.0)}
    assert export.dates == ("2026-03-02", "2026-03-09")
    a, b = export.handling["a"], export.handling["b"]
    assert (a.aht_seconds, a.aht_scale) == (200.0, (1.375, 0.5))
    assert (a.acw_seconds, a.acw_scale) == (16.0, (1.5625, 0.25))
    assert (b.aht_seconds, b.aht_scale) == (160.0, (0.5, 1.5))
    assert (b.acw_seconds, b.acw_scale) == (0.0, None)


def test_answered_weights_the_averages_when_the_column_is_there(tmp_path):
    """Averages are over the contacts handled: a 08:00 weighs 10 and 10, so its talk time is
    (10*200 + 10*300) / 20 = 250 and the day's (5000 + 3000) / 50 = 160; offered still makes
    the forecast."""
    rows = [
        "2026-03-02,08:00,a,10,200,10,10,x",
        "2026-03-02,08:30,a,30,100,4,30,x",
        "2026-03-09,08:00,a,30,300,30,10,x",
        "2026-03-02,08:00,b,4,80,0,4,x",
        "2026-03-09,08:30,b,4,240,0,4,x",
    ]
    export = read(write(tmp_path, rows, HEADER + ",answered,service_level"))
    a = export.handling["a"]
    assert export.forecast.columns["a"] == (20.0, 15.0)
    assert (a.aht_seconds, a.aht_scale) == (160.0, (1.5625, 0.625))


def test_an_interval_with_nothing_handled_keeps_the_days_handle_time(tmp_path):
    rows = [*TINY, "2026-03-02,09:00,a,0,0,0"]
    export = read(write(tmp_path, rows))
    assert export.forecast.start_minutes == (480, 510, 540)
    assert export.handling["a"].aht_scale == (1.375, 0.5, 1.0)
    assert export.forecast.columns["b"] == (2.0, 2.0, 0.0)


def test_export_weekday_chooses_the_dates(tmp_path):
    path = write(tmp_path, [*TINY, "2026-03-03,08:00,a,7,100,1", "2026-03-03,08:00,b,1,50,0"])
    (found,) = problems(path)
    assert "mon (2 date(s)), tue (1 date(s))" in found
    assert "set scenario.export_weekday" in found
    assert read(path, weekday="mon").forecast.columns == {"a": (20.0, 15.0), "b": (2.0, 2.0)}
    tuesday = read(path, weekday="tue")
    assert tuesday.dates == ("2026-03-03",)
    assert tuesday.forecast.columns == {"a": (7.0,), "b": (1.0,)}
    assert read(path, weekday="all").forecast.columns["a"] == (pytest.approx(47 / 3), 10.0)
    (none,) = problems(path, weekday="sun")
    assert "no date is a sun" in none


# --- bad files: each problem with its file and line ---------------------------------------------


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (["2026-03-02,08:00,zzz,1,100,0"], "line 2: queue 'zzz' is not a contact type"),
        (["2026-03-02,08:00,a,-1,100,0"], "line 2: offered '-1' is negative"),
        (["2026-03-02,08:00,a,1,abc,0"], "line 2: aht_seconds 'abc' is not allowed"),
        (["2026-03-02,08:00,a,1,100,inf"], "line 2: acw_seconds 'inf' is not allowed"),
        (["2026-03-02,08:00,a,1e300,100,0"], "line 2: offered '1e300' is not allowed"),
        (["2026-13-02,08:00,a,1,100,0"], "line 2: date '2026-13-02' is not a date"),
        (["02/03/2026,08:00,a,1,100,0"], "line 2: date '02/03/2026' is not a date"),
        (["2026-03-02,8h00,a,1,100,0"], "line 2: interval_start '8h00' is not a time"),
        (["2026-03-02,24:00,a,1,100,0"], "line 2: interval_start '24:00' is not a time"),
        (["2026-03-02,08:15,a,1,100,0"], "line 2: interval_start 08:15 does not start a 30-minute"),
        (["2026-03-02,08:00,a,1,100,0,9"], "line 2: 7 fields but the header has 6"),
        (
            ["2026-03-02,08:00,a,1,100,0", "", "2026-03-02,08:00,a,2,100,0"],
            "line 4: date 2026-03-02, interval_start 08:00 and queue 'a' already appear on line 2",
        ),
    ],
)
def test_a_bad_row_is_refused_with_its_file_and_line(tmp_path, rows, expected):
    found = problems(write(tmp_path, [*rows, *TINY[1:]]))
    assert any(p.startswith(f"{KEY}: data/export.csv line") for p in found), found
    assert any(expected in p for p in found), found


def test_missing_columns_are_named(tmp_path):
    path = write(tmp_path, ["2026-03-02,08:00,a,1,100"], header=HEADER.rsplit(",", 1)[0])
    assert problems(path) == [
        f"{KEY}: data/export.csv line 1: lacks column(s) ['acw_seconds'] (the header has 5 "
        "column(s))"
    ]


def test_an_unknown_queue_is_reported_once_however_many_rows(tmp_path):
    rows = [f"2026-03-02,{h:02d}:00,zzz,1,100,0" for h in range(8, 20)]
    found = problems(write(tmp_path, rows + TINY))
    assert sum("queue 'zzz'" in p for p in found) == 1


def test_intervals_longer_than_the_scenarios_are_refused(tmp_path):
    rows = ["2026-03-02,08:00,a,1,100,0", "2026-03-02,09:00,a,1,100,0", "2026-03-02,08:00,b,1,9,0"]
    (found,) = problems(write(tmp_path, rows))
    assert "interval starts are at least 60 minutes apart" in found
    assert "scenario.interval_minutes is 30" in found


def test_a_contact_type_without_rows_is_named(tmp_path):
    (found,) = problems(write(tmp_path, TINY[:3]))
    assert "no rows for queue 'b'" in found


def test_an_optional_queue_may_have_no_rows(tmp_path):
    """A type reached only by escalation needs no rows: no forecast column, no handle times
    (the day scenario gives it 0 contacts of its own and its configured handle time)."""
    export = read(write(tmp_path, TINY[:3]), optional=["b"])
    assert export.forecast.columns == {"a": (20.0, 15.0)}
    assert set(export.handling) == {"a"}
    assert read(write(tmp_path, TINY), optional=["b"]).handling["b"].aht_seconds == 160.0


def test_a_queue_without_handle_time_is_refused(tmp_path):
    rows = [*TINY[:3], "2026-03-02,08:00,b,0,80,0", "2026-03-09,08:30,b,4,0,0"]
    (found,) = problems(write(tmp_path, rows))
    assert "queue 'b' has no positive aht_seconds with offered > 0" in found


def test_empty_and_header_only_files_are_refused(tmp_path):
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    assert "the file is empty" in problems(tmp_path / "empty.csv")[0]
    assert "no rows" in problems(write(tmp_path, []))[0]


def test_a_file_above_the_size_limit_is_refused_unread(tmp_path):
    path = write(tmp_path, TINY)
    (found,) = problems(path, max_bytes=100)
    assert "larger than the limit of 100" in found
    assert "run.allow_large=true" in found
    assert read(path, max_bytes=None).dates


# --- in a day scenario ---------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path):
    data = tmp_path / "scenarios" / "mine"
    data.mkdir(parents=True)
    write(data, TINY)
    write(data, ["08:00,3", "08:30,3"], "interval_start,team", "staffing.csv")
    write(data, ["team,a,1,1", "team,b,1,1"], "group,contact_type,proficiency,level", "skills.csv")
    return tmp_path


def _config(**changes) -> DayScenarioConfig:
    s = DayScenarioConfig(
        name="mine",
        data_dir="scenarios/mine",
        forecast_file="absent.csv",  # replaced by the export: never read
        export_file="export.csv",
        contact_types={
            "a": ContactTypeConfig(
                handle_time=DistributionConfig("lognormal", 999.0, 0.8),
                wrap_up=DistributionConfig("gamma", None, 0.5),  # the export sets the mean
            ),
            "b": ContactTypeConfig(handle_time=DistributionConfig("gamma", None, 0.4)),
        },
    )
    for key, value in changes.items():
        setattr(s, key, value)
    return s


def _build(project: Path, s: DayScenarioConfig):
    c = Checker()
    scenario = build_day(c, s, ServiceLevel(), project)
    return scenario, c.problems


def test_the_export_replaces_the_forecast_and_the_handle_time_means(project):
    scenario, found = _build(project, _config())
    assert found == []
    a, b = scenario.contact_types
    assert scenario.start_clock_seconds == 8 * 3600.0
    assert (a.forecast, b.forecast) == ((20.0, 15.0), (2.0, 2.0))
    assert a.handle_time == Distribution("lognormal", 200.0, 0.8)
    assert a.wrap_up == Distribution("gamma", 16.0, 0.5)
    assert (a.handle_time_scale, a.wrap_up_scale) == ((1.375, 0.5), (1.5625, 0.25))
    assert b.handle_time == Distribution("gamma", 160.0, 0.4)
    assert (b.wrap_up, b.handle_time_scale, b.wrap_up_scale) == (None, (0.5, 1.5), None)


def test_an_empirical_handle_time_is_scaled_to_the_exports_mean(project):
    data = project / "scenarios" / "mine"
    write(data, ["100", "300"], "seconds", "talk.csv")
    s = _config()
    s.contact_types["b"].handle_time = DistributionConfig(
        "empirical", file="talk.csv", column="seconds"
    )
    scenario, found = _build(project, s)
    assert found == []
    assert scenario.contact_types[1].handle_time == Distribution.empirical([80.0, 240.0])


def test_export_wrap_up_for_a_type_without_wrap_up_is_refused(project):
    s = _config()
    s.contact_types["a"].wrap_up = None
    scenario, found = _build(project, s)
    assert scenario is None
    assert found == [
        "scenario.contact_types.a.wrap_up: null, but scenario.export_file has acw_seconds for "
        "queue 'a' (mean 16 s); set a wrap_up distribution (its family and cv are kept, its "
        "mean comes from the export)"
    ]


def test_a_bad_export_is_reported_with_the_config_key_and_file(project):
    write(project / "scenarios" / "mine", [*TINY, "2026-03-02,08:00,c,1,1,1"])
    scenario, found = _build(project, _config())
    assert scenario is None
    assert found == [
        "scenario.export_file: scenarios/mine/export.csv line 7: queue 'c' is not a contact "
        "type of the scenario; allowed: ['a', 'b'] (the keys of scenario.contact_types)"
    ]


def test_the_staffing_must_cover_the_exports_day(project):
    write(project / "scenarios" / "mine", [*TINY, "2026-03-02,09:00,a,1,100,1"])
    _, found = _build(project, _config())
    assert found == [
        "scenario.staffing_file = 'staffing.csv': must cover the same intervals as "
        "scenario.export_file (its first to last interval) (3 intervals from 08:00); it has 2 "
        "intervals from 08:00"
    ]


def test_export_weekday_values_are_checked(project):
    _, found = _build(project, _config(export_weekday="monday"))
    assert found == [
        "scenario.export_weekday = 'monday': allowed: ['mon', 'tue', 'wed', 'thu', 'fri', "
        "'sat', 'sun', 'all'] or null"
    ]
    _, found = _build(project, _config(export_file=None, export_weekday="mon"))
    assert found[0].startswith("scenario.export_weekday = 'mon': chooses the dates of scenario")


def test_the_export_must_stay_inside_the_project(project):
    _, found = _build(project, _config(export_file="../../../export.csv"))
    assert found == [
        "scenario.export_file = '../../../export.csv': must stay inside the project folder (or "
        "set scenario.allow_outside_paths=true on the command line)"
    ]


def test_provenance_lists_the_export_instead_of_the_forecast(project):
    keys = [f.key for f in data_files(_config(), project)]
    assert keys == ["scenario.staffing_file", "scenario.skills_file", "scenario.export_file"]


def test_the_shipped_example_export_builds_the_default_day():
    """``scenarios/default/export_example.csv`` (a Monday and a Tuesday) gives the default
    scenario's 24 intervals, once a weekday is chosen."""
    with pytest.raises(ConfigError, match="dates of several weekdays"):
        build_run(compose_config(["scenario.export_file=export_example.csv"]))
    spec = build_run(
        compose_config(["scenario.export_file=export_example.csv", "scenario.export_weekday=mon"])
    )
    assert spec.scenario.intervals == 24
    assert all(t.handle_time_scale is not None for t in spec.scenario.contact_types)
