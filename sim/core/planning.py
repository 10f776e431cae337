"""The terms of a hiring plan (``mode=plan``): the staffing variants and how a simulated day
is turned into a year, FTE and money. Plain data; :mod:`sim.experiment.hiring_plan` uses it."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["REFERENCE_SCALE", "PlanTerms"]

#: The scale of the reference plan (the staffing as given) every variant is paired against.
REFERENCE_SCALE = 1.0


@dataclass(frozen=True)
class PlanTerms:
    """What ``mode=plan`` compares and how it annualises.

    ``scales``: staffing multipliers, one variant each, ``1.0`` (the plan as given, the
    reference) among them. ``days_per_year``: open days a year. ``paid_hours_per_fte``:
    paid hours of one full-time equivalent a year. ``shrinkage``: share of paid hours not
    logged in (holidays, sickness, training, meetings). ``hiring_cost_per_fte``: the cost of
    hiring and training one agent; ``attrition_rate``: the share of FTE replaced each year.
    """

    scales: tuple[float, ...] = (0.9, 0.95, 1.0, 1.05, 1.1)
    days_per_year: float = 250.0
    paid_hours_per_fte: float = 1650.0
    shrinkage: float = 0.3
    hiring_cost_per_fte: float = 5000.0
    attrition_rate: float = 0.25
