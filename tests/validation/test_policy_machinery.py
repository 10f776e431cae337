"""The realtime-policy machinery is sound.

Five properties, each on small scenarios built here (or the shipped default day):

1. ``none`` runs exactly the code of a day without any policy, and a policy that is
   consulted every 5 minutes but never acts changes nothing either;
2. common random numbers pay: the paired difference of two policies has a confidence
   interval several times narrower than that of independent runs;
3. actions take effect exactly ``latency`` after the check that decided them, never before;
4. whatever overtime, voluntary time off and postponed breaks do, no agent is ever in two
   states at once;
5. a policy never sees the future: its views do not depend on what happens later, and
   each view's counters equal what the finished day's records say at that moment.

The policies are defined here (not registered in ``sim.policies``) and instantiated
directly. Every run has a fixed seed, so every assertion is exact and repeatable.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, replace

import numpy as np
import pytest
from omegaconf import OmegaConf
from scipy import stats

from sim.config.run import PROJECT_ROOT, build_run
from sim.config.schema import Config, DayScenarioConfig
from sim.core.demand_shocks import DemandShocks
from sim.core.disruptions import Outage
from sim.core.distributions import Distribution
from sim.core.scenario import (
    AgentGroup,
    ContactType,
    OverflowStep,
    Scenario,
    ServiceLevel,
    Skill,
    erlang_scenario,
)
from sim.core.streams import Streams
from sim.core.workforce import Absenteeism, Activity, Break, Shift
from sim.kpi.definitions import breakdown
from sim.model.draws import ContactDraws, draw_contacts
from sim.model.outcome import ReplicationOutcome
from sim.model.states import AwayKind, ContactState
from sim.model.world import ContactCenter, simulate
from sim.policies.api import (
    CallOvertime,
    CancelItem,
    OfferVTO,
    PostponeItem,
    RealtimeView,
    SetPreference,
)
from sim.policies.base import Policy, PolicyParams
from sim.policies.registry import make_policy

pytestmark = pytest.mark.validation

HALF_HOUR = 1800.0
TOL = 1e-9  # seconds: slack when comparing times built by different float sums


# -- scenarios --------------------------------------------------------------------------------


def lognormal(mean: float, cv: float = 0.8) -> Distribution:
    return Distribution("lognormal", mean, cv)


def erlang_day() -> Scenario:
    """A steady M/M/11+M queue, 4 hours of 15-minute intervals."""
    return erlang_scenario(200.0, 180.0, 11, patience_seconds=120.0, hours=4.0, warmup_hours=0.0)


def multiskill_day() -> Scenario:
    """Two voice queues with overflow between two groups, chats (3 at once) and emails."""
    n = 12  # 6 hours of half-hour intervals, demand peaking mid-day
    shape = [0.6, 0.8, 1.0, 1.2, 1.3, 1.2, 1.0, 1.1, 1.2, 1.0, 0.8, 0.6]
    sales = ContactType(
        "sales",
        tuple(30.0 * f for f in shape),
        lognormal(300.0),
        Distribution("gamma", 30.0, 0.5),
        lognormal(180.0, 1.0),
        overflow=(OverflowStep(30.0, ("service",)),),
    )
    service = ContactType(
        "service",
        tuple(50.0 * f for f in shape),
        lognormal(240.0),
        patience=lognormal(240.0, 1.0),
        overflow=(OverflowStep(45.0, ("sales",)),),
    )
    chat = ContactType(
        "chat",
        tuple(25.0 * f for f in shape),
        lognormal(480.0),
        patience=Distribution.exponential(300.0),
        channel="chat",
        service_level=ServiceLevel(60.0, 0.8),
    )
    email = ContactType(
        "email",
        (15.0,) * n,
        lognormal(360.0, 1.0),
        channel="email",
        service_level=ServiceLevel(14400.0, 0.9),
    )
    groups = (
        AgentGroup("sales", (5,) * n, (Skill("sales"), Skill("service", 1.2, 2))),
        AgentGroup("service", (7,) * n, (Skill("service"), Skill("sales", 1.1, 2))),
        AgentGroup(
            "digital",
            (3,) * n,
            (Skill("chat"), Skill("email", 1.0, 2)),
            chat_concurrency=3,
            chat_stretch=0.25,
        ),
    )
    return Scenario("multiskill", HALF_HOUR, (sales, service, chat, email), groups)


def shift_day(outages: tuple[Outage, ...] = ()) -> Scenario:
    """8 hours: a team of 16 on staggered shifts with windowed breaks, lunches, cancellable
    trainings, fixed meetings, no-shows, late log-ins, early leaves and aux time; and a small
    backup group staffed by counts. Short-staffed early on, comfortable later."""
    n = 16
    hour = 3600.0
    shifts = []
    for i in range(16):
        start = (i % 3) * HALF_HOUR
        end = min(start + 7 * hour, n * HALF_HOUR)
        activities = []
        if i % 4 == 0:
            activities.append(Activity("training", start + 3 * hour, hour, cancellable=True))
        if i % 5 == 1:
            activities.append(Activity("meeting", start + 5.5 * hour, HALF_HOUR, cancellable=False))
        shifts.append(
            Shift(
                f"agent{i:02d}",
                start,
                end,
                breaks=(
                    Break("break", start + 2 * hour, start + 2.5 * hour, 900.0),
                    Break("lunch", start + 4 * hour, start + 5 * hour, HALF_HOUR),
                ),
                activities=tuple(activities),
            )
        )
    absence = Absenteeism(
        no_show_probability=0.1,
        late_probability=0.2,
        late_seconds=Distribution.exponential(600.0),
        early_leave_probability=0.1,
        early_leave_seconds=Distribution.exponential(1200.0),
        aux_per_hour=0.5,
        aux_seconds=Distribution.exponential(240.0),
    )
    calls = ContactType("calls", (55.0,) * n, lognormal(240.0), patience=lognormal(200.0, 1.0))
    sales = ContactType("sales", (12.0,) * n, lognormal(360.0), patience=lognormal(150.0, 1.0))
    team = AgentGroup(
        "team",
        (12.0,) * n,
        (Skill("calls"), Skill("sales", 1.2, 2)),
        shifts=tuple(shifts),
        absenteeism=absence,
    )
    backup = AgentGroup("backup", (2,) * n, (Skill("sales"), Skill("calls", 1.1, 2)))
    return Scenario("shifts", HALF_HOUR, (calls, sales), (team, backup), outages=outages)


def default_day() -> Scenario:
    """The built-in default day (configs/scenario/default.yaml), composed without the CLI."""
    raw = OmegaConf.load(PROJECT_ROOT / "configs" / "scenario" / "default.yaml")
    del raw["defaults"]
    cfg = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(DayScenarioConfig), raw))
    return build_run(Config(scenario=cfg)).scenario


# -- policies used by the tests ---------------------------------------------------------------


class Silent(Policy):
    """Looks at the day every check interval and never acts."""

    @dataclass(frozen=True)
    class Params(PolicyParams):
        pass

    name = "test_silent"
    description = "consulted, never acts"

    def __init__(self, params: PolicyParams | None = None) -> None:
        super().__init__(params)
        self.checks = 0

    def decide(self, view: RealtimeView) -> list:
        self.checks += 1
        return []


class QueueOvertime(Policy):
    """Calls ``extra_agents`` of ``group`` in for ``overtime_hours`` when ``queue_threshold``
    contacts wait, then waits for that overtime to end before calling again."""

    @dataclass(frozen=True)
    class Params(PolicyParams):
        group: str = "agents"
        queue_threshold: int = 4
        extra_agents: int = 1
        overtime_hours: float = 1.0

    name = "test_queue_overtime"
    description = "overtime when the queue is long"

    def __init__(self, params: PolicyParams | None = None) -> None:
        super().__init__(params)
        self.quiet_until = -math.inf

    def decide(self, view: RealtimeView) -> list:
        p = self.params
        if view.now < self.quiet_until:
            return []
        if sum(q.waiting for q in view.queues.values()) < p.queue_threshold:
            return []
        self.quiet_until = view.now + 3600.0 * p.overtime_hours
        return [CallOvertime(group=p.group, agents=p.extra_agents, hours=p.overtime_hours)]


class TogglePreference(Policy):
    """At every check, flips ``contact_type`` between ``demoted_level`` and its planned level
    in ``group``: odd checks demote it, even checks restore it."""

    @dataclass(frozen=True)
    class Params(PolicyParams):
        group: str = "team"
        contact_type: str = "a"
        demoted_level: int = 3

    name = "test_toggle_preference"
    description = "flips a preference at every check"

    def __init__(self, params: PolicyParams | None = None) -> None:
        super().__init__(params)
        self.checks = 0

    def decide(self, view: RealtimeView) -> list:
        p = self.params
        self.checks += 1
        level = p.demoted_level if self.checks % 2 else None
        return [SetPreference(f"check {self.checks}", p.group, p.contact_type, level)]


class Busybody(Policy):
    """Does everything an analyst can do to agents, as often as it can: overtime when
    contacts wait, voluntary time off when nobody waits, and every break, lunch or activity
    coming due is postponed, cancelled or pushed past the end of the shift."""

    @dataclass(frozen=True)
    class Params(PolicyParams):
        queue_threshold: int = 3
        vto_limit_agents: int = 4  # per group and day

    name = "test_busybody"
    description = "overtime, VTO, postponements, cancellations"

    def __init__(self, params: PolicyParams | None = None) -> None:
        super().__init__(params)
        self.quiet_until = -math.inf
        self.vto_offered = {"team": 0, "backup": 0}
        self.touched: set[tuple[int, int]] = set()

    def decide(self, view: RealtimeView) -> list:
        p = self.params
        actions: list = []
        waiting = sum(q.waiting for q in view.queues.values())
        if waiting >= p.queue_threshold and view.now >= self.quiet_until:
            self.quiet_until = view.now + HALF_HOUR
            actions.append(CallOvertime("busy", "team", 2, 0.5, 0.0, 0.8))
            actions.append(CallOvertime("busy", "backup", 1, 0.5, 5.0, 1.0))
        elif waiting == 0:
            for name, hours in (("team", None), ("backup", 0.25)):
                if view.groups[name].available >= 2 and self.vto_offered[name] < p.vto_limit_agents:
                    self.vto_offered[name] += 1
                    actions.append(OfferVTO("quiet", name, 1, hours, 0.7))
        for item in view.upcoming:
            if item.item_id in self.touched or item.due > view.now + 900.0:
                continue
            self.touched.add(item.item_id)
            n = len(self.touched)
            if item.kind != "activity" or not item.cancellable:
                actions.append(PostponeItem("later", item.item_id, item.due + 600.0))
            elif n % 3 == 0:
                actions.append(CancelItem("not today", item.item_id))
            elif n % 3 == 1:
                actions.append(PostponeItem("later", item.item_id, item.due + 1200.0))
            else:  # past the end of any shift: dropped for the day
                actions.append(PostponeItem("tomorrow", item.item_id, view.horizon_seconds))
        return actions


class Recorder(Policy):
    """Keeps every view it is shown; acts as ``inner`` would (or not at all)."""

    @dataclass(frozen=True)
    class Params(PolicyParams):
        pass

    name = "test_recorder"
    description = "records its views"

    def __init__(self, params: PolicyParams | None = None, inner: Policy | None = None) -> None:
        super().__init__(params)
        self.inner = inner
        self.views: list[RealtimeView] = []

    def decide(self, view: RealtimeView) -> list:
        self.views.append(view)
        return self.inner.decide(view) if self.inner is not None else []


# -- helpers ----------------------------------------------------------------------------------


#: Outcome fields recorded only when something reads them: the rolling occupancy per minute
#: is tracked when a group has fatigue or a policy is consulted (its view carries it), so
#: ``none`` has none of it and a silent policy has it; where both have it, it must agree.
_TRACKED_FOR_READERS = {"rolling_occupancy", "logged_in_at_mark"}


def assert_same_outcome(a: ReplicationOutcome, b: ReplicationOutcome) -> None:
    """Every field of two outcomes equal; arrays byte for byte (dtype and shape too)."""
    for f in dataclasses.fields(ReplicationOutcome):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if f.name in _TRACKED_FOR_READERS and (x is None or y is None):
            continue
        if isinstance(x, np.ndarray):
            assert isinstance(y, np.ndarray), f.name
            assert (x.dtype, x.shape) == (y.dtype, y.shape), f.name
            assert x.tobytes() == y.tobytes(), f"{f.name} differs"
        else:
            assert x == y, f"{f.name} differs"


def all_kpis(outcome: ReplicationOutcome, scenario: Scenario) -> list:
    """Day and interval KPIs of every breakdown (all, per type, per group)."""
    return list(breakdown(outcome, scenario))


def plain(value):
    """A view as nested tuples, NaN replaced by a marker: comparable with ``==``."""
    if dataclasses.is_dataclass(value):
        return tuple((f.name, plain(getattr(value, f.name))) for f in dataclasses.fields(value))
    if isinstance(value, dict):
        return tuple((k, plain(v)) for k, v in value.items())
    if isinstance(value, (tuple, list)):
        return tuple(plain(v) for v in value)
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    return value


def half_widths(a: np.ndarray, b_same: np.ndarray, b_other: np.ndarray) -> tuple[float, float]:
    """95% half-widths of mean(B - A): paired on the same seeds, and Welch with B on others."""
    r = len(a)
    d = b_same - a
    paired = stats.t.ppf(0.975, r - 1) * d.std(ddof=1) / math.sqrt(r)
    va, vb = a.var(ddof=1) / r, b_other.var(ddof=1) / r
    df = (va + vb) ** 2 / (va**2 / (r - 1) + vb**2 / (r - 1))
    welch = stats.t.ppf(0.975, df) * math.sqrt(va + vb)
    return float(paired), float(welch)


# -- 1. none is no machinery at all; a silent policy changes nothing ------------------------


SCENARIOS = {
    "erlang": erlang_day,
    "multiskill": multiskill_day,
    "shifts": shift_day,
    "default_day": default_day,
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_none_and_a_silent_policy_change_nothing(name):
    """For three replications: ``policy=None`` and ``none`` give byte-identical outcomes;
    a policy consulted every 5 minutes that never acts gives identical outcomes and KPIs
    (the checks and the views they build change nothing)."""
    scenario = SCENARIOS[name]()
    for r in range(3):
        bare = simulate(scenario, seed=11, replication=r, policy=None)
        assert_same_outcome(
            bare, simulate(scenario, seed=11, replication=r, policy=make_policy("none"))
        )
        silent = Silent(Silent.Params(check_interval_minutes=5.0))
        watched = simulate(scenario, seed=11, replication=r, policy=silent)
        assert silent.checks == math.ceil(scenario.horizon_seconds / 300.0) - 1
        assert watched.actions == ()
        assert_same_outcome(bare, watched)
        np.testing.assert_equal(all_kpis(watched, scenario), all_kpis(bare, scenario))


# -- 2. common random numbers -------------------------------------------------------------------


@pytest.mark.parametrize("seeds", [(1, 2), (3, 4), (5, 6)])
def test_paired_difference_is_far_narrower_than_independent_runs(seeds):
    """Overtime-when-the-queue-is-long (B) vs none (A) on an M/M/12+M day with 10% forecast
    error, R = 30: the 95% half-width of the paired service-level difference (both policies
    on seed s1, replications 0..29) is at least 3 times narrower than the Welch half-width
    of B on seed s2 against A on seed s1.

    Measured: ratios 7.67, 7.03 and 5.93 for the three seed pairs (paired half-widths
    0.0056, 0.0056, 0.0081; independent 0.043, 0.039, 0.048). Every run is seeded, so these numbers are exactly
    reproducible and the test is not flaky; the margin of 2x to 2.6x over the bound on three
    seed pairs shows it does not hinge on one lucky seed: the day-to-day spread of the
    service level (forecast error, Poisson arrivals, handle times) cancels in the pairs,
    leaving only the overtime's own effect."""
    s1, s2 = seeds
    base = erlang_scenario(200.0, 180.0, 12, patience_seconds=120.0, hours=4.0, warmup_hours=0.0)
    scenario = replace(base, demand=DemandShocks(day_cv=0.1))

    def service_levels(seed: int, policy_b: bool) -> np.ndarray:
        values = []
        for r in range(30):
            policy = QueueOvertime(QueueOvertime.Params()) if policy_b else None
            out = simulate(scenario, seed=seed, replication=r, policy=policy)
            values.append(next(breakdown(out, scenario))[2]["service_level"])
        return np.array(values)

    a = service_levels(s1, False)
    b_same, b_other = service_levels(s1, True), service_levels(s2, True)
    assert (b_same != a).sum() >= 15  # the policy does act on many days (21 to 24 of 30)
    paired, independent = half_widths(a, b_same, b_other)
    assert independent >= 3.0 * paired, (paired, independent, independent / paired)


# -- 3. latency --------------------------------------------------------------------------------


def two_queue_day() -> Scenario:
    """One group of 5 serving two heavily overloaded queues (a at level 1, b at level 2),
    nobody abandons: after the first minutes both queues are never empty, so every answer
    is a freed agent choosing by preference."""
    n = 8
    a = ContactType("a", (90.0,) * n, lognormal(240.0))
    b = ContactType("b", (90.0,) * n, lognormal(240.0))
    team = AgentGroup("team", (5,) * n, (Skill("a"), Skill("b", 1.0, 2)))
    return Scenario("two_queues", 900.0, (a, b), (team,))


@pytest.mark.parametrize(("check", "latency"), [(5.0, 1.5), (4.0, 0.0), (5.0, 7.0)])
def test_actions_apply_exactly_latency_after_the_check_and_not_before(check, latency):
    """A policy flipping a preference at every check: every action is applied exactly
    ``latency`` after a check at a multiple of the check interval (checks whose action would
    land at or after the horizon are not applied); and each answer given while both queues
    wait is of the type preferred by the last action applied before it, so a decision has
    no effect between its check and its application."""
    scenario = two_queue_day()
    policy = TogglePreference(
        TogglePreference.Params(check_interval_minutes=check, latency_minutes=latency)
    )
    out = simulate(scenario, seed=5, replication=0, policy=policy)
    every, delay = 60.0 * check, 60.0 * latency
    decided = np.array([a[0] for a in out.actions])
    applied = np.array([a[1] for a in out.actions])
    assert all(a[2] == "set_preference" and a[3] == "team/a" for a in out.actions)
    # Agents moved: the team's 5 (all on the phone) when demoted (odd checks), 0 when restored.
    assert all(a[4] == (5 if int(a[6].split()[1]) % 2 else 0) for a in out.actions)
    assert np.all(applied - decided == delay)
    k = np.arange(1, int(scenario.horizon_seconds // every) + 1)
    expected = k * every
    expected = expected[expected + delay < scenario.horizon_seconds]
    assert decided.tolist() == expected.tolist()
    assert np.all(decided % every == 0.0)
    # Which type was preferred at each moment: a until the first action, then b, a, b, ...
    reasons = [int(a[6].split()[1]) for a in out.actions]
    assert reasons == list(range(1, len(reasons) + 1))
    answered = np.flatnonzero(out.state == ContactState.ANSWERED)
    t = out.resolved_at[answered]
    applied_before = np.searchsorted(applied, t, side="left")  # actions applied before t
    preferred = np.where(applied_before % 2 == 1, 1, 0)  # odd count: b preferred
    other = 1 - out.contact_type[answered]
    still_waiting = ~(out.resolved_at <= t[:, None]) & (out.arrival < t[:, None])
    other_waits = (still_waiting & (out.contact_type == other[:, None])).any(axis=1)
    judged = other_waits & out.queued[answered]
    assert judged.sum() > 0.8 * len(answered)
    mismatch = judged & (out.contact_type[answered] != preferred)
    assert not mismatch.any(), (
        f"{mismatch.sum()} answers against the preference in force, first at "
        f"{t[mismatch][:3]} (applied at {applied[:4]})"
    )
    # Both types are answered: the flips do take effect.
    assert set(out.contact_type[answered][judged].tolist()) == {0, 1}


# -- 4. no agent in two states ---------------------------------------------------------------


def assert_no_agent_in_two_states(out: ReplicationOutcome, known_early_leave_bug=False) -> None:
    """Per agent: busy periods and away periods (breaks, lunches, activities, aux, absence)
    never overlap each other, except at endpoints; busy and on-phone away periods lie in
    the logged-in session; every answered contact is taken in the session, outside any away
    period, inside one busy period, and voice contacts of one agent never overlap.

    ``known_early_leave_bug``: an agent leaving early while on a contact finishes it and
    logs out later, but its absence is logged from the planned early-leave time (see
    :func:`test_early_leaver_finishing_a_contact_is_not_also_absent`); with True, such an
    absence is taken to start at the actual log-out."""
    absent = AwayKind.ABSENT
    n_agents = len(out.login_at)
    planned_logout = {}
    for a, d in enumerate(out.agent_day.tolist()):
        if d >= 0:
            planned_logout[a] = out.days[d].logout
    for a in range(n_agents):
        login, logout = out.login_at[a], out.logout_at[a]
        mine = out.busy_agent == a
        busy = sorted(zip(out.busy_start[mine], out.busy_end[mine], strict=True))
        here = out.away_agent == a
        away = sorted(
            zip(out.away_start[here], out.away_end[here], out.away_kind[here], strict=True)
        )
        if known_early_leave_bug and a in planned_logout:
            away = [
                (max(s, logout) if k == absent and s == planned_logout[a] else s, e, k)
                for s, e, k in away
            ]
        for s, e in busy:
            assert login - TOL <= s <= e <= logout + TOL, (a, s, e, login, logout)
        for s, e, kind in away:
            if kind != absent:
                assert login - TOL <= s <= e <= logout + TOL, (a, s, e, kind, login, logout)
        periods = sorted(
            [(s, e, "busy") for s, e in busy]
            + [(s, e, AwayKind(k).label) for s, e, k in away if e > s]
        )
        for (s1, e1, k1), (s2, e2, k2) in zip(periods, periods[1:], strict=False):
            assert e1 <= s2 + TOL, f"agent {a}: {k1} [{s1}, {e1}) overlaps {k2} [{s2}, {e2})"
        took = np.flatnonzero((out.agent == a) & (out.state == ContactState.ANSWERED))
        starts, ends = out.resolved_at[took], out.resolved_at[took] + out.work[took]
        for t, end in zip(starts, ends, strict=True):
            # A contact still in hand at the horizon ends after it (logout_at is the horizon).
            end = min(end, out.horizon_seconds)
            assert login - TOL <= t and end <= logout + TOL, (a, t, end, login, logout)
            assert not any(s + TOL < t < e - TOL for s, e, _ in away), (a, t)
            assert any(s - TOL <= t and end <= e + TOL for s, e in busy), (a, t, end)
        order = np.argsort(starts)
        assert np.all(starts[order][1:] >= ends[order][:-1] - TOL), f"agent {a} double-booked"


def test_no_agent_is_ever_in_two_states_under_a_busy_policy():
    """Shift day (breaks, lunches, activities, absence, aux) with a policy calling overtime,
    granting VTO and postponing, cancelling and dropping items, over 4 replications."""
    scenario = shift_day()
    kinds: dict[str, int] = {}
    for r in range(4):
        policy = Busybody(Busybody.Params(check_interval_minutes=5.0, latency_minutes=1.0))
        out = simulate(scenario, seed=3, replication=r, policy=policy)
        assert_no_agent_in_two_states(out)
        for action in out.actions:
            if action[4] > 0:
                kinds[action[2]] = kinds.get(action[2], 0) + 1
        # Overtime agents of the scheduled team log in when their call applies (lead 0).
        team_overtime = [a for a in out.actions if a[2] == "call_overtime" and a[3] == "team"]
        joined = sorted(out.login_at[(out.agent_day == -1) & (out.agent_group == 0)].tolist())
        expected = sorted(a[1] for a in team_overtime for _ in range(a[4]))
        assert joined == expected
    # The test is not vacuous: every kind of action did change something.
    assert set(kinds) == {"call_overtime", "offer_vto", "postpone_item", "cancel_item"}, kinds


def test_no_agent_is_ever_in_two_states_without_a_policy():
    """The same invariants on the plain shift day (absence and aux only)."""
    scenario = shift_day()
    for r in range(4):
        assert_no_agent_in_two_states(simulate(scenario, seed=3, replication=r))


# -- 5. a policy never sees the future -----------------------------------------------------


T_CUT = 3 * 3600.0


def future_changed(draws: ContactDraws, t: float) -> ContactDraws:
    """The same contacts up to ``t``; after it, every other contact gone and the rest's
    handle times doubled and patience halved."""
    late = draws.arrival > t
    keep = ~late | (np.arange(len(draws.arrival)) % 2 == 0)
    handle = np.where(late, 2.0 * draws.handle, draws.handle)
    patience = np.where(late, 0.5 * draws.patience, draws.patience)
    return ContactDraws(
        draws.arrival[keep],
        handle[keep],
        draws.wrap[keep],
        patience[keep],
        draws.contact_type[keep],
    )


def recorded_views(scenario: Scenario, draws: ContactDraws, seed: int, r: int):
    policy = Recorder(
        Recorder.Params(check_interval_minutes=7.3, latency_minutes=1.0),
        inner=Busybody(Busybody.Params()),
    )
    ContactCenter(scenario, draws, Streams(seed, r), policy).run()
    return policy.views


def split_at(views, t):
    before = [plain(v) for v in views if v.now < t]
    after = [plain(v) for v in views if v.now >= t]
    return before, after


@pytest.mark.parametrize("r", [0, 1])
def test_views_before_a_change_of_future_arrivals_are_identical(r):
    """Same seed, the day's contacts after 3 h changed (half of them gone, the rest slower
    and less patient), under a policy that acts on what it sees: every view before 3 h is
    identical in both runs, and views after it differ (the change is visible when it
    happens). Contacts are changed directly rather than through the forecast: a later
    interval's forecast changes how many Poisson draws come before the arrival offsets, which
    moves earlier arrivals too (sim/arrivals.py draws all counts, then all offsets)."""
    scenario = shift_day()
    draws = draw_contacts(scenario, Streams(9, r))
    before_a, after_a = split_at(recorded_views(scenario, draws, 9, r), T_CUT)
    before_b, after_b = split_at(
        recorded_views(scenario, future_changed(draws, T_CUT), 9, r), T_CUT
    )
    assert len(before_a) == len(before_b) == int(T_CUT // 438.0)
    assert before_a == before_b
    assert after_a != after_b


def test_views_before_an_outage_are_identical():
    """Same seed, with and without a site outage of the team from 3 h to 4 h: every view
    before 3 h is identical, views after it differ."""
    calm, stormy = shift_day(), shift_day((Outage("site", T_CUT, 3600.0, groups=("team",)),))
    for r in range(2):
        runs = []
        for scenario in (calm, stormy):
            policy = Recorder(
                Recorder.Params(check_interval_minutes=7.3), inner=Busybody(Busybody.Params())
            )
            simulate(scenario, seed=9, replication=r, policy=policy)
            runs.append(split_at(policy.views, T_CUT))
        (before_a, after_a), (before_b, after_b) = runs
        assert before_a == before_b
        assert after_a != after_b


def check_view_against_records(
    view: RealtimeView, out: ReplicationOutcome, scenario: Scenario, boundary_ties=True
):
    """The view's counters recomputed from the finished day's records at ``view.now``.

    "Since the interval began" includes its first instant. ``boundary_ties`` False skips the
    interval service level of a type with a contact decided at that very instant (agents
    logging in at the boundary answer at once): the model's snapshot then depends on event
    order (fixed; :func:`test_interval_counters_start_at_the_boundary` keeps it so).
    """
    now = view.now
    length = scenario.interval_seconds
    interval_start = view.interval * length
    resolved = out.resolved_at <= now  # NaN (never resolved) compares False
    callback = out.callback if out.callback is not None else np.zeros(len(out.arrival), bool)
    decided_state = np.isin(
        out.state, (ContactState.ANSWERED, ContactState.ABANDONED, ContactState.OUTSOURCED)
    )
    for k, t in enumerate(scenario.contact_types):
        q = view.queues[t.name]
        mine = (out.contact_type == k) & (out.state != ContactState.UNUSED)
        arrived = mine & (out.arrival <= now)
        assert q.offered_day == arrived.sum(), (now, t.name)
        assert q.offered_interval == (arrived & (out.arrival >= interval_start)).sum(), (
            now,
            t.name,
        )
        waiting = arrived & out.queued & ~resolved & ~callback
        assert q.waiting == waiting.sum(), (now, t.name)
        oldest = now - out.arrival[waiting].min() if waiting.any() else 0.0
        assert q.oldest_wait_seconds == pytest.approx(oldest, abs=TOL), (now, t.name)
        decided = mine & resolved & decided_state & ~callback
        good = decided & (out.state == ContactState.ANSWERED)
        good &= out.resolved_at - out.arrival <= t.service_level.threshold_seconds
        day = good.sum() / decided.sum() if decided.sum() else math.nan
        in_interval = out.resolved_at >= interval_start
        n_int = (decided & in_interval).sum()
        interval = (good & in_interval).sum() / n_int if n_int else math.nan
        np.testing.assert_equal(q.service_level_day, day, err_msg=f"{now} {t.name}")
        tie = (decided & (out.resolved_at == interval_start)).any()
        if boundary_ties or not tie:
            np.testing.assert_equal(q.service_level_interval, interval, err_msg=f"{now} {t.name}")
    holding_groups = {}
    for g, group in enumerate(scenario.groups):
        v = view.groups[group.name]
        parts = v.available + v.busy + v.wrap_up + v.on_break + v.in_activity + v.aux + v.offline
        assert v.logged_in == parts + v.leaving, (now, group.name)
        members = np.flatnonzero(out.agent_group == g)
        on = members[(out.login_at[members] <= now) & (now < out.logout_at[members])]
        assert v.logged_in == len(on), (now, group.name)
        here = (out.away_group == g) & (out.away_start <= now) & (now < out.away_end)
        for field, kinds in (
            ("on_break", ("break", "lunch")),
            ("in_activity", ("activity",)),
            ("aux", ("aux",)),
            ("absent", ("absent",)),
        ):
            codes = [AwayKind.of(k) for k in kinds]
            assert getattr(v, field) == (here & np.isin(out.away_kind, codes)).sum(), (
                now,
                group.name,
                field,
            )
        if group.chat_concurrency == 1:  # voice only: holding a contact is busy or wrap-up
            took = np.flatnonzero(out.state == ContactState.ANSWERED)
            took = took[np.isin(out.agent[took], on)]
            start = out.resolved_at[took]
            holding = took[(start <= now) & (now < start + out.work[took])]
            holding_groups[group.name] = len(set(out.agent[holding].tolist()))
            assert v.busy + v.wrap_up + v.leaving == holding_groups[group.name], (now, group.name)


@pytest.mark.parametrize("name", ["erlang", "multiskill", "shifts", "default_day"])
def test_view_counters_equal_the_records_at_each_check(name):
    """At each check (every 7.3 minutes: never on an interval boundary nor a shift time),
    offered so far (day and interval), waiting, oldest wait, service level so far (day and
    interval), and agents logged in, on break, in activities, in aux, absent and holding a
    contact equal what the finished day's records say about that moment. Includes chats
    held three at once and emails."""
    scenario = SCENARIOS[name]()
    for r in range(2):
        inner = Busybody(Busybody.Params()) if name == "shifts" else None
        policy = Recorder(Recorder.Params(check_interval_minutes=7.3), inner=inner)
        out = simulate(scenario, seed=21, replication=r, policy=policy)
        assert len(policy.views) == math.ceil(scenario.horizon_seconds / 438.0) - 1
        for view in policy.views:
            check_view_against_records(view, out, scenario)


# -- bugs found and fixed, kept as regression tests -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "check"),
    [("erlang", 30.0), ("erlang", 60.0), ("shifts", 7.3)],
    ids=["check_2_intervals", "check_4_intervals", "log_ins_at_boundary"],
)
def test_interval_counters_start_at_the_boundary(name, check):
    """offered_interval and service_level_interval count from the interval's first instant,
    whatever else happens then. With checks every 30 or 60 minutes on 15-minute intervals,
    each check falls on a boundary and sees the previous interval's snapshot (offered
    "this interval" is about 50 at its first instant); on the shift day, agents logging in
    at a boundary answer waiting contacts at that instant, before the snapshot, and those
    answers are left out of the interval's service level."""
    scenario = SCENARIOS[name]()
    for r in range(2):
        policy = Recorder(Recorder.Params(check_interval_minutes=check))
        out = simulate(scenario, seed=21, replication=r, policy=policy)
        for view in policy.views:
            check_view_against_records(view, out, scenario, boundary_ties=True)


def test_early_leaver_finishing_a_contact_is_not_also_absent():
    """On a 2000-s day, one agent on shift 0-1000 s who leaves 5 minutes early (logout due at 700 s) is on a
    600-s call from 400 s: it finishes at 1000 s and only then logs out; its absence must
    start at 1000 s, not at 700 s while it is still talking."""
    calls = ContactType("calls", (0.0, 0.0), Distribution.exponential(1.0))
    absence = Absenteeism(
        early_leave_probability=1.0, early_leave_seconds=Distribution("deterministic", 300.0)
    )
    team = AgentGroup(
        "team",
        (1.0, 0.0),
        (Skill("calls"),),
        shifts=(Shift("ann", 0.0, 1000.0),),
        absenteeism=absence,
    )
    scenario = Scenario("early", 1000.0, (calls,), (team,))
    draws = ContactDraws.scripted([400.0], [600.0])
    out = ContactCenter(scenario, draws, Streams(0, 0)).run()
    assert out.logout_at.tolist() == [1000.0]
    assert_no_agent_in_two_states(out, known_early_leave_bug=False)
