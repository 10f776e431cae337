"""A week run's report and console lines speak of the week: its tables hold the week's KPIs
(a replication is a simulated week), so "a day" would misread every figure.

Built in-process from the default day (two days, two replications, policies ``none`` and
``overtime``), the target raised so that the executive alerts fire.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

import sim
from sim.core.alerts import AlertThresholds
from sim.core.week import Week, week_scenario
from sim.experiment.replications import run_replications
from sim.report.console import console_summary
from sim.report.formatting import period, periods
from sim.report.results import RunResults

SEED = 20261123
POLICIES = ("none", "overtime")


@pytest.fixture(scope="module")
def results() -> RunResults:
    day = sim.load("default", overrides=["policies=none"]).scenario
    day = dataclasses.replace(day, service_level_target=0.99)  # every week misses it
    week = Week(days=(day, day), names=("mon", "tue"))
    parts = run_replications(week, POLICIES, 2, SEED)
    return RunResults.from_replications(
        week_scenario(week),
        parts,
        seed=SEED,
        policies=POLICIES,
        fingerprint="test",
        alerts=AlertThresholds(forecast_error_band=0.001),
        figures=False,
    )


@pytest.fixture(scope="module")
def report(results) -> str:
    return results.report()


@pytest.fixture(scope="module")
def console(results) -> str:
    lines = console_summary(
        results.scenario,
        results.summary,
        results.replications,
        results.tables.get("comparison"),
        Path("report.md"),
    )
    return "\n".join(lines)


def test_period_words(results):
    assert (period(results.scenario), periods(results.scenario)) == ("week", "weeks")
    day = sim.load("default", overrides=["policies=none"]).scenario
    assert (period(day), periods(day)) == ("day", "days")


def test_the_report_speaks_of_the_week(report):
    currency = "EUR"
    for phrase in (
        f"| cost a week ({currency}) |",
        "chance a week misses the 99% target",
        "agent-minutes a week above its threshold",
        "on the expected week:",
        "- Measured week: 2 days (mon to tue) of 24 intervals of 30 min, 08:00 to 20:00.",
        "replications (simulated weeks)",
        "of the mean over weeks",
        "| forecast / week |",
        "Ranked by the week's service level",
        "*Weeks missing the target*: the share of simulated weeks",
        f"cost per week ({currency})",
        "weeks missing the target (points)",
        "the week's service level by",
        "paired by week",
        "Means over the 2 simulated weeks",
        "Per simulated week (means over the weeks)",
        "actions a week",
        f"{currency} a week in premiums",
        "same 2 simulated weeks",
        "compared with the baseline week by week",
        "## Results per week: contact types",
        "| offered / week |",
        "left waiting at close (the days' sum)",
        "## Results per week: groups",
        "| answered / week |",
        "`replications.csv`: the same per replication (simulated week)",
        "`days.csv`",
        "the week misses the 99% target on 100% of weeks",
    ):
        assert phrase in report, phrase


def test_no_day_wording_for_the_weeks_figures(report, console):
    text = report + "\n" + console
    for phrase in ("a day", "per day", "/ day", "days missing", "simulated day", "the day's"):
        # The per-day section is the one place a day is meant (and the day a move ends).
        left = [
            line
            for line in text.splitlines()
            if phrase in line.lower() and not line.startswith("## Per day")
        ]
        assert left == [], (phrase, left)
    assert "EUR a day" not in text and "cost a day" not in text
    # The busiest hours are clock hours of the days, never past 24:00.
    hours = [int(h) for h in re.findall(r"between (\d\d):00 and", report)]
    assert hours and max(hours) < 24


def test_the_console_speaks_of_the_week(console):
    assert "EUR a week" in console
    assert "policies ranked by the week's service level" in console


def test_the_per_day_section_lists_both_days(report):
    section = report.split("## Per day", 1)[1].split("\n## ", 1)[0]
    for policy in POLICIES:
        for day in ("mon", "tue"):
            assert f"| {policy} | {day} | " in section, (policy, day)
    assert "| cost (EUR) |" in section


def test_week_alerts_are_the_weeks(results):
    alerts = results.alerts
    whole = alerts[alerts["who"] != "analyst"]
    assert not whole.empty
    assert set(whole["time"]) == {"week"}
    assert whole["message"].str.contains("a day|the day", regex=True).sum() == 0


def test_the_cost_figure_says_week(results):
    fig = results.figure_cost()
    assert fig.axes[0].get_xlabel().startswith("cost per week (EUR)")
