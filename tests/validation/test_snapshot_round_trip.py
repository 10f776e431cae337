"""A day continued from a snapshot has the distribution of the uninterrupted day.

ccsim simulates the default day (policy ``none``) R = 80 times, takes each day's state
at 11:20 (:func:`~sim.kpi.snapshot.day_state_at`: what an analyst sees then), and
continues each from its snapshot on fresh streams (seed + 1). Day r's uninterrupted KPIs
and its continuation share the morning and differ only in the rest of the day, whose
law must be the same: the contacts waiting have waited, the agents are in the middle of
their contacts, and what is left of patience and work is drawn given the time already
spent. So the paired difference of every day KPI has mean 0. Tolerance: 4 standard errors
of the mean paired difference, estimated from the 80 pairs (seeds fixed: the same numbers
on every run; a correct model misses one KPI with probability about 6e-5, about 0.5% for
the 88 checked together). Measured with these seeds: every |z| below 2.3 (with 120 pairs:
below 2.3 too).

The test can fail: a continuation that forgets the contacts waiting and in hand at the
moment (everything else the same) is off by more than 4 standard errors, asserted below.
And the snapshot file ccsim writes reads back to the same state and the same day.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

import sim
from sim.config.snapshot_file import read_snapshot
from sim.experiment.snapshots import snapshot_document
from sim.kpi.definitions import breakdown
from sim.kpi.snapshot import day_state_at
from sim.model.world import simulate

pytestmark = pytest.mark.validation

SEED, REPLICATIONS, AT = 20261123, 80, "11:20"
#: The day KPIs compared, on the all-contacts row, each contact type's and each group's.
TYPE_KPIS = (
    "offered",
    "answered",
    "abandoned",
    "service_level",
    "abandon_rate",
    "asa_seconds",
    "aht_seconds",
    "wait_probability",
    "queue_length",
)
GROUP_KPIS = ("answered", "aht_seconds", "occupancy", "agents_logged_in", "cost")


def _day(outcome, scenario) -> dict[tuple[str, str, str], float]:
    values = {}
    for contact_type, group, day, _ in breakdown(outcome, scenario):
        names = GROUP_KPIS if group != "all" else TYPE_KPIS
        for name in names:
            values[(contact_type, group, name)] = day[name]
    return values


@pytest.fixture(scope="module")
def pairs():
    spec = sim.load("default", overrides=["policies=none", f"run.snapshot_at={AT}"])
    scenario, at = spec.scenario, spec.snapshot_at
    full, continued, forgetful, states = [], [], [], []
    for r in range(REPLICATIONS):
        outcome = simulate(scenario, SEED, r)
        state = day_state_at(outcome, scenario, at)
        states.append(state)
        full.append(_day(outcome, scenario))
        resumed = dataclasses.replace(scenario, start=state)
        continued.append(_day(simulate(resumed, SEED + 1, r), resumed))
        if r < 20:  # the wrong continuation is found far sooner
            blank = dataclasses.replace(
                state,
                waiting=(),
                agents=tuple(dataclasses.replace(a, in_contact=()) for a in state.agents),
            )
            wrong = dataclasses.replace(scenario, start=blank)
            forgetful.append(_day(simulate(wrong, SEED + 1, r), wrong))
    return scenario, states, full, continued, forgetful


def _z_scores(a: list[dict], b: list[dict]) -> dict[tuple[str, str, str], float]:
    z = {}
    for key in a[0]:
        d = np.array([x[key] - y[key] for x, y in zip(a, b, strict=False)])
        d = d[~np.isnan(d)]
        se = d.std(ddof=1) / np.sqrt(len(d))
        z[key] = 0.0 if se == 0 and d.mean() == 0 else d.mean() / se if se > 0 else np.inf
    return z


def test_the_continued_day_has_the_uninterrupted_days_law(pairs):
    _, states, full, continued, _ = pairs
    assert sum(len(s.waiting) for s in states) > 1000  # the snapshots carry real queues...
    assert sum(len(a.in_contact) for s in states for a in s.agents) > 3000  # ...and work
    z = _z_scores(full, continued)
    worst = sorted(z.items(), key=lambda kv: -abs(kv[1]))[:5]
    assert all(abs(v) <= 4 for v in z.values()), f"beyond 4 SE: {worst}"


def test_a_continuation_that_forgets_the_queue_and_the_work_in_hand_is_caught(pairs):
    _, _, full, _, forgetful = pairs
    z = _z_scores(full[: len(forgetful)], forgetful)
    # Measured: 6.3 and 5.4 standard errors on 20 days (8.7 and 9.5 on 40).
    assert abs(z[("email", "all", "answered")]) > 4  # the emails waiting are missing
    assert abs(z[("all", "digital", "occupancy")]) > 4  # the chats in hand are missing


def test_the_snapshot_file_reads_back_to_the_same_day(pairs, tmp_path):
    scenario, states, *_ = pairs
    state = states[3]
    file = tmp_path / "snapshot.json"
    file.write_text(json.dumps(snapshot_document(state, scenario)))
    back = read_snapshot(file, scenario)
    assert back.at_seconds == state.at_seconds
    assert back.agents == state.agents
    assert [w.contact_type for w in back.waiting] == [w.contact_type for w in state.waiting]
    np.testing.assert_allclose(
        [w.arrived_at for w in back.waiting], [w.arrived_at for w in state.waiting], rtol=1e-12
    )
    np.testing.assert_array_equal(back.type_actuals, state.type_actuals)
    np.testing.assert_allclose(back.group_actuals, state.group_actuals, rtol=1e-12)
    day = _day(simulate(dataclasses.replace(scenario, start=state), SEED + 1, 3), scenario)
    again = _day(simulate(dataclasses.replace(scenario, start=back), SEED + 1, 3), scenario)
    assert day.keys() == again.keys()
    for key, value in day.items():
        assert again[key] == pytest.approx(value, rel=1e-9, nan_ok=True), key
