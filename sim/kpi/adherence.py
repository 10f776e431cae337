"""Schedule adherence, shrinkage, training hours and availability of scheduled agents.

Definitions (per group and interval, over the agents working individual shifts):

* ``scheduled_seconds``: time inside the agents' shifts as published (paid time).
* planned shrinkage: time of planned breaks, lunches and activities, at their published
  times, over published scheduled time: what the plan set aside, whatever the realtime
  analyst did later.
* unplanned shrinkage: time absent (no-show, late log-in, early leave) or in aux, over
  published scheduled time.
* adherence: share of scheduled time in which the agent was in the state its schedule, as
  the realtime analyst left it, planned (on the phone, on a given kind of break, in an
  activity). The analyst's changes count: an item a policy moved is expected at its new
  time; an item it cancelled (or moved out of the shift) is no longer expected, so the agent
  is expected on the phone; an agent sent home on voluntary time off leaves the base when it
  goes (its time after that is neither scheduled nor adherent). A break taken later than it
  was due, an activity started late because a contact ran on, aux time and absence all count
  against it; time offline in an outage does not. With no policy acting it equals
  ``adherence_published`` exactly.
* adherence_published: the same against the published schedule, the analyst's changes
  ignored: a moved item counts against it at its published time and again where it was
  taken, a cancelled activity's time spent on the phone counts against it, and time after
  an agent went home on voluntary time off counts as on the phone (nothing is logged then).
* training hours planned: hours of every off-phone activity (training, meeting, coaching,
  back office: any name) in the published schedule, absent agents' included.
* training hours delivered: hours agents actually spent in activities: an activity a policy
  dropped counts nothing, one cut short by the agent's log-out the part done.
* ``away_seconds``: logged-in time spent off the phone (breaks, activities, aux): it is
  not available for contacts, so it is left out of occupancy's denominator.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator

import numpy as np

from sim.core.timespans import union
from sim.model.states import AwayKind, ItemState

__all__ = ["SCHEDULE_PERIODS", "agent_adherence", "schedule_periods"]

_ABSENT = AwayKind.ABSENT
_AUX = AwayKind.AUX
_ACTIVITY = AwayKind.ACTIVITY

#: The accounting kinds of :func:`schedule_periods`.
SCHEDULE_PERIODS: tuple[str, ...] = (
    "scheduled",
    "planned_away",
    "unplanned",
    "adherent_published",
    "away",
    "scheduled_as_changed",
    "adherent",
    "training_planned",
    "training_delivered",
)

Plan = list[tuple[float, float, str]]  # (start, end, category) of planned off-phone items


def _category_at(t: float, periods: list[tuple[float, float, str]], default: str) -> str:
    for start, end, category in periods:
        if start <= t < end:
            return category
    return default


def _actual_by_day(outcome) -> dict[tuple[int, int], list[tuple[float, float, str]]]:
    """What each scheduled agent actually did off the phone, keyed by (group, shift index)."""
    actual: dict[tuple[int, int], list[tuple[float, float, str]]] = defaultdict(list)
    for g, s, kind, start, end in zip(
        outcome.away_group.tolist(),
        outcome.away_shift.tolist(),
        outcome.away_kind.tolist(),
        outcome.away_start.tolist(),
        outcome.away_end.tolist(),
        strict=True,
    ):
        actual[(g, s)].append((start, end, AwayKind(kind).label))
    return actual


def _changed_plans(outcome) -> dict[int, Plan]:
    """Each scheduled day's planned off-phone items as the day left them (index into
    ``outcome.days``): at their final due times, dropped ones and aux time left out."""
    plans: dict[int, Plan] = defaultdict(list)
    for d, kind, due, duration, state in zip(
        outcome.item_day.tolist(),
        outcome.item_kind.tolist(),
        outcome.item_due.tolist(),
        outcome.item_duration.tolist(),
        outcome.item_state.tolist(),
        strict=True,
    ):
        if kind != _AUX and state != ItemState.DROPPED:
            plans[d].append((due, due + duration, AwayKind(kind).label))
    return plans


def _left_at(outcome, d: int) -> float:
    """When day ``d``'s agent went home on voluntary time off (inf if it did not)."""
    sent = outcome.sent_home_at
    return float(sent[d]) if d < len(sent) and not math.isnan(sent[d]) else math.inf


def _adherent(start: float, end: float, planned: Plan, done: Plan) -> Iterator[tuple[float, float]]:
    """The pieces of ``[start, end)`` in which what happened is what was planned."""
    cuts = {start, end}
    for a, b, _ in planned + done:
        cuts.update(t for t in (a, b) if start < t < end)
    edges = sorted(cuts)
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        middle = (a + b) / 2
        happened = _category_at(middle, done, "phone")
        # An outage is nobody's non-adherence: the agent could not do otherwise.
        if happened == "outage" or happened == _category_at(middle, planned, "phone"):
            yield a, b


def _day_segments(day, done: Plan, changed: Plan, left_at: float):
    """(kind, start, end) of one shift's scheduled, planned-away, adherent and training time:
    ``done`` what the agent did off the phone, ``changed`` its plan as the analyst left it,
    ``left_at`` when it went home on voluntary time off (inf: it did not)."""
    shift = day.shift
    yield "scheduled", shift.start, shift.end
    published = [(b.earliest, b.earliest + b.duration, b.kind) for b in shift.breaks]
    published += [(a.start, a.start + a.duration, "activity") for a in shift.activities]
    for start, end, category in published:
        yield "planned_away", max(start, shift.start), min(end, shift.end)
        if category == "activity":
            yield "training_planned", max(start, shift.start), min(end, shift.end)
    for a, b in _adherent(shift.start, shift.end, published, done):
        yield "adherent_published", a, b
    until = min(shift.end, left_at)
    yield "scheduled_as_changed", shift.start, until
    # Without a policy's changes the plans hold the same items (in due order rather than
    # breaks first; items of a shift do not overlap): the same pieces, the same figure.
    for a, b in _adherent(shift.start, until, changed, done):
        yield "adherent", a, b


def schedule_periods(
    outcome, selected_groups: np.ndarray
) -> dict[str, tuple[list[float], list[float]]]:
    """Periods (starts, ends) of each accounting kind of :data:`SCHEDULE_PERIODS` for the
    scheduled agents of the groups where ``selected_groups[g]`` is True."""
    out: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in SCHEDULE_PERIODS}

    def add(kind: str, start: float, end: float) -> None:
        if end > start:
            out[kind][0].append(start)
            out[kind][1].append(end)

    away_by_agent: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for g, s, kind, start, end, agent in zip(
        outcome.away_group.tolist(),
        outcome.away_shift.tolist(),
        outcome.away_kind.tolist(),
        outcome.away_start.tolist(),
        outcome.away_end.tolist(),
        outcome.away_agent.tolist(),
        strict=True,
    ):
        if not selected_groups[g]:
            continue
        if kind in (_ABSENT, _AUX):
            add("unplanned", start, end)
        if kind == _ACTIVITY and s >= 0:
            add("training_delivered", start, end)
        if kind != _ABSENT and agent >= 0:
            away_by_agent[agent].append((start, end))
    for spans in away_by_agent.values():  # a break inside an outage is away only once
        for start, end in union(spans):
            add("away", start, end)
    actual = _actual_by_day(outcome)
    changed = _changed_plans(outcome)
    for d, day in enumerate(outcome.days):
        if selected_groups[day.group]:
            done = actual.get((day.group, day.shift_index), [])
            for kind, start, end in _day_segments(
                day, done, changed.get(d, []), _left_at(outcome, d)
            ):
                add(kind, start, end)
    return out


def agent_adherence(outcome, scenario) -> list[dict]:
    """One row per scheduled agent: ``agent``, ``group``, ``adherence``,
    ``adherence_published``, planned and unplanned shrinkage over its whole shift (warm-up
    included: shifts are an agent's whole day). Adherence is NaN for an agent sent home
    at the very start of its shift (nothing left scheduled)."""
    actual = _actual_by_day(outcome)
    changed = _changed_plans(outcome)
    rows = []
    order = sorted(
        range(len(outcome.days)), key=lambda d: (outcome.days[d].group, outcome.days[d].shift_index)
    )
    for d in order:
        day = outcome.days[d]
        done = actual.get((day.group, day.shift_index), [])
        totals: defaultdict[str, float] = defaultdict(float)
        for kind, start, end in _day_segments(day, done, changed.get(d, []), _left_at(outcome, d)):
            totals[kind] += max(0.0, end - start)
        unplanned = sum(e - s for s, e, k in done if k in ("absent", "aux"))
        scheduled = totals["scheduled"]
        kept = totals["scheduled_as_changed"]
        rows.append(
            {
                "agent": day.shift.agent,
                "group": scenario.groups[day.group].name,
                "adherence": totals["adherent"] / kept if kept > 0 else math.nan,
                "adherence_published": totals["adherent_published"] / scheduled,
                "shrinkage_planned": totals["planned_away"] / scheduled,
                "shrinkage_unplanned": unplanned / scheduled,
            }
        )
    return rows
