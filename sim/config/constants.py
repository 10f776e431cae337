"""Small shared pieces of the day-scenario checks."""

from __future__ import annotations

__all__ = ["ALLOWED_INTERVAL_MINUTES", "clock"]

#: Interval lengths a day scenario may use, in minutes.
ALLOWED_INTERVAL_MINUTES = (15, 30, 60)


def clock(minutes: int) -> str:
    """Minutes after midnight as HH:MM (hours may pass 24)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
