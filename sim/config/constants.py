"""Small shared pieces of the day-scenario checks."""

from __future__ import annotations

__all__ = ["ALLOWED_INTERVAL_MINUTES"]

#: Interval lengths a day scenario may use, in minutes.
ALLOWED_INTERVAL_MINUTES = (15, 30, 60)
