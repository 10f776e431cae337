"""The report and figures of a policy comparison (sim.report), on hand-built tables.

One real, short run of the baseline ``none`` gives tables with every column; a second
policy is made up from it with known differences, and the comparison table is written by
hand, so that every number the report states is known exactly.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd
import pytest

from sim import erlang_scenario, run_replications
from sim.core.disruptions import Outage
from sim.core.workforce import Shift
from sim.experiment.comparison import comparison_columns
from sim.experiment.run_folder import RunFolder
from sim.policies.api import ACTION_COLUMNS
from sim.report.figures import render_figures
from sim.report.markdown import render_report

REPS, SEED = 3, 20261123
DAY = {"contact_type": "all", "group": "all"}


@pytest.fixture(scope="module")
def scenario():
    return erlang_scenario(calls_per_hour=200, aht_seconds=180, agents=14, hours=1, warmup_hours=0)


@pytest.fixture(scope="module")
def baseline(scenario, tmp_path_factory) -> dict[str, pd.DataFrame]:
    """The tables of a real run of ``none`` alone (no actions, no cost rates)."""
    folder = RunFolder(tmp_path_factory.mktemp("run"))
    return folder.write_tables(scenario, run_replications(scenario, ["none"], REPS, SEED))


def _made_up_policy(frame: pd.DataFrame, name: str, sl: float, cost: float) -> pd.DataFrame:
    """``frame``'s rows as policy ``name``, with service level and cost shifted."""
    other = frame.copy()
    other["policy"] = name
    for kpi, shift in (("service_level", sl), ("cost", cost)):
        for column in (kpi, f"{kpi}_ci_low", f"{kpi}_ci_high"):
            other[column] = other[column] + shift
    return other


def _comparison(rows: list[dict]) -> pd.DataFrame:
    """A comparison table: the given day-total rows, every other column NaN."""
    frame = pd.DataFrame(columns=comparison_columns(), index=range(len(rows)), dtype=float)
    frame[["policy", "baseline", "contact_type", "group"]] = frame[
        ["policy", "baseline", "contact_type", "group"]
    ].astype(object)
    for i, row in enumerate(rows):
        for key, value in {"baseline": "none", "replications": REPS, **DAY, **row}.items():
            frame.loc[i, key] = value
    return frame


def _diffs(kpi: str, mean: float, low: float, high: float) -> dict[str, float]:
    return {f"diff_{kpi}": mean, f"diff_{kpi}_ci_low": low, f"diff_{kpi}_ci_high": high}


@pytest.fixture(scope="module")
def tables(baseline) -> dict[str, pd.DataFrame]:
    """Three policies: ``overtime`` clearly better and dearer, ``callback`` no different."""
    costed = baseline["summary"].assign(cost=1000.0, cost_ci_low=990.0, cost_ci_high=1010.0)
    summary = pd.concat(
        [
            costed,
            _made_up_policy(costed, "overtime", 0.041, 312.0),
            _made_up_policy(costed, "callback", 0.002, 5.0),
        ],
        ignore_index=True,
    )
    intervals = pd.concat(
        [
            baseline["intervals"],
            _made_up_policy(baseline["intervals"], "overtime", 0.041, 0.0),
            _made_up_policy(baseline["intervals"], "callback", 0.002, 0.0),
        ],
        ignore_index=True,
    )
    comparison = _comparison(
        [
            {
                "policy": "overtime",
                **_diffs("service_level", 0.041, 0.032, 0.050),
                **_diffs("cost", 312.0, 250.0, 374.0),
            },
            {
                "policy": "callback",
                **_diffs("service_level", 0.002, -0.003, 0.007),
                **_diffs("cost", 5.0, -10.0, 20.0),
            },
        ]
    )
    # overtime calls overtime twice a day (at 00:20 of each of the three days)
    actions = pd.DataFrame(
        [
            ("overtime", r, 1200.0, 1260.0, "00:21", "call_overtime", "calls", 2, 40.0, "hot")
            for r in range(REPS)
            for _ in range(2)
        ],
        columns=[
            "policy",
            "replication",
            *ACTION_COLUMNS[:2],
            "applied_clock",
            *ACTION_COLUMNS[2:],
        ],
    )
    per_rep = baseline["replications"]
    shifted = [
        per_rep.assign(policy=name, service_level=per_rep["service_level"] + sl)
        for name, sl in (("overtime", 0.041), ("callback", 0.002))
    ]
    return {
        "summary": summary,
        "intervals": intervals,
        "comparison": comparison,
        "actions": actions,
        "replications": pd.concat([per_rep, *shifted], ignore_index=True),
    }


@pytest.fixture(scope="module")
def report(scenario, tables) -> str:
    return render_report(
        scenario,
        tables["summary"],
        tables["intervals"],
        REPS,
        SEED,
        comparison=tables["comparison"],
        actions=tables["actions"],
        per_replication=tables["replications"],
    )


def test_report_ranks_policies_by_service_level(report):
    assert "## Policies ranked" in report
    ranking = report.split("## Policies ranked")[1].split("\n## ")[0]
    rows = [line for line in ranking.splitlines() if line.startswith("| ") and "rank" not in line]
    assert [row.split(" | ")[1] for row in rows] == ["overtime", "callback", "none"]
    assert "cost per day (EUR)" in ranking and "days missing the target" in ranking
    assert "1,312 (1,302 to 1,322)" in rows[0]  # the day's cost with its CI
    assert "ASA" not in ranking.split("## Headlines")[0]  # waits are per channel


def test_report_says_which_policy_wins_and_by_how_much(report):
    assert (
        "**overtime** raises the day's service level by 4.1 points (95% CI 3.2 to 5.0) over "
        "no intervention, at 312 EUR more per day (95% CI 250 to 374)."
    ) in report
    assert "**overtime** wins on service level" in report


def test_report_says_when_a_difference_is_not_distinguishable_from_zero(report):
    line = next(x for x in report.splitlines() if x.startswith("- **callback**"))
    assert "+0.2 points (95% CI -0.3 to +0.7)" in line
    assert "not statistically distinguishable from zero" in line
    assert "+5 EUR per day (95% CI -10 to +20), not statistically distinguishable" in line


def test_report_says_what_each_policy_did_and_how_to_read_it(report):
    assert "## What each policy did, when and why" in report
    assert (
        "**overtime**: 2.0 actions a day. 80 EUR a day in premiums, half of it decided by 00:20."
        in report
    )
    assert (
        "- called overtime 2.0 times a day (4.0 agents a day), all between 00:00 and 01:00, "
        "for `calls`; why, e.g.: “hot” (all)."
    ) in report
    assert "No actions: `none`, `callback`." in report
    assert "## How to read this" in report and "common random numbers" in report


def test_a_one_channel_run_has_its_channel_headline(report):
    section = report.split("## Headlines per channel")[1].split("\n## ")[0]
    assert "voice (calls: 80% within 20 s)" in section
    assert "| policy | voice service level | voice ASA | voice abandoned |" in section
    # +4.1 points on each of the 3 days: the CI is a point, distinguishable from zero
    assert "| overtime | " in section and "(**+4.1**)" in section
    assert "email" not in section


def test_a_lower_service_level_is_said_in_words(scenario, tables):
    worse = tables["comparison"].copy()
    worse.loc[0, ["diff_service_level", "diff_service_level_ci_low"]] = [-0.051, -0.087]
    worse.loc[0, "diff_service_level_ci_high"] = -0.016
    text = render_report(
        scenario, tables["summary"], tables["intervals"], REPS, SEED, comparison=worse
    )
    assert "**overtime** lowers the day's service level by 5.1 points (95% CI 1.6 to 8.7)" in text
    assert "No policy raises the day's service level" in text


def test_one_policy_report_has_no_comparison_sections(scenario, baseline):
    text = render_report(
        scenario,
        baseline["summary"],
        baseline["intervals"],
        REPS,
        SEED,
        actions=baseline["actions"],
    )
    for section in ("Policies ranked", "Which policy wins", "What each policy did", "How to read"):
        assert section not in text
    assert "## Results per day: contact types" in text and "## Against queueing theory" in text


def test_one_policy_without_costs_or_actions(scenario, baseline, tmp_path):
    """No cost figure (one policy, zero cost); an actions figure saying there were none."""
    assert baseline["actions"].empty and math.isclose(baseline["summary"]["cost"].abs().sum(), 0)
    paths = render_figures(
        scenario,
        baseline["intervals"],
        tmp_path,
        summary=baseline["summary"],
        actions=baseline["actions"],
    )
    names = {p.name for p in paths}
    assert "cost_vs_service_level.png" not in names
    assert (tmp_path / "actions.png").stat().st_size > 0


def test_nine_policies_still_draw(scenario, baseline, tmp_path):
    """Colours and styles cycle; the figures of nine policies are written."""
    names = ["none", *(f"policy_{k}" for k in range(8))]
    summary = pd.concat(
        [_made_up_policy(baseline["summary"], n, k / 100, 100.0 * k) for k, n in enumerate(names)]
    )
    intervals = pd.concat(
        [_made_up_policy(baseline["intervals"], n, k / 100, 0.0) for k, n in enumerate(names)]
    )
    paths = render_figures(scenario, intervals, tmp_path, summary=summary)
    assert "cost_vs_service_level.png" in {p.name for p in paths}


def _sections(text: str) -> list[str]:
    return [line[3:] for line in text.splitlines() if line.startswith("## ")]


def test_the_plan_pieces_follow_what_is_defined(report):
    """The forecast error is in the assumptions (it is defined on every day); a day without
    an outage or surge has no recovery, a center without shifts no training or adherence."""
    assumptions = report.split("## Assumptions")[1].split("\n## ")[0]
    assert "- Demand against the forecast (WAPE" in assumptions
    assert "The same for every policy: all face the same arrivals." in assumptions
    assert "Recovery after disruptions" not in _sections(report)
    assert "Training and adherence" not in _sections(report)


def test_recovery_follows_the_headlines_and_training_what_each_policy_did(scenario, tables):
    """With an outage that the days recover from and agents on shifts, recovery comes after
    the channel headlines and training and adherence after what each policy did; with one
    policy, both after its headline."""
    group = replace(scenario.groups[0], shifts=(Shift("ann", 0.0, 3600.0),))
    shifted = replace(
        scenario,
        groups=(group,),
        outages=(Outage("telephony", start=600.0, duration=300.0),),
    )
    summary = tables["summary"].copy()
    day = (summary["contact_type"] == "all") & (summary["group"] == "all")
    summary.loc[day, ["recovery_minutes", "training_hours_planned"]] = [12.0, 1.0]
    summary.loc[day, ["training_hours_delivered", "adherence", "adherence_published"]] = [
        0.5,
        0.9,
        0.8,
    ]
    text = render_report(
        shifted,
        summary,
        tables["intervals"],
        REPS,
        SEED,
        comparison=tables["comparison"],
        actions=tables["actions"],
        per_replication=tables["replications"],
    )
    sections = _sections(text)
    at = {name: sections.index(name) for name in sections}
    assert at["Headlines per channel"] + 1 == at["Recovery after disruptions"]
    assert at["What each policy did, when and why"] + 1 == at["Training and adherence"]
    assert at["Training and adherence"] + 1 == at["How to read this"]
    assert "(the telephony outage 00:10-00:15)" in text
    one = summary[summary["policy"] == "none"]
    alone = render_report(shifted, one, tables["intervals"], REPS, SEED)
    assert _sections(alone)[1:3] == ["Recovery after disruptions", "Training and adherence"]
