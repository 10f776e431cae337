"""The one home of clock times and unit conversion.

Inside the model time is seconds (floats) from the start of the simulated day; configs and
reports speak in clock times ("08:30") and minutes. Conversion happens here, at the boundary.
"""

from __future__ import annotations

__all__ = ["HOUR", "MINUTE", "WEEKDAYS", "clock", "clock_exact", "parse_clock"]

MINUTE = 60.0  # seconds
HOUR = 3600.0  # seconds
#: Weekday labels, Monday first (``datetime.date.weekday()`` indexes them): file suffixes
#: such as ``forecast_mon.csv`` and ``scenario.export_weekday`` values.
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Slack so that a time computed in floating point just below a whole minute or second
# (e.g. 10:29:59.9999999) shows as the whole one.
_EPS = 1e-6


def clock(seconds_after_midnight: float) -> str:
    """The wall clock at a time, to the minute it is in: ``HH:MM`` (hours may pass 24)."""
    minutes = int((seconds_after_midnight + _EPS) // 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def clock_exact(seconds_after_midnight: float, next_day_words: bool = False) -> str:
    """The wall clock at a time to the second: ``HH:MM``, or ``HH:MM:SS`` if the seconds are
    not zero. For echoing clock times a person typed. Hours past 24 stay as they are
    (``25:30``) or, with ``next_day_words``, read ``01:30 the next day``."""
    seconds = int((seconds_after_midnight + _EPS) // 1)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    text = f"{h % 24 if next_day_words else h:02d}:{m:02d}" + (f":{s:02d}" if s else "")
    return text + (" the next day" if next_day_words and h >= 24 else "")


def parse_clock(text: object, allow_seconds: bool = False) -> float | None:
    """Seconds after midnight of a clock time ``"HH:MM"`` (or ``"HH:MM:SS"`` when
    ``allow_seconds``); hours may pass 24 for a day that runs past midnight. ``None`` if the
    text is not such a clock time (callers report the error with their config key)."""
    parts = str(text).strip().split(":")
    if not (2 <= len(parts) <= (3 if allow_seconds else 2)):
        return None
    if not all(p.isdigit() for p in parts) or not all(int(p) < 60 for p in parts[1:]):
        return None
    seconds = int(parts[0]) * 3600 + int(parts[1]) * 60
    return float(seconds + (int(parts[2]) if len(parts) == 3 else 0))
