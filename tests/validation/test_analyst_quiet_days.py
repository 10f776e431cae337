"""A competent analyst leaves a day alone that needs nothing, and never flaps.

* ``erlang`` is staffed exactly to target (200 calls/h, 180 s, 14 agents: Erlang C gives
  88.8% in 20 s, 13 agents 79.6%), with a forecast that is exactly right: whatever the
  wallboard shows is Poisson noise, so ``overtime``, ``vto`` and ``analyst`` must take at
  most 0.25 actions a day.
* ``default``: no policy changes the same target (a group, a contact type, a group's
  routing of a type, an agent's item) more than 6 times in a day.

Deterministic: fixed seed and days (common random numbers); the thresholds are the
review's, checked on every one of the days, not on a mean that noise could carry.
"""

from __future__ import annotations

import pytest
from analyst_days import days

from sim import analytic

pytestmark = pytest.mark.validation

QUIET_DAYS = 40
POLICIES = (
    "none",
    "overtime",
    "vto",
    "cancel_offphone",
    "delay_breaks",
    "move_agents",
    "overflow_partner",
    "callback",
    "playbook",
    "analyst",
    "oracle",
)


def test_the_erlang_day_is_staffed_exactly_to_target():
    assert analytic.required_agents(200 / 3600, 180.0, 20.0, 0.8) == 14


@pytest.mark.parametrize("policy", ["overtime", "vto", "analyst"])
def test_no_reaction_to_noise_on_a_day_staffed_to_target(policy):
    _, actions = days("erlang", ("none", "overtime", "vto", "analyst"), QUIET_DAYS)
    per_day = (actions.policy == policy).sum() / QUIET_DAYS
    assert per_day <= 0.25, actions[actions.policy == policy][
        ["replication", "applied_clock", "reason"]
    ]


def test_no_policy_flaps_on_the_default_day():
    _, actions = days("default", POLICIES, 10)
    changes = actions.groupby(["policy", "replication", "target"]).size()
    worst = changes.groupby(level="policy").max()
    assert (worst <= 6).all(), worst.to_dict()
    # The policies that change routing or outsourcing did act (the check is not vacuous).
    assert {"move_agents", "overflow_partner", "analyst"} <= set(actions.policy)
