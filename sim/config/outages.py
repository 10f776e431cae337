"""Checking a day scenario's ``scenario.outages`` and ``scenario.redials``, and building the
:class:`~sim.core.disruptions.Outage` and :class:`~sim.core.disruptions.Redials` of its Scenario.

An outage has a ``kind`` and a window, either fixed (``start``, a clock time "HH:MM" inside
the day, not necessarily an interval start, and ``duration_minutes``; a window running past
the day's end is cut there) or random (``occurrences_per_day`` and a ``duration``
distribution, configured in seconds like ``handle_time``). The other fields apply to some
kinds only, and are refused on the others:

=============  ==========================================================================
kind           fields
=============  ==========================================================================
telephony      none: contacts arriving in the window are lost
crm_slow       ``factor`` (required, > 0): talk times x factor; ``groups`` (empty: all)
site           ``groups`` (required): offline for the window; ``drop_in_hand`` (false)
partial        ``groups`` (required), ``fraction`` (required, (0, 1]) of those logged in
=============  ==========================================================================

Redials: ``probability`` in [0, 1]; ``delay`` (seconds, like ``handle_time``) is required
when the probability is > 0. Durations become minutes in the Scenario, times seconds from
the day's start (the first forecast interval's start).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from omegaconf import MISSING

from sim.config.schema import DayScenarioConfig, OutageConfig, RedialsConfig
from sim.core.disruptions import OUTAGE_KINDS, Outage, Redials
from sim.core.distributions import Distribution
from sim.units import clock_exact, parse_clock

if TYPE_CHECKING:
    from sim.config.checks import Checker

__all__ = ["KIND_FIELDS", "disruptions"]

OUTAGES = "scenario.outages"
REDIALS = "scenario.redials"
_MIDNIGHT = 24 * 60

#: The fields each kind takes besides its window; every other one is refused.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "telephony": (),
    "crm_slow": ("groups", "factor"),
    "site": ("groups", "drop_in_hand"),
    "partial": ("groups", "fraction"),
}
_REQUIRED: dict[str, tuple[str, ...]] = {
    "crm_slow": ("factor",),
    "site": ("groups",),
    "partial": ("groups", "fraction"),
}
_OPTIONAL = ("groups", "factor", "fraction", "drop_in_hand")
_WINDOW = ("start", "duration_minutes", "occurrences_per_day", "duration")

DistributionCheck = Callable[[str, Any], "Distribution | None"]


def _start(c: Checker, key: str, value: Any, day: tuple[int, int] | None) -> float | None:
    """Seconds from the day's start of the clock time ``value`` ("HH:MM" or "HH:MM:SS")."""
    text = str(value).strip()
    seconds = None if value == MISSING else parse_clock(text, allow_seconds=True)
    if seconds is None:
        hint = ""
        if text.isdigit():  # YAML 1.1 reads an unquoted 14:00 as the base-60 number 840
            hint = f" (an unquoted {clock_exact(60 * int(text), True)} reads as the number {text} in YAML: quote it)"
        c.fail(key, value, f"must be a clock time HH:MM inside the day{hint}")
        return None
    minutes = seconds / 60
    if day is None:  # the forecast could not be read: the format is all that can be checked
        return None
    first, end = day
    if end > _MIDNIGHT and minutes < first:  # a day past midnight: the next day's clock
        minutes += _MIDNIGHT
    if not first <= minutes < end:
        c.fail(
            key,
            value,
            f"must be inside the day: {clock_exact(60 * first, True)} to before {clock_exact(60 * end, True)}",
        )
        return None
    return (minutes - first) * 60.0


def _groups(
    c: Checker, key: str, value: Any, kind: str, groups: Sequence[str] | None
) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)):
        c.fail(key, value, "must be a list of agent groups")
        return ()
    if not value and kind != "crm_slow":
        c.fail(key, list(value), f"a {kind} outage must name at least one group")
    seen: set[str] = set()
    for j, name in enumerate(value):
        if groups is not None and name not in groups:
            c.fail(f"{key}[{j}]", name, f"unknown group; allowed: {list(groups)}")
        elif name in seen:
            c.fail(f"{key}[{j}]", name, "group named twice; name it once")
        seen.add(name)
    return tuple(str(g) for g in value)


def _outage(
    c: Checker,
    at: str,
    o: Any,
    groups: Sequence[str] | None,
    day: tuple[int, int] | None,
    distribution: DistributionCheck,
) -> Outage | None:
    if not isinstance(o, OutageConfig):
        c.fail(at, o, "must be {kind, start, duration_minutes, ...}")
        return None
    n_before = len(c.problems)
    kind = o.kind
    if kind not in OUTAGE_KINDS:
        c.fail(f"{at}.kind", kind, f"unknown outage kind; allowed: {list(OUTAGE_KINDS)}")
    window = {k: getattr(o, k) for k in _WINDOW if getattr(o, k) is not None}
    fixed = "start" in window or "duration_minutes" in window
    drawn = "occurrences_per_day" in window or "duration" in window
    start = duration = occurrences = None
    length: Distribution | None = None
    if fixed and drawn:
        c.fail(
            at,
            window,
            "give a fixed window (start, duration_minutes) or a random one "
            "(occurrences_per_day, duration), not both",
        )
    elif not fixed and not drawn:
        c.fail(
            at,
            {"kind": kind},
            "needs a window: start and duration_minutes (fixed), or occurrences_per_day and "
            "duration (random)",
        )
    elif fixed:
        if o.start is None:
            c.fail(f"{at}.start", None, "required with duration_minutes: a clock time HH:MM")
        else:
            start = _start(c, f"{at}.start", o.start, day)
        if o.duration_minutes is None:
            c.fail(f"{at}.duration_minutes", None, "required with start: minutes > 0")
        elif c.number(f"{at}.duration_minutes", o.duration_minutes, low=0, strict=True):
            duration = 60.0 * float(o.duration_minutes)
    else:
        if o.occurrences_per_day is None:
            c.fail(
                f"{at}.occurrences_per_day",
                None,
                "required with duration: the expected number of outages a day (> 0)",
            )
        elif c.number(f"{at}.occurrences_per_day", o.occurrences_per_day, low=0, strict=True):
            occurrences = float(o.occurrences_per_day)
        if o.duration is None:
            c.fail(
                f"{at}.duration",
                None,
                "required with occurrences_per_day: a distribution {distribution, mean_seconds, cv}",
            )
        else:
            length = distribution(f"{at}.duration", o.duration)
    fields: dict[str, Any] = {}
    if kind in KIND_FIELDS:
        allowed = KIND_FIELDS[kind]
        for name in _OPTIONAL:
            value = getattr(o, name)
            if value is None:
                if name in _REQUIRED.get(kind, ()):
                    c.fail(f"{at}.{name}", None, f"required for a {kind} outage")
                continue
            if name not in allowed:
                takers = [k for k, names in KIND_FIELDS.items() if name in names]
                c.fail(
                    f"{at}.{name}",
                    value,
                    f"does not apply to a {kind} outage (only to {', '.join(takers)}); remove it",
                )
            elif name == "groups":
                fields[name] = _groups(c, f"{at}.groups", value, kind, groups)
            elif name == "factor":
                if c.number(f"{at}.factor", value, low=0, strict=True):
                    fields[name] = float(value)
            elif name == "fraction":
                if c.share(f"{at}.fraction", value):
                    fields[name] = float(value)
            elif not isinstance(value, bool):
                c.fail(f"{at}.drop_in_hand", value, "must be true or false")
            else:
                fields[name] = value
    if len(c.problems) > n_before or (fixed and (start is None or duration is None)):
        return None  # a start that could not be placed (no forecast) is reported elsewhere
    try:
        if fixed:
            return Outage(kind, start=start, duration=duration, **fields)
        return Outage(
            kind, occurrences_per_day=occurrences or 0.0, random_duration_seconds=length, **fields
        )
    except ValueError as exc:  # a safety net: the checks above should have caught it
        c.problems.append(f"{at}: {exc}")
        return None


def _redials(c: Checker, r: Any, distribution: DistributionCheck) -> Redials:
    if not isinstance(r, RedialsConfig):
        c.fail(REDIALS, r, "must be {probability, delay}")
        return Redials()
    n_before = len(c.problems)
    p = r.probability
    ok = isinstance(p, (int, float)) and not isinstance(p, bool) and 0 <= p <= 1
    if not ok:
        c.fail(f"{REDIALS}.probability", p, "must be a probability in [0, 1]")
    delay = None
    if r.delay is not None:
        delay = distribution(f"{REDIALS}.delay", r.delay)
    elif ok and p > 0:
        c.fail(
            f"{REDIALS}.delay",
            None,
            "required when probability > 0: a distribution {distribution, mean_seconds, cv} "
            "of the time before calling again",
        )
    if len(c.problems) > n_before:
        return Redials()
    return Redials(float(p), delay)


def disruptions(
    c: Checker,
    s: DayScenarioConfig,
    groups: Sequence[str] | None,
    starts: Sequence[int] | None,
    distribution: DistributionCheck,
) -> tuple[tuple[Outage, ...], Redials]:
    """Check ``s.outages`` and ``s.redials``; what they build (problems in ``c``).

    ``groups``: every agent group (``None`` if a data file could not be read: group names
    are then not checked); ``starts``: the forecast's interval starts in minutes after
    midnight (``None``: start times are checked for their format only);
    ``distribution(key, config)`` checks and builds a distribution in seconds.
    """
    day = None if not starts else (starts[0], starts[-1] + s.interval_minutes)
    outages = s.outages
    built: list[Outage] = []
    if not isinstance(outages, (list, tuple)):
        c.fail(OUTAGES, outages, "must be a list of {kind, start, duration_minutes, ...}")
    else:
        for i, o in enumerate(outages):
            outage = _outage(c, f"{OUTAGES}[{i}]", o, groups, day, distribution)
            if outage is not None:
                built.append(outage)
    return tuple(built), _redials(c, s.redials, distribution)
