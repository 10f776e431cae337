"""Exact oracle: a single FCFS queue's waits equal the Kiefer-Wolfowitz recursion on the same draws."""

from __future__ import annotations

import heapq

import numpy as np
import pytest

from sim.core.distributions import Distribution
from sim.core.scenario import erlang_scenario
from sim.core.streams import Streams
from sim.model.draws import draw_contacts
from sim.model.states import ContactState
from sim.model.world import ContactCenter

TOL = 1e-9


def kiefer_wolfowitz(arrival, handle, wrap, patience, servers):
    """Waits and abandon flags of a FCFS ``servers``-server queue, contact by contact.

    ``free`` holds the times each server becomes free (a heap: its minimum is the earliest).
    An abandoning contact waits its patience and adds no work.
    """
    free = [0.0] * servers
    wait = np.empty(len(arrival))
    abandoned = np.zeros(len(arrival), dtype=bool)
    for i, (a, h, w, p) in enumerate(zip(arrival, handle, wrap, patience, strict=True)):
        start = max(a, free[0])
        if start - a > p:
            wait[i], abandoned[i] = p, True
        else:
            wait[i] = start - a
            heapq.heapreplace(free, start + h + w)
    return wait, abandoned


def lognormal_wrap(scen, aht, cv, wrap_mean):
    return scen.with_type(
        0,
        handle_time=Distribution("lognormal", aht, cv),
        wrap_up=None if wrap_mean is None else Distribution("gamma", wrap_mean, 0.5),
    )


CASES = {
    # name: (scenario, seed); erlang_scenario gives constant staffing, warm-up 0 here.
    "mm20_rho95": (erlang_scenario(380, 180, 20, hours=8, warmup_hours=0), 11),
    "mm5_rho60": (erlang_scenario(36, 300, 5, hours=80, warmup_hours=0), 12),
    "mm1_rho90": (erlang_scenario(18, 180, 1, hours=200, warmup_hours=0), 13),
    "mm20_abandon_overloaded": (
        erlang_scenario(480, 180, 20, patience_seconds=120, hours=8, warmup_hours=0),
        14,
    ),
    "lognormal_wrap_rho95": (
        lognormal_wrap(
            erlang_scenario(380, 150, 20, hours=8, warmup_hours=0), 150, 0.8, wrap_mean=30
        ),
        15,
    ),
    "lognormal_wrap_abandon": (
        lognormal_wrap(
            erlang_scenario(400, 120, 15, patience_seconds=60, hours=8, warmup_hours=0),
            120,
            1.5,
            wrap_mean=40,
        ),
        16,
    ),
    "lognormal_no_wrap_abandon": (
        lognormal_wrap(
            erlang_scenario(300, 200, 16, patience_seconds=200, hours=8, warmup_hours=0),
            200,
            0.5,
            wrap_mean=None,
        ),
        17,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_model_matches_kiefer_wolfowitz(name):
    """Per-contact waits and answered/abandoned states equal the KW recursion on the same draws."""
    scen, seed = CASES[name]
    assert scen.warmup_intervals == 0 and len(set(scen.groups[0].staffing)) == 1
    draws = draw_contacts(scen, Streams(seed, 0))
    out = ContactCenter(scen, draws).run()
    assert len(out.arrival) > 2000

    wait, abandoned = kiefer_wolfowitz(
        draws.arrival.tolist(),
        draws.handle.tolist(),
        draws.wrap.tolist(),
        draws.patience.tolist(),
        scen.groups[0].staffing[0],
    )
    resolved_in_day = draws.arrival + wait < scen.horizon_seconds
    # Contacts the oracle resolves after the horizon are exactly those still waiting.
    np.testing.assert_array_equal(out.state == ContactState.WAITING, ~resolved_in_day)

    r = resolved_in_day
    expected_state = np.where(abandoned[r], ContactState.ABANDONED, ContactState.ANSWERED)
    np.testing.assert_array_equal(out.state[r], expected_state)
    np.testing.assert_allclose(out.wait[r], wait[r], rtol=0, atol=TOL)
    np.testing.assert_array_equal(out.queued[r], wait[r] > 0)

    # The cases exercise what they are named for.
    if scen.contact_types[0].patience is not None:
        assert abandoned[r].sum() > 50
    assert (wait[r] > 0).sum() > 100
