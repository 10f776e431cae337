"""The records of one simulated day: per-contact and per-agent arrays, contact states, and
time split across intervals. :mod:`sim.kpi.definitions` turns them into KPIs;
the states are :mod:`sim.model.states`."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "ReplicationOutcome",
    "time_in_intervals",
]


@dataclass(frozen=True)
class ReplicationOutcome:
    """Flat per-contact and per-agent records of one simulated day.

    Contact arrays are indexed by contact (in arrival order): ``contact_type`` indexes the
    scenario's contact types; ``handle`` is the base talk-time draw, ``wrap`` the wrap-up
    (times the type's ``wrap_up_scale`` in the contact's arrival interval, if it has one) and
    ``work`` the time the agent actually spent (talk: the draw times the type's
    ``handle_time_scale``, if any, the answering group's proficiency and the chat stretch;
    plus wrap-up; NaN if not answered); ``resolved_at`` is when the contact was answered or
    abandoned (NaN otherwise); ``queued`` whether it had to wait; ``agent`` who answered it
    (-1 if nobody).
    Agent arrays are indexed by agent id: ``agent_group``, and the logged-in session
    ``[login_at, logout_at)``. Busy periods (at least one contact in hand) are
    ``[busy_start, busy_end)`` of agent ``busy_agent``.

    Scheduled agents' days: ``days`` (one :class:`~sim.model.workdays.PlannedDay` each);
    ``away_*`` what they did off the phone (:class:`~sim.model.workdays.AwayLog`);
    ``item_*`` their off-phone items as the day left them, a policy's moves and drops
    included (see :func:`~sim.model.workdays.item_arrays`); ``sent_home_at`` per day, when
    the agent went home on voluntary time off (NaN if not). ``outage_windows`` and
    ``surge_windows``: the day's outage windows, as rows of ``[start, end)`` seconds, and the
    surges that happened, as rows of ``[start, end)`` seconds and the surge's index in
    ``Scenario.demand.surges``. ``talk_end``, ``after_talk``, ``attempt`` and ``customer``:
    what each answered contact's talk led to (resolved, unresolved, escalated), and whose
    call it is (see :mod:`sim.core.follow_ups`); ``concession``: the money each contact of a
    type with a ``problem_value`` is paid if its talk resolves it (0 for the others).
    """

    horizon_seconds: float
    arrival: np.ndarray
    contact_type: np.ndarray
    handle: np.ndarray
    wrap: np.ndarray
    work: np.ndarray
    state: np.ndarray
    queued: np.ndarray
    resolved_at: np.ndarray
    agent: np.ndarray
    agent_group: np.ndarray
    login_at: np.ndarray
    logout_at: np.ndarray
    busy_agent: np.ndarray
    busy_start: np.ndarray
    busy_end: np.ndarray
    agent_day: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    days: tuple = ()
    away_agent: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    away_group: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    away_shift: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    away_kind: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    away_planned: np.ndarray = field(default_factory=lambda: np.zeros(0))
    away_start: np.ndarray = field(default_factory=lambda: np.zeros(0))
    away_end: np.ndarray = field(default_factory=lambda: np.zeros(0))
    item_day: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    item_kind: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    item_planned: np.ndarray = field(default_factory=lambda: np.zeros(0))
    item_due: np.ndarray = field(default_factory=lambda: np.zeros(0))
    item_duration: np.ndarray = field(default_factory=lambda: np.zeros(0))
    item_state: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    sent_home_at: np.ndarray = field(default_factory=lambda: np.zeros(0))
    dropped: np.ndarray | None = None
    originals: int | None = None
    outage_windows: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    surge_windows: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    callback: np.ndarray | None = None  # per contact: accepted a callback
    callback_threshold: np.ndarray | None = None  # per contact type, seconds
    extra_cost: np.ndarray | None = None  # per group and interval: overtime premiums
    actions: tuple = ()  # the policy's applied actions (columns: sim.policies.api.ACTION_COLUMNS)
    # Resolution, repeats and escalations (sim.core.follow_ups), per contact (None: unknown):
    talk_end: np.ndarray | None = None  # end of its talk (NaN if not answered)
    after_talk: np.ndarray | None = None  # sim.model.states.AfterTalk: what the talk led to
    attempt: np.ndarray | None = None  # sim.model.states.Attempt: which call of its customer
    customer: np.ndarray | None = None  # index of its customer's first contact
    # Empowerment: money paid as a concession if its talk resolves it (None: none).
    concession: np.ndarray | None = None
    # Per group and whole minute mark m (at (m + 1) x 60 s), None when not tracked
    # (sim.core.fatigue): the rolling 60-minute occupancy, and the agents logged in.
    rolling_occupancy: np.ndarray | None = None
    logged_in_at_mark: np.ndarray | None = None
    # A continued day (Scenario.start): when it started, and per contact where it comes from
    # (sim.model.resume: NEW, WAITING or IN_HAND; None: every contact is the day's own).
    start_seconds: float = 0.0
    # Per agent: when it was last told to log out once free (NaN: never, or kept on).
    leaving_at: np.ndarray | None = None
    origin: np.ndarray | None = None

    @property
    def wait(self) -> np.ndarray:
        """Queue time of answered and abandoned contacts (NaN for the others)."""
        wait = np.where(self.queued, self.resolved_at - self.arrival, 0.0)
        wait[np.isnan(self.resolved_at)] = np.nan
        return wait

    @property
    def busy_until(self) -> np.ndarray:
        """End of the agent's work (talk plus wrap-up) on each answered contact."""
        return self.resolved_at + self.work

    @property
    def answering_group(self) -> np.ndarray:
        """Group index of the agent who answered each contact (-1 if nobody)."""
        return (
            np.where(self.agent >= 0, self.agent_group[np.maximum(self.agent, 0)], -1)
            if len(self.agent_group)
            else np.full(len(self.agent), -1)
        )


def time_in_intervals(
    starts: np.ndarray, ends: np.ndarray, length: float, intervals: int
) -> np.ndarray:
    """Total length of the periods ``[starts, ends)`` falling in each interval of ``length`` seconds.

    Each period is split exactly at the interval boundaries: its pieces in its first and
    last interval, plus whole intervals in between (periods end by ``intervals * length``).
    """
    end_of_day = intervals * length
    starts = np.clip(np.asarray(starts, dtype=float), 0.0, end_of_day)
    ends = np.clip(np.asarray(ends, dtype=float), 0.0, end_of_day)
    first = np.minimum((starts // length).astype(np.int64), intervals - 1)
    last = np.minimum((ends // length).astype(np.int64), intervals - 1)
    same = first == last
    totals = np.zeros(intervals)
    totals += np.bincount(first[same], weights=(ends - starts)[same], minlength=intervals)
    split = ~same
    head = (first[split] + 1) * length - starts[split]
    tail = ends[split] - last[split] * length
    totals += np.bincount(first[split], weights=head, minlength=intervals)
    totals += np.bincount(last[split], weights=tail, minlength=intervals)
    # Whole intervals strictly between the first and the last: a difference array.
    spans = np.zeros(intervals + 1)
    np.add.at(spans, first[split] + 1, 1.0)
    np.add.at(spans, last[split], -1.0)
    totals += np.cumsum(spans[:-1]) * length
    return totals
