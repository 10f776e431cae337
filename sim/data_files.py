"""Reading a scenario's data files (CSV) with errors a planner can act on.

Each function returns clean values or raises :class:`DataFileError` holding every problem
found, each naming the config key, the file, the row and what is allowed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = ["DataFileError", "IntervalTable", "read_interval_table", "read_values_column"]


class DataFileError(ValueError):
    """One or more problems in a scenario data file."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class IntervalTable:
    """One value per interval, with the interval start times in minutes after midnight."""

    start_minutes: tuple[int, ...]
    values: tuple[float, ...]


def _read_csv(path: Path, key: str) -> pd.DataFrame:
    if not path.is_file():
        raise DataFileError([f"{key}: file not found: {path}"])
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataFileError([f"{key}: cannot read {path} as CSV: {exc}"]) from None


def _clock_minutes(text: str) -> int | None:
    parts = text.strip().split(":")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    hours, minutes = int(parts[0]), int(parts[1])
    return hours * 60 + minutes if minutes < 60 else None


def read_interval_table(
    path: Path, key: str, column: str, *, integer: bool, interval_minutes: int
) -> IntervalTable:
    """Read ``interval_start`` (HH:MM) and a non-negative ``column`` from a CSV file.

    Interval starts must follow each other at ``interval_minutes``. ``key`` is the config
    key that names the file, used in error messages.
    """
    frame = _read_csv(path, key)
    missing = [c for c in ("interval_start", column) if c not in frame.columns]
    if missing:
        return _raise(
            [f"{key}: {path.name} lacks column(s) {missing}; it has {list(frame.columns)}"]
        )
    if frame.empty:
        return _raise([f"{key}: {path.name} has no rows"])
    problems: list[str] = []
    starts: list[int] = []
    values: list[float] = []
    kind = "a whole number >= 0" if integer else "a number >= 0"
    for row, (start_text, value_text) in enumerate(
        zip(frame["interval_start"], frame[column], strict=True), start=2
    ):
        where = f"{key}: {path.name} line {row}"
        start = _clock_minutes(start_text)
        if start is None:
            problems.append(f"{where}: interval_start {start_text!r} is not a time; allowed: HH:MM")
        elif starts and start - starts[-1] != interval_minutes:
            problems.append(
                f"{where}: interval_start {start_text!r} does not follow the previous one by "
                f"{interval_minutes} minutes (the scenario's interval_minutes)"
            )
        starts.append(
            start if start is not None else (starts[-1] + interval_minutes if starts else 0)
        )
        value = _number(value_text)
        if value is None or value < 0 or (integer and value != int(value)):
            shown = value_text if value_text.strip() else "(empty)"
            problems.append(f"{where}: {column} {shown!r} is not allowed; allowed: {kind}")
            value = 0.0
        values.append(value)
    if problems:
        return _raise(problems)
    return IntervalTable(tuple(starts), tuple(values))


def read_values_column(path: Path, key: str, column: str) -> tuple[float, ...]:
    """Non-negative numbers from one column of a CSV file (e.g. observed handle times)."""
    frame = _read_csv(path, key)
    if column not in frame.columns:
        return _raise([f"{key}: {path.name} lacks column {column!r}; it has {list(frame.columns)}"])
    values = [_number(v) for v in frame[column]]
    bad = [row for row, v in enumerate(values, start=2) if v is None or v < 0]
    if bad:
        return _raise(
            [f"{key}: {path.name} column {column!r} lines {bad[:10]} are not numbers >= 0"]
        )
    if not values:
        return _raise([f"{key}: {path.name} column {column!r} has no values"])
    return tuple(float(v) for v in values if v is not None)


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _raise(problems: list[str]):
    raise DataFileError(problems)
