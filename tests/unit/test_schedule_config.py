"""Unit tests for schedules, activities and absenteeism in day scenarios: the files
(sim.config.schedule_files), their checks and the shifts they build (sim.config.workforce, through
sim.config.build_run), the derived on-phone staffing, and the two shipped scenarios that
use them (training_peak, monday_no_show)."""

from __future__ import annotations

import dataclasses
import importlib.util
import shutil
import sys
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from sim.cli.app import compose_config
from sim.config.run import PROJECT_ROOT, ConfigError, build_run
from sim.config.schema import (
    AbsenteeismConfig,
    Config,
    ContactTypeConfig,
    DayScenarioConfig,
    DistributionConfig,
    GroupConfig,
)
from sim.config.workforce import planned_staffing
from sim.core.distributions import Distribution
from sim.core.scenario import Scenario
from sim.core.workforce import Absenteeism, Activity, Break, Shift

SCENARIO_CONFIGS = PROJECT_ROOT / "configs" / "scenario"
SCHEDULE = "scenario.schedule_file: schedule.csv"
ACTIVITIES = "scenario.activities_file: activities.csv"
ABSENT = "scenario.groups.service.absenteeism"

# ann 08:00-12:00 with a break at 09:00 (may be delayed to 09:30); bob 08:15-09:45 with a
# fixed coaching 08:30-08:50; cat 12:00-20:00 with training 14:00-15:00 and lunch 15:00.
SCHEDULE_ROWS = ["ann,service,08:00,12:00", "bob,service,08:15,09:45", "cat,service,12:00,20:00"]
ACTIVITY_ROWS = [
    "ann,break,09:00,15,09:30,",
    "bob,coaching,08:30,20,,false",
    "cat,lunch,15:00,30,,",
    "cat,training,14:00,60,,",
]


def shipped(name: str) -> DayScenarioConfig:
    """configs/scenario/<name>.yaml as a DayScenarioConfig (its defaults list dropped)."""
    raw = OmegaConf.load(SCENARIO_CONFIGS / f"{name}.yaml")
    del raw["defaults"]
    return OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(DayScenarioConfig), raw))


def write(path: Path, header: str, rows: list[str]) -> None:
    path.write_text("\n".join([header, *rows]) + "\n")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The default scenario's data with the service group on a schedule of three agents."""
    data = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "scenarios" / "default", data)
    lines = (data / "staffing.csv").read_text().splitlines()
    drop = lines[0].split(",").index("service")
    write(
        data / "staffing.csv",
        ",".join(c for i, c in enumerate(lines[0].split(",")) if i != drop),
        [",".join(c for i, c in enumerate(x.split(",")) if i != drop) for x in lines[1:]],
    )
    write(data / "schedule.csv", "agent,group,shift_start,shift_end", SCHEDULE_ROWS)
    write(
        data / "activities.csv",
        "agent,kind,start,duration_minutes,latest_start,cancellable",
        ACTIVITY_ROWS,
    )
    return data


def scenario_config(folder: Path, **changes) -> DayScenarioConfig:
    """The default scenario reading ``folder``, with the schedule and activities files."""
    files = {"schedule_file": "schedule.csv", "activities_file": "activities.csv"}
    return dataclasses.replace(
        shipped("default"),
        data_dir=str(folder),
        allow_outside_paths=True,  # a temp folder, outside the project
        **{**files, **changes},
    )


def build(folder: Path, **changes) -> Scenario:
    return build_run(Config(scenario=scenario_config(folder, **changes))).scenario


def problems(folder: Path, **changes) -> list[str]:
    """The problems build_run reports (it must raise ConfigError)."""
    with pytest.raises(ConfigError) as info:
        build(folder, **changes)
    assert info.value.problems
    return info.value.problems


def append(path: Path, *rows: str) -> None:
    with path.open("a") as f:
        f.write("".join(row + "\n" for row in rows))


def with_absenteeism(**values) -> dict[str, GroupConfig]:
    """The default's group settings plus absenteeism for the service group."""
    groups = dict(shipped("default").groups)
    groups["service"] = GroupConfig(absenteeism=AbsenteeismConfig(**values))
    return groups


def exponential(mean_seconds: float) -> DistributionConfig:
    return DistributionConfig("exponential", mean_seconds)


# --- a valid schedule ------------------------------------------------------------------------


def test_schedule_and_activities_become_shifts_in_seconds(folder):
    """Each agent's shift, breaks and activities, in seconds from 08:00, sorted by start."""
    s = build(folder)
    service = s.groups[s.group_names.index("service")]
    assert service.scheduled and service.skill_for("billing") is not None
    assert service.shifts == (
        Shift("ann", 0.0, 14400.0, breaks=(Break("break", 3600.0, 5400.0, 900.0),)),
        Shift("bob", 900.0, 6300.0, activities=(Activity("coaching", 1800.0, 1200.0, False),)),
        Shift(
            "cat",
            14400.0,
            43200.0,
            breaks=(Break("lunch", 25200.0, 25200.0, 1800.0),),
            activities=(Activity("training", 21600.0, 3600.0, True),),
        ),
    )
    assert service.absenteeism == Absenteeism()
    # the staffing-column groups first, in column order, then the schedule's groups
    assert s.group_names == ("sales", "billing", "bilingual", "digital", "service")
    assert all(not g.shifts and isinstance(g.staffing[0], int) for g in s.groups[:4])


def test_derived_staffing_is_the_time_weighted_on_phone_agents(folder):
    """Hand-computed: 08:00 ann + half of bob; 08:30 bob loses 20 of 30 minutes to
    coaching; 09:00 ann's break takes half; 09:30 bob leaves at 09:45; cat is off the phone
    14:00-15:30 (training, lunch)."""
    service = build(folder).groups[-1]
    assert service.staffing[:4] == (1.5, 1.333333, 1.5, 1.5)
    assert service.staffing[4:12] == (1.0,) * 8
    assert service.staffing[12:15] == (0.0, 0.0, 0.0)
    assert service.staffing[15:] == (1.0,) * 9


def test_planned_staffing_counts_breaks_at_their_earliest_start():
    """A break's window does not matter for the plan; partial overlaps are weighted."""
    shift = Shift(
        "a",
        0.0,
        300.0,
        breaks=(Break("break", 50.0, 250.0, 100.0),),
        activities=(Activity("meeting", 200.0, 25.0),),
    )
    assert planned_staffing([shift, Shift("b", 150.0, 400.0)], 4, 100.0) == (
        0.5,
        1.0,
        1.75,
        1.0,
    )


def test_a_day_passing_midnight_reads_early_clock_times_as_the_next_day(tmp_path):
    """Day 22:00-02:00: shift 23:00-01:30 and a break at 00:30 are the next day's times; with
    no staffing file every group is on the schedule."""
    data = tmp_path / "night"
    data.mkdir()
    write(
        data / "forecast.csv", "interval_start,calls", ["22:00,5", "23:00,5", "24:00,5", "25:00,5"]
    )
    write(data / "skills.csv", "group,contact_type,proficiency,level", ["night,calls,1,1"])
    write(data / "schedule.csv", "agent,group,shift_start,shift_end", ["owl,night,23:00,01:30"])
    write(
        data / "activities.csv",
        "agent,kind,start,duration_minutes",
        ["owl,break,00:30,30"],
    )
    cfg = DayScenarioConfig(
        name="night",
        data_dir=str(data),
        allow_outside_paths=True,
        staffing_file=None,
        schedule_file="schedule.csv",
        activities_file="activities.csv",
        interval_minutes=60,
        contact_types={"calls": ContactTypeConfig(handle_time=exponential(300))},
    )
    s = build_run(Config(scenario=cfg)).scenario
    (group,) = s.groups
    assert group.shifts == (
        Shift("owl", 3600.0, 12600.0, breaks=(Break("break", 9000.0, 9000.0, 1800.0),)),
    )
    assert group.staffing == (0.0, 1.0, 0.5, 0.5)


def test_absenteeism_becomes_the_groups_absenteeism_in_seconds(folder):
    """Durations are configured like every distribution (mean_seconds) and held in minutes."""
    s = build(
        folder,
        groups=with_absenteeism(
            no_show_probability=0.1,
            late_probability=0.2,
            late_minutes=exponential(900),
            early_leave_probability=0.0,
            aux_per_hour=0.5,
            aux_minutes=DistributionConfig("gamma", 300, 0.5),
        ),
    )
    assert s.groups[-1].absenteeism == Absenteeism(
        0.1,
        0.2,
        Distribution("exponential", 900.0),
        0.0,
        None,
        0.5,
        Distribution("gamma", 300.0, 0.5),
    )


# --- bad schedule and activity rows ----------------------------------------------------------

BAD_SCHEDULE_ROWS = [
    (
        "dan,service,07:00,12:00",
        "line 5: shift 07:00-12:00 of agent 'dan' is outside the "
        "simulated day; allowed: within 08:00-20:00 (the forecast's intervals)",
    ),
    ("dan,service,16:00,20:30", "line 5: shift 16:00-20:30 of agent 'dan' is outside"),
    ("dan,service,19:00,01:00", "line 5: shift 19:00-01:00 of agent 'dan' is outside"),
    (
        "dan,service,12:00,10:00",
        "line 5: shift_end '10:00' is not after shift_start '12:00' "
        "(agent 'dan'); allowed: a later time (a shift passes midnight only if the simulated day "
        "does; the day is 08:00-20:00)",
    ),
    ("dan,service,10:00,10:00", "line 5: shift_end '10:00' is not after shift_start '10:00'"),
    (
        "dan,servce,10:00,12:00",
        "line 5: group 'servce' has no row in scenario.skills_file "
        "(skills.csv); allowed: a group with skills: ['sales', 'service', 'billing', 'bilingual', "
        "'digital']",
    ),
    (
        "dan,sales,10:00,12:00",
        "line 5: group 'sales' also has a column in "
        "scenario.staffing_file (staffing.csv); allowed: a group is staffed by its staffing column "
        "or by the schedule, not both",
    ),
    (
        "ann,service,10:00,12:00",
        "line 5: agent 'ann' already appears on line 2; allowed: one "
        "row per agent (agent names are unique)",
    ),
    ("dan,service,8h,12:00", "line 5: shift_start '8h' is not a time; allowed: HH:MM"),
    ("dan,service,10:00,12:60", "line 5: shift_end '12:60' is not a time; allowed: HH:MM"),
    ("dan,service,10:00,", "line 5: shift_end '(empty)' is not a time; allowed: HH:MM"),
    (",service,10:00,12:00", "line 5: agent is empty; allowed: an agent name"),
    ("dan,,10:00,12:00", "line 5: group is empty; allowed: a group"),
]


@pytest.mark.parametrize(
    ("row", "expected"),
    BAD_SCHEDULE_ROWS,
    ids=[
        "before-day", "after-day", "no-midnight", "end-before-start", "zero-length",
        "unknown-group", "group-also-staffing-column", "duplicate-agent", "bad-clock",
        "minute-60", "empty-end", "empty-agent", "empty-group",
    ],
)  # fmt: skip
def test_bad_schedule_row_is_reported_with_key_file_and_line(folder, row, expected):
    """A bad row added to schedule.csv is the only problem, named by key, file and line."""
    append(folder / "schedule.csv", row)
    (problem,) = problems(folder)
    assert problem.startswith(f"{SCHEDULE} {expected}"), problem


BAD_ACTIVITY_ROWS = [
    (
        "ann,break,07:45,15,,",
        "line 6: break 07:45-08:00 is outside agent 'ann''s shift "
        "08:00-12:00 (schedule.csv line 2); allowed: within the shift",
    ),
    ("ann,meeting,11:30,45,,", "line 6: meeting 11:30-12:15 is outside agent 'ann''s shift"),
    (
        "ann,lunch,11:00,30,11:45,",
        "line 6: lunch 11:00-11:30 (latest start 11:45: ends by "
        "12:15) is outside agent 'ann''s shift 08:00-12:00",
    ),
    (
        "ann,lunch,09:10,30,,",
        "line 6: lunch 09:10-09:40 overlaps break 09:00-09:15 on line 2 "
        "(agent 'ann'); allowed: one break or activity at a time per agent (judged at their start "
        "times)",
    ),
    (
        "cat,meeting,13:30,45,,",
        # the later-starting of the two is reported: cat's training, already on line 5
        "line 5: training 14:00-15:00 overlaps meeting 13:30-14:15 on line 6 (agent 'cat')",
    ),
    (
        "eve,training,10:00,60,,",
        "line 6: agent 'eve' is not in scenario.schedule_file "
        "(schedule.csv); allowed: an agent of the schedule",
    ),
    (
        "ann,break,10:00,-15,,",
        "line 6: duration_minutes '-15' is not allowed; allowed: a number of minutes > 0",
    ),
    ("ann,break,10:00,0,,", "line 6: duration_minutes '0' is not allowed"),
    ("ann,break,10:00,,,", "line 6: duration_minutes '(empty)' is not allowed"),
    ("ann,break,noon,15,,", "line 6: start 'noon' is not a time; allowed: HH:MM"),
    (
        "ann,break,10:00,15,10h,",
        "line 6: latest_start '10h' is not a time; allowed: HH:MM, or "
        "empty (the break is fixed at start)",
    ),
    (
        "ann,lunch,10:00,30,09:45,",
        "line 6: latest_start '09:45' is before start '10:00'; "
        "allowed: empty (fixed) or a time at or after start",
    ),
    (
        "ann,training,10:00,30,10:30,",
        "line 6: latest_start '10:30' is given for activity "
        "'training'; allowed: empty (only a break or lunch has a window; an activity starts at "
        "start)",
    ),
    (
        "ann,training,10:00,30,,maybe",
        "line 6: cancellable 'maybe' is not allowed; allowed: true or false (empty: true)",
    ),
    (
        "ann,break,10:00,15,,true",
        "line 6: cancellable 'true' is given for a break; allowed: "
        "empty (a break is never cancelled; latest_start says how far a policy may delay it)",
    ),
    (",training,10:00,30,,", "line 6: agent is empty; allowed: an agent of the schedule"),
    ("ann,,10:00,30,,", "line 6: kind is empty; allowed: break or lunch, or an activity name"),
]


@pytest.mark.parametrize(
    ("row", "expected"),
    BAD_ACTIVITY_ROWS,
    ids=[
        "before-shift", "past-shift-end", "latest-past-shift-end", "overlap", "overlap-earlier-row",
        "unknown-agent", "negative-duration", "zero-duration", "empty-duration", "bad-start",
        "bad-latest", "latest-before-start", "latest-for-activity", "cancellable-not-flag",
        "cancellable-for-break", "empty-agent", "empty-kind",
    ],
)  # fmt: skip
def test_bad_activity_row_is_reported_with_key_file_and_line(folder, row, expected):
    """A bad row added to activities.csv is the only problem, named by key, file and line."""
    append(folder / "activities.csv", row)
    (problem,) = problems(folder)
    assert problem.startswith(f"{ACTIVITIES} {expected}"), problem


def test_cancellable_flags_are_read_case_insensitively(folder):
    append(
        folder / "activities.csv", "ann,meeting,10:00,30,,FALSE", "ann,back_office,11:00,30,,True"
    )
    acts = build(folder).groups[-1].shifts[0].activities
    assert [(a.name, a.cancellable) for a in acts] == [("meeting", False), ("back_office", True)]


def test_unknown_and_missing_columns_are_reported(folder):
    """A misspelt column is not silently ignored; optional activity columns may be left out."""
    write(folder / "schedule.csv", "agent,group,start,shift_end", ["ann,service,08:00,12:00"])
    write(folder / "activities.csv", "agent,kind,start,duration_minutes,cancelable", [])
    assert problems(folder) == [
        "scenario.schedule_file: schedule.csv lacks column(s) ['shift_start'] (its header, "
        "line 1, has 4 column(s))",
        "scenario.schedule_file: schedule.csv line 1: unknown column(s) ['start']; allowed: "
        "['agent', 'group', 'shift_start', 'shift_end']",
        "scenario.activities_file: activities.csv line 1: unknown column(s) ['cancelable']; allowed: "
        "['agent', 'kind', 'start', 'duration_minutes', 'latest_start', 'cancellable']",
    ]
    write(folder / "schedule.csv", "agent,group,shift_start,shift_end", SCHEDULE_ROWS)
    write(folder / "activities.csv", "agent,kind,start,duration_minutes", ["ann,lunch,10:00,30"])
    assert build(folder).groups[-1].shifts[0].breaks == (Break("lunch", 7200.0, 7200.0, 1800.0),)


def test_missing_schedule_file_is_reported(folder):
    (folder / "schedule.csv").unlink()
    found = problems(folder)
    assert found[0].startswith("scenario.schedule_file: file not found:"), found


def test_activities_need_a_schedule(folder):
    (problem, *_) = problems(folder, schedule_file=None)
    assert problem.startswith(
        "scenario.activities_file = 'activities.csv': needs scenario.schedule_file"
    )


def test_a_skills_group_with_neither_a_column_nor_shifts_is_reported(folder):
    """Without the schedule the service group is nowhere: its skills rows are reported (and
    the overflow steps naming it)."""
    found = problems(folder, schedule_file=None, activities_file=None)
    assert found[0] == (
        "scenario.skills_file: skills.csv line 4: group 'service' is not a group; allowed: "
        "['sales', 'billing', 'bilingual', 'digital']"
    )
    assert all("'service'" in p for p in found), found


def test_no_staffing_file_needs_a_schedule(folder):
    found = problems(folder, staffing_file=None, schedule_file=None, activities_file=None)
    assert found == [
        "scenario.staffing_file = None: required unless scenario.schedule_file gives every "
        "group's agents"
    ]


def test_group_settings_may_name_a_schedule_group_but_not_an_unknown_one(folder):
    groups = {"service": GroupConfig(chat_concurrency=2), "nobody": GroupConfig()}
    (problem,) = problems(folder, groups=groups)
    assert problem.startswith(
        "scenario.groups.nobody: no column 'nobody' in scenario.staffing_file (staffing.csv) "
        "and no rows in scenario.schedule_file (schedule.csv); allowed: a group of the staffing "
        "or the schedule: ['sales', 'billing', 'bilingual', 'digital', 'service']"
    )


# --- bad absenteeism -------------------------------------------------------------------------

BAD_ABSENTEEISM = [
    (
        {"no_show_probability": 1.5},
        f"{ABSENT}.no_show_probability = 1.5: must be a probability in [0, 1]",
    ),
    ({"no_show_probability": -0.1}, f"{ABSENT}.no_show_probability = -0.1: must be a number >= 0"),
    (
        {"late_probability": 2.0, "late_minutes": exponential(600)},
        f"{ABSENT}.late_probability = 2.0: must be a probability in [0, 1]",
    ),
    (
        {"early_leave_probability": -1, "early_leave_minutes": exponential(600)},
        f"{ABSENT}.early_leave_probability = -1: must be a number >= 0",
    ),
    (
        {"aux_per_hour": -0.5, "aux_minutes": exponential(300)},
        f"{ABSENT}.aux_per_hour = -0.5: must be a number >= 0",
    ),
    (
        {"late_probability": 0.1},
        f"{ABSENT}.late_minutes = None: required when late_probability > 0: a distribution "
        "{distribution, mean_seconds, cv}",
    ),
    ({"early_leave_probability": 0.1}, f"{ABSENT}.early_leave_minutes = None: required when"),
    ({"aux_per_hour": 0.2}, f"{ABSENT}.aux_minutes = None: required when aux_per_hour > 0"),
    (
        {"late_probability": 0.1, "late_minutes": DistributionConfig("lognormal", 600)},
        f"{ABSENT}.late_minutes.cv = None: must be a number > 0",
    ),
    (
        {"aux_per_hour": 0.1, "aux_minutes": exponential(-5)},
        f"{ABSENT}.aux_minutes.mean_seconds = -5: must be a number > 0",
    ),
]


@pytest.mark.parametrize(
    ("values", "expected"),
    BAD_ABSENTEEISM,
    ids=[
        "no-show>1", "no-show<0", "late>1", "early<0", "aux<0", "late-no-minutes",
        "early-no-minutes", "aux-no-minutes", "bad-distribution", "negative-mean",
    ],
)  # fmt: skip
def test_bad_absenteeism_is_reported(folder, values, expected):
    (problem,) = problems(folder, groups=with_absenteeism(**values))
    assert problem.startswith(expected), problem


def test_absenteeism_of_a_count_staffed_group_reaches_the_scenario(folder):
    """A staffing-column group's agents can be absent too (as slots: sim.model.slots)."""
    groups = {"billing": GroupConfig(absenteeism=AbsenteeismConfig(no_show_probability=0.1))}
    s = build(folder, groups=groups)
    billing = s.groups[s.group_names.index("billing")]
    assert not billing.scheduled and billing.absenteeism.no_show_probability == 0.1


def test_several_problems_are_reported_together(folder):
    """Bad rows in both files and a bad absenteeism value come back in one error."""
    append(folder / "schedule.csv", "dan,service,07:00,12:00", "ann,service,09:00,10:00")
    append(folder / "activities.csv", "bob,meeting,08:40,30,,", "cat,training,16:00,30,,perhaps")
    found = problems(folder, groups=with_absenteeism(no_show_probability=3))
    expected = [
        f"{SCHEDULE} line 6: agent 'ann' already appears on line 2",
        f"{ACTIVITIES} line 7: cancellable 'perhaps' is not allowed",
        f"{SCHEDULE} line 5: shift 07:00-12:00 of agent 'dan' is outside the simulated day",
        f"{ACTIVITIES} line 6: meeting 08:40-09:10 overlaps coaching 08:30-08:50 on line 3",
        f"{ABSENT}.no_show_probability = 3: must be a probability in [0, 1]",
    ]
    assert len(found) == len(expected), found
    for problem, start in zip(found, expected, strict=True):
        assert problem.startswith(start), problem


# --- the shipped scenarios -------------------------------------------------------------------


def compose(name: str):
    """configs/scenario/<name>.yaml composed with the root config, as ``python -m sim`` does."""
    return compose_config([f"scenario={name}"])


def make_data(name: str):
    """scenarios/<name>/make_data.py as a module."""
    module_name = f"ccsim_make_data_{name}"
    spec = importlib.util.spec_from_file_location(
        module_name, PROJECT_ROOT / "scenarios" / name / "make_data.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["training_peak", "monday_no_show"])
def test_shipped_data_is_what_make_data_writes(name):
    for file, text in make_data(name).files().items():
        assert (PROJECT_ROOT / "scenarios" / name / file).read_text() == text, file


def test_training_peak_schedules_the_service_group_with_a_training_on_the_peak():
    s = build_run(compose("training_peak")).scenario
    default = build_run(compose("default")).scenario
    assert s.contact_types == default.contact_types
    service = s.groups[s.group_names.index("service")]
    assert len(service.shifts) == 37 and not service.absenteeism.any
    trainings = [a for sh in service.shifts for a in sh.activities]
    assert len(trainings) == 4
    assert {(a.name, a.start, a.duration, a.cancellable) for a in trainings} == {
        ("training", 6 * 3600.0, 3600.0, True)
    }
    assert [g for g in s.groups if g.name != "service"] == [
        g for g in default.groups if g.name != "service"
    ]
    old = default.groups[default.group_names.index("service")].staffing
    # on the phone: close to the default's service column, but 4 agents short 14:00-15:00
    assert abs(sum(service.staffing) + 2 * 4 - sum(old)) <= 2.0
    assert (
        max(
            abs(a - b)
            for k, (a, b) in enumerate(zip(service.staffing, old, strict=True))
            if k not in (12, 13)
        )
        <= 4
    )
    assert service.staffing[12:14] == (16.5, 19.0)


def test_monday_no_show_has_absent_sales_and_service_agents():
    s = build_run(compose("monday_no_show")).scenario
    default = build_run(compose("default")).scenario
    assert sum(s.forecast_total()) == pytest.approx(1.15 * sum(default.forecast_total()), rel=1e-3)
    monday = Absenteeism(
        0.12,
        0.10,
        Distribution.exponential(900.0),
        0.05,
        Distribution.exponential(1800.0),
        0.3,
        Distribution.exponential(300.0),
    )
    by_name = {g.name: g for g in s.groups}
    assert (len(by_name["sales"].shifts), len(by_name["service"].shifts)) == (33, 42)
    assert by_name["sales"].absenteeism == by_name["service"].absenteeism == monday
    for name in ("billing", "bilingual", "digital"):
        assert not by_name[name].shifts and not by_name[name].absenteeism.any
    assert (by_name["digital"].chat_concurrency, by_name["digital"].chat_stretch) == (3, 0.25)
    assert not any(sh.activities for g in s.groups for sh in g.shifts)
