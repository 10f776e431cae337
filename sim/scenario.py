"""The immutable description of one simulated day: what the model needs, nothing more.

Configs speak in the units people use (minutes, hours, calls per hour, "08:30"); a
``Scenario`` speaks in seconds and counts. It is built once, after validation, by
``sim.config`` or directly from Python (see :func:`erlang_scenario`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .distributions import Distribution

__all__ = ["ErlangReference", "Scenario", "ServiceLevel", "erlang_scenario"]


@dataclass(frozen=True)
class ServiceLevel:
    """Service-level settings: answered within ``threshold_seconds`` over offered.

    Contacts that abandon within ``short_abandon_seconds`` (0 = none) count neither as
    offered nor as answered in the service level.
    """

    threshold_seconds: float = 20.0
    target: float = 0.8
    short_abandon_seconds: float = 0.0


@dataclass(frozen=True)
class ErlangReference:
    """The steady queue an erlang scenario represents, for analytic reference values."""

    arrival_rate: float  # contacts per second
    aht_seconds: float
    agents: int
    mean_patience_seconds: float | None


@dataclass(frozen=True)
class Scenario:
    """One day of a single-queue contact center.

    Time 0 is the start of the first interval. ``forecast[k]`` is the expected number of
    contacts arriving in interval ``k``; ``staffing[k]`` the agents logged in during it.
    The first ``warmup_intervals`` intervals are simulated but left out of every KPI.
    """

    name: str
    interval_seconds: float
    forecast: tuple[float, ...]
    staffing: tuple[int, ...]
    handle_time: Distribution
    wrap_up: Distribution | None = None
    patience: Distribution | None = None
    trunks: int | None = None
    warmup_intervals: int = 0
    service_level: ServiceLevel = field(default_factory=ServiceLevel)
    start_clock_seconds: float = 0.0  # wall-clock time of day at time 0, for labels
    description: str = ""
    reference: ErlangReference | None = None

    def __post_init__(self) -> None:
        if len(self.forecast) != len(self.staffing) or not self.forecast:
            raise ValueError("forecast and staffing need the same, non-zero number of intervals")
        if not 0 <= self.warmup_intervals < len(self.forecast):
            raise ValueError("warmup_intervals must leave at least one measured interval")
        if self.interval_seconds <= 0:
            raise ValueError("interval_seconds must be positive")

    @property
    def intervals(self) -> int:
        """Number of intervals in the day."""
        return len(self.forecast)

    @property
    def horizon_seconds(self) -> float:
        """End of the simulated day, in seconds from time 0."""
        return self.intervals * self.interval_seconds

    @property
    def warmup_seconds(self) -> float:
        """End of the warm-up, in seconds from time 0."""
        return self.warmup_intervals * self.interval_seconds

    def interval_label(self, k: int) -> str:
        """Wall-clock start of interval ``k`` as HH:MM (hours may pass 24)."""
        minutes = int(round((self.start_clock_seconds + k * self.interval_seconds) / 60))
        return f"{minutes // 60:02d}:{minutes % 60:02d}"


def erlang_scenario(
    calls_per_hour: float,
    aht_seconds: float,
    agents: int,
    patience_seconds: float | None = None,
    hours: float = 8.0,
    warmup_hours: float = 1.0,
    *,
    interval_minutes: float = 15.0,
    trunks: int | None = None,
    service_level: ServiceLevel | None = None,
) -> Scenario:
    """A steady single queue with exponential handle times (and patience, if given).

    Erlang C applies without patience, Erlang A with it, and Erlang B with
    ``trunks == agents``. ``hours`` are measured after ``warmup_hours`` of warm-up; both
    must be whole numbers of intervals.
    """
    interval = interval_minutes * 60.0
    n_measured = hours * 3600.0 / interval
    n_warmup = warmup_hours * 3600.0 / interval
    for label, n in (("hours", n_measured), ("warmup_hours", n_warmup)):
        if not math.isclose(n, round(n)) or n < 0:
            raise ValueError(
                f"{label} must be a whole number of {interval_minutes:g}-minute intervals"
            )
    n_total = int(round(n_measured)) + int(round(n_warmup))
    per_interval = calls_per_hour * interval / 3600.0
    return Scenario(
        name="erlang",
        interval_seconds=interval,
        forecast=(per_interval,) * n_total,
        staffing=(int(agents),) * n_total,
        handle_time=Distribution.exponential(aht_seconds),
        patience=None if patience_seconds is None else Distribution.exponential(patience_seconds),
        trunks=trunks,
        warmup_intervals=int(round(n_warmup)),
        service_level=service_level or ServiceLevel(),
        description=(
            f"Steady M/M/{agents}{'' if patience_seconds is None else '+M'} queue: "
            f"{calls_per_hour:g} calls/h, AHT {aht_seconds:g} s"
            + ("" if patience_seconds is None else f", mean patience {patience_seconds:g} s")
        ),
        reference=ErlangReference(
            calls_per_hour / 3600.0, aht_seconds, int(agents), patience_seconds
        ),
    )
