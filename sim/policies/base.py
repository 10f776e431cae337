"""The interface every realtime policy implements, and the checks of its parameters."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from sim.policies.outlook import Situation

if TYPE_CHECKING:
    from sim.core.scenario import Scenario
    from sim.policies.api import Action, RealtimeView

__all__ = ["Policy", "PolicyParams", "build_params", "defined_policies"]

#: The package whose policy classes register themselves (see :meth:`Policy.__init_subclass__`).
_PACKAGE = __name__.rpartition(".")[0]

#: Every policy class of :data:`_PACKAGE` defined so far, by name.
_DEFINED: dict[str, type[Policy]] = {}


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

    The model calls :meth:`decide` with a read-only :class:`~sim.policies.api.RealtimeView` (what
    the analyst can see now, nothing from the future) and applies the returned actions after
    ``latency_seconds``. One instance lives for one simulated day, so a policy may keep state
    (e.g. what it has changed and must restore). ``check_interval_seconds`` ``None`` means the
    model never consults the policy and runs without any policy machinery.

    A new policy is one module in ``sim/policies/`` with a subclass setting ``name``,
    ``description``, ``Params`` (a frozen dataclass deriving from :class:`PolicyParams`) and
    :meth:`decide`, plus ``configs/policy/<name>.yaml``; the registry finds it by itself.
    Names its parameters give (contact types, groups) are checked against the scenario by
    :meth:`check` before the day starts; a policy whose parameters name other things
    extends it.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    Params: ClassVar[type[PolicyParams]] = PolicyParams
    #: Channels of the contact types the ``contact_types`` parameter may name, and of the
    #: queues :meth:`scope` returns when it names none (``None``: every channel).
    channels: ClassVar[tuple[str, ...] | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A class of this package that sets ``name`` registers itself under that name
        (:func:`defined_policies`); policies defined elsewhere, e.g. in tests, do not."""
        super().__init_subclass__(**kwargs)
        if "name" not in vars(cls) or cls.__module__.rpartition(".")[0] != _PACKAGE:
            return
        other = _DEFINED.get(cls.name)
        if other is not None and (other.__module__, other.__qualname__) != (
            cls.__module__,
            cls.__qualname__,
        ):
            raise RuntimeError(
                f"two policies are named {cls.name!r}: {other.__module__}.{other.__qualname__} "
                f"and {cls.__module__}.{cls.__qualname__}"
            )
        _DEFINED[cls.name] = cls

    def __init__(self, params: PolicyParams | None = None) -> None:
        self.params = params if params is not None else self.Params()
        self.situation = Situation()

    def overtime_hours_asked(self) -> float:
        """Agent-hours of overtime this policy asked for today, accepted or not (a week's
        budget counts them: :meth:`continue_week`); 0 for a policy that asks none."""
        return 0.0

    def continue_week(self, hours_asked_before: float) -> None:
        """Today is a later day of a week on whose earlier days this policy asked for
        ``hours_asked_before`` agent-hours of overtime (a weekly budget spends them)."""

    def read(self, view: RealtimeView) -> Situation:
        """The day's signals and outlook as of ``view`` (shared with the other steps of a
        playbook: see :class:`~sim.policies.outlook.Situation`)."""
        self.situation.update(view)
        return self.situation

    def check(self, scenario: Scenario) -> list[tuple[str, Any, str]]:
        """(field, value, what is allowed) for every name in the parameters that
        ``scenario`` lacks; empty if all is well. Called once, before the first event.

        By field name: ``contact_type``, ``contact_types``, ``skill``, ``skills`` (and
        ``*_contact_type(s)``) name contact types of the scenario (of :attr:`channels`, if
        set); ``group``, ``groups`` (and ``*_group(s)``) its agent groups. A list is
        reported element by element, as ``field[i]``.
        """
        types = [
            t.name
            for t in scenario.contact_types
            if self.channels is None or t.channel in self.channels
        ]
        channels = "" if self.channels is None else " or ".join(self.channels) + " "
        known = {
            "type": (types, f"{channels}contact type"),
            "group": (list(scenario.group_names), "group"),
        }
        found: list[tuple[str, Any, str]] = []
        for f in dataclasses.fields(self.params):
            kind = _names_kind(f.name)
            if kind is None:
                continue
            allowed, what = known[kind]
            why = f"not a {what} of this scenario; allowed: {allowed}"
            value = getattr(self.params, f.name)
            if isinstance(value, str):
                if value not in allowed:
                    found.append((f.name, value, why))
            elif isinstance(value, (tuple, list)):
                found += [
                    (f"{f.name}[{i}]", name, why)
                    for i, name in enumerate(value)
                    if name not in allowed
                ]
        return found

    def scope(self, view: RealtimeView) -> list[str]:
        """The queues the policy acts on: those its ``contact_types`` parameter names
        (checked by :meth:`check` before the day), or every queue of :attr:`channels`."""
        named = getattr(self.params, "contact_types", ())
        if named:
            return list(named)
        return [
            name
            for name, q in view.queues.items()
            if self.channels is None or q.channel in self.channels
        ]

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


def defined_policies() -> dict[str, type[Policy]]:
    """Every policy class of :mod:`sim.policies` defined so far, by name.

    Complete once :mod:`sim.policies.registry` (which imports every policy module) is
    imported; :data:`sim.policies.registry.POLICIES` is this, then.
    """
    return dict(sorted(_DEFINED.items()))


def _names_kind(field_name: str) -> str | None:
    """``"type"`` or ``"group"`` if a parameter of this name names contact types or
    groups, else ``None``."""
    for kind, stems in (("type", ("contact_type", "skill")), ("group", ("group",))):
        for stem in stems:
            if field_name in (stem, f"{stem}s") or field_name.endswith((f"_{stem}", f"_{stem}s")):
                return kind
    return None


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
