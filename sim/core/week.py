"""Several days in a row (``scenario.days``): each its own one-day :class:`Scenario`, the
email and callback backlog carried from one day's close to the next day's opening.

A week is simulated day by day (:mod:`sim.model.week`); its tables read like one long
day: :func:`week_scenario` lays the days' intervals end to end (labelled ``<day>
HH:MM``), with each day's forecast and staffing, so the week's intervals, figures and
totals are a day's tables over more intervals.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sim.core.scenario import Scenario

__all__ = ["Week", "week_scenario", "week_unsupported"]


@dataclass(frozen=True)
class Week:
    """Days in a row: ``days[d]`` is day ``d``'s one-day scenario, ``names[d]`` its name
    (e.g. ``mon``). Every day has the same contact types, groups, skills and clock."""

    days: tuple[Scenario, ...]
    names: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.days or len(self.days) != len(self.names):
            raise ValueError("a week needs at least one day, each with a name")
        if len(set(self.names)) != len(self.names):
            raise ValueError(f"day names must be unique, got {list(self.names)}")
        first = self.days[0]
        for name, day in zip(self.names, self.days, strict=True):
            if (
                day.type_names != first.type_names
                or day.group_names != first.group_names
                or day.interval_seconds != first.interval_seconds
                or day.intervals != first.intervals
                or day.start_clock_seconds != first.start_clock_seconds
            ):
                raise ValueError(
                    f"day {name!r}: every day needs the same contact types, groups and "
                    "intervals as the first"
                )
        problems = week_unsupported(first)
        if problems:
            raise ValueError("a week cannot yet have " + "; ".join(problems))


def week_unsupported(scenario: Scenario) -> list[str]:
    """What a day of a week cannot yet have, one phrase each (empty: nothing): agents on
    individual shifts (a schedule per day), a warm-up (each day opens on the last one's
    backlog) and a continued day (a snapshot)."""
    problems = []
    scheduled = [g.name for g in scenario.groups if g.scheduled]
    if scheduled:
        problems.append(f"agents on individual shifts (groups {', '.join(scheduled)})")
    if scenario.warmup_intervals:
        problems.append("a warm-up")
    if scenario.start is not None:
        problems.append("a snapshot to continue from")
    return problems


def week_scenario(week: Week) -> Scenario:
    """The week as one long scenario for its tables: the days' intervals end to end, each
    contact type's forecast (and per-interval handle-time scales) and each group's
    staffing joined, intervals labelled ``<day> HH:MM``. Not simulated as such."""
    first = week.days[0]
    types = []
    for k, t in enumerate(first.contact_types):
        columns = [day.contact_types[k] for day in week.days]

        def joined(attribute: str, columns=columns):
            parts = [getattr(c, attribute) for c in columns]
            if all(p is None for p in parts):
                return None
            return tuple(
                x
                for c, p in zip(columns, parts, strict=True)
                for x in (p if p is not None else (1.0,) * len(c.forecast))
            )

        types.append(
            dataclasses.replace(
                t,
                forecast=tuple(x for c in columns for x in c.forecast),
                handle_time_scale=joined("handle_time_scale"),
                wrap_up_scale=joined("wrap_up_scale"),
            )
        )
    groups = [
        dataclasses.replace(
            g, staffing=tuple(x for day in week.days for x in day.groups[j].staffing)
        )
        for j, g in enumerate(first.groups)
    ]
    return dataclasses.replace(
        first,
        contact_types=tuple(types),
        groups=tuple(groups),
        outages=(),
        day_names=week.names,
    )
