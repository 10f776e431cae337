"""On the days that need an analyst, the forecast-aware one helps, spends late, and is
bounded by the oracle.

* ``mailing_surge``: at most 20% of the overtime money (premiums booked) that ``overtime``
  and ``analyst`` spend is decided before the day's letter calls begin, and both respond
  (spend something after).
* ``mailing_surge``, ``training_peak``, ``monday_no_show``, ``telephony_outage``:
  ``analyst`` raises the day's service level over ``none`` by a margin whose paired 95%
  CI excludes zero; it gains at least as much as the best single policy (``overtime``,
  ``move_agents``) at a cost per point no worse than ``overtime``'s (the single policy
  that spends money; ``move_agents`` is free); ``oracle`` (told the realised demand) is
  not worse than ``analyst`` beyond chance (its paired CI reaches zero or above). Where
  demand follows the forecast (``training_peak``, ``monday_no_show``) the two act alike.

Deterministic: fixed seed, the same days for every policy (common random numbers), paired
Student-t intervals over the days.
"""

from __future__ import annotations

import pytest
from analyst_days import days, letter_start, paired

pytestmark = pytest.mark.validation

DAYS = 12
SCENARIOS = ("mailing_surge", "training_peak", "monday_no_show", "telephony_outage")
POLICIES = ("none", "overtime", "move_agents", "analyst", "oracle")


@pytest.mark.parametrize("policy", ["overtime", "analyst"])
def test_overtime_money_is_spent_once_the_letter_is_there(policy):
    _, actions = days("mailing_surge", POLICIES, DAYS)
    money = actions[(actions.policy == policy) & (actions.action == "call_overtime")]
    starts = money.replication.map(lambda r: letter_start("mailing_surge", r))
    before = money[money.decided_at < starts].cost.sum()
    total = money.cost.sum()
    assert total > 0
    assert before <= 0.20 * total, (before, total)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_analyst_helps_beyond_chance(scenario):
    whole, _ = days(scenario, POLICIES, DAYS)
    gain, low, _ = paired(whole, "analyst", "none", "service_level")
    assert low > 0, (gain, low)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_analyst_beats_the_single_levers_at_no_worse_cost_per_point(scenario):
    whole, _ = days(scenario, POLICIES, DAYS)
    gains = {p: paired(whole, p, "none", "service_level")[0] for p in POLICIES[1:4]}
    costs = {p: paired(whole, p, "none", "cost")[0] for p in POLICIES[1:4]}
    assert gains["analyst"] >= max(gains["overtime"], gains["move_agents"]), gains
    per_point = {p: costs[p] / (100 * gains[p]) for p in ("overtime", "analyst")}
    assert per_point["analyst"] <= per_point["overtime"], per_point


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_oracle_is_not_worse_than_the_analyst(scenario):
    whole, _ = days(scenario, POLICIES, DAYS)
    diff, low, high = paired(whole, "oracle", "analyst", "service_level")
    assert high >= 0, (diff, low, high)
