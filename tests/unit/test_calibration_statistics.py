"""Calibration's statistics on small, exact cases (:mod:`sim.calibration`) and the calibrated
scenario's files (:func:`sim.config.calibrate.scenario_files`)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
import yaml
from scipy import stats

from sim.calibration.demand import busy_peaks, day_shape, estimate_demand, observed_kpis
from sim.calibration.durations import fit_duration
from sim.calibration.patience import fit_patience
from sim.config.calibrate import CalibratedType, scenario_files
from sim.core.contact_log import ABANDONED, ANSWERED, BLOCKED, ContactLog
from sim.core.distributions import Distribution

MONDAY = dt.date(2026, 3, 2).toordinal()


def test_lognormal_fit_is_the_closed_form_mle_and_gamma_loses_on_lognormal_data():
    x = Distribution("lognormal", 300, 0.9).sample(np.random.default_rng(1), 3000)
    fit = fit_duration(x)
    sigma, _, scale = stats.lognorm.fit(x, floc=0)
    assert fit.params["lognormal"] == pytest.approx((math.log(scale), sigma), rel=1e-6)
    assert fit.family == "lognormal" and fit.aic_margin > 10
    assert fit.mean.covers(300) and fit.cv.covers(0.9)


def test_gamma_is_chosen_on_gamma_data_with_the_sample_mean_as_its_mean():
    x = Distribution("gamma", 200, 0.6).sample(np.random.default_rng(2), 3000)
    fit = fit_duration(np.concatenate([x, [0.0, np.nan]]))
    assert fit.family == "gamma" and fit.zeros == 1 and fit.n == 3000
    assert fit.mean.estimate == pytest.approx(x.mean(), rel=1e-6)  # the gamma MLE of the mean
    assert fit.mean.covers(200) and fit.cv.covers(0.6)
    assert fit.distribution() == Distribution("gamma", fit.mean.estimate, fit.cv.estimate)
    with pytest.raises(ValueError, match="at least 10"):
        fit_duration(x[:9])


def test_exponential_patience_is_total_wait_over_abandons_with_the_chi_square_interval():
    wait = np.array([10.0, 20.0, 30.0, 40.0, 0.0])
    abandoned = np.array([True, False, True, False, False])
    fit = fit_patience(wait, abandoned)
    assert fit.exponential_mean.estimate == 50.0  # 100 s waited, 2 abandons
    assert fit.exponential_mean.low == pytest.approx(200 / stats.chi2.ppf(0.975, 4))
    assert fit.exponential_mean.high == pytest.approx(200 / stats.chi2.ppf(0.025, 4))
    assert fit.naive_mean == 20.0  # the biased figure, reported only
    assert fit.family == "exponential" and fit.lognormal_mean is None  # too few abandons
    # Kaplan-Meier by hand: at risk 4 at 10 s (one abandons), 2 at 30 s (one abandons)
    s = np.interp([10, 30], fit.km_time, fit.km_survival)
    assert s == pytest.approx([0.75, 0.375])
    with pytest.raises(ValueError, match="no abandons"):
        fit_patience(wait, np.zeros(5, dtype=bool))


def test_censored_lognormal_matches_scipy_and_beats_the_naive_mean():
    rng = np.random.default_rng(3)
    patience = Distribution("lognormal", 180, 1.0).sample(rng, 4000)
    answer = rng.exponential(60, 4000)  # when an agent would have answered
    wait, abandoned = np.minimum(patience, answer), patience <= answer
    fit = fit_patience(wait, abandoned)
    data = stats.CensoredData(uncensored=wait[abandoned], right=wait[~abandoned])
    sigma, _, scale = stats.lognorm.fit(data, floc=0)
    assert fit.lognormal_params == pytest.approx((math.log(scale), sigma), rel=1e-4)
    assert fit.family == "lognormal"
    assert fit.mean.covers(180) and fit.lognormal_cv is not None and fit.lognormal_cv.covers(1.0)
    assert fit.naive_mean < 0.5 * 180


def _log(rows) -> ContactLog:
    """A log from (type, arrival seconds, outcome, wait, talk, wrap) rows of day MONDAY."""
    t, arrival, outcome, wait, talk, wrap = (
        np.array(c, dtype=float) for c in zip(*rows, strict=True)
    )
    return ContactLog(
        ("a", "b"),
        t.astype(np.int64),
        np.full(len(rows), MONDAY),
        arrival,
        outcome.astype(np.int8),
        wait,
        talk,
        wrap,
    )


def test_staffing_is_the_busy_count_where_someone_waited_and_a_lower_bound_elsewhere():
    nan = math.nan
    rows = [  # 30-minute intervals from 08:00 (28800 s)
        (0, 28800, ANSWERED, 0, 600, 0),  # two agents busy from 08:00 to 08:10
        (1, 28810, ANSWERED, 0, 590, 0),
        (0, 28900, ANSWERED, 500, 300, 0),  # waited: answered at 08:10 as an agent freed
        (1, 28950, ABANDONED, 40, nan, nan),
        (0, 30700, ANSWERED, 0, 100, 20),  # 08:31:40, one agent busy, nobody waits
        (1, 30800, BLOCKED, nan, nan, nan),
    ]
    log = _log(rows)
    shape = day_shape(log, 1800)
    assert (shape.start_seconds, shape.intervals) == (28800, 2)
    peak, waited = busy_peaks(log, shape)
    assert peak.tolist() == [[2, 1]] and waited.tolist() == [[True, False]]
    demand = estimate_demand(log, 1800)
    assert demand.forecast[""].tolist() == [[2, 1], [2, 1]]  # types x intervals
    assert list(demand.forecast) == [""]  # one weekday: no per-weekday files
    kpis = observed_kpis(log, 20)
    assert kpis["offered"].tolist() == [6] and kpis["service_level"].tolist() == [3 / 6]
    assert kpis["abandon_rate"].tolist() == [1 / 6]


def test_the_calibrated_scenario_files_have_the_day_scenario_shapes():
    types = [
        CalibratedType(
            "sales",
            Distribution("lognormal", 241.26, 0.8912),
            Distribution("gamma", 30.0, 0.5),
            Distribution.exponential(120.5),
        ),
        CalibratedType("email_like", Distribution("gamma", 100, 1.2), None, None),
    ]
    forecast = {"": np.array([[1.5, 2.25], [0.0, 3.0]]), "mon": np.array([[1, 2], [0, 3]])}
    staffing = {"": np.array([3, 4]), "mon": np.array([3, 4])}
    files = scenario_files("mine", "a ${oc.env:HOME} test", 30, 8 * 60, types, forecast, staffing)
    assert sorted(files) == [
        "configs/scenario/mine.yaml",
        "scenarios/mine/forecast.csv",
        "scenarios/mine/forecast_mon.csv",
        "scenarios/mine/skills.csv",
        "scenarios/mine/staffing.csv",
        "scenarios/mine/staffing_mon.csv",
    ]
    assert files["scenarios/mine/forecast.csv"] == (
        "interval_start,sales,email_like\n08:00,1.5,0.0\n08:30,2.25,3.0\n"
    )
    assert files["scenarios/mine/staffing.csv"] == "interval_start,agents\n08:00,3\n08:30,4\n"
    config = yaml.safe_load(files["configs/scenario/mine.yaml"])
    assert config["defaults"] == ["day_schema", "_self_"]
    assert config["data_dir"] == "scenarios/mine" and "$" not in config["description"]
    assert config["contact_types"]["sales"] == {
        "channel": "voice",
        "handle_time": {"distribution": "lognormal", "mean_seconds": 241.26, "cv": 0.891},
        "wrap_up": {"distribution": "gamma", "mean_seconds": 30.0, "cv": 0.5},
        "patience": {"distribution": "exponential", "mean_seconds": 120.5},
    }
    assert config["contact_types"]["email_like"]["patience"] is None
    with pytest.raises(ValueError, match="not a scenario name"):
        scenario_files("../up", "", 30, 0, types, forecast, staffing)
