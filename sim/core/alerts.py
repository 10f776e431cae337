"""The thresholds of the alerts a run reports (``alerts.*``, ``configs/alerts.yaml``).

Plain data; :mod:`sim.report.alerts` turns a run's tables into the alerts.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AlertThresholds"]


@dataclass(frozen=True)
class AlertThresholds:
    """When an alert is raised, and for whom.

    Analyst (per interval, live contact types): ``intervals_below_target`` intervals running
    with the service level below the type's target; a mean ``queue_length`` above
    ``queue_length``; a ``longest_wait_seconds`` above ``longest_wait_seconds``.
    Supervisor (per group, the day): ``adherence`` below ``adherence_floor``; ``occupancy``
    above ``occupancy_ceiling``. Executive (the day): a chance of missing the service-level
    target above ``missed_target_chance``; a contact type's day's demand off its forecast
    (offered / forecast - 1) by more than ``forecast_error_band`` either way.
    """

    intervals_below_target: int = 2
    queue_length: float = 10.0
    longest_wait_seconds: float = 300.0
    adherence_floor: float = 0.9
    occupancy_ceiling: float = 0.9
    missed_target_chance: float = 0.2
    forecast_error_band: float = 0.15
