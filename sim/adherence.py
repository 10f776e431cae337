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

from .agents import AWAY_KINDS

__all__ = ["schedule_periods"]

_ABSENT = AWAY_KINDS.index("absent")
_AUX = AWAY_KINDS.index("aux")


def _category_at(t: float, periods: list[tuple[float, float, str]], default: str) -> str:
    for start, end, category in periods:
        if start <= t < end:
            return category
    return default


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

    actual: dict[tuple[int, int], list[tuple[float, float, str]]] = defaultdict(list)
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
        name = AWAY_KINDS[kind]
        actual[(g, s)].append((start, end, name))
        if kind in (_ABSENT, _AUX):
            add("unplanned", start, end)
        if kind != _ABSENT and agent >= 0:
            add("away", start, end)
    for day in outcome.days:
        if not selected_groups[day.group]:
            continue
        shift = day.shift
        add("scheduled", shift.start, shift.end)
        planned = [(b.earliest, b.earliest + b.duration, b.kind) for b in shift.breaks]
        planned += [(a.start, a.start + a.duration, "activity") for a in shift.activities]
        for start, end, _ in planned:
            add("planned_away", max(start, shift.start), min(end, shift.end))
        done = actual.get((day.group, day.shift_index), [])
        cuts = {shift.start, shift.end}
        for start, end, _ in planned + done:
            cuts.update(t for t in (start, end) if shift.start < t < shift.end)
        edges = sorted(cuts)
        for a, b in zip(edges[:-1], edges[1:], strict=True):
            middle = (a + b) / 2
            happened = _category_at(middle, done, "phone")
            # An outage is nobody's non-adherence: the agent could not do otherwise.
            if happened == "outage" or happened == _category_at(middle, planned, "phone"):
                add("adherent", a, b)
    return out
