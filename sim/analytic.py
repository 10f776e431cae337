"""Analytic queueing formulas: Erlang B, Erlang C (M/M/n) and Erlang A (M/M/n+M).

Used as reference values by the validation tests and as reference lines on figures. Times are
in seconds; ``load`` is the offered load in Erlangs (arrival rate x AHT). KPI definitions match
DESIGN.md: service level counts answered-within-threshold over all offered contacts, ASA is the
mean wait of answered contacts.

Erlang A is computed exactly from the birth-death chain of the number in system (solved in log
space, truncated where the dropped tail is below 1e-19 of the mass) and a tagged-contact analysis
of the waiting time: a contact that finds ``j`` contacts waiting ahead would be served after
``j + 1`` queue departures at rates ``n mu + i theta`` (i = j..0), while its own patience is
exponential with rate ``theta``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "ErlangAResult",
    "ErlangCResult",
    "agents_for_asa",
    "agents_for_occupancy_cap",
    "erlang_a_metrics",
    "erlang_b",
    "erlang_c",
    "erlang_c_asa",
    "erlang_c_metrics",
    "erlang_c_occupancy",
    "erlang_c_service_level",
    "gross_agents",
    "required_agents",
    "service_level_for_headcount",
]

# States whose probability is below e^-45 (about 3e-20) of the largest one are dropped.
_LOG_TAIL_CUTOFF = -45.0
_MAX_QUEUE_STATES = 10_000_000


# --- argument validation -------------------------------------------------------------------


def _check_agents(agents: int) -> int:
    if isinstance(agents, bool) or not isinstance(agents, (int, np.integer)) or agents < 1:
        raise ValueError(f"agents must be an integer >= 1, got {agents!r}")
    return int(agents)


def _check_share(name: str, value: float, *, zero: bool, one: bool) -> float:
    """``value`` as a share in [0, 1], the ends included as ``zero`` and ``one`` say."""
    low, high = "[" if zero else "(", "]" if one else ")"
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number in {low}0, 1{high}, got {value!r}") from None
    if not ((0 <= x if zero else 0 < x) and (x <= 1 if one else x < 1)):
        raise ValueError(f"{name} must be in {low}0, 1{high}, got {value!r}")
    return x


def _check_number(
    name: str, value: float, *, positive: bool = False, allow_inf: bool = False
) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    bad = math.isnan(x) or x < 0 or (positive and x == 0) or (math.isinf(x) and not allow_inf)
    if bad:
        allowed = "> 0" if positive else ">= 0"
        kind = "a number" if allow_inf else "a finite number"
        raise ValueError(f"{name} must be {kind} {allowed}, got {value!r}")
    return x


# --- Erlang B and C ------------------------------------------------------------------------


def _erlang_b(agents: int, load: float) -> float:
    b = 1.0
    for k in range(1, agents + 1):
        b = load * b / (k + load * b)
    return b


def _erlang_c(agents: int, load: float) -> float:
    if load >= agents:
        return 1.0
    b = _erlang_b(agents, load)
    return agents * b / (agents - load * (1.0 - b))


def erlang_b(agents: int, load: float) -> float:
    """Blocking probability of an M/G/n/n loss system (Erlang B).

    Uses the recursion B(0) = 1, B(k) = A B(k-1) / (k + A B(k-1)), stable for any size.
    """
    return _erlang_b(_check_agents(agents), _check_number("load", load))


def erlang_c(agents: int, load: float) -> float:
    """Probability that a contact waits, P(W > 0), in M/M/n (Erlang C); 1.0 if load >= agents."""
    return _erlang_c(_check_agents(agents), _check_number("load", load))


def erlang_c_service_level(agents: int, load: float, aht: float, threshold: float) -> float:
    """P(W <= threshold) in M/M/n: 1 - C exp(-(n - A) T / aht); 0.0 if load >= agents."""
    n, a = _check_agents(agents), _check_number("load", load)
    aht = _check_number("aht", aht, positive=True)
    threshold = _check_number("threshold", threshold)
    if a >= n:
        return 0.0
    return 1.0 - _erlang_c(n, a) * math.exp(-(n - a) * threshold / aht)


def erlang_c_asa(agents: int, load: float, aht: float) -> float:
    """Mean wait (seconds) in M/M/n: C aht / (n - A); inf if load >= agents."""
    n, a = _check_agents(agents), _check_number("load", load)
    aht = _check_number("aht", aht, positive=True)
    if a >= n:
        return math.inf
    return _erlang_c(n, a) * aht / (n - a)


def erlang_c_occupancy(agents: int, load: float) -> float:
    """Share of agent time busy in M/M/n: min(load / agents, 1)."""
    return min(_check_number("load", load) / _check_agents(agents), 1.0)


@dataclass(frozen=True)
class ErlangCResult:
    """Erlang C (M/M/n) KPIs: P(wait), service level, mean wait (s) and occupancy."""

    p_wait: float
    service_level: float
    asa_seconds: float
    occupancy: float


def erlang_c_metrics(
    agents: int, arrival_rate: float, aht: float, threshold: float
) -> ErlangCResult:
    """All Erlang C KPIs for ``agents`` agents, ``arrival_rate`` contacts per second."""
    rate = _check_number("arrival_rate", arrival_rate)
    load = rate * _check_number("aht", aht, positive=True)
    return ErlangCResult(
        p_wait=erlang_c(agents, load),
        service_level=erlang_c_service_level(agents, load, aht, threshold),
        asa_seconds=erlang_c_asa(agents, load, aht),
        occupancy=erlang_c_occupancy(agents, load),
    )


# --- Erlang A ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErlangAResult:
    """Erlang A (M/M/n+M) KPIs.

    ``p_wait``: share of offered contacts finding all agents busy. ``p_abandon``: abandoned /
    offered. ``service_level``: answered within the threshold / offered. ``asa_seconds``: mean
    wait of answered contacts. ``mean_wait_all_seconds``: mean time in queue over all offered
    contacts, abandoners up to abandonment (Lq / arrival rate). ``occupancy``: busy agents / agents.
    """

    p_wait: float
    p_abandon: float
    service_level: float
    asa_seconds: float
    mean_wait_all_seconds: float
    occupancy: float


def _queue_log_weights(
    n: int, rate: float, mu: float, theta: float, log_at_n: float, log_ref: float
) -> np.ndarray:
    """Unnormalised log P(n + j in system), j = 0..J, with the dropped tail negligible."""
    excess = max((rate - n * mu) / theta, 0.0)  # the mode of the queue length
    size = int(2 * excess) + 64
    while True:
        if size > _MAX_QUEUE_STATES:
            raise ValueError(
                f"the queue distribution needs more than {_MAX_QUEUE_STATES} states; "
                "mean_patience is too large for this overload (use a smaller mean_patience)"
            )
        j = np.arange(1, size + 1)
        log_ratio = math.log(rate) - np.log(n * mu + j * theta)
        logw = np.concatenate(([log_at_n], log_at_n + np.cumsum(log_ratio)))
        # Beyond J the ratios only shrink, so the tail is below w_J r_J / (1 - r_J).
        r = math.exp(log_ratio[-1])
        ref = max(log_ref, float(logw.max()))
        if r < 1 and logw[-1] + math.log(r) - math.log1p(-r) < ref + _LOG_TAIL_CUTOFF:
            return logw
        size *= 2


def _log_sum_exp(values: np.ndarray) -> float:
    """log(sum(exp(values))) of a non-empty 1-d array, without overflow. Not
    ``scipy.special.logsumexp``: its generality costs ~0.2 ms a call, three quarters of
    an Erlang A evaluation, which the realtime outlook makes thousands of times a day."""
    top = float(values.max())
    return top + math.log(float(np.exp(values - top).sum()))


def _erlang_a_no_patience(n: int, load: float, aht: float, threshold: float) -> ErlangAResult:
    if load >= n:
        return ErlangAResult(1.0, 0.0, 0.0, math.inf, math.inf, 1.0)
    asa = _erlang_c(n, load) * aht / (n - load)
    sl = 1.0 - _erlang_c(n, load) * math.exp(-(n - load) * threshold / aht)
    return ErlangAResult(_erlang_c(n, load), 0.0, sl, asa, asa, load / n)


def erlang_a_metrics(
    agents: int, arrival_rate: float, aht: float, mean_patience: float, threshold: float
) -> ErlangAResult:
    """Exact Erlang A (M/M/n+M) KPIs; stable for any load.

    ``mean_patience`` is the mean of the exponential patience in seconds. With
    ``mean_patience = inf`` the result is Erlang C (no abandonment); if then load >= agents
    the queue is unstable and waits are inf, service level 0 and occupancy 1.
    """
    n = _check_agents(agents)
    rate = _check_number("arrival_rate", arrival_rate)
    aht = _check_number("aht", aht, positive=True)
    patience = _check_number("mean_patience", mean_patience, positive=True, allow_inf=True)
    threshold = _check_number("threshold", threshold)
    load = rate * aht
    if rate == 0:
        return ErlangAResult(0.0, 0.0, 1.0, 0.0, 0.0, 0.0)
    if math.isinf(patience):
        return _erlang_a_no_patience(n, load, aht, threshold)

    # scipy is imported here, not at module top, so that importing this module stays cheap.
    from scipy.special import betainc, expit, gammaln

    mu, theta = 1.0 / aht, 1.0 / patience
    k = np.arange(n)
    log_below = k * math.log(load) - gammaln(k + 1)  # Poisson shape below n agents busy
    log_at_n = n * math.log(load) - float(gammaln(n + 1))
    log_queue = _queue_log_weights(n, rate, mu, theta, log_at_n, float(log_below.max()))
    # The logistic form keeps p_wait and 1 - p_wait both accurate and within [0, 1].
    log_odds = _log_sum_exp(log_queue) - _log_sum_exp(log_below)
    p_wait, p_no_wait = float(expit(log_odds)), float(expit(-log_odds))
    p_queue = np.exp(log_queue - log_queue.max())  # P(n + j in system) = P(arrival finds j waiting)
    p_queue *= p_wait / p_queue.sum()

    jj = np.arange(p_queue.size)
    lq = float(np.dot(jj, p_queue))
    p_abandon = theta * lq / rate
    # Tagged contact with j ahead: its virtual wait V is a sum of Exp(n mu + i theta), i = 0..j.
    # P(served) = E[exp(-theta V)] telescopes to n mu / (n mu + (j + 1) theta), and tilting V by
    # exp(-theta V) gives a sum of Exp(n mu + m theta), m = 1..j+1, whose CDF is a beta tail.
    rates = n * mu + (jj + 1) * theta
    p_served = n * mu / rates
    wait_if_served = np.cumsum(1.0 / rates)
    within = betainc(jj + 1.0, n * mu / theta + 1.0, -math.expm1(-theta * threshold))
    return ErlangAResult(
        p_wait=p_wait,
        p_abandon=p_abandon,
        service_level=p_no_wait + float(np.dot(p_queue, p_served * within)),
        asa_seconds=float(np.dot(p_queue, p_served * wait_if_served)) / (1.0 - p_abandon),
        mean_wait_all_seconds=lq / rate,
        occupancy=(1.0 - p_abandon) * load / n,
    )


# --- staffing ------------------------------------------------------------------------------


def required_agents(
    arrival_rate: float,
    aht: float,
    threshold: float,
    target: float,
    mean_patience: float | None = None,
) -> int:
    """Fewest agents whose service level is >= ``target``.

    Uses Erlang C if ``mean_patience`` is None (search starts at floor(load) + 1), else Erlang A
    (search starts at ceil(target x load): answered <= agents, so SL <= 1 - Pab <= agents / load).
    """
    rate = _check_number("arrival_rate", arrival_rate)
    aht = _check_number("aht", aht, positive=True)
    threshold = _check_number("threshold", threshold)
    try:
        target = float(target)
    except (TypeError, ValueError):
        raise ValueError(f"target must be a number in (0, 1), got {target!r}") from None
    if not 0 < target < 1:
        raise ValueError(f"target must be strictly between 0 and 1, got {target!r}")
    load = rate * aht
    if mean_patience is None:
        n = math.floor(load) + 1
        while erlang_c_service_level(n, load, aht, threshold) < target:
            n += 1
        return n
    _check_number("mean_patience", mean_patience, positive=True, allow_inf=True)
    n = max(1, math.ceil(target * load - 1e-9))
    while erlang_a_metrics(n, rate, aht, mean_patience, threshold).service_level < target:
        n += 1
    return n


def agents_for_asa(
    arrival_rate: float, aht: float, asa_target: float, mean_patience: float | None = None
) -> int:
    """Fewest agents whose ASA (mean wait of answered contacts) is at most ``asa_target``
    seconds: Erlang C without ``mean_patience``, else Erlang A. ASA falls as agents are
    added, so the search walks up from the fewest agents that keep the queue stable."""
    rate = _check_number("arrival_rate", arrival_rate)
    aht = _check_number("aht", aht, positive=True)
    asa_target = _check_number("asa_target", asa_target)
    load = rate * aht
    if rate == 0:
        return 0
    if mean_patience is None:
        n = math.floor(load) + 1
        while erlang_c_asa(n, load, aht) > asa_target:
            n += 1
        return n
    _check_number("mean_patience", mean_patience, positive=True, allow_inf=True)
    n = 1
    while erlang_a_metrics(n, rate, aht, mean_patience, 0.0).asa_seconds > asa_target:
        n += 1
    return n


def gross_agents(net_agents: float, shrinkage: float) -> int:
    """Agents to schedule so that ``net_agents`` are on the phone when a share
    ``shrinkage`` of paid time goes to breaks, meetings, training and absence: the
    planner's net / (1 - shrinkage), rounded up."""
    net = _check_number("net_agents", net_agents)
    share = _check_share("shrinkage", shrinkage, zero=True, one=False)
    return math.ceil(net / (1.0 - share) - 1e-9)


def agents_for_occupancy_cap(load: float, occupancy_cap: float) -> int:
    """Fewest agents whose occupancy (load / agents, every contact answered) stays at or
    below ``occupancy_cap``: ceil(load / cap). A planner's guard against burning agents out
    on a queue whose service-level target alone would allow a higher occupancy."""
    load = _check_number("load", load)
    cap = _check_share("occupancy_cap", occupancy_cap, zero=False, one=True)
    return math.ceil(load / cap - 1e-9)


def service_level_for_headcount(
    headcount: int,
    shrinkage: float,
    arrival_rate: float,
    aht: float,
    threshold: float,
    mean_patience: float | None = None,
) -> float:
    """The service level ``headcount`` scheduled agents give when a share ``shrinkage`` of
    them is off the phone: Erlang C (or Erlang A with ``mean_patience``) on the
    floor(headcount x (1 - shrinkage)) agents left on the phone."""
    n = _check_agents(headcount)
    share = _check_share("shrinkage", shrinkage, zero=True, one=False)
    on_phone = math.floor(n * (1.0 - share) + 1e-9)
    rate = _check_number("arrival_rate", arrival_rate)
    aht = _check_number("aht", aht, positive=True)
    if rate == 0:
        return 1.0
    if on_phone == 0:
        return 0.0
    if mean_patience is None:
        return erlang_c_service_level(on_phone, rate * aht, aht, threshold)
    return erlang_a_metrics(on_phone, rate, aht, mean_patience, threshold).service_level
