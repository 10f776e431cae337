"""The state of a simulated day at a moment (``run.snapshot_at``): what a realtime analyst
would see then, as a :class:`~sim.core.day_state.DayState` a day can continue from.

Built from a replication's records: the contacts waiting at the moment (with when they
arrived), the agents logged in (the contacts in their hands and for how long, the time
left of a break they are on, whether they leave once free), and the figures so far per
interval. Nothing of the future goes in: no remaining patience, handle time or arrival.
"""

from __future__ import annotations

import numpy as np

from sim.core.day_state import GROUP_ACTUALS, TYPE_ACTUALS, AgentState, DayState, WaitingContact
from sim.model.outcome import ReplicationOutcome, time_in_intervals
from sim.model.states import ContactState

__all__ = ["day_state_at"]


def day_state_at(
    outcome: ReplicationOutcome, scenario, at_seconds: float, source: str = ""
) -> DayState:
    """The day of ``outcome`` as it stood at ``at_seconds`` (seconds from time 0).

    A busy agent is ``leaving`` when the staffing had told it before the moment to log out
    once free (one told, kept on and told again later counts by the last telling).
    """
    at = float(at_seconds)
    n, length = scenario.intervals, scenario.interval_seconds
    types, groups = len(scenario.contact_types), len(scenario.groups)
    state = outcome.state
    used = state != ContactState.UNUSED
    arrival = np.nan_to_num(outcome.arrival, nan=np.inf)
    arrived = used & (arrival < at)
    resolved = np.nan_to_num(outcome.resolved_at, nan=np.inf)
    done_before = resolved < at
    answered = arrived & (state == ContactState.ANSWERED) & done_before
    abandoned = arrived & (state == ContactState.ABANDONED) & done_before
    work_end = np.where(answered, resolved + np.nan_to_num(outcome.work), np.inf)
    handled = answered & (work_end <= at)
    in_hand = answered & ~handled
    waiting = arrived & ~done_before
    wait = np.nan_to_num(outcome.wait)
    sl = [t.service_level for t in scenario.contact_types]
    threshold = np.array([x.threshold_seconds for x in sl])[outcome.contact_type]
    short_limit = np.array([x.short_abandon_seconds for x in sl])[outcome.contact_type]
    interval = np.minimum((np.where(arrived, arrival, 0.0) // length).astype(np.int64), n - 1)
    kind = outcome.contact_type.astype(np.int64)
    group_of = outcome.answering_group

    def per_type(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        cells = kind[mask] * n + interval[mask]
        w = None if weights is None else weights[mask]
        return np.bincount(cells, weights=w, minlength=types * n).reshape(types, n)

    def per_group(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        cells = group_of[mask] * n + interval[mask]
        w = None if weights is None else weights[mask]
        return np.bincount(cells, weights=w, minlength=groups * n).reshape(groups, n)

    queued = arrived & outcome.queued
    left_queue = np.minimum(np.where(np.isinf(resolved), at, resolved), at)
    queue_seconds = np.zeros((types, n))
    for k in range(types):
        mine = queued & (kind == k)
        queue_seconds[k] = time_in_intervals(arrival[mine], left_queue[mine], length, n)
    work = np.nan_to_num(outcome.work)
    type_values = {
        "offered": per_type(arrived),
        "answered": per_type(answered),
        "abandoned": per_type(abandoned),
        "answered_within_threshold": per_type(answered & (wait <= threshold)),
        "short_abandoned": per_type(abandoned & (short_limit > 0) & (wait <= short_limit)),
        "queued": per_type(queued),
        "wait_answered_seconds": per_type(answered, wait),
        "wait_abandoned_seconds": per_type(abandoned, wait),
        "handled": per_type(handled),
        "handle_seconds": per_type(handled, work),
        "queue_seconds": queue_seconds,
    }
    login = outcome.login_at
    logout = np.nan_to_num(outcome.logout_at, nan=outcome.horizon_seconds)
    group_values = {
        "answered": per_group(answered),
        "handled": per_group(handled),
        "handle_seconds": per_group(handled, work),
        "busy_seconds": _time_per_group(
            outcome.agent_group[outcome.busy_agent],
            outcome.busy_start,
            outcome.busy_end,
            at,
            groups,
            length,
            n,
        ),
        "logged_in_seconds": _time_per_group(
            outcome.agent_group, login, logout, at, groups, length, n
        ),
        "away_seconds": _time_per_group(
            outcome.away_group[outcome.away_agent >= 0],
            outcome.away_start[outcome.away_agent >= 0],
            outcome.away_end[outcome.away_agent >= 0],
            at,
            groups,
            length,
            n,
        ),
    }
    return DayState(
        at_seconds=at,
        waiting=tuple(
            WaitingContact(int(kind[i]), float(arrival[i]))
            for i in np.flatnonzero(waiting)[np.argsort(arrival[waiting], kind="stable")]
        ),
        agents=_agents_at(outcome, at, in_hand, resolved, work_end, login, logout),
        type_actuals=np.stack([type_values[name] for name in TYPE_ACTUALS]),
        group_actuals=np.stack([group_values[name] for name in GROUP_ACTUALS]),
        source=source,
    )


def _time_per_group(group, starts, ends, at, groups, length, n) -> np.ndarray:
    """Per group and interval: the seconds of the periods ``[starts, ends)`` before ``at``."""
    out = np.zeros((groups, n))
    ends = np.minimum(ends, at)
    for g in range(groups):
        mine = (group == g) & (starts < ends)
        out[g] = time_in_intervals(starts[mine], ends[mine], length, n)
    return out


def _held_when_taken(outcome, agent: int, i: int, resolved, work_end) -> int:
    """How many other contacts ``agent`` held when it took contact ``i``."""
    mine = outcome.agent == agent
    taken = resolved[i]
    return int(np.count_nonzero(mine & (resolved < taken) & (work_end > taken)))


def _agents_at(
    outcome: ReplicationOutcome,
    at: float,
    in_hand: np.ndarray,
    resolved: np.ndarray,
    work_end: np.ndarray,
    login: np.ndarray,
    logout: np.ndarray,
) -> tuple[AgentState, ...]:
    """The agents logged in at ``at`` with what each was doing: per group, the busy ones,
    those away, then those available, each in log-in order."""
    holding: dict[int, list[int]] = {}
    for i in np.flatnonzero(in_hand)[np.argsort(resolved[in_hand], kind="stable")]:
        holding.setdefault(int(outcome.agent[i]), []).append(int(i))
    away_left: dict[int, float] = {}
    for a, start, end in zip(
        outcome.away_agent.tolist(),
        outcome.away_start.tolist(),
        outcome.away_end.tolist(),
        strict=True,
    ):
        if a >= 0 and start <= at < end:
            away_left[a] = end - at
    told = outcome.leaving_at if outcome.leaving_at is not None else np.full(len(login), np.nan)
    agents = []
    for a in np.flatnonzero((login <= at) & (logout > at)).tolist():
        held = holding.get(a, [])
        leaving = bool(held) and bool(told[a] <= at)
        agents.append(
            AgentState(
                group=int(outcome.agent_group[a]),
                in_contact=tuple(
                    (int(outcome.contact_type[i]), float(at - resolved[i])) for i in held
                ),
                chats_before=tuple(
                    _held_when_taken(outcome, a, i, resolved, work_end) for i in held
                ),
                away_seconds_left=away_left.get(a, 0.0),
                leaving=leaving,
            )
        )
    # The order a snapshot file lists them in: per group, busy, away, then available.
    agents.sort(key=lambda s: (s.group, 0 if s.in_contact else 1 if s.away_seconds_left else 2))
    return tuple(agents)
