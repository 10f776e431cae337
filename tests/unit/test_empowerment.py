"""Empowerment (issue 14, part 3): an agent's authority to settle a problem with a
concession against escalating it to tier 2.

The authority sweep runs the shipped ``tier2_escalation`` scenario on the same seed: each
contact's problem value is drawn up front from its own stream, so every authority meets the
same problems, and a higher authority settles a superset of the problems a lower one does
(checked exactly on the draws). Hence escalations (and with them tier-2 repeats) fall and
concessions rise.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from sim.cli.app import compose_config
from sim.config.run import ConfigError, build_run
from sim.core.distributions import Distribution
from sim.core.follow_ups import Empowerment, Escalation, Resolution
from sim.core.scenario import AgentGroup, ContactType, Scenario, Skill
from sim.core.streams import Streams
from sim.experiment.replications import run_replications
from sim.experiment.tables import replication_table, summarize
from sim.kpi.definitions import ALL
from sim.model.draws import draw_contacts
from sim.model.states import AfterTalk
from sim.model.world import ContactCenter
from sim.report.empowerment import (
    authority_sweep_report,
    empowerment_section,
    lowest_cost_authority,
)

AUTHORITIES = (0.0, 500.0, 2000.0, 10000.0)
SEED = 143
COSTS = ["costs.repeat_contact=40", "costs.abandoned_contact=60"]


def shipped(*overrides: str) -> Scenario:
    """The shipped ``tier2_escalation`` scenario, with ``overrides``."""
    cfg = compose_config(["scenario=tier2_escalation", "policies=[none]", *COSTS, *overrides])
    return build_run(cfg).scenario


def with_authority(scenario: Scenario, authority: float) -> Scenario:
    return dataclasses.replace(
        scenario, empowerment=dataclasses.replace(scenario.empowerment, authority=authority)
    )


def totals(scenario: Scenario, replications: int = 3) -> pd.Series:
    """Mean over ``replications`` days of the all/all row."""
    table = replication_table(run_replications(scenario, ["none"], replications, SEED))
    rows = table[(table["contact_type"] == ALL) & (table["group"] == ALL)]
    return rows.mean(numeric_only=True)


# -- the sweep -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sweep() -> dict[float, pd.Series]:
    base = shipped()
    return {a: totals(with_authority(base, a)) for a in AUTHORITIES}


def test_sweep_trades_escalations_and_repeats_for_concessions(sweep):
    escalated = [sweep[a]["escalated"] for a in AUTHORITIES]
    repeats = [sweep[a]["repeats"] for a in AUTHORITIES]
    concessions = [sweep[a]["concession_cost"] for a in AUTHORITIES]
    assert all(x > y for x, y in zip(escalated, escalated[1:], strict=False)), escalated
    assert (
        all(x >= y for x, y in zip(repeats, repeats[1:], strict=False)) and repeats[0] > repeats[-1]
    ), repeats
    assert concessions[0] == 0.0
    assert all(x < y for x, y in zip(concessions, concessions[1:], strict=False)), concessions
    # The shipped scenario's point: a middling authority is cheapest (README).
    table = pd.DataFrame(
        {"authority": AUTHORITIES, "cost": [sweep[a]["cost"] for a in AUTHORITIES]}
    )
    assert lowest_cost_authority(table, authority="authority") == 500.0


def test_a_higher_authority_settles_a_superset_of_the_same_problems():
    """Exact, on the draws: the same values at every authority, escalated sets nested."""
    base = shipped()
    previous = None
    for a in AUTHORITIES:
        draws = draw_contacts(with_authority(base, a), Streams(SEED, 0))
        n = draws.first_attempts
        assert draws.escalate is not None and draws.concession is not None
        escalated = draws.escalate[:n]
        if previous is not None:
            assert not (escalated & ~previous).any()  # escalated now => escalated before
            assert (previous & ~escalated).any()
        previous = escalated
        # A settled first contact's concession is the share of a value within authority.
        settled = draws.concession[:n][~escalated]
        share = base.empowerment.concession_share
        assert (settled > 0).all() and (settled <= share * a + 1e-9).all()
        assert (draws.concession[:n][escalated] == 0).all()


def test_concession_paid_only_when_the_talk_resolves_and_adds_extra_talk():
    extra = 120.0
    t1 = ContactType(
        "t1",
        (20.0,) * 8 + (0.0,) * 4,
        Distribution.exponential(240),
        escalation=Escalation("t2", 0.0),
        problem_value=Distribution("lognormal", 800.0, 1.5),
    )
    t2 = ContactType("t2", (0.0,) * 12, Distribution.exponential(480))
    groups = (
        AgentGroup("front", (12,) * 12, (Skill("t1"),)),
        AgentGroup("back", (8,) * 12, (Skill("t2"),)),
    )
    base = Scenario("power", 900.0, (t1, t2), groups)
    low = dataclasses.replace(base, empowerment=Empowerment(0.0, 0.2, extra))
    high = dataclasses.replace(base, empowerment=Empowerment(1e9, 0.2, extra))
    d_low = draw_contacts(low, Streams(SEED, 0))
    d_high = draw_contacts(high, Streams(SEED, 0))
    n = d_low.first_attempts
    assert d_high.concession is not None
    # Authority 0 escalates every problem; unlimited authority settles every one, each with
    # 20% of its value and 120 s more talk on the same base draw.
    assert d_low.escalate[:n].all() and not d_high.escalate[:n].any()
    np.testing.assert_allclose(d_high.handle[:n] - d_low.handle[:n], extra)
    out = ContactCenter(high, d_high, Streams(SEED, 0)).run()
    assert out.concession is not None and out.after_talk is not None
    resolved = out.after_talk == AfterTalk.RESOLVED
    table = replication_table(run_replications(high, ["none"], 1, SEED))
    day = table[(table["contact_type"] == ALL) & (table["group"] == ALL)].iloc[0]
    assert day["concession_cost"] == pytest.approx(out.concession[resolved].sum())
    assert 0 < resolved.sum() < n or resolved.sum() == n
    assert day["cost"] == pytest.approx(day["concession_cost"])  # no other cost rates set


# -- the lowest total cost ------------------------------------------------------------------


def test_lowest_cost_authority_on_a_small_table():
    table = pd.DataFrame(
        {
            "scenario.empowerment.authority": [0, 0, 500, 500, 2000, 2000],
            "cost": [100.0, 120.0, 90.0, 96.0, 93.0, 93.0],  # means 110, 93, 93
        }
    )
    assert lowest_cost_authority(table) == 500.0  # tie: the lower authority
    table.loc[4, "cost"] = 80.0  # 2000: mean 86.5
    assert lowest_cost_authority(table) == 2000.0
    with pytest.raises(ValueError, match="no finite 'cost'"):
        lowest_cost_authority(table.assign(cost=np.nan))


# -- off: today's results ---------------------------------------------------------------------


def test_empowerment_settings_without_a_problem_value_change_nothing():
    """Authority, share and extra talk set, but no type with a problem_value (nor a repeat
    cost): every table is what it was, bit for bit, concession_cost 0."""
    base = shipped("scenario.contact_types.billing.problem_value=null")
    inert = dataclasses.replace(base, empowerment=Empowerment(2000.0, 0.5, 300.0))
    plain = dataclasses.replace(
        base,
        empowerment=Empowerment(),
        costs=dataclasses.replace(base.costs, repeat_contact=0.0),
    )
    inert = dataclasses.replace(inert, costs=plain.costs)
    a = replication_table(run_replications(plain, ["none"], 2, SEED))
    b = replication_table(run_replications(inert, ["none"], 2, SEED))
    pd.testing.assert_frame_equal(a, b)
    assert (a["concession_cost"].fillna(0) == 0).all()


# -- the report -------------------------------------------------------------------------------


def test_report_section_shows_the_trade_only_when_on():
    on = shipped()
    table = replication_table(run_replications(on, ["none"], 2, SEED))
    summary = summarize(table, ["policy", "contact_type", "group"])
    lines = "\n".join(empowerment_section(on, summary))
    assert "## Empowerment" in lines and "`billing_t2`" in lines and "concession cost" in lines
    off = shipped("scenario.contact_types.billing.problem_value=null")
    assert empowerment_section(off, summary) == []


# -- bad input --------------------------------------------------------------------------------


def test_config_reports_bad_empowerment_together():
    cfg = compose_config(
        [
            "scenario=tier2_escalation",
            "scenario.empowerment.authority=-1",
            "scenario.empowerment.concession_share=1.5",
            "scenario.empowerment.extra_handle_seconds=-5",
        ]
    )
    with pytest.raises(ConfigError) as info:
        build_run(cfg)
    found = "\n".join(info.value.problems)
    for expected in (
        "scenario.empowerment.authority = -1.0: must be a number >= 0",
        "scenario.empowerment.concession_share = 1.5: must be a share in [0, 1]",
        "scenario.empowerment.extra_handle_seconds = -5.0: must be a number >= 0",
    ):
        assert expected in found, f"missing {expected!r} in:\n{found}"


def test_config_problem_value_needs_an_escalation_target_and_probability_one():
    cfg = compose_config(
        ["scenario=tier2_escalation", "scenario.contact_types.billing.escalation=null"]
    )
    with pytest.raises(ConfigError) as info:
        build_run(cfg)
    (problem,) = [p for p in info.value.problems if "problem_value" in p]
    assert problem.startswith("scenario.contact_types.billing.problem_value = {")
    assert "needs an escalation target: set escalation.to" in problem
    cfg = compose_config(
        [
            "scenario=tier2_escalation",
            "scenario.contact_types.billing.resolution.probability=0.9",
            "scenario.contact_types.billing.resolution.max_repeats=0",
        ]
    )
    with pytest.raises(ConfigError) as info:
        build_run(cfg)
    (problem,) = info.value.problems
    assert problem.startswith(
        "scenario.contact_types.billing.resolution.probability = 0.9: must be 1"
    )


def test_core_refuses_bad_values():
    with pytest.raises(ValueError, match="authority must be a number >= 0"):
        Empowerment(-1.0)
    with pytest.raises(ValueError, match=r"concession_share must be in \[0, 1\]"):
        Empowerment(0.0, 1.5)
    with pytest.raises(ValueError, match="a problem_value needs an escalation"):
        ContactType(
            "t", (1.0,), Distribution.exponential(60), problem_value=Distribution.exponential(9)
        )
    with pytest.raises(ValueError, match="a problem_value needs an escalation"):
        ContactType(
            "t",
            (1.0,),
            Distribution.exponential(60),
            escalation=Escalation("u", 0.0),
            resolution=Resolution(0.5, repeat_delay=Distribution.exponential(60)),
            problem_value=Distribution.exponential(9),
        )


def test_the_sweep_report_names_the_cheapest_authority():
    """``sweep_report.md`` of an authority sweep: per policy the authority with the lowest
    total cost, in words, and every authority's row."""
    table = pd.DataFrame(
        {
            "scenario.empowerment.authority": [0.0, 500.0, 2000.0, 0.0, 500.0, 2000.0],
            "policy": ["none"] * 3 + ["analyst"] * 3,
            "escalated": [700.0, 300.0, 60.0, 690.0, 310.0, 58.0],
            "repeats": [40.0, 30.0, 7.0, 41.0, 29.0, 6.0],
            "concession_cost": [0.0, 8800.0, 31000.0, 0.0, 8700.0, 31500.0],
            "cost": [30000.0, 20000.0, 41000.0, 19000.0, 20500.0, 40000.0],
            "service_level": [0.45, 0.7, 0.64, 0.46, 0.71, 0.65],
        }
    )
    text = authority_sweep_report(table, "EUR")
    assert "Policy `none`: the lowest total cost a day is at authority **500**." in text
    assert "Policy `analyst`: the lowest total cost a day is at authority **0**." in text
    assert "| 2,000 | 60.0 | 7.0 | 31,000 | 41,000 | 64.0% |" in text
