"""The analyst's levers, each sized to the gap the outlook shows.

Every function here turns an :class:`~sim.policies.outlook.Outlook` (agents short or spare
per group and interval, from the reforecast) into actions for one lever: overtime (a shift
extension or a call-in), moving activities to a trough, moving breaks within their window,
time off for a lasting surplus. The single-lever policies (``overtime``, ``vto``,
``cancel_offphone``, ``delay_breaks``) and the ``analyst`` call the same functions, so a
comparison between them compares choices of levers, not different arithmetic.

Intervals are indexed from the outlook's first (the current) interval: ``j = 0`` is now.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from sim.core.workforce import BREAK_KINDS
from sim.policies.api import (
    Action,
    CallOvertime,
    CancelItem,
    OfferVTO,
    PostponeItem,
    RealtimeView,
    UpcomingItem,
)
from sim.policies.outlook import Outlook

__all__ = [
    "OvertimeTerms",
    "Window",
    "activity_moves",
    "break_moves",
    "overtime_call",
    "short_window",
    "surplus_window",
    "time_off",
]


@dataclass(frozen=True)
class Window:
    """Intervals ``start`` to ``stop - 1`` (outlook indices) and the agents at stake."""

    start: int
    stop: int
    agents: float

    @property
    def intervals(self) -> int:
        """How many intervals the window spans."""
        return self.stop - self.start


def short_window(
    outlook: Outlook, group: str, first: int, min_agents: float, min_intervals: int
) -> Window | None:
    """The first run, from outlook index ``first`` on, of at least ``min_intervals``
    intervals in which ``group`` lacks ``min_agents`` or more; ``agents``: the mean lack."""
    short = outlook.short[group]
    j = max(0, first)
    while j < len(short):
        if short[j] >= min_agents:
            stop = j
            while stop < len(short) and short[stop] >= min_agents:
                stop += 1
            if stop - j >= min_intervals or stop == len(short):
                return Window(j, stop, sum(short[j:stop]) / (stop - j))
            j = stop
        j += 1
    return None


def surplus_window(
    outlook: Outlook, group: str, first: int, min_agents: float, min_intervals: int
) -> Window | None:
    """The run from outlook index ``first`` in which ``group`` has ``min_agents`` or more to
    spare in every interval, if it lasts ``min_intervals``; ``agents``: the smallest spare."""
    spare = outlook.surplus[group]
    short = outlook.short[group]
    stop = first
    while stop < len(spare) and spare[stop] >= min_agents and short[stop] <= 0:
        stop += 1
    if stop - first < min_intervals:
        return None
    return Window(first, stop, min(spare[first:stop]))


def _ceil(agents: float, slack: float = 0.25) -> int:
    """Whole agents to cover ``agents``, ignoring a fraction up to ``slack``."""
    return max(0, math.ceil(agents - slack))


@dataclass(frozen=True)
class OvertimeTerms:
    """How overtime can be had. ``extension_acceptance``: an agent asked to stay on after
    its shift accepts with it. ``call_in_*``: an agent off today, phoned, accepts with
    ``call_in_acceptance``, starts ``call_in_lead_minutes`` later and is paid at least
    ``min_paid_hours``. ``max_hours``: the longest overtime asked of one agent."""

    extension_acceptance: float = 0.5
    call_in_acceptance: float = 0.6
    call_in_lead_minutes: float = 30.0
    min_paid_hours: float = 2.0
    max_hours: float = 3.0


def overtime_call(
    view: RealtimeView,
    outlook: Outlook,
    group: str,
    window: Window,
    terms: OvertimeTerms,
    latency_seconds: float,
    hours_budget: float,
    reason: str,
) -> CallOvertime | None:
    """Overtime for ``group`` to cover ``window``: a shift extension if agents' shifts end
    just before or inside it, else a call-in if the window is still ahead after the lead
    time; asked agents sized so that the expected acceptances cover the mean lack, within
    ``hours_budget`` (agent-hours asked). None if no lever fits."""
    plan = view.plan
    length = view.interval_seconds
    begin = (outlook.first + window.start) * length
    end = (outlook.first + window.stop) * length
    applies = view.now + latency_seconds
    need = _ceil(window.agents)
    if need < 1:
        return None
    group_view = view.groups[group]
    # Extension: shifts ending from half an hour before the window to its end.
    if group_view.scheduled_by_counts:
        ends = _count_drops(plan.groups[group].scheduled, outlook.first, window, length)
    else:
        ends = [e for e in group_view.shift_ends if begin - 1800.0 <= e < end and e >= applies]
    if ends:
        first_end = min(ends)
        hours = _half_hours(min(terms.max_hours, (end - first_end) / 3600.0))
        asked = min(len(ends), math.ceil(need / max(terms.extension_acceptance, 1e-9)))
        asked = min(asked, int(hours_budget // hours)) if hours > 0 else 0
        if asked >= 1:
            return CallOvertime(
                reason=f"{reason}; extend {asked} shift(s) ending from {plan.clock(first_end)}",
                group=group,
                agents=asked,
                hours=hours,
                lead_minutes=0.0,
                acceptance_probability=terms.extension_acceptance,
                start_at=first_end,
                lever="extension",
            )
    start = max(begin, applies + 60.0 * terms.call_in_lead_minutes)
    if end - start < 1800.0:
        return None  # a call-in would arrive too late to matter
    hours = _half_hours(min(terms.max_hours, max(terms.min_paid_hours, (end - start) / 3600.0)))
    asked = math.ceil(need / max(terms.call_in_acceptance, 1e-9))
    asked = min(asked, int(hours_budget // hours)) if hours > 0 else 0
    if asked < 1:
        return None
    return CallOvertime(
        reason=f"{reason}; call in {asked} from {plan.clock(start)}",
        group=group,
        agents=asked,
        hours=hours,
        lead_minutes=terms.call_in_lead_minutes,
        acceptance_probability=terms.call_in_acceptance,
        start_at=start,
        lever="call_in",
        min_paid_hours=terms.min_paid_hours,
    )


def _count_drops(
    scheduled: tuple[float, ...], first: int, window: Window, length: float
) -> list[float]:
    """Boundaries where a count-staffed group's table drops, one entry per agent leaving,
    from one interval before ``window`` to its end (outlook indices)."""
    ends = []
    for j in range(max(first + window.start - 1, first + 1), first + window.stop):
        if j < len(scheduled):
            drop = int(scheduled[j - 1] - scheduled[j])
            ends += [j * length] * max(0, drop)
    return ends


def _half_hours(hours: float) -> float:
    """``hours`` rounded up to a half hour, at least half an hour."""
    return max(0.5, math.ceil(hours * 2.0 - 1e-9) / 2.0)


def time_off(
    view: RealtimeView,
    group: str,
    window: Window,
    keep_agents: float,
    acceptance: float,
    max_hours: float,
    reason: str,
    latency_seconds: float = 0.0,
) -> OfferVTO | None:
    """Time off for the agents ``group`` can spare over all of ``window`` (less
    ``keep_agents`` kept as a cushion), for the window only from when the offer applies
    (``latency_seconds`` after now; at most ``max_hours``)."""
    agents = math.floor(window.agents - keep_agents + 1e-9)
    agents = min(agents, view.groups[group].available)
    if agents < 1:
        return None
    end = (view.interval + window.stop) * view.interval_seconds
    hours = min(max_hours, (end - view.now - latency_seconds) / 3600.0)
    if hours < 0.5:
        return None
    return OfferVTO(
        reason=reason,
        group=group,
        agents=int(agents),
        hours=math.floor(hours * 2.0 + 1e-9) / 2.0,
        acceptance_probability=acceptance,
    )


def _lack(
    outlook: Outlook,
    group: str,
    length: float,
    away: list[tuple[float, float, float]],
) -> float:
    """Agent-intervals ``group`` lacks over the outlook after adding the off-phone spans
    ``away`` = (start, end, agents): agents < 0 return to the phone, > 0 leave it; each
    interval counts the agents it lacks times the share of it a span covers."""
    first = outlook.first
    spare, short = outlook.surplus[group], outlook.short[group]
    touched: dict[int, float] = {}
    for start, end, agents in away:
        j = max(int(start // length), first)
        while j * length < end and j - first < len(spare):
            a, b = max(start, j * length), min(end, (j + 1) * length)
            if b > a:
                touched[j] = touched.get(j, 0.0) + agents * (b - a) / length
            j += 1
    if any(int(end // length) - first >= len(spare) and end > start for start, end, _ in away):
        return math.inf  # reaches past the outlook (the end of the day)
    return sum(
        max(0.0, -(spare[j - first] - short[j - first] - change)) for j, change in touched.items()
    )


def _best_start(
    outlook: Outlook,
    group: str,
    length: float,
    where: tuple[float, float],
    agents: int,
    starts: list[float],
) -> tuple[float | None, float]:
    """(best start, agent-intervals of lack it cuts) for ``agents`` off the phone over
    ``where`` = (start, end), moved to one of ``starts``: the lack over the intervals either
    span touches, before less after the move; (None, 0) if no start cuts any."""
    start, end = where
    duration = end - start
    best, best_cut = None, 0.0
    for s in starts:
        if abs(s - start) < 1e-9:
            continue
        before = _lack(outlook, group, length, [(start, end, 0.0), (s, s + duration, 0.0)])
        after = _lack(
            outlook, group, length, [(start, end, -float(agents)), (s, s + duration, float(agents))]
        )
        cut = before - after
        if math.isfinite(cut) and cut > best_cut + 1e-9:
            best, best_cut = s, cut
    return best, best_cut


#: What :func:`activity_moves` may do with an activity that falls in a shortage.
ACTIVITY_MODES: tuple[str, ...] = ("postpone", "postpone_or_cancel", "cancel")


def activity_moves(
    view: RealtimeView,
    outlook: Outlook,
    short_groups: dict[str, str],
    lookahead_seconds: float,
    latency_seconds: float,
    mode: str,
    already: set[tuple[int, int]],
) -> list[Action]:
    """Move cancellable activities out of a shortage, to the trough of the agents' shifts.

    ``short_groups``: group -> why it is short. Activities of those groups due within
    ``lookahead_seconds`` are taken a group session (same group, name and start) at a
    time, never split. ``mode`` "postpone": the session moves to the start (on an interval
    boundary from when the action applies, before every member's shift ends) that cuts the
    group's lacking agent-intervals most (over the intervals where it stands and where it
    would go), if by half an agent-interval or more; otherwise
    it runs as planned. "postpone_or_cancel": the same, but a session with no such start
    is cancelled when its agents are needed where it stands (cancelling relieves at least
    half of its agent-intervals). "cancel": cancelled whenever that holds. ``already``:
    items moved or cancelled before (never twice; updated).
    """
    length = view.interval_seconds
    sessions: dict[tuple[str, str, float], list[UpcomingItem]] = defaultdict(list)
    for item in view.upcoming:
        if (
            item.kind == "activity"
            and item.cancellable
            and item.group in short_groups
            and item.due < view.now + lookahead_seconds
            and item.item_id not in already
        ):
            sessions[(item.group, item.name, item.due)].append(item)
    actions: list[Action] = []
    earliest = view.now + latency_seconds
    for (group, _name, due), members in sessions.items():
        size = len(members)
        duration = max(m.duration for m in members)
        why = short_groups[group]
        best, cut = None, 0.0
        lack_here = _lack(outlook, group, length, [(due, due + duration, 0.0)])
        if mode != "cancel":
            latest = min(m.shift_end for m in members) - duration
            first = math.ceil(earliest / length) * length
            starts = [first + k * length for k in range(int((latest - first) // length) + 1)]
            best, cut = _best_start(outlook, group, length, (due, due + duration), size, starts)
        if best is not None and cut >= 0.5:
            actions += [
                PostponeItem(
                    reason=f"{why}: session of {size} moved to {view.plan.clock(best)}",
                    item=m.item_id,
                    until=best,
                )
                for m in members
            ]
        elif mode in ("cancel", "postpone_or_cancel"):
            relieved = lack_here - _lack(
                outlook, group, length, [(due, due + duration, -float(size))]
            )
            if relieved < 0.5 * size * duration / length:
                continue  # its agents are not needed enough where it stands
            actions += [
                CancelItem(
                    reason=f"{why}: no trough in the shifts: session of {size} cancelled",
                    item=m.item_id,
                )
                for m in members
            ]
        else:
            continue  # no trough can take it: the session runs as planned
        for m in members:
            already.add(m.item_id)
    return actions


def break_moves(
    view: RealtimeView,
    outlook: Outlook,
    groups: set[str],
    lookahead_seconds: float,
    latency_seconds: float,
    already: dict[tuple[int, int], float],
) -> list[Action]:
    """Move the breaks of ``groups`` due within ``lookahead_seconds`` that fall in a
    shortage to the start inside their window (later, or earlier into a trough; never
    before the action applies) that cuts the group's lacking agent-intervals most, by half an
    agent over the break's length or more. ``already``: item -> start asked (updated)."""
    length = view.interval_seconds
    actions: list[Action] = []
    earliest = view.now + latency_seconds
    step = min(length / 3.0, 600.0)
    for item in view.upcoming:
        if item.kind not in BREAK_KINDS or item.group not in groups:
            continue
        width = item.latest_start - item.planned
        if width <= 0 or item.due >= view.now + lookahead_seconds or item.due < earliest:
            continue
        if already.get(item.item_id) == item.due:
            continue  # asked already, and it stands where asked
        low = max(earliest, item.planned - width)
        starts = [low + k * step for k in range(int((item.latest_start - low) // step) + 1)]
        if item.latest_start not in starts and item.latest_start >= low:
            starts.append(item.latest_start)
        best, cut = _best_start(
            outlook, item.group, length, (item.due, item.due + item.duration), 1, starts
        )
        # Half an agent over the break's length: a 15-minute break can clear a short
        # interval of at most a quarter of an agent-interval.
        if best is None or cut < 0.5 * item.duration / length:
            continue
        already[item.item_id] = best
        direction = "later" if best > item.due else "earlier"
        actions.append(
            PostponeItem(
                reason=f"{item.group} short at {view.plan.clock(item.due)}: break {direction}, "
                f"to {view.plan.clock(best)}",
                item=item.item_id,
                until=best,
            )
        )
    return actions
