"""Reading a scenario's data files (CSV) with errors a planner can act on.

Each function returns clean values or raises :class:`DataFileError` holding every problem
found, each naming the config key, the file, the row and what is allowed.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

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


@dataclass(frozen=True)
class _Table:
    """A CSV file's header and its non-blank rows, each with its line number in the file."""

    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]

    def column(self, name: str) -> list[tuple[int, str]]:
        return [(line, row.get(name) or "") for line, row in self.rows]


def _read_csv(path: Path, key: str) -> _Table:
    if not path.is_file():
        raise DataFileError([f"{key}: file not found: {path}"])
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle, skipinitialspace=True)
            header = [h.strip() for h in next(reader, [])]
            rows = []
            for cells in reader:
                if len(cells) > len(header):
                    raise DataFileError(
                        [
                            f"{key}: cannot read {path} as CSV: line {reader.line_num} has "
                            f"{len(cells)} fields but the header has {len(header)}"
                        ]
                    )
                if any(c.strip() for c in cells):
                    rows.append(
                        (
                            reader.line_num,
                            dict(zip(header, (c.strip() for c in cells), strict=False)),
                        )
                    )
    except (csv.Error, UnicodeDecodeError) as exc:
        raise DataFileError([f"{key}: cannot read {path} as CSV: {exc}"]) from None
    if not any(header):
        raise DataFileError(
            [f"{key}: cannot read {path} as CSV: the file is empty (no header row)"]
        )
    return _Table(header, rows)


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
    table = _read_csv(path, key)
    missing = [c for c in ("interval_start", column) if c not in table.columns]
    if missing:
        return _raise([f"{key}: {path.name} lacks column(s) {missing}; it has {table.columns}"])
    if not table.rows:
        return _raise([f"{key}: {path.name} has no rows"])
    problems: list[str] = []
    starts: list[int] = []
    values: list[float] = []
    kind = "a whole number >= 0" if integer else "a number >= 0"
    spacing_reported = False
    for line, row in table.rows:
        start_text, value_text = row.get("interval_start") or "", row.get(column) or ""
        where = f"{key}: {path.name} line {line}"
        start = _clock_minutes(start_text)
        if start is None:
            problems.append(f"{where}: interval_start {start_text!r} is not a time; allowed: HH:MM")
        elif starts and start - starts[-1] != interval_minutes and not spacing_reported:
            spacing_reported = True  # once: a wrong interval length would flag every row
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
    table = _read_csv(path, key)
    if column not in table.columns:
        return _raise([f"{key}: {path.name} lacks column {column!r}; it has {table.columns}"])
    cells = table.column(column)
    values = [_number(text) for _, text in cells]
    bad = [line for (line, _), v in zip(cells, values, strict=True) if v is None or v < 0]
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
