"""Records of one replication and the KPIs computed from them, one exact definition each.

KPI definitions (the README and the docs quote these):

* ``offered``: contacts that arrived (blocked ones included).
* ``answered`` / ``abandoned`` / ``blocked`` / ``lost``: contacts an agent took / that hung
  up while waiting / that found every line busy / that could not reach the center (telephony
  outage). ``waiting_at_end``: still queued at the horizon.
  ``offered = answered + abandoned + blocked + lost + waiting_at_end``.
* ``dropped``: answered contacts cut off by a site outage. ``redials``: offered contacts
  that are second attempts of abandoned, blocked or lost ones (each attempt is offered).
* ``repeats``: offered contacts that are repeats: calls again of customers whose problem
  an answered contact of the same type did not resolve (``ContactType.resolution``).
  ``escalated``: answered contacts handed to their type's escalation type at the end of
  their talk (per group: by its agents); the transfer is offered to the escalation type.
  ``transfer_rate``: escalated / answered.
* ``concession_cost``: money paid as concessions (``Scenario.empowerment``): for each
  answered contact of a type with a ``problem_value`` whose talk resolved it (value within
  the agent's authority; not escalated, not cut off by an outage), ``concession_share`` of
  its value. Per group: the concessions its agents paid. 0 with empowerment off.
* ``fcr``: first-contact resolution: of the customers' first answered contacts (a first
  call or its redial; not a repeat, not a transfer) whose talk ended in the day, the share
  that resolved the problem (not escalated, not unresolved, not cut off by an outage).
  With resolution and escalation off, every talk resolves its problem: 1 unless outages cut
  some off.
* ``resolution_minutes``: over the customers whose problem got resolved in the day, the
  mean of the minutes from their first call's arrival to the end of the talk that resolved
  it, through redials, repeats and escalations. A customer belongs to the interval and the
  contact type of their first call. Customers not resolved by the end of the day (still
  waiting or talking, gone after abandoning or after their last repeat) are left out.
* ``service_level``: contacts answered within the threshold over offered contacts; contacts
  that abandoned within ``short_abandon_seconds`` are left out of both, and so are contacts
  still waiting at the horizon that have waited less than the threshold (their outcome is
  not known: an email arriving at 19:30 with a 4-hour threshold). Blocked contacts, and
  contacts still waiting at the horizon beyond the threshold, count against it.
* ``outsourced``: contacts handed to the outsourcer (a policy) after waiting; they count
  in offered and against the service level. ``callbacks``: contacts that accepted a
  callback instead of waiting (a policy); an agent calls them back when no live contact
  waits. They are left out of the live ``service_level``, ``asa_seconds``,
  ``wait_probability`` and ``mean_wait_all_seconds`` and judged by
  ``callback_service_level``: called back within the callback threshold over callbacks
  (those still waiting at the horizon for less than the threshold left out).
  ``offered = answered + abandoned + blocked + lost + outsourced + waiting_at_end``.
* ``missed_target``: 1 if the service level is below its target, else 0; its mean over
  replications is the probability that a day (or an interval) misses the target. Each
  type is judged against its own target, all types together against the scenario's.
* ``cost``: logged-in agent hours at each group's hourly rate, plus overtime premiums,
  plus the outsourcer's fee per outsourced contact, the cost set for an abandoned
  contact, the cost set for a repeat contact (``costs.repeat_contact``) and the
  concessions (``concession_cost``). ``cost_per_contact``: cost / (answered + outsourced).
  Per group: that group's agent cost, plus the concessions its agents paid and the cost of
  the repeats they answered; undefined per contact type.
* ``abandon_rate``: abandoned / offered.
* ``asa_seconds``: mean wait of answered contacts (0 for those answered at once).
* ``aht_seconds``: mean handle time of answered contacts: talk (the contact's own draw times
  the answering group's proficiency, stretched for concurrent chats) plus wrap-up.
* ``avg_time_to_abandon_seconds``: mean wait of abandoned contacts.
* ``wait_probability``: share of offered, non-blocked contacts that had to queue.
* ``mean_wait_all_seconds``: mean queue time of answered and abandoned contacts together.
* ``wait_p90_seconds``: the 90th percentile of the waits of the contacts of
  ``mean_wait_all_seconds`` (live answered ones: their wait to answer, 0 if answered at
  once; abandoned ones: their wait until they hung up; callbacks, outsourced contacts and
  contacts still waiting at the horizon are not in it), by nearest rank: the smallest wait
  that at least 90% of them did not exceed, the ``ceil(0.9 n)``-th smallest of ``n``. Per
  interval, of the contacts that arrived in it. A replication's value is its own day's
  percentile; a run's summary averages those (not the percentile of every day pooled).
* ``longest_wait_seconds``: the longest of those waits.
* ``queue_length``: the time-averaged number of live contacts in the queue: each queued
  contact waits from its arrival until it is answered, abandons or is handed to the
  outsourcer (until the horizon if still waiting); the seconds waited within an interval,
  summed over contacts, over the interval's length (the day: over the measured seconds). A
  time average, not a contact KPI: the part of a wait after the warm-up counts even if the
  contact arrived in it. Callbacks (the caller is not on the line) and blocked and lost
  contacts (never queued) are not in it; an email waits in the backlog until answered.
  ``all``: every type's queue, of every channel, added up. Over a day it equals the arrival
  rate times ``mean_wait_all_seconds`` (Little's law) up to the waits open at the warm-up's
  end and at the horizon.
* ``occupancy``: busy time (at least one contact in hand, talk or wrap-up, however many
  chats) over available time (logged in and not on a break, activity, aux or outage).
* ``agents_logged_in``: logged-in agent-seconds / seconds: the average number logged in.
* ``agents_available``: the same, less time off the phone (breaks, activities, aux).
* ``fatigue_minutes``: agent-minutes worked above the fatigue threshold: for each group
  with fatigue (``AgentGroup.fatigue``) and each whole minute, if the group's rolling
  60-minute occupancy at the minute's end (:mod:`sim.core.fatigue`) exceeds its ``theta``,
  the agents of the group logged in then, times one minute. Groups without fatigue add 0.
  A minute belongs to the interval it falls in.
* ``forecast_wape``: how far the day's demand was from the plan: the sum over intervals of
  |offered - forecast| over the sum of the forecast, where ``forecast`` is the contact type's
  planned forecast (``ContactType.forecast``, not the day's realised demand) and offered is
  as in ``offered`` (redials included). ``all``: the errors of every type in every interval
  summed, over the total forecast (one type's excess does not cancel another's shortfall).
  Per interval: |offered - forecast| / forecast. NaN where the forecast sums to 0.
* ``recovery_minutes``: minutes from the end of the day's last disruption window until the
  rolling 30-minute service level is back at its target. Windows: outages with a fixed
  start (``Outage.start`` set; random ones are left out) and the surges that happened that
  day (fixed or drawn; per contact type only the surges of that type), among those that end
  before the end of the day (a window running to the close leaves nothing to recover in). The rolling service level at time ``t`` is
  ``service_level`` over the contacts that arrived in ``[t - 30 min, t)`` (after the
  warm-up), judged on what became of them; it is evaluated at the window's end and every
  minute after, and the first value at or above the target (each type its own, ``all`` the
  scenario's ``service_level_target``) gives the minutes (0: never below it). A trailing
  half hour without a counted contact is not back at target. A day that has not recovered
  by the end of the day counts the minutes from the window's end to the end of the day, so
  that the worst days are not dropped from the mean (it is then a lower bound). NaN on a
  day without such a window. A whole
  day's KPI: not in the per-interval tables.
* ``adherence``, ``adherence_published``, ``shrinkage_planned``, ``shrinkage_unplanned``,
  ``training_hours_planned``, ``training_hours_delivered``: for agents on individual shifts
  (NaN where there are none); see :mod:`sim.kpi.adherence`. ``adherence`` judges the agents
  against their schedule as the realtime analyst changed it (moved items at their new
  times, cancelled ones no longer planned, agents sent home on voluntary time off out of
  the base from then on); ``adherence_published`` against the published schedule; both
  shrinkages are shares of the published scheduled time. Training hours are hours of
  off-phone activities of any name (training, meeting, coaching, ...): planned in the
  published schedule (absent agents' included) and delivered (actually spent; a dropped
  activity counts nothing, one cut by the end of the shift the part done).

A contact belongs to the interval in which it arrived; busy, logged-in and queue time are
split across intervals at the boundaries. Contacts arriving in the warm-up, and time before
its end, are left out. Breakdowns: per contact type, the type's contacts (agent-time KPIs
are undefined, NaN); per group, the contacts its agents answered and its agents' time
(queue KPIs such as offered, service level, wait_p90_seconds, longest_wait_seconds,
queue_length, forecast_wape or recovery_minutes are undefined, NaN); ``all`` is everything,
with each contact judged against its own type's service-level threshold.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from sim.core.fatigue import MARK_SECONDS
from sim.kpi.adherence import SCHEDULE_PERIODS, schedule_periods
from sim.model.outcome import ReplicationOutcome, time_in_intervals
from sim.model.states import AfterTalk, Attempt, ContactState, Origin

__all__ = [
    "ALL",
    "DAY_ONLY_KPIS",
    "INTERVAL_KPI_NAMES",
    "KPI_NAMES",
    "RECOVERY_STEP_SECONDS",
    "RECOVERY_WINDOW_SECONDS",
    "SHARE_KPIS",
    "breakdown",
    "breakdown_keys",
    "disruption_end",
    "interval_kpis",
    "recovery_minutes",
    "replication_kpis",
    "week_breakdown",
]


#: Every KPI column, in output order.
KPI_NAMES: tuple[str, ...] = (
    "offered",
    "answered",
    "abandoned",
    "blocked",
    "lost",
    "outsourced",
    "callbacks",
    "dropped",
    "redials",
    "repeats",
    "escalated",
    "concession_cost",
    "waiting_at_end",
    "service_level",
    "missed_target",
    "callback_service_level",
    "abandon_rate",
    "fcr",
    "transfer_rate",
    "asa_seconds",
    "aht_seconds",
    "avg_time_to_abandon_seconds",
    "wait_probability",
    "mean_wait_all_seconds",
    "wait_p90_seconds",
    "longest_wait_seconds",
    "queue_length",
    "resolution_minutes",
    "forecast_wape",
    "recovery_minutes",
    "occupancy",
    "agents_logged_in",
    "agents_available",
    "fatigue_minutes",
    "adherence",
    "adherence_published",
    "shrinkage_planned",
    "shrinkage_unplanned",
    "training_hours_planned",
    "training_hours_delivered",
    "cost",
    "cost_per_contact",
)

#: KPIs of a whole day only, not defined per interval: left out of the interval tables.
DAY_ONLY_KPIS: tuple[str, ...] = ("recovery_minutes",)

#: Every KPI column of the per-interval tables, in output order.
INTERVAL_KPI_NAMES: tuple[str, ...] = tuple(k for k in KPI_NAMES if k not in DAY_ONLY_KPIS)

#: ``recovery_minutes``: the rolling service level's trailing window and the time step at
#: which it is evaluated, in seconds.
RECOVERY_WINDOW_SECONDS = 1800.0
RECOVERY_STEP_SECONDS = 60.0

#: KPIs that are shares, in [0, 1].
SHARE_KPIS: frozenset[str] = frozenset(
    {
        "service_level",
        "missed_target",
        "callback_service_level",
        "abandon_rate",
        "fcr",
        "transfer_rate",
        "wait_probability",
        "occupancy",
        "adherence",
        "adherence_published",
        "shrinkage_planned",
        "shrinkage_unplanned",
    }
)


#: The label of "every contact type" / "every group" in breakdowns.
ALL = "all"

#: KPIs that describe contacts as offered to a queue: undefined for a group's rows.
_QUEUE_ONLY = (
    "offered",
    "abandoned",
    "blocked",
    "lost",
    "outsourced",
    "callbacks",
    "redials",
    "repeats",
    "waiting_at_end",
    "service_level",
    "missed_target",
    "callback_service_level",
    "abandon_rate",
    "avg_time_to_abandon_seconds",
    "wait_probability",
    "mean_wait_all_seconds",
    "wait_p90_seconds",
    "longest_wait_seconds",
    "queue_length",
    "resolution_minutes",
    "forecast_wape",
    "recovery_minutes",
)
#: KPIs of agents' time: undefined for a contact type's rows.
_AGENT_ONLY = KPI_NAMES[KPI_NAMES.index("occupancy") :]
#: KPIs of individual shifts' activities: undefined where no selected group has shifts.
_TRAINING = ("training_hours_planned", "training_hours_delivered")


def _schedule_sums(
    outcome: ReplicationOutcome, scenario, groups: np.ndarray
) -> dict[str, np.ndarray]:
    n, length = scenario.intervals, scenario.interval_seconds
    if not len(outcome.days) and not len(outcome.away_agent):
        return {f"{k}_seconds": np.zeros(n) for k in SCHEDULE_PERIODS}
    periods = schedule_periods(outcome, groups)
    return {
        f"{k}_seconds": time_in_intervals(
            np.array(periods[k][0]), np.array(periods[k][1]), length, n
        )
        for k in SCHEDULE_PERIODS
    }


def _service_level_flags(outcome: ReplicationOutcome, scenario) -> dict[str, np.ndarray]:
    """Per contact, what the service level needs: ``live`` (not a callback), ``short``
    (abandoned within the short-abandon threshold), ``censored`` (still waiting at the
    horizon for less than the threshold) and ``in_threshold`` (live, answered within the
    threshold)."""
    state = outcome.state
    wait = outcome.wait
    levels = [t.service_level for t in scenario.contact_types]
    threshold = np.array([sl.threshold_seconds for sl in levels])[outcome.contact_type]
    short_limit = np.array([sl.short_abandon_seconds for sl in levels])[outcome.contact_type]
    answered = state == ContactState.ANSWERED
    abandoned = state == ContactState.ABANDONED
    callback = outcome.callback if outcome.callback is not None else np.zeros_like(answered)
    live = ~callback
    # Still waiting at the horizon, but for less than the threshold: the outcome is unknown.
    waited = outcome.horizon_seconds - outcome.arrival
    return {
        "live": live,
        "short": abandoned & (short_limit > 0) & (wait <= short_limit),
        "censored": (state == ContactState.WAITING) & live & (waited < threshold),
        "in_threshold": answered & live & (wait <= threshold),
    }


def _interval_sums(
    outcome: ReplicationOutcome,
    scenario,
    contacts: np.ndarray,
    agents: np.ndarray,
    groups: np.ndarray,
    types: np.ndarray,
    group_selected: bool = False,
) -> dict[str, np.ndarray]:
    """Counts and time totals per interval for the selected contacts and agents (``types``:
    the contact types whose forecast the selection is compared with; ``group_selected``:
    the selection is one group's). A continued day adds its snapshot's figures so far."""
    n = scenario.intervals
    length = scenario.interval_seconds
    arrival = np.nan_to_num(outcome.arrival, nan=0.0)  # unused redial slots: masked out below
    # (a contact carried over from an earlier day of a week arrived before time 0: its work
    # falls in the first interval)
    idx = np.clip((arrival // length).astype(np.int64), 0, n - 1)
    state = outcome.state
    wait = outcome.wait

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(idx[mask & contacts], minlength=n).astype(float)

    def total(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
        m = mask & contacts
        return np.bincount(idx[m], weights=values[m], minlength=n)

    worked = state == ContactState.ANSWERED  # answered, or in hand when a day continued
    fresh, elsewhere = _origins(outcome)
    answered = worked & ~elsewhere
    abandoned = (state == ContactState.ABANDONED) & ~elsewhere
    flags = _service_level_flags(outcome, scenario)
    live, short, censored = flags["live"], flags["short"], flags["censored"] & ~elsewhere
    # Carried over from a week's earlier day whose close left it unjudged (waiting less than
    # its threshold): judged today, once its outcome is known.
    late = _judged_late(outcome, scenario, live)
    callback = ~live
    waited = outcome.horizon_seconds - outcome.arrival
    prior = _prior_sums(scenario, types, groups, group_selected)
    forecast = np.zeros(n)
    forecast_error = np.zeros(n)
    for k, contact_type in enumerate(scenario.contact_types):
        if types[k]:
            planned = np.asarray(contact_type.forecast, dtype=float)
            forecast += planned
            offered = count((outcome.contact_type == k) & fresh)
            if scenario.start is not None:
                offered = offered + scenario.start.actual("offered")[k]
            forecast_error += np.abs(offered - planned)
    if outcome.callback_threshold is not None and callback.any():
        callback_threshold = outcome.callback_threshold[outcome.contact_type]
    else:
        callback_threshold = np.full(len(state), np.inf)
    busy = agents[outcome.busy_agent] if len(outcome.busy_agent) else np.zeros(0, dtype=bool)
    # Live contacts in the queue, from arrival until answered, abandoned or handed on (still
    # waiting at the horizon: until the horizon).
    in_queue = contacts & outcome.queued & live
    left_queue = outcome.resolved_at[in_queue]
    left_queue[np.isnan(left_queue)] = outcome.horizon_seconds
    # A continued day's carried contacts queue from its start (before: the snapshot's).
    joined_queue = np.maximum(outcome.arrival[in_queue], outcome.start_seconds)
    # What answered contacts' talks led to (unknown for records without it: all open).
    after_talk = (
        outcome.after_talk if outcome.after_talk is not None else np.zeros(len(state), np.uint8)
    )
    attempt = outcome.attempt if outcome.attempt is not None else np.zeros(len(state), np.int8)
    repeat = attempt == Attempt.REPEAT
    # A customer's first answered contact: its first call or its redial (never both).
    first = ((attempt == Attempt.FIRST) | (attempt == Attempt.REDIAL)) & ~elsewhere
    sums = {
        "offered": count(fresh),
        "answered": count(answered),
        "abandoned": count(abandoned),
        "blocked": count(state == ContactState.BLOCKED),
        "lost": count(state == ContactState.LOST),
        "outsourced": count(state == ContactState.OUTSOURCED),
        "callbacks": count(callback & fresh),
        "callbacks_in_threshold": count(callback & answered & (wait <= callback_threshold)),
        "callbacks_censored": count(
            callback & (state == ContactState.WAITING) & (waited < callback_threshold) & ~elsewhere
        ),
        "dropped": count(
            outcome.dropped if outcome.dropped is not None else np.zeros_like(answered)
        ),
        "redials": count(np.arange(len(state)) >= (outcome.originals or len(state)))
        if outcome.attempt is None
        else count(attempt == Attempt.REDIAL),
        "repeats": count(repeat),
        "escalated": count(after_talk == AfterTalk.ESCALATED),
        "concession_cost": _concessions(outcome, after_talk, total),
        "decided_first": count((after_talk != AfterTalk.OPEN) & first),
        "resolved_first": count((after_talk == AfterTalk.RESOLVED) & first),
        **_resolution_sums(outcome, contacts & ~elsewhere, idx, n),
        "waiting_at_end": count((state == ContactState.WAITING) & ~elsewhere),
        "short_abandoned": count(short),
        "censored": count(censored),
        "judged_late": count(late & ~flags["censored"]),
        "answered_in_threshold": count(flags["in_threshold"] & (~elsewhere | late)),
        "answered_live": count(answered & live),
        "queued": count(outcome.queued & live & fresh),
        "wait_answered": total(answered & live, wait),
        "wait_abandoned": total(abandoned, wait),
        "handled": count(worked),
        "handle_answered": total(worked, outcome.work),
        "waiting_seconds": time_in_intervals(joined_queue, left_queue, length, n),
        "busy_seconds": time_in_intervals(
            outcome.busy_start[busy], outcome.busy_end[busy], length, n
        ),
        "logged_in_seconds": time_in_intervals(
            outcome.login_at[agents], outcome.logout_at[agents], length, n
        ),
        "period_seconds": np.full(n, length),
        "staff_cost": _staff_cost(outcome, scenario, agents, groups),
        "fatigue_seconds": _fatigue_seconds(outcome, scenario, groups),
        "forecast": forecast,
        "forecast_error": forecast_error,
        **_schedule_sums(outcome, scenario, groups),
    }
    for key, values in prior.items():
        sums[key] = sums[key] + values
    return sums


def _judged_late(outcome: ReplicationOutcome, scenario, live: np.ndarray) -> np.ndarray:
    """Per contact: carried over from a week's earlier day (``Origin.OVERNIGHT``) having
    waited less than its threshold at that day's close, so left out of that day's service
    level (its outcome unknown then): today's service level judges it, its wait counting
    open hours (its arrival lies before today's time 0 by the wait at that close)."""
    if outcome.origin is None:
        return np.zeros(len(outcome.state), dtype=bool)
    threshold = np.array([t.service_level.threshold_seconds for t in scenario.contact_types])
    waited_at_close = -outcome.arrival
    return (
        (outcome.origin == Origin.OVERNIGHT)
        & live
        & (waited_at_close < threshold[outcome.contact_type])
    )


def _origins(outcome: ReplicationOutcome) -> tuple[np.ndarray, np.ndarray]:
    """Per contact: ``fresh`` (the simulated part's own arrival: offered in it) and
    ``elsewhere`` (counted before the simulated part, only its work belongs to it: in an
    agent's hands when a continued day started, answered before; or carried over from an
    earlier day of a week, judged on that day)."""
    if outcome.origin is None:
        n = len(outcome.state)
        return np.ones(n, dtype=bool), np.zeros(n, dtype=bool)
    origin = outcome.origin
    return origin == Origin.NEW, (origin == Origin.IN_HAND) | (origin == Origin.OVERNIGHT)


#: The snapshot's figures so far per contact type (``DayState.type_actuals``) and per group
#: (``group_actuals``), and the interval sums each adds to.
_PRIOR_TYPE_SUMS: dict[str, tuple[str, ...]] = {
    "offered": ("offered",),
    "answered": ("answered", "answered_live"),
    "abandoned": ("abandoned",),
    "answered_within_threshold": ("answered_in_threshold",),
    "short_abandoned": ("short_abandoned",),
    "queued": ("queued",),
    "wait_answered_seconds": ("wait_answered",),
    "wait_abandoned_seconds": ("wait_abandoned",),
    "handled": ("handled",),
    "handle_seconds": ("handle_answered",),
    "queue_seconds": ("waiting_seconds",),
}
_PRIOR_GROUP_SUMS: dict[str, tuple[str, ...]] = {
    "answered": ("answered", "answered_live"),
    "handled": ("handled",),
    "handle_seconds": ("handle_answered",),
    "busy_seconds": ("busy_seconds",),
    "logged_in_seconds": ("logged_in_seconds",),
    "away_seconds": ("away_seconds",),
}
_TIME_SUMS = ("busy_seconds", "logged_in_seconds", "away_seconds")


def _prior_sums(
    scenario, types: np.ndarray, groups: np.ndarray, group_selected: bool
) -> dict[str, np.ndarray]:
    """Per interval, the sums a continued day's snapshot adds for the selection (none
    for a day simulated from its start): a contact type's (or every type's) figures so far
    and the selected groups' time; for a group's selection, its own figures. The agents'
    cost so far is their logged-in hours at each group's rate."""
    state = scenario.start
    if state is None:
        return {}
    out: dict[str, np.ndarray] = {}

    def add(keys: tuple[str, ...], values: np.ndarray) -> None:
        for key in keys:
            out[key] = out.get(key, 0.0) + values

    if group_selected:
        for name, keys in _PRIOR_GROUP_SUMS.items():
            add(keys, state.group_actual(name)[groups].sum(axis=0))
    else:
        for name, keys in _PRIOR_TYPE_SUMS.items():
            add(keys, state.actual(name)[types].sum(axis=0))
        for name in _TIME_SUMS:
            add((name,), state.group_actual(name)[groups].sum(axis=0))
    logged_in = state.group_actual("logged_in_seconds")
    rates = np.array([scenario.costs.rate(g.name) for g in scenario.groups])
    add(("staff_cost",), (rates[groups, None] * logged_in[groups]).sum(axis=0) / 3600.0)
    return out


def _concessions(outcome: ReplicationOutcome, after_talk: np.ndarray, total) -> np.ndarray:
    """Per interval, the concessions paid on the selected contacts whose talk resolved them
    (``total``: the selection's per-interval sum of a masked array)."""
    if outcome.concession is None:
        return total(np.zeros(len(after_talk), dtype=bool), np.zeros(len(after_talk)))
    paid = after_talk == AfterTalk.RESOLVED
    if outcome.dropped is not None:
        paid &= ~outcome.dropped
    return total(paid, outcome.concession)


def _resolution_sums(
    outcome: ReplicationOutcome, contacts: np.ndarray, idx: np.ndarray, n: int
) -> dict[str, np.ndarray]:
    """Per interval of the customers' first arrival, the customers whose problem a contact
    resolved (``resolved_customers``; their first contact among ``contacts``) and the seconds
    from that first arrival to the end of the resolving contact's talk, summed."""
    if outcome.after_talk is None or outcome.talk_end is None:
        return {"resolved_customers": np.zeros(n), "resolution_seconds": np.zeros(n)}
    solved = np.flatnonzero(outcome.after_talk == AfterTalk.RESOLVED)
    customer = outcome.customer[solved] if outcome.customer is not None else solved
    keep = contacts[customer]
    solved, customer = solved[keep], customer[keep]
    seconds = outcome.talk_end[solved] - outcome.arrival[customer]
    return {
        "resolved_customers": np.bincount(idx[customer], minlength=n).astype(float),
        "resolution_seconds": np.bincount(idx[customer], weights=seconds, minlength=n),
    }


def _rank_p90(counts):
    """0-based index of the 90th percentile among ``counts`` sorted values (nearest rank):
    the ``ceil(0.9 * count)``-th smallest, in integers so that no rounding moves it."""
    return (9 * counts + 9) // 10 - 1


def _measured_waits(
    outcome: ReplicationOutcome, scenario, contacts: np.ndarray, group: str | None
) -> tuple[np.ndarray, np.ndarray]:
    """The waits behind ``wait_p90_seconds`` and ``longest_wait_seconds``: those of the
    selected live answered and abandoned contacts (the contacts of
    ``mean_wait_all_seconds``) that arrived after the warm-up, grouped by arrival interval
    (in interval order, unsorted within), and how many each measured interval holds. No
    waits on a group's selection: a queue's waits are not a group's KPI (NaN there)."""
    n, first = scenario.intervals, scenario.warmup_intervals
    if group is not None:
        return np.zeros(0), np.zeros(n - first, dtype=np.int64)
    state = outcome.state
    answered = state == ContactState.ANSWERED
    if outcome.callback is not None:
        answered &= ~outcome.callback
    counted = np.flatnonzero(
        contacts & (answered | (state == ContactState.ABANDONED)) & ~_origins(outcome)[1]
    )
    # The arrival interval, as for every contact KPI; the warm-up's contacts left out.
    interval = np.minimum(
        (outcome.arrival[counted] // scenario.interval_seconds).astype(np.int64), n - 1
    )
    counted, interval = counted[interval >= first], interval[interval >= first] - first
    # Grouped by a stable sort of small integers; each interval is sorted by value later:
    # far cheaper than sorting indices by (interval, wait).
    wait = outcome.wait[counted][np.argsort(interval, kind="stable")]
    return wait, np.bincount(interval, minlength=n - first)


def _interval_wait_statistics(wait: np.ndarray, counts: np.ndarray) -> dict[str, np.ndarray]:
    """Per measured interval, the 90th percentile (``p90``) and the longest (``longest``)
    of the waits of :func:`_measured_waits`; NaN where there are none."""
    p90, longest = np.full(len(counts), np.nan), np.full(len(counts), np.nan)
    ends = np.cumsum(counts)
    for i in np.flatnonzero(counts).tolist():
        ranked = np.sort(wait[ends[i] - counts[i] : ends[i]])
        p90[i], longest[i] = ranked[_rank_p90(len(ranked))], ranked[-1]
    return {"p90": p90, "longest": longest}


def _day_wait_statistics(wait: np.ndarray) -> dict[str, np.ndarray]:
    """The same over the measured day: every wait of :func:`_measured_waits` together."""
    if not len(wait):
        return {"p90": np.asarray(np.nan), "longest": np.asarray(np.nan)}
    ranked = np.sort(wait)
    return {"p90": np.asarray(ranked[_rank_p90(len(ranked))]), "longest": np.asarray(ranked[-1])}


def _fatigue_seconds(outcome: ReplicationOutcome, scenario, groups: np.ndarray) -> np.ndarray:
    """Per interval: agent-seconds of the selected groups with fatigue logged in while
    their rolling occupancy exceeded ``theta`` (``fatigue_minutes``, in seconds)."""
    n, length = scenario.intervals, scenario.interval_seconds
    total = np.zeros(n)
    occupancy, logged_in = outcome.rolling_occupancy, outcome.logged_in_at_mark
    if occupancy is None or logged_in is None:
        return total
    marks = occupancy.shape[1]
    # Mark m closes the minute [60 m, 60 (m + 1)): that minute's interval.
    idx = np.minimum((np.arange(marks) * MARK_SECONDS // length).astype(np.int64), n - 1)
    for g, group in enumerate(scenario.groups):
        if groups[g] and group.fatigue is not None:
            above = occupancy[g] > group.fatigue.theta
            total += np.bincount(
                idx[above], weights=logged_in[g][above] * MARK_SECONDS, minlength=n
            )
    return total


def _staff_cost(outcome: ReplicationOutcome, scenario, agents: np.ndarray, groups: np.ndarray):
    """Per interval: logged-in hours at each group's rate, plus overtime premiums."""
    n, length = scenario.intervals, scenario.interval_seconds
    cost = np.zeros(n)
    costs = scenario.costs
    for g, group in enumerate(scenario.groups):
        rate = costs.rate(group.name)
        if not groups[g] or rate == 0:
            continue
        mine = agents & (outcome.agent_group == g)
        hours = time_in_intervals(outcome.login_at[mine], outcome.logout_at[mine], length, n) / 3600
        cost += rate * hours
    if outcome.extra_cost is not None:
        cost += outcome.extra_cost[groups].sum(axis=0)
    return cost


def _ratio(num, den):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, np.divide(num, np.where(den > 0, den, 1.0)), np.nan)


def _at_most_one(share):
    # Busy and available time are sums of the same instants in different orders: a share
    # of 1 can come out one rounding step above. Anything larger is left for tests to see.
    return np.where((share > 1.0) & (share <= 1.0 + 1e-9), 1.0, share)


def _rates(scenario, contact_type: str | None):
    """Cost rates and the service-level target a selection is judged against."""
    if contact_type is None:
        return scenario.costs, scenario.service_level_target
    k = scenario.type_names.index(contact_type)
    return scenario.costs, scenario.contact_types[k].service_level.target


def _kpis_from_sums(
    s: dict[str, np.ndarray], costs, target, *, waits: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Every KPI of :data:`KPI_NAMES` but ``recovery_minutes``, in that order, from the
    interval sums ``s`` (per interval, or over the day) and the wait order statistics
    ``waits`` (:func:`_interval_wait_statistics`, :func:`_day_wait_statistics`) of the
    same span."""
    live = s["offered"] - s["callbacks"]
    not_blocked = live - s["blocked"]
    resolved = s["answered_live"] + s["abandoned"]
    judged = live - s["short_abandoned"] - s["censored"] + s["judged_late"]
    service_level = _ratio(s["answered_in_threshold"], judged)
    cost = (
        s["staff_cost"]
        + costs.outsourced_contact * s["outsourced"]
        + costs.abandoned_contact * s["abandoned"]
    )
    if costs.repeat_contact:  # off: the cost stays bit for bit what it was
        cost = cost + costs.repeat_contact * s["repeats"]
    if s["concession_cost"].any():
        cost = cost + s["concession_cost"]
    with np.errstate(invalid="ignore"):
        missed = np.where(np.isnan(service_level), np.nan, (service_level < target) * 1.0)
    return {
        "offered": s["offered"],
        "answered": s["answered"],
        "abandoned": s["abandoned"],
        "blocked": s["blocked"],
        "lost": s["lost"],
        "outsourced": s["outsourced"],
        "callbacks": s["callbacks"],
        "dropped": s["dropped"],
        "redials": s["redials"],
        "repeats": s["repeats"],
        "escalated": s["escalated"],
        "concession_cost": s["concession_cost"],
        "waiting_at_end": s["waiting_at_end"],
        "service_level": service_level,
        "missed_target": missed,
        "callback_service_level": _ratio(
            s["callbacks_in_threshold"], s["callbacks"] - s["callbacks_censored"]
        ),
        "abandon_rate": _ratio(s["abandoned"], s["offered"]),
        "fcr": _ratio(s["resolved_first"], s["decided_first"]),
        "transfer_rate": _ratio(s["escalated"], s["answered"]),
        "asa_seconds": _ratio(s["wait_answered"], s["answered_live"]),
        "aht_seconds": _ratio(s["handle_answered"], s["handled"]),
        "avg_time_to_abandon_seconds": _ratio(s["wait_abandoned"], s["abandoned"]),
        "wait_probability": _ratio(s["queued"], not_blocked),
        "mean_wait_all_seconds": _ratio(s["wait_answered"] + s["wait_abandoned"], resolved),
        "wait_p90_seconds": waits["p90"],
        "longest_wait_seconds": waits["longest"],
        "queue_length": _ratio(s["waiting_seconds"], s["period_seconds"]),
        "resolution_minutes": _ratio(s["resolution_seconds"], s["resolved_customers"]) / 60.0,
        "forecast_wape": _ratio(s["forecast_error"], s["forecast"]),
        "occupancy": _at_most_one(
            _ratio(s["busy_seconds"], s["logged_in_seconds"] - s["away_seconds"])
        ),
        "agents_logged_in": _ratio(s["logged_in_seconds"], s["period_seconds"]),
        "agents_available": _ratio(s["logged_in_seconds"] - s["away_seconds"], s["period_seconds"]),
        "fatigue_minutes": s["fatigue_seconds"] / 60.0,
        "adherence": _ratio(s["adherent_seconds"], s["scheduled_as_changed_seconds"]),
        "adherence_published": _ratio(s["adherent_published_seconds"], s["scheduled_seconds"]),
        "shrinkage_planned": _ratio(s["planned_away_seconds"], s["scheduled_seconds"]),
        "shrinkage_unplanned": _ratio(s["unplanned_seconds"], s["scheduled_seconds"]),
        "training_hours_planned": s["training_planned_seconds"] / 3600.0,
        "training_hours_delivered": s["training_delivered_seconds"] / 3600.0,
        "cost": cost,
        "cost_per_contact": _ratio(cost, s["answered"] + s["outsourced"]),
    }


def _selection(outcome: ReplicationOutcome, scenario, contact_type: str | None, group: str | None):
    """Masks of the selected contacts, agents, groups and contact types."""
    contacts = outcome.state != ContactState.UNUSED
    agents = np.ones(len(outcome.login_at), dtype=bool)
    groups = np.ones(len(scenario.groups), dtype=bool)
    types = np.ones(len(scenario.contact_types), dtype=bool)
    if contact_type is not None:
        k = scenario.type_names.index(contact_type)
        contacts &= outcome.contact_type == k
        types[:] = False
        types[k] = True
    if group is not None:
        g = scenario.group_names.index(group)
        contacts &= outcome.answering_group == g
        agents &= outcome.agent_group == g
        groups[:] = False
        groups[g] = True
    return contacts, agents, groups, types


def _blank_undefined(
    kpis: dict, scenario, contact_type: str | None, group: str | None, groups: np.ndarray
) -> dict:
    if group is not None:
        kpis.update({k: np.full_like(kpis[k], np.nan) for k in _QUEUE_ONLY if k in kpis})
    if contact_type is not None:
        kpis.update({k: np.full_like(kpis[k], np.nan) for k in _AGENT_ONLY if k in kpis})
    if not any(g.scheduled for g, chosen in zip(scenario.groups, groups, strict=True) if chosen):
        kpis.update({k: np.full_like(kpis[k], np.nan) for k in _TRAINING})
    return kpis


def disruption_end(
    outcome: ReplicationOutcome, scenario, contact_type: str | None = None
) -> float | None:
    """End of the day's last disruption window that ``recovery_minutes`` measures from: the
    outages with a fixed start and the surges that happened (``outcome.surge_windows``) of
    ``contact_type`` (a surge of other types does not count; ``None``: every type), among
    those that end before the end of the day; ``None`` if there is none."""
    horizon = outcome.horizon_seconds
    ends = [
        outage.start + outage.duration
        for outage in scenario.outages
        if outage.start is not None and outage.duration is not None
    ]
    surges = scenario.demand.surges
    for _start, end, index in outcome.surge_windows.tolist():
        names = surges[int(index)].contact_types
        if contact_type is None or not names or contact_type in names:
            ends.append(end)
    ends = [end for end in ends if end < horizon]
    return max(ends) if ends else None


def recovery_minutes(
    outcome: ReplicationOutcome, scenario, contact_type: str | None = None
) -> float:
    """Minutes from :func:`disruption_end` until the rolling service level of the contacts
    of ``contact_type`` (all types: ``None``) is back at its target (see the module's
    definitions): NaN without a window, or when it ends at the end of the day; the minutes
    to the end of the day if the service level never gets back."""
    end = disruption_end(outcome, scenario, contact_type)
    horizon = outcome.horizon_seconds
    if end is None:
        return math.nan
    contacts, *_ = _selection(outcome, scenario, contact_type, None)
    contacts &= outcome.arrival >= scenario.warmup_seconds
    flags = _service_level_flags(outcome, scenario)
    # Per contact, its part in the service level's numerator and denominator.
    counted = flags["live"].astype(float) - flags["short"] - flags["censored"]
    order = np.argsort(outcome.arrival[contacts], kind="stable")
    arrival = outcome.arrival[contacts][order]
    answered = np.concatenate([[0.0], np.cumsum(flags["in_threshold"][contacts][order])])
    judged = np.concatenate([[0.0], np.cumsum(counted[contacts][order])])
    steps = int(math.floor((horizon - end) / RECOVERY_STEP_SECONDS + 1e-9))
    at = end + RECOVERY_STEP_SECONDS * np.arange(steps + 1)
    # Contacts arriving in [t - window, t): those before t less those before t - window.
    upto = np.searchsorted(arrival, at, side="left")
    since = np.searchsorted(arrival, at - RECOVERY_WINDOW_SECONDS, side="left")
    numerator = answered[upto] - answered[since]
    denominator = judged[upto] - judged[since]
    level = _ratio(numerator, denominator)
    target = _rates(scenario, contact_type)[1]
    with np.errstate(invalid="ignore"):
        back = np.flatnonzero(level >= target)
    if len(back):
        return float(back[0] * RECOVERY_STEP_SECONDS / 60.0)
    return (horizon - end) / 60.0


def _day_kpis(
    outcome: ReplicationOutcome,
    scenario,
    contact_type: str | None,
    group: str | None,
    totals: dict[str, np.ndarray],
    groups: np.ndarray,
    waits: dict[str, np.ndarray],
) -> dict[str, float]:
    """The day's KPIs, in :data:`KPI_NAMES` order, from the sums over measured intervals
    and the day's wait order statistics."""
    day = _kpis_from_sums(totals, *_rates(scenario, contact_type), waits=waits)
    day["recovery_minutes"] = np.asarray(
        math.nan if group is not None else recovery_minutes(outcome, scenario, contact_type)
    )
    day = _blank_undefined(day, scenario, contact_type, group, groups)
    return {k: float(day[k]) for k in KPI_NAMES}


def interval_kpis(
    outcome: ReplicationOutcome, scenario, contact_type: str | None = None, group: str | None = None
) -> dict[str, np.ndarray]:
    """Every KPI of :data:`INTERVAL_KPI_NAMES` per measured interval (warm-up left out), plus
    ``interval``.

    ``contact_type`` restricts to one type (agent-time KPIs are then NaN); ``group`` to the
    contacts answered by, and the time of, one group (queue KPIs are then NaN).
    """
    contacts, agents, groups, types = _selection(outcome, scenario, contact_type, group)
    sums = _interval_sums(outcome, scenario, contacts, agents, groups, types, group is not None)
    first = scenario.warmup_intervals
    waits = _interval_wait_statistics(*_measured_waits(outcome, scenario, contacts, group))
    kpis = _kpis_from_sums(
        {k: v[first:] for k, v in sums.items()}, *_rates(scenario, contact_type), waits=waits
    )
    return {
        "interval": np.arange(first, scenario.intervals),
        **_blank_undefined(kpis, scenario, contact_type, group, groups),
    }


def replication_kpis(
    outcome: ReplicationOutcome, scenario, contact_type: str | None = None, group: str | None = None
) -> dict[str, float]:
    """Every KPI over the measured part of the day (after the warm-up); see :func:`interval_kpis`."""
    contacts, agents, groups, types = _selection(outcome, scenario, contact_type, group)
    sums = _interval_sums(outcome, scenario, contacts, agents, groups, types, group is not None)
    first = scenario.warmup_intervals
    totals = {k: np.asarray(v[first:].sum()) for k, v in sums.items()}
    waits = _day_wait_statistics(_measured_waits(outcome, scenario, contacts, group)[0])
    return _day_kpis(outcome, scenario, contact_type, group, totals, groups, waits)


def breakdown_keys(scenario) -> list[tuple[str | None, str | None]]:
    """The (contact type, group) selections reported: all, each type, each group."""
    return (
        [(None, None)]
        + [(t, None) for t in scenario.type_names]
        + [(None, g) for g in scenario.group_names]
    )


def breakdown(outcome: ReplicationOutcome, scenario):
    """KPIs for every selection of :func:`breakdown_keys`, each computed once.

    Yields ``(contact_type, group, day_kpis, interval_kpis)`` with :data:`ALL` for "every";
    ``day_kpis`` holds every KPI of :data:`KPI_NAMES`, ``interval_kpis`` those of
    :data:`INTERVAL_KPI_NAMES` and ``interval``.
    """
    first = scenario.warmup_intervals
    for contact_type, group in breakdown_keys(scenario):
        contacts, agents, groups, types = _selection(outcome, scenario, contact_type, group)
        sums = _interval_sums(outcome, scenario, contacts, agents, groups, types, group is not None)
        sums = {k: v[first:] for k, v in sums.items()}
        rates = _rates(scenario, contact_type)
        wait, counts = _measured_waits(outcome, scenario, contacts, group)
        waits, day_waits = _interval_wait_statistics(wait, counts), _day_wait_statistics(wait)
        per_interval = _blank_undefined(
            _kpis_from_sums(sums, *rates, waits=waits), scenario, contact_type, group, groups
        )
        totals = {k: np.asarray(v.sum()) for k, v in sums.items()}
        day = _day_kpis(outcome, scenario, contact_type, group, totals, groups, day_waits)
        per_interval["interval"] = np.arange(first, scenario.intervals)
        yield contact_type or ALL, group or ALL, day, per_interval


def week_breakdown(
    outcomes: Sequence[ReplicationOutcome], days: Sequence[Any], week: Any
) -> Iterator[tuple[str, str, dict[str, float], dict[str, np.ndarray]]]:
    """:func:`breakdown` of a week (``scenario.days``): ``outcomes[d]`` are day ``d``'s
    records, ``days[d]`` its scenario, ``week`` the days laid end to end
    (:func:`~sim.core.week.week_scenario`). Each selection's interval sums are the days'
    joined, so a week's KPIs are a long day's: per interval, and over the week from the
    sums of every day (its wait percentiles over every day's waits; no
    ``recovery_minutes``: a day's figure)."""
    for contact_type, group in breakdown_keys(week):
        sums: dict[str, list[np.ndarray]] = {}
        waits: list[np.ndarray] = []
        counts: list[np.ndarray] = []
        groups = None
        for outcome, day in zip(outcomes, days, strict=True):
            contacts, agents, groups, types = _selection(outcome, day, contact_type, group)
            first = day.warmup_intervals
            day_sums = _interval_sums(
                outcome, day, contacts, agents, groups, types, group is not None
            )
            for key, values in day_sums.items():
                sums.setdefault(key, []).append(values[first:])
            wait, count = _measured_waits(outcome, day, contacts, group)
            waits.append(wait)
            counts.append(count)
        assert groups is not None
        joined = {k: np.concatenate(v) for k, v in sums.items()}
        rates = _rates(week, contact_type)
        every_wait, every_count = np.concatenate(waits), np.concatenate(counts)
        per_interval = _blank_undefined(
            _kpis_from_sums(
                joined, *rates, waits=_interval_wait_statistics(every_wait, every_count)
            ),
            week,
            contact_type,
            group,
            groups,
        )
        totals = {k: np.asarray(v.sum()) for k, v in joined.items()}
        day = _kpis_from_sums(totals, *rates, waits=_day_wait_statistics(every_wait))
        day["recovery_minutes"] = np.asarray(math.nan)
        day = _blank_undefined(day, week, contact_type, group, groups)
        per_interval["interval"] = np.arange(week.intervals)
        yield (
            contact_type or ALL,
            group or ALL,
            {k: float(day[k]) for k in KPI_NAMES},
            per_interval,
        )
