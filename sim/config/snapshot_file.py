"""A snapshot file (``scenario.snapshot_file``): the state of a day at a clock time, read
and checked into a :class:`~sim.core.day_state.DayState` the day continues from.

The file is JSON in the format ``ccsim-snapshot-1`` (what a run with ``run.snapshot_at``
writes)::

    {
      "format": "ccsim-snapshot-1",
      "scenario": "default",
      "clock": "11:20",
      "waiting": [{"contact_type": "sales", "waited_seconds": 35.5}],
      "groups": {
        "sales": {
          "logged_in": 12,
          "busy": [{"contacts": [{"contact_type": "sales", "seconds_in_contact": 95.0}]}],
          "away": [{"kind": "break", "seconds_left": 300}]
        }
      },
      "actuals": {
        "contact_types": [{"interval_start": "08:00", "contact_type": "sales",
                           "offered": 30, "answered": 27, "abandoned": 1,
                           "answered_within_threshold": 22}],
        "groups": [{"interval_start": "08:00", "group": "sales",
                    "logged_in_seconds": 21600}]
      }
    }

- ``format`` (required): exactly :data:`SNAPSHOT_FORMAT`. ``scenario`` (optional): the
  name of the scenario it was taken of, a string, for people (not checked).
- ``clock`` (required): the wall clock, ``HH:MM`` or ``HH:MM:SS``, strictly inside the
  day (after its first interval's start, before its last interval's end).
- ``waiting`` (optional, default none): the contacts waiting, each a known
  ``contact_type`` and ``waited_seconds`` (>= 0, at most the time since the day began).
- ``groups`` (required): every agent group of the scenario, no other: ``logged_in``
  (required, a whole number >= 0); ``busy`` (optional): the agents in contact, each
  ``{"contacts": [...]}`` with at least one contact ``{contact_type, seconds_in_contact}``
  (>= 0, at most the time since the day began) of a type the group serves, optionally
  with ``chats_before`` (the other chats the agent held when it took this one, from 0 to
  ``chat_concurrency`` - 1: a chat's handle time stretches with them; given for all of an
  agent's contacts or none; default: its place in the list), and optionally
  ``"leaving": true`` (it logs out once they are done; default false); an agent holds
  one contact, or several chats up to the group's ``chat_concurrency``; ``away``
  (optional): agents off the phone, each ``{kind, seconds_left}`` (``kind``: a string,
  default ``break``, for people; ``seconds_left`` > 0). Busy and away agents together are
  at most ``logged_in``; the rest are available.
- ``actuals`` (optional): the day's figures so far, rows per interval (``interval_start``:
  an interval of the day, ``HH:MM``, that starts before the clock) and contact type
  (``contact_types``: the columns of :data:`~sim.core.day_state.TYPE_ACTUALS`, of which
  offered, answered, abandoned and answered_within_threshold are required) or group
  (``groups``: :data:`~sim.core.day_state.GROUP_ACTUALS`, logged_in_seconds required);
  the other columns default to 0, a missing row is all zeros, a row twice is refused.
  Counts are whole numbers >= 0, seconds numbers >= 0; answered + abandoned <= offered,
  answered_within_threshold and handled <= answered, short_abandoned <= abandoned,
  queued <= offered; a group's busy_seconds + away_seconds <= logged_in_seconds and
  handled <= answered. The contacts waiting that arrived in an interval are at most its
  offered - answered - abandoned.

Keys not listed are refused. The file is data from outside: it is read as text only,
refused unread above :data:`MAX_SNAPSHOT_BYTES` (unless ``run.allow_large``) or if it is
not a regular file; more than :data:`~sim.config.limits.MAX_AGENTS` logged-in agents are
refused the same way. Every problem is reported (the first
:data:`~sim.config.contact_log.SHOWN_PROBLEMS`, then how many more), each as
``<key> (<file>): <place in the file> = <value>: <what is allowed>``; messages quote a
value only when it is short and printable, never a line of the file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sim.config.checks import Checker
from sim.config.contact_log import SHOWN_PROBLEMS, check_input_file
from sim.config.data_files import NAME_CHARS, DataFileError, quoted
from sim.config.limits import MAX_AGENTS
from sim.core.day_state import (
    COUNT_ACTUALS,
    GROUP_ACTUALS,
    SNAPSHOT_FORMAT,
    TYPE_ACTUALS,
    AgentState,
    DayState,
    WaitingContact,
    not_continuable,
)
from sim.core.scenario import Scenario
from sim.units import clock_exact, parse_clock

__all__ = [
    "GROUP_REQUIRED",
    "MAX_SNAPSHOT_BYTES",
    "TYPE_REQUIRED",
    "cannot_continue",
    "read_snapshot",
]

#: A snapshot larger than this is refused unread (``run.allow_large=true`` lifts it).
MAX_SNAPSHOT_BYTES = 50_000_000
#: The columns of an ``actuals.contact_types`` row that must be given.
TYPE_REQUIRED = ("offered", "answered", "abandoned", "answered_within_threshold")
#: The columns of an ``actuals.groups`` row that must be given.
GROUP_REQUIRED = ("logged_in_seconds",)

_TOP_REQUIRED = ("format", "clock", "groups")
_TOP_OPTIONAL = ("scenario", "waiting", "actuals")
_GROUP = ("logged_in", "busy", "away")
_CONTACT = ("contact_type", "seconds_in_contact")
_WAITING = ("contact_type", "waited_seconds")
_AWAY = ("kind", "seconds_left")
#: Relative slack of the checks that add up seconds (busy + away <= logged in).
_SLACK = 1e-9


class _Object(dict):
    """A JSON object, with the keys the file gives more than once."""

    twice: list[str]


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    out = _Object()
    out.twice = []
    for key, value in pairs:
        if key in out and key not in out.twice:
            out.twice.append(key)
        out[key] = value
    return out


def _int(text: str) -> int | float:
    # Python refuses to read more than 4300 digits, and a number beyond a float's range
    # cannot be compared with a limit: such a number reads as infinity (refused as such).
    return int(text) if len(text) <= 18 else float(text)


def _shown(value: Any) -> str:
    """A value of the file for a message: short and printable, never a whole object."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return quoted(value, NAME_CHARS, empty="")
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return f"a list of {len(value)} item(s)"
    return type(value).__name__


def _at(path: str, key: str | int) -> str:
    """``path`` and one step into it (a key, or a list index)."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class _Problems(Checker):
    """The file's problems, each prefixed with the config key and the file; the first
    :data:`SHOWN_PROBLEMS` kept, the rest counted."""

    def __init__(self, where: str) -> None:
        super().__init__()
        self.where = where
        self.more = 0

    def add(self, text: str) -> None:
        if len(self.problems) < SHOWN_PROBLEMS:
            self.problems.append(f"{self.where}: {text}")
        else:
            self.more += 1

    def fail(self, key: str, value: Any, allowed: str) -> None:
        self.add(f"{key} = {_shown(value)}: {allowed}")

    def count(self) -> int:
        return len(self.problems) + self.more

    def raise_if_any(self) -> None:
        if self.problems:
            more = [f"{self.where}: ... and {self.more} more problem(s)"] if self.more else []
            raise DataFileError(self.problems + more)

    def keys(
        self,
        path: str,
        value: Any,
        required: Sequence[str],
        optional: Sequence[str] = (),
        what: str = "",
    ) -> bool:
        """``value`` is an object with every ``required`` key, others only from
        ``optional``; ``False`` (reported) if it is not an object at all."""
        allowed = [*required, *optional]
        if not isinstance(value, dict):
            self.fail(
                path or "the file", value, f"must be an object {{{', '.join(allowed)}}}{what}"
            )
            return False
        for key in getattr(value, "twice", ()):
            self.add(f"{_at(path, _name(key))}: the key appears twice in the same object")
        for key in value:
            if key not in allowed:
                self.add(f"{_at(path, _name(key))}: unknown key (misspelt?); allowed: {allowed}")
        for key in required:
            if key not in value:
                self.add(f"{_at(path, key)}: missing; required{what}")
        return True

    def items(self, path: str, value: Any, what: str) -> list[Any]:
        """``value`` as a list (``[]``, reported, if it is not one)."""
        if isinstance(value, list):
            return value
        self.fail(path, value, f"must be a list of {what}")
        return []

    def seconds(
        self,
        key: str,
        value: Any,
        *,
        strict: bool = False,
        most: float | None = None,
        note: str = "",
    ) -> float | None:
        """A number of seconds >= 0 (> 0 if ``strict``), at most ``most`` if given."""
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        ok = ok and math.isfinite(value) and (value > 0 if strict else value >= 0)
        ok = ok and (most is None or value <= most)
        if not ok:
            bound = "> 0" if strict else ">= 0"
            upper = "" if most is None else f" and <= {most:g}{note}"
            self.fail(key, value, f"must be a number {bound}{upper}")
            return None
        return float(value)


def cannot_continue(scenario: Scenario) -> str | None:
    """Why a day of ``scenario`` cannot continue from a snapshot, for a message (``None``:
    it can; see :func:`~sim.core.day_state.not_continuable`)."""
    features = not_continuable(scenario)
    if not features:
        return None
    listed = (
        features[0] if len(features) == 1 else ", ".join(features[:-1]) + " and " + features[-1]
    )
    return (
        f"a day with {listed} cannot continue from a snapshot yet; allowed only for a day "
        "without agents on individual shifts, outages, redials, repeats or escalations, a "
        "line limit (trunks) or fatigue"
    )


def _name(key: Any) -> str:
    """A key of the file for a place in a message (short and printable, else its length)."""
    text = str(key)
    return text if text and len(text) <= NAME_CHARS and text.isprintable() else quoted(text, 0)


def read_snapshot(
    path: Path,
    scenario: Scenario,
    *,
    key: str = "scenario.snapshot_file",
    shown: str | None = None,
    max_bytes: int | None = MAX_SNAPSHOT_BYTES,
    max_agents: float | None = MAX_AGENTS,
) -> DayState:
    """Read and check the snapshot at ``path`` against ``scenario`` (see the module's
    description) into the :class:`DayState` the day continues from (``source``: ``shown``).

    ``key`` names the config key in messages and ``shown`` the file (default: ``path``);
    ``max_bytes`` and ``max_agents`` (``None``: no limit) refuse a larger file unread and
    more logged-in agents. Raises :class:`~sim.config.data_files.DataFileError` with every
    problem found.
    """
    shown = str(path) if shown is None else shown
    check_input_file(path, key, shown, max_bytes)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataFileError(
            [f"{key} ({shown}): not UTF-8 text (byte {exc.start} cannot be read); save it as UTF-8"]
        ) from None
    except OSError as exc:
        raise DataFileError([f"{key}: {shown}: cannot be read ({exc.strerror or exc})"]) from None
    try:
        data = json.loads(text, object_pairs_hook=_object, parse_int=_int)
    except json.JSONDecodeError as exc:
        raise DataFileError(
            [f"{key} ({shown}): line {exc.lineno} column {exc.colno}: not valid JSON: {exc.msg}"]
        ) from None
    except RecursionError:
        raise DataFileError([f"{key} ({shown}): not valid JSON (nested too deeply)"]) from None
    except ValueError:
        raise DataFileError([f"{key} ({shown}): not valid JSON"]) from None
    p = _Problems(f"{key} ({shown})")
    state = _Reader(p, scenario, max_agents).read(data, shown)
    p.raise_if_any()
    if state is None:  # a safety net: every reason is reported above
        raise DataFileError([f"{key} ({shown}): not a snapshot ccsim can read"])
    return state


class _Reader:
    """Checks a parsed snapshot against a scenario, problems into ``p``."""

    def __init__(self, p: _Problems, scenario: Scenario, max_agents: float | None) -> None:
        self.p = p
        self.s = scenario
        self.max_agents = max_agents
        self.types = {name: k for k, name in enumerate(scenario.type_names)}
        self.groups = {name: g for g, name in enumerate(scenario.group_names)}
        self.at: float | None = None  # the moment, seconds from time 0 (None: a bad clock)

    def read(self, data: Any, shown: str) -> DayState | None:
        p = self.p
        if not p.keys("", data, _TOP_REQUIRED, _TOP_OPTIONAL):
            return None
        form = data.get("format")
        if "format" in data and form != SNAPSHOT_FORMAT:
            p.fail(
                "format", form, f"not a snapshot format ccsim reads; allowed: {SNAPSHOT_FORMAT!r}"
            )
            return None  # another format: its other keys would only add noise
        if "scenario" in data and not isinstance(data["scenario"], str):
            p.fail("scenario", data["scenario"], "must be a string (the scenario's name)")
        if "clock" in data:
            self.at = self._clock(data["clock"])
        waiting = self._waiting(data.get("waiting", []))
        agents = self._groups(data.get("groups")) if "groups" in data else []
        type_actuals, type_rows, group_actuals = self._actuals(data.get("actuals", {}))
        if self.at is not None:
            self._cross_check(waiting, type_actuals, type_rows)
        if p.problems or self.at is None:
            return None
        order = sorted(range(len(waiting)), key=lambda i: waiting[i][1])
        return DayState(
            at_seconds=self.at,
            waiting=tuple(WaitingContact(waiting[i][0], waiting[i][1]) for i in order),
            agents=tuple(agents),
            type_actuals=type_actuals,
            group_actuals=group_actuals,
            source=shown,
        )

    # --- the moment ------------------------------------------------------------------------

    def _day(self) -> str:
        s = self.s
        start = s.start_clock_seconds
        return f"{clock_exact(start)} to {clock_exact(start + s.horizon_seconds)}"

    def _clock(self, value: Any) -> float | None:
        s = self.s
        wall = parse_clock(value, allow_seconds=True) if isinstance(value, str) else None
        if wall is None:
            self.p.fail("clock", value, "must be a clock time HH:MM or HH:MM:SS")
            return None
        at = wall - s.start_clock_seconds
        if not 0 < at < s.horizon_seconds:
            self.p.fail(
                "clock",
                value,
                f"must fall strictly inside the day of scenario {s.name!r} ({self._day()})",
            )
            return None
        return at

    def _since_start(self) -> tuple[float | None, str]:
        """The most seconds a contact can have waited or been in contact, and why."""
        if self.at is None:
            return None, ""
        return (
            self.at,
            f" (the time since the day began at {clock_exact(self.s.start_clock_seconds)})",
        )

    def _type(self, key: str, value: Any) -> int | None:
        if isinstance(value, str) and value in self.types:
            return self.types[value]
        self.p.fail(key, value, f"unknown contact type; allowed: {list(self.types)}")
        return None

    # --- waiting contacts -------------------------------------------------------------------

    def _waiting(self, value: Any) -> list[tuple[int, float, str]]:
        """(type, arrived at, place in the file) of each waiting contact."""
        p = self.p
        most, note = self._since_start()
        out = []
        for i, item in enumerate(p.items("waiting", value, "{contact_type, waited_seconds}")):
            at = f"waiting[{i}]"
            if not p.keys(at, item, _WAITING):
                continue
            k = (
                self._type(f"{at}.contact_type", item["contact_type"])
                if "contact_type" in item
                else None
            )
            waited = None
            if "waited_seconds" in item:
                waited = p.seconds(
                    f"{at}.waited_seconds", item["waited_seconds"], most=most, note=note
                )
            if k is not None and waited is not None and self.at is not None:
                out.append((k, self.at - waited, at))
        return out

    # --- agents -------------------------------------------------------------------------------

    def _groups(self, value: Any) -> list[AgentState]:
        p = self.p
        s = self.s
        if not isinstance(value, dict):
            p.fail("groups", value, f"must be an object with every group: {list(self.groups)}")
            return []
        for name in getattr(value, "twice", ()):
            p.add(f"groups.{_name(name)}: the key appears twice in the same object")
        for name in value:
            if name not in self.groups:
                p.add(
                    f"groups.{_name(name)}: not a group of scenario {s.name!r}; allowed: "
                    f"{list(self.groups)}"
                )
        for name in self.groups:
            if name not in value:
                p.add(
                    f"groups.{name}: missing; every group of the scenario needs an entry "
                    "{logged_in, busy, away}"
                )
        counts = {}
        for name, g in self.groups.items():
            if name in value:
                counts[name] = self._group(name, g, value[name])
        total = sum(n for n, _, _ in counts.values())
        if self.max_agents is not None and total > self.max_agents:
            p.add(
                f"groups: {total:,} agents logged in (the groups' logged_in together), above "
                f"the limit of {self.max_agents:,.0f}; set run.allow_large=true to read it anyway"
            )
        if p.problems:
            return []
        agents: list[AgentState] = []
        for name, (logged_in, busy, away) in counts.items():
            g = self.groups[name]
            agents.extend(
                AgentState(g, in_contact=c, leaving=x, chats_before=b) for c, x, b in busy
            )
            agents.extend(AgentState(g, away_seconds_left=a) for a in away)
            agents.extend(AgentState(g) for _ in range(logged_in - len(busy) - len(away)))
        return agents

    def _group(
        self, name: str, g: int, value: Any
    ) -> tuple[int, list[tuple[tuple[tuple[int, float], ...], bool, tuple[int, ...]]], list[float]]:
        """(logged in, the busy agents' contacts and whether each is leaving, the away
        agents' seconds left) of a group."""
        p = self.p
        at = f"groups.{name}"
        if not p.keys(at, value, _GROUP[:1], _GROUP[1:]):
            return 0, [], []
        logged_in = None
        if "logged_in" in value and p.number(
            f"{at}.logged_in", value["logged_in"], low=0, strict=False, whole=True
        ):
            logged_in = int(value["logged_in"])
        raw_busy = p.items(f"{at}.busy", value.get("busy", []), "agents {contacts}")
        raw_away = p.items(f"{at}.away", value.get("away", []), "agents {kind, seconds_left}")
        busy: list[tuple[tuple[tuple[int, float], ...], bool, tuple[int, ...]]] = []
        for i, agent in enumerate(raw_busy):
            held = self._agent(name, f"{at}.busy[{i}]", agent)
            if held is not None:
                contacts, before = held
                busy.append((contacts, bool(agent.get("leaving", False)), before))
        away: list[float] = []
        for i, item in enumerate(raw_away):
            key = f"{at}.away[{i}]"
            if not p.keys(key, item, _AWAY[1:], _AWAY[:1]):
                continue
            if "kind" in item and not (isinstance(item["kind"], str) and item["kind"].strip()):
                p.fail(f"{key}.kind", item["kind"], "must be a name (e.g. 'break'), or left out")
            if "seconds_left" in item:
                left = p.seconds(f"{key}.seconds_left", item["seconds_left"], strict=True)
                if left is not None:
                    away.append(left)
        if logged_in is None:
            return 0, busy, away
        if len(raw_busy) + len(raw_away) > logged_in:
            p.add(
                f"{at}: {len(raw_busy)} busy and {len(raw_away)} away agents, but logged_in = "
                f"{logged_in}; allowed: at most logged_in busy and away agents together"
            )
        return logged_in, busy, away

    def _agent(
        self, group: str, at: str, agent: Any
    ) -> tuple[tuple[tuple[int, float], ...], tuple[int, ...]] | None:
        """The contacts a busy agent holds, as (type, seconds in contact) pairs, and per
        contact the other chats it held when it took it (empty: not given)."""
        p = self.p
        if not p.keys(at, agent, ("contacts",), ("leaving",)) or "contacts" not in agent:
            return None
        if not isinstance(agent.get("leaving", False), bool):
            p.fail(f"{at}.leaving", agent["leaving"], "must be true or false, or left out")
            return None
        raw = agent["contacts"]
        key = f"{at}.contacts"
        if not isinstance(raw, list) or not raw:
            p.fail(key, raw, "must be a non-empty list of {contact_type, seconds_in_contact}")
            return None
        most, note = self._since_start()
        n_before = p.count()
        contacts = []
        before: list[int] = []
        concurrency = self.s.groups[self.groups[group]].chat_concurrency
        served = [sk.contact_type for sk in self.s.groups[self.groups[group]].skills]
        for j, contact in enumerate(raw):
            ckey = f"{key}[{j}]"
            if not p.keys(ckey, contact, _CONTACT, ("chats_before",)):
                continue
            if "chats_before" in contact:
                value = contact["chats_before"]
                if (
                    isinstance(value, int)
                    and not isinstance(value, bool)
                    and 0 <= value < concurrency
                ):
                    before.append(value)
                else:
                    p.fail(
                        f"{ckey}.chats_before",
                        value,
                        f"must be a whole number from 0 to {concurrency - 1} (the other chats "
                        "held when this one was taken), or left out",
                    )
            k = None
            if "contact_type" in contact:
                k = self._type(f"{ckey}.contact_type", contact["contact_type"])
                if k is not None and contact["contact_type"] not in served:
                    p.fail(
                        f"{ckey}.contact_type",
                        contact["contact_type"],
                        f"group {group!r} does not serve it (no skills row); allowed: {served}",
                    )
                    k = None
            seconds = None
            if "seconds_in_contact" in contact:
                seconds = p.seconds(
                    f"{ckey}.seconds_in_contact",
                    contact["seconds_in_contact"],
                    most=most,
                    note=note,
                )
            if k is not None and seconds is not None:
                contacts.append((k, seconds))
        if p.count() > n_before:
            return None
        if before and len(before) != len(contacts):
            p.add(f"{key}: chats_before is given for some contacts only; allowed: all or none")
            return None
        if len(contacts) > 1:
            names = [self.s.type_names[k] for k, _ in contacts]
            others = [
                n for n, (k, _) in zip(names, contacts, strict=True) if self._channel(k) != "chat"
            ]
            if others:
                p.add(
                    f"{key} = {names}: an agent holds one voice or email contact at a time; "
                    "allowed: one contact, or several chats (at most the group's "
                    f"chat_concurrency, {concurrency})"
                )
                return None
            if len(contacts) > concurrency:
                p.add(
                    f"{key} = {names}: {len(contacts)} chats, more than group {group!r}'s "
                    f"chat_concurrency; allowed: at most {concurrency}"
                )
                return None
        return tuple(contacts), tuple(before)

    def _channel(self, k: int) -> str:
        return self.s.contact_types[k].channel

    # --- the figures so far -------------------------------------------------------------------

    def _allowed_intervals(self) -> str:
        s = self.s
        n = s.intervals if self.at is None else math.ceil(self.at / s.interval_seconds)
        last = s.interval_label(max(n - 1, 0))
        before = "" if self.at is None else f" that start before the clock ({self._clock_text()})"
        return (
            f"the day's intervals{before}: {s.interval_label(0)} to {last}, every "
            f"{s.interval_seconds / 60:g} minutes"
        )

    def _clock_text(self) -> str:
        assert self.at is not None
        return clock_exact(self.s.start_clock_seconds + self.at)

    def _interval(self, key: str, value: Any) -> int | None:
        s = self.s
        wall = parse_clock(value, allow_seconds=True) if isinstance(value, str) else None
        k = None
        if wall is not None:
            x = (wall - s.start_clock_seconds) / s.interval_seconds
            if x == int(x) and 0 <= x < s.intervals:
                k = int(x)
        if k is None:
            self.p.fail(
                key, value, f"not the start of an interval; allowed: {self._allowed_intervals()}"
            )
            return None
        if self.at is not None and k * s.interval_seconds >= self.at:
            self.p.fail(
                key,
                value,
                f"starts at or after the clock; allowed: {self._allowed_intervals()}",
            )
            return None
        return k

    def _actuals(self, value: Any) -> tuple[np.ndarray, dict[tuple[int, int], str], np.ndarray]:
        """The figures so far per type and per group (zeros where no row), and the place of
        each (type, interval) row."""
        s = self.s
        n = s.intervals
        types = np.zeros((len(TYPE_ACTUALS), len(s.contact_types), n))
        groups = np.zeros((len(GROUP_ACTUALS), len(s.groups), n))
        rows: dict[tuple[int, int], str] = {}
        if not self.p.keys("actuals", value, (), ("contact_types", "groups")):
            return types, rows, groups
        self._rows(
            "actuals.contact_types",
            value.get("contact_types", []),
            "contact_type",
            self.types,
            TYPE_ACTUALS,
            TYPE_REQUIRED,
            types,
            rows,
        )
        self._rows(
            "actuals.groups",
            value.get("groups", []),
            "group",
            self.groups,
            GROUP_ACTUALS,
            GROUP_REQUIRED,
            groups,
            {},
        )
        return types, rows, groups

    def _rows(
        self,
        path: str,
        value: Any,
        by: str,
        names: dict[str, int],
        columns: Sequence[str],
        required: Sequence[str],
        out: np.ndarray,
        seen: dict[tuple[int, int], str],
    ) -> None:
        p = self.p
        optional = [c for c in columns if c not in required]
        what = f"rows {{interval_start, {by}, {', '.join(columns)}}}"
        for i, row in enumerate(p.items(path, value, what)):
            at = f"{path}[{i}]"
            n_before = p.count()
            if not p.keys(at, row, ("interval_start", by, *required), optional):
                continue
            k = (
                self._interval(f"{at}.interval_start", row["interval_start"])
                if "interval_start" in row
                else None
            )
            j = None
            if by in row:
                if isinstance(row[by], str) and row[by] in names:
                    j = names[row[by]]
                else:
                    kind = "contact type" if by == "contact_type" else "group"
                    p.fail(f"{at}.{by}", row[by], f"unknown {kind}; allowed: {list(names)}")
            figures = {}
            for column in columns:
                if column not in row:
                    figures[column] = 0.0
                elif column in COUNT_ACTUALS:
                    if p.number(f"{at}.{column}", row[column], low=0, strict=False, whole=True):
                        figures[column] = float(row[column])
                else:
                    seconds = p.seconds(f"{at}.{column}", row[column])
                    if seconds is not None:
                        figures[column] = seconds
            if p.count() > n_before or k is None or j is None:
                continue
            if (j, k) in seen:
                p.add(
                    f"{at}: a second row for {by} {row[by]!r} and interval "
                    f"{self.s.interval_label(k)} (the first: {seen[j, k]}); allowed: one row each"
                )
                continue
            seen[j, k] = at
            self._consistent(at, figures)
            for c, column in enumerate(columns):
                out[c, j, k] = figures[column]

    def _consistent(self, at: str, f: dict[str, float]) -> None:
        """Check that a row's figures agree with each other (problems into ``p``)."""

        def at_most(parts: Sequence[str], whole: str) -> None:
            if sum(f[x] for x in parts) > f[whole] * (1 + _SLACK):
                values = " + ".join(f"{x} {f[x]:g}" for x in parts)
                self.p.add(f"{at}: {values} > {whole} {f[whole]:g}; allowed: at most {whole}")

        if "offered" in f:
            at_most(("answered", "abandoned"), "offered")
            at_most(("answered_within_threshold",), "answered")
            at_most(("short_abandoned",), "abandoned")
            at_most(("queued",), "offered")
        else:
            at_most(("busy_seconds", "away_seconds"), "logged_in_seconds")
        at_most(("handled",), "answered")

    def _cross_check(
        self,
        waiting: list[tuple[int, float, str]],
        actuals: np.ndarray,
        rows: dict[tuple[int, int], str],
    ) -> None:
        """The contacts waiting that arrived in an interval are at most those of its row
        neither answered nor abandoned."""
        s = self.s
        counts: dict[tuple[int, int], int] = {}
        for k, arrived, _ in waiting:
            j = min(max(int(arrived // s.interval_seconds), 0), s.intervals - 1)
            counts[k, j] = counts.get((k, j), 0) + 1
        offered, answered, abandoned = (
            actuals[TYPE_ACTUALS.index(x)] for x in ("offered", "answered", "abandoned")
        )
        for (k, j), n in sorted(counts.items()):
            left = offered[k, j] - answered[k, j] - abandoned[k, j]
            if n <= left:
                continue
            name, label = s.type_names[k], s.interval_label(j)
            if (k, j) in rows:
                have = f"its row {rows[k, j]} has offered - answered - abandoned = {left:g}"
            else:
                have = "actuals.contact_types has no row for them (nothing offered)"
            self.p.add(
                f"waiting: {n} contact(s) of type {name!r} that arrived in the {label} "
                f"interval, but {have}; allowed: at most that many still waiting"
            )
