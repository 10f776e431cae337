"""Outages and redials against their expectations on a steady queue.

The queue: M/M/14, 200 calls an hour, AHT 180 s (10 erlangs), nobody abandons and there is
no line limit, so the only contacts that are not answered are the ones an outage loses, and
the only redials are theirs. One hour of outage, 3:00-4:00 into a 9-hour day; R = 20 days
with a fixed seed.

How the tolerances are set: arrivals are Poisson, so the contacts arriving in the window,
all lost, are Poisson(λT) per day (λT = 200); each lost contact calls again independently
with probability p, so the redials are a thinning, Poisson(pλT), and the arrivals in the
hour after the window are Poisson(λT + pλT) (the delay, exponential with a 5-minute mean,
falls past the hour with probability e^-12: ignored). The redials given the lost are
Binomial(lost, p). Handle times are drawn before the day and a contact's own draw does not
decide when it is taken (first come, first served), so the mean work of contacts taken in a
crm_slow window is f x AHT with the exponential's standard error AHT f / sqrt(n). Every
check is held to 4 standard errors (a correct model passes with probability > 99.99% for
any seed), and each test asserts that the answer of a model ignoring the effect lies more
than 8 standard errors away.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from sim.core.disruptions import Outage, Redials
from sim.core.distributions import Distribution
from sim.core.scenario import erlang_scenario
from sim.core.streams import Streams
from sim.model.draws import draw_contacts
from sim.model.states import ContactState
from sim.model.world import ContactCenter

pytestmark = pytest.mark.validation

SEED = 20261123
R = 20
RATE = 200 / 3600  # calls a second
AHT = 180.0
START, END = 3 * 3600.0, 4 * 3600.0
BASE = erlang_scenario(200, AHT, 14, None, hours=8, warmup_hours=1)


def days(scenario):
    for r in range(R):
        streams = Streams(SEED, r)
        yield ContactCenter(scenario, draw_contacts(scenario, streams), streams).run()


def test_telephony_window_loses_exactly_its_arrivals():
    """Nothing arriving in the window is answered; lost ≈ λT = 200 a day (Poisson)."""
    scen = dataclasses.replace(BASE, outages=(Outage("telephony", START, END - START),))
    lost = []
    for out in days(scen):
        inside = (out.arrival >= START) & (out.arrival < END)
        assert not (inside & (out.state == ContactState.ANSWERED)).any()
        assert ((out.state == ContactState.LOST) == inside).all()  # exactly the window's arrivals
        lost.append(inside.sum())
    expected = RATE * (END - START)
    se = math.sqrt(expected / R)
    assert abs(np.mean(lost) - expected) <= 4 * se, (np.mean(lost), expected, se)
    assert expected > 8 * se  # a model losing nothing would fail


def test_redials_after_a_telephony_window_make_the_configured_surge():
    """p = 0.7, delay exp(5 min): redials ≈ p x lost, all after the window's end, with the
    configured mean delay; the hour after the window gets λT + p λT arrivals, not λT."""
    p, mean_delay = 0.7, 300.0
    scen = dataclasses.replace(
        BASE,
        outages=(Outage("telephony", START, END - START),),
        redials=Redials(p, Distribution.exponential(mean_delay)),
    )
    lost_total, redial_total, after, delays = 0, 0, [], []
    for out in days(scen):
        n = out.originals
        lost = out.state[:n] == ContactState.LOST
        called = out.state[n:] != ContactState.UNUSED
        assert not (called & ~lost).any()  # only lost contacts call again here
        when = out.arrival[n:][called]
        assert (when >= END).all()
        lost_total += int(lost.sum())
        redial_total += int(called.sum())
        delays.extend(when - END)
        after.append(((out.arrival >= END) & (out.arrival < END + 3600)).sum())
    se = math.sqrt(lost_total * p * (1 - p))  # binomial, given the lost
    assert abs(redial_total - p * lost_total) <= 4 * se, (redial_total, p * lost_total, se)
    assert p * lost_total > 8 * se
    se_delay = mean_delay / math.sqrt(len(delays))
    assert abs(np.mean(delays) - mean_delay) <= 4 * se_delay
    expected = (1 + p) * RATE * 3600  # Poisson(λT) first attempts + Poisson(pλT) redials
    se_after = math.sqrt(expected / R)
    assert abs(np.mean(after) - expected) <= 4 * se_after, (np.mean(after), expected)
    assert expected - RATE * 3600 > 8 * se_after  # no surge would fail


def test_crm_slow_window_multiplies_mean_work_by_its_factor():
    """f = 1.5 in the window: mean work of contacts taken inside ≈ 1.5 AHT, outside ≈ AHT."""
    f = 1.5
    scen = dataclasses.replace(BASE, outages=(Outage("crm_slow", START, END - START, factor=f),))
    inside, outside = [], []
    for out in days(scen):
        taken = out.state == ContactState.ANSWERED
        during = taken & (out.resolved_at >= START) & (out.resolved_at < END)
        np.testing.assert_allclose(out.work[during], f * out.handle[during], rtol=1e-12)
        np.testing.assert_allclose(out.work[taken & ~during], out.handle[taken & ~during])
        inside.extend(out.work[during])
        outside.extend(out.work[taken & ~during])
    se_in = f * AHT / math.sqrt(len(inside))
    se_out = AHT / math.sqrt(len(outside))
    assert abs(np.mean(inside) - f * AHT) <= 4 * se_in, (np.mean(inside), se_in)
    assert abs(np.mean(outside) - AHT) <= 4 * se_out, (np.mean(outside), se_out)
    assert (f - 1) * AHT > 8 * se_in  # an unslowed window would fail
    ratio = np.mean(inside) / np.mean(outside)
    assert abs(ratio - f) <= 4 * math.hypot(se_in / AHT, f * se_out / AHT)
