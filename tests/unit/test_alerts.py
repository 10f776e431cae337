"""``alerts.csv`` and the report's views: exact alerts on hand-made tables, the thresholds'
checks, and the report opening with the executive, supervisor and analyst views."""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd
import pytest

from sim.cli.app import compose_config
from sim.config.run import ConfigError, build_run
from sim.core.alerts import AlertThresholds
from sim.core.scenario import ServiceLevel, Skill, erlang_scenario
from sim.kpi.definitions import ALL
from sim.report.alerts import ALERT_COLUMNS, alerts_table
from sim.report.views import views_section

NAN = math.nan


def _scenario():
    """Calls (80/20) and emails, 8 intervals of 15 minutes, 100 calls and 10 emails forecast."""
    base = erlang_scenario(400, 120, 10, hours=2, warmup_hours=0, interval_minutes=15)
    calls = replace(base.contact_types[0], forecast=(12.5,) * 8)
    email = replace(
        calls,
        name="email",
        channel="email",
        forecast=(1.25,) * 8,
        patience=None,
        service_level=ServiceLevel(3600, 0.9),
    )
    group = replace(base.groups[0], skills=(Skill("calls"), Skill("email", level=2)))
    return replace(base, contact_types=(calls, email), groups=(group,), reference=None)


def _intervals(levels, queue=None, longest=None, email_levels=None):
    rows = []
    for k, level in enumerate(levels):
        rows.append(
            {
                "policy": "none",
                "contact_type": "calls",
                "group": ALL,
                "interval": k,
                "interval_start": f"00:{15 * k:02d}" if k < 4 else f"01:{15 * (k - 4):02d}",
                "service_level": level,
                "queue_length": (queue or [0.0] * 8)[k],
                "longest_wait_seconds": (longest or [0.0] * 8)[k],
            }
        )
        rows.append(
            {
                **rows[-1],
                "contact_type": "email",
                "service_level": (email_levels or [0.0] * 8)[k],
                "queue_length": 50.0,
                "longest_wait_seconds": 3000.0,
            }
        )
    return pd.DataFrame(rows)


def _summary(missed=0.0, offered_calls=100.0, adherence=NAN, occupancy=0.5):
    base = {
        "policy": "none",
        "missed_target": missed,
        "forecast_wape": 0.3,
        "adherence": NAN,
        "occupancy": NAN,
        "offered": NAN,
    }
    return pd.DataFrame(
        [
            {**base, "contact_type": ALL, "group": ALL, "offered": offered_calls + 10},
            {**base, "contact_type": "calls", "group": ALL, "offered": offered_calls},
            {**base, "contact_type": "email", "group": ALL, "offered": 10.0},
            {
                **base,
                "contact_type": ALL,
                "group": "agents",
                "adherence": adherence,
                "occupancy": occupancy,
            },
        ]
    )


def test_a_run_of_intervals_below_target_raises_one_alert_when_it_reaches_k():
    levels = [0.9, 0.7, 0.7, 0.7, 0.9, 0.75, 0.79, 0.5]
    table = alerts_table(_scenario(), _summary(), _intervals(levels), AlertThresholds())
    assert list(table.columns) == ALERT_COLUMNS
    below = table[table["what"] == "service_level_below_target"]
    assert below["time"].tolist() == ["00:30", "01:30"]  # the second interval of each run
    assert below["value"].tolist() == [0.7, 0.79]
    assert (below["contact_type"] == "calls").all()  # email (all below) is never an interval alert
    three = alerts_table(
        _scenario(), _summary(), _intervals(levels), AlertThresholds(intervals_below_target=3)
    )
    assert three[three["what"] == "service_level_below_target"]["time"].tolist() == [
        "00:45",
        "01:45",
    ]


def test_queue_and_longest_wait_alerts_above_their_limits_only():
    queue = [0, 10.0, 10.5, 0, 0, 0, 0, 0]
    longest = [0, 0, 0, 300.0, 301.0, 0, 0, 0]
    table = alerts_table(
        _scenario(), _summary(), _intervals([0.9] * 8, queue, longest), AlertThresholds()
    )
    assert table[table["what"] == "queue_length_above"]["time"].tolist() == ["00:30"]
    assert table[table["what"] == "longest_wait_above"]["time"].tolist() == ["01:00"]
    assert set(table["who"]) == {"analyst"}


def test_supervisor_and_executive_alerts():
    summary = _summary(missed=0.25, offered_calls=116.0, adherence=0.85, occupancy=0.95)
    table = alerts_table(_scenario(), summary, _intervals([0.9] * 8), AlertThresholds())
    assert table["who"].tolist() == ["executive", "executive", "supervisor", "supervisor"]
    assert table["what"].tolist() == [
        "missed_target_chance_above",
        "forecast_error_above_band",
        "adherence_below_floor",
        "occupancy_above_ceiling",
    ]
    error = table[table["what"] == "forecast_error_above_band"].iloc[0]
    assert error["contact_type"] == "calls"
    assert error["value"] == pytest.approx(116 / 100 - 1)
    quiet = alerts_table(
        _scenario(),
        _summary(missed=0.2, offered_calls=86.0),
        _intervals([0.9] * 8),
        AlertThresholds(),
    )
    assert quiet.empty  # 20% is not above 20%; -14% is inside the 15% band; adherence NaN


def test_the_views_open_with_the_readers_sections():
    summary = _summary(missed=0.25, adherence=0.85)
    for column in (
        "cost",
        "service_level",
        "aht_seconds",
        "shrinkage_planned",
        "shrinkage_unplanned",
    ):
        summary[column] = 0.5
    for column in ("cost", "service_level"):
        summary[f"{column}_ci_low"] = NAN
        summary[f"{column}_ci_high"] = NAN
    scenario = _scenario()
    table = alerts_table(scenario, summary, _intervals([0.7] * 8), AlertThresholds())
    text = "\n".join(views_section(scenario, summary, table, "none"))
    assert text.index("## For executives") < text.index("## For supervisors")
    assert text.index("## For supervisors") < text.index("## For the realtime analyst")
    assert "the day misses the 80% target on 25% of days" in text
    assert "agents: adherence 85.0% below 90%" in text
    assert (
        "**00:15** calls: service level 70.0% below its 80% target for 2 intervals running" in text
    )


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("alerts.intervals_below_target=0", "alerts.intervals_below_target = 0: must be a whole"),
        ("alerts.adherence_floor=1.5", "alerts.adherence_floor = 1.5: must be a share in [0, 1]"),
        ("alerts.queue_length=-1", "alerts.queue_length = -1.0: must be a number >= 0"),
        ("alerts.forecast_error_band=-0.1", "alerts.forecast_error_band = -0.1"),
    ],
)
def test_bad_thresholds_are_refused_with_their_key(override, expected):
    with pytest.raises(ConfigError) as caught:
        build_run(compose_config(["scenario=erlang", override]))
    assert expected in str(caught.value)


def test_the_thresholds_reach_the_run_spec():
    spec = build_run(compose_config(["scenario=erlang", "alerts.intervals_below_target=3"]))
    assert spec.alerts == AlertThresholds(intervals_below_target=3)
