"""The staffing solver (``mode=staff``): the fewest agents per interval and count-staffed
group that meet every contact type's service-level target, found by simulation.

Which types are judged: the live ones (voice and chat) per interval, and email over the
day, when some count-staffed group serves them. Groups on individual shifts keep their
shifts and are not solved. Each type's *first-choice group* is the count-staffed group that
serves it at the best (lowest) skill level, the first in the scenario's order among equals.

1. **Start** (``erlang_agents``, the per-queue answer a planner would compute by hand):
   per interval and type, the Erlang A agents (:func:`sim.analytic.required_agents`: the
   type's forecast rate, mean handle time x the group's proficiency plus mean wrap-up as
   AHT, the mean patience; Erlang C without patience) for the type's own threshold and
   target, divided by the group's ``chat_concurrency`` for chat; email by its workload
   (contacts x mean work / interval). Summed per first-choice group, raised to keep the
   group's occupancy under ``occupancy_cap`` when one is set, and rounded up.
2. **Search**, front to back through the measured intervals, on the same simulated days for
   every candidate (seed and replications ``0..R-1``: common random numbers), without
   realtime policies. At interval k, the day is simulated up to the end of interval k + 1
   (the earlier intervals too, so a queue carried over loads interval k), or the whole day
   when the scenario has outages or demand surges. While a live type misses its target in
   interval k (or a group's occupancy is over the cap), one agent is added there to the
   group that serves it and closes most of the shortfall per unit of hourly cost (each
   candidate group is tried; the shortfall is the sum over types of target minus service
   level). Then, the most expensive groups first, agents are taken away one at a time while
   every type still meets its target (so a cross-trained group's pooling pays off, and it
   pays off first where agents cost most); when groups cost differently, agents are then
   moved one at a time from a dearer group to a cheaper one sharing a skill while every
   target still holds. Interval k is then fixed.
3. **Email**, over the whole day: while an email type misses its target for the day, one
   agent is added to its first-choice group in the interval with the most emails waiting
   (the mean ``queue_length``), where an extra agent has the most backlog to clear. An
   email's day varies far more from day to day than a live interval (a backlog carries
   over for hours), and the search keeps the fewest agents that pass, so "meets" is asked
   of the one-sided 95% lower confidence bound of the mean (with ``confidence`` p: of the
   share of days, as for live types).

A type meets its target in an interval (email: over the day) when the mean over
replications of its service level (:mod:`sim.kpi.definitions`) is at least the target or,
with ``confidence`` p, when it is at least the target on a share p of the replications; an
interval without contacts of the type meets it. The objective is cost when groups' hourly
costs differ, agent-hours when they are equal. Warm-up intervals keep the Erlang start.

:func:`verify_staffing` then simulates the solved staffing on days the search never saw (a
fresh seed) and reports, per type, the day's service level with its confidence interval and
the intervals that miss. Pure: no files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from sim.analytic import agents_for_occupancy_cap, gross_agents, required_agents
from sim.core.planning import StaffingTerms
from sim.core.scenario import AgentGroup, ContactType, Scenario
from sim.experiment.executors import Pool
from sim.experiment.statistics import confidence_interval
from sim.kpi.definitions import interval_kpis, replication_kpis
from sim.model.world import simulate

__all__ = [
    "REQUIRED_COLUMNS",
    "VERIFICATION_COLUMNS",
    "SolvedStaffing",
    "email_types",
    "erlang_start",
    "first_choice",
    "judged_types",
    "required_table",
    "solve_staffing",
    "solved_table",
    "verification_seed",
    "verify_staffing",
]

#: The columns of ``staffing_required.csv``, in order (``required_gross_agents``: the
#: required agents grossed up for ``staffing.shrinkage``, rounded up).
REQUIRED_COLUMNS = [
    "interval_start",
    "group",
    "erlang_agents",
    "required_agents",
    "scheduled_agents",
    "gap",
    "required_gross_agents",
]

#: The columns of ``staffing_verification.csv``, in order (``interval_start`` is ``day``
#: on each type's row for the whole day).
VERIFICATION_COLUMNS = [
    "contact_type",
    "interval_start",
    "service_level",
    "ci_low",
    "ci_high",
    "target",
    "meets_target",
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
    """The live (voice, chat) types some count-staffed group serves, in scenario order:
    judged per interval."""
    return [
        t.name
        for t in scenario.contact_types
        if t.channel != "email" and first_choice(scenario, t.name) is not None
    ]


def email_types(scenario: Scenario) -> list[str]:
    """The email types some count-staffed group serves, in scenario order: judged over the
    day (an email may wait for hours, into later intervals)."""
    return [
        t.name
        for t in scenario.contact_types
        if t.channel == "email" and first_choice(scenario, t.name) is not None
    ]


def _mean_work(kind: ContactType, group: AgentGroup) -> float:
    """Mean handle time of ``kind`` in ``group``: talk x proficiency plus wrap-up."""
    skill = group.skill_for(kind.name)
    proficiency = 1.0 if skill is None else skill.proficiency
    return kind.handle_time.mean * proficiency + (
        0.0 if kind.wrap_up is None else kind.wrap_up.mean
    )


def erlang_start(scenario: Scenario, occupancy_cap: float | None = None) -> np.ndarray:
    """The per-queue requirement per count-staffed group and interval (see the module)."""
    groups = [g.name for g in _count_groups(scenario)]
    need = np.zeros((len(groups), scenario.intervals))
    load = np.zeros_like(need)  # agents' worth of work, for the occupancy cap
    seconds = scenario.interval_seconds
    for name in judged_types(scenario) + email_types(scenario):
        kind = _type(scenario, name)
        group = first_choice(scenario, name)
        assert group is not None  # judged and email types have one
        work = _mean_work(kind, group)
        patience = None if kind.patience is None else kind.patience.mean
        sl = kind.service_level
        row = groups.index(group.name)
        for k, contacts in enumerate(kind.forecast):
            if contacts <= 0:
                continue
            busy = contacts * work / seconds
            if kind.channel == "email":
                agents = busy
            else:
                agents = float(
                    required_agents(
                        contacts / seconds, work, sl.threshold_seconds, sl.target, patience
                    )
                )
            if kind.channel == "chat":
                agents /= group.chat_concurrency
                busy /= group.chat_concurrency
            need[row, k] += agents
            load[row, k] += busy
    start = np.ceil(need - 1e-9)
    if occupancy_cap is not None:
        floor = np.vectorize(lambda x: agents_for_occupancy_cap(x, occupancy_cap))(load)
        start = np.maximum(start, floor)
    return start


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


def _share_meeting(values: np.ndarray, target: float, confidence: float | None) -> float:
    """How far ``values`` (one per replication, NaN: no contacts) are from failing: the
    mean service level (criterion: >= target) or, with ``confidence``, the share of
    replications at or above ``target`` (criterion: >= confidence)."""
    if confidence is None:
        return float(np.nanmean(values)) if np.any(~np.isnan(values)) else math.inf
    return float(np.where(np.isnan(values), True, values >= target - 1e-9).mean())


@dataclass(frozen=True)
class _Verdict:
    """One candidate staffing judged at one interval: ``met`` per live type, and the
    ``shortfall`` (sum over types of what is missing, plus occupancy above the cap)."""

    met: tuple[bool, ...]
    shortfall: float

    @property
    def ok(self) -> bool:
        return all(self.met)


@dataclass(frozen=True)
class _Levels:
    """What the judge reads of one simulated day: per live type its interval service
    levels, per group its interval occupancy (with a cap), per email type its day service
    level and interval backlog (``queue_length``; measured intervals only)."""

    live: dict[str, np.ndarray]
    occupancy: dict[str, np.ndarray]
    email_day: dict[str, float]
    email: dict[str, np.ndarray]


def _day_levels(
    day: Scenario,
    seed: int,
    replication: int,
    types: tuple[str, ...],
    groups: tuple[str, ...],
    emails: tuple[str, ...],
) -> _Levels:
    """Simulate replication ``replication`` of ``day`` and keep what the judge reads (a
    worker's task: it sends back a few arrays, not the day's records)."""
    outcome = simulate(day, seed=seed, replication=replication)
    return _Levels(
        {t: interval_kpis(outcome, day, contact_type=t)["service_level"] for t in types},
        {g: interval_kpis(outcome, day, group=g)["occupancy"] for g in groups},
        {t: float(replication_kpis(outcome, day, contact_type=t)["service_level"]) for t in emails},
        {t: interval_kpis(outcome, day, contact_type=t)["queue_length"] for t in emails},
    )


class _Judge:
    """Simulates candidate staffings on the search's days (in ``pool``'s workers when one
    is given) and judges them."""

    def __init__(
        self, scenario: Scenario, terms: StaffingTerms, seed: int, pool: Pool | None = None
    ) -> None:
        self.scenario = scenario
        self.terms = terms
        self.seed = seed
        self.pool = pool
        self.types = judged_types(scenario)
        self.emails = email_types(scenario)
        self.groups = [g.name for g in _count_groups(scenario)]
        self.can_cut = not scenario.outages and not scenario.demand.surges

    def _days(self, staff: np.ndarray, stop: int, whole_day: bool) -> list[_Levels]:
        day = _with_staffing(self.scenario, staff, stop)
        args = (
            tuple(self.types),
            tuple(self.groups) if self.terms.occupancy_cap is not None else (),
            tuple(self.emails) if whole_day else (),
        )
        runs = range(self.terms.replications)
        if self.pool is None or self.pool.workers <= 1:
            return [_day_levels(day, self.seed, r, *args) for r in runs]
        shared = self.pool.share(day)
        futures = [self.pool.submit(_day_levels, shared, self.seed, r, *args) for r in runs]
        return [f.result() for f in futures]

    def _needed(self, target: float) -> float:
        return target if self.terms.confidence is None else self.terms.confidence

    def interval(self, staff: np.ndarray, k: int) -> _Verdict:
        """The live types (and the occupancy cap) at interval ``k``."""
        stop = min(k + 2, self.scenario.intervals) if self.can_cut else self.scenario.intervals
        days = self._days(staff, stop, whole_day=False)
        column = k - self.scenario.warmup_intervals
        met, shortfall = [], 0.0
        for name in self.types:
            target = _type(self.scenario, name).service_level.target
            values = np.array([d.live[name][column] for d in days])
            got = _share_meeting(values, target, self.terms.confidence)
            need = self._needed(target)
            met.append(got >= need - 1e-9)
            shortfall += max(0.0, need - got)
        cap = self.terms.occupancy_cap
        if cap is not None:
            for group in self.groups:
                values = np.array([d.occupancy[group][column] for d in days])
                busy = float(np.nanmean(values)) if np.any(~np.isnan(values)) else 0.0
                met.append(busy <= cap + 1e-9)
                shortfall += max(0.0, busy - cap)
        return _Verdict(tuple(met), shortfall)

    def email_day(self, staff: np.ndarray) -> tuple[str | None, np.ndarray]:
        """The first email type missing its day target (``None``: all meet), and its mean
        backlog (emails waiting) per measured interval."""
        days = self._days(staff, self.scenario.intervals, whole_day=True)
        for name in self.emails:
            target = _type(self.scenario, name).service_level.target
            values = np.array([d.email_day[name] for d in days])
            if self.terms.confidence is None:  # the one-sided 95% lower bound of the mean
                got = confidence_interval(values, level=0.9)[1] if len(values) > 1 else values[0]
            else:
                got = _share_meeting(values, target, self.terms.confidence)
            if not got >= self._needed(target) - 1e-9:
                with np.errstate(all="ignore"):
                    return name, np.nanmean(np.array([d.email[name] for d in days]), axis=0)
        return None, np.array([])


def _rates(scenario: Scenario, groups: list[str]) -> list[float]:
    """Each group's hourly cost, or 1 for every group when the costs do not differ (the
    objective is then agent-hours)."""
    rates = [scenario.costs.rate(g) for g in groups]
    if len(set(rates)) <= 1 or min(rates) <= 0:
        return [1.0] * len(groups)
    return rates


def _swaps(groups: list[AgentGroup], rates: list[float]) -> list[tuple[int, int]]:
    """(dearer, cheaper) pairs of groups sharing a skill, the dearest and then the cheapest
    first: an agent moved from the first to the second costs less for the same agents."""
    pairs = []
    for dear in sorted(range(len(groups)), key=lambda i: -rates[i]):
        skills = {s.contact_type for s in groups[dear].skills}
        for cheap in sorted(range(len(groups)), key=lambda i: rates[i]):
            shares = any(groups[cheap].skill_for(t) is not None for t in skills)
            if rates[cheap] < rates[dear] and shares:
                pairs.append((dear, cheap))
    return pairs


def _raise_too_many(scenario: Scenario, k: int, group: str) -> None:
    raise ValueError(
        f"interval {scenario.interval_label(k)}: group {group!r} would need more than "
        f"{_MAX_ADDED} agents above the Erlang start to meet the target"
    )


def solve_staffing(
    scenario: Scenario, terms: StaffingTerms, seed: int, pool: Pool | None = None
) -> SolvedStaffing:
    """Solve the count-staffed groups' staffing of ``scenario`` (see the module); each
    candidate's days run in ``pool``'s workers when one is given (the answer does not
    depend on it)."""
    count_groups = _count_groups(scenario)
    if not count_groups:
        raise ValueError("mode=staff needs a group staffed by counts (a staffing table)")
    judge = _Judge(scenario, terms, seed, pool)
    groups = judge.groups
    rates = _rates(scenario, groups)
    servers = {name: _servers(scenario, name) for name in judge.types + judge.emails}
    erlang = erlang_start(scenario, terms.occupancy_cap)
    staff = erlang.copy()
    removal_order = sorted(range(len(groups)), key=lambda i: -rates[i])
    for k in range(scenario.warmup_intervals, scenario.intervals):
        verdict = judge.interval(staff, k)
        while not verdict.ok:
            staff, verdict = _add_where_it_helps(
                judge, staff, k, verdict, servers, rates, erlang, scenario
            )
        for row in removal_order:
            while staff[row, k] > 0:
                staff[row, k] -= 1
                if not judge.interval(staff, k).ok:
                    staff[row, k] += 1
                    break
        for dear, cheap in _swaps(count_groups, rates):
            while staff[dear, k] > 0:
                staff[dear, k] -= 1
                staff[cheap, k] += 1
                if not judge.interval(staff, k).ok:
                    staff[dear, k] += 1
                    staff[cheap, k] -= 1
                    break
    staff = _meet_email(judge, staff, servers, erlang, scenario)
    scheduled = np.array([g.staffing for g in count_groups], dtype=float)
    return SolvedStaffing(tuple(groups), erlang, staff, scheduled)


def _servers(scenario: Scenario, contact_type: str) -> list[int]:
    """The count-staffed groups (their rows) serving ``contact_type``, its first-choice
    group first, then in the scenario's order."""
    groups = _count_groups(scenario)
    home = first_choice(scenario, contact_type)
    rows = [i for i, g in enumerate(groups) if g.skill_for(contact_type) is not None]
    return sorted(rows, key=lambda i: home is None or groups[i].name != home.name)


def _add_where_it_helps(
    judge: _Judge,
    staff: np.ndarray,
    k: int,
    verdict: _Verdict,
    servers: dict[str, list[int]],
    rates: list[float],
    erlang: np.ndarray,
    scenario: Scenario,
) -> tuple[np.ndarray, _Verdict]:
    """One agent more at interval ``k``, in the group that closes most of the shortfall per
    unit of cost among those serving the first missing type (a group over its occupancy
    cap: that group)."""
    missing = verdict.met.index(False)
    if missing < len(judge.types):
        candidates = servers[judge.types[missing]]
    else:
        candidates = [missing - len(judge.types)]
    best: tuple[float, np.ndarray, _Verdict] | None = None
    for row in candidates:
        if staff[row, k] >= erlang[row, k] + _MAX_ADDED:
            continue
        trial = staff.copy()
        trial[row, k] += 1
        if len(candidates) == 1:
            return trial, judge.interval(trial, k)
        result = judge.interval(trial, k)
        gain = (verdict.shortfall - result.shortfall) / rates[row]
        if best is None or gain > best[0] + 1e-12:
            best = (gain, trial, result)
    if best is None:
        _raise_too_many(scenario, k, judge.groups[candidates[0]])
    assert best is not None
    return best[1], best[2]


def _meet_email(
    judge: _Judge,
    staff: np.ndarray,
    servers: dict[str, list[int]],
    erlang: np.ndarray,
    scenario: Scenario,
) -> np.ndarray:
    """Phase 3 (see the module): agents for email, where most emails wait."""
    first = scenario.warmup_intervals
    while True:
        name, backlog = judge.email_day(staff)
        if name is None:
            return staff
        row = servers[name][0]
        open_ = [
            (-waiting, k)
            for k, waiting in zip(range(first, scenario.intervals), backlog, strict=False)
            if waiting > 0 and staff[row, k] < erlang[row, k] + _MAX_ADDED
        ]
        if not open_:
            _raise_too_many(scenario, first, judge.groups[row])
        k = min(open_)[1]
        staff = staff.copy()
        staff[row, k] += 1


def verification_seed(seed: int) -> int:
    """The seed of the verification run: days the search never simulated."""
    return seed + 1


def verify_staffing(
    scenario: Scenario, staff: np.ndarray, seed: int, replications: int
) -> pd.DataFrame:
    """``staffing_verification.csv``: ``staff`` (count-staffed groups x intervals) simulated
    for ``replications`` days with ``seed``, per judged type (live and email) a row for the
    day, then one per measured interval: mean service level, 95% CI, target and whether the
    mean meets it (intervals without contacts of the type: left out)."""
    day = _with_staffing(scenario, staff, scenario.intervals)
    outcomes = [simulate(day, seed=seed, replication=r) for r in range(replications)]
    rows = []
    for name in judged_types(scenario) + email_types(scenario):
        target = _type(scenario, name).service_level.target
        days = np.array(
            [replication_kpis(o, day, contact_type=name)["service_level"] for o in outcomes]
        )
        levels = np.array(
            [interval_kpis(o, day, contact_type=name)["service_level"] for o in outcomes]
        )
        columns = [("day", days)]
        for j, k in enumerate(range(day.warmup_intervals, day.intervals)):
            if np.any(~np.isnan(levels[:, j])):
                columns.append((day.interval_label(k), levels[:, j]))
        for label, values in columns:
            mean, low, high = confidence_interval(values)
            rows.append(
                {
                    "contact_type": name,
                    "interval_start": label,
                    "service_level": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "target": target,
                    "meets_target": bool(mean >= target - 1e-9),
                }
            )
    return pd.DataFrame(rows, columns=VERIFICATION_COLUMNS)


def required_table(
    scenario: Scenario, solved: SolvedStaffing, shrinkage: float = 0.0
) -> pd.DataFrame:
    """``staffing_required.csv``: one row per measured interval and count-staffed group
    (interval-major), ``gap`` = scheduled - required; ``required_gross_agents`` grosses
    the required agents up for ``shrinkage`` (net / (1 - shrinkage), rounded up)."""
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
                    "required_gross_agents": gross_agents(required, shrinkage),
                }
            )
    return pd.DataFrame(rows, columns=REQUIRED_COLUMNS)


def solved_table(scenario: Scenario, solved: SolvedStaffing) -> pd.DataFrame:
    """``staffing_solved.csv`` in the ``staffing.csv`` format: ``interval_start``, then one
    column per count-staffed group, every interval of the day (warm-up: the Erlang start).
    Net agents (on the phone), as the simulation reads a staffing table."""
    table = pd.DataFrame(
        {"interval_start": [scenario.interval_label(k) for k in range(scenario.intervals)]}
    )
    for i, group in enumerate(solved.groups):
        table[group] = solved.required[i].astype(int)
    return table
