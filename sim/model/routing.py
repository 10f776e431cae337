"""Skill-based routing: which agent takes a new contact, which contact a freed agent takes.

Indexes instead of scans:

* waiting contacts: one FCFS deque per contact type; a contact answered or abandoned
  elsewhere is dropped lazily when it reaches the head;
* available agents: per group, one deque per number of chats in hand (0 = idle), in the
  order agents became available; entries carry a stamp, and an entry whose agent has
  changed state since (stamp moved on) is skipped lazily.

So a new contact looks at the head of each eligible group's deque, and a freed agent at
the head of each queue it serves: the work per event grows with the number of groups and
skills, never with the number of agents or waiting contacts.

Overflow targets are groups, not queues: a contact becomes eligible for further groups as
it waits, so routing can never cycle.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence

import numpy as np
import simpy

from sim.core.scenario import Scenario
from sim.model.agent import Agent
from sim.model.states import ContactState

__all__ = ["Router"]

_EPS = 1e-9  # seconds: slack when comparing a contact's wait with an overflow delay
_WAITING = int(ContactState.WAITING)  # a plain int: compared once per queue head looked at


class Router:
    """Queues, agent availability and the routing rules of one replication."""

    def __init__(
        self,
        scenario: Scenario,
        arrival: list[float],
        ctype: Sequence[int],
        state: bytearray,
        callback: bytearray,
        env: simpy.Environment,
        rng: np.random.Generator,
    ) -> None:
        self.env = env
        self.rng = rng
        self.arrival = arrival
        self.ctype = ctype
        self.state = state
        types, groups = scenario.contact_types, scenario.groups
        type_index = {t.name: k for k, t in enumerate(types)}
        group_index = {g.name: k for k, g in enumerate(groups)}
        self.agent_rule = scenario.routing.agent_selection
        self.contact_rule = scenario.routing.contact_selection
        self.is_chat = [t.channel == "chat" for t in types]
        self.threshold = [t.service_level.threshold_seconds for t in types]
        self.target = [t.service_level.target for t in types]
        self.capacity = [g.chat_concurrency for g in groups]
        self.stretch = [g.chat_stretch for g in groups]
        self.proficiency = [[math.nan] * len(types) for _ in groups]
        for g, group in enumerate(groups):
            for skill in group.skills:
                self.proficiency[g][type_index[skill.contact_type]] = skill.proficiency
        # Eligibility: stage 0 = groups with the skill not named in an overflow step.
        self.overflow_delays: list[list[float]] = []
        self.stage_groups: list[list[list[int]]] = []
        delay_for = [[0.0] * len(types) for _ in groups]
        for k, t in enumerate(types):
            later = {group_index[g] for step in t.overflow for g in step.groups}
            skilled = [g for g, group in enumerate(groups) if group.skill_for(t.name)]
            stages = [[g for g in skilled if g not in later]]
            for step in t.overflow:
                stages.append([group_index[g] for g in step.groups])
                for g in stages[-1]:
                    delay_for[g][k] = step.after_seconds
            self.stage_groups.append(stages)
            self.overflow_delays.append([step.after_seconds for step in t.overflow])
        self.stage_order = [
            [self._ordered(k, stage, groups) for stage in stages]
            for k, stages in enumerate(self.stage_groups)
        ]
        # What each group serves: live queues by preference level, then deferrable ones.
        self._types = types
        self._delay_for = delay_for
        self._planned_delay_for = [list(row) for row in delay_for]
        self.planned_levels = [
            {type_index[s.contact_type]: s.level for s in group.skills} for group in groups
        ]
        self.levels = [dict(levels) for levels in self.planned_levels]
        self.serve_levels: list[list[list[tuple[int, int, float]]]] = []
        self.deferred: list[list[tuple[int, int, float]]] = []
        for g in range(len(groups)):
            live_levels, later_work = self._serving_order(g)
            self.serve_levels.append(live_levels)
            self.deferred.append(later_work)
        self.queues: list[deque[int]] = [deque() for _ in types]
        # Callbacks (a policy may offer them): per type, in order of acceptance.
        self.callback = callback  # 1 if contact i accepted a callback (a policy offered it)
        self.callback_queues: list[deque[int]] = [deque() for _ in types]
        self.callbacks_waiting = [0] * len(types)
        self.callbacks_total = 0
        self.callback_types = [
            [k for k in self.planned_levels[g] if types[k].channel != "email"]
            for g in range(len(groups))
        ]
        self.waiting = [0] * len(types)
        self.answered_in_threshold = [0] * len(types)
        self.decided = [0] * len(types)  # answered or abandoned so far today
        self.available: list[list[deque[tuple[int, Agent]]]] = [
            [deque() for _ in range(c)] for c in self.capacity
        ]
        self.available_count = [[0] * c for c in self.capacity]
        self.logged_in: list[dict[int, Agent]] = [{} for _ in groups]
        self.group_offline = [0] * len(groups)  # site outages in progress per group

    def _serving_order(self, g: int):
        types, levels = self._types, self.levels[g]
        live: dict[int, list[tuple[int, int, float]]] = {}
        later_work = []
        for k in sorted(levels, key=lambda k: (levels[k], types[k].priority)):
            entry = (types[k].priority, k, self._delay_for[g][k])
            if types[k].channel == "email":
                later_work.append(entry)
            else:
                live.setdefault(levels[k], []).append(entry)
        return [live[level] for level in sorted(live)], later_work

    def set_level(self, g: int, k: int, level: int | None, immediate: bool = False) -> bool:
        """Serve type ``k`` at preference ``level`` in group ``g`` (``None``: as planned,
        overflow delay included). ``immediate``: group ``g`` may also take type ``k`` at
        once, without its overflow delay.

        Returns whether anything changed; a group without the skill is left alone.
        """
        if k not in self.levels[g]:
            return False
        new = self.planned_levels[g][k] if level is None else level
        delay = 0.0 if immediate else self._planned_delay_for[g][k]
        if level is None:
            delay = self._planned_delay_for[g][k]
        if self.levels[g][k] == new and self._delay_for[g][k] == delay:
            return False
        self.levels[g][k] = new
        self._delay_for[g][k] = delay
        first = self.stage_order[k][0]
        if delay == 0.0 and g not in first:
            first.append(g)  # eligible at arrival, after the planned groups
        elif delay > 0.0 and g in first and g not in self.stage_groups[k][0]:
            first.remove(g)
        self.serve_levels[g], self.deferred[g] = self._serving_order(g)
        return True

    def _ordered(self, k: int, stage: list[int], groups) -> list[int]:
        if self.agent_rule == "fewest_skills":
            return sorted(stage, key=lambda g: (len(groups[g].skills), g))
        if self.agent_rule == "most_proficient":
            return sorted(stage, key=lambda g: (self.proficiency[g][k], g))
        return list(stage)

    # -- agents' availability -----------------------------------------------------------

    def new_agent(self, agent_id: int, group: int) -> Agent:
        """Log a new agent into ``group`` (not yet listed as available)."""
        agent = Agent(agent_id, group, self.env.now)
        agent.offline = self.group_offline[group]
        self.logged_in[group][agent_id] = agent
        return agent

    def unlist(self, agent: Agent) -> None:
        """Take ``agent`` off the available lists (stale entries are skipped lazily)."""
        if agent.bucket >= 0:
            self.available_count[agent.group][agent.bucket] -= 1
            agent.bucket = -1
        agent.stamp += 1

    def list_available(self, agent: Agent) -> None:
        """(Re)list ``agent`` as available if it can take another contact."""
        g = agent.group
        if agent.bucket >= 0:  # unlist (inlined: this runs for every contact taken or ended)
            self.available_count[g][agent.bucket] -= 1
            agent.bucket = -1
        agent.stamp += 1
        if (
            agent.leaving
            or agent.logged_out
            or agent.away
            or agent.offline
            or agent.exclusive
            or agent.sessions >= self.capacity[g]
        ):
            return
        m = agent.sessions
        agent.bucket = m
        agent.since = self.env.now
        self.available[g][m].append((agent.stamp, agent))
        self.available_count[g][m] += 1

    def _head_agent(self, g: int, m: int) -> Agent:
        entries = self.available[g][m]
        while True:
            stamp, agent = entries[0]
            if stamp == agent.stamp:
                return agent
            entries.popleft()

    def _candidate(self, g: int, chat: bool) -> tuple[int, Agent] | None:
        counts = self.available_count[g]
        for m in range(len(counts) if chat else 1):
            if counts[m]:
                return m, self._head_agent(g, m)
        return None

    def find_agent(self, k: int, stage: int) -> Agent | None:
        """The available agent who takes a new contact of type ``k`` eligible at ``stage``."""
        chat = self.is_chat[k]
        groups = self.stage_order[k][stage]
        rule = self.agent_rule
        if not chat and rule != "random":
            # Voice and email (every new contact's path, kept lean): idle agents only, the
            # head of each group's idle deque; longest_idle takes the one idle longest (the
            # first group on a tie), the other rules the first group's.
            best: Agent | None = None
            counts, available = self.available_count, self.available
            for g in groups:
                if counts[g][0]:
                    entries = available[g][0]
                    while True:  # the head agent, stale entries dropped
                        stamp, agent = entries[0]
                        if stamp == agent.stamp:
                            break
                        entries.popleft()
                    if rule != "longest_idle":
                        return agent
                    if best is None or agent.since < best.since:
                        best = agent
            return best
        if rule == "longest_idle":
            best = None
            best_key = (math.inf, math.inf)
            for g in groups:
                found = self._candidate(g, chat)
                if found is not None and (found[0], found[1].since) < best_key:
                    best_key = (found[0], found[1].since)
                    best = found[1]
            return best
        if self.agent_rule == "random":
            return self._random_agent(groups, chat)
        for g in groups:  # fewest_skills, most_proficient: groups in preference order
            found = self._candidate(g, chat)
            if found is not None:
                return found[1]
        return None

    def _random_agent(self, groups: list[int], chat: bool) -> Agent | None:
        pools = []
        for g in groups:
            for m in range(len(self.available_count[g]) if chat else 1):
                if self.available_count[g][m]:
                    pools.append((g, m, self.available_count[g][m]))
        total = sum(c for _, _, c in pools)
        if total == 0:
            return None
        r = int(self.rng.integers(total))
        for g, m, c in pools:
            if r < c:
                entries = deque(e for e in self.available[g][m] if e[0] == e[1].stamp)
                self.available[g][m] = entries
                return entries[r][1]
            r -= c
        raise AssertionError("unreachable: r < total")

    def pop_idle(self, g: int) -> Agent | None:
        """Take the most recently idle agent of group ``g`` off the idle list (to log out)."""
        entries = self.available[g][0]
        while entries:
            stamp, agent = entries.pop()
            if stamp == agent.stamp:
                self.unlist(agent)
                return agent
        return None

    def send_home_when_free(self, agent: Agent) -> None:
        """Mark a busy agent to leave once it holds nothing; it takes no new contact."""
        agent.leaving = True
        agent.leaving_at = self.env.now
        self.unlist(agent)

    def go_away(self, agent: Agent) -> None:
        """The agent is due off the phone: it takes no new contact (it may still hold some)."""
        agent.away = True
        self.unlist(agent)

    def come_back(self, agent: Agent) -> None:
        """The agent is back on the phone (the caller then gives it work and relists it)."""
        agent.away = False

    def keep(self, agent: Agent) -> None:
        """Cancel a pending departure."""
        agent.leaving = False
        agent.leaving_at = math.nan

    def log_out(self, agent: Agent) -> None:
        """Remove ``agent`` from its group now."""
        self.unlist(agent)
        agent.logged_out = True
        agent.logout_at = self.env.now
        del self.logged_in[agent.group][agent.id]

    # -- contacts -----------------------------------------------------------------------

    def enqueue(self, i: int) -> None:
        """Contact ``i`` found no agent: it waits in its type's queue."""
        k = self.ctype[i]
        self.queues[k].append(i)
        self.waiting[k] += 1

    def enqueue_callback(self, i: int) -> None:
        """Contact ``i`` accepted a callback: it waits in its type's callback queue."""
        k = self.ctype[i]
        self.callback_queues[k].append(i)
        self.callbacks_waiting[k] += 1
        self.callbacks_total += 1

    def dequeued(self, i: int, answered: bool) -> None:
        """Contact ``i`` left its queue (answered, or abandoned/outsourced if not ``answered``)."""
        k = self.ctype[i]
        if self.callback[i]:
            self.callback_queues[k].popleft()  # callbacks are taken in order
            self.callbacks_waiting[k] -= 1
            self.callbacks_total -= 1
            return
        self.waiting[k] -= 1
        if not answered:
            self.decided[k] += 1

    def took(self, agent: Agent, i: int) -> float:
        """``agent`` takes contact ``i``; returns the handle-time multiplier it works at."""
        k = self.ctype[i]
        g = agent.group
        now = self.env.now
        multiplier = self.proficiency[g][k]
        chat = self.is_chat[k]
        if chat:
            multiplier *= 1.0 + self.stretch[g] * agent.sessions
        else:
            agent.exclusive = True
        if not agent.busy_open:
            agent.busy_since = now
            agent.busy_open = True
        agent.sessions += 1
        if not self.callback[i]:  # a callback has its own service level
            self.decided[k] += 1
            if now - self.arrival[i] <= self.threshold[k]:
                self.answered_in_threshold[k] += 1
        if chat:
            self.list_available(agent)  # may still have room for another chat
        else:  # unlist (inlined: this runs for every contact taken)
            if agent.bucket >= 0:
                self.available_count[g][agent.bucket] -= 1
                agent.bucket = -1
            agent.stamp += 1
        return multiplier

    def holds(self, agent: Agent, i: int) -> None:
        """``agent`` (just logged in, not listed) holds contact ``i`` from the start of a
        continued day: busy from now; the contact was answered before the day continued, so
        no answer is counted now."""
        if not self.is_chat[self.ctype[i]]:
            agent.exclusive = True
        if not agent.busy_open:
            agent.busy_since = self.env.now
            agent.busy_open = True
        agent.sessions += 1

    def released(self, agent: Agent, i: int) -> bool:
        """``agent`` finished contact ``i`` (wrap-up included); True if it now holds nothing."""
        agent.sessions -= 1
        if agent.sessions == 0:
            agent.exclusive = False
            return True
        return False

    def head(self, k: int) -> int:
        """The longest-waiting live contact of type ``k``, or -1."""
        return self._head(k)

    def _head(self, k: int) -> int:
        queue, state = self.queues[k], self.state
        while queue:
            i = queue[0]
            if state[i] == _WAITING:
                return i
            queue.popleft()
        return -1

    def _service_level_so_far(self, k: int) -> float:
        return self.answered_in_threshold[k] / self.decided[k] if self.decided[k] else 1.0

    def _best(self, entries: list[tuple[int, int, float]], only_chat: bool, now: float) -> int:
        best, best_key = -1, (0.0, 0.0)
        gap_rule = self.contact_rule == "service_level_gap"
        queues, state, arrival = self.queues, self.state, self.arrival
        for priority, k, delay in entries:
            if only_chat and not self.is_chat[k]:
                continue
            queue = queues[k]
            while queue:  # the queue's head (:meth:`_head`, inlined: once per agent freed)
                i = queue[0]
                if state[i] == _WAITING:
                    break
                queue.popleft()
            else:
                continue
            if arrival[i] + delay > now + _EPS:
                continue
            rank = self._service_level_so_far(k) - self.target[k] if gap_rule else priority
            key = (rank, arrival[i])
            if best < 0 or key < best_key:
                best, best_key = i, key
        return best

    def next_contact(self, agent: Agent) -> int:
        """The waiting contact a free (or partly free) ``agent`` takes next, or -1.

        ``preference``: the lowest preference level with an eligible contact, then the
        lowest priority number, then the longest wait. ``service_level_gap``: the queue
        furthest below its service-level target so far today, then the longest wait.
        Deferrable work (email) only when no live contact is eligible for the agent.
        """
        g = agent.group
        if (
            agent.exclusive  # first: an agent that just took a voice call asks again
            or agent.leaving
            or agent.away
            or agent.offline
            or agent.sessions >= self.capacity[g]
        ):
            return -1
        only_chat = agent.sessions > 0
        now = self.env.now
        if self.contact_rule == "service_level_gap":
            live = [entry for level in self.serve_levels[g] for entry in level]
            i = self._best(live, only_chat, now)
            if i >= 0:
                return i
        else:
            for level in self.serve_levels[g]:
                i = self._best(level, only_chat, now)
                if i >= 0:
                    return i
        if only_chat:
            return -1
        if self.callbacks_total:
            i = self._best_callback(g, now)
            if i >= 0:
                return i
        return self._best(self.deferred[g], False, now)

    def _best_callback(self, g: int, now: float) -> int:
        # Callbacks never abandon and leave their queue only when taken: the head is it. An
        # overflow group takes it only once the overflow step's delay has passed.
        best = -1
        delay_for = self._delay_for[g]
        for k in self.callback_types[g]:
            if self.callbacks_waiting[k]:
                i = self.callback_queues[k][0]
                if self.arrival[i] + delay_for[k] > now + _EPS:
                    continue
                if best < 0 or self.arrival[i] < self.arrival[best]:
                    best = i
        return best
