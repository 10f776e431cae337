"""A WFM/ACD interval export: reading and checking it, and the forecast and handle times it gives.

``scenario.export_file`` names a CSV in the scenario's data folder in the long form that
workforce-management and ACD systems export: one row per queue and interval, with these
columns (in any order; others are ignored; blank lines are skipped but counted in line
numbers):

- ``date``: ``YYYY-MM-DD``;
- ``interval_start``: ``HH:MM`` (00:00 to 23:59) on that date, a whole multiple of the
  scenario's ``interval_minutes`` after midnight;
- ``queue``: a contact type of the scenario;
- ``offered``: contacts offered in the interval (a number >= 0);
- ``aht_seconds``: their average talk time (handle time before wrap-up), seconds >= 0;
- ``acw_seconds``: their average after-contact work (wrap-up), seconds >= 0;
- ``answered`` (optional): contacts handled, a number >= 0; when the column is there, it
  weights the averages below (an average handle time is over the contacts handled), else
  ``offered`` does.

Each (date, interval_start, queue) appears at most once; a missing row means nothing was
offered. The dates used: every date when they are all the same weekday; else
``scenario.export_weekday`` chooses one weekday (``mon`` ... ``sun``) or ``all`` of them.
From those dates (:func:`read_wfm_export`):

- the day: from the earliest ``interval_start`` to the latest, every ``interval_minutes``;
- the forecast: per queue and interval, the offered contacts summed over the dates and
  divided by the number of dates (the mean day);
- per queue, the day's average talk time: the weighted mean of ``aht_seconds`` over every
  row of the queue (weights: ``answered``, else ``offered``); per interval, the weighted
  mean over the dates, and its scale: that interval's average over the day's (1 where no
  contact was handled in the interval on any date). The same for ``acw_seconds``.

The file is data from outside: it is read as text only, refused unread above
:data:`MAX_EXPORT_BYTES` (unless ``run.allow_large``) or if it is not a regular file;
numbers above :data:`~sim.config.limits.HARD_MAX` are refused; messages quote a cell only
when it is short and printable, never a line. Every problem is reported with the file and
line (the first :data:`~sim.config.contact_log.SHOWN_PROBLEMS`, then how many more).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from sim.config.contact_log import LineProblems, check_input_file
from sim.config.data_files import DataFileError, IntervalTable, quoted, quoted_list
from sim.config.limits import HARD_MAX
from sim.units import WEEKDAYS, clock

__all__ = [
    "ALL_WEEKDAYS",
    "EXPORT_COLUMNS",
    "MAX_EXPORT_BYTES",
    "WEIGHT_COLUMN",
    "QueueHandling",
    "WfmExport",
    "read_wfm_export",
]

#: The columns an export must have.
EXPORT_COLUMNS: tuple[str, ...] = (
    "date",
    "interval_start",
    "queue",
    "offered",
    "aht_seconds",
    "acw_seconds",
)
#: The optional column that, when present, weights the average handle times.
WEIGHT_COLUMN = "answered"
#: ``scenario.export_weekday`` value that takes every date whatever its weekday.
ALL_WEEKDAYS = "all"
#: An export larger than this is refused unread (``run.allow_large=true`` lifts it): a
#: year of 15-minute intervals of about 15 queues.
MAX_EXPORT_BYTES = 50_000_000

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_CLOCK = re.compile(r"\d{1,2}:\d{2}", re.ASCII)
_NUMBERS = ("offered", "aht_seconds", "acw_seconds")


@dataclass(frozen=True)
class QueueHandling:
    """One queue's handle times from an export.

    ``aht_seconds``: the day's weighted average talk time; ``aht_scale[k]``: interval
    ``k``'s average over it. ``acw_seconds`` and ``acw_scale`` the same for wrap-up
    (``acw_scale`` is ``None`` when the export has no wrap-up for the queue: 0 throughout).
    """

    aht_seconds: float
    aht_scale: tuple[float, ...]
    acw_seconds: float
    acw_scale: tuple[float, ...] | None


@dataclass(frozen=True)
class WfmExport:
    """What an export gives a scenario: the forecast of the mean day (one column per queue,
    in the order asked for), each queue's handle times, and the dates used (``YYYY-MM-DD``)."""

    forecast: IntervalTable
    handling: dict[str, QueueHandling]
    dates: tuple[str, ...]


@dataclass
class _Sums:
    """Per (weekday, queue, interval start): offered, weight, weight x aht, weight x acw."""

    offered: float = 0.0
    weight: float = 0.0
    talk: float = 0.0
    wrap: float = 0.0


def read_wfm_export(
    path: Path,
    key: str,
    *,
    queues: Sequence[str],
    interval_minutes: int,
    weekday: str | None = None,
    optional: Collection[str] = (),
    shown: str | None = None,
    max_bytes: int | None = MAX_EXPORT_BYTES,
) -> WfmExport:
    """Read and check the export at ``path``; the forecast and handle times of ``queues``.

    ``queues``: the scenario's contact types (every row names one, and each needs rows but
    those of ``optional``: a queue of these without rows gets no forecast column and no
    handle times, e.g. a type reached only by escalation); ``interval_minutes``: the
    scenario's interval; ``weekday``: ``None``, a :data:`~sim.units.WEEKDAYS` label or
    :data:`ALL_WEEKDAYS` (see the module). ``key`` names the config key in messages and
    ``shown`` the file (default: ``path``); ``max_bytes`` (``None``: no limit) refuses a
    larger file unread. Raises :class:`~sim.config.data_files.DataFileError` with every
    problem found.
    """
    shown = str(path) if shown is None else shown
    check_input_file(path, key, shown, max_bytes)
    p = LineProblems(key, shown)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            sums, dates, weighted = _read(csv.reader(handle), p, list(queues), interval_minutes)
    except (csv.Error, UnicodeDecodeError) as exc:
        raise DataFileError([f"{key}: cannot read {shown} as CSV: {exc}"]) from None
    basis = WEIGHT_COLUMN if weighted else "offered"
    where = f"{key}: {shown}"
    return _export(sums, dates, where, list(queues), interval_minutes, weekday, basis, optional)


def _read(
    reader, p: LineProblems, queues: list[str], interval_minutes: int
) -> tuple[dict[tuple[int, int, int], _Sums], dict[int, set[int]], bool]:
    """Check every row; the sums by (weekday, queue index, minutes), the dates (ordinals)
    by weekday, and whether the file has the weight column."""
    header = [h.strip() for h in next(reader, [])]
    if not any(header):
        p.add(1, "the file is empty (no header row)")
        p.raise_if_any()
    missing = [c for c in EXPORT_COLUMNS if c not in header]
    repeated = sorted({c for c in (*EXPORT_COLUMNS, WEIGHT_COLUMN) if header.count(c) > 1})
    if missing:
        p.add(1, f"lacks column(s) {missing} (the header has {len(header)} column(s))")
    if repeated:
        p.add(1, f"column(s) {repeated} appear more than once")
    p.raise_if_any()
    at = {c: header.index(c) for c in (*EXPORT_COLUMNS, WEIGHT_COLUMN) if c in header}
    weighted = WEIGHT_COLUMN in at
    width = len(header)
    index = {name: q for q, name in enumerate(queues)}
    unknown: set[str] = set()
    seen: dict[int, int] = {}  # (date, minutes, queue) as one number -> line
    sums: dict[tuple[int, int, int], _Sums] = {}
    dates: dict[int, set[int]] = {}
    rows = 0
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        rows += 1
        if len(cells) > width:
            p.add(line, f"{len(cells)} fields but the header has {width}")
            continue
        row = [c.strip() for c in cells] + [""] * (width - len(cells))
        day = _date(p, line, row[at["date"]])
        minutes = _minutes(p, line, row[at["interval_start"]], interval_minutes)
        name = row[at["queue"]]
        q = index.get(name)
        if q is None and name not in unknown:
            unknown.add(name)  # reported once, on its first line
            p.add(
                line,
                f"queue {quoted(name)} is not a contact type of the scenario; allowed: "
                f"{quoted_list(queues)} (the keys of scenario.contact_types)",
            )
        values = [_value(p, line, column, row[at[column]]) for column in _NUMBERS]
        weight = _value(p, line, WEIGHT_COLUMN, row[at[WEIGHT_COLUMN]]) if weighted else values[0]
        if day is None or minutes is None or q is None or None in values or weight is None:
            continue
        cell = (day * 1440 + minutes) * len(queues) + q  # a small key: exports are long
        if cell in seen:
            p.add(
                line,
                f"date {row[at['date']]}, interval_start {clock(minutes * 60.0)} and queue "
                f"{quoted(name)} already appear on line {seen[cell]}; allowed: one row per "
                "date, interval and queue",
            )
            continue
        seen[cell] = line
        weekday = dt.date.fromordinal(day).weekday()
        dates.setdefault(weekday, set()).add(day)
        offered, talk, wrap = (float(v) for v in values)  # type: ignore[arg-type]
        s = sums.setdefault((weekday, q, minutes), _Sums())
        s.offered += offered
        s.weight += weight
        s.talk += weight * talk
        s.wrap += weight * wrap
    if rows == 0 and not p.lines:
        p.add(reader.line_num, "no rows: the export has a header and nothing else")
    p.raise_if_any()
    return sums, dates, weighted


def _date(p: LineProblems, line: int, text: str) -> int | None:
    """The ordinal of a ``date`` cell, or a problem."""
    if _DATE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text).toordinal()
        except ValueError:
            pass
    p.add(line, f"date {quoted(text)} is not a date; allowed: YYYY-MM-DD")
    return None


def _minutes(p: LineProblems, line: int, text: str, interval_minutes: int) -> int | None:
    """Minutes after midnight of an ``interval_start`` cell on the scenario's interval grid,
    or a problem."""
    minutes = None
    if _CLOCK.fullmatch(text):
        h, m = (int(part) for part in text.split(":"))
        minutes = h * 60 + m if h < 24 and m < 60 else None
    if minutes is None:
        p.add(line, f"interval_start {quoted(text)} is not a time; allowed: HH:MM, 00:00 to 23:59")
        return None
    if minutes % interval_minutes:
        p.add(
            line,
            f"interval_start {text} does not start a {interval_minutes}-minute interval "
            f"(scenario.interval_minutes); allowed: a multiple of {interval_minutes} minutes "
            "after midnight",
        )
        return None
    return minutes


def _value(p: LineProblems, line: int, column: str, text: str) -> float | None:
    """A number cell (>= 0, at most HARD_MAX), or a problem."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 <= value <= HARD_MAX):
        what = "is negative" if value < 0 else "is not allowed"
        shown = f"{column} is empty" if not text else f"{column} {quoted(text)} {what}"
        p.add(line, f"{shown}; allowed: a number >= 0")
        return None
    return value


def _export(
    sums: dict[tuple[int, int, int], _Sums],
    dates: dict[int, set[int]],
    where: str,
    queues: list[str],
    interval_minutes: int,
    weekday: str | None,
    basis: str,
    optional: Collection[str],
) -> WfmExport:
    """The mean day of the chosen dates (see the module)."""
    present = sorted(dates)
    found = ", ".join(f"{WEEKDAYS[w]} ({len(dates[w])} date(s))" for w in present)
    if weekday is None and len(present) > 1:
        raise DataFileError(
            [
                f"{where}: dates of several weekdays: {found}; set scenario.export_weekday to "
                f"one of {list(WEEKDAYS)} (the mean day of that weekday's dates) or "
                f"{ALL_WEEKDAYS!r} (the mean over every date)"
            ]
        )
    chosen = present if weekday in (None, ALL_WEEKDAYS) else [WEEKDAYS.index(str(weekday))]
    if not set(chosen) & set(present):
        raise DataFileError(
            [f"{where}: no date is a {weekday} (scenario.export_weekday); the file has {found}"]
        )
    used = sorted(d for w in chosen for d in dates.get(w, ()))
    mine = {k: s for k, s in sums.items() if k[0] in chosen}
    starts = sorted({minutes for _, _, minutes in mine})
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    if gaps and min(gaps) != interval_minutes:
        raise DataFileError(
            [
                f"{where}: interval starts are at least {min(gaps)} minutes apart, but "
                f"scenario.interval_minutes is {interval_minutes}; allowed: the scenario's "
                "interval length (set scenario.interval_minutes to the export's)"
            ]
        )
    first = starts[0]
    n = (starts[-1] - first) // interval_minutes + 1
    problems = []
    columns: dict[str, tuple[float, ...]] = {}
    handling: dict[str, QueueHandling] = {}
    for q, name in enumerate(queues):
        cells = [_Sums() for _ in range(n)]
        for (_, qq, minutes), s in mine.items():
            if qq == q:
                c = cells[(minutes - first) // interval_minutes]
                c.offered += s.offered
                c.weight += s.weight
                c.talk += s.talk
                c.wrap += s.wrap
        weight = math.fsum(c.weight for c in cells)
        talk = math.fsum(c.talk for c in cells)
        wrap = math.fsum(c.wrap for c in cells)
        if not any(qq == q for _, qq, _ in mine):
            if name in optional:
                continue
            problems.append(
                f"{where}: no rows for queue {name!r} on the dates used; every contact type "
                "of the scenario needs its rows"
            )
            continue
        if not (weight > 0 and talk > 0):
            problems.append(
                f"{where}: queue {name!r} has no positive aht_seconds with {basis} > 0 on the "
                "dates used; its handle time cannot be taken from the export"
            )
            continue
        columns[name] = tuple(c.offered / len(used) for c in cells)
        aht, acw = talk / weight, wrap / weight
        handling[name] = QueueHandling(
            aht,
            tuple(_scale(c.talk, c.weight, aht) for c in cells),
            acw,
            tuple(_scale(c.wrap, c.weight, acw) for c in cells) if acw > 0 else None,
        )
    if problems:
        raise DataFileError(problems)
    return WfmExport(
        IntervalTable(tuple(first + k * interval_minutes for k in range(n)), columns),
        handling,
        tuple(dt.date.fromordinal(d).isoformat() for d in used),
    )


def _scale(total: float, weight: float, mean: float) -> float:
    """An interval's weighted average over the day's ``mean`` (1 with no weight)."""
    return total / weight / mean if weight > 0 else 1.0
