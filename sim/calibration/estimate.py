"""Everything ``mode=calibrate`` estimates from a contact log, and its table.

Per contact type: the handle time (talk) and the wrap-up fitted as in
:mod:`sim.calibration.durations` (the model draws them separately: ``handle_time`` and
``wrap_up``), the patience as in :mod:`sim.calibration.patience`; for the day: arrivals,
inferred staffing and the log's KPIs (:mod:`sim.calibration.demand`).

The table (``calibration.csv``) has one row per contact type and parameter, with the
columns of :data:`CALIBRATION_COLUMNS`. A family row (``handle_time_family``,
``wrap_up_family``, ``patience_family``) names the chosen law in ``method`` and gives in
``estimate`` how much lower its AIC is than the other family's (NaN with one candidate);
the others give an estimate, its interval (empty where there is none) and how it was made.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.calibration.demand import Demand, estimate_demand, observed_kpis
from sim.calibration.durations import DurationFit, Interval, fit_duration
from sim.calibration.patience import PatienceFit, fit_patience
from sim.core.contact_log import MIN_FIT_VALUES, ContactLog

__all__ = ["CALIBRATION_COLUMNS", "Calibration", "TypeEstimate", "calibrate", "calibration_rows"]

#: The columns of ``calibration.csv``.
CALIBRATION_COLUMNS: tuple[str, ...] = (
    "contact_type",
    "parameter",
    "estimate",
    "ci_low",
    "ci_high",
    "method",
)


@dataclass(frozen=True)
class TypeEstimate:
    """One contact type's counts and laws.

    ``wrap``: ``None`` when fewer than :data:`~sim.core.contact_log.MIN_FIT_VALUES`
    answered contacts have a positive wrap-up (the scenario gets ``wrap_up: null``);
    ``patience``: ``None`` without abandons (``patience: null``: nobody abandons).
    """

    name: str
    contacts: int
    answered: int
    abandoned: int
    blocked: int
    handle: DurationFit
    wrap: DurationFit | None
    wrap_recorded: int
    patience: PatienceFit | None


@dataclass(frozen=True)
class Calibration:
    """The estimates of one log: per type, the day's demand and the log's KPIs per day
    (``observed``: all types under ``"all"``, then each type's; see
    :func:`~sim.calibration.demand.observed_kpis`)."""

    types: tuple[TypeEstimate, ...]
    demand: Demand
    observed: dict[str, dict[str, np.ndarray]]
    threshold_seconds: float
    level: float = 0.95


def calibrate(
    log: ContactLog, interval_seconds: float, threshold_seconds: float = 20.0, level: float = 0.95
) -> Calibration:
    """Estimate every type's laws and the day's demand from ``log``.

    ``ValueError`` if a type has fewer than :data:`~sim.core.contact_log.MIN_FIT_VALUES`
    answered contacts with a positive talk time (the config layer checks this first).
    """
    types = []
    observed = {"all": observed_kpis(log, threshold_seconds)}
    for k, name in enumerate(log.types):
        mine = log.of_type(k)
        observed[name] = observed_kpis(mine, threshold_seconds)
        answered = mine.answered
        wraps = mine.wrap[answered]
        recorded = int(np.count_nonzero(np.isfinite(wraps)))
        wrap = fit_duration(wraps, level) if np.count_nonzero(wraps > 0) >= MIN_FIT_VALUES else None
        live = ~mine.blocked
        patience = (
            fit_patience(mine.wait[live], mine.abandoned[live], level)
            if mine.abandoned.any() and float(np.sum(mine.wait[live])) > 0
            else None
        )
        types.append(
            TypeEstimate(
                name,
                len(mine),
                int(answered.sum()),
                int(mine.abandoned.sum()),
                int(mine.blocked.sum()),
                fit_duration(mine.talk[answered], level),
                wrap,
                recorded,
                patience,
            )
        )
    return Calibration(
        tuple(types), estimate_demand(log, interval_seconds), observed, threshold_seconds, level
    )


def _row(name: str, parameter: str, value: Interval | float, method: str) -> dict[str, object]:
    interval = value if isinstance(value, Interval) else Interval(float(value))
    return {
        "contact_type": name,
        "parameter": parameter,
        "estimate": interval.estimate,
        "ci_low": interval.low,
        "ci_high": interval.high,
        "method": method,
    }


def _duration_rows(name: str, prefix: str, fit: DurationFit) -> list[dict[str, object]]:
    how = fit.describe()
    return [
        _row(name, f"{prefix}_family", fit.aic_margin, fit.family),
        _row(name, f"{prefix}_mean_seconds", fit.mean, how),
        _row(name, f"{prefix}_cv", fit.cv, how),
    ]


def calibration_rows(cal: Calibration) -> list[dict[str, object]]:
    """The rows of ``calibration.csv`` (see the module's description), type by type."""
    rows: list[dict[str, object]] = []
    level = f"{cal.level:.0%} CI"
    for t in cal.types:
        n = t.name
        rows += [
            _row(n, "contacts", t.contacts, "count"),
            _row(n, "answered", t.answered, "count"),
            _row(n, "abandoned", t.abandoned, "count"),
            _row(n, "blocked", t.blocked, "count"),
        ]
        rows += _duration_rows(n, "handle_time", t.handle)
        if t.wrap is not None:
            rows += _duration_rows(n, "wrap_up", t.wrap)
        else:
            rows.append(
                _row(
                    n,
                    "wrap_up_mean_seconds",
                    0.0,
                    f"not fitted: {t.wrap_recorded} answered contact(s) with a wrap-up "
                    f"recorded, fewer than {MIN_FIT_VALUES} positive: wrap_up null",
                )
            )
        p = t.patience
        if p is None:
            rows.append(
                _row(
                    n,
                    "patience_mean_seconds",
                    math.nan,
                    "not estimable: no abandons; patience null",
                )
            )
            continue
        counts = f"{p.abandons} abandons, {p.censored} answered waits as censored observations"
        exp_how = (
            f"exponential censored MLE: total wait of non-blocked contacts / abandons ({counts}); "
            f"{level}: chi-square with 2 x abandons degrees of freedom"
        )
        logn_how = f"lognormal censored MLE ({counts}); {level}: observed information, delta method"
        rows.append(_row(n, "patience_family", p.aic_margin, p.family))
        rows.append(
            _row(
                n,
                "patience_mean_seconds",
                p.mean,
                exp_how if p.family == "exponential" else logn_how,
            )
        )
        if p.family == "lognormal" and p.lognormal_cv is not None:
            rows.append(_row(n, "patience_cv", p.lognormal_cv, logn_how))
        else:
            rows.append(_row(n, "patience_cv", 1.0, "exponential: cv 1 by definition"))
        rows.append(_row(n, "patience_exponential_mean_seconds", p.exponential_mean, exp_how))
        if p.lognormal_mean is not None and p.lognormal_cv is not None:
            rows.append(_row(n, "patience_lognormal_mean_seconds", p.lognormal_mean, logn_how))
            rows.append(_row(n, "patience_lognormal_cv", p.lognormal_cv, logn_how))
        rows.append(
            _row(
                n,
                "abandon_time_mean_seconds",
                p.naive_mean,
                "mean wait of the abandoned contacts: biased low (the patient callers were "
                "answered first), not an estimate of patience; not used",
            )
        )
    return rows
