"""A contact log: one record per contact of real (or simulated) days, as flat arrays.

The input of calibration (``mode=calibrate``): :mod:`sim.config.contact_log` reads it from
a CSV file and checks it, :mod:`sim.calibration` estimates a scenario's laws from it. Plain
data: every duration in seconds, days as proleptic Gregorian ordinals
(:meth:`datetime.date.toordinal`), arrival times in seconds after that day's midnight.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

__all__ = ["ABANDONED", "ANSWERED", "BLOCKED", "MIN_FIT_VALUES", "OUTCOMES", "ContactLog"]

#: What became of a contact, in the order of the ``outcome`` codes.
OUTCOMES: tuple[str, ...] = ("answered", "abandoned", "blocked")
ANSWERED = 0
ABANDONED = 1
BLOCKED = 2
#: Fewest positive durations (talk times of a contact type, wrap-ups) a law is fitted to.
MIN_FIT_VALUES = 10


@dataclass(frozen=True, eq=False)
class ContactLog:
    """Contacts in arrival order.

    ``types``: the contact type names (read from a file: in alphabetical order); ``contact_type``
    indexes them. ``day``: the arrival's date as an ordinal; ``arrival``: seconds after that
    day's midnight. ``outcome``: an index of :data:`OUTCOMES`. ``wait``: seconds in the
    queue (until answered, or until the caller hung up; NaN for a blocked contact).
    ``talk`` and ``wrap``: seconds of talk and after-contact work of an answered contact
    (NaN otherwise; ``wrap`` NaN also where the log did not record it).
    """

    types: tuple[str, ...]
    contact_type: np.ndarray
    day: np.ndarray
    arrival: np.ndarray
    outcome: np.ndarray
    wait: np.ndarray
    talk: np.ndarray
    wrap: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.contact_type)
        arrays = (self.day, self.arrival, self.outcome, self.wait, self.talk, self.wrap)
        if any(len(a) != n for a in arrays):
            raise ValueError("every array of a contact log needs one value per contact")
        if n and not (0 <= self.contact_type.min() and self.contact_type.max() < len(self.types)):
            raise ValueError("contact_type must index types")
        if n and not np.isin(self.outcome, (ANSWERED, ABANDONED, BLOCKED)).all():
            raise ValueError(f"outcome must index {OUTCOMES}")

    def __len__(self) -> int:
        return len(self.contact_type)

    @property
    def answered(self) -> np.ndarray:
        """Mask of the answered contacts."""
        return self.outcome == ANSWERED

    @property
    def abandoned(self) -> np.ndarray:
        """Mask of the contacts that hung up while waiting."""
        return self.outcome == ABANDONED

    @property
    def blocked(self) -> np.ndarray:
        """Mask of the contacts that found every line busy (never queued)."""
        return self.outcome == BLOCKED

    @property
    def days(self) -> tuple[int, ...]:
        """The distinct days logged (ordinals), in order."""
        return tuple(int(d) for d in np.unique(self.day))

    def weekday_of(self, day: int) -> int:
        """Monday 0 to Sunday 6, of a day ordinal."""
        return dt.date.fromordinal(day).weekday()

    def of_type(self, k: int) -> ContactLog:
        """The contacts of type index ``k`` (types unchanged)."""
        return self.select(self.contact_type == k)

    def select(self, mask: np.ndarray) -> ContactLog:
        """The contacts where ``mask`` is true, in the same order."""
        return ContactLog(
            self.types,
            self.contact_type[mask],
            self.day[mask],
            self.arrival[mask],
            self.outcome[mask],
            self.wait[mask],
            self.talk[mask],
            self.wrap[mask],
        )
