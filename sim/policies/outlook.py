"""The rest of the day as the analyst sees it: an intraday reforecast and the staffing gap.

At each check the analyst (i) reforecasts each contact type's remaining intervals from what
arrived so far, and (ii) compares, per agent group and future interval, the agents required
to meet the service-level targets (Erlang A, :func:`sim.analytic.required_agents`) with the
agents expected on the phone (``GroupView.on_phone_ahead``: the schedule as it stands, less
known absences, plus overtime accepted). Only the plan and the past are used; the
:class:`Outlook` of the oracle policy is given the day's realised rates instead.

Reforecast (:class:`Reforecaster`): the plan's forecast times

* a damped day ratio, (offered so far + n0) / (forecast so far + n0), used only once the
  day's offered count differs from its forecast beyond Poisson noise (one-sided test at
  ``day_alpha``); n0 (``prior_contacts``) keeps a few early contacts from swinging it;
* a surge factor: when the last ``surge_window_minutes`` brought significantly more than the
  day-ratio forecast (test at ``surge_alpha``, at least ``surge_min_contacts``), the excess
  ratio (damped the same way) applies to the coming intervals, fading by ``surge_decay`` per
  interval (a mailing's calls fade over a few hours).

Requirement through the skills (:func:`allocate`): each type's Erlang A requirement (chat
divided by the chats an agent holds; email, which waits, by its workload) is met by the
groups that serve it, level 1 skills first, each group's agents shared among its types of a
level in proportion to their needs; what no group can cover is the type's shortfall, charged
to its first-choice group (the group that is short), and what a group has left is its
surplus.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from sim.analytic import required_agents
from sim.policies.api import DayPlan, RealtimeView, TypePlan
from sim.policies.signals import Tracker, beyond_poisson_noise

__all__ = ["Outlook", "Reforecaster", "Situation", "allocate", "requirement"]


@lru_cache(maxsize=65536)
def _required(per_hour: int, work: float, patience: float, threshold: float, target: float) -> int:
    return required_agents(
        per_hour / 3600.0, work, threshold, target, None if math.isinf(patience) else patience
    )


def requirement(plan: TypePlan, contacts: float, seconds: float, concurrency: int = 1) -> float:
    """Agents (on the phone) that ``contacts`` arriving over ``seconds`` need to meet the
    type's target: Erlang A for live contacts (rates rounded to whole contacts per hour, so
    repeated questions are answered from a cache), divided by ``concurrency`` for chat; the
    workload (contacts x mean work / seconds) for email, which may wait for hours."""
    if contacts <= 0 or seconds <= 0:
        return 0.0
    if plan.channel == "email":
        return contacts * plan.mean_work_seconds / seconds
    per_hour = max(1, round(3600.0 * contacts / seconds))
    agents = _required(
        per_hour,
        plan.mean_work_seconds,
        plan.mean_patience_seconds,
        plan.threshold_seconds,
        plan.target,
    )
    return agents / concurrency if plan.channel == "chat" else float(agents)


class Reforecaster:
    """Reforecasts the rest of the day per contact type from what arrived so far."""

    def __init__(
        self,
        prior_contacts: float = 200.0,
        day_alpha: float = 0.001,
        surge_window_minutes: float = 30.0,
        surge_alpha: float = 0.001,
        surge_min_contacts: int = 20,
        surge_decay: float = 0.8,
    ) -> None:
        self.prior_contacts = prior_contacts
        self.day_alpha = day_alpha
        self.surge_window_seconds = 60.0 * surge_window_minutes
        self.surge_alpha = surge_alpha
        self.surge_min_contacts = surge_min_contacts
        self.surge_decay = surge_decay
        self.realised: dict[str, tuple[float, ...]] | None = None

    def day_ratio(self, offered: float, forecast: float) -> float:
        """The damped actual-to-forecast ratio, 1 unless the difference is beyond noise."""
        if forecast <= 0:
            return 1.0
        if not beyond_poisson_noise(offered, forecast, self.day_alpha, upper=offered > forecast):
            return 1.0
        return (offered + self.prior_contacts) / (forecast + self.prior_contacts)

    def surge_ratio(self, offered: int, expected: float) -> float:
        """The damped excess ratio of a recent window, 1 unless it is a surge beyond noise."""
        if offered < self.surge_min_contacts or offered <= expected:
            return 1.0
        if not beyond_poisson_noise(offered, expected, self.surge_alpha, upper=True):
            return 1.0
        return (offered + self.prior_contacts) / (expected + self.prior_contacts)

    def rest_of_day(self, view: RealtimeView, tracker: Tracker) -> dict[str, tuple[float, ...]]:
        """Per contact type, expected contacts in each interval from the current one on.

        With the realised demand known (:attr:`realised`, the oracle), that is the base and
        no day ratio is needed; a surge beyond it (callers redialling after an outage, which
        realised demand does not hold) is still read from the recent window.
        """
        plan = view.plan
        first, length = view.interval, view.interval_seconds
        out = {}
        for name, q in view.queues.items():
            if self.realised is not None:
                base = self.realised[name]
                ratio = 1.0
            else:
                base = plan.types[name].forecast
                ratio = self.day_ratio(q.offered_day, q.forecast_day_to_date)
            recent = tracker.window(name, self.surge_window_seconds)
            surge = 1.0
            if recent.seconds >= 0.5 * self.surge_window_seconds:
                expected = _expected_between(base, view.now - recent.seconds, view.now, length)
                surge = self.surge_ratio(recent.offered, expected * ratio)
            out[name] = tuple(
                f * ratio * (1.0 + (surge - 1.0) * self.surge_decay**j)
                for j, f in enumerate(base[first:])
            )
        return out


def _expected_between(
    per_interval: tuple[float, ...], start: float, end: float, length: float
) -> float:
    """Contacts expected between ``start`` and ``end`` (seconds) from counts per interval,
    pro rata within an interval."""
    total = 0.0
    j = max(0, int(start // length))
    while j < len(per_interval) and j * length < end:
        a, b = max(start, j * length), min(end, (j + 1) * length)
        if b > a:
            total += per_interval[j] * (b - a) / length
        j += 1
    return total


def allocate(
    plan: DayPlan, needs: dict[str, float], agents: dict[str, float]
) -> tuple[dict[str, float], dict[str, float]]:
    """Meet each type's need (agents) with the groups' agents through the skills.

    Live types first, email last; within that, level 1 skills first. Returns (shortfall per
    type, agents left per group)."""
    left = dict(agents)
    short = dict(needs)
    for stage in _structure(plan).stages:
        wanted: dict[str, dict[str, float]] = {}  # group -> type -> share of the need
        for name, serving in stage:
            need = short[name]
            if need <= 1e-9:
                continue
            able = [g for g in serving if left[g] > 1e-9]
            pool = sum(left[g] for g in able)
            for g in able:
                wanted.setdefault(g, {})[name] = need * left[g] / pool
        for g, asks in wanted.items():
            total = sum(asks.values())
            scale = min(1.0, left[g] / total) if total > 0 else 0.0
            for name, ask in asks.items():
                given = ask * scale
                short[name] -= given
                left[g] -= given
    return {k: max(0.0, v) for k, v in short.items()}, left


class _Structure(NamedTuple):
    """What the outlook needs of a plan's skills, worked out once per plan."""

    stages: list[list[tuple[str, list[str]]]]  # see :func:`_structure`
    first_choice: dict[str, str | None]
    concurrency: dict[str, int]


_STRUCTURES: dict[int, tuple[DayPlan, _Structure]] = {}


def _structure(plan: DayPlan) -> _Structure:
    """The order :func:`allocate` meets needs in (per stage: live types by level, then email
    by level, each type with the groups serving it at that level), each type's first-choice
    group and the chats an agent of it holds. Kept per plan (one plan a simulated day)."""
    cached = _STRUCTURES.get(id(plan))
    if cached is not None and cached[0] is plan:
        return cached[1]
    levels = sorted({level for g in plan.groups.values() for _, level, _ in g.skills})
    stages = []
    for deferrable in (False, True):
        for level in levels:
            stage = []
            for name, t in plan.types.items():
                if (t.channel == "email") != deferrable:
                    continue
                serving = [
                    g.name
                    for g in plan.groups.values()
                    if any(s == name and lv == level for s, lv, _ in g.skills)
                ]
                if serving:
                    stage.append((name, serving))
            stages.append(stage)
    structure = _Structure(
        stages,
        _first_choice(plan),
        {name: _concurrency(plan, name) for name in plan.types},
    )
    if len(_STRUCTURES) > 64:
        _STRUCTURES.clear()
    _STRUCTURES[id(plan)] = (plan, structure)
    return structure


@dataclass(frozen=True)
class Outlook:
    """Required and expected agents per group and interval from the current one on.

    ``rates[type][j]``: expected contacts in interval ``first + j``. ``short[group][j]``:
    agents the group lacks (its first-choice types' shortfall), ``surplus[group][j]``:
    agents it has beyond every need it serves. ``available[group][j]``: agents expected on
    the phone. Entries past ``horizon`` intervals are not computed (zero).
    """

    first: int
    rates: dict[str, tuple[float, ...]]
    available: dict[str, tuple[float, ...]]
    short: dict[str, tuple[float, ...]]
    surplus: dict[str, tuple[float, ...]]
    type_short: dict[str, tuple[float, ...]]

    @classmethod
    def build(
        cls, view: RealtimeView, rates: dict[str, tuple[float, ...]], horizon: int
    ) -> Outlook:
        """The outlook from ``view`` with the reforecast ``rates`` for ``horizon`` intervals."""
        plan = view.plan
        first, length = view.interval, view.interval_seconds
        count = min(horizon, plan.intervals - first)
        structure = _structure(plan)
        first_choice, concurrency = structure.first_choice, structure.concurrency
        short = {g: [0.0] * count for g in plan.groups}
        surplus = {g: [0.0] * count for g in plan.groups}
        type_short = {t: [0.0] * count for t in plan.types}
        for j in range(count):
            seconds = length - (view.now - first * length) if j == 0 else length
            needs = {}
            for name, t in plan.types.items():
                contacts = rates[name][j] * seconds / length
                need = requirement(t, contacts, seconds, concurrency[name])
                if j == 0:  # the queue already waiting must be cleared too, within 10 minutes
                    q = view.queues[name]
                    need += (
                        q.waiting * t.mean_work_seconds / max(seconds, 600.0) / concurrency[name]
                    )
                needs[name] = need
            agents = {
                g: (
                    view.groups[g].on_phone_ahead[j]
                    if j < len(view.groups[g].on_phone_ahead)
                    else 0.0
                )
                for g in plan.groups
            }
            lacking, left = allocate(plan, needs, agents)
            for name, amount in lacking.items():
                type_short[name][j] = amount
                owner = first_choice[name]
                if plan.types[name].channel != "email" and owner is not None:
                    short[owner][j] += amount
            for g, amount in left.items():
                surplus[g][j] = amount
        return cls(
            first=first,
            rates=rates,
            available={g: tuple(view.groups[g].on_phone_ahead[:count]) for g in plan.groups},
            short={g: tuple(v) for g, v in short.items()},
            surplus={g: tuple(v) for g, v in surplus.items()},
            type_short={t: tuple(v) for t, v in type_short.items()},
        )


def _first_choice(plan: DayPlan) -> dict[str, str | None]:
    """Per type, the group that serves it first (level 1, no overflow delay, most agents)."""
    best: dict[str, str | None] = {}
    for name in plan.types:
        candidates = [
            (level, g.overflow_delay.get(name, 0.0), -sum(g.scheduled), g.name)
            for g in plan.groups.values()
            for t, level, _ in g.skills
            if t == name
        ]
        best[name] = min(candidates)[3] if candidates else None
    return best


def _concurrency(plan: DayPlan, name: str) -> int:
    """Chats an agent of the type's first-choice group holds (1 for other channels)."""
    if plan.types[name].channel != "chat":
        return 1
    held = [g.chat_concurrency for g in plan.groups.values() for t, _, _ in g.skills if t == name]
    return max(held) if held else 1


class Situation:
    """The signals and the outlook of one moment, computed once per check.

    Every policy reads the day through one of these (:attr:`Policy.situation
    <sim.policies.base.Policy.situation>`); a playbook gives its steps its own, so the
    rolling windows, the reforecast and the outlook are computed once for all of them.
    """

    def __init__(self, reforecaster: Reforecaster | None = None) -> None:
        self.tracker = Tracker()
        self.reforecaster = reforecaster or Reforecaster()
        self.view: RealtimeView | None = None
        self._outlook: Outlook | None = None
        self._outlook_at = -math.inf

    def update(self, view: RealtimeView) -> None:
        """Take in the view of this check (a second call at the same time is ignored)."""
        if self.view is not None and view.now <= self.view.now:
            return
        self.view = view
        self.tracker.update(view)

    def outlook(self) -> Outlook:
        """The outlook to the end of the day (computed once per check)."""
        view = self.view
        assert view is not None, "update() first"
        if self._outlook is None or self._outlook_at != view.now:
            rates = self.reforecaster.rest_of_day(view, self.tracker)
            self._outlook = Outlook.build(view, rates, view.plan.intervals)
            self._outlook_at = view.now
        return self._outlook
