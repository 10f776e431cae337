"""The terms of a hiring plan (``mode=plan``: the staffing variants and how a simulated day
is turned into a year, FTE and money) and of the staffing solver (``mode=staff``). Plain
data; :mod:`sim.experiment.hiring_plan` and :mod:`sim.experiment.staffing_solver` use it."""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "REFERENCE_SCALE",
    "PlanTerms",
    "StaffingTerms",
    "StaffingVariant",
    "scaled_staffing",
]

#: The scale of the reference plan (the staffing as given) every variant is paired against.
REFERENCE_SCALE = 1.0


@dataclass(frozen=True)
class StaffingVariant:
    """A staffing plan given as a table: ``name`` (the file's stem) and, per count-staffed
    group, its agents per interval (every interval of the day)."""

    name: str
    staffing: tuple[tuple[str, tuple[float, ...]], ...]

    def agents(self, group: str) -> tuple[float, ...]:
        """The agents of ``group`` per interval."""
        return dict(self.staffing)[group]


@dataclass(frozen=True)
class PlanTerms:
    """What ``mode=plan`` compares and how it annualises.

    ``scales``: staffing multipliers, one variant each, ``1.0`` (the plan as given, the
    reference) among them. ``days_per_year``: open days a year. ``paid_hours_per_fte``:
    paid hours of one full-time equivalent a year. ``shrinkage``: share of paid hours not
    logged in (holidays, sickness, training, meetings). ``hiring_cost_per_fte``: the cost of
    hiring and training one agent; ``attrition_rate``: the share of FTE replaced each year.
    ``variants``: staffing plans given as tables, each a variant besides the scales.
    """

    scales: tuple[float, ...] = (0.9, 0.95, 1.0, 1.05, 1.1)
    days_per_year: float = 250.0
    paid_hours_per_fte: float = 1650.0
    shrinkage: float = 0.3
    hiring_cost_per_fte: float = 5000.0
    attrition_rate: float = 0.25
    variants: tuple[StaffingVariant, ...] = ()


@dataclass(frozen=True)
class StaffingTerms:
    """What ``mode=staff`` solves for.

    ``confidence``: ``None``: an interval meets a contact type's target when the mean over
    replications of its service level does; a share p in (0, 1): when the type meets its
    target in that interval on at least a share p of the replications (days).
    ``replications``: simulated days per candidate staffing (the same days for every
    candidate: common random numbers). ``shrinkage``: share of paid time not on the phone
    that the simulation does not model (holidays, training, meetings): the required agents
    are grossed up by it (net / (1 - shrinkage), rounded up) for the roster. ``occupancy_cap``:
    no group's mean occupancy in an interval may exceed it (``None``: no cap).
    ``verify_replications``: days of the verification run on a fresh seed.
    """

    confidence: float | None = None
    replications: int = 20
    shrinkage: float = 0.0
    occupancy_cap: float | None = None
    verify_replications: int = 20


def scaled_staffing(staffing: tuple[float, ...], scale: float) -> tuple[int, ...]:
    """A staffing table times ``scale``, each interval rounded half up to whole agents
    (``floor(n x scale + 0.5)``): the rule of ``plan.scales`` variants and of a week's
    ``staffing_scale``."""
    return tuple(int(math.floor(n * scale + 0.5)) for n in staffing)
