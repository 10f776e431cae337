"""The SimPy world of one replication: contacts arrive, queue, abandon or are served.

Shape, chosen for speed and for exactness:

* Every contact's own attributes (arrival time, talk time, wrap-up, patience) are drawn
  up front from their own streams, so the i-th contact gets the same draws whatever
  happens later. A contact is then just its index into those arrays.
* Agents are SimPy processes that pull the next waiting contact from one FCFS queue; an
  arriving contact that finds an idle agent wakes the longest-idle one.
* Patience is a timeout callback, not a ``request | timeout`` condition; a contact that
  abandons is marked and skipped lazily when agents pull from the queue.
* The staffing table is applied at interval boundaries: surplus idle agents log out at
  once, surplus busy agents finish the contact in hand (and its wrap-up), then leave.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np
import simpy

from .arrivals import arrival_times
from .records import ABANDONED, ANSWERED, BLOCKED, WAITING, ReplicationOutcome
from .scenario import Scenario
from .streams import Streams

__all__ = ["ContactCenter", "ContactDraws", "draw_contacts", "simulate"]


@dataclass(frozen=True)
class ContactDraws:
    """Every contact's own attributes, drawn before the day is simulated.

    ``arrival`` is sorted (seconds from time 0); ``handle`` is talk time, ``wrap`` the
    after-contact work (0 for none), ``patience`` how long the contact will wait (inf for
    never abandoning). Tests build these by hand to script exact event sequences.
    """

    arrival: np.ndarray
    handle: np.ndarray
    wrap: np.ndarray
    patience: np.ndarray

    @classmethod
    def scripted(cls, arrival, handle, wrap=None, patience=None) -> ContactDraws:
        """Contacts given explicitly (lists or arrays); wrap 0 and infinite patience by default."""
        arrival = np.asarray(arrival, dtype=float)
        n = len(arrival)
        return cls(
            arrival=arrival,
            handle=np.asarray(handle, dtype=float),
            wrap=np.zeros(n) if wrap is None else np.asarray(wrap, dtype=float),
            patience=np.full(n, math.inf)
            if patience is None
            else np.asarray(patience, dtype=float),
        )


def draw_contacts(scenario: Scenario, streams: Streams) -> ContactDraws:
    """Draw the day's contacts, each source from its own stream (common random numbers)."""
    arrival = arrival_times(scenario.forecast, scenario.interval_seconds, streams["arrivals"])
    n = len(arrival)
    wrap, patience = scenario.wrap_up, scenario.patience
    return ContactDraws(
        arrival=arrival,
        handle=scenario.handle_time.sample(streams["handle_time"], n),
        wrap=wrap.sample(streams["wrap_up"], n) if wrap is not None else np.zeros(n),
        patience=patience.sample(streams["patience"], n)
        if patience is not None
        else np.full(n, math.inf),
    )


class _Agent:
    __slots__ = ("id", "wake", "leaving", "busy")

    def __init__(self, agent_id: int) -> None:
        self.id = agent_id
        self.wake: simpy.Event | None = None
        self.leaving = False
        self.busy = False


class ContactCenter:
    """One replication of a scenario: build it, then call :meth:`run` once."""

    def __init__(self, scenario: Scenario, contacts: ContactDraws) -> None:
        self.scenario = scenario
        self.env = simpy.Environment()
        n = len(contacts.arrival)
        self.arrival = contacts.arrival
        self.handle = contacts.handle
        self.wrap = contacts.wrap
        self.patience = contacts.patience
        # Python lists: reading a list item is much cheaper than a numpy scalar in the loop.
        self._handle_list: list[float] = self.handle.tolist()
        self._wrap_list: list[float] = self.wrap.tolist()
        # Outcomes, as plain Python containers: cheapest to write from the event loop.
        self.state = bytearray(n)  # WAITING until resolved
        self.queued = bytearray(n)  # 1 if the contact had to wait in the queue
        self.resolved_at = [math.nan] * n  # answer or abandonment time
        self.agent_of = [-1] * n
        self.queue: deque[int] = deque()
        self.waiting = 0  # contacts in queue (not yet answered nor abandoned)
        self.in_system = 0  # contacts holding a line: waiting or in talk
        self.idle: deque[_Agent] = deque()
        self.logged_in: dict[int, _Agent] = {}  # insertion order = login order
        self.login_at: list[float] = []
        self.logout_at: list[float] = []

    # -- contacts ---------------------------------------------------------------------

    def _arrivals(self):
        env = self.env
        trunks = self.scenario.trunks
        patience = self.patience.tolist()
        state, queued = self.state, self.queued
        queue = self.queue
        idle = self.idle
        abandon = self._abandon
        timeout = env.timeout
        for i, t in enumerate(self.arrival.tolist()):
            yield timeout(t - env.now)
            if trunks is not None and self.in_system >= trunks:
                state[i] = BLOCKED
                continue
            self.in_system += 1
            if idle:
                agent = idle.popleft()
                agent.busy = True  # from now on, not only once its process resumes
                agent.wake.succeed(i)
                continue
            queue.append(i)
            queued[i] = 1
            self.waiting += 1
            p = patience[i]
            if p != math.inf:
                timeout(p, i).callbacks.append(abandon)

    def _abandon(self, event: simpy.Event) -> None:
        i: int = event.value  # type: ignore[assignment]  # the contact index given to the timeout
        if self.state[i] == WAITING:
            self.state[i] = ABANDONED
            self.resolved_at[i] = self.env.now
            self.waiting -= 1
            self.in_system -= 1

    def _next_waiting(self) -> int:
        queue, state = self.queue, self.state
        while queue:
            i = queue.popleft()
            if state[i] == WAITING:
                self.waiting -= 1
                return i
        return -1

    # -- agents -----------------------------------------------------------------------

    def _agent(self, agent: _Agent):
        env = self.env
        timeout = env.timeout
        handle, wrap = self._handle_list, self._wrap_list
        state, resolved_at, agent_of = self.state, self.resolved_at, self.agent_of
        idle = self.idle
        next_waiting = self._next_waiting
        while True:
            i = next_waiting()
            if i < 0:
                agent.wake = env.event()
                idle.append(agent)
                i = yield agent.wake
                if i < 0:
                    break
            state[i] = ANSWERED
            resolved_at[i] = env.now
            agent_of[i] = agent.id
            agent.busy = True
            yield timeout(handle[i])
            self.in_system -= 1
            w = wrap[i]
            if w > 0:
                yield timeout(w)
            agent.busy = False
            if agent.leaving:
                break
        self._log_out(agent)

    def _log_in(self) -> None:
        agent = _Agent(len(self.login_at))
        self.login_at.append(self.env.now)
        self.logout_at.append(math.nan)
        self.logged_in[agent.id] = agent
        self.env.process(self._agent(agent))

    def _log_out(self, agent: _Agent) -> None:
        self.logout_at[agent.id] = self.env.now
        del self.logged_in[agent.id]

    def _staffing(self):
        env = self.env
        for k, target in enumerate(self.scenario.staffing):
            self._set_staff(target)
            yield env.timeout((k + 1) * self.scenario.interval_seconds - env.now)

    def _set_staff(self, target: int) -> None:
        staying = [a for a in self.logged_in.values() if not a.leaving]
        surplus = len(staying) - target
        if surplus < 0:
            # Agents finishing their last contact stay on instead of new log-ins.
            for agent in self.logged_in.values():
                if surplus == 0:
                    break
                if agent.leaving:
                    agent.leaving = False
                    surplus += 1
            for _ in range(-surplus):
                self._log_in()
            return
        while surplus > 0 and self.idle:
            self.idle.pop().wake.succeed(-1)  # type: ignore[union-attr]  # idle agents wait on wake
            surplus -= 1
        for agent in staying:  # then busy agents, earliest log-in first
            if surplus == 0:
                break
            if agent.busy and not agent.leaving:
                agent.leaving = True
                surplus -= 1

    # -- run --------------------------------------------------------------------------

    def run(self) -> ReplicationOutcome:
        """Simulate the day up to the horizon and return its records."""
        self.env.process(self._staffing())
        self.env.process(self._arrivals())
        horizon = self.scenario.horizon_seconds
        self.env.run(until=horizon)
        logout = np.asarray(self.logout_at, dtype=float)
        logout[np.isnan(logout)] = horizon
        return ReplicationOutcome(
            horizon_seconds=horizon,
            arrival=self.arrival,
            handle=self.handle,
            wrap=self.wrap,
            state=np.frombuffer(bytes(self.state), dtype=np.uint8),
            queued=np.frombuffer(bytes(self.queued), dtype=np.bool_),
            resolved_at=np.asarray(self.resolved_at, dtype=float),
            agent=np.asarray(self.agent_of, dtype=np.int32),
            login_at=np.asarray(self.login_at, dtype=float),
            logout_at=logout,
        )


def simulate(scenario: Scenario, seed: int = 0, replication: int = 0) -> ReplicationOutcome:
    """Simulate one replication of ``scenario`` and return its per-contact records.

    The result depends only on ``scenario``, ``seed`` and ``replication``.
    """
    return ContactCenter(scenario, draw_contacts(scenario, Streams(seed, replication))).run()
