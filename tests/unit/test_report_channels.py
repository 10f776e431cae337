"""Headlines per channel (sim.report.channels, sim.report.console) on hand-made tables.

Every count behind a ratio is chosen by hand, so each channel figure is known exactly: the
service level of a channel is its types' contacts answered within the threshold over their
contacts judged, its ASA the total wait over the live contacts answered, its abandon rate
abandoned over offered. An email's hours never reach a voice or chat figure.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from sim.core.distributions import Distribution
from sim.core.scenario import AgentGroup, ContactType, Scenario, ServiceLevel, Skill
from sim.experiment.comparison import compare_policies
from sim.experiment.tables import summarize
from sim.report.channels import (
    channel_comparison,
    channel_replications,
    channel_summary,
    channels,
    headline_section,
)
from sim.report.console import console_summary
from sim.report.markdown import render_report

HANDLE = Distribution.exponential(300.0)
EMAIL_GOAL = ServiceLevel(threshold_seconds=4 * 3600.0, target=0.9)
COLUMNS = [
    "policy",
    "replication",
    "contact_type",
    "group",
    "offered",
    "answered",
    "abandoned",
    "callbacks",
    "waiting_at_end",
    "service_level",
    "asa_seconds",
    "abandon_rate",
    "occupancy",
    "cost",
]


def _scenario(*types: tuple[str, str]) -> Scenario:
    contact_types = tuple(
        ContactType(
            name,
            (1.0, 1.0),
            HANDLE,
            channel=channel,
            service_level=EMAIL_GOAL if channel == "email" else ServiceLevel(),
        )
        for name, channel in types
    )
    group = AgentGroup("agents", (2, 2), tuple(Skill(n) for n, _ in types))
    return Scenario("hand", 1800.0, contact_types, (group,), start_clock_seconds=8 * 3600.0)


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return _scenario(("sales", "voice"), ("service", "voice"), ("chat", "chat"), ("email", "email"))


def _row(policy, rep, kind, offered, answered, abandoned, callbacks, in_threshold, waits, **kw):
    """A replication row from its counts: service level over offered less callbacks, ASA
    over the live answered (answered less callbacks), abandon rate over offered."""
    judged = offered - callbacks
    live = answered - callbacks
    return {
        "policy": policy,
        "replication": rep,
        "contact_type": kind,
        "group": "all",
        "offered": offered,
        "answered": answered,
        "abandoned": abandoned,
        "callbacks": callbacks,
        "waiting_at_end": kw.get("waiting", 0.0),
        "service_level": in_threshold / judged if judged else math.nan,
        "asa_seconds": waits / live if live else math.nan,
        "abandon_rate": abandoned / offered if offered else math.nan,
        "occupancy": kw.get("occupancy", math.nan),
        "cost": kw.get("cost", math.nan),
    }


def _day(policy: str, rep: int, better: float = 0.0) -> list[dict]:
    """One day of ``policy``: ``better`` more sales answered in the threshold (and 1 s less
    wait each); every number a count."""
    sales = _row(policy, rep, "sales", 100, 85, 5, 10, 72 + better, 1500 - 75 * better)
    service = _row(policy, rep, "service", 300, 290, 10, 0, 270, 2900)
    if rep == 1:  # no service call that day: its ratios are undefined and weigh nothing
        service = _row(policy, rep, "service", 0, 0, 0, 0, 0, 0)
    chat = _row(policy, rep, "chat", 50, 45, 5, 0, 40, 450)
    email = _row(policy, rep, "email", 20, 18, 0, 0, 18, 18 * 3000.0, waiting=2.0)
    offered = sum(r["offered"] for r in (sales, service, chat, email))
    total = {
        **_row(policy, rep, "all", offered, 1, 0, 0, 0, 0),
        "service_level": 0.5,  # not used for channels: a made-up all-types row
        "asa_seconds": 999.0,
        "occupancy": 0.75,
        "cost": 1000.0 + 100.0 * better,
    }
    return [total, sales, service, chat, email]


@pytest.fixture(scope="module")
def per_rep() -> pd.DataFrame:
    rows = [r for rep in range(3) for r in _day("none", rep)]
    rows += [r for rep in range(3) for r in _day("overtime", rep, better=9.0)]
    return pd.DataFrame(rows, columns=COLUMNS)


def test_channels_in_the_scenarios_order(scenario):
    assert channels(scenario) == {
        "voice": ["sales", "service"],
        "chat": ["chat"],
        "email": ["email"],
    }


def test_channel_figures_are_counts_pooled_over_the_channels_types(scenario, per_rep):
    rows = channel_replications(scenario, per_rep)
    assert list(rows["contact_type"][:3]) == ["voice", "voice", "voice"]
    voice = rows[(rows["policy"] == "none") & (rows["contact_type"] == "voice")]
    day0, day1 = voice.iloc[0], voice.iloc[1]
    # (72 + 270) answered in threshold over (100 - 10) + 300 judged
    assert day0["service_level"] == pytest.approx(342 / 390, rel=1e-12)
    # (1500 + 2900) s of wait over (85 - 10) + 290 live answered
    assert day0["asa_seconds"] == pytest.approx(4400 / 365, rel=1e-12)
    assert day0["abandon_rate"] == pytest.approx(15 / 400, rel=1e-12)
    assert day0["offered"] == 400
    # without service calls the voice figures are the sales figures
    assert day1["service_level"] == pytest.approx(72 / 90, rel=1e-12)
    assert day1["asa_seconds"] == pytest.approx(1500 / 75, rel=1e-12)
    email = rows[(rows["policy"] == "none") & (rows["contact_type"] == "email")].iloc[0]
    assert email["asa_seconds"] == 3000.0 and email["waiting_at_end"] == 2.0


def test_a_one_channel_scenario_uses_the_all_types_row(per_rep):
    voice_only = _scenario(("sales", "voice"), ("service", "voice"))
    day = per_rep[per_rep["contact_type"].isin(["all", "sales", "service"])]
    rows = channel_replications(voice_only, day)
    assert set(rows["contact_type"]) == {"voice"}
    assert (rows["service_level"] == 0.5).all() and (rows["asa_seconds"] == 999.0).all()


def test_channel_summary_and_paired_differences(scenario, per_rep):
    rows = channel_replications(scenario, per_rep)
    summary = channel_summary(rows)
    none_voice = summary[(summary["policy"] == "none") & (summary["contact_type"] == "voice")]
    mean = (342 / 390 + 72 / 90 + 342 / 390) / 3
    assert none_voice["service_level"].iloc[0] == pytest.approx(mean, rel=1e-12)
    diffs = channel_comparison(rows, "none").set_index("contact_type")
    # 9 more sales answered within the threshold: +9/390 on days 0 and 2, +9/90 on day 1
    gain = (9 / 390 + 9 / 90 + 9 / 390) / 3
    assert diffs.loc["voice", "diff_service_level"] == pytest.approx(gain, rel=1e-12)
    assert diffs.loc["email", "diff_asa_seconds"] == 0.0


def test_headline_section_keeps_email_out_of_voice(scenario, per_rep):
    rows = channel_replications(scenario, per_rep)
    summary = channel_summary(rows)
    lines = headline_section(
        scenario, summary, channel_comparison(rows, "none"), ["overtime", "none"], "none"
    )
    header = next(x for x in lines if x.startswith("| policy"))
    assert header == (
        "| policy | voice service level | voice ASA | voice abandoned | chat service level "
        "| chat ASA | chat abandoned | email service level | email mean response time |"
    )
    none = next(x for x in lines if x.startswith("| none |"))
    # voice: SL (342/390, 72/90, 342/390) -> 85.1%; ASA (4400/365, 1500/75, 4400/365) s ->
    # 14.7 s, no email hour in it; abandoned (15/400, 5/100, 15/400) -> 4.2%
    assert none == ("| none | 85.1% | 14.7 s | 4.2% | 80.0% | 10.0 s | 10.0% | 90.0% | 50.0 min |")
    overtime = next(x for x in lines if x.startswith("| overtime |"))
    # voice SL 351/390 = 81/90 = 90.0% every day: +4.87 points on average, but by day
    # (+2.3, +10.0, +2.3): its 95% CI over 3 days contains 0, so not in bold
    assert overtime.startswith("| overtime | 90.0% (+4.9) |")
    assert "50.0 min (+0.0 min)" in overtime and "10.0 s (+0.0 s)" in overtime
    sure = channel_comparison(rows, "none")
    sure.loc[sure["contact_type"] == "voice", "diff_service_level_ci_low"] = 0.01
    lines = headline_section(scenario, summary, sure, ["overtime", "none"], "none")
    assert "| overtime | 90.0% (**+4.9**) |" in "\n".join(lines)


def test_the_report_shows_channels_not_a_mixed_all_contacts_asa(scenario, per_rep):
    keys = ["policy", "contact_type", "group"]
    kpis = ("offered", "service_level", "asa_seconds", "abandon_rate", "waiting_at_end")
    summary = summarize(per_rep, keys, kpis=(*kpis, "occupancy", "cost"))
    undefined = (
        "answered",
        "aht_seconds",
        "agents_logged_in",
        "missed_target",
        "cost_per_contact",
        "forecast_wape",
        "recovery_minutes",
        "training_hours_planned",
        "training_hours_delivered",
        "adherence",
        "adherence_published",
    )
    for kpi in undefined:
        summary[kpi] = summary[f"{kpi}_ci_low"] = summary[f"{kpi}_ci_high"] = math.nan
    intervals = pd.DataFrame(columns=["policy", "contact_type", "group", "service_level"])
    text = render_report(scenario, summary, intervals, 3, 1, per_replication=per_rep)
    table = text.split("## Results per day: contact types")[1].split("\n## ")[0]
    labels = [line.split(" | ")[1] for line in table.splitlines()[2:] if line.startswith("| ")]
    assert labels == ["voice (all)", "sales", "service", "chat", "email"] * 2
    assert "999" not in table  # the made-up all-types ASA is never shown
    assert "| none | email | 20.0 (20.0 to 20.0) | 90.0% (90.0% to 90.0%) | 50.0 min " in table
    assert "## Headlines per channel" in text


def test_console_gives_the_baseline_the_ranking_and_channel_headlines(scenario, per_rep):
    keys = ["policy", "contact_type", "group"]
    summary = summarize(per_rep, keys, kpis=("service_level", "occupancy", "cost"))
    comparison = compare_policies(per_rep, "none", kpis=("service_level", "cost"))
    lines = console_summary(scenario, summary, per_rep, comparison, Path("run/report.md"))
    assert lines[0] == (
        "baseline none: service level 50.0% (50.0% to 50.0%) over all contacts; 1,000 EUR a day"
    )
    assert lines[1] == "  voice: service level 85.1%, ASA 14.7 s, abandoned 4.2%"
    assert lines[3] == "  email: service level 90.0%, mean response time 50.0 min"
    assert lines[5] == (
        "  1. none: 50.0%, 1,000 EUR a day | voice 85.1% / 14.7 s / 4.2% "
        "| chat 80.0% / 10.0 s / 10.0% | email 90.0% / 50.0 min"
    )
    assert lines[6].startswith("  2. overtime: 50.0% (+0.0 points), 1,900 EUR a day (+900) |")
    assert lines[6].endswith("| chat 80.0% / 10.0 s / 10.0% | email 90.0% / 50.0 min")
    assert lines[-1] == "report: run/report.md"
    assert all("min" not in line.split("| email")[0] for line in lines[5:7])
