"""``scenario.days`` (sim.config.week): a week of day profiles built into the RunSpec's
``week`` and its end-to-end ``scenario``, and every bad input refused before anything runs.
Nothing is simulated here."""

from __future__ import annotations

import dataclasses
import math
import shutil

import pytest
from omegaconf import OmegaConf

import sim
from sim.cli.app import compose_config
from sim.config import limits
from sim.config.provenance import data_files
from sim.config.run import PROJECT_ROOT, ConfigError
from sim.core.week import Week, week_scenario

DEFAULT = PROJECT_ROOT / "scenarios" / "default"
TWO_DAYS = "scenario.days=[{name: mon}, {name: tue, forecast_scale: 1.2}]"
SCALES = {  # configs/scenario/week.yaml
    "mon": (1.15, 1.1),
    "tue": (1.0, 1.0),
    "wed": (0.95, 1.0),
    "thu": (0.95, 0.95),
    "fri": (0.9, 0.9),
}


@pytest.fixture(scope="module")
def default():
    return sim.load("default", ["policies=[none]"]).scenario


@pytest.fixture(scope="module")
def week():
    return sim.load("week")


def refused(name: str, *overrides: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        sim.load(name, list(overrides))
    return caught.value.problems


def copied_data(tmp_path):
    """The default scenario's data in ``tmp_path`` and the overrides that read it there."""
    data = tmp_path / "data"
    shutil.copytree(DEFAULT, data)
    return data, [f"scenario.data_dir={data}", "scenario.allow_outside_paths=true"]


# --- the shipped week ------------------------------------------------------------------------


def test_the_week_scenario_has_five_scaled_days(week, default):
    assert isinstance(week.week, Week)
    assert week.week.names == tuple(SCALES)
    assert len(week.week.days) == 5
    assert week.policies == ("none", "overtime", "analyst")
    # sales at 08:00: 17 expected contacts in forecast.csv, x 1.15 on Monday
    assert default.contact_types[0].name == "sales" and default.contact_types[0].forecast[0] == 17
    assert week.week.days[0].contact_types[0].forecast[0] == 17 * 1.15
    for day, (f_scale, s_scale) in zip(week.week.days, SCALES.values(), strict=True):
        for t, base in zip(day.contact_types, default.contact_types, strict=True):
            assert t.forecast == tuple(x * f_scale for x in base.forecast)
        for g, base in zip(day.groups, default.groups, strict=True):
            assert g.staffing == tuple(math.floor(n * s_scale + 0.5) for n in base.staffing)
        # everything else is the default day's
        same = dataclasses.replace(
            day,
            contact_types=default.contact_types,
            groups=default.groups,
            name=default.name,
            description=default.description,
        )
        assert same == default
    # sales agents at 08:00: 7 in staffing.csv; Monday 7.7 -> 8, Friday 6.3 -> 6
    assert [d.groups[0].staffing[0] for d in week.week.days] == [8, 7, 7, 7, 6]
    tuesday = week.week.days[1]
    assert tuesday.contact_types == default.contact_types and tuesday.groups == default.groups


def test_the_runs_scenario_is_the_week_end_to_end(week, default):
    s = week.scenario
    assert s == week_scenario(week.week)
    assert s.name == "week" and s.day_names == tuple(SCALES)
    assert s.intervals == 5 * default.intervals
    assert s.interval_label(0) == "mon 08:00"
    assert s.interval_label(default.intervals) == "tue 08:00"
    assert s.interval_label(s.intervals - 1) == "fri 19:30"
    assert sum(s.forecast_total()) == pytest.approx(
        sum(f * sum(default.forecast_total()) for f, _ in SCALES.values())
    )


def test_the_fingerprint_tells_a_week_from_its_first_day(week):
    again = sim.load("week")
    assert week.fingerprint() == again.fingerprint()
    one_day = dataclasses.replace(week, scenario=week.week.days[0], week=None)
    assert one_day.fingerprint() != week.fingerprint()
    other = sim.load("week", ["scenario.days.0.forecast_scale=1.16"])
    assert other.fingerprint() != week.fingerprint()


def test_a_day_without_days_has_no_week(default):
    spec = sim.load("default", ["policies=[none]"])
    assert spec.week is None and spec.scenario.day_names == ()


# --- the command line ------------------------------------------------------------------------


def test_days_on_the_command_line(default):
    spec = sim.load("default", [TWO_DAYS])
    assert spec.week is not None and spec.week.names == ("mon", "tue")
    assert spec.scenario.intervals == 2 * 24
    assert spec.scenario.interval_label(24) == "tue 08:00"
    mon, tue = spec.week.days
    assert mon.contact_types[1].forecast == default.contact_types[1].forecast
    assert tue.contact_types[1].forecast == tuple(
        1.2 * x for x in default.contact_types[1].forecast
    )
    assert mon.groups == tue.groups == default.groups


def test_one_day_of_a_shipped_week_is_changed_by_index():
    spec = sim.load("week", ["scenario.days.4.staffing_scale=1"])
    assert spec.week is not None
    assert spec.week.days[4].groups == spec.week.days[1].groups


def test_days_null_is_one_day():
    spec = sim.load("week", ["scenario.days=null"])
    assert spec.week is None and spec.scenario.intervals == 24


# --- a day's own files -----------------------------------------------------------------------


def _write_forecast(path, factor: float, drop_last: bool = False) -> None:
    lines = (DEFAULT / "forecast.csv").read_text().splitlines()
    header, rows = lines[0], lines[1:-1] if drop_last else lines[1:]
    out = [header]
    for row in rows:
        start, *values = row.split(",")
        out.append(",".join([start, *(f"{float(v) * factor:g}" for v in values)]))
    path.write_text("\n".join(out) + "\n")


def test_a_day_reads_its_own_forecast_and_staffing(tmp_path, default):
    data, args = copied_data(tmp_path)
    _write_forecast(data / "forecast_mon.csv", 2.0)
    staffing = (DEFAULT / "staffing.csv").read_text().replace("08:00,7,", "08:00,9,")
    (data / "staffing_mon.csv").write_text(staffing)
    days = (
        "scenario.days=[{name: mon, forecast_file: forecast_mon.csv, staffing_file: "
        "staffing_mon.csv, forecast_scale: 0.5}, {name: tue}]"
    )
    spec = sim.load("default", [*args, days])
    mon, tue = spec.week.days
    for t, base in zip(mon.contact_types, default.contact_types, strict=True):
        assert t.forecast == pytest.approx(base.forecast)  # x 2, then x 0.5
    assert mon.groups[0].staffing[0] == 9 and tue.groups[0].staffing[0] == 7
    assert mon.groups[0].staffing[1:] == default.groups[0].staffing[1:]
    # the days' files are among the data files read
    cfg = OmegaConf.to_object(compose_config(["scenario=default", *args, days]))
    keys = {f.key: f.path for f in data_files(cfg.scenario, PROJECT_ROOT)}
    assert keys["scenario.days[0].forecast_file"] == str(data / "forecast_mon.csv")
    assert keys["scenario.days[0].staffing_file"] == str(data / "staffing_mon.csv")
    assert "scenario.days[1].forecast_file" not in keys


def test_a_days_bad_files_are_refused_with_the_readers_messages(tmp_path):
    data, args = copied_data(tmp_path)
    _write_forecast(data / "short.csv", 1.0, drop_last=True)
    (data / "bad.csv").write_text("interval_start,sales\n08:00,x\n")
    staffing = (DEFAULT / "staffing.csv").read_text().splitlines()
    (data / "no_digital.csv").write_text("\n".join(r.rsplit(",", 1)[0] for r in staffing))
    found = refused(
        "default",
        *args,
        "scenario.days=[{name: a, forecast_file: short.csv}, {name: b, forecast_file: "
        "bad.csv}, {name: c, staffing_file: no_digital.csv}]",
    )
    assert len(found) == 3, found
    assert found[0].startswith("scenario.days[0].forecast_file = 'short.csv': must cover the ")
    assert "08:00 to 19:30 (24 rows)" in found[0] and "(23 rows)" in found[0]
    assert found[1].startswith("scenario.days[1].forecast_file: bad.csv line 2: sales 'x'")
    assert found[2] == (
        "scenario.days[2].staffing_file = 'no_digital.csv': must have one column per agent "
        "group, like scenario.staffing_file: ['sales', 'service', 'billing', 'bilingual', "
        "'digital']; missing: ['digital']"
    )


def test_a_missing_forecast_file_is_refused():
    found = refused("default", "scenario.days=[{name: mon, forecast_file: nope.csv}]")
    assert len(found) == 1
    assert found[0].startswith("scenario.days[0].forecast_file: file not found: ")
    assert found[0].endswith("nope.csv")


def test_a_days_file_must_stay_inside_the_project():
    found = refused("default", "scenario.days=[{name: mon, staffing_file: ../../../x.csv}]")
    assert found == [
        "scenario.days[0].staffing_file = '../../../x.csv': must stay inside the project "
        "folder (or set scenario.allow_outside_paths=true on the command line)"
    ]


# --- refused ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            ["scenario.days=[{name: mon}, {name: tue, forecast_scale: -1}]"],
            "scenario.days[1].forecast_scale = -1: must be a number >= 0",
        ),
        (
            ["scenario.days=[{name: mon, staffing_scale: lots}]"],
            "scenario.days[0].staffing_scale = 'lots': must be a number >= 0",
        ),
        (
            ["scenario.days=[{name: mon}, {name: tue}, {name: mon}]"],
            "scenario.days[2].name = 'mon': already the name of scenario.days[0]; each day "
            "needs its own name",
        ),
        (
            ["scenario.days=[{name: mon, forecast_scal: 1.1}]"],
            "scenario.days[0].forecast_scal: unknown key (misspelt?); allowed: ['name', "
            "'forecast_file', 'staffing_file', 'forecast_scale', 'staffing_scale']",
        ),
        (
            ["scenario.days=[{forecast_scale: 1.1}]"],
            "scenario.days[0].name = None: required: the day's name, letters, digits, '_' or "
            "'-' (at most 32), e.g. mon",
        ),
        (
            ["scenario.days=[{name: 'mon day'}]"],
            "scenario.days[0].name = 'mon day': required: the day's name, letters, digits, "
            "'_' or '-' (at most 32), e.g. mon",
        ),
        (
            ["scenario.days=[mon, tue]"],
            "scenario.days[0] = 'mon': must be a day profile {name, forecast_file, "
            "staffing_file, forecast_scale, staffing_scale}, e.g. {name: mon}",
        ),
        (
            ["scenario.days=[]"],
            "scenario.days = []: must list at least one day, each {name, forecast_file, "
            "staffing_file, forecast_scale, staffing_scale} (e.g. [{name: mon}, {name: tue, "
            "forecast_scale: 1.1}]), or be null for one day",
        ),
        (
            [TWO_DAYS, 'run.snapshot_at="12:00"'],
            "run.snapshot_at = '12:00': not available with scenario.days (a snapshot is of one "
            "day): leave it null",
        ),
        (
            [TWO_DAYS, "mode=plan"],
            "scenario.days = ['mon', 'tue']: not available with mode=plan: leave it null",
        ),
        (
            [TWO_DAYS, "mode=staff"],
            "scenario.days = ['mon', 'tue']: not available with mode=staff: leave it null",
        ),
        (
            [TWO_DAYS, "scenario.warmup_minutes=60"],
            "scenario.days = ['mon', 'tue']: a week cannot yet have a warm-up, set by "
            "scenario.warmup_minutes: leave scenario.days null",
        ),
    ],
    ids=[
        "negative-scale",
        "scale-not-a-number",
        "duplicate-name",
        "unknown-key",
        "no-name",
        "bad-name",
        "not-a-mapping",
        "empty",
        "snapshot_at",
        "mode-plan",
        "mode-staff",
        "warm-up",
    ],
)
def test_bad_days_are_refused(overrides, expected):
    found = refused("default", *overrides)
    assert expected in found, found


def test_several_bad_days_are_reported_together():
    found = refused(
        "default",
        "scenario.days=[{name: mon, forecast_scale: -1}, {name: mon}, {name: x, foo: 1}]",
    )
    assert [p.split(" ")[0].rstrip(":") for p in found] == [
        "scenario.days[0].forecast_scale",
        "scenario.days[1].name",
        "scenario.days[2].foo",
    ]


def test_a_scenario_with_schedules_cannot_have_days():
    found = refused("training_peak", "scenario.days=[{name: mon}]")
    assert found == [
        "scenario.days = ['mon']: a week cannot yet have agents on individual shifts (groups "
        "service), set by scenario.schedule_file: leave scenario.days null"
    ]


def test_the_erlang_scenario_has_no_days():
    found = refused("erlang", "scenario.days=[{name: mon}]")
    assert len(found) == 1 and "days" in found[0]


def test_with_an_export_the_days_scale_its_forecast():
    export = [
        "scenario.export_file=export_example.csv",
        "scenario.export_weekday=mon",
        "policies=[none]",
    ]
    one = sim.load("default", export).scenario
    spec = sim.load("default", [*export, "scenario.days=[{name: a, forecast_scale: 2}]"])
    day = spec.week.days[0]
    assert day.contact_types[0].forecast == tuple(2 * x for x in one.contact_types[0].forecast)
    assert day.contact_types[0].handle_time_scale == one.contact_types[0].handle_time_scale
    found = refused("default", *export, "scenario.days=[{name: a, forecast_file: forecast.csv}]")
    assert found == [
        "scenario.days[0].forecast_file = 'forecast.csv': with scenario.export_file "
        "(export_example.csv) every day's forecast and handle times are the export's: scale "
        "them with forecast_scale, or leave scenario.export_file null to give each day its "
        "own forecast_file"
    ]


# --- size limits -----------------------------------------------------------------------------


def test_the_size_estimate_counts_the_weeks_days(week, default):
    size = limits.scenario_size(week.scenario)
    assert size.intervals == 5 * default.intervals
    assert size.contacts == pytest.approx(sum(week.scenario.forecast_total()))
    assert size.agents == sum(max(g.staffing) for g in week.scenario.groups)
    assert "scenario.days = '5 days'" in size.intervals_keys


def test_too_many_days_are_refused_by_the_interval_limit():
    days = ", ".join(f"{{name: d{i}}}" for i in range(420))  # 420 x 24 > 10,000 intervals
    found = refused("default", f"scenario.days=[{days}]", "policies=[none]")
    assert len(found) == 1, found
    assert "scenario.days = '420 days'" in found[0] and "10,080 intervals" in found[0]
