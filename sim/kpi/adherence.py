"""Schedule adherence, shrinkage and availability of scheduled agents.

Definitions (per group and interval, over the agents working individual shifts):

* ``scheduled_seconds``: time inside the agents' shifts (paid time).
* planned shrinkage: time of planned breaks, lunches and activities, at their planned
  times, over scheduled time.
* unplanned shrinkage: time absent (no-show, late log-in, early leave) or in aux, over
  scheduled time.
* adherence: share of scheduled time in which the agent was in the state the schedule
  planned (on the phone, on a given kind of break, in an activity). A break taken late, an
  activity started late because a contact ran on, aux time and absence all count against it;
  time offline in an outage does not.
* ``away_seconds``: logged-in time spent off the phone (breaks, activities, aux): it is
  not available for contacts, so it is left out of occupancy's denominator.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from sim.core.timespans import union
from sim.model.states import AwayKind

__all__ = ["agent_adherence", "schedule_periods"]

_ABSENT = AwayKind.ABSENT
_AUX = AwayKind.AUX


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


def _day_segments(day, done: list[tuple[float, float, str]]):
    """(kind, start, end) of one shift's scheduled, planned-away and adherent time."""
    shift = day.shift
    yield "scheduled", shift.start, shift.end
    planned = [(b.earliest, b.earliest + b.duration, b.kind) for b in shift.breaks]
    planned += [(a.start, a.start + a.duration, "activity") for a in shift.activities]
    for start, end, _ in planned:
        yield "planned_away", max(start, shift.start), min(end, shift.end)
    cuts = {shift.start, shift.end}
    for start, end, _ in planned + done:
        cuts.update(t for t in (start, end) if shift.start < t < shift.end)
    edges = sorted(cuts)
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        middle = (a + b) / 2
        happened = _category_at(middle, done, "phone")
        # An outage is nobody's non-adherence: the agent could not do otherwise.
        if happened == "outage" or happened == _category_at(middle, planned, "phone"):
            yield "adherent", a, b


def schedule_periods(
    outcome, selected_groups: np.ndarray
) -> dict[str, tuple[list[float], list[float]]]:
    """Periods (starts, ends) of each accounting kind for the scheduled agents of the groups
    where ``selected_groups[g]`` is True: ``scheduled``, ``planned_away``, ``unplanned``,
    ``adherent`` and ``away``."""
    out: dict[str, tuple[list[float], list[float]]] = {
        k: ([], []) for k in ("scheduled", "planned_away", "unplanned", "adherent", "away")
    }

    def add(kind: str, start: float, end: float) -> None:
        if end > start:
            out[kind][0].append(start)
            out[kind][1].append(end)

    away_by_agent: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for g, kind, start, end, agent in zip(
        outcome.away_group.tolist(),
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
        if kind != _ABSENT and agent >= 0:
            away_by_agent[agent].append((start, end))
    for spans in away_by_agent.values():  # a break inside an outage is away only once
        for start, end in union(spans):
            add("away", start, end)
    actual = _actual_by_day(outcome)
    for day in outcome.days:
        if selected_groups[day.group]:
            for kind, start, end in _day_segments(
                day, actual.get((day.group, day.shift_index), [])
            ):
                add(kind, start, end)
    return out


def agent_adherence(outcome, scenario) -> list[dict]:
    """One row per scheduled agent: ``agent``, ``group``, ``adherence``, planned and unplanned
    shrinkage over its whole shift (warm-up included: shifts are an agent's whole day)."""
    actual = _actual_by_day(outcome)
    rows = []
    for day in sorted(outcome.days, key=lambda d: (d.group, d.shift_index)):
        done = actual.get((day.group, day.shift_index), [])
        totals: defaultdict[str, float] = defaultdict(float)
        for kind, start, end in _day_segments(day, done):
            totals[kind] += max(0.0, end - start)
        unplanned = sum(e - s for s, e, k in done if k in ("absent", "aux"))
        scheduled = totals["scheduled"]
        rows.append(
            {
                "agent": day.shift.agent,
                "group": scenario.groups[day.group].name,
                "adherence": totals["adherent"] / scheduled,
                "shrinkage_planned": totals["planned_away"] / scheduled,
                "shrinkage_unplanned": unplanned / scheduled,
            }
        )
    return rows
