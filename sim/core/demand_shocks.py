"""How the day's demand may differ from the forecast: the data (see :mod:`sim.demand`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["DemandShocks", "Surge"]


@dataclass(frozen=True)
class Surge:
    """An unplanned burst of demand (a marketing mailing): the arrival rate of
    ``contact_types`` (empty: all) is multiplied by ``profile[j]`` during the j-th interval
    of the window starting at ``start`` (seconds from time 0). With ``probability`` < 1 the
    surge happens on a day with that probability; with ``latest_start`` > ``start`` its start
    interval is drawn uniformly among the intervals from the one holding ``start`` to the one
    holding ``latest_start`` (both included; times off a boundary are rounded down). A
    window running past the end of the day is cut there."""

    start: float
    profile: tuple[float, ...]
    contact_types: tuple[str, ...] = ()
    probability: float = 1.0
    latest_start: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "profile", tuple(self.profile))
        object.__setattr__(self, "contact_types", tuple(self.contact_types))
        if not (math.isfinite(self.start) and self.start >= 0):
            raise ValueError(f"surge start must be >= 0 seconds, got {self.start!r}")
        if not self.profile:
            raise ValueError("surge profile must hold at least one multiplier")
        if not all(math.isfinite(m) and m >= 0 for m in self.profile):
            raise ValueError(f"surge profile multipliers must be >= 0, got {self.profile!r}")
        if not 0 <= self.probability <= 1:
            raise ValueError(f"surge probability must be in [0, 1], got {self.probability!r}")
        if self.latest_start is not None and not (
            math.isfinite(self.latest_start) and self.latest_start >= self.start
        ):
            raise ValueError(
                f"surge latest_start must be >= start ({self.start!r}), got {self.latest_start!r}"
            )


@dataclass(frozen=True)
class DemandShocks:
    """How the day's demand differs from the forecast.

    ``day_cv``: forecast error, one day multiplier per replication, gamma with mean 1 and
    this coefficient of variation (common to all contact types). ``interval_cv``: per-interval
    noise, each type's rate in each interval multiplied by its own gamma(mean 1, cv) draw
    (Poisson-gamma). ``surges``: unplanned bursts.
    """

    day_cv: float = 0.0
    interval_cv: float = 0.0
    surges: tuple[Surge, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "surges", tuple(self.surges))
        for name in ("day_cv", "interval_cv"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be >= 0 (0: none), got {value!r}")

    @property
    def any(self) -> bool:
        """Whether the day's demand can differ from the forecast at all."""
        return bool(self.day_cv or self.interval_cv or self.surges)
