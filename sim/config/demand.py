"""Checking a day scenario's ``scenario.demand`` block and building its :class:`DemandShocks`.

Surge times are clock times ("HH:MM") in the config and seconds from the first interval's
start in the :class:`~sim.core.scenario.Scenario`; a surge must start on an interval boundary
inside the day (``latest_start`` too).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from omegaconf import MISSING

from sim.config.schema import DemandConfig, SurgeConfig
from sim.core.demand_shocks import DemandShocks, Surge
from sim.units import clock_exact, parse_clock

if TYPE_CHECKING:
    from sim.config.checks import Checker

__all__ = ["demand_shocks"]

KEY = "scenario.demand"


def _minutes(c: Checker, key: str, value: Any) -> int | None:
    """Parse "HH:MM" into minutes after midnight; report and return None if it is not one."""
    if value is None or value == MISSING:
        c.fail(key, value, "required: a clock time HH:MM (quoted in YAML)")
        return None
    text = str(value).strip()
    seconds = parse_clock(text)
    if seconds is not None:
        return int(seconds) // 60
    hint = ""
    if text.isdigit():  # YAML 1.1 reads an unquoted 10:30 as the base-60 number 630
        hint = f" (an unquoted {clock_exact(60 * int(text))} reads as the number {text} in YAML: quote it)"
    c.fail(key, value, f"must be a clock time HH:MM{hint}")
    return None


def _boundary(
    c: Checker, key: str, value: Any, starts: Sequence[int] | None, interval_minutes: int
) -> int | None:
    """Interval index of a clock time that must be an interval start inside the day."""
    minutes = _minutes(c, key, value)
    if minutes is None or not starts:
        return None
    first, last = starts[0], starts[-1]
    if first <= minutes <= last and (minutes - first) % interval_minutes == 0:
        return (minutes - first) // interval_minutes
    c.fail(
        key,
        value,
        f"must be an interval start inside the day: {clock_exact(60 * first)} to {clock_exact(60 * last)}, "
        f"every {interval_minutes} minutes",
    )
    return None


def _surge(
    c: Checker,
    at: str,
    s: Any,
    type_names: Sequence[str],
    starts: Sequence[int] | None,
    interval_minutes: int,
) -> Surge | None:
    if not isinstance(s, SurgeConfig):
        c.fail(at, s, "must be {start, profile, contact_types, probability, latest_start}")
        return None
    n_before = len(c.problems)
    start = _boundary(c, f"{at}.start", s.start, starts, interval_minutes)
    latest = None
    if s.latest_start is not None:
        latest = _boundary(c, f"{at}.latest_start", s.latest_start, starts, interval_minutes)
        if start is not None and latest is not None and latest < start:
            c.fail(
                f"{at}.latest_start",
                s.latest_start,
                f"must be at or after start ({s.start}); null for a fixed start",
            )
    if not isinstance(s.profile, (list, tuple)) or not s.profile:
        c.fail(
            f"{at}.profile",
            s.profile,
            "must list at least one multiplier (>= 0) of the expected contacts, one per "
            "interval from the start, e.g. [1.8, 1.4, 1.2]",
        )
    else:
        for j, m in enumerate(s.profile):
            c.number(f"{at}.profile[{j}]", m, low=0, strict=False)
    if not isinstance(s.contact_types, (list, tuple)):
        c.fail(f"{at}.contact_types", s.contact_types, "must be a list of contact types")
    else:
        for j, name in enumerate(s.contact_types):
            if type_names and name not in type_names:
                c.fail(
                    f"{at}.contact_types[{j}]",
                    name,
                    f"unknown contact type; allowed: {list(type_names)} (an empty list: all)",
                )
    p = s.probability
    if not (isinstance(p, (int, float)) and not isinstance(p, bool) and 0 <= p <= 1):
        c.fail(f"{at}.probability", p, "must be a probability in [0, 1]")
    if len(c.problems) > n_before or start is None:
        return None
    seconds = 60.0 * interval_minutes
    return Surge(
        start * seconds,
        tuple(float(m) for m in s.profile),
        tuple(s.contact_types),
        float(p),
        None if latest is None else latest * seconds,
    )


def demand_shocks(
    c: Checker,
    d: Any,
    type_names: Sequence[str],
    starts: Sequence[int] | None,
    interval_minutes: int,
) -> DemandShocks:
    """Check ``scenario.demand``; its :class:`DemandShocks` (none, with problems in ``c``, if bad).

    ``starts``: the forecast's interval starts (minutes after midnight), ``None`` if the
    forecast could not be read (surge times are then checked for their format only).
    """
    if not isinstance(d, DemandConfig):
        c.fail(KEY, d, "must be {day_cv, interval_cv, surges}")
        return DemandShocks()
    n_before = len(c.problems)
    c.number(f"{KEY}.day_cv", d.day_cv, low=0, strict=False)
    c.number(f"{KEY}.interval_cv", d.interval_cv, low=0, strict=False)
    surges: list[Surge | None] = []
    if not isinstance(d.surges, (list, tuple)):
        c.fail(f"{KEY}.surges", d.surges, "must be a list of {start, profile, ...}")
    else:
        surges = [
            _surge(c, f"{KEY}.surges[{i}]", s, type_names, starts, interval_minutes)
            for i, s in enumerate(d.surges)
        ]
    if len(c.problems) > n_before:
        return DemandShocks()
    return DemandShocks(
        float(d.day_cv), float(d.interval_cv), tuple(s for s in surges if s is not None)
    )
