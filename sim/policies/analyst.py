"""The forecast-aware analyst: reforecast, gap per group and interval, cheapest levers first.

Each check the analyst reads the day through the shared signals and outlook
(:mod:`sim.policies.outlook`): the rest of the day reforecast from what arrived so far, and
per group and interval the agents required against the agents expected on the phone. Then,
for each group short over a persisting run ahead, it pulls the cheapest levers that fit,
each sized to the gap (:mod:`sim.policies.levers`):

1. activities that fall in the shortage move to the trough of the agents' shifts (a group
   session together), or are cancelled when no trough can take them and their agents are
   needed;
2. breaks that fall in it move within their window, later or earlier into a quieter moment;
3. cross-skilled agents serve a struggling queue first and at once (the ``move_agents``
   rules: a rolling service level below target beyond chance, hysteresis, a minimum hold);
4. if the group is still short (no move was possible this check), overtime: agents whose
   shifts end near the gap stay on, else agents off today are called in;
5. callers on voice queues are offered a callback while the expected wait stays long
   (switched on after ``persistence_checks`` checks over ``callback_wait_seconds``, off after
   as many under half of it, held at least an hour);
6. a group with agents to spare over a lasting run, its queues healthy, is offered time off
   for that run only.

``oracle`` is the same analyst told the day's realised demand (perfect information): the
gap between the two is what a better forecast would be worth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.policies import move_agents, overtime, vto
from sim.policies.api import Action, OfferCallbacks, RealtimeView
from sim.policies.base import Policy, PolicyParams
from sim.policies.cancel_offphone import short_now_or_ahead
from sim.policies.levers import activity_moves, break_moves
from sim.policies.move_agents import MoveAgents
from sim.policies.outlook import Reforecaster
from sim.policies.signals import Hold, Persistence

__all__ = ["Analyst", "Oracle", "Params"]


@dataclass(frozen=True)
class Params(PolicyParams):
    """The analyst's thresholds and the terms of its levers.

    Shortage: a group lacking ``min_short_agents`` or more (in ``min_short_intervals``
    consecutive intervals for overtime) at ``persistence_checks`` checks in a row.
    Activities due within ``activity_lookahead_minutes`` and breaks due within
    ``break_lookahead_minutes`` that fall in a shortage are moved. Overtime terms as in the
    ``overtime`` policy (its ``lookahead_minutes`` is ``overtime_lookahead_minutes``).
    ``move_agents``: whether cross-skilled agents are moved (with that policy's defaults).
    Reforecast (:class:`~sim.policies.outlook.Reforecaster`): the day ratio is damped by
    ``reforecast_prior_contacts`` and used once the day's offered count is beyond Poisson
    noise at level ``reforecast_alpha``. Callbacks: offered on voice queues when the expected wait exceeds
    ``callback_wait_seconds`` (0: never), accepted with ``callback_acceptance``, on time
    within ``callback_threshold_minutes``. Time off: as in the ``vto`` policy, with the
    ``vto_`` parameters.
    """

    min_short_agents: float = 1.0
    min_short_intervals: int = 2
    persistence_checks: int = 3
    overtime_lookahead_minutes: float = 60.0
    activity_lookahead_minutes: float = 90.0
    break_lookahead_minutes: float = 30.0
    extension_acceptance: float = 0.5
    call_in_acceptance: float = 0.6
    call_in_lead_minutes: float = 30.0
    min_paid_hours: float = 2.0
    max_hours: float = 3.0
    max_agent_hours_per_day: float = 24.0
    max_agent_hours_per_week: float = 120.0
    callback_wait_seconds: float = 180.0
    callback_acceptance: float = 0.5
    callback_threshold_minutes: float = 60.0
    vto_min_surplus_intervals: int = 3
    vto_keep_agents: float = 1.0
    vto_max_hours: float = 3.0
    vto_acceptance: float = 0.5
    move_agents: bool = True
    reforecast_prior_contacts: float = 200.0
    reforecast_alpha: float = 0.001

    def overtime_params(self) -> overtime.Params:
        """The overtime lever's parameters."""
        return overtime.Params(
            check_interval_minutes=self.check_interval_minutes,
            latency_minutes=self.latency_minutes,
            min_short_agents=self.min_short_agents,
            min_short_intervals=self.min_short_intervals,
            persistence_checks=self.persistence_checks,
            lookahead_minutes=self.overtime_lookahead_minutes,
            extension_acceptance=self.extension_acceptance,
            call_in_acceptance=self.call_in_acceptance,
            call_in_lead_minutes=self.call_in_lead_minutes,
            min_paid_hours=self.min_paid_hours,
            max_hours=self.max_hours,
            max_agent_hours_per_day=self.max_agent_hours_per_day,
            max_agent_hours_per_week=self.max_agent_hours_per_week,
        )

    def vto_params(self) -> vto.Params:
        """The time-off lever's parameters."""
        return vto.Params(
            check_interval_minutes=self.check_interval_minutes,
            latency_minutes=self.latency_minutes,
            min_surplus_intervals=self.vto_min_surplus_intervals,
            keep_agents=self.vto_keep_agents,
            persistence_checks=self.persistence_checks,
            max_hours=self.vto_max_hours,
            acceptance_probability=self.vto_acceptance,
        )

    def problems(self) -> list[tuple[str, Any, str]]:
        found = super().problems()
        renamed = {
            "lookahead_minutes": "overtime_lookahead_minutes",
            "min_surplus_intervals": "vto_min_surplus_intervals",
            "keep_agents": "vto_keep_agents",
            "max_hours": "vto_max_hours",
            "acceptance_probability": "vto_acceptance",
        }
        for name, value, why in self.overtime_params().problems():
            found.append((renamed.get(name, name), value, why))
        for name, value, why in self.vto_params().problems():
            if name in renamed:
                found.append((renamed[name], value, why))
        if not 0 < self.reforecast_alpha < 1:
            found.append(("reforecast_alpha", self.reforecast_alpha, "must be in (0, 1)"))
        return sorted(set(found), key=str)


class Analyst(Policy):
    """Reforecast, size the gap per group and interval, pull the cheapest levers."""

    name = "analyst"
    description = "forecast-aware analyst: reforecast, gap ahead, cheapest levers sized to it"
    Params = Params

    def __init__(self, params: PolicyParams | None = None) -> None:
        super().__init__(params)
        p = self.params
        assert isinstance(p, Params)
        self.situation.reforecaster = Reforecaster(
            prior_contacts=p.reforecast_prior_contacts, day_alpha=p.reforecast_alpha
        )
        check = self.check_interval_seconds or 0.0
        self.overtime = overtime.OvertimeAsker(p.overtime_params(), self.latency_seconds, check)
        self.time_off = vto.TimeOffOfferer(p.vto_params(), self.latency_seconds, check)
        self.short_soon = Persistence(p.persistence_checks)
        self.moved: set[tuple[int, int]] = set()
        self.breaks_asked: dict[tuple[int, int], float] = {}
        self.routing = MoveAgents(
            move_agents.Params(
                check_interval_minutes=p.check_interval_minutes, latency_minutes=p.latency_minutes
            )
        )
        self.routing.situation = self.situation
        self.callbacks_on: set[str] = set()
        self.long_wait = Persistence(p.persistence_checks)
        self.short_wait = Persistence(p.persistence_checks)
        self.callback_hold = Hold(3600.0)

    def overtime_hours_asked(self) -> float:
        return self.overtime.asked_hours

    def continue_week(self, hours_asked_before: float) -> None:
        self.overtime.asked_before = hours_asked_before

    def decide(self, view: RealtimeView) -> list[Action]:
        p = self.params
        assert isinstance(p, Params)
        outlook = self.read(view).outlook()
        actions: list[Action] = []
        if p.callback_wait_seconds > 0:
            actions += self._callbacks(view)
        lookahead = 60.0 * max(p.activity_lookahead_minutes, p.break_lookahead_minutes)
        short = short_now_or_ahead(self, view, p.min_short_agents, lookahead, self.short_soon)
        moved_groups: set[str] = set()
        if short:
            moves = activity_moves(
                view,
                outlook,
                short,
                60.0 * p.activity_lookahead_minutes,
                self.latency_seconds,
                "postpone_or_cancel",
                self.moved,
            )
            moves += break_moves(
                view,
                outlook,
                set(short),
                60.0 * p.break_lookahead_minutes,
                self.latency_seconds,
                self.breaks_asked,
            )
            for action in moves:
                for item in view.upcoming:
                    if item.item_id == getattr(action, "item", None):
                        moved_groups.add(item.group)
            actions += moves
        if p.move_agents:
            actions += self.routing.decide(view)
        for group, window in self.overtime.short_groups(self, view).items():
            if group in moved_groups:
                continue  # the free lever first; the outlook shows what is left next check
            call = self.overtime.ask(self, view, group, window)
            if call is not None:
                actions.append(call)
        short_any = {g for g, s in outlook.short.items() if max(s, default=0.0) > 0}
        for offer in self.time_off.offers(self, view):
            if offer.group in short_any:  # short later today: keep the agents
                self.time_off.quiet_until.pop(offer.group, None)
            else:
                actions.append(offer)
        return actions

    def _callbacks(self, view: RealtimeView) -> list[Action]:
        """Callback offers switched on while a voice queue's expected wait stays long."""
        p = self.params
        assert isinstance(p, Params)
        actions: list[Action] = []
        for name, q in view.queues.items():
            if q.channel != "voice":
                continue
            long = self.long_wait.holds(
                name, q.waiting > 0 and q.expected_wait_seconds > p.callback_wait_seconds
            )
            short = self.short_wait.holds(
                name, q.expected_wait_seconds < p.callback_wait_seconds / 2
            )
            if not self.callback_hold.may_change(name, view.now):
                continue
            if long and name not in self.callbacks_on:
                self.callbacks_on.add(name)
                self.callback_hold.changed(name, view.now)
                actions.append(
                    OfferCallbacks(
                        reason=f"{name}: expected wait {q.expected_wait_seconds:.0f} s > "
                        f"{p.callback_wait_seconds:g} s: callbacks on",
                        contact_type=name,
                        above_wait_seconds=p.callback_wait_seconds,
                        acceptance_probability=p.callback_acceptance,
                        threshold_seconds=60.0 * p.callback_threshold_minutes,
                    )
                )
            elif short and name in self.callbacks_on:
                self.callbacks_on.discard(name)
                self.callback_hold.changed(name, view.now)
                actions.append(
                    OfferCallbacks(
                        reason=f"{name}: expected wait {q.expected_wait_seconds:.0f} s: callbacks off",
                        contact_type=name,
                        above_wait_seconds=None,
                        threshold_seconds=60.0 * p.callback_threshold_minutes,
                    )
                )
        return actions


class Oracle(Analyst):
    """The analyst told the day's realised demand: an upper reference, not a policy a
    center could run."""

    name = "oracle"
    description = "the analyst with perfect information on the day's demand (a reference)"
    Params = Params
    #: The model tells this policy the realised demand before the day starts.
    wants_realised_demand = True

    def observe_realised_demand(self, rates: dict[str, tuple[float, ...]]) -> None:
        """The day's realised expected contacts per type and interval."""
        self.situation.reforecaster.realised = rates
