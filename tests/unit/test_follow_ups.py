"""Resolution, repeats and escalation (issue 14, parts 1 and 2): exact event rules, KPIs,
the config checks, and "off" meaning exactly today's results.

Every model test reads one simulated day through its own draws (``draw_contacts`` on the
same streams as the world): the follow-up slots, their delays and decisions are known up
front, so the rules are checked exactly (a repeat arrives its delay after the end of its
contact's talk; a cold transfer ``transfer_seconds`` after; a warm transfer's first agent
works until tier 2 answers, then wraps up), not statistically.
"""

from __future__ import annotations

import dataclasses
import math
import shutil

import numpy as np
import pytest
from omegaconf import OmegaConf

from sim.config.run import PROJECT_ROOT, ConfigError, build_run
from sim.config.schema import (
    Config,
    ContactTypeConfig,
    DayScenarioConfig,
    DistributionConfig,
    EscalationConfig,
    ResolutionConfig,
)
from sim.core.distributions import Distribution
from sim.core.follow_ups import Escalation, Resolution, escalation_cycle
from sim.core.scenario import AgentGroup, ContactType, Scenario, Skill
from sim.core.streams import Streams
from sim.experiment.replications import run_replications
from sim.experiment.tables import interval_table, replication_table
from sim.kpi.definitions import breakdown, replication_kpis
from sim.model.draws import draw_contacts
from sim.model.states import AfterTalk, Attempt, ContactState
from sim.model.world import ContactCenter

E = Distribution.exponential
SEED = 14


def fixed(seconds: float) -> Distribution:
    return Distribution("deterministic", seconds)


def two_tier(
    *,
    resolution: Resolution | None = None,
    escalation: Escalation | None = None,
    front: int = 30,
    back: int = 6,
    back_patience: Distribution | None = None,
    trunks: int | None = None,
    tier2_calls: float = 0.0,
) -> Scenario:
    """Tier 1 (``t1``, 30 calls per 15 minutes for 3 hours, then 2 quiet hours so that every
    follow-up happens within the day) answered by ``front``; tier 2 (``t2``) by ``back``."""
    busy, quiet = 12, 8
    n = busy + quiet
    t1 = ContactType(
        "t1",
        (30.0,) * busy + (0.0,) * quiet,
        E(240),
        wrap_up=fixed(30),
        resolution=resolution or Resolution(),
        escalation=escalation,
    )
    t2 = ContactType(
        "t2",
        (tier2_calls,) * busy + (0.0,) * quiet,
        E(480),
        wrap_up=fixed(20),
        patience=back_patience,
    )
    groups = (
        AgentGroup("front", (front,) * n, (Skill("t1"),)),
        AgentGroup("back", (back,) * n, (Skill("t2"),)),
    )
    return Scenario("two_tier", 900.0, (t1, t2), groups, trunks=trunks)


def day(scenario: Scenario, replication: int = 0):
    """One replication: its draws, its world (run) and its outcome."""
    streams = Streams(SEED, replication)
    draws = draw_contacts(scenario, streams)
    world = ContactCenter(scenario, draws, streams)
    return draws, world, world.run()


def kpis(scenario: Scenario, replication: int = 0) -> dict:
    """Day and interval KPIs of every breakdown: {(type, group): (day, intervals)}."""
    out = day(scenario, replication)[2]
    return {(t, g): (d, i) for t, g, d, i in breakdown(out, scenario)}


# -- off: today's behaviour --------------------------------------------------------------------


def test_off_by_default_every_answered_talk_resolves():
    scenario = two_tier(tier2_calls=4.0)
    draws, _, out = day(scenario)
    assert draws.follow_up is None
    answered = out.state == ContactState.ANSWERED
    assert (out.after_talk[answered] == AfterTalk.RESOLVED).all()
    assert (out.after_talk[~answered] == AfterTalk.OPEN).all()
    k = replication_kpis(out, scenario)
    assert (k["fcr"], k["repeats"], k["escalated"], k["transfer_rate"]) == (1.0, 0.0, 0.0, 0.0)
    # From the first arrival to the end of the talk: wait plus talk, in minutes.
    expected = np.mean(out.talk_end[answered] - out.arrival[answered]) / 60
    assert k["resolution_minutes"] == pytest.approx(expected, rel=1e-12)


def test_inert_settings_give_identical_tables():
    """Resolution 1 for every group and an escalation share of 0 draw their streams but
    change nothing: a run's tables are identical to the run without them."""
    plain = two_tier(tier2_calls=4.0)
    inert = two_tier(
        tier2_calls=4.0,
        resolution=Resolution(1.0, (("front", 1.0),), fixed(60), max_repeats=3),
        escalation=Escalation("t2", 0.0, 30.0, "warm"),
    )
    assert draw_contacts(inert, Streams(SEED, 0)).follow_up is not None  # the machinery runs
    tables = []
    for scenario in (plain, inert):
        results = run_replications(scenario, ["none"], 2, SEED)
        tables.append((replication_table(results), interval_table(results)))
    for before, after in zip(*tables, strict=True):
        assert before.equals(after)


def test_unresolved_without_repeats_changes_only_fcr():
    """Common random numbers: resolution draws come from streams of their own, so with no
    follow-up every KPI but the two about resolution is exactly as without the feature."""
    plain = kpis(two_tier())
    low = kpis(two_tier(resolution=Resolution(0.7, max_repeats=0)))
    for key, (day_kpis, _) in plain.items():
        for name, value in day_kpis.items():
            if name not in ("fcr", "resolution_minutes"):
                assert np.array_equal(value, low[key][0][name], equal_nan=True), (key, name)
    assert 0.6 < low[("all", "all")][0]["fcr"] < 0.8


# -- repeats -----------------------------------------------------------------------------------


def test_repeat_calls_its_delay_after_the_talk_ends_at_most_max_repeats_times():
    scenario = two_tier(resolution=Resolution(0.0, (), fixed(120), max_repeats=2))
    draws, _, out = day(scenario)
    assert draws.follow_up is not None
    used = out.state != ContactState.UNUSED
    unresolved = np.flatnonzero(out.after_talk == AfterTalk.UNRESOLVED)
    assert len(unresolved) == (out.state == ContactState.ANSWERED).sum()  # never resolved
    called = 0
    for i in unresolved:
        j = draws.follow_up[i]
        if j < 0:  # its customer's repeats are used up
            assert out.attempt[i] == Attempt.REPEAT
            continue
        assert out.arrival[j] == out.talk_end[i] + 120.0
        assert (out.attempt[j], out.customer[j]) == (Attempt.REPEAT, out.customer[i])
        called += 1
    repeats = np.bincount(out.customer[used & (out.attempt == Attempt.REPEAT)])
    assert repeats.max() == 2
    assert called == (used & (out.attempt == Attempt.REPEAT)).sum()
    k = replication_kpis(out, scenario)
    assert k["repeats"] == called and k["fcr"] == 0.0
    assert math.isnan(k["resolution_minutes"])  # nobody's problem was resolved


def test_resolution_by_group():
    """A group's own probability: group `b` resolves nothing, `a` everything."""
    n = 12
    t1 = ContactType(
        "t1", (40.0,) * n, E(240), resolution=Resolution(1.0, (("b", 0.0),), max_repeats=0)
    )
    groups = tuple(AgentGroup(g, (10,) * n, (Skill("t1"),)) for g in ("a", "b"))
    scenario = Scenario("by_group", 900.0, (t1,), groups)
    _, _, out = day(scenario)
    decided = out.after_talk != AfterTalk.OPEN
    by_b = out.answering_group == 1
    assert (out.after_talk[decided & by_b] == AfterTalk.UNRESOLVED).all()
    assert (out.after_talk[decided & ~by_b] == AfterTalk.RESOLVED).all()
    rows = {(t, g): d for t, g, d, _ in breakdown(out, scenario)}
    assert rows[("all", "b")]["fcr"] == 0.0 and rows[("all", "a")]["fcr"] == 1.0


# -- escalation --------------------------------------------------------------------------------


def test_cold_transfer_joins_tier_two_transfer_seconds_after_the_talk():
    scenario = two_tier(escalation=Escalation("t2", 0.3, 20.0))
    draws, _, out = day(scenario)
    escalated = np.flatnonzero(out.after_talk == AfterTalk.ESCALATED)
    assert len(escalated) > 50
    for i in escalated:
        j = draws.follow_up[i]
        assert out.arrival[j] == out.talk_end[i] + 20.0
        assert (out.attempt[j], out.contact_type[j], out.customer[j]) == (
            Attempt.TRANSFER,
            1,
            out.customer[i],
        )
        # Cold: the first agent wraps up at once.
        assert out.resolved_at[i] + out.work[i] == pytest.approx(out.talk_end[i] + 30.0)


@pytest.mark.parametrize("replication", range(3))
def test_tier_two_offered_equals_escalated(replication):
    scenario = two_tier(escalation=Escalation("t2", 0.25, 45.0, "warm"), back=3)
    rows = kpis(scenario, replication)
    escalated = rows[("t1", "all")][0]["escalated"]
    assert escalated > 0
    assert rows[("t2", "all")][0]["offered"] == escalated == rows[("all", "front")][0]["escalated"]
    assert (
        rows[("all", "all")][0]["transfer_rate"] == escalated / rows[("all", "all")][0]["answered"]
    )


def test_warm_transfer_holds_the_first_agent_until_tier_two_answers_or_hangs_up():
    scenario = two_tier(
        escalation=Escalation("t2", 0.4, 15.0, "warm"), back=4, back_patience=E(300)
    )
    draws, _, out = day(scenario)
    ends = {"answered": 0, "abandoned": 0}
    for i in np.flatnonzero(out.after_talk == AfterTalk.ESCALATED):
        j = draws.follow_up[i]
        state = ContactState(out.state[j])
        if state in (ContactState.ANSWERED, ContactState.ABANDONED):
            ends[state.name.lower()] += 1
            # On the line from the talk's end until tier 2 answers or the caller hangs up,
            # then its own wrap-up.
            assert out.resolved_at[i] + out.work[i] == pytest.approx(out.resolved_at[j] + 30.0)
    assert min(ends.values()) > 5
    # An agent on hold takes nothing else: its contacts never overlap.
    for agent in np.unique(out.agent[out.agent >= 0]):
        mine = np.flatnonzero(out.agent == agent)
        start, end = out.resolved_at[mine], out.resolved_at[mine] + out.work[mine]
        order = np.argsort(start)
        assert (start[order][1:] >= end[order][:-1] - 1e-9).all()


def test_a_transferred_voice_call_keeps_its_line():
    """With tight trunks, first calls are blocked but a transfer never is, and every line
    taken is given back by the end of the day."""
    scenario = two_tier(escalation=Escalation("t2", 0.5, 30.0, "cold"), back=3, trunks=14)
    _, world, out = day(scenario)
    transfer = (out.attempt == Attempt.TRANSFER) & (out.state != ContactState.UNUSED)
    assert (out.state[out.attempt == Attempt.FIRST] == ContactState.BLOCKED).sum() > 10
    assert transfer.sum() > 10 and not (out.state[transfer] == ContactState.BLOCKED).any()
    assert world.in_system == 0 and (out.state != ContactState.WAITING).all()


def test_escalated_then_resolved_at_tier_two_counts_from_the_first_call():
    scenario = two_tier(
        escalation=Escalation("t2", 0.5, 10.0),
        resolution=Resolution(0.5, (), fixed(300), max_repeats=1),
    )
    _, _, out = day(scenario)
    k = replication_kpis(out, scenario)
    solved = np.flatnonzero(out.after_talk == AfterTalk.RESOLVED)
    customer = out.customer[solved]
    assert (out.attempt[solved] == Attempt.TRANSFER).any()
    expected = np.mean(out.talk_end[solved] - out.arrival[customer]) / 60
    assert k["resolution_minutes"] == pytest.approx(expected, rel=1e-12)
    first = np.isin(out.attempt, (Attempt.FIRST, Attempt.REDIAL))
    decided = out.after_talk != AfterTalk.OPEN
    assert k["fcr"] == pytest.approx(
        (first & (out.after_talk == AfterTalk.RESOLVED)).sum() / (first & decided).sum()
    )
    assert (
        k["repeats"] == ((out.attempt == Attempt.REPEAT) & (out.state != ContactState.UNUSED)).sum()
    )


def test_scenario_refuses_circles_and_other_channels():
    base = two_tier()
    circle = base.with_type(1, escalation=Escalation("t1", 0.1))
    with pytest.raises(ValueError, match="circle"):
        circle.with_type(0, escalation=Escalation("t2", 0.1))
    t1, t2 = base.contact_types
    with pytest.raises(ValueError, match="stays in its channel"):
        dataclasses.replace(
            base,
            contact_types=(
                dataclasses.replace(t1, escalation=Escalation("t2", 0.1)),
                dataclasses.replace(t2, channel="chat"),
            ),
        )
    assert escalation_cycle({"a": "b", "b": "c", "c": "a"}) == ["a", "b", "c", "a"]
    assert escalation_cycle({"a": "b", "b": "c"}) is None


# -- config --------------------------------------------------------------------------------------

DEFAULT_DATA = PROJECT_ROOT / "scenarios" / "default"
DELAY = DistributionConfig("exponential", 3600.0)


def shipped() -> DayScenarioConfig:
    raw = OmegaConf.load(PROJECT_ROOT / "configs" / "scenario" / "default.yaml")
    del raw["defaults"]
    return OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(DayScenarioConfig), raw))


def with_types(s: DayScenarioConfig | None = None, **changes: dict) -> DayScenarioConfig:
    s = s or shipped()
    for name, fields in changes.items():
        if name in s.contact_types:
            s.contact_types[name] = dataclasses.replace(s.contact_types[name], **fields)
        else:
            s.contact_types[name] = ContactTypeConfig(**fields)
    return s


def problems(s: DayScenarioConfig) -> list[str]:
    with pytest.raises(ConfigError) as info:
        build_run(Config(scenario=s))
    return info.value.problems


@pytest.fixture
def tier2_data(tmp_path):
    """The default day's data with a skills row for a tier-2 type ``specialist``."""
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA, data)
    with (data / "skills.csv").open("a", encoding="utf-8") as f:
        f.write("billing,specialist,1.0,1\n")
    return data


TIER2 = {"handle_time": DistributionConfig("exponential", 900.0)}


def test_config_builds_resolution_and_a_tier_two_without_forecast_column(tier2_data):
    s = dataclasses.replace(shipped(), data_dir=str(tier2_data), allow_outside_paths=True)
    s = with_types(
        s,
        sales={
            "resolution": ResolutionConfig(0.8, {"sales": 0.6}, DELAY, 2),
            "escalation": EscalationConfig("specialist", 0.1, 30.0, "warm"),
        },
        specialist=TIER2,
    )
    scenario = build_run(Config(scenario=s)).scenario
    sales, specialist = scenario.contact_types[0], scenario.contact_types[-1]
    assert sales.resolution == Resolution(0.8, (("sales", 0.6),), E(3600), 2)
    assert sales.escalation == Escalation("specialist", 0.1, 30.0, "warm")
    assert specialist.name == "specialist" and set(specialist.forecast) == {0.0}


def test_config_reports_every_bad_value_together():
    s = with_types(
        sales={"resolution": ResolutionConfig(1.2, {"nobody": 0.5, "sales": -0.1}, None, -1)},
        service={"resolution": ResolutionConfig(0.5)},  # repeats but no repeat_delay
        billing={"escalation": EscalationConfig("service", 1.5, -20.0, "lukewarm")},
        chat={"escalation": EscalationConfig("email", 0.1)},
        email={"escalation": EscalationConfig("nowhere", 0.1)},
    )
    found = "\n".join(problems(s))
    key = "scenario.contact_types"
    for expected in (
        f"{key}.sales.resolution.probability = 1.2: must be a probability in [0, 1]",
        f"{key}.sales.resolution.by_group.nobody = 0.5: unknown group 'nobody'",
        f"{key}.sales.resolution.by_group.sales = -0.1: must be a probability in [0, 1]",
        f"{key}.sales.resolution.max_repeats = -1: must be a whole number >= 0",
        f"{key}.service.resolution.repeat_delay = None: required",
        f"{key}.billing.escalation.share = 1.5: must be a probability in [0, 1]",
        f"{key}.billing.escalation.transfer_seconds = -20.0: must be a number >= 0",
        f"{key}.billing.escalation.mode = 'lukewarm': allowed: ['cold', 'warm']",
        f"{key}.chat.escalation.to = 'email': a email type; an escalation stays in its channel",
        f"{key}.email.escalation.to = 'nowhere': not a contact type; allowed: [",
    ):
        assert expected in found, f"missing {expected!r} in:\n{found}"


def test_config_refuses_escalation_circles():
    s = with_types(
        service={"escalation": EscalationConfig("billing", 0.1)},
        billing={"escalation": EscalationConfig("service_fr", 0.1)},
        service_fr={"escalation": EscalationConfig("service", 0.1)},
    )
    (problem,) = problems(s)
    assert problem == (
        "scenario.contact_types.service.escalation.to = 'billing': escalations circle "
        "(service -> billing -> service_fr -> service); allowed: a type that does not "
        "escalate back, directly or through others"
    )


def test_config_refuses_a_tier_two_type_no_group_serves():
    s = with_types(sales={"escalation": EscalationConfig("specialist", 0.1)}, specialist=TIER2)
    (problem,) = problems(s)
    assert problem.startswith(
        "scenario.contact_types.specialist: no group can serve it; add a row "
        "'<group>,specialist,<proficiency>,<level>' to scenario.skills_file"
    )


def test_config_still_wants_a_forecast_column_for_a_type_nobody_escalates_to(tier2_data):
    s = dataclasses.replace(shipped(), data_dir=str(tier2_data), allow_outside_paths=True)
    (problem,) = problems(with_types(s, specialist=TIER2))
    assert problem.startswith("scenario.contact_types.specialist: no column 'specialist'")


def test_config_escalation_needs_to_and_share():
    cfg = OmegaConf.structured(Config(scenario=with_types(sales={})))
    cfg.scenario.contact_types.sales.escalation = EscalationConfig()
    with pytest.raises(ConfigError) as info:
        build_run(cfg)
    assert info.value.problems == [
        "scenario.contact_types.sales.escalation.share: required value not set",
        "scenario.contact_types.sales.escalation.to: required value not set",
    ]
