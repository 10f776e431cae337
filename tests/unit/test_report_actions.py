"""What each policy did, when and why (sim.report.policy_actions), from a hand-made actions
table whose every count, hour, reason and amount is chosen by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.core.distributions import Distribution
from sim.core.scenario import single_queue
from sim.policies.api import ACTION_COLUMNS
from sim.report.policy_actions import action_paragraphs

H = 3600.0


@pytest.fixture(scope="module")
def scenario():
    """A day from 08:00 (time 0) in half-hour intervals."""
    return single_queue(
        "hand",
        1800.0,
        [1.0] * 24,
        [1] * 24,
        Distribution.exponential(300.0),
        start_clock_seconds=8 * H,
    )


def _actions(rows: list[tuple]) -> pd.DataFrame:
    """An actions table from (policy, replication, decided_at, action, target, agents,
    cost, reason): applied a minute after the decision."""
    full = [
        (p, r, t, t + 60.0, "", kind, target, agents, cost, reason)
        for p, r, t, kind, target, agents, cost, reason in rows
    ]
    columns = ["policy", "replication", *ACTION_COLUMNS[:2], "applied_clock", *ACTION_COLUMNS[2:]]
    return pd.DataFrame(full, columns=columns)


SALES_1 = "sales: offered 120 > forecast so far 100 x 1.15"
SALES_2 = "sales: offered 130 > forecast so far 104 x 1.15"  # alike but for its numbers
SERVICE = "service: offered 90 > forecast so far 70 x 1.15"


@pytest.fixture(scope="module")
def lines(scenario) -> list[str]:
    actions = _actions(
        [
            # day 0: overtime for sales at 10:00 and 10:30
            ("mixed", 0, 2 * H, "call_overtime", "sales", 2, 60.0, SALES_1),
            ("mixed", 0, 2.5 * H, "call_overtime", "sales", 2, 60.0, SALES_2),
            # day 1: overtime for service at 10:10, time off in billing at 16:00
            ("mixed", 1, 2 * H + 600, "call_overtime", "service", 1, 30.0, SERVICE),
            ("mixed", 1, 8 * H, "offer_vto", "billing", 2, -40.0, "billing: quiet, 2 idle"),
            # one kind only: at 09:00 and 13:00
            ("moves", 0, 1 * H, "set_preference", "a/b", 10, 0.0, "b: SL 0.61 < 0.75: first"),
            ("moves", 1, 5 * H, "set_preference", "a/b", 0, 0.0, "b: SL 0.93: as planned"),
        ]
    )
    return action_paragraphs(scenario, actions, {"none": 2, "mixed": 2, "moves": 2})


def test_heading_says_how_often_when_and_the_money(lines):
    # 4 actions over 2 days; at 10:00, 10:30, 10:10 and 16:00: 3 of 4 between 10:00 and 11:00.
    # Premiums 150 over 2 days; by 10:10, 90 of 150 were decided (the first past half).
    # Savings 40 over 2 days, decided at 16:00.
    assert (
        "**mixed**: 2.0 actions a day, mostly between 10:00 and 11:00 (75%). 75 EUR a day in "
        "premiums, half of it decided by 10:10; 20 EUR a day saved (unpaid time off), half of "
        "it decided by 16:00."
    ) in lines


def test_one_bullet_per_kind_with_targets_and_reasons_grouped(lines):
    assert (
        "- called overtime 1.5 times a day (2.5 agents a day), all between 10:00 and 11:00, "
        "for `sales` (67%), `service` (33%); why, e.g.: "
        "“sales: offered 120 > forecast so far 100 x 1.15” (67%), "
        "“service: offered 90 > forecast so far 70 x 1.15” (33%)."
    ) in lines
    assert (
        "- offered unpaid time off 0.5 times a day (1.0 agents a day), all between 16:00 and "
        "17:00, for `billing`; why, e.g.: “billing: quiet, 2 idle” (all)."
    ) in lines


def test_a_policy_of_one_kind_says_when_in_its_bullet(lines):
    assert "**moves**: 1.0 actions a day." in lines
    assert (
        "- changed a group's skill priority 1.0 times a day (5 agents each time), mostly "
        "between 09:00 and 10:00 (50%), for `a/b`; why, e.g.: "
        "“b: SL 0.61 < 0.75: first” (50%), “b: SL 0.93: as planned” (50%)."
    ) in lines


def test_policies_without_actions_are_named(lines):
    assert lines[-1] == "No actions: `none`."
