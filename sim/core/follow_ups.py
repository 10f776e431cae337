"""What happens after an agent has talked to a contact: resolved, called again, or escalated.

Per contact type (``ContactType.resolution``, ``ContactType.escalation``), all off by
default (every answered contact resolves its customer's problem):

* **Resolution and repeats.** An answered contact that is not escalated resolves the problem
  with ``probability`` (or the answering group's own, ``by_group``). An unresolved one calls
  again, as a repeat of the same type, ``repeat_delay`` after its talk ends; a customer
  calls a type again at most ``max_repeats`` times in a row (a repeat that is not resolved
  either calls again while repeats are left).
* **Escalation.** A ``share`` of the answered contacts is handed, at the end of the talk,
  to the type ``to`` (served by another group, usually: tier 2); after
  ``transfer_seconds`` the customer waits in that queue (and may abandon, with the tier-2
  type's patience). ``mode`` ``cold``: the first agent goes on to its wrap-up at once;
  ``warm``: it stays on the line, busy, until tier 2 answers or the customer hangs up, then
  wraps up. An escalated contact is not resolved: its problem goes on at tier 2, whose
  contact has its own resolution and may escalate further (escalations never circle).

* **Empowerment** (``Scenario.empowerment``, with ``ContactType.problem_value``): each
  contact of a type with a ``problem_value`` brings a problem worth a drawn amount of
  money. At the end of the talk, in this order: escalated by its ``escalation.share`` draw
  (a reason money cannot fix; unchanged by authority); else escalated to ``escalation.to``
  if its value is above the agent's ``authority``; else resolved by the first agent, who
  pays ``concession_share`` of the value as a concession and talks
  ``extra_handle_seconds`` longer. Such a type's ``resolution.probability`` must be 1: a
  problem within authority is resolved by the concession. Types without ``problem_value``
  are unchanged.

Each contact's decisions (a uniform for "resolved?", whether it is escalated, the delay
before its follow-up) and its follow-up's own draws are made up front, before the day is
simulated (:mod:`sim.model.draws`), so that policies are compared on the same customers.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from sim.core.distributions import Distribution

__all__ = [
    "ESCALATION_MODES",
    "Empowerment",
    "Escalation",
    "Resolution",
    "escalation_cycle",
    "follow_up_bound",
]

#: ``cold``: the first agent hands the customer on and wraps up; ``warm``: it stays on the
#: line until tier 2 answers or the customer hangs up.
ESCALATION_MODES: tuple[str, ...] = ("cold", "warm")


@dataclass(frozen=True)
class Resolution:
    """First-contact resolution of a contact type, and repeats of unresolved contacts.

    ``probability``: chance that an answered, not escalated contact resolves the problem;
    ``by_group``: ``(group, probability)`` pairs overriding it for the contacts a group
    answers; ``repeat_delay``: seconds from the end of an unresolved contact's talk to its
    repeat; ``max_repeats``: how many times in a row a customer calls this type again.
    """

    probability: float = 1.0
    by_group: tuple[tuple[str, float], ...] = ()
    repeat_delay: Distribution | None = None
    max_repeats: int = 1

    def __post_init__(self) -> None:
        for label, p in (("probability", self.probability), *self.by_group):
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"resolution: {label} must be a probability in [0, 1], got {p!r}")
        if self.max_repeats < 0:
            raise ValueError("resolution: max_repeats must be >= 0")
        if self.repeats and self.repeat_delay is None:
            raise ValueError("resolution: repeats (a probability < 1) need repeat_delay")

    def for_group(self, group: str) -> float:
        """The probability that a contact ``group`` answers is resolved."""
        return dict(self.by_group).get(group, self.probability)

    @property
    def always(self) -> bool:
        """Whether every answered contact is resolved, whoever answers it."""
        return self.probability == 1.0 and all(p == 1.0 for _, p in self.by_group)

    @property
    def repeats(self) -> bool:
        """Whether an unresolved contact may call again."""
        return not self.always and self.max_repeats > 0


@dataclass(frozen=True)
class Escalation:
    """A ``share`` of a type's answered contacts handed to type ``to`` at the end of the talk.

    ``transfer_seconds``: from the end of the talk until the customer joins ``to``'s queue;
    ``mode``: one of :data:`ESCALATION_MODES`.
    """

    to: str
    share: float
    transfer_seconds: float = 0.0
    mode: str = "cold"

    def __post_init__(self) -> None:
        if not 0.0 <= self.share <= 1.0:
            raise ValueError(f"escalation: share must be in [0, 1], got {self.share!r}")
        if not (self.transfer_seconds >= 0 and math.isfinite(self.transfer_seconds)):
            raise ValueError("escalation: transfer_seconds must be a number >= 0")
        if self.mode not in ESCALATION_MODES:
            raise ValueError(f"escalation: mode must be one of {ESCALATION_MODES}")

    @property
    def warm(self) -> bool:
        """Whether the first agent stays on the line until tier 2 answers."""
        return self.mode == "warm"


@dataclass(frozen=True)
class Empowerment:
    """How much money a first-line agent may spend to resolve a problem without escalating.

    ``authority``: the largest problem value (money) an agent resolves itself, >= 0;
    ``concession_share``: the share of a resolved problem's value paid as a concession, in
    [0, 1]; ``extra_handle_seconds``: talk seconds added to a contact resolved with a
    concession (before the group's proficiency and the interval scale), >= 0. Used only by
    the contact types with a ``problem_value``.
    """

    authority: float = 0.0
    concession_share: float = 0.0
    extra_handle_seconds: float = 0.0

    def __post_init__(self) -> None:
        if not (self.authority >= 0 and math.isfinite(self.authority)):
            raise ValueError(
                f"empowerment: authority must be a number >= 0, got {self.authority!r}"
            )
        if not 0.0 <= self.concession_share <= 1.0:
            raise ValueError(
                f"empowerment: concession_share must be in [0, 1], got {self.concession_share!r}"
            )
        if not (self.extra_handle_seconds >= 0 and math.isfinite(self.extra_handle_seconds)):
            raise ValueError("empowerment: extra_handle_seconds must be a number >= 0")


def escalation_cycle(targets: Mapping[str, str]) -> list[str] | None:
    """A cycle of escalations (``[a, b, a]``) in ``targets`` (type -> type it escalates to),
    or ``None``; targets that are not keys end a path."""
    for start in targets:
        path = [start]
        while path[-1] in targets:
            nxt = targets[path[-1]]
            if nxt in path:
                return [*path[path.index(nxt) :], nxt]
            path.append(nxt)
    return None


def follow_up_bound(
    name: str,
    resolution: Mapping[str, Resolution],
    escalation: Mapping[str, Escalation | None],
    valued: Collection[str] = (),
) -> int:
    """The most follow-up contacts (repeats and escalations) one contact of type ``name`` can
    lead to: its repeats, then an escalation and what that leads to (escalations must not
    circle). ``valued``: the types with a ``problem_value`` (escalated above authority,
    whatever their ``share``)."""
    total = 0
    seen: Sequence[str] = ()
    while True:
        res = resolution[name]
        total += res.max_repeats if res.repeats else 0
        esc = escalation[name]
        if esc is None or (esc.share <= 0 and name not in valued) or esc.to in seen:
            return total
        seen = (*seen, name)
        total += 1
        name = esc.to
