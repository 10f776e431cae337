"""The interface every realtime policy implements, and the checks of its parameters."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from sim.policies.api import Action, RealtimeView

__all__ = ["Policy", "PolicyParams", "build_params", "queues_in_scope"]


@dataclass(frozen=True)
class PolicyParams:
    """Parameters every policy has: how often it looks and how long its actions take.

    ``check_interval_minutes``: how often the analyst looks (simulated minutes).
    ``latency_minutes``: from a decision to its effect (noticing, deciding, clicking).
    Subclasses add their thresholds; :meth:`problems` checks them.
    """

    check_interval_minutes: float = 5.0
    latency_minutes: float = 1.0

    def problems(self) -> list[tuple[str, Any, str]]:
        """(field, value, what is allowed) for every bad value; empty if all is well.

        Generic rules by field name: ``*_probability`` and ``*_share`` in [0, 1];
        ``*_minutes``, ``*_seconds``, ``*_hours`` and ``*_agents`` not negative (the check
        interval positive); a ``contact_types`` field: distinct names. Subclasses extend
        this for their own rules.
        """
        found: list[tuple[str, Any, str]] = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is None or isinstance(value, (str, tuple, list, dict)):
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            if not math.isfinite(value):
                found.append((f.name, value, "must be a finite number"))
            elif f.name == "check_interval_minutes" and value <= 0:
                found.append((f.name, value, "must be > 0 (minutes between two looks)"))
            elif f.name.endswith(("_probability", "_share")) and not 0 <= value <= 1:
                found.append((f.name, value, "must be a probability in [0, 1]"))
            elif f.name.endswith(("_minutes", "_seconds", "_hours", "_agents")) and value < 0:
                found.append((f.name, value, "must be >= 0"))
        types = getattr(self, "contact_types", ())
        if not isinstance(types, tuple) or not all(isinstance(t, str) for t in types):
            found.append(("contact_types", types, "must be a list of contact type names"))
        elif len(set(types)) != len(types):
            found.append(("contact_types", list(types), "must not name a contact type twice"))
        return found


class Policy:
    """A realtime intervention policy: an analyst who looks every ``check_interval`` and acts.

    The model calls :meth:`decide` with a read-only :class:`~sim.realtime.RealtimeView` (what
    the analyst can see now, nothing from the future) and applies the returned actions after
    ``latency_seconds``. One instance lives for one simulated day, so a policy may keep state
    (e.g. what it has changed and must restore). ``check_interval_seconds`` ``None`` means the
    model never consults the policy and runs without any policy machinery.

    A new policy is one module in ``sim/policies/`` with a subclass setting ``name``,
    ``description``, ``Params`` (a frozen dataclass deriving from :class:`PolicyParams`) and
    :meth:`decide`, plus ``configs/policy/<name>.yaml``; the registry finds it by itself.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    Params: ClassVar[type[PolicyParams]] = PolicyParams

    def __init__(self, params: PolicyParams | None = None) -> None:
        self.params = params if params is not None else self.Params()

    @property
    def check_interval_seconds(self) -> float | None:
        """Seconds between two looks at the day, or ``None`` for never."""
        return 60.0 * self.params.check_interval_minutes

    @property
    def latency_seconds(self) -> float:
        """Seconds from a decision to its effect."""
        return 60.0 * self.params.latency_minutes

    def decide(self, view: RealtimeView) -> list[Action]:
        """The actions to take given what the analyst sees now (default: none)."""
        return []


def queues_in_scope(
    view: RealtimeView, named: tuple[str, ...], channels: tuple[str, ...], key: str
) -> list[str]:
    """The queues ``named`` (every queue of ``channels`` if none), checked against the
    scenario the view shows: a name that is not such a queue is an error naming ``key``.

    Parameters cannot see the scenario up front, so a policy checks them at its first look.
    """
    allowed = [name for name, q in view.queues.items() if q.channel in channels]
    if not named:
        return allowed
    for name in named:
        if name not in allowed:
            raise ValueError(
                f"{key}: {name!r} is not a {' or '.join(channels)} queue of this scenario; "
                f"allowed: {allowed}"
            )
    return list(named)


def build_params(cls: type[PolicyParams], values: dict[str, Any], key: str):
    """``cls(**values)`` checked, or the problems as (key, value, what is allowed).

    Unknown fields, values of the wrong type and values :meth:`PolicyParams.problems`
    rejects are all reported, named ``<key>.<field>``.
    """
    fields = {f.name: f for f in dataclasses.fields(cls)}
    problems: list[tuple[str, Any, str]] = []
    clean: dict[str, Any] = {}
    for name, value in values.items():
        if name not in fields:
            problems.append(
                (f"{key}.{name}", value, f"unknown parameter; allowed: {sorted(fields)}")
            )
            continue
        default = fields[name].default
        if value is None and "None" in str(fields[name].type):
            clean[name] = None  # e.g. ``hours: float | None``: null means "not set"
            continue
        if isinstance(default, bool):
            if not isinstance(value, bool):
                problems.append((f"{key}.{name}", value, "must be true or false"))
                continue
        elif (
            isinstance(default, (int, float)) or default is None and isinstance(value, (int, float))
        ):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                if not (default is None and value is None):
                    problems.append((f"{key}.{name}", value, "must be a number"))
                    continue
            elif isinstance(default, float):
                value = float(value)
        elif isinstance(default, tuple) and isinstance(value, list):
            value = tuple(value)
        clean[name] = value
    if problems:
        return None, problems
    try:
        params = cls(**clean)
    except (TypeError, ValueError) as exc:
        return None, [(key, values, str(exc))]
    return params, [(f"{key}.{f}", v, why) for f, v, why in params.problems()]
