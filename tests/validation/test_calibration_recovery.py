"""Calibration against known laws: logs that the model writes with known parameters are
calibrated back (``mode=calibrate``'s statistics, through the log's CSV file).

How these tests stay stable and sensitive (the validation tests' rule, ``tolerance.Z``):
the days are simulated with fixed seeds, so every number is the same on every run, and the
estimates use no random numbers (their intervals are analytic). A single dataset is judged
by intervals of Z = 4 standard errors (``calibrate(level=LEVEL)``): a correct method misses
one with probability < 0.01% for any seed, so no seed is picked to pass. The 95% intervals
that ``calibration.csv`` states are checked for what they claim, coverage, over many
independent samples of the same estimators: at least 88 of 100 (a correct 95% interval
falls below with probability 0.15%; one that covers 80% or less passes with probability
under 3%). The
wrong answers are shown to be caught: the naive mean of abandon times lies far below the
truth and its interval, and a day simulated with it misses the log's service level by far
more than the tolerance, while the calibrated day lands within it.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from scipy import stats
from tolerance import Z

from sim import (
    AgentGroup,
    ContactType,
    Distribution,
    Scenario,
    Skill,
    replication_kpis,
    simulate,
    single_queue,
)
from sim.calibration.durations import fit_duration
from sim.calibration.estimate import calibrate
from sim.calibration.patience import fit_patience
from sim.calibration.simulated import simulated_log
from sim.cli.app import compose_config
from sim.cli.calibrate_job import calibrated_files
from sim.config.calibrate import CalibrationSpec
from sim.config.contact_log import contact_log_csv, read_contact_log
from sim.config.run import build_run
from sim.core.contact_log import ContactLog
from sim.core.provenance import DataFile

pytestmark = pytest.mark.validation

SEED = 20261123
MONDAY = dt.date(2026, 3, 2)
#: The two-sided level of Z standard errors: the intervals a single dataset is judged by.
LEVEL = float(2 * stats.norm.cdf(Z) - 1)

# Two queues with their own agents: lognormal talk, gamma wrap-up, exponential patience;
# gamma talk, lognormal wrap-up, lognormal patience.
TRUTH = {
    "a": {
        "handle": Distribution("lognormal", 240.0, 0.9),
        "wrap": Distribution("gamma", 30.0, 0.5),
        "patience": Distribution.exponential(120.0),
    },
    "b": {
        "handle": Distribution("gamma", 180.0, 0.6),
        "wrap": Distribution("lognormal", 20.0, 0.7),
        "patience": Distribution("lognormal", 200.0, 1.2),
    },
}


def _through_csv(log: ContactLog, tmp_path) -> ContactLog:
    """The log as a telephony export would hold it (seconds and tenths), read back."""
    path = tmp_path / "log.csv"
    path.write_text(contact_log_csv(log), encoding="utf-8")
    return read_contact_log(path)


def _two_queues() -> Scenario:
    types = tuple(
        ContactType(
            name,
            (80.0,) * 16,
            law["handle"],
            wrap_up=law["wrap"],
            patience=law["patience"],
        )
        for name, law in TRUTH.items()
    )
    groups = (
        AgentGroup("ga", (12,) * 16, (Skill("a"),)),
        AgentGroup("gb", (8,) * 16, (Skill("b"),)),
    )
    return Scenario("two", 1800.0, types, groups, start_clock_seconds=8 * 3600.0)


@pytest.fixture(scope="module")
def two_queues(tmp_path_factory):
    scenario = _two_queues()
    log = simulated_log(scenario, [simulate(scenario, SEED, r) for r in range(6)], MONDAY)
    log = _through_csv(log, tmp_path_factory.mktemp("log"))
    return log, calibrate(log, 1800.0, level=LEVEL)


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_calibration_recovers_the_laws_the_log_was_simulated_with(two_queues, name):
    """True means and cvs inside the Z = 4 intervals, the right family for each law."""
    log, cal = two_queues
    (t,) = [t for t in cal.types if t.name == name]
    truth = TRUTH[name]
    assert 0.05 <= t.abandoned / t.contacts <= 0.20, t.abandoned / t.contacts
    assert t.handle.family == truth["handle"].kind and t.handle.aic_margin > 10
    assert t.handle.mean.covers(truth["handle"].mean), t.handle.mean
    assert t.handle.cv.covers(truth["handle"].cv), t.handle.cv
    assert t.wrap is not None and t.wrap.family == truth["wrap"].kind
    assert t.wrap.mean.covers(truth["wrap"].mean), t.wrap.mean
    assert t.wrap.cv.covers(truth["wrap"].cv), t.wrap.cv
    p = t.patience
    assert p is not None and p.family == truth["patience"].kind and p.aic_margin > 10
    assert p.mean.covers(truth["patience"].mean), p.mean
    if p.family == "lognormal":
        assert p.lognormal_cv is not None and p.lognormal_cv.covers(truth["patience"].cv)
    # The naive estimate, on the same data, is far below the truth and its interval.
    assert p.naive_mean < 0.4 * truth["patience"].mean < p.mean.low, (p.naive_mean, p.mean)


# -- a calibrated day reproduces the log ---------------------------------------------------

POOL = single_queue(
    "pool",
    1800.0,
    [80.0] * 16,
    [12] * 16,
    Distribution("lognormal", 240.0, 0.9),
    wrap_up=Distribution("gamma", 30.0, 0.5),
    patience=Distribution("lognormal", 180.0, 1.0),
    start_clock_seconds=8 * 3600.0,
)
DAYS = 10


def _kpis(scenario: Scenario, seed: int) -> dict[str, np.ndarray]:
    runs = [replication_kpis(simulate(scenario, seed, r), scenario) for r in range(DAYS)]
    return {k: np.array([run[k] for run in runs]) for k in ("service_level", "abandon_rate")}


def _tolerance(a: np.ndarray, b: np.ndarray) -> float:
    """Z standard errors of the difference of two means over independent days."""
    return Z * math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))


def test_a_calibrated_scenario_reproduces_the_logs_service_level_and_abandon_rate(tmp_path):
    """The scenario files mode=calibrate writes load as a day scenario (inferred staffing:
    the log's 12 agents) and, simulated on other days, give the log's service level and
    abandon rate; the naive patience (mean of abandon times) would not."""
    log = _through_csv(
        simulated_log(POOL, [simulate(POOL, SEED, r) for r in range(DAYS)], MONDAY), tmp_path
    )
    cal = calibrate(log, 1800.0, threshold_seconds=20.0)
    assert cal.demand.staffing[""].tolist() == [12] * 16 and cal.demand.exact[""].all()
    spec = CalibrationSpec("pool_cal", "log.csv", 30, 20.0, 0.8, log, DataFile("k", "p", 0, "0"))
    for relative, text in calibrated_files(spec, cal).items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text, encoding="utf-8")
    cfg = compose_config(
        [
            f"hydra.searchpath=[file://{tmp_path / 'configs'}]",
            "scenario=pool_cal",
            f"scenario.data_dir={tmp_path / 'scenarios' / 'pool_cal'}",
            "scenario.allow_outside_paths=true",
        ]
    )
    calibrated = build_run(cfg).scenario
    assert calibrated.groups[0].staffing == (12,) * 16
    simulated = _kpis(calibrated, SEED + 1)
    logged = cal.observed["all"]
    naive = calibrated.with_type(
        0, patience=Distribution.exponential(cal.types[0].patience.naive_mean)
    )
    wrong = _kpis(naive, SEED + 1)
    # The naive patience is far too short: the service level rises by far more than two
    # tolerances (about 20 points), the abandon rate by more than one.
    for kpi, margin in (("service_level", 2.0), ("abandon_rate", 1.0)):
        tol = _tolerance(simulated[kpi], logged[kpi])
        diff = simulated[kpi].mean() - logged[kpi].mean()
        assert abs(diff) <= tol, (kpi, simulated[kpi].mean(), logged[kpi].mean(), tol)
        gap = wrong[kpi].mean() - logged[kpi].mean()
        assert gap > margin * _tolerance(wrong[kpi], logged[kpi]), (kpi, gap)


# -- the stated 95% intervals cover ----------------------------------------------------------

SAMPLES = 100
MIN_COVERED = 88


def test_the_95_percent_intervals_of_handle_times_cover_their_truth():
    """Lognormal and gamma samples of 400: each interval covers its truth in >= 88 of 100."""
    rng = np.random.default_rng(SEED)
    covered: dict[str, int] = {}
    for law in (Distribution("lognormal", 240.0, 0.9), Distribution("gamma", 180.0, 0.6)):
        for _ in range(SAMPLES):
            fit = fit_duration(law.sample(rng, 400))
            for what, interval, truth in (
                ("mean", fit.mean, law.mean),
                ("cv", fit.cv, law.cv),
            ):
                key = f"{law.kind} {what}"
                covered[key] = covered.get(key, 0) + (
                    fit.family == law.kind and interval.covers(truth)
                )
    assert all(n >= MIN_COVERED for n in covered.values()), covered


def test_the_95_percent_intervals_of_censored_patience_cover_their_truth():
    """Patience censored by answers (answer times exponential, mean 60 s: 30-50% abandon):
    400 contacts a sample; exponential and lognormal intervals cover in >= 88 of 100."""
    rng = np.random.default_rng(SEED + 1)
    covered: dict[str, int] = {}
    for law in (Distribution.exponential(120.0), Distribution("lognormal", 180.0, 1.0)):
        for _ in range(SAMPLES):
            patience, answer = law.sample(rng, 400), rng.exponential(60.0, 400)
            fit = fit_patience(np.minimum(patience, answer), patience <= answer)
            if law.kind == "exponential":
                checks = [("mean", fit.exponential_mean, law.mean)]
            else:
                assert fit.lognormal_mean is not None and fit.lognormal_cv is not None
                checks = [("mean", fit.lognormal_mean, law.mean), ("cv", fit.lognormal_cv, law.cv)]
            for what, interval, truth in checks:
                key = f"{law.kind} {what}"
                covered[key] = covered.get(key, 0) + interval.covers(truth)
    assert all(n >= MIN_COVERED for n in covered.values()), covered
