"""What outages and redials do inside a replication: a component of the world.

Kept apart from the contact flow so that a day without disruptions runs the plain code:
every hook here is skipped when the scenario has no outage of that kind and no redials.
"""

from __future__ import annotations

import math

import numpy as np
import simpy

from sim.core.disruptions import OutageWindow, outage_windows
from sim.core.streams import Streams
from sim.core.timespans import union
from sim.model.agent import Agent
from sim.model.port import World
from sim.model.states import AfterTalk, ContactState

__all__ = ["Outages"]


class Outages:
    """Outage windows, lost contacts, redials, slow systems and offline agents of one day.

    Built by the world it acts on (``world``, through the :class:`~sim.model.port.World`
    interface: its contact arrays and ``admit``, ``release``, ``serve_next``, ``free_line``). Every hook is cheap or skipped when the scenario has no
    outage of that kind and no redials.
    """

    def __init__(self, world: World, streams: Streams) -> None:
        self.world = world
        self.env = world.env
        scenario = self.scenario = world.scenario
        self.windows: list[OutageWindow] = outage_windows(
            scenario.outages, scenario.horizon_seconds, streams
        )
        self.telephony = union([(w.start, w.end) for w in self.windows if w.kind == "telephony"])
        names = scenario.group_names
        self.crm = []
        for w in self.windows:
            if w.kind == "crm_slow":
                outage = scenario.outages[w.outage]
                mask = [not outage.groups or g in outage.groups for g in names]
                self.crm.append((w.start, w.end, outage.factor, mask))
        #: Whether a site outage may cut contacts off in service (then the world tracks them).
        self.drops_in_hand = any(
            scenario.outages[w.outage].drop_in_hand for w in self.windows if w.kind == "site"
        )
        self.pick_streams = streams
        contacts = world.contacts
        self.first_attempts = contacts.first_attempts
        self.redial = contacts.redial.tolist() if contacts.redial is not None else None
        self.redial_delay = (
            contacts.redial_delay.tolist() if contacts.redial_delay is not None else None
        )

    def start(self) -> None:
        """Start the processes of the windows that take agents offline."""
        for w in self.windows:
            if w.kind in ("site", "partial"):
                self.env.process(self._offline_window(w))

    def window_table(self) -> np.ndarray:
        """The day's windows as a (n, 2) array of [start, end) for the records."""
        return np.array([[w.start, w.end] for w in self.windows], dtype=float).reshape(-1, 2)

    # -- telephony, redials, slow systems ----------------------------------------------

    def telephony_down_until(self, now: float) -> float | None:
        """End of the telephony outage in progress at ``now``, or None."""
        for start, end in self.telephony:
            if start <= now < end:
                return end
        return None

    def lost(self, i: int, until: float) -> None:
        """Contact ``i`` could not reach the center (telephony down until ``until``)."""
        self.world.state[i] = ContactState.LOST
        self.maybe_redial(i, until)

    def maybe_redial(self, i: int, after: float) -> None:
        """Contact ``i`` was not answered: if it is one that calls again, schedule its redial."""
        if self.redial is None or i >= self.first_attempts or not self.redial[i]:
            return
        when = after + self.redial_delay[i]  # type: ignore[index]
        if when >= self.scenario.horizon_seconds:
            return
        j = self.first_attempts + i
        self.world.arrival[j] = when
        self.world.state[j] = ContactState.WAITING
        self.env.timeout(when - self.env.now, j).callbacks.append(self._redial_arrives)

    def _redial_arrives(self, event: simpy.Event) -> None:
        self.world.admit(int(event.value))  # type: ignore[arg-type]

    def crm_factor(self, group: int) -> float:
        """Talk-time factor of slow systems for ``group`` now (1 when nothing is slow)."""
        now = self.env.now
        factor = 1.0
        for start, end, f, mask in self.crm:
            if start <= now < end and mask[group]:
                factor *= f
        return factor

    # -- agents offline ------------------------------------------------------------------

    def _offline_window(self, w: OutageWindow):
        scenario = self.scenario
        outage = scenario.outages[w.outage]
        groups = [scenario.group_names.index(g) for g in outage.groups]
        router = self.world.router
        yield self.env.timeout(w.start - self.env.now)
        affected: list[Agent] = []
        for g in groups:
            members = list(router.logged_in[g].values())
            if w.kind == "site":
                router.group_offline[g] += 1
            else:  # partial: a random share of those logged in
                # A tolerance so that 0.28 x 25 agents is 7, not 8, despite rounding.
                k = math.ceil(outage.fraction * len(members) - 1e-9)
                rng = self.pick_streams[f"outage_pick:{w.outage}"]
                members = [members[j] for j in sorted(rng.permutation(len(members))[:k])]
            for agent in members:
                self._take_offline(agent, outage.drop_in_hand)
                affected.append(agent)
        yield self.env.timeout(w.end - self.env.now)
        if w.kind == "site":
            for g in groups:
                router.group_offline[g] -= 1
                affected = list(router.logged_in[g].values())
                for agent in affected:
                    self._bring_online(agent)
        else:
            for agent in affected:
                if not agent.logged_out:
                    self._bring_online(agent)

    def _take_offline(self, agent: Agent, drop: bool) -> None:
        if agent.offline == 0 or agent.logged_out:
            # An agent finishing a contact is on it until done: offline from then on (the
            # world sets the time when it is free), so busy time is never outage time.
            busy = agent.sessions > 0 and not drop
            agent.offline_since = math.inf if busy else self.env.now
        agent.offline += 1
        self.world.router.unlist(agent)
        if drop:
            for i in list(agent.in_hand):
                self._drop(agent, i)

    def _bring_online(self, agent: Agent) -> None:
        if agent.offline == 0:
            return
        agent.offline -= 1
        if agent.offline == 0:
            self.log_offline(agent)
            if not agent.away:
                self.world.serve_next(agent)

    def log_offline(self, agent: Agent) -> None:
        """Record ``agent``'s time offline so far in the away log."""
        start = max(agent.offline_since, agent.login_at)
        if self.env.now > start:
            world = self.world
            day = world.agent_day[agent.id]
            shift = world.days[day].shift_index if day >= 0 else -1
            world.away_log.add_raw(
                agent.id, agent.group, shift, "outage", start, start, self.env.now
            )

    def _drop(self, agent: Agent, i: int) -> None:
        """An outage cuts contact ``i`` off while ``agent`` holds it."""
        world = self.world
        now = self.env.now
        world.dropped[i] = 1
        world.work[i] = now - world.resolved_at[i]
        if world.talk_end[i] > now:  # cut off in talk: its problem is not resolved
            world.talk_end[i] = now
            world.after_talk[i] = AfterTalk.CUT_OFF
        agent.in_hand.remove(i)
        if world.talk_until.pop(i, -1.0) > now:  # the line is still held: free it
            world.free_line(i)
        world.release(agent, i)
