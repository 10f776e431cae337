"""A week of one replication: its days simulated in a row, the backlog carried over.

Day ``d`` draws from the streams of day ``d`` (:class:`~sim.core.streams.Streams`), so day 0
is exactly the one-day run of its scenario, and every later day has streams of its own.
At a day's close the contacts that can wait overnight (emails, and callbacks promised)
are carried into the next day's opening: they wait from its first moment, as if the
night had not been (their waits count open hours), their arrival before its time 0. Voice
and chat contacts still waiting at close are gone (the center has closed): they stay the
closing day's ``waiting_at_end``. A carried contact counts on the day it arrived (offered,
and judged against its threshold at that day's close as in a one-day run); on later days
its work and its time in the queue count (``Origin.OVERNIGHT``), and one left unjudged at
its day's close (waiting less than its threshold) is judged on the day its outcome is
known (:mod:`sim.kpi.definitions`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from sim.core.day_state import GROUP_ACTUALS, TYPE_ACTUALS, DayState, WaitingContact
from sim.core.scenario import Scenario
from sim.core.streams import Streams
from sim.core.week import Week
from sim.model.draws import draw_contacts
from sim.model.outcome import ReplicationOutcome
from sim.model.resume import continue_draws
from sim.model.states import ContactState
from sim.model.world import ContactCenter
from sim.policies.api import RealtimePolicy

__all__ = ["backlog_at_close", "simulate_week"]

#: Channels whose contacts wait overnight.
OVERNIGHT_CHANNELS = ("email",)


def backlog_at_close(outcome: ReplicationOutcome, scenario: Scenario) -> tuple[WaitingContact, ...]:
    """The contacts of a day that wait into the next one: emails, and callbacks, still
    waiting at the close, in arrival order, their arrival set before the next day's time 0
    by the time they have already waited (open hours)."""
    waiting = outcome.state == ContactState.WAITING
    callback = outcome.callback if outcome.callback is not None else np.zeros_like(waiting)
    email = np.array([t.channel in OVERNIGHT_CHANNELS for t in scenario.contact_types])
    carried = waiting & (email[outcome.contact_type] | callback)
    order = np.flatnonzero(carried)[np.argsort(outcome.arrival[carried], kind="stable")]
    close = outcome.horizon_seconds
    return tuple(
        WaitingContact(
            int(outcome.contact_type[i]),
            float(outcome.arrival[i] - close),
            overnight=True,
            callback=bool(callback[i]),
        )
        for i in order.tolist()
    )


def simulate_week(
    week: Week,
    seed: int,
    replication: int,
    policy_for_day: Callable[[int], RealtimePolicy | None] = lambda day: None,
) -> list[ReplicationOutcome]:
    """Simulate the days of ``week`` in a row for one replication; ``policy_for_day(d)``
    gives day ``d``'s realtime policy (made when the day starts, after the days before it
    ran: a weekly budget knows what they used). Returns each day's records."""
    outcomes: list[ReplicationOutcome] = []
    carried: tuple[WaitingContact, ...] = ()
    for d, day in enumerate(week.days):
        streams = Streams(seed, replication, d)
        draws = draw_contacts(day, streams)
        policy = policy_for_day(d)
        if carried:
            shape = (len(day.contact_types), day.intervals)
            state = DayState(
                at_seconds=0.0,
                waiting=carried,
                agents=(),
                type_actuals=np.zeros((len(TYPE_ACTUALS), *shape)),
                group_actuals=np.zeros((len(GROUP_ACTUALS), len(day.groups), day.intervals)),
                source=f"the backlog of {week.names[d - 1]}",
            )
            day = dataclasses.replace(day, start=state)
            resumed = continue_draws(day, streams, state, draws)
            world = ContactCenter(day, resumed.draws, streams, policy, resumed)
        else:
            world = ContactCenter(day, draws, streams, policy)
        outcome = world.run()
        outcomes.append(outcome)
        carried = backlog_at_close(outcome, day)
    return outcomes
