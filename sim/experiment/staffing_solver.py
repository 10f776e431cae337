"""The staffing solver (``mode=staff``): the fewest agents per interval and count-staffed
group that meet every live contact type's service-level target, found by simulation.

Which types are judged: the live ones (voice and chat) that some count-staffed group serves.
Email is left out of the criterion (it may wait for hours; its agents are the first-choice
group's, sized for chat). Groups on individual shifts keep their shifts and are not solved.
Each type's *first-choice group* is the count-staffed group that serves it at the best
(lowest) skill level, the first in the scenario's order among equals.

1. **Start** (``erlang_agents``): per interval and judged type, the Erlang A agents
   (:func:`sim.analytic.required_agents`: the type's forecast rate, mean handle time x the
   group's proficiency plus mean wrap-up as AHT, the mean patience; Erlang C without
   patience) for the type's own threshold and target, divided by the group's
   ``chat_concurrency`` for chat, summed per first-choice group and rounded up.
2. **Search**, front to back through the measured intervals, on the same simulated days for
   every candidate (seed and replications ``0..R-1``: common random numbers), without
   realtime policies. At interval k, the day is simulated up to the end of interval k + 1
   (the earlier intervals too, so a queue carried over loads interval k), or the whole day
   when the scenario has outages or demand surges. While a judged type misses its target in
   interval k, one agent is added to its first-choice group there; then, group by group in
   the scenario's order, agents are taken away one at a time while every type still meets
   its target (so a cross-trained group's pooling pays off). Interval k is then fixed.

A type meets its target in an interval when the mean over replications of its interval
service level (:func:`sim.kpi.definitions.interval_kpis`) is at least the target or, with
``confidence`` p, when it is at least the target on a share p of the replications; an
interval without contacts of the type meets it. The objective is agent-hours (groups'
costs are not weighed). Warm-up intervals keep the Erlang start. Pure: no files.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from sim.analytic import required_agents
from sim.core.planning import StaffingTerms
from sim.core.scenario import AgentGroup, ContactType, Scenario
from sim.kpi.definitions import interval_kpis
from sim.model.world import simulate

__all__ = [
    "REQUIRED_COLUMNS",
    "SolvedStaffing",
    "erlang_start",
    "first_choice",
    "judged_types",
    "required_table",
    "solve_staffing",
    "solved_table",
]

#: The columns of ``staffing_required.csv``, in order.
REQUIRED_COLUMNS = [
    "interval_start",
    "group",
    "erlang_agents",
    "required_agents",
    "scheduled_agents",
    "gap",
]

#: Most agents the search adds to one group in one interval beyond the Erlang start.
_MAX_ADDED = 200


@dataclass(frozen=True)
class SolvedStaffing:
    """The solver's answer: ``groups`` (the count-staffed groups, in the scenario's order)
    and per group and interval (all of the day's) the Erlang start, the solved staffing
    and the staffing as given, each an array of shape (groups, intervals)."""

    groups: tuple[str, ...]
    erlang: np.ndarray
    required: np.ndarray
    scheduled: np.ndarray


def _type(scenario: Scenario, name: str) -> ContactType:
    return next(t for t in scenario.contact_types if t.name == name)


def _count_groups(scenario: Scenario) -> list[AgentGroup]:
    return [g for g in scenario.groups if not g.scheduled]


def first_choice(scenario: Scenario, contact_type: str) -> AgentGroup | None:
    """The count-staffed group serving ``contact_type`` at the lowest skill level (the
    first in the scenario's order among equals), or ``None``."""
    best: tuple[int, AgentGroup] | None = None
    for group in _count_groups(scenario):
        skill = group.skill_for(contact_type)
        if skill is not None and (best is None or skill.level < best[0]):
            best = (skill.level, group)
    return None if best is None else best[1]


def judged_types(scenario: Scenario) -> list[str]:
    """The live (voice, chat) types some count-staffed group serves, in scenario order."""
    return [
        t.name
        for t in scenario.contact_types
        if t.channel != "email" and first_choice(scenario, t.name) is not None
    ]


def erlang_start(scenario: Scenario) -> np.ndarray:
    """The Erlang requirement per count-staffed group and interval (see the module)."""
    groups = [g.name for g in _count_groups(scenario)]
    need = np.zeros((len(groups), scenario.intervals))
    seconds = scenario.interval_seconds
    for name in judged_types(scenario):
        kind = _type(scenario, name)
        group = first_choice(scenario, name)
        assert group is not None  # judged types have one
        skill = group.skill_for(name)
        proficiency = 1.0 if skill is None else skill.proficiency
        aht = kind.handle_time.mean * proficiency + (
            0.0 if kind.wrap_up is None else kind.wrap_up.mean
        )
        patience = None if kind.patience is None else kind.patience.mean
        sl = kind.service_level
        row = groups.index(group.name)
        for k, contacts in enumerate(kind.forecast):
            if contacts <= 0:
                continue
            agents = float(
                required_agents(contacts / seconds, aht, sl.threshold_seconds, sl.target, patience)
            )
            if kind.channel == "chat":
                agents /= group.chat_concurrency
            need[row, k] += agents
    return np.ceil(need - 1e-9)


def _with_staffing(scenario: Scenario, staff: np.ndarray, stop: int) -> Scenario:
    """``scenario`` with the count-staffed groups' tables replaced by ``staff``, cut after
    ``stop`` intervals (forecasts and every staffing table sliced)."""
    rows = iter(staff)
    groups = []
    for g in scenario.groups:
        table = g.staffing if g.scheduled else tuple(float(n) for n in next(rows))
        groups.append(replace(g, staffing=tuple(table[:stop])))
    types = tuple(replace(t, forecast=tuple(t.forecast[:stop])) for t in scenario.contact_types)
    return replace(scenario, groups=tuple(groups), contact_types=types)


def _meets(
    scenario: Scenario, seed: int, terms: StaffingTerms, types: list[str]
) -> Callable[[np.ndarray, int], list[bool]]:
    """A check: does each judged type meet its target in interval k with staffing ``staff``?"""
    can_cut = not scenario.outages and not scenario.demand.surges

    def check(staff: np.ndarray, k: int) -> list[bool]:
        stop = min(k + 2, scenario.intervals) if can_cut else scenario.intervals
        day = _with_staffing(scenario, staff, stop)
        levels = np.full((terms.replications, len(types)), np.nan)
        for r in range(terms.replications):
            outcome = simulate(day, seed=seed, replication=r)
            for j, name in enumerate(types):
                kpis = interval_kpis(outcome, day, contact_type=name)
                levels[r, j] = kpis["service_level"][k - day.warmup_intervals]
        out = []
        for j, name in enumerate(types):
            target = _type(scenario, name).service_level.target - 1e-9
            values = levels[:, j]
            if terms.confidence is None:
                mean = np.nanmean(values) if np.any(~np.isnan(values)) else math.inf
                out.append(bool(mean >= target))
            else:
                hits = np.where(np.isnan(values), True, values >= target)
                out.append(bool(hits.mean() >= terms.confidence - 1e-9))
        return out

    return check


def solve_staffing(scenario: Scenario, terms: StaffingTerms, seed: int) -> SolvedStaffing:
    """Solve the count-staffed groups' staffing of ``scenario`` (see the module)."""
    groups = [g.name for g in _count_groups(scenario)]
    if not groups:
        raise ValueError("mode=staff needs a group staffed by counts (a staffing table)")
    types = judged_types(scenario)
    erlang = erlang_start(scenario)
    staff = erlang.copy()
    check = _meets(scenario, seed, terms, types)
    home = {name: groups.index(first_choice(scenario, name).name) for name in types}  # type: ignore[union-attr]
    for k in range(scenario.warmup_intervals, scenario.intervals):
        met = check(staff, k)
        while not all(met):
            row = home[types[met.index(False)]]
            if staff[row, k] >= erlang[row, k] + _MAX_ADDED:
                raise ValueError(
                    f"interval {scenario.interval_label(k)}: group {groups[row]!r} would need "
                    f"more than {_MAX_ADDED} agents above the Erlang start to meet the target"
                )
            staff[row, k] += 1
            met = check(staff, k)
        for row in range(len(groups)):
            while staff[row, k] > 0:
                staff[row, k] -= 1
                if not all(check(staff, k)):
                    staff[row, k] += 1
                    break
    scheduled = np.array([g.staffing for g in _count_groups(scenario)], dtype=float)
    return SolvedStaffing(tuple(groups), erlang, staff, scheduled)


def required_table(scenario: Scenario, solved: SolvedStaffing) -> pd.DataFrame:
    """``staffing_required.csv``: one row per measured interval and count-staffed group
    (interval-major), ``gap`` = scheduled - required."""
    rows = []
    for k in range(scenario.warmup_intervals, scenario.intervals):
        for i, group in enumerate(solved.groups):
            required = int(solved.required[i, k])
            scheduled = float(solved.scheduled[i, k])
            rows.append(
                {
                    "interval_start": scenario.interval_label(k),
                    "group": group,
                    "erlang_agents": int(solved.erlang[i, k]),
                    "required_agents": required,
                    "scheduled_agents": scheduled,
                    "gap": scheduled - required,
                }
            )
    return pd.DataFrame(rows, columns=REQUIRED_COLUMNS)


def solved_table(scenario: Scenario, solved: SolvedStaffing) -> pd.DataFrame:
    """``staffing_solved.csv`` in the ``staffing.csv`` format: ``interval_start``, then one
    column per count-staffed group, every interval of the day (warm-up: the Erlang start)."""
    table = pd.DataFrame(
        {"interval_start": [scenario.interval_label(k) for k in range(scenario.intervals)]}
    )
    for i, group in enumerate(solved.groups):
        table[group] = solved.required[i].astype(int)
    return table
