"""Reading a scenario's data files (CSV) with errors a planner can act on.

Each function returns clean values or raises :class:`DataFileError` holding every problem
found, each naming the config key, the file, the line and what is allowed. Line numbers
are the file's own: blank lines are skipped but counted.

Three kinds of file:

- an interval table (forecast, staffing): ``interval_start`` (HH:MM) and one value column
  per contact type or agent group (:func:`read_interval_table`);
- a skills table, one row per group and contact type it can serve:
  ``group,contact_type,proficiency,level`` (:func:`read_skills`);
- a column of observed values, e.g. handle times for an empirical distribution
  (:func:`read_values_column`).

Messages never quote a line or the header of a file (a shared folder's file may hold
anything): a cell or column name appears only short and printable (:func:`quoted`).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from sim.units import parse_clock

__all__ = [
    "NAME_CHARS",
    "SHOWN_CHARS",
    "SKILL_COLUMNS",
    "DataFileError",
    "IntervalTable",
    "SkillRow",
    "quoted",
    "quoted_list",
    "read_interval_table",
    "read_skills",
    "read_values_column",
]

#: The longest cell a message quotes; a longer one is named by its length only.
SHOWN_CHARS = 16
#: The same for a column name (names of contact types and groups may be longer).
NAME_CHARS = 32

#: The columns of a skills file, all required.
SKILL_COLUMNS: tuple[str, ...] = ("group", "contact_type", "proficiency", "level")


def quoted(text: str, limit: int = SHOWN_CHARS, empty: str = "(empty)") -> str:
    """A cell for a message: quoted if short (``limit``) and printable, else its length.

    Empty (or blank) reads as ``empty``, quoted. The rest of a file never reaches a message.
    """
    text = str(text).strip()
    if not text:
        return repr(empty)
    if len(text) <= limit and text.isprintable():
        return repr(text)
    return f"(a {len(text)}-character value)"


def quoted_list(names: Sequence[str]) -> str:
    """Column names for a message, each as :func:`quoted` shows it (up to ``NAME_CHARS``)."""
    return f"[{', '.join(quoted(n, NAME_CHARS) for n in names)}]"


class DataFileError(ValueError):
    """One or more problems in a scenario data file."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class IntervalTable:
    """Interval start times (minutes after midnight) and, per value column, one value per
    interval. ``columns`` keeps the file's column order."""

    start_minutes: tuple[int, ...]
    columns: dict[str, tuple[float, ...]]

    @property
    def names(self) -> tuple[str, ...]:
        """The value columns, in file order."""
        return tuple(self.columns)


@dataclass(frozen=True)
class SkillRow:
    """One row of a skills file: ``group`` can serve ``contact_type``.

    ``proficiency`` (> 0) multiplies the contact's handle time; ``level`` (whole, >= 1) is
    the preference, lower served first. ``line`` is the row's line in the file.
    """

    line: int
    group: str
    contact_type: str
    proficiency: float
    level: int


@dataclass(frozen=True)
class _Table:
    """A CSV file's header and its non-blank rows, each with its line number in the file."""

    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]

    def column(self, name: str) -> list[tuple[int, str]]:
        return [(line, row.get(name) or "") for line, row in self.rows]


def _read_csv(path: Path, key: str) -> _Table:
    if not path.is_file():
        _raise([f"{key}: file not found: {path}"])
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle, skipinitialspace=True)
            header = [h.strip() for h in next(reader, [])]
            rows = []
            for cells in reader:
                if len(cells) > len(header):
                    _raise(
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
        _raise([f"{key}: cannot read {path} as CSV: the file is empty (no header row)"])
    problems = []
    if "" in header:
        problems.append(
            f"{key}: {path.name} line 1: column {header.index('') + 1} of the header has no name"
        )
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if repeated:
        problems.append(
            f"{key}: {path.name} line 1: column(s) {quoted_list(repeated)} appear more than once"
        )
    if problems:
        _raise(problems)
    return _Table(header, rows)


def _clock_minutes(text: str) -> int | None:
    """Minutes after midnight of a data file's ``HH:MM`` cell, or None if it is not one."""
    seconds = parse_clock(text)
    return None if seconds is None else int(seconds) // 60


def read_interval_table(
    path: Path, key: str, *, integer: bool, interval_minutes: int
) -> IntervalTable:
    """Read ``interval_start`` (HH:MM) and every other column as non-negative values.

    The table is wide: one value column per contact type (forecast) or agent group
    (staffing), named in the header. Interval starts must follow each other at
    ``interval_minutes``. ``integer`` requires whole numbers (staffing). ``key`` is the
    config key that names the file, used in error messages.
    """
    table = _read_csv(path, key)
    if "interval_start" not in table.columns:
        _raise([f"{key}: {path.name} lacks column 'interval_start'{_header_size(table)}"])
    names = [c for c in table.columns if c != "interval_start"]
    if not names:
        _raise(
            [
                f"{key}: {path.name} has no value columns; it needs interval_start and one "
                "column per contact type or group"
            ]
        )
    if not table.rows:
        _raise([f"{key}: {path.name} has no rows"])
    problems: list[str] = []
    starts: list[int] = []
    values: dict[str, list[float]] = {name: [] for name in names}
    kind = "a whole number >= 0" if integer else "a number >= 0"
    spacing_reported = False
    for line, row in table.rows:
        start_text = row.get("interval_start") or ""
        where = f"{key}: {path.name} line {line}"
        start = _clock_minutes(start_text)
        if start is None:
            problems.append(
                f"{where}: interval_start {quoted(start_text, empty='')} is not a time; allowed: HH:MM"
            )
        elif starts and start - starts[-1] != interval_minutes and not spacing_reported:
            spacing_reported = True  # once: a wrong interval length would flag every row
            problems.append(
                f"{where}: interval_start {quoted(start_text, empty='')} does not follow the previous one by "
                f"{interval_minutes} minutes (the scenario's interval_minutes)"
            )
        starts.append(
            start if start is not None else (starts[-1] + interval_minutes if starts else 0)
        )
        for name in names:
            text = row.get(name) or ""
            value = _number(text)
            if value is None or value < 0 or (integer and value != int(value)):
                problems.append(f"{where}: {name} {quoted(text)} is not allowed; allowed: {kind}")
                value = 0.0
            values[name].append(value)
    if problems:
        _raise(problems)
    return IntervalTable(tuple(starts), {name: tuple(v) for name, v in values.items()})


def read_skills(
    path: Path,
    key: str,
    *,
    groups: Sequence[str] | None = None,
    contact_types: Sequence[str] | None = None,
) -> tuple[SkillRow, ...]:
    """Read a skills file: one row per ``group`` and ``contact_type`` it can serve.

    ``proficiency`` must be a number > 0, ``level`` a whole number >= 1, and each
    (group, contact_type) pair may appear once. If ``groups`` / ``contact_types`` are
    given, every row must name one of them.
    """
    table = _read_csv(path, key)
    missing = [c for c in SKILL_COLUMNS if c not in table.columns]
    if missing:
        _raise([f"{key}: {path.name} lacks column(s) {missing}{_header_size(table)}"])
    if not table.rows:
        _raise([f"{key}: {path.name} has no rows"])
    problems: list[str] = []
    rows: list[SkillRow] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in table.rows:
        where = f"{key}: {path.name} line {line}"
        group, ctype = row.get("group") or "", row.get("contact_type") or ""
        ok = True
        for column, name, known in (
            ("group", group, groups),
            ("contact_type", ctype, contact_types),
        ):
            what = "group" if column == "group" else "contact type"
            if not name:
                problems.append(f"{where}: {column} is empty; allowed: a {what} name")
                ok = False
            elif known is not None and name not in known:
                problems.append(
                    f"{where}: {column} {quoted(name)} is not a {what}; allowed: {list(known)}"
                )
                ok = False
        proficiency = _number(row.get("proficiency") or "")
        if proficiency is None or proficiency <= 0:
            problems.append(
                f"{where}: proficiency {quoted(row.get('proficiency') or '')} is not allowed; "
                "allowed: a number > 0 (it multiplies the handle time: 1 = standard, 1.2 = 20% "
                "slower)"
            )
            ok = False
        level = _number(row.get("level") or "")
        if level is None or level < 1 or level != int(level):
            problems.append(
                f"{where}: level {quoted(row.get('level') or '')} is not allowed; allowed: a "
                "whole number >= 1 (1 is served first)"
            )
            ok = False
        pair = (group, ctype)
        if group and ctype and pair in seen:
            problems.append(
                f"{where}: group {quoted(group)} and contact_type {quoted(ctype)} already appear "
                f"on line {seen[pair]}; allowed: one row per group and contact type"
            )
            ok = False
        seen.setdefault(pair, line)
        if ok and proficiency is not None and level is not None:
            rows.append(SkillRow(line, group, ctype, float(proficiency), int(level)))
    if problems:
        _raise(problems)
    return tuple(rows)


def read_values_column(path: Path, key: str, column: str) -> tuple[float, ...]:
    """Non-negative numbers from one column of a CSV file (e.g. observed handle times)."""
    table = _read_csv(path, key)
    if column not in table.columns:
        _raise([f"{key}: {path.name} lacks column {column!r}{_header_size(table)}"])
    cells = table.column(column)
    values = [_number(text) for _, text in cells]
    bad = [line for (line, _), v in zip(cells, values, strict=True) if v is None or v < 0]
    if bad:
        _raise([f"{key}: {path.name} column {column!r} lines {bad[:10]} are not numbers >= 0"])
    if not values:
        _raise([f"{key}: {path.name} column {column!r} has no values"])
    return tuple(float(v) for v in values if v is not None)


def _header_size(table: _Table) -> str:
    """How many columns the header has, for a 'lacks column' message (never their names:
    the header of a file that is no CSV at all would be its first line)."""
    return f" (its header, line 1, has {len(table.columns)} column(s))"


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _raise(problems: list[str]) -> NoReturn:
    raise DataFileError(problems)
