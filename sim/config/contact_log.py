"""The contact-log CSV of ``mode=calibrate``: reading and checking it, and writing one.

One row per contact, with these columns (others are ignored; blank lines are skipped but
counted in line numbers):

- ``contact_type``: the queue, a name of letters, digits and ``_`` starting with a letter
  (at most 32 characters; not ``all``): it becomes a contact type of the calibrated
  scenario, a forecast column and a YAML key;
- ``arrived_at``: ``YYYY-MM-DD HH:MM:SS``; rows in ascending order of it (a telephony
  export's order): a row earlier than the one before it is refused, since an unsorted log
  is most often a wrong export or a time zone change mixed in;
- ``outcome``: ``answered``, ``abandoned`` or ``blocked`` (every line busy: never queued);
- ``wait_seconds``: seconds in the queue (answered: until answered; abandoned: until the
  caller hung up); required for answered and abandoned contacts, empty or ignored for
  blocked ones;
- ``talk_seconds``, ``wrap_seconds``: talk and after-contact work of an answered contact;
  talk is required, wrap may be empty (not recorded); both must be empty for the others.

The log is data from outside: it is read as text only (never evaluated), refused unread
above :data:`MAX_LOG_BYTES` (unless ``run.allow_large``) or if it is not a regular file,
and messages quote a cell only when it is short and printable
(:func:`sim.config.data_files.quoted`), never a whole line. Every problem is reported, with
the file and line, up to :data:`SHOWN_PROBLEMS` of them (then how many more).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
import stat
from array import array
from pathlib import Path

import numpy as np

from sim.config.data_files import DataFileError, quoted
from sim.core.contact_log import ANSWERED, BLOCKED, OUTCOMES, ContactLog

__all__ = [
    "LOG_COLUMNS",
    "MAX_LOG_BYTES",
    "MAX_TYPES",
    "SHOWN_PROBLEMS",
    "TYPE_NAME",
    "LineProblems",
    "check_input_file",
    "contact_log_csv",
    "read_contact_log",
]

#: The columns a contact log must have, in the order :func:`contact_log_csv` writes them.
LOG_COLUMNS: tuple[str, ...] = (
    "contact_type",
    "arrived_at",
    "outcome",
    "wait_seconds",
    "talk_seconds",
    "wrap_seconds",
)
#: A log larger than this is refused unread (``run.allow_large=true`` lifts it): about
#: 1.5 million contacts, a large center's month.
MAX_LOG_BYTES = 100_000_000
#: At most this many contact types (each becomes a queue of the scenario).
MAX_TYPES = 100
#: Problems listed one by one; the rest are counted.
SHOWN_PROBLEMS = 20
#: What a contact type name may be.
TYPE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")

_STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
_DAY = 86400.0


class LineProblems:
    """Problems of a data file from outside, each with the file and line; the first
    :data:`SHOWN_PROBLEMS` kept in full, the rest counted (also for a WFM export)."""

    def __init__(self, key: str, shown: str) -> None:
        self.where = f"{key}: {shown}"
        self.lines: list[str] = []
        self.more = 0

    def add(self, line: int, text: str) -> None:
        """Note a problem on ``line`` of the file."""
        if len(self.lines) < SHOWN_PROBLEMS:
            self.lines.append(f"{self.where} line {line}: {text}")
        else:
            self.more += 1

    def raise_if_any(self) -> None:
        """Raise :class:`~sim.config.data_files.DataFileError` if a problem was noted."""
        if self.lines:
            more = [f"{self.where}: ... and {self.more} more problem(s)"] if self.more else []
            raise DataFileError(self.lines + more)


def check_input_file(path: Path, key: str, shown: str, max_bytes: int | None) -> None:
    """Refuse, unread, a file from outside that is missing, not a regular file or larger
    than ``max_bytes`` (``None``: no limit); ``key`` and ``shown`` name it in the message."""
    try:
        info = path.stat()
    except OSError as exc:
        raise DataFileError([f"{key}: {shown}: cannot be read ({exc.strerror or exc})"]) from None
    if not stat.S_ISREG(info.st_mode):
        raise DataFileError([f"{key}: {shown}: not a regular file"])
    if max_bytes is not None and info.st_size > max_bytes:
        raise DataFileError(
            [
                f"{key}: {shown}: {info.st_size:,} bytes, larger than the limit of "
                f"{max_bytes:,} (set run.allow_large=true to read it anyway)"
            ]
        )


def _seconds(text: str) -> float | None:
    """A cell as seconds (a finite number), else ``None``; empty is ``nan``."""
    if not text:
        return math.nan
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _duration(p: LineProblems, line: int, column: str, text: str) -> float:
    """A duration cell: NaN if empty; a problem (and NaN) if not a number >= 0."""
    value = _seconds(text)
    if value is None:
        p.add(line, f"{column} {quoted(text)} is not a number; allowed: seconds >= 0 or empty")
        return math.nan
    if value < 0:
        p.add(line, f"{column} {quoted(text)} is negative; allowed: seconds >= 0")
        return math.nan
    return value


def read_contact_log(
    path: Path,
    key: str = "calibrate.log_file",
    *,
    shown: str | None = None,
    max_bytes: int | None = MAX_LOG_BYTES,
) -> ContactLog:
    """Read and check the contact log at ``path`` (see the module's description).

    ``key`` names the config key in messages and ``shown`` the file (default: ``path``);
    ``max_bytes`` (``None``: no limit) refuses a larger file unread. Raises
    :class:`~sim.config.data_files.DataFileError` with every problem found.
    """
    shown = str(path) if shown is None else shown
    check_input_file(path, key, shown, max_bytes)
    p = LineProblems(key, shown)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return _read(csv.reader(handle), p)
    except (csv.Error, UnicodeDecodeError) as exc:
        raise DataFileError([f"{key}: cannot read {shown} as CSV: {exc}"]) from None


def _read(reader, p: LineProblems) -> ContactLog:
    header = [h.strip() for h in next(reader, [])]
    if not any(header):
        p.add(1, "the file is empty (no header row)")
        p.raise_if_any()
    missing = [c for c in LOG_COLUMNS if c not in header]
    repeated = sorted({c for c in LOG_COLUMNS if header.count(c) > 1})
    if missing:
        p.add(1, f"lacks column(s) {missing} (the header has {len(header)} column(s))")
    if repeated:
        p.add(1, f"column(s) {repeated} appear more than once")
    p.raise_if_any()
    at = {c: header.index(c) for c in LOG_COLUMNS}
    width = len(header)
    types: dict[str, int] = {}
    kind, days, outcome = array("i"), array("i"), array("b")
    arrival, wait, talk, wrap = array("d"), array("d"), array("d"), array("d")
    previous: tuple[int, float, int] | None = None  # day, seconds, line of the last good stamp
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > width:
            p.add(line, f"{len(cells)} fields but the header has {width}")
            continue
        row = [c.strip() for c in cells] + [""] * (width - len(cells))
        name, stamp, result = (row[at[c]] for c in ("contact_type", "arrived_at", "outcome"))
        if TYPE_NAME.fullmatch(name) is None or name == "all":
            p.add(
                line,
                f"contact_type {quoted(name)} is not allowed; allowed: a name of letters, digits "
                "and _ starting with a letter, at most 32 characters, not 'all'",
            )
            k = -1
        else:
            k = types.setdefault(name, len(types))
            if k == MAX_TYPES:
                p.add(line, f"more than {MAX_TYPES} contact types")
        day, seconds = _stamp(p, line, stamp)
        if day is not None:
            if previous is not None and (day, seconds) < previous[:2]:
                p.add(
                    line,
                    f"arrived_at {quoted(stamp)} is earlier than the row before it (line "
                    f"{previous[2]}); the log must be in ascending order of arrived_at",
                )
            previous = (day, seconds, line)
        code = OUTCOMES.index(result) if result in OUTCOMES else -1
        if code < 0:
            p.add(line, f"outcome {quoted(result)} is not allowed; allowed: {list(OUTCOMES)}")
        w = _duration(p, line, "wait_seconds", row[at["wait_seconds"]])
        t = _duration(p, line, "talk_seconds", row[at["talk_seconds"]])
        u = _duration(p, line, "wrap_seconds", row[at["wrap_seconds"]])
        if code >= 0 and code != BLOCKED and not row[at["wait_seconds"]]:
            p.add(line, f"wait_seconds is empty; required for an {result} contact")
        if code >= 0 and code != ANSWERED:
            for column in ("talk_seconds", "wrap_seconds"):
                if row[at[column]]:
                    p.add(line, f"{column} is given for a {result} contact; allowed: empty")
        if code == ANSWERED and not row[at["talk_seconds"]]:
            p.add(line, "talk_seconds is empty; required for an answered contact")
        kind.append(k)
        days.append(day if day is not None else 0)
        arrival.append(seconds)
        outcome.append(code)
        wait.append(math.nan if code == BLOCKED else w)
        talk.append(t if code == ANSWERED else math.nan)
        wrap.append(u if code == ANSWERED else math.nan)
    if not kind and not p.lines:
        p.add(reader.line_num, "no contacts: the log has a header and no rows")
    p.raise_if_any()
    names = sorted(types)  # the types in alphabetical order, whatever the log's
    renumber = np.array([names.index(name) for name in types], dtype=np.int64)
    return ContactLog(
        tuple(names),
        renumber[np.frombuffer(kind, dtype=np.int32)],
        np.frombuffer(days, dtype=np.int32).astype(np.int64),
        np.frombuffer(arrival, dtype=float).copy(),
        np.frombuffer(outcome, dtype=np.int8).copy(),
        np.frombuffer(wait, dtype=float).copy(),
        np.frombuffer(talk, dtype=float).copy(),
        np.frombuffer(wrap, dtype=float).copy(),
    )


def _stamp(p: LineProblems, line: int, text: str) -> tuple[int | None, float]:
    """(day ordinal, seconds after midnight) of an ``arrived_at`` cell, or a problem."""
    when = None
    if _STAMP.fullmatch(text):
        try:
            when = dt.datetime.fromisoformat(text)
        except ValueError:
            when = None
    if when is None:
        p.add(
            line,
            f"arrived_at {quoted(text)} is not a date and time; allowed: YYYY-MM-DD HH:MM:SS",
        )
        return None, math.nan
    return when.toordinal(), float(when.hour * 3600 + when.minute * 60 + when.second)


def contact_log_csv(log: ContactLog) -> str:
    """``log`` as the CSV text :func:`read_contact_log` reads: arrival times to the second
    (rounded down, so the order is kept; past midnight: the next day), durations to 0.1 s."""
    lines = [",".join(LOG_COLUMNS)]
    order = np.lexsort((log.arrival, log.day))
    for i in order:
        day, seconds = int(log.day[i]), math.floor(float(log.arrival[i]))
        extra, seconds = divmod(seconds, int(_DAY))
        stamp = dt.datetime.fromordinal(day + extra) + dt.timedelta(seconds=seconds)
        code = int(log.outcome[i])
        cells = [
            log.types[int(log.contact_type[i])],
            stamp.strftime("%Y-%m-%d %H:%M:%S"),
            OUTCOMES[code],
            "" if code == BLOCKED else _tenths(log.wait[i]),
            _tenths(log.talk[i]) if code == ANSWERED else "",
            _tenths(log.wrap[i]) if code == ANSWERED else "",
        ]
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def _tenths(value: float) -> str:
    return "" if math.isnan(value) else f"{value:.1f}"
