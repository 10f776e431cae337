"""KPI definitions on hand-made days: the edge cases the README's definitions speak of."""

from __future__ import annotations

import pytest

from sim.core.distributions import Distribution
from sim.core.scenario import ServiceLevel, single_queue
from sim.kpi.definitions import replication_kpis
from sim.model.draws import ContactDraws
from sim.model.world import ContactCenter


def test_contacts_still_waiting_at_close_within_threshold_are_left_out_of_service_level():
    """Waiting at the horizon beyond the threshold counts as missed; within it, as unknown."""
    scenario = single_queue(
        "edge",
        100.0,
        (0.0,),
        (1,),
        Distribution.exponential(1.0),
        service_level=ServiceLevel(threshold_seconds=20.0),
    )
    # One agent busy all day with contact 0; contact 1 waits 90 s at close, contact 2 waits 10 s.
    draws = ContactDraws.scripted(arrival=[0.0, 10.0, 90.0], handle=[500.0, 5.0, 5.0])
    kpis = replication_kpis(ContactCenter(scenario, draws).run(), scenario)
    assert kpis["offered"] == 3 and kpis["waiting_at_end"] == 2
    assert kpis["service_level"] == pytest.approx(1 / 2)  # contact 2 is out of the denominator
    assert kpis["abandon_rate"] == 0.0
