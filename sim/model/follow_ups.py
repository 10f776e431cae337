"""Resolution, repeats and escalations inside a replication: a component of the world.

Built only when some contact type resolves less than every contact or escalates
(:mod:`sim.core.follow_ups`); without it, every answered contact is resolved at the end
of its talk and the world schedules nothing more. With it, each answered contact of such
a type gets one more event, at the end of its talk, where its outcome is decided from its
own draws, made up front (:func:`~sim.model.draws.draw_contacts`):

* escalated (its draw below the type's ``share``): its transfer slot arrives
  ``transfer_seconds`` later in the escalation type's queue (a voice call keeps its line);
  ``warm``: the agent stays on the line, busy, until the transfer is answered or leaves the
  queue (hangs up, accepts a callback, is handed to the outsourcer), then wraps up;
* else resolved if its uniform is below the answering group's probability (always, for a
  type with a ``problem_value``: the draws escalated its problems above authority, and
  set a concession on the others);
* else unresolved: its repeat slot, if repeats are left, calls ``repeat_delay`` later.

A follow-up due at or after the end of the day never comes. A contact an outage cuts off
in talk has no outcome decided (the outage marks it cut off) and no follow-up.
"""

from __future__ import annotations

import math

import simpy

from sim.model.agent import Agent
from sim.model.port import World
from sim.model.states import AfterTalk, ContactState

__all__ = ["FollowUps"]


class FollowUps:
    """Outcomes of answered contacts, their repeats and escalations, and warm transfers.

    Acts on the world through :class:`~sim.model.port.World`: its contact arrays,
    ``admit``, ``finish``, ``in_system``.
    """

    def __init__(self, world: World) -> None:
        self.world = world
        self.env = world.env
        scenario = world.scenario
        contacts = world.contacts
        assert (
            contacts.follow_up is not None
            and contacts.follow_delay is not None
            and contacts.resolve_draw is not None
            and contacts.escalate is not None
        )
        self.horizon = scenario.horizon_seconds
        self.ctype: list[int] = contacts.contact_type.tolist()
        self.follow_up: list[int] = contacts.follow_up.tolist()
        self.delay: list[float] = contacts.follow_delay.tolist()
        self.resolve: list[float] = contacts.resolve_draw.tolist()
        self.escalate: list[bool] = contacts.escalate.tolist()
        types = scenario.contact_types
        #: Per type: whether its talks' outcomes are decided here (else: always resolved).
        self.watched = [
            not t.resolution.always
            or (t.escalation is not None and t.escalation.share > 0)
            or t.problem_value is not None
            for t in types
        ]
        self.probability = [
            [t.resolution.for_group(g) for g in scenario.group_names] for t in types
        ]
        self.warm = [t.escalation is not None and t.escalation.warm for t in types]
        # An escalated voice call keeps its line (escalation stays within a channel).
        self.keeps_line = [scenario.trunks is not None and t.channel == "voice" for t in types]
        #: Warm transfers waiting for tier 2: transfer slot -> (first agent, contact, its
        #: wrap-up, start of the hold).
        self.holds: dict[int, tuple[Agent, int, float, float]] = {}

    def took(self, agent: Agent, i: int, talk: float, work: float) -> bool:
        """``agent`` took contact ``i`` (of a watched type), which it talks for ``talk`` and
        works on for ``work`` seconds: decide at the end of the talk. True if it will be
        warm-transferred (then the hold, not the world, ends the agent's work on it)."""
        self.env.timeout(talk, (agent, i, work - talk)).callbacks.append(self._talk_ends)
        return self.escalate[i] and self.warm[self.ctype[i]]

    def _talk_ends(self, event: simpy.Event) -> None:
        agent, i, wrap = event.value  # type: ignore[misc]
        world = self.world
        if world.dropped[i]:  # cut off in talk: no outcome, no follow-up
            return
        now = self.env.now
        k = self.ctype[i]
        j = self.follow_up[i]
        when = now + self.delay[i]
        if self.escalate[i]:
            world.after_talk[i] = AfterTalk.ESCALATED
            if when < self.horizon:
                if self.keeps_line[k]:
                    world.in_system += 1  # the line the talk just freed goes on with the caller
                self._call(j, when, self._transfer_arrives)
                if self.warm[k]:
                    self.holds[j] = (agent, i, wrap, now)
            if self.warm[k]:
                agent.talk_until = math.inf  # on the line, not in wrap-up
            return
        if self.resolve[i] < self.probability[k][agent.group]:
            world.after_talk[i] = AfterTalk.RESOLVED
            return
        world.after_talk[i] = AfterTalk.UNRESOLVED
        if j >= 0 and when < self.horizon:
            self._call(j, when, self._repeat_arrives)

    def _call(self, j: int, when: float, arrives) -> None:
        world = self.world
        world.arrival[j] = when
        world.state[j] = ContactState.WAITING
        self.env.timeout(when - self.env.now, j).callbacks.append(arrives)

    def _repeat_arrives(self, event: simpy.Event) -> None:
        self.world.admit(int(event.value))  # type: ignore[arg-type]

    def _transfer_arrives(self, event: simpy.Event) -> None:
        self.world.admit(int(event.value), transfer=True)  # type: ignore[arg-type]

    def hold_ends(self, j: int) -> None:
        """Contact ``j`` was answered or left its queue: if it is a warm transfer, its first
        agent leaves the line now and wraps up (unless an outage took the contact from it)."""
        held = self.holds.pop(j, None)
        if held is None:
            return
        agent, i, wrap, since = held
        world = self.world
        if world.dropped[i]:
            return
        now = self.env.now
        world.work[i] += now - since
        agent.talk_until = now
        world.finish(agent, i, wrap)
