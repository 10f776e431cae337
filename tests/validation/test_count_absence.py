"""Absence of groups staffed by counts (issue 10): the table's agents as slots.

The statistical tests simulate R days of one count-staffed group and no contacts, with a
fixed seed, so the agents logged in are exactly the slots present. Tolerances are 4
standard errors of the mean over the R days, from the exact binomial variance (not
estimated): a correct model passes for any seed with probability > 99.99%, and with the
fixed seed the test is deterministic. Each also checks that a model ignoring the effect
would fail by far.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from sim.cli.app import compose_config
from sim.config.run import ConfigError, build_run
from sim.core.distributions import Distribution
from sim.core.scenario import AgentGroup, ContactType, Scenario, Skill
from sim.core.streams import Streams
from sim.core.workforce import Absenteeism
from sim.model.draws import ContactDraws
from sim.model.world import ContactCenter, simulate

pytestmark = pytest.mark.validation

R = 300
HOUR = 3600.0
STAFFING = (20, 20, 30, 30, 30, 25, 20, 10)  # agents per one-hour interval


def days(absence: Absenteeism):
    """R simulated days (seed 11) of one count-staffed group, no contacts."""
    calls = ContactType("calls", (0.0,) * len(STAFFING), Distribution.exponential(1.0))
    group = AgentGroup("team", STAFFING, (Skill("calls"),), absenteeism=absence)
    scen = Scenario("absence", HOUR, (calls,), (group,))
    empty = ContactDraws.scripted([], [])
    for r in range(R):
        yield ContactCenter(scen, empty, Streams(11, r)).run()


def logged_in_at_midpoints(o) -> np.ndarray:
    """Agents logged in at the middle of each interval."""
    mids = (np.arange(len(STAFFING)) + 0.5) * HOUR
    return np.array([((o.login_at <= t) & (o.logout_at > t)).sum() for t in mids])


def test_no_show_thins_each_interval_binomially_and_for_the_whole_day():
    """p = 0.15: mean logged in per interval = staffing x (1 - p) within 4 SE (exact
    binomial SE over R days); a no-show misses the whole day (slot i < 10 is due in every
    interval, so the intervals of one day differ only by the slots that differ)."""
    p = 0.15
    x = np.array([logged_in_at_midpoints(o) for o in days(Absenteeism(p))])  # R x intervals
    s = np.array(STAFFING)
    se = np.sqrt(s * p * (1 - p) / R)
    assert np.all(np.abs(x.mean(axis=0) - s * (1 - p)) <= 4 * se), (x.mean(axis=0), s * (1 - p))
    assert np.all(s - s * (1 - p) > 8 * se)  # ignoring no-shows would fail
    # Total over the day: slot i is due in n_i intervals; Var = p(1-p) sum n_i^2.
    n_i = np.array([(s > i).sum() for i in range(s.max())])
    se_total = math.sqrt(p * (1 - p) * (n_i**2).sum() / R)
    assert abs(x.sum(axis=1).mean() - (1 - p) * s.sum()) <= 4 * se_total
    # Day-consistent: the 10 agents of the last interval are slots 0-9, due all day, so
    # every interval has at least as many present as the last, and at most its extra slots.
    extra = s - s[-1]
    assert np.all((x - x[:, -1:] >= 0) & (x - x[:, -1:] <= extra))


def test_late_log_in_of_slots_loses_probability_times_mean_delay():
    """Late with probability 0.3 by exponential(20 min): each slot loses 6 min a day."""
    q, mean = 0.3, 20.0
    absence = Absenteeism(late_probability=q, late_seconds=Distribution.exponential(60.0 * mean))
    due = sum(STAFFING) * HOUR
    slots = max(STAFFING)
    lost = np.array([(due - (o.logout_at - o.login_at).sum()) / 60 / slots for o in days(absence)])
    # per slot: L = B * X, B ~ Bernoulli(q), X ~ Exp(mean), Var = q(2 - q) mean^2; a delay
    # longer than the slot's day is cut there: the shortest slot's day is 2 h, P(X > 2 h) ~ 0.2%.
    se = math.sqrt(q * (2 - q)) * mean / math.sqrt(slots * R)
    assert abs(lost.mean() - q * mean) <= 4 * se + 0.01 * q * mean
    assert q * mean > 8 * se


# --- exactness: no absence, no change; common random numbers -------------------------------


def _default(*overrides: str) -> Scenario:
    """The default scenario as the command line composes it, with ``overrides``."""
    return build_run(compose_config(overrides)).scenario


def _short(scenario: Scenario) -> Scenario:
    """The first 6 intervals of ``scenario`` (a fast day with the same shape)."""
    n = 6
    return dataclasses.replace(
        scenario,
        contact_types=tuple(
            dataclasses.replace(t, forecast=t.forecast[:n]) for t in scenario.contact_types
        ),
        groups=tuple(dataclasses.replace(g, staffing=g.staffing[:n]) for g in scenario.groups),
    )


def _arrays(o) -> dict[str, object]:
    return {f.name: getattr(o, f.name) for f in dataclasses.fields(o)}


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    return a == b


@pytest.fixture(scope="module")
def default():
    return _short(_default())


def test_zero_probability_is_byte_identical_to_no_absenteeism(default):
    """A count group with all probabilities 0 draws nothing: every outcome array is
    byte-identical to the run without absenteeism."""
    zero = _short(_default("+scenario.groups.sales.absenteeism.no_show_probability=0"))
    sales = zero.groups[zero.group_names.index("sales")]
    assert not sales.scheduled and sales.absenteeism == Absenteeism()
    a, b = _arrays(simulate(default, 5, 1)), _arrays(simulate(zero, 5, 1))
    assert [k for k in a if not _same(a[k], b[k])] == []


def test_absence_leaves_the_other_streams_alone(default):
    """With no-shows in sales, the contacts' own draws are the same (common random
    numbers), while the staffing, and so the outcome, differs."""
    g = default.group_names.index("sales")
    groups = list(default.groups)
    groups[g] = dataclasses.replace(groups[g], absenteeism=Absenteeism(0.3))
    absent = dataclasses.replace(default, groups=tuple(groups))
    a, b = simulate(default, 5, 1), simulate(absent, 5, 1)
    for name in ("arrival", "contact_type", "handle", "wrap"):
        assert _same(getattr(a, name), getattr(b, name)), name
    sales_a = (a.agent_group == g).sum()
    sales_b = (b.agent_group == g).sum()
    assert sales_b < sales_a  # fewer sales agents logged in over the day


# --- config ----------------------------------------------------------------------------------


def test_count_group_absenteeism_is_set_from_the_command_line():
    """``+scenario.groups.<group>.absenteeism...`` reaches a group the YAML does not list."""
    s = _default("+scenario.groups.sales.absenteeism.no_show_probability=0.1")
    sales = s.groups[s.group_names.index("sales")]
    assert not sales.scheduled and sales.absenteeism.no_show_probability == 0.1


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        (
            "+scenario.groups.sales.absenteeism.no_show_probability=1.5",
            "scenario.groups.sales.absenteeism.no_show_probability = 1.5: must be a "
            "probability in [0, 1]",
        ),
        (
            "+scenario.groups.nobody.absenteeism.no_show_probability=0.1",
            "scenario.groups.nobody: no column 'nobody' in scenario.staffing_file "
            "(staffing.csv); allowed: a group of the staffing or the schedule: "
            "['sales', 'service', 'billing', 'bilingual', 'digital']",
        ),
        (
            "+scenario.groups.sales.absenteeism.no_show=0.1",
            "scenario.groups.sales.absenteeism.no_show: unknown key (misspelt?); allowed: "
            "['no_show_probability', 'late_probability', 'late_minutes', "
            "'early_leave_probability', 'early_leave_minutes', 'aux_per_hour', 'aux_minutes']",
        ),
    ],
    ids=["probability>1", "unknown-group", "misspelt-key"],
)
def test_bad_count_group_absenteeism_is_refused(override, expected):
    with pytest.raises(ConfigError) as info:
        _default(override)
    assert info.value.problems == [expected]
