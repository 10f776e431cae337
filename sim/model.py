"""The SimPy world of one replication: contacts arrive, queue, abandon or are served.

Shape, chosen for speed and for exactness:

* Every contact's own attributes (type, arrival time, base handle time, wrap-up, patience)
  are drawn up front from per-type streams, so the i-th contact of a type gets the same
  draws whatever routing or a policy does later. A contact is its index into those arrays.
* Agents are plain objects driven by SimPy events: a service is one timeout whose callback
  frees the agent, who then pulls the next contact it may serve (see ``sim.routing``).
* Patience and overflow are timeout callbacks; a contact that abandons or is answered
  elsewhere is skipped lazily when agents look at the head of its queue.
* The staffing table is applied per group at interval boundaries: surplus idle agents log
  out at once (most recently idle first), surplus busy agents finish what they have in hand
  (wrap-up included) and then leave (earliest log-in first).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import simpy

from .arrivals import arrival_times
from .records import ABANDONED, ANSWERED, BLOCKED, WAITING, ReplicationOutcome
from .routing import Agent, Router
from .scenario import Scenario
from .streams import Streams

__all__ = ["ContactCenter", "ContactDraws", "draw_contacts", "simulate"]


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
    one type's demand leaves every other type's draws unchanged.
    """
    parts = []
    for k, t in enumerate(scenario.contact_types):
        arrival = arrival_times(
            t.forecast, scenario.interval_seconds, streams[f"arrivals:{t.name}"]
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
    return ContactDraws(arrival, handle, wrap, patience, contact_type)


class ContactCenter:
    """One replication of a scenario: build it, then call :meth:`run` once."""

    def __init__(
        self, scenario: Scenario, contacts: ContactDraws, streams: Streams | None = None
    ) -> None:
        self.scenario = scenario
        self.env = simpy.Environment()
        self.contacts = contacts
        n = len(contacts.arrival)
        # Python lists: reading a list item is much cheaper than a numpy scalar in the loop.
        self.arrival: list[float] = contacts.arrival.tolist()
        self.handle: list[float] = contacts.handle.tolist()
        self.wrap: list[float] = contacts.wrap.tolist()
        self.ctype: list[int] = contacts.contact_type.tolist()
        # Outcomes, as plain Python containers: cheapest to write from the event loop.
        self.state = bytearray(n)  # WAITING until resolved
        self.queued = bytearray(n)  # 1 if the contact had to wait in a queue
        self.resolved_at = [math.nan] * n  # answer or abandonment time
        self.agent_of = [-1] * n
        self.work = [math.nan] * n  # the agent's time on it: talk (after proficiency) + wrap-up
        self.in_system = 0  # voice contacts holding a line: waiting or talking
        self.agents: list[Agent] = []
        self.busy_log: tuple[list[int], list[float], list[float]] = ([], [], [])
        routing_stream = (streams or Streams(0, 0))["routing"]
        self.router = Router(
            scenario, self.arrival, self.ctype, self.state, self.env, routing_stream
        )
        self.is_voice = [t.channel == "voice" for t in scenario.contact_types]

    # -- contacts ---------------------------------------------------------------------

    def _arrivals(self):
        env = self.env
        timeout = env.timeout
        trunks = self.scenario.trunks
        patience = self.contacts.patience.tolist()
        state, queued, ctype, is_voice = self.state, self.queued, self.ctype, self.is_voice
        router = self.router
        find_agent, enqueue, start = router.find_agent, router.enqueue, self._start
        abandon, overflow = self._abandon, self._overflow
        overflow_delays = router.overflow_delays
        for i, t in enumerate(self.arrival):
            yield timeout(t - env.now)
            k = ctype[i]
            voice = is_voice[k]
            if voice and trunks is not None:
                if self.in_system >= trunks:
                    state[i] = BLOCKED
                    continue
                self.in_system += 1
            agent = find_agent(k, 0)
            if agent is not None:
                start(agent, i)
                continue
            enqueue(i)
            queued[i] = 1
            p = patience[i]
            if p != math.inf:
                timeout(p, i).callbacks.append(abandon)
            for step, delay in enumerate(overflow_delays[k], start=1):
                timeout(delay, (i, step)).callbacks.append(overflow)

    def _abandon(self, event: simpy.Event) -> None:
        i: int = event.value  # type: ignore[assignment]  # the contact index given to the timeout
        if self.state[i] == WAITING:
            self.state[i] = ABANDONED
            self.resolved_at[i] = self.env.now
            self.router.dequeued(i, answered=False)
            if self.scenario.trunks is not None and self.is_voice[self.ctype[i]]:
                self.in_system -= 1

    def _overflow(self, event: simpy.Event) -> None:
        i, step = event.value  # type: ignore[misc]
        if self.state[i] == WAITING:
            agent = self.router.find_agent(self.ctype[i], step)
            if agent is not None:
                self._start(agent, i)

    # -- service ----------------------------------------------------------------------

    def _start(self, agent: Agent, i: int) -> None:
        now = self.env.now
        if self.state[i] == WAITING and self.queued[i]:
            self.router.dequeued(i, answered=True)
        self.state[i] = ANSWERED
        self.resolved_at[i] = now
        self.agent_of[i] = agent.id
        talk = self.handle[i] * self.router.took(agent, i)
        work = talk + self.wrap[i]
        self.work[i] = work
        if self.scenario.trunks is not None and self.is_voice[self.ctype[i]]:
            self.env.timeout(talk).callbacks.append(self._release_line)
        self.env.timeout(work, (agent, i)).callbacks.append(self._end)

    def _release_line(self, _event: simpy.Event) -> None:
        self.in_system -= 1

    def _end(self, event: simpy.Event) -> None:
        agent, i = event.value  # type: ignore[misc]
        router = self.router
        if router.released(agent, i):  # the agent holds nothing now
            log = self.busy_log
            log[0].append(agent.id)
            log[1].append(agent.busy_since)
            log[2].append(self.env.now)
            if agent.leaving:
                self._log_out(agent)
                return
        self._serve_next(agent)

    def _serve_next(self, agent: Agent) -> None:
        """Give a free (or partly free) agent waiting work, then list it as available."""
        router = self.router
        while True:
            i = router.next_contact(agent)
            if i < 0:
                break
            self._start(agent, i)
        router.list_available(agent)

    # -- staffing ---------------------------------------------------------------------

    def _log_in(self, group: int) -> None:
        agent = self.router.new_agent(len(self.agents), group)
        self.agents.append(agent)
        self._serve_next(agent)

    def _log_out(self, agent: Agent) -> None:
        self.router.log_out(agent)

    def _staffing(self):
        env = self.env
        scenario = self.scenario
        for k in range(scenario.intervals):
            for g, group in enumerate(scenario.groups):
                self._set_staff(g, group.staffing[k])
            yield env.timeout((k + 1) * scenario.interval_seconds - env.now)

    def _set_staff(self, group: int, target: int) -> None:
        router = self.router
        members = router.logged_in[group]  # insertion order = log-in order
        staying = [a for a in members.values() if not a.leaving]
        surplus = len(staying) - target
        if surplus < 0:
            # Agents finishing their last contact stay on instead of new log-ins.
            for agent in members.values():
                if surplus == 0:
                    break
                if agent.leaving:
                    router.keep(agent)
                    self._serve_next(agent)
                    surplus += 1
            for _ in range(-surplus):
                self._log_in(group)
            return
        while surplus > 0:
            idle = router.pop_idle(group)  # most recently idle first
            if idle is None:
                break
            self._log_out(idle)
            surplus -= 1
        for agent in staying:  # then busy agents, earliest log-in first
            if surplus == 0:
                break
            if agent.sessions > 0 and not agent.leaving:
                router.send_home_when_free(agent)
                surplus -= 1

    # -- run --------------------------------------------------------------------------

    def run(self) -> ReplicationOutcome:
        """Simulate the day up to the horizon and return its records."""
        self.env.process(self._staffing())
        self.env.process(self._arrivals())
        horizon = self.scenario.horizon_seconds
        self.env.run(until=horizon)
        log = self.busy_log
        for agent in self.agents:  # close the busy periods still open at the horizon
            if agent.sessions > 0:
                log[0].append(agent.id)
                log[1].append(agent.busy_since)
                log[2].append(horizon)
        logout = np.array([a.logout_at for a in self.agents], dtype=float)
        logout[np.isnan(logout)] = horizon
        return ReplicationOutcome(
            horizon_seconds=horizon,
            arrival=self.contacts.arrival,
            contact_type=self.contacts.contact_type,
            handle=self.contacts.handle,
            wrap=self.contacts.wrap,
            work=np.asarray(self.work, dtype=float),
            state=np.frombuffer(bytes(self.state), dtype=np.uint8),
            queued=np.frombuffer(bytes(self.queued), dtype=np.bool_),
            resolved_at=np.asarray(self.resolved_at, dtype=float),
            agent=np.asarray(self.agent_of, dtype=np.int32),
            agent_group=np.array([a.group for a in self.agents], dtype=np.int32),
            login_at=np.array([a.login_at for a in self.agents], dtype=float),
            logout_at=logout,
            busy_agent=np.asarray(log[0], dtype=np.int32),
            busy_start=np.asarray(log[1], dtype=float),
            busy_end=np.asarray(log[2], dtype=float),
        )


def simulate(scenario: Scenario, seed: int = 0, replication: int = 0) -> ReplicationOutcome:
    """Simulate one replication of ``scenario`` and return its per-contact records.

    The result depends only on ``scenario``, ``seed`` and ``replication``.
    """
    streams = Streams(seed, replication)
    return ContactCenter(scenario, draw_contacts(scenario, streams), streams).run()
