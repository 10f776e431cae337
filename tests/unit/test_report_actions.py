"""What each policy did, when and why (sim.report.policy_actions), from a hand-made actions
table whose every count, hour, reason and amount is chosen by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.core.distributions import Distribution
from sim.core.scenario import single_queue
from sim.policies.api import ACTION_COLUMNS
from sim.report.policy_actions import action_paragraphs, preference_moves

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


def _actions(rows: list[tuple], latency: float = 60.0) -> pd.DataFrame:
    """An actions table from (policy, replication, decided_at, action, target, agents,
    cost, reason): applied ``latency`` seconds after the decision."""
    full = [
        (p, r, t, t + latency, "", kind, target, agents, cost, reason)
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
    # Day 0: 10 agents of a serve b first from 09:01 (applied) to the close at 20:00, 659
    # minutes; day 1 only goes back to plan. Over 2 days: 3,295 agent-minutes a day; the
    # most agents moved: 10 on day 0, none on day 1, so 5.0 a day. No "agents each time".
    assert "**moves**: 1.0 actions a day." in lines
    assert (
        "- changed a group's skill priority 1.0 times a day, mostly "
        "between 09:00 and 10:00 (50%), for `a/b`; why, e.g.: "
        "“b: SL 0.61 < 0.75: first” (50%), “b: SL 0.93: as planned” (50%). Moves: 3,295 "
        "agent-minutes (54.9 agent-hours) a day serving another queue first, counting the "
        "group's agents on the phone at each move until it goes back to plan or the day "
        "ends; up to 5.0 agents moved a day (each group's largest move, summed)."
    ) in lines


def test_policies_without_actions_are_named(lines):
    assert lines[-1] == "No actions: `none`."


# -- moves of cross-skilled agents -----------------------------------------------------------

MOVE, BACK = "b: serves it first", "b: as planned"


def _moves(rows: list[tuple], horizon: float, days: dict[str, int]) -> pd.DataFrame:
    """:func:`preference_moves` of ``set_preference`` rows (policy, replication, applied
    time, target, agents), applied at once (latency 0)."""
    actions = _actions(
        [
            (p, r, t, "set_preference", target, n, 0.0, MOVE if n else BACK)
            for p, r, t, target, n in rows
        ],
        latency=0.0,
    )
    return preference_moves(actions, horizon, days).set_index("policy")


def test_agent_minutes_run_from_each_move_to_its_return_or_the_end_of_the_day():
    """A day from 08:00 to a 12:00 horizon: 8 agents of a serve b first from 10:00 to 10:30,
    then 5 from 11:00, never sent back: 8 * 30 + 5 * 60 = 540 agent-minutes; the most agents
    of any move of group a that day: 8."""
    got = _moves(
        [
            ("p", 0, 2 * H, "a/b", 8),
            ("p", 0, 2.5 * H, "a/b", 0),
            ("p", 0, 3 * H, "a/b", 5),
        ],
        horizon=4 * H,
        days={"p": 1},
    )
    assert got.loc["p"].to_dict() == {
        "changes_a_day": 3.0,
        "agent_minutes_a_day": 540.0,
        "agents_at_most_a_day": 8.0,
    }


def test_moves_are_summed_over_groups_and_averaged_over_the_days():
    """Day 0: group a moves 8 then 5 (at most 8), group c moves 3 to two queues (at most
    3): 11 agents; day 1: a moves 4; day 2: nothing. Up to (11 + 4 + 0) / 3 = 5.0 agents a
    day. Agent-minutes per target until the next change of the same target (a new move
    ends the one before) or the horizon (12:00): day 0 a/b 8 * 60 (10:00 to 11:00, when a
    new move of a/b starts) + 5 * 60 (11:00 to 12:00), c/b 3 * 120, c/d 3 * 30 (to its
    return at 10:30); day 1 a/b 4 * 15 (11:45 to 12:00). Total 1,290 over 3 days: 430. A
    policy that never moves anybody is not in the table."""
    got = _moves(
        [
            ("p", 0, 2 * H, "a/b", 8),
            ("p", 0, 3 * H, "a/b", 5),
            ("p", 0, 2 * H, "c/b", 3),
            ("p", 0, 2 * H, "c/d", 3),
            ("p", 0, 2.5 * H, "c/d", 0),
            ("p", 1, 3.75 * H, "a/b", 4),
        ],
        horizon=4 * H,
        days={"none": 3, "p": 3},
    )
    assert list(got.index) == ["p"]
    assert got.loc["p", "changes_a_day"] == 2.0
    assert got.loc["p", "agent_minutes_a_day"] == pytest.approx(1290 / 3)
    assert got.loc["p", "agents_at_most_a_day"] == 5.0
