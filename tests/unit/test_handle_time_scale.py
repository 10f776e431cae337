"""Per-interval handle times (``ContactType.handle_time_scale`` and ``wrap_up_scale``): a
contact arriving in interval k talks for its own draw times scale[k], on the same draws
(common random numbers), and a day built from a WFM export shows the export's handle time
per interval in the ``aht_seconds`` KPI."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from sim.config.checks import Checker
from sim.config.day import build_day
from sim.config.schema import ContactTypeConfig, DayScenarioConfig, DistributionConfig
from sim.core.disruptions import Redials
from sim.core.distributions import Distribution
from sim.core.scenario import Scenario, ServiceLevel, single_queue
from sim.kpi.definitions import interval_kpis
from sim.model.states import ContactState
from sim.model.world import simulate


def _day(**changes) -> Scenario:
    """Four 15-minute intervals, plenty of agents: every contact is answered."""
    scenario = single_queue(
        "scaled",
        900.0,
        [40.0, 40.0, 40.0, 40.0],
        [30, 30, 30, 30],
        Distribution("lognormal", 240.0, 0.8),
        wrap_up=Distribution("gamma", 30.0, 0.5),
    )
    return scenario.with_type(0, **changes)


def _interval(outcome) -> np.ndarray:
    return np.minimum((np.nan_to_num(outcome.arrival) // 900.0).astype(np.int64), 3)


def test_a_scale_of_two_doubles_the_talk_time_of_that_intervals_contacts_exactly():
    """Same seed, same draws: in interval 1 each contact's work (talk, no wrap-up here) is
    exactly twice the unscaled run's, in the other intervals exactly the same."""
    base = simulate(_day(wrap_up=None), seed=7)
    scaled = simulate(_day(wrap_up=None, handle_time_scale=(1.0, 2.0, 1.0, 1.0)), seed=7)
    np.testing.assert_array_equal(base.arrival, scaled.arrival)
    np.testing.assert_array_equal(base.handle, scaled.handle)  # the draws themselves
    assert (base.state == ContactState.ANSWERED).all()
    assert (scaled.state == ContactState.ANSWERED).all()
    k = _interval(base)
    assert (k == 1).sum() > 20
    np.testing.assert_array_equal(scaled.work[k == 1], 2.0 * base.work[k == 1])
    np.testing.assert_array_equal(scaled.work[k != 1], base.work[k != 1])
    assert scaled.work[k == 1].mean() == 2.0 * base.work[k == 1].mean()


def test_talk_and_wrap_up_scales_apply_to_each_contacts_own_draws():
    """``wrap`` in the outcome is the wrap-up the contact got (its draw times the scale), and
    ``work`` its scaled talk plus that."""
    talk, wrap = (0.5, 2.0, 1.25, 1.0), (1.0, 0.0, 3.0, 0.5)
    base = simulate(_day(), seed=3)
    out = simulate(_day(handle_time_scale=talk, wrap_up_scale=wrap), seed=3)
    assert (out.state == ContactState.ANSWERED).all()
    k = _interval(out)
    np.testing.assert_array_equal(out.handle, base.handle)
    np.testing.assert_array_equal(out.wrap, base.wrap * np.take(wrap, k))
    np.testing.assert_array_equal(out.work, out.handle * np.take(talk, k) + out.wrap)


def test_a_redial_takes_the_scale_of_its_own_arrival_interval():
    """With redials, a contact calls again later: its talk time is scaled by the interval it
    calls back in, not the first attempt's."""
    scenario = single_queue(
        "redials",
        900.0,
        [60.0] * 4,
        [10] * 4,
        Distribution.exponential(200.0),
        patience=Distribution.exponential(30.0),
    )
    scale = (1.0, 4.0, 0.5, 2.0)
    scenario = replace(
        scenario.with_type(0, handle_time_scale=scale),
        redials=Redials(1.0, Distribution("deterministic", 600.0)),
    )
    out = simulate(scenario, seed=11)
    answered = out.state == ContactState.ANSWERED
    redials = answered & (np.arange(len(out.arrival)) >= out.originals)
    assert redials.sum() > 10
    k = _interval(out)
    of_first = np.flatnonzero(redials) - out.originals  # slot originals + i redials contact i
    assert (k[redials] != k[of_first]).any()
    expected = out.handle * np.take(scale, k)
    np.testing.assert_array_equal(out.work[answered], expected[answered])


def test_all_ones_is_the_same_day_as_no_scale():
    base = simulate(_day(), seed=5)
    ones = simulate(_day(handle_time_scale=(1.0,) * 4, wrap_up_scale=(1.0,) * 4), seed=5)
    for name in ("arrival", "handle", "wrap", "work", "resolved_at", "agent"):
        np.testing.assert_array_equal(getattr(base, name), getattr(ones, name), err_msg=name)


def test_a_scale_must_have_one_factor_per_interval():
    with pytest.raises(ValueError, match="one number >= 0 per interval"):
        _day(handle_time_scale=(1.0, 2.0))
    with pytest.raises(ValueError, match="one number >= 0 per interval"):
        _day(wrap_up_scale=(1.0, -1.0, 1.0, 1.0))


# --- a day from an export: the aht_seconds KPI per interval -------------------------------------

#: One date, 60-minute intervals: talk and wrap-up averages that change through the day.
AHT = (200.0, 400.0, 300.0, 120.0)
ACW = (20.0, 20.0, 40.0, 10.0)
OFFERED = 400


def test_the_aht_kpi_per_interval_follows_the_exports(tmp_path):
    """Each interval's ``aht_seconds`` (talk plus wrap-up of the contacts arriving in it) is
    within 3 standard errors (the sample sd of their handle times over the square root of
    their number, about 400) of the export's ``aht_seconds + acw_seconds`` for the interval:
    a 99.7% interval, on a fixed seed."""
    data = tmp_path / "scenarios" / "wfm"
    data.mkdir(parents=True)
    rows = ["date,interval_start,queue,offered,aht_seconds,acw_seconds"] + [
        f"2026-03-04,{8 + k:02d}:00,calls,{OFFERED},{AHT[k]:g},{ACW[k]:g}" for k in range(4)
    ]
    (data / "export.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (data / "staffing.csv").write_text(
        "interval_start,agents\n" + "".join(f"{8 + k:02d}:00,80\n" for k in range(4)),
        encoding="utf-8",
    )
    (data / "skills.csv").write_text(
        "group,contact_type,proficiency,level\nagents,calls,1,1\n", encoding="utf-8"
    )
    config = DayScenarioConfig(
        name="wfm",
        data_dir="scenarios/wfm",
        export_file="export.csv",
        interval_minutes=60,
        contact_types={
            "calls": ContactTypeConfig(
                handle_time=DistributionConfig("exponential"),
                wrap_up=DistributionConfig("gamma", cv=0.5),
            )
        },
    )
    c = Checker()
    scenario = build_day(c, config, ServiceLevel(), tmp_path)
    assert c.problems == []
    assert scenario is not None
    out = simulate(scenario, seed=2026)
    aht = interval_kpis(out, scenario)["aht_seconds"]
    k = _interval_of(out, 3600.0)
    answered = out.state == ContactState.ANSWERED
    for j in range(4):
        work = out.work[answered & (k == j)]
        se = work.std(ddof=1) / math.sqrt(len(work))
        assert len(work) > 300
        assert abs(aht[j] - (AHT[j] + ACW[j])) < 3 * se, (j, aht[j], AHT[j] + ACW[j], se)


def _interval_of(outcome, length: float) -> np.ndarray:
    return np.minimum((np.nan_to_num(outcome.arrival) // length).astype(np.int64), 3)
