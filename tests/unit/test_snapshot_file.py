"""Unit tests for ``scenario.snapshot_file`` (sim.config.snapshot_file) and ``run.snapshot_at``:
a snapshot of the default day read into the expected DayState through ``sim.load`` (the
CLI's way in), every kind of bad snapshot refused with the file, the place in it, the value
and what is allowed, and the run key's bad values. Nothing is simulated."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from omegaconf import OmegaConf

import sim
from sim.cli.app import compose_config
from sim.config.data_files import DataFileError
from sim.config.provenance import data_files
from sim.config.run import PROJECT_ROOT, ConfigError
from sim.config.safety import OUTSIDE
from sim.config.snapshot_file import read_snapshot
from sim.core.day_state import GROUP_ACTUALS, TYPE_ACTUALS, AgentState, WaitingContact
from sim.core.scenario import Scenario

KEY = "scenario.snapshot_file"
SHOWN = "snap.json"
WHERE = f"{KEY} ({SHOWN}): "
TYPES = "['sales', 'service', 'billing', 'service_fr', 'chat', 'email']"
SINCE = "(the time since the day began at 08:00)"
INTERVALS = (
    "the day's intervals that start before the clock (11:20): 08:00 to 11:00, every 30 minutes"
)

#: A snapshot of the default day (08:00 to 20:00, 30-minute intervals) at 11:20: at_seconds
#: 3 h 20 min = 12000. Two contacts waiting: a sales call for 35.5 s (arrived 11964.5, in
#: the 11:00 interval, the 7th) and a chat for 100 s (arrived 11900, first in time order).
GOOD: dict[str, Any] = {
    "format": "ccsim-snapshot-1",
    "scenario": "default",
    "clock": "11:20",
    "waiting": [
        {"contact_type": "sales", "waited_seconds": 35.5},
        {"contact_type": "chat", "waited_seconds": 100},
    ],
    "groups": {
        "sales": {
            "logged_in": 12,
            "busy": [{"contacts": [{"contact_type": "sales", "seconds_in_contact": 95.0}]}],
            "away": [{"kind": "break", "seconds_left": 300}],
        },
        "service": {
            "logged_in": 3,
            "busy": [
                {"contacts": [{"contact_type": "billing", "seconds_in_contact": 12}]},
                {
                    "contacts": [{"contact_type": "service", "seconds_in_contact": 7}],
                    "leaving": True,
                },
            ],
        },
        "billing": {"logged_in": 0},
        "bilingual": {"logged_in": 1, "busy": [], "away": [{"seconds_left": 60}]},
        "digital": {
            "logged_in": 2,
            "busy": [
                {
                    "contacts": [
                        {"contact_type": "chat", "seconds_in_contact": 10},
                        {"contact_type": "chat", "seconds_in_contact": 20},
                    ]
                }
            ],
        },
    },
    "actuals": {
        "contact_types": [
            {
                "interval_start": "08:00",
                "contact_type": "sales",
                "offered": 30,
                "answered": 27,
                "abandoned": 1,
                "answered_within_threshold": 22,
                "handled": 26,
                "wait_answered_seconds": 310.5,
            },
            {
                "interval_start": "11:00",
                "contact_type": "sales",
                "offered": 5,
                "answered": 3,
                "abandoned": 0,
                "answered_within_threshold": 3,
            },
            {
                "interval_start": "11:00",
                "contact_type": "chat",
                "offered": 4,
                "answered": 3,
                "abandoned": 0,
                "answered_within_threshold": 2,
            },
        ],
        "groups": [
            {
                "interval_start": "09:30",
                "group": "digital",
                "logged_in_seconds": 14400,
                "busy_seconds": 9000,
                "away_seconds": 900,
            }
        ],
    },
}


def good() -> dict[str, Any]:
    return copy.deepcopy(GOOD)


def write(folder: Path, data: Any, name: str = SHOWN) -> Path:
    path = folder / name
    text = data if isinstance(data, str) else json.dumps(data, indent=2)
    path.write_text(text, encoding="utf-8")
    return path


def load(*overrides: str, name: str = "default") -> sim.RunSpec:
    return sim.load(name, ["policies=[none]", "report.figures=false", *overrides])


def refused(*overrides: str, name: str = "default") -> list[str]:
    with pytest.raises(ConfigError) as info:
        load(*overrides, name=name)
    return info.value.problems


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load().scenario


def problems(tmp_path: Path, scenario: Scenario, data: Any, **kwargs) -> list[str]:
    with pytest.raises(DataFileError) as info:
        read_snapshot(write(tmp_path, data), scenario, shown=SHOWN, **kwargs)
    return info.value.problems


# --- a good snapshot ---------------------------------------------------------------------------


def test_a_snapshot_loads_into_the_day_state_the_day_continues_from(tmp_path):
    path = write(tmp_path, good())
    spec = load(f"{KEY}={path}", "scenario.allow_outside_paths=true")
    state = spec.scenario.start
    assert state is not None
    assert state.at_seconds == 12000.0
    assert state.source == str(path)
    assert state.waiting == (WaitingContact(4, 11900.0), WaitingContact(0, 11964.5))
    sales, service, bilingual, digital = 0, 1, 3, 4
    assert state.agents[:3] == (
        AgentState(sales, in_contact=((0, 95.0),)),
        AgentState(sales, away_seconds_left=300.0),
        AgentState(sales),
    )
    assert [a.group for a in state.agents] == [sales] * 12 + [service] * 3 + [bilingual] + [
        digital
    ] * 2
    assert state.agents[12:15] == (
        AgentState(service, in_contact=((2, 12.0),)),
        AgentState(service, in_contact=((1, 7.0),), leaving=True),
        AgentState(service),
    )
    assert state.agents[15] == AgentState(bilingual, away_seconds_left=60.0)
    assert state.agents[16] == AgentState(digital, in_contact=((4, 10.0), (4, 20.0)))
    assert state.type_actuals.shape == (len(TYPE_ACTUALS), 6, 24)
    assert state.group_actuals.shape == (len(GROUP_ACTUALS), 5, 24)
    offered = np.zeros((6, 24))
    offered[0, 0], offered[0, 6], offered[4, 6] = 30, 5, 4
    np.testing.assert_array_equal(state.actual("offered"), offered)
    assert state.actual("handled")[0, 0] == 26
    assert state.actual("wait_answered_seconds")[0, 0] == 310.5
    assert state.actual("short_abandoned").sum() == 0  # optional columns default to 0
    busy = np.zeros((5, 24))
    busy[digital, 3] = 9000  # 09:30 is the 4th interval
    np.testing.assert_array_equal(state.group_actual("busy_seconds"), busy)
    assert state.group_actual("logged_in_seconds").sum() == 14400
    assert spec.snapshot_at is None


def test_the_clock_may_have_seconds_and_optional_parts_may_be_left_out(tmp_path, scenario):
    data = good()
    data["clock"] = "11:20:30"
    del data["scenario"], data["waiting"], data["actuals"]
    state = read_snapshot(write(tmp_path, data), scenario, shown=SHOWN)
    assert state.at_seconds == 12030.0
    assert state.waiting == ()
    assert not state.type_actuals.any() and not state.group_actuals.any()


def test_the_snapshot_is_a_data_file_of_the_run(tmp_path):
    """Relative to scenario.data_dir like the other files; listed in the provenance."""
    path = write(tmp_path, good())
    cfg = compose_config(["scenario=default", f"{KEY}={path}"])
    listed = data_files(OmegaConf.to_object(cfg).scenario, PROJECT_ROOT)
    (entry,) = [f for f in listed if f.key == KEY]
    assert entry.path == str(path)
    assert entry.size_bytes == path.stat().st_size


# --- bad snapshots, read through the config ---------------------------------------------------


def test_a_path_outside_the_project_is_refused_unread(tmp_path):
    path = write(tmp_path, good())
    assert refused(f"{KEY}={path}") == [f"{KEY} = {str(path)!r}: {OUTSIDE}"]
    assert refused(f"{KEY}=../../../snap.json") == [f"{KEY} = '../../../snap.json': {OUTSIDE}"]


def test_a_missing_file_is_named(tmp_path):
    found = refused(f"{KEY}={tmp_path / 'gone.json'}", "scenario.allow_outside_paths=true")
    assert found == [f"{KEY}: {tmp_path / 'gone.json'}: cannot be read (No such file or directory)"]


def test_a_bad_snapshot_is_refused_through_the_config_with_its_file_and_place(tmp_path):
    data = good()
    data["groups"]["sales"]["busy"][0]["contacts"][0]["seconds_in_contact"] = -4
    path = write(tmp_path, data)
    found = refused(f"{KEY}={path}", "scenario.allow_outside_paths=true")
    assert found == [
        f"{KEY} ({path}): groups.sales.busy[0].contacts[0].seconds_in_contact = -4: must be a "
        f"number >= 0 and <= 12000 {SINCE}"
    ]


def test_a_day_that_cannot_continue_refuses_the_snapshot(tmp_path):
    path = write(tmp_path, good())
    found = refused(f"{KEY}={path}", "scenario.allow_outside_paths=true", "scenario.trunks=40")
    assert found == [
        f"{KEY} = {str(path)!r}: a day with a line limit (trunks) cannot continue from a "
        "snapshot yet; allowed only for a day without agents on individual shifts, outages, "
        "redials, repeats or escalations, a line limit (trunks) or fatigue"
    ]


# --- bad snapshots, each refused with its place, value and what is allowed ---------------------


def _set(path: str, value: Any):
    """A change of ``good()``: the value at a dotted path (list indexes as numbers)."""

    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return change


def _extra_sales_waiting(data: dict[str, Any]) -> None:
    data["waiting"] += [{"contact_type": "sales", "waited_seconds": 40}] * 2


def _many_busy(data: dict[str, Any]) -> None:
    contact = {"contacts": [{"contact_type": "sales", "seconds_in_contact": 1}]}
    data["groups"]["sales"]["busy"] = [contact] * 14


def _without_billing(data: dict[str, Any]) -> None:
    del data["groups"]["billing"]


def _twice(data: dict[str, Any]) -> None:
    data["actuals"]["contact_types"].append(dict(data["actuals"]["contact_types"][1]))


BAD = {
    "unknown format": (
        _set("format", "ccsim-snapshot-2"),
        "format = 'ccsim-snapshot-2': not a snapshot format ccsim reads; allowed: "
        "'ccsim-snapshot-1'",
    ),
    "clock before the day": (
        _set("clock", "07:30"),
        "clock = '07:30': must fall strictly inside the day of scenario 'default' (08:00 to 20:00)",
    ),
    "clock at the day's start": (
        _set("clock", "08:00"),
        "clock = '08:00': must fall strictly inside the day of scenario 'default' (08:00 to 20:00)",
    ),
    "clock at the day's end": (
        _set("clock", "20:00"),
        "clock = '20:00': must fall strictly inside the day of scenario 'default' (08:00 to 20:00)",
    ),
    "clock not a clock": (
        _set("clock", "11h20"),
        "clock = '11h20': must be a clock time HH:MM or HH:MM:SS",
    ),
    "unknown contact type": (
        _set("waiting.0.contact_type", "fax"),
        f"waiting[0].contact_type = 'fax': unknown contact type; allowed: {TYPES}",
    ),
    "waited before the day": (
        _set("waiting.1.waited_seconds", 12000.5),
        f"waiting[1].waited_seconds = 12000.5: must be a number >= 0 and <= 12000 {SINCE}",
    ),
    "negative seconds": (
        _set("groups.sales.busy.0.contacts.0.seconds_in_contact", -4),
        "groups.sales.busy[0].contacts[0].seconds_in_contact = -4: must be a number >= 0 and "
        f"<= 12000 {SINCE}",
    ),
    "seconds not a number": (
        _set("groups.sales.away.0.seconds_left", "300"),
        "groups.sales.away[0].seconds_left = '300': must be a number > 0",
    ),
    "a voice agent holding two contacts": (
        _set(
            "groups.sales.busy.0.contacts",
            [{"contact_type": "sales", "seconds_in_contact": 5}] * 2,
        ),
        "groups.sales.busy[0].contacts = ['sales', 'sales']: an agent holds one voice or email "
        "contact at a time; allowed: one contact, or several chats (at most the group's "
        "chat_concurrency, 1)",
    ),
    "more chats than the concurrency": (
        _set(
            "groups.digital.busy.0.contacts",
            [{"contact_type": "chat", "seconds_in_contact": 5}] * 4,
        ),
        "groups.digital.busy[0].contacts = ['chat', 'chat', 'chat', 'chat']: 4 chats, more "
        "than group 'digital''s chat_concurrency; allowed: at most 3",
    ),
    "a type the group does not serve": (
        _set("groups.sales.busy.0.contacts.0.contact_type", "email"),
        "groups.sales.busy[0].contacts[0].contact_type = 'email': group 'sales' does not serve "
        "it (no skills row); allowed: ['sales', 'service']",
    ),
    "an agent with no contacts": (
        _set("groups.sales.busy.0.contacts", []),
        "groups.sales.busy[0].contacts = a list of 0 item(s): must be a non-empty list of "
        "{contact_type, seconds_in_contact}",
    ),
    "more busy agents than logged in": (
        _many_busy,
        "groups.sales: 14 busy and 1 away agents, but logged_in = 12; allowed: at most "
        "logged_in busy and away agents together",
    ),
    "logged_in not whole": (
        _set("groups.billing.logged_in", 2.5),
        "groups.billing.logged_in = 2.5: must be a whole number >= 0",
    ),
    "a missing group": (
        _without_billing,
        "groups.billing: missing; every group of the scenario needs an entry {logged_in, busy, "
        "away}",
    ),
    "an unknown group": (
        _set("groups.french", {"logged_in": 1}),
        "groups.french: not a group of scenario 'default'; allowed: ['sales', 'service', "
        "'billing', 'bilingual', 'digital']",
    ),
    "an unknown key": (
        _set("groups.sales.logged_on", 3),
        "groups.sales.logged_on: unknown key (misspelt?); allowed: ['logged_in', 'busy', 'away']",
    ),
    "an unknown top-level key": (
        _set("note", "x"),
        "note: unknown key (misspelt?); allowed: ['format', 'clock', 'groups', 'scenario', "
        "'waiting', 'actuals']",
    ),
    "an unknown actuals column": (
        _set("actuals.contact_types.0.served", 3),
        "actuals.contact_types[0].served: unknown key (misspelt?); allowed: ['interval_start', "
        "'contact_type', 'offered', 'answered', 'abandoned', 'answered_within_threshold', "
        "'short_abandoned', 'queued', 'wait_answered_seconds', 'wait_abandoned_seconds', "
        "'handled', 'handle_seconds', 'queue_seconds']",
    ),
    "a missing required column": (
        lambda d: d["actuals"]["groups"][0].pop("logged_in_seconds"),
        "actuals.groups[0].logged_in_seconds: missing; required",
    ),
    "waiting contacts beyond offered - answered - abandoned": (
        _extra_sales_waiting,
        "waiting: 3 contact(s) of type 'sales' that arrived in the 11:00 interval, but its row "
        "actuals.contact_types[1] has offered - answered - abandoned = 2; allowed: at most that "
        "many still waiting",
    ),
    "waiting contacts without a row": (
        _set("waiting.1.waited_seconds", 5000),
        "waiting: 1 contact(s) of type 'chat' that arrived in the 09:30 interval, but "
        "actuals.contact_types has no row for them (nothing offered); allowed: at most that "
        "many still waiting",
    ),
    "an interval_start that is not an interval": (
        _set("actuals.contact_types.0.interval_start", "08:10"),
        f"actuals.contact_types[0].interval_start = '08:10': not the start of an interval; "
        f"allowed: {INTERVALS}",
    ),
    "an interval_start after the clock": (
        _set("actuals.groups.0.interval_start", "11:30"),
        f"actuals.groups[0].interval_start = '11:30': starts at or after the clock; allowed: "
        f"{INTERVALS}",
    ),
    "answered + abandoned > offered": (
        _set("actuals.contact_types.0.abandoned", 5),
        "actuals.contact_types[0]: answered 27 + abandoned 5 > offered 30; allowed: at most "
        "offered",
    ),
    "answered within threshold > answered": (
        _set("actuals.contact_types.2.answered_within_threshold", 4),
        "actuals.contact_types[2]: answered_within_threshold 4 > answered 3; allowed: at most "
        "answered",
    ),
    "busy + away > logged in": (
        _set("actuals.groups.0.away_seconds", 6000),
        "actuals.groups[0]: busy_seconds 9000 + away_seconds 6000 > logged_in_seconds 14400; "
        "allowed: at most logged_in_seconds",
    ),
    "a count not whole": (
        _set("actuals.contact_types.0.queued", 1.5),
        "actuals.contact_types[0].queued = 1.5: must be a whole number >= 0",
    ),
    "a row twice": (
        _twice,
        "actuals.contact_types[3]: a second row for contact_type 'sales' and interval 11:00 "
        "(the first: actuals.contact_types[1]); allowed: one row each",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_snapshot_is_refused_with_its_place_value_and_what_is_allowed(
    case, tmp_path, scenario
):
    change, expected = BAD[case]
    data = good()
    change(data)
    assert problems(tmp_path, scenario, data) == [WHERE + expected]


def test_every_problem_is_reported_at_once(tmp_path, scenario):
    data = good()
    data["clock"] = "21:00"
    data["waiting"][0]["contact_type"] = "fax"
    del data["groups"]["billing"]
    found = problems(tmp_path, scenario, data)
    assert [p.removeprefix(WHERE).split(" ")[0] for p in found] == [
        "clock",
        "waiting[0].contact_type",
        "groups.billing:",
    ]


def test_a_key_twice_is_refused(tmp_path, scenario):
    text = json.dumps(good()).replace('"clock": "11:20"', '"clock": "11:20", "clock": "11:25"')
    assert problems(tmp_path, scenario, text) == [
        WHERE + "clock: the key appears twice in the same object"
    ]


def test_a_json_syntax_error_names_the_line_and_column(tmp_path, scenario):
    text = '{\n  "format": "ccsim-snapshot-1",\n  "clock": "11:20"\n  "groups": {}\n}\n'
    assert problems(tmp_path, scenario, text) == [
        WHERE + "line 4 column 3: not valid JSON: Expecting ',' delimiter"
    ]


def test_nan_and_numbers_too_long_for_a_float_are_refused(tmp_path, scenario):
    text = json.dumps(good()).replace('"logged_in": 0', '"logged_in": NaN')
    text = text.replace('"logged_in": 3', '"logged_in": ' + "9" * 5000)
    assert problems(tmp_path, scenario, text) == [
        WHERE + "groups.service.logged_in = inf: must be a whole number >= 0",
        WHERE + "groups.billing.logged_in = nan: must be a whole number >= 0",
    ]


def test_a_file_that_is_not_utf8_a_folder_or_too_large_is_refused(tmp_path, scenario):
    path = tmp_path / SHOWN
    path.write_bytes(b'{"format": "ccsim-snapshot-1", "clock": "11:2\xff"}')
    with pytest.raises(DataFileError) as info:
        read_snapshot(path, scenario, shown=SHOWN)
    assert info.value.problems == [
        WHERE + "not UTF-8 text (byte 45 cannot be read); save it as UTF-8"
    ]
    with pytest.raises(DataFileError) as info:
        read_snapshot(tmp_path, scenario, shown="snaps")
    assert info.value.problems == [f"{KEY}: snaps: not a regular file"]
    size = write(tmp_path, good()).stat().st_size
    assert problems(tmp_path, scenario, good(), max_bytes=100) == [
        f"{KEY}: {SHOWN}: {size:,} bytes, larger than the limit of 100 (set "
        "run.allow_large=true to read it anyway)"
    ]


def test_too_many_agents_are_refused_before_they_are_built(tmp_path, scenario):
    data = good()
    data["groups"]["service"]["logged_in"] = 10**12
    assert problems(tmp_path, scenario, data) == [
        WHERE + "groups: 1,000,000,000,015 agents logged in (the groups' logged_in together), "
        "above the limit of 100,000; set run.allow_large=true to read it anyway"
    ]


def test_a_long_value_is_not_quoted(tmp_path, scenario):
    data = good()
    data["waiting"][0]["contact_type"] = "x" * 500
    assert problems(tmp_path, scenario, data) == [
        WHERE + f"waiting[0].contact_type = (a 500-character value): unknown contact type; "
        f"allowed: {TYPES}"
    ]


# --- run.snapshot_at ---------------------------------------------------------------------------


def test_snapshot_at_is_seconds_from_the_days_time_0():
    assert load("run.snapshot_at=11:20", "policies=[none,analyst]").snapshot_at == 12000.0
    assert load("run.snapshot_at=08:00:30").snapshot_at == 30.0


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("07:59", "must fall strictly inside the day (08:00 to 20:00)"),
        ("20:00", "must fall strictly inside the day (08:00 to 20:00)"),
        (
            "noon",
            'must be a clock time "HH:MM" or "HH:MM:SS" (quoted in YAML) inside the day, or null',
        ),
    ],
)
def test_snapshot_at_must_be_a_clock_inside_the_day(value, why):
    assert refused(f"run.snapshot_at={value}") == [f"run.snapshot_at = {value!r}: {why}"]


def test_snapshot_at_needs_the_baseline_among_the_policies():
    assert refused("run.snapshot_at=11:20", "policies=[analyst]") == [
        "run.snapshot_at = '11:20': needs none among the policies (snapshots are written of the "
        "baseline's days), e.g. policies=[none,analyst]"
    ]


def test_snapshot_at_is_refused_for_erlang_other_modes_and_days_that_cannot_continue():
    (erlang,) = refused("run.snapshot_at=01:00", name="erlang")
    assert erlang.startswith("run.snapshot_at = '01:00': for a day scenario only")
    assert refused("run.snapshot_at=11:20", "mode=staff") == [
        "run.snapshot_at = '11:20': not available with mode=staff: leave it null"
    ]
    assert refused("run.snapshot_at=11:20", "scenario.trunks=40") == [
        "run.snapshot_at = '11:20': a snapshot no day could continue from: a day with a line "
        "limit (trunks) cannot continue from a snapshot yet; allowed only for a day without "
        "agents on individual shifts, outages, redials, repeats or escalations, a line limit "
        "(trunks) or fatigue"
    ]


def test_snapshot_at_must_come_after_the_snapshot_the_day_continues_from(tmp_path):
    path = write(tmp_path, good())
    found = refused(f"{KEY}={path}", "scenario.allow_outside_paths=true", "run.snapshot_at=11:00")
    assert found == [
        "run.snapshot_at = '11:00': must come after the clock of scenario.snapshot_file "
        "(11:20), where the day continues from: a clock after 11:20 and before 20:00"
    ]
