"""Absenteeism draws against their expectations.

Each test simulates R days of a group of N agents on 8-hour shifts with no contacts, with a
fixed seed. The tolerance is 4 standard errors of the mean over the R days (computed from
the exact binomial or compound-Poisson variance, not estimated), so a correct model passes
for any seed with probability > 99.99%; each test also checks that the value a model
ignoring the effect would give lies far outside.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.core.distributions import Distribution
from sim.core.scenario import AgentGroup, ContactType, Scenario, Skill
from sim.core.streams import Streams
from sim.core.workforce import Absenteeism, Shift
from sim.kpi.definitions import replication_kpis
from sim.model.draws import ContactDraws
from sim.model.states import AwayKind
from sim.model.world import ContactCenter

pytestmark = pytest.mark.validation

N, R, HOURS = 40, 200, 8
SHIFT = HOURS * 3600.0


def days(absence: Absenteeism):
    calls = ContactType("calls", (0.0,) * HOURS, Distribution.exponential(1.0))
    shifts = tuple(Shift(f"a{i}", 0.0, SHIFT) for i in range(N))
    group = AgentGroup(
        "team", (0.0,) * HOURS, (Skill("calls"),), shifts=shifts, absenteeism=absence
    )
    scen = Scenario("absence", 3600.0, (calls,), (group,))
    empty = ContactDraws.scripted([], [])
    for r in range(R):
        yield scen, ContactCenter(scen, empty, Streams(7, r)).run()


def test_no_show_leaves_one_minus_p_of_the_scheduled_staff():
    """Mean agents logged in = (1 - p) x scheduled, p = 0.15."""
    p = 0.15
    logged = np.array([replication_kpis(o, s)["agents_logged_in"] for s, o in days(Absenteeism(p))])
    se = math.sqrt(N * p * (1 - p)) / math.sqrt(R)
    assert abs(logged.mean() - (1 - p) * N) <= 4 * se
    assert abs(N - (1 - p) * N) > 8 * se  # ignoring no-shows would fail


def test_late_log_in_loses_probability_times_mean_delay():
    """Late with probability 0.3 by exponential(20 min): logged-in time per agent drops by 6 min."""
    q, mean = 0.3, 20.0
    absence = Absenteeism(late_probability=q, late_seconds=Distribution.exponential(60.0 * mean))
    lost = np.array([(SHIFT - o.logout_at + o.login_at).sum() / 60 / N for _, o in days(absence)])
    # per agent: late minutes L = B * X, B ~ Bernoulli(q), X ~ Exp(mean): Var = q(2 - q) mean^2
    se = math.sqrt(q * (2 - q)) * mean / math.sqrt(N * R)
    assert abs(lost.mean() - q * mean) <= 4 * se
    assert q * mean > 8 * se


def test_aux_time_matches_rate_times_hours_times_duration():
    """Aux at 0.5 per hour of mean 6 min: 4 occurrences and 24 minutes per 8-hour shift."""
    rate, mean = 0.5, 6.0
    absence = Absenteeism(aux_per_hour=rate, aux_seconds=Distribution.exponential(60.0 * mean))
    aux_code = AwayKind.AUX
    counts, minutes = [], []
    for _, o in days(absence):
        mask = o.away_kind == aux_code
        counts.append(mask.sum() / N)
        minutes.append((o.away_end[mask] - o.away_start[mask]).sum() / 60 / N)
    expected = rate * HOURS
    se_count = math.sqrt(expected / (N * R))  # Poisson
    se_minutes = math.sqrt(expected * 2 * mean**2 / (N * R))  # compound Poisson: E[X^2] = 2 mean^2
    # Aux time that would run past the shift end is cut there: a small, known downward bias.
    assert abs(np.mean(counts) - expected) <= 4 * se_count
    assert abs(np.mean(minutes) - expected * mean) <= 4 * se_minutes + 0.02 * expected * mean
