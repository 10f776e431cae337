"""Unit tests for sim.demand (forecast error, interval noise, surges), the Surge and
DemandShocks checks in Scenario, and the ``scenario.demand`` config keys."""

from __future__ import annotations

import dataclasses
import math
from collections import Counter

import numpy as np
import pytest
from omegaconf import OmegaConf

from sim.config.run import PROJECT_ROOT, ConfigError, build_run
from sim.config.schema import Config, DayScenarioConfig, DemandConfig, SurgeConfig
from sim.core.demand_shocks import DemandShocks, Surge
from sim.core.distributions import Distribution
from sim.core.scenario import AgentGroup, ContactType, Scenario, Skill
from sim.core.streams import Streams
from sim.model.arrivals import arrival_times
from sim.model.demand import DemandRealisation, SurgeWindow, realise_demand, realised_forecast
from sim.model.draws import draw_contacts

I = 1800.0  # interval seconds  # noqa: E741
A = (10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0)
B = (5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0)


def two_types(demand: DemandShocks | None = None) -> Scenario:
    """Two voice types a, b over 8 half-hour intervals, one group serving both."""
    ht = Distribution.exponential(300.0)
    return Scenario(
        "demand",
        I,
        (ContactType("a", A, ht), ContactType("b", B, ht)),
        (AgentGroup("g", (10,) * 8, (Skill("a"), Skill("b"))),),
        demand=demand or DemandShocks(),
    )


def shocks(**kw) -> Scenario:
    return two_types(DemandShocks(**kw))


def realise(scenario: Scenario, seed: int = 7, replication: int = 0) -> DemandRealisation:
    return realise_demand(scenario, Streams(seed, replication))


# -- realised_forecast ------------------------------------------------------------------------


def test_no_shocks_is_the_forecast_without_a_draw():
    streams = Streams(1, 0)
    d = realise_demand(two_types(), streams)
    assert d == DemandRealisation((A, B), 1.0, ())
    assert realised_forecast(two_types(), streams) == [A, B]
    assert not streams._generators  # no stream was even created


def test_no_shocks_draws_the_same_contacts_as_the_plain_forecast():
    """draw_contacts under default demand equals arrivals drawn straight from t.forecast."""
    scenario = two_types()
    drawn = draw_contacts(scenario, Streams(3, 2))
    streams = Streams(3, 2)
    expected = np.sort(
        np.concatenate(
            [
                arrival_times(t.forecast, I, streams[f"arrivals:{t.name}"])
                for t in scenario.contact_types
            ]
        ),
        kind="stable",
    )
    np.testing.assert_array_equal(drawn.arrival, expected)


def test_surge_multiplies_exactly_its_window_and_types():
    surge = Surge(2 * I, (2.0, 0.5, 3.0), ("a",))
    d = realise(shocks(surges=(surge,)))
    a = list(A)
    a[2:5] = [A[2] * 2.0, A[3] * 0.5, A[4] * 3.0]
    assert d.forecast == (tuple(a), B)
    assert d.surge_windows == (SurgeWindow(0, 2, 5),)
    assert d.day_multiplier == 1.0


def test_surge_without_types_hits_all_and_overlapping_surges_multiply():
    d = realise(shocks(surges=(Surge(0.0, (2.0, 2.0)), Surge(I, (3.0,), ("b",)))))
    assert d.forecast[0] == (20.0, 40.0) + A[2:]
    assert d.forecast[1] == (10.0, 30.0) + B[2:]
    assert d.surge_windows == (SurgeWindow(0, 0, 2), SurgeWindow(1, 1, 2))


def test_surge_window_past_the_day_is_cut():
    d = realise(shocks(surges=(Surge(6 * I, (2.0, 3.0, 4.0, 5.0), ("a",)),)))
    assert d.forecast[0] == A[:6] + (A[6] * 2.0, A[7] * 3.0)
    assert d.surge_windows == (SurgeWindow(0, 6, 8),)


@pytest.mark.parametrize(("probability", "expected"), [(0.0, 0), (1.0, 300)])
def test_probability_zero_never_one_always(probability, expected):
    scenario = shocks(surges=(Surge(I, (2.0,), probability=probability),))
    happened = sum(bool(realise(scenario, replication=r).surge_windows) for r in range(300))
    assert happened == expected


def test_probability_between_is_a_share_of_days():
    scenario = shocks(surges=(Surge(I, (2.0,), probability=0.3),))
    happened = sum(bool(realise(scenario, replication=r).surge_windows) for r in range(2000))
    assert abs(happened / 2000 - 0.3) < 4 * math.sqrt(0.3 * 0.7 / 2000)


def test_random_start_is_uniform_over_the_boundaries_in_range():
    scenario = shocks(surges=(Surge(1 * I, (2.0, 2.0), ("a",), latest_start=4 * I),))
    starts = Counter()
    for r in range(2000):
        d = realise(scenario, replication=r)
        (w,) = d.surge_windows
        assert w.stop == w.start + 2
        a = d.forecast[0]
        assert a == tuple(x * (2.0 if w.start <= j < w.stop else 1.0) for j, x in enumerate(A))
        starts[w.start] += 1
    assert sorted(starts) == [1, 2, 3, 4]  # every boundary from start to latest_start, no other
    assert all(abs(n / 2000 - 0.25) < 4 * math.sqrt(0.25 * 0.75 / 2000) for n in starts.values())


def test_start_off_a_boundary_is_rounded_down():
    d = realise(shocks(surges=(Surge(1.5 * I, (2.0,), latest_start=1.9 * I),)))
    assert d.surge_windows == (SurgeWindow(0, 1, 2),)


def test_reproducible_per_seed_and_replication():
    scenario = shocks(
        day_cv=0.2,
        interval_cv=0.1,
        surges=(Surge(0.0, (2.0,), probability=0.5, latest_start=7 * I),),
    )
    assert realise(scenario, 5, 3) == realise(scenario, 5, 3)
    assert realise(scenario, 5, 3) != realise(scenario, 5, 4)
    assert realise(scenario, 5, 3) != realise(scenario, 6, 3)


def test_day_multiplier_is_common_to_all_types_and_intervals():
    d = realise(shocks(day_cv=0.3))
    assert d.day_multiplier != 1.0
    for row, base in zip(d.forecast, (A, B), strict=True):
        np.testing.assert_allclose(np.array(row) / np.array(base), d.day_multiplier, rtol=1e-12)


def test_interval_noise_differs_per_type_and_interval():
    d = realise(shocks(interval_cv=0.3))
    ratios = np.array(d.forecast) / np.array((A, B))
    assert len(np.unique(ratios)) == ratios.size
    assert d.day_multiplier == 1.0


def test_effects_draw_from_independent_streams():
    """Switching one effect on leaves the draws of the others unchanged (common random numbers)."""
    surge = Surge(I, (2.0, 1.5), ("a",), probability=0.5, latest_start=5 * I)
    for r in range(20):
        only_surge = realise(shocks(surges=(surge,)), replication=r)
        only_day = realise(shocks(day_cv=0.2), replication=r)
        only_noise = realise(shocks(interval_cv=0.1), replication=r)
        everything = realise(
            shocks(day_cv=0.2, interval_cv=0.1, surges=(surge, Surge(0.0, (3.0,)))), replication=r
        )
        assert everything.surge_windows[: len(only_surge.surge_windows)] == only_surge.surge_windows
        assert everything.day_multiplier == only_day.day_multiplier
        # everything = forecast x day x noise x surges: each factor as when alone
        product = (
            np.array(only_day.forecast)
            / np.array((A, B))
            * np.array(only_noise.forecast)
            * np.array(only_surge.forecast)
            / np.array((A, B))
        )
        product[:, 0] *= 3.0  # the second surge, interval 0, all types
        np.testing.assert_allclose(np.array(everything.forecast), product, rtol=1e-12)


def test_shocks_leave_the_contacts_own_draws_alone():
    """The i-th contact of a type gets the same handle time whatever the demand."""
    plain = draw_contacts(two_types(), Streams(9, 0))
    shocked = draw_contacts(shocks(day_cv=0.5, interval_cv=0.3), Streams(9, 0))
    assert len(plain.arrival) != len(shocked.arrival)
    for k in (0, 1):
        h0 = plain.handle[plain.contact_type == k]
        h1 = shocked.handle[shocked.contact_type == k]
        n = min(len(h0), len(h1))
        np.testing.assert_array_equal(h0[:n], h1[:n])


def test_draw_contacts_follows_the_surge():
    """A x5 surge in one interval shows in the arrivals there; earlier intervals are unchanged."""
    base = draw_contacts(two_types(), Streams(4, 0))
    surged = draw_contacts(shocks(surges=(Surge(3 * I, (5.0,)),)), Streams(4, 0))
    per = [np.bincount((d.arrival // I).astype(int), minlength=8) for d in (base, surged)]
    assert per[1][3] > 3 * per[0][3]
    # the intervals before come from the same Poisson draws: unchanged
    np.testing.assert_array_equal(per[0][:3], per[1][:3])


# -- Scenario checks --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: DemandShocks(day_cv=-0.1), "day_cv"),
        (lambda: DemandShocks(interval_cv=-1.0), "interval_cv"),
        (lambda: DemandShocks(day_cv=math.nan), "day_cv"),
        (lambda: Surge(0.0, ()), "profile"),
        (lambda: Surge(0.0, (1.0, -0.5)), "profile"),
        (lambda: Surge(0.0, (1.0,), probability=1.5), "probability"),
        (lambda: Surge(0.0, (1.0,), probability=-0.1), "probability"),
        (lambda: Surge(3600.0, (1.0,), latest_start=1800.0), "latest_start"),
        (lambda: Surge(-1.0, (1.0,)), "start"),
        (lambda: shocks(surges=(Surge(0.0, (2.0,), ("a", "x")),)), "contact_types"),
        (lambda: shocks(surges=(Surge(8 * I, (2.0,)),)), "inside the day"),
        (lambda: shocks(surges=(Surge(0.0, (2.0,), latest_start=8 * I),)), "inside the day"),
    ],
)
def test_bad_demand_is_refused_naming_the_field(make, field):
    with pytest.raises(ValueError, match=field):
        make()


# -- config -----------------------------------------------------------------------------------


def default_day() -> DayScenarioConfig:
    """configs/scenario/default.yaml as a DayScenarioConfig (08:00-20:00, 30-minute intervals)."""
    raw = OmegaConf.load(PROJECT_ROOT / "configs" / "scenario" / "default.yaml")
    del raw["defaults"]
    return OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(DayScenarioConfig), raw))


def with_demand(**kw) -> Config:
    return Config(scenario=dataclasses.replace(default_day(), demand=DemandConfig(**kw)))


def surge(**kw) -> SurgeConfig:
    return SurgeConfig(**{"start": "10:00", "profile": [1.5, 1.2], **kw})


def problems(cfg: Config) -> list[str]:
    with pytest.raises(ConfigError) as info:
        build_run(cfg)
    return info.value.problems


def test_config_builds_demand_shocks_in_seconds_from_the_first_interval():
    cfg = with_demand(
        day_cv=0.1,
        interval_cv=0.05,
        surges=[surge(contact_types=["billing"], probability=0.4, latest_start="11:30")],
    )
    demand = build_run(cfg).scenario.demand
    assert demand == DemandShocks(
        0.1, 0.05, (Surge(7200.0, (1.5, 1.2), ("billing",), 0.4, 12600.0),)
    )


def test_config_default_is_no_shocks():
    assert build_run(Config(scenario=default_day())).scenario.demand == DemandShocks()


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"day_cv": -0.1}, "scenario.demand.day_cv = -0.1: must be a number >= 0"),
        ({"interval_cv": -2.0}, "scenario.demand.interval_cv = -2.0: must be a number >= 0"),
        (
            {"surges": [surge(profile=[])]},
            "scenario.demand.surges[0].profile = []: must list at least one multiplier",
        ),
        (
            {"surges": [surge(profile=[1.5, -1.0])]},
            "scenario.demand.surges[0].profile[1] = -1.0: must be a number >= 0",
        ),
        (
            {"surges": [surge(probability=1.5)]},
            "scenario.demand.surges[0].probability = 1.5: must be a probability in [0, 1]",
        ),
        (
            {"surges": [surge(), surge(probability=-0.2)]},
            "scenario.demand.surges[1].probability = -0.2: must be a probability in [0, 1]",
        ),
        (
            {"surges": [surge(contact_types=["billing", "fax"])]},
            "scenario.demand.surges[0].contact_types[1] = 'fax': unknown contact type; allowed: "
            "['sales', 'service', 'billing', 'service_fr', 'chat', 'email']",
        ),
        (
            {"surges": [surge(start="07:30")]},
            "scenario.demand.surges[0].start = '07:30': must be an interval start inside the "
            "day: 08:00 to 19:30, every 30 minutes",
        ),
        (
            {"surges": [surge(start="20:00")]},
            "scenario.demand.surges[0].start = '20:00': must be an interval start inside the day",
        ),
        (
            {"surges": [surge(start="10:15")]},
            "scenario.demand.surges[0].start = '10:15': must be an interval start inside the day",
        ),
        (
            {"surges": [surge(start="ten")]},
            "scenario.demand.surges[0].start = 'ten': must be a clock time HH:MM",
        ),
        (
            {"surges": [surge(start="630")]},
            "scenario.demand.surges[0].start = '630': must be a clock time HH:MM (an unquoted "
            "10:30 reads as the number 630 in YAML: quote it)",
        ),
        (
            {"surges": [surge(latest_start="09:30")]},
            "scenario.demand.surges[0].latest_start = '09:30': must be at or after start (10:00)",
        ),
        (
            {"surges": [surge(latest_start="10:45")]},
            "scenario.demand.surges[0].latest_start = '10:45': must be an interval start inside",
        ),
    ],
)
def test_bad_demand_config_is_reported(kw, expected):
    found = problems(with_demand(**kw))
    assert any(p.startswith(expected) for p in found), found


def test_demand_problems_are_reported_together():
    found = problems(
        with_demand(day_cv=-1.0, surges=[surge(profile=[], probability=2.0, start="07:00")])
    )
    assert len(found) == 4, found


def test_demand_keys_compose_from_the_command_line():
    from sim.cli.app import compose_config

    cfg = compose_config(
        [
            "scenario.demand.day_cv=0.1",
            "scenario.demand.surges=[{start:'12:00',profile:[2,1.5],contact_types:[chat]}]",
        ]
    )
    demand = build_run(cfg).scenario.demand
    assert demand == DemandShocks(0.1, 0.0, (Surge(14400.0, (2.0, 1.5), ("chat",)),))


def test_mailing_surge_scenario_shares_the_default_data():
    from sim.cli.app import compose_config

    default = build_run(compose_config()).scenario
    mailing = build_run(compose_config(["scenario=mailing_surge"]))
    s = mailing.scenario
    assert s.contact_types == default.contact_types and s.groups == default.groups
    assert s.demand.day_cv > 0 and len(s.demand.surges) == 2
    assert (PROJECT_ROOT / "scenarios" / "mailing_surge" / "README.md").is_file()
