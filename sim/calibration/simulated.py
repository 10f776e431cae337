"""Simulated days as a contact log: what a telephony system would have logged of them.

For checking calibration against known laws (simulate a scenario, log it, calibrate, compare)
and for example logs. Each replication is one calendar day, from ``first_day`` on. Per
contact: its type, arrival (the scenario's clock), outcome, wait, and for an answered one
the talk (the agent's time less the wrap-up: the handle-time draw after proficiency and
chat stretch) and the wrap-up. Contacts still waiting when the day ends, redial slots never
used and contacts handed to the outsourcer are not in a log's three outcomes and are left
out; contacts lost in a telephony outage are logged as blocked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from sim.core.contact_log import ABANDONED, ANSWERED, BLOCKED, ContactLog
from sim.core.scenario import Scenario
from sim.model.outcome import ReplicationOutcome
from sim.model.states import ContactState

__all__ = ["simulated_log"]

_OUTCOME = {
    ContactState.ANSWERED: ANSWERED,
    ContactState.ABANDONED: ABANDONED,
    ContactState.BLOCKED: BLOCKED,
    ContactState.LOST: BLOCKED,
}


def simulated_log(
    scenario: Scenario, outcomes: Sequence[ReplicationOutcome], first_day: dt.date
) -> ContactLog:
    """The contacts of ``outcomes`` (one simulated day each, of ``scenario``) as a log of
    consecutive days from ``first_day``, in arrival order."""
    parts: list[tuple[np.ndarray, ...]] = []
    for d, outcome in enumerate(outcomes):
        code = np.full(len(outcome.state), -1, dtype=np.int8)
        for state, value in _OUTCOME.items():
            code[outcome.state == state] = value
        keep = code >= 0
        answered = code == ANSWERED
        wait = np.where(code == BLOCKED, np.nan, outcome.wait)
        talk = np.where(answered, outcome.work - outcome.wrap, np.nan)
        wrap = np.where(answered, outcome.wrap, np.nan)
        arrival = scenario.start_clock_seconds + outcome.arrival
        day = np.full(len(arrival), first_day.toordinal() + d, dtype=np.int64)
        columns = (outcome.contact_type.astype(np.int64), day, arrival, code, wait, talk, wrap)
        parts.append(tuple(c[keep] for c in columns))
    joined = [np.concatenate(c) for c in zip(*parts, strict=True)]
    order = np.lexsort((joined[2], joined[1]))
    return ContactLog(scenario.type_names, *(c[order] for c in joined))
