"""Every contact's own attributes, drawn before the day is simulated (common random numbers).

A contact is an index into these arrays. With redials on, the arrays have a second block
of the same size: slot ``originals + i`` is the redial of contact ``i``, drawn up front
too (its arrival time is set only if contact ``i`` does call again).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.core.scenario import Scenario
from sim.core.streams import Streams
from sim.model.arrivals import arrival_times
from sim.model.demand import realised_forecast

__all__ = ["ContactDraws", "draw_contacts"]


@dataclass(frozen=True)
class ContactDraws:
    """Every contact's own attributes, drawn before the day is simulated.

    ``arrival`` is sorted (seconds from time 0); ``contact_type`` indexes
    ``Scenario.contact_types``; ``handle`` is the base talk time (before a group's
    proficiency), ``wrap`` the after-contact work (0 for none), ``patience`` how long the
    contact will wait (inf for never abandoning). Tests build these by hand to script exact
    event sequences.
    """

    arrival: np.ndarray
    handle: np.ndarray
    wrap: np.ndarray
    patience: np.ndarray
    contact_type: np.ndarray
    originals: int | None = None  # first attempts; the rest are redial slots (None: all)
    redial: np.ndarray | None = None  # per original: will it call again if not answered
    redial_delay: np.ndarray | None = None  # per original: after how many seconds

    @property
    def first_attempts(self) -> int:
        """Number of original contacts (the arrival chain runs over these)."""
        return len(self.arrival) if self.originals is None else self.originals

    @classmethod
    def scripted(cls, arrival, handle, wrap=None, patience=None, contact_type=None) -> ContactDraws:
        """Contacts given explicitly; wrap 0, infinite patience and type 0 by default."""
        arrival = np.asarray(arrival, dtype=float)
        n = len(arrival)
        return cls(
            arrival=arrival,
            handle=np.asarray(handle, dtype=float),
            wrap=np.zeros(n) if wrap is None else np.asarray(wrap, dtype=float),
            patience=np.full(n, math.inf)
            if patience is None
            else np.asarray(patience, dtype=float),
            contact_type=np.zeros(n, dtype=np.int32)
            if contact_type is None
            else np.asarray(contact_type, dtype=np.int32),
        )


def draw_contacts(scenario: Scenario, streams: Streams) -> ContactDraws:
    """Draw the day's contacts; each type and each source has its own stream.

    Streams are named ``<source>:<contact type>``, so adding a contact type or changing
    one type's demand leaves every other type's draws unchanged. Arrivals follow the day's
    realised forecast (``Scenario.demand``: forecast error, interval noise, surges; see
    :mod:`sim.model.demand`), which draws from streams of its own.
    """
    forecast = realised_forecast(scenario, streams)
    parts = []
    for k, t in enumerate(scenario.contact_types):
        arrival = arrival_times(
            forecast[k], scenario.interval_seconds, streams[f"arrivals:{t.name}"]
        )
        n = len(arrival)
        parts.append(
            (
                arrival,
                t.handle_time.sample(streams[f"handle_time:{t.name}"], n),
                t.wrap_up.sample(streams[f"wrap_up:{t.name}"], n) if t.wrap_up else np.zeros(n),
                t.patience.sample(streams[f"patience:{t.name}"], n)
                if t.patience
                else np.full(n, math.inf),
                np.full(n, k, dtype=np.int32),
            )
        )
    arrays = [np.concatenate(column) for column in zip(*parts, strict=True)]
    order = np.argsort(arrays[0], kind="stable")
    arrival, handle, wrap, patience, contact_type = (a[order] for a in arrays)
    if not scenario.redials.on:
        return ContactDraws(arrival, handle, wrap, patience, contact_type)
    return _with_redial_slots(scenario, streams, arrival, handle, wrap, patience, contact_type)


def _with_redial_slots(
    scenario, streams, arrival, handle, wrap, patience, contact_type
) -> ContactDraws:
    """Add one redial slot per contact, with its decision, delay and own draws."""
    n = len(arrival)
    redials = scenario.redials
    decision = streams["redial_decision"].random(n) < redials.probability
    delay = redials.delay_seconds.sample(streams["redial_delay"], n)
    handle2, wrap2, patience2 = np.empty(n), np.zeros(n), np.full(n, math.inf)
    for k, t in enumerate(scenario.contact_types):
        mine = contact_type == k
        m = int(mine.sum())
        handle2[mine] = t.handle_time.sample(streams[f"redial_handle_time:{t.name}"], m)
        if t.wrap_up:
            wrap2[mine] = t.wrap_up.sample(streams[f"redial_wrap_up:{t.name}"], m)
        if t.patience:
            patience2[mine] = t.patience.sample(streams[f"redial_patience:{t.name}"], m)
    return ContactDraws(
        np.concatenate([arrival, np.full(n, np.nan)]),
        np.concatenate([handle, handle2]),
        np.concatenate([wrap, wrap2]),
        np.concatenate([patience, patience2]),
        np.concatenate([contact_type, contact_type]),
        originals=n,
        redial=decision,
        redial_delay=delay,
    )
