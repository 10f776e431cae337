"""The SimPy world of one replication: contacts arrive, queue, abandon or are served.

Shape, chosen for speed and for exactness:

* Every contact's own attributes (type, arrival time, base handle time, wrap-up, patience)
  are drawn up front from per-type streams, so the i-th contact of a type gets the same
  draws whatever routing or a policy does later. A contact is its index into those arrays.
* Agents are plain objects driven by SimPy events: a service is one timeout whose callback
  frees the agent, who then pulls the next contact it may serve (see ``sim.model.routing``).
* Patience and overflow are timeout callbacks; a contact that abandons or is answered
  elsewhere is skipped lazily when agents look at the head of its queue.
* The staffing table is applied per group at interval boundaries: surplus idle agents log
  out at once (most recently idle first), surplus busy agents finish what they have in hand
  (wrap-up included) and then leave (earliest log-in first). A count-staffed group with
  absenteeism has its table thinned by absence drawn per slot (:mod:`sim.model.slots`),
  applied at interval boundaries and at the moments a slot logs in late, leaves or goes
  into or out of aux time.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence

import numpy as np
import simpy

from sim.core.scenario import Scenario
from sim.core.streams import Streams
from sim.model.agent import Agent
from sim.model.demand import realise_demand
from sim.model.draws import ContactDraws, draw_contacts
from sim.model.fatigue import RollingOccupancy
from sim.model.follow_ups import FollowUps
from sim.model.interventions import Interventions
from sim.model.outages import Outages
from sim.model.outcome import ReplicationOutcome
from sim.model.resume import Continuation, continue_draws
from sim.model.routing import Router
from sim.model.scales import IntervalScales
from sim.model.slots import CountAbsence, plan_count_absence
from sim.model.states import AfterTalk, ContactState, ItemState, Origin
from sim.model.workdays import AwayLog, DayItem, item_arrays, plan_days
from sim.policies.api import RealtimePolicy

__all__ = ["ContactCenter", "simulate"]


def _values(values: np.ndarray, dtype) -> Sequence:
    """Read-only, zero-copy view of a 1-d array whose items are plain Python numbers."""
    return memoryview(np.ascontiguousarray(values, dtype=dtype))  # type: ignore[arg-type]


class ContactCenter:
    """One replication of a scenario: build it, then call :meth:`run` once.

    The contact flow, agents and staffing live here; outages and redials
    (:class:`~sim.model.outages.Outages`), repeats and escalations
    (:class:`~sim.model.follow_ups.FollowUps`) and the realtime analyst's interventions
    (:class:`~sim.model.interventions.Interventions`) are components that act on the world
    through its public methods. ``policy``: the realtime policy consulted during the day
    (``None``: nobody intervenes, and no intervention machinery runs).
    """

    def __init__(
        self,
        scenario: Scenario,
        contacts: ContactDraws,
        streams: Streams | None = None,
        policy: RealtimePolicy | None = None,
        continuation: Continuation | None = None,
    ) -> None:
        streams = streams or Streams(0, 0)
        self.streams = streams
        self.scenario = scenario
        # A continued day (scenario.start) starts its clock at the snapshot's moment.
        self.continuation = continuation
        state = scenario.start if continuation is not None else None
        self.start_seconds = 0.0 if state is None else state.at_seconds
        self.env = simpy.Environment(initial_time=self.start_seconds)
        self.contacts = contacts
        n = len(contacts.arrival)
        # Arrival times are read often: a list is fastest. Values read once or twice are read
        # through a memoryview of the numpy array: no copy, yet plain Python numbers.
        self.arrival: list[float] = contacts.arrival.tolist()
        self.handle = _values(contacts.handle, float)
        self.wrap = _values(contacts.wrap, float)
        self.patience = _values(contacts.patience, float)
        self.ctype = _values(contacts.contact_type, np.int32)
        # Outcomes, as plain Python containers: cheapest to write from the event loop.
        self.state = bytearray(n)  # ContactState.WAITING until resolved
        self.queued = bytearray(n)  # 1 if the contact had to wait in a queue
        self.callback = bytearray(n)  # 1 if the contact accepted a callback
        self.dropped = bytearray(n)  # 1 if an outage cut the contact off in service
        # Typed arrays: 8 bytes a value instead of a float object's 32.
        self.resolved_at = array("d", [math.nan]) * n  # answer or abandonment time
        self.agent_of = array("i", [-1]) * n
        self.work = array("d", [math.nan]) * n  # agent time: talk (after proficiency) + wrap-up
        self.talk_end = array("d", [math.nan]) * n  # end of the talk (cut short by an outage)
        self.after_talk = bytearray(n)  # AfterTalk: what the talk led to
        self.first_attempts = contacts.first_attempts
        self.trunks = scenario.trunks
        self.in_system = 0  # voice contacts holding a line: waiting or talking
        self.is_voice = [t.channel == "voice" for t in scenario.contact_types]
        self.offered_so_far = [0] * len(scenario.contact_types)
        if state is not None:  # the view's day so far includes the snapshot's figures
            self.offered_so_far = [int(v) for v in state.actual("offered").sum(axis=1)]
        # Agents and their days.
        self.agents: list[Agent] = []
        self.agent_day: list[int] = []  # index into self.days, -1 for count-staffed agents
        self.days = plan_days(scenario.groups, streams)
        self.day_items = [[DayItem(*item) for item in day.items] for day in self.days]
        self.day_agent = [-1] * len(self.days)  # agent id of each scheduled day, once logged in
        self.sent_home = [False] * len(self.days)  # voluntary time off accepted
        # The process of each scheduled day while it sleeps until its next item is due (else
        # None): a policy that brings an item forward wakes it (:meth:`item_moved`).
        self.day_sleeping: list[simpy.Process | None] = [None] * len(self.days)
        self.staff_offset = [0] * len(scenario.groups)  # overtime called in, minus time off
        # Absence of count-staffed groups, drawn per slot up front (None: no absenteeism).
        self.count_absence: list[CountAbsence | None] = plan_count_absence(
            scenario.groups, scenario.intervals, scenario.interval_seconds, streams
        )
        self.away_log = AwayLog()
        self.busy_log = (array("i"), array("d"), array("d"))  # agent, start, end
        self.router = Router(
            scenario,
            self.arrival,
            self.ctype,
            self.state,
            self.callback,
            self.env,
            streams["routing"],
        )
        self.outages = Outages(self, streams)
        self.telephony = bool(self.outages.telephony)
        self.crm = bool(self.outages.crm)
        # Contacts in hand are tracked only when a site outage may cut them off.
        self.track_in_hand = self.outages.drops_in_hand
        # Per-interval handle times (None: none, and nothing is multiplied).
        self.scales = IntervalScales.of(scenario)
        self.talk_until: dict[int, float] = {}  # contact in hand -> end of its talk
        if policy is not None and (problems := policy.check(scenario)):
            raise ValueError(
                "the policy's parameters do not fit the scenario: "
                + "; ".join(f"{name} = {value!r}: {why}" for name, value, why in problems)
            )
        self.interventions = (
            Interventions(self, policy, streams)
            if policy is not None and policy.check_interval_seconds is not None
            else None
        )
        # Rolling occupancy per group, for fatigue and the view (None: neither needs it).
        self.rolling = (
            RollingOccupancy(self)
            if self.interventions is not None or any(g.fatigue for g in scenario.groups)
            else None
        )
        # Repeats and escalations (None: every answered contact is resolved at its talk's end).
        self.follow_ups = FollowUps(self) if contacts.follow_up is not None else None
        for j in range(self.first_attempts, n):  # redial slots stay unused unless called
            self.state[j] = ContactState.UNUSED

    @property
    def now(self) -> float:
        """Simulated seconds since time 0."""
        return self.env.now

    def rolling_occupancy(self, g: int) -> float:
        """Group ``g``'s rolling 60-minute occupancy as of the last whole minute
        (:mod:`sim.core.fatigue`); NaN when it is not tracked."""
        return math.nan if self.rolling is None else self.rolling.occupancy(g)

    # -- contacts ---------------------------------------------------------------------

    def _next_arrival(self, i: int) -> None:
        # A chain of timeouts, one per contact: cheaper than a process resumed per arrival.
        if i < self.first_attempts:
            self.env.timeout(self.arrival[i] - self.env.now, i).callbacks.append(self._arrive)

    def _arrive(self, event: simpy.Event) -> None:
        i: int = event.value  # type: ignore[assignment]
        self.admit(i)
        self._next_arrival(i + 1)

    def admit(self, i: int, transfer: bool = False) -> None:
        """Contact ``i`` calls in: lost, blocked, answered at once, or queued. A ``transfer``
        (escalated by an agent) is already connected: never lost nor blocked."""
        k = self.ctype[i]
        self.offered_so_far[k] += 1
        if self.telephony and not transfer:
            down_until = self.outages.telephony_down_until(self.env.now)
            if down_until is not None:
                self.outages.lost(i, down_until)
                return
        trunks = self.trunks
        if trunks is not None and self.is_voice[k] and not transfer:  # a transfer keeps its line
            if self.in_system >= trunks:
                self.state[i] = ContactState.BLOCKED
                self.outages.maybe_redial(i, self.env.now)
                return
            self.in_system += 1
        agent = self.router.find_agent(k, 0)
        if agent is not None:
            self._start(agent, i)
        else:
            timeout = self.env.timeout
            interventions = self.interventions
            if interventions is None or not interventions.offers_callback(i, k):
                self.router.enqueue(i)
                self.queued[i] = 1
                if interventions is not None:
                    interventions.watch_for_outsourcing(i, k)
                p = self.patience[i]
                if p != math.inf:
                    timeout(p, i).callbacks.append(self._abandon)
            # A callback, too, becomes work for an overflow group only after the step's delay.
            for step, delay in enumerate(self.router.overflow_delays[k], start=1):
                timeout(delay, (i, step)).callbacks.append(self._overflow)

    def _abandon(self, event: simpy.Event) -> None:
        i: int = event.value  # type: ignore[assignment]  # the contact index given to the timeout
        if self.state[i] == ContactState.WAITING:
            self.state[i] = ContactState.ABANDONED
            self.resolved_at[i] = self.env.now
            self.router.dequeued(i, answered=False)
            self.free_line(i)
            self.outages.maybe_redial(i, self.env.now)

    def _overflow(self, event: simpy.Event) -> None:
        i, step = event.value  # type: ignore[misc]
        if self.state[i] == ContactState.WAITING:
            agent = self.router.find_agent(self.ctype[i], step)
            if agent is not None:
                if self.callback[i]:  # callbacks are taken in order: the agent takes the first
                    self.serve_next(agent)
                else:
                    self._start(agent, i)

    # -- service ----------------------------------------------------------------------

    def _start(self, agent: Agent, i: int) -> None:
        now = self.env.now
        if self.state[i] == ContactState.WAITING and self.queued[i]:
            self.router.dequeued(i, answered=True)
        self.state[i] = ContactState.ANSWERED
        self.resolved_at[i] = now
        self.agent_of[i] = agent.id
        follow_ups = self.follow_ups
        if follow_ups is not None and follow_ups.holds:  # a warm transfer's first agent lets go
            follow_ups.hold_ends(i)
        talk = self.handle[i] * self.router.took(agent, i)
        if self.crm:
            talk *= self.outages.crm_factor(agent.group)
        wrap = self.wrap[i]
        if self.scales is not None:  # the type's handle times in the contact's arrival interval
            talk, wrap = self.scales.apply(self.ctype[i], self.arrival[i], talk, wrap)
        if self.rolling is not None:  # fatigue: sustained occupancy stretches the talk
            factor = self.rolling.talk_factor(agent.group)
            if factor is not None:
                talk *= factor
        work = talk + wrap
        self.work[i] = work
        agent.talk_until = now + talk
        if self.track_in_hand:
            agent.in_hand.append(i)
            self.talk_until[i] = now + talk
        if self.trunks is not None and self.is_voice[self.ctype[i]]:
            self.env.timeout(talk, i).callbacks.append(self._talk_ends)
        self.talk_end[i] = now + talk
        if follow_ups is not None and follow_ups.watched[self.ctype[i]]:
            if follow_ups.took(agent, i, talk, work):  # warm transfer: the hold ends the work
                return
        self.env.timeout(work, (agent, i)).callbacks.append(self._end)

    def finish(self, agent: Agent, i: int, after: float) -> None:
        """``agent`` finishes contact ``i`` ``after`` seconds from now (then :meth:`release`)."""
        self.env.timeout(after, (agent, i)).callbacks.append(self._end)

    def free_line(self, i: int) -> None:
        """Contact ``i`` no longer holds a line (hung up, answered talk ended, called back
        later, handed on): with a line limit, a voice contact frees one; a warm transfer
        that hangs up or leaves the queue lets its first agent go."""
        if self.trunks is not None and self.is_voice[self.ctype[i]]:
            self.in_system -= 1
        if self.follow_ups is not None and self.follow_ups.holds:  # it hung up, or left the queue
            self.follow_ups.hold_ends(i)

    def _talk_ends(self, event: simpy.Event) -> None:
        i: int = event.value  # type: ignore[assignment]
        if not self.dropped[i]:
            self.free_line(i)
            self.talk_until.pop(i, None)

    def _end(self, event: simpy.Event) -> None:
        agent, i = event.value  # type: ignore[misc]
        if self.dropped[i]:  # an outage cut it off earlier
            return
        if self.track_in_hand:
            agent.in_hand.remove(i)
        self.release(agent, i)

    def release(self, agent: Agent, i: int) -> None:
        """``agent`` is done with contact ``i``: log, let it leave or go away, or serve next."""
        router = self.router
        if router.released(agent, i):  # the agent holds nothing now
            if agent.offline and agent.offline_since == math.inf:
                agent.offline_since = self.env.now  # an outage took it; it was busy until now
            if agent.leaving:
                self._close_busy(agent)
                self.log_out(agent)
                return
            if agent.free_event is not None:  # an off-phone item was waiting for this
                self._close_busy(agent)
                agent.free_event.succeed()
                return
            self.serve_next(agent)
            if agent.sessions == 0:  # nothing waiting: the busy period ends here
                self._close_busy(agent)
            return
        self.serve_next(agent)

    def _close_busy(self, agent: Agent) -> None:
        # One record per unbroken busy period: back-to-back contacts extend it.
        log = self.busy_log
        log[0].append(agent.id)
        log[1].append(agent.busy_since)
        log[2].append(self.env.now)
        agent.busy_open = False

    def serve_next(self, agent: Agent) -> None:
        """Give a free (or partly free) agent waiting work, then list it as available."""
        router = self.router
        while True:
            i = router.next_contact(agent)
            if i < 0:
                break
            self._start(agent, i)
        router.list_available(agent)

    # -- staffing ---------------------------------------------------------------------

    def log_in(self, group: int) -> Agent:
        """A new agent of ``group`` logs in and takes waiting work."""
        agent = self.router.new_agent(len(self.agents), group)
        self.agents.append(agent)
        self.agent_day.append(-1)
        self.serve_next(agent)
        return agent

    def _agent_day(self, day_index: int):
        """A scheduled agent's day: log in, go through its off-phone items, log out."""
        env, router, away = self.env, self.router, self.away_log
        day = self.days[day_index]
        shift = day.shift
        if not day.present:
            away.add(-1, day, "absent", shift.start, shift.start, shift.end)
            return
        yield env.timeout(day.login - env.now)
        agent = self.log_in(day.group)
        self.agent_day[agent.id] = day_index
        self.day_agent[day_index] = agent.id
        if day.login > shift.start:
            away.add(agent.id, day, "absent", shift.start, shift.start, day.login)
        items = self.day_items[day_index]
        while True:
            item = _next_item(items)
            if item is None or item.due >= day.logout:
                break
            if item.due > env.now:
                self.day_sleeping[day_index] = env.active_process
                try:
                    yield env.timeout(item.due - env.now)
                except simpy.Interrupt:
                    pass  # an item was brought forward (:meth:`item_moved`)
                self.day_sleeping[day_index] = None
                if agent.logged_out:  # sent home early (voluntary time off)
                    return
                continue  # a policy may have moved or dropped it meanwhile: look again
            item.state = ItemState.RUNNING
            router.go_away(agent)
            if agent.sessions > 0:  # finish what is in hand first: the item starts late
                agent.free_event = env.event()
                yield agent.free_event
                agent.free_event = None
            start = env.now
            end = min(start + item.duration, max(day.logout, start))
            agent.doing = item.kind
            if end > start:
                yield env.timeout(end - start)
            agent.doing = None
            item.state = ItemState.DONE
            away.add(agent.id, day, item.kind, item.planned, start, end)
            router.come_back(agent)
            self.serve_next(agent)
        if day.logout > env.now:
            yield env.timeout(day.logout - env.now)
            if agent.logged_out:
                return
        if day.logout < shift.end:  # leaves early: absent from the moment it logs out
            agent.absent_until = shift.end
        if agent.sessions > 0:
            router.send_home_when_free(agent)
        else:
            self.log_out(agent)

    def item_moved(self, day_index: int) -> None:
        """An item of scheduled day ``day_index`` was brought forward: if the agent sleeps
        until its next item, it wakes now and looks again (else it would sleep on to the
        item's old due time)."""
        process = self.day_sleeping[day_index]
        if process is not None:
            self.day_sleeping[day_index] = None
            process.interrupt("item moved")

    def log_out(self, agent: Agent) -> None:
        """``agent`` logs out now (it holds nothing); absence after an early leave is logged."""
        if agent.offline:
            self.outages.log_offline(agent)
        if agent.absent_until is not None:
            day = self.days[self.agent_day[agent.id]]
            now = self.env.now
            self.away_log.add(
                agent.id, day, "absent", day.logout, now, max(now, agent.absent_until)
            )
        self.router.log_out(agent)

    def _staffing(self):
        env = self.env
        scenario = self.scenario
        counted = [g for g, group in enumerate(scenario.groups) if not group.scheduled]
        first = int(env.now // scenario.interval_seconds)
        for k in range(first, scenario.intervals):
            # A day continued mid-day keeps the snapshot's agents until the next boundary.
            if self.start_seconds == 0 or k > first:
                for g in counted:
                    self.set_staff(g, self.current_staffing(g))
            yield env.timeout((k + 1) * scenario.interval_seconds - env.now)

    def _absence_changes(self, g: int, absence: CountAbsence):
        """Count-staffed group ``g``: follow its slots' late log-ins, early leaves and aux
        time between interval boundaries."""
        env = self.env
        for t in absence.changes:
            if t < env.now:  # a continued day: before its start
                continue
            yield env.timeout(t - env.now)
            self.set_staff(g, self.current_staffing(g))

    def current_staffing(self, g: int) -> int:
        """Agents count-staffed group ``g`` should have logged in now: the staffing table
        (less the slots absent now, if the group has absenteeism), plus overtime called in,
        minus voluntary time off."""
        absence = self.count_absence[g]
        if absence is not None:
            return max(0, absence.on_phone(self.env.now) + self.staff_offset[g])
        scenario = self.scenario
        k = min(int(self.env.now // scenario.interval_seconds), scenario.intervals - 1)
        return max(0, int(scenario.groups[g].staffing[k]) + self.staff_offset[g])

    def set_staff(self, group: int, target: int) -> None:
        """Log agents of count-staffed ``group`` in or out until ``target`` stay logged in."""
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
                    self.serve_next(agent)
                    surplus += 1
            for _ in range(-surplus):
                self.log_in(group)
            return
        while surplus > 0:
            idle = router.pop_idle(group)  # most recently idle first
            if idle is None:
                break
            self.log_out(idle)
            surplus -= 1
        for agent in staying:  # then idle agents kept off the phone by an outage
            if surplus == 0:
                break
            if agent.sessions == 0 and agent.offline and not agent.logged_out:
                self.log_out(agent)
                surplus -= 1
        for agent in staying:  # then busy agents, earliest log-in first
            if surplus == 0:
                break
            if agent.sessions > 0 and not agent.leaving:
                router.send_home_when_free(agent)
                surplus -= 1

    # -- run --------------------------------------------------------------------------

    def _resume(self, continuation: Continuation) -> None:
        """A continued day, at its first moment: the snapshot's agents log in with the
        contacts in their hands (or off the phone for the time left), the waiting contacts
        queue again with their patience left, then free agents take work."""
        state = self.scenario.start
        assert state is not None
        env, router, now = self.env, self.router, self.env.now
        horizon = self.scenario.horizon_seconds
        for agent_state, slots in zip(state.agents, continuation.holders, strict=True):
            agent = router.new_agent(len(self.agents), agent_state.group)
            self.agents.append(agent)
            self.agent_day.append(-1)
            for i in slots:
                self.state[i] = ContactState.ANSWERED
                self.resolved_at[i] = self.arrival[i]  # taken when it arrived: it never waited
                self.agent_of[i] = agent.id
                work = float(continuation.work[i])
                self.work[i] = work
                end = self.arrival[i] + work
                self.talk_end[i] = end
                agent.talk_until = end
                router.holds(agent, i)
                env.timeout(end - now, (agent, i)).callbacks.append(self._end)
            if agent_state.leaving and agent.sessions > 0:
                router.send_home_when_free(agent)
            away = agent_state.away_seconds_left
            if away > 0:
                router.go_away(agent)
                agent.doing = "break"
                self.away_log.add_raw(
                    agent.id, agent.group, -1, "break", now, now, min(now + away, horizon)
                )
                env.timeout(away, agent).callbacks.append(self._back_on_phone)
        timeout = env.timeout
        called_back = set(continuation.callbacks)
        origin = self.contacts.origin
        assert origin is not None
        for i in range(continuation.carried):
            if origin[i] == Origin.IN_HAND:
                continue
            k = self.ctype[i]
            waited = now - self.arrival[i]
            if i in called_back:
                self.callback[i] = 1
                router.enqueue_callback(i)
            else:
                router.enqueue(i)
                self.queued[i] = 1
            p = self.patience[i]
            if p != math.inf:
                timeout(max(0.0, p - waited), i).callbacks.append(self._abandon)
            for step, delay in enumerate(router.overflow_delays[k], start=1):
                timeout(max(0.0, delay - waited), (i, step)).callbacks.append(self._overflow)
        for agent in self.agents:
            if not agent.away and not agent.leaving:
                self.serve_next(agent)

    def _back_on_phone(self, event: simpy.Event) -> None:
        agent: Agent = event.value  # type: ignore[assignment]
        agent.doing = None
        if not agent.logged_out:
            self.router.come_back(agent)
            self.serve_next(agent)

    def run(self) -> ReplicationOutcome:
        """Simulate the day up to the horizon and return its records."""
        continuation = self.continuation
        if continuation is not None:
            self._resume(continuation)
        self.env.process(self._staffing())
        for g, absence in enumerate(self.count_absence):
            if absence is not None and absence.changes:
                self.env.process(self._absence_changes(g, absence))
        self.outages.start()
        interventions = self.interventions
        if interventions is not None:
            interventions.start()
        if self.rolling is not None:
            self.rolling.start()
        for d in range(len(self.days)):
            self.env.process(self._agent_day(d))
        self._next_arrival(0 if continuation is None else continuation.carried)
        horizon = self.scenario.horizon_seconds
        self.env.run(until=horizon)
        if self.rolling is not None:
            self.rolling.finish()
        log = self.busy_log
        for agent in self.agents:  # close the busy periods still open at the horizon
            if agent.busy_open:
                log[0].append(agent.id)
                log[1].append(agent.busy_since)
                log[2].append(horizon)
        logout = np.array([a.logout_at for a in self.agents], dtype=float)
        logout[np.isnan(logout)] = horizon
        talk_end = np.frombuffer(self.talk_end, dtype=float).copy()
        after_talk = np.frombuffer(bytes(self.after_talk), dtype=np.uint8).copy()
        # A talk that ended in the day and was not followed up resolved its problem.
        after_talk[(after_talk == AfterTalk.OPEN) & (talk_end < horizon)] = AfterTalk.RESOLVED
        # Voluntary time off logs the agent out the moment it is accepted.
        sent_home_at = np.array(
            [
                logout[a] if sent and a >= 0 else math.nan
                for sent, a in zip(self.sent_home, self.day_agent, strict=True)
            ],
            dtype=float,
        )
        return ReplicationOutcome(
            horizon_seconds=horizon,
            arrival=np.asarray(self.arrival, dtype=float),
            contact_type=self.contacts.contact_type,
            handle=self.contacts.handle,
            wrap=self.contacts.wrap
            if self.scales is None
            else self.scales.wrap_times(
                self.contacts.contact_type,
                np.asarray(self.arrival, dtype=float),
                self.contacts.wrap,
            ),
            work=np.frombuffer(self.work, dtype=float).copy(),
            state=np.frombuffer(bytes(self.state), dtype=np.uint8),
            queued=np.frombuffer(bytes(self.queued), dtype=np.bool_),
            resolved_at=np.frombuffer(self.resolved_at, dtype=float).copy(),
            agent=np.frombuffer(self.agent_of, dtype=np.int32).copy(),
            agent_group=np.array([a.group for a in self.agents], dtype=np.int32),
            login_at=np.array([a.login_at for a in self.agents], dtype=float),
            logout_at=logout,
            leaving_at=np.array([a.leaving_at for a in self.agents], dtype=float),
            busy_agent=np.frombuffer(log[0], dtype=np.int32).copy(),
            busy_start=np.frombuffer(log[1], dtype=float).copy(),
            busy_end=np.frombuffer(log[2], dtype=float).copy(),
            agent_day=np.array(self.agent_day, dtype=np.int32),
            dropped=np.frombuffer(bytes(self.dropped), dtype=np.bool_),
            originals=self.first_attempts,
            outage_windows=self.outages.window_table(),
            surge_windows=_surge_windows(self.scenario, self.streams),
            days=tuple(self.days),
            callback=np.frombuffer(bytes(self.callback), dtype=np.bool_),
            callback_threshold=np.array(
                [math.inf] * len(self.scenario.contact_types)
                if interventions is None
                else interventions.callback_threshold,
                dtype=float,
            ),
            extra_cost=(
                np.zeros((len(self.scenario.groups), self.scenario.intervals))
                if interventions is None
                else interventions.extra_cost
            ),
            actions=() if interventions is None else tuple(interventions.action_log),
            sent_home_at=sent_home_at,
            talk_end=talk_end,
            after_talk=after_talk,
            attempt=self.contacts.attempts(),
            customer=self.contacts.customers(),
            concession=self.contacts.concession,
            rolling_occupancy=None if self.rolling is None else self.rolling.occupancy_at_mark,
            logged_in_at_mark=None if self.rolling is None else self.rolling.logged_in_at_mark,
            start_seconds=self.start_seconds,
            origin=self.contacts.origin,
            **self.away_log.arrays(),
            **item_arrays(self.day_items),
        )


def simulate(
    scenario: Scenario, seed: int = 0, replication: int = 0, policy: RealtimePolicy | None = None
) -> ReplicationOutcome:
    """Simulate one replication of ``scenario`` under ``policy`` and return its records.

    The result depends only on ``scenario``, ``seed``, ``replication`` and the policy.
    """
    streams = Streams(seed, replication)
    draws = draw_contacts(scenario, streams)
    if scenario.start is None:
        return ContactCenter(scenario, draws, streams, policy).run()
    continuation = continue_draws(scenario, streams, scenario.start, draws)
    return ContactCenter(scenario, continuation.draws, streams, policy, continuation).run()


def _surge_windows(scenario: Scenario, streams: Streams) -> np.ndarray:
    """The surges that happened in the replication, as rows of ``[start, end)`` seconds and
    the surge's index in ``Scenario.demand.surges``.

    The demand is realised again from fresh streams of the same seed and replication: the
    same draws as the day's (:func:`~sim.model.demand.realise_demand`), and the day's own
    streams are left untouched.
    """
    if not scenario.demand.surges:
        return np.zeros((0, 3))
    realised = realise_demand(scenario, Streams(streams.seed, streams.replication))
    length = scenario.interval_seconds
    return np.array(
        [[w.start * length, w.stop * length, w.surge] for w in realised.surge_windows],
        dtype=float,
    ).reshape(-1, 3)


def _next_item(items: list[DayItem]) -> DayItem | None:
    """The pending item due first (the earliest listed among equals), or None."""
    best = None
    for item in items:
        if item.state == ItemState.PENDING and (best is None or item.due < best.due):
            best = item
    return best
