"""What each policy did, when in the day and why, in words a manager reads.

Built from the actions table (``actions.csv``: one row per applied action, with the time
the policy decided it, its target, the agents it reached, its cost and the policy's own
note, ``reason``). Per policy: how many actions a day and at which hours, then one line per
kind of action: how often, on which targets, and the most common reasons. Reasons carry
numbers (``interval SL 0.71 < target 0.80``), so they are grouped by their text with every
number masked, and each group is shown by its first example.

Moves of cross-skilled agents (``set_preference``: a group serves another contact type
first, then goes back to its plan) are not summed as people reached: the same agents move
and come back many times a day. They are measured by :func:`preference_moves`: the
agent-minutes a day spent serving another queue first, and the most agents moved at once.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from sim.core.scenario import Scenario
from sim.report.formatting import period
from sim.units import HOUR, clock

__all__ = ["action_paragraphs", "preference_moves"]

#: Per kind of action: what the policy did, as a verb phrase, and what its ``agents`` column
#: counts: people reached each day (``per_day``: overtime, time off, a moved break), or, for
#: a skill-priority change, the group's agents on the phone when it starts serving another
#: contact type first and 0 when it goes back to the plan (``moves``: see
#: :func:`preference_moves`).
_DID = {
    "call_overtime": ("called overtime", "per_day"),
    "offer_vto": ("offered unpaid time off", "per_day"),
    "cancel_item": ("cancelled an off-phone activity", "per_day"),
    "postpone_item": ("postponed a break or activity", "per_day"),
    "set_preference": ("changed a group's skill priority", "moves"),
    "offer_callbacks": ("switched callback offers on or off", None),
    "outsource": ("switched overflow to the outsourcer on or off", None),
}

_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _day_seconds(scenario: Scenario) -> float | None:
    """A week's day length in seconds (its days laid end to end), ``None`` for a day."""
    if not scenario.day_names:
        return None
    return scenario.horizon_seconds / len(scenario.day_names)


def _hours(scenario: Scenario, seconds: pd.Series) -> np.ndarray:
    """The wall-clock hour (0-23, or past 24 for a day that runs past midnight) of times
    given in seconds after the simulated day's time 0; in a week, of the time within its
    day (every day's hours together)."""
    at = seconds.to_numpy(dtype=float)
    day = _day_seconds(scenario)
    if day is not None:
        at = at - day * np.clip(at // day, 0, len(scenario.day_names) - 1)
    return ((scenario.start_clock_seconds + at) // HOUR).astype(int)


def _busiest_hours(hours: np.ndarray) -> tuple[int, int, float]:
    """The shortest run of whole hours holding at least half of the ``hours`` given (the
    fullest such run, the earliest on ties): its first hour, its number of hours and the
    share of the times in it."""
    first = int(hours.min())
    counts = np.bincount(hours - first)
    total = counts.sum()
    for width in range(1, len(counts) + 1):
        sums = np.convolve(counts, np.ones(width, dtype=int), mode="valid")
        best = int(np.argmax(sums))
        if 2 * sums[best] >= total:
            return first + best, width, float(sums[best] / total)
    raise AssertionError("unreachable: the whole range holds every time")  # pragma: no cover


def _when(scenario: Scenario, seconds: pd.Series) -> str:
    """``mostly between 10:00 and 12:00 (62%)``, or ``all between 08:00 and 09:00``."""
    start, width, share = _busiest_hours(_hours(scenario, seconds))
    span = f"between {clock(start * HOUR)} and {clock((start + width) * HOUR)}"
    return f"all {span}" if share >= 1.0 else f"mostly {span} ({share:.0%})"


def _counts(values: pd.Series) -> pd.Series:
    """How often each value occurs, the most frequent first, ties in order of appearance."""
    return values.groupby(values, sort=False).size().sort_values(ascending=False, kind="mergesort")


def _share_list(counts: pd.Series, total: int, shown: int = 3) -> str:
    """``a (50%), b (30%) and 2 more``: the largest counts with their shares of ``total``."""
    top = counts.head(shown)
    text = ", ".join(f"`{name}` ({n / total:.0%})" for name, n in top.items())
    rest = len(counts) - len(top)
    return text + (f" and {rest} more" if rest else "")


def _reasons(rows: pd.DataFrame, shown: int = 2) -> str:
    """The most common reasons: first example of each masked-number group, with its share."""
    notes = rows["reason"].fillna("").astype(str)
    notes = notes[notes != ""]
    if notes.empty:
        return ""
    masked = notes.str.replace(_NUMBER, "#", regex=True)
    counts = _counts(masked).head(shown)
    examples = notes.groupby(masked, sort=False).first()
    parts = [
        f"“{examples[group]}” ({'all' if n == len(rows) else f'{n / len(rows):.0%}'})"
        for group, n in counts.items()
    ]
    return "; why, e.g.: " + ", ".join(parts)


def preference_moves(
    actions: pd.DataFrame,
    horizon_seconds: float,
    days: dict[str, int],
    day_seconds: float | None = None,
) -> pd.DataFrame:
    """Per policy with skill-priority changes: how many a day, and how much they moved.

    ``actions`` is the actions table (only its ``set_preference`` rows are read), where
    ``agents`` is the group's agents on the phone when it starts serving the contact type
    first (a move, ``agents`` > 0) and 0 when it goes back to the plan; ``target`` is
    ``group/contact_type``. ``horizon_seconds`` is the end of the day; ``days`` the simulated
    days per policy (figures are means over them, days without a change counting 0). In a
    week (its days end to end, each ``day_seconds`` long, each opening on the plan) a move
    ends at the latest at the close of its day; the figures are then a week's.

    One row per policy (in the order of ``days``) with:

    * ``changes_a_day``: skill-priority changes a day (moves and returns to plan).
    * ``agent_minutes_a_day``: per replication and target, each move lasts from the time it
      took effect (``applied_at``) to the next change of the same target (its return to
      plan, or a new move) or to the end of the day, times the move's agents; summed and
      divided by the days. It counts the agents on the phone at the move, whether or not
      each of them then took a contact of the other queue.
    * ``agents_at_most_a_day``: per day and group, the most agents of any of its moves;
      summed over the groups, averaged over the days.
    """
    rows = actions[actions["action"] == "set_preference"]
    columns = ["policy", "changes_a_day", "agent_minutes_a_day", "agents_at_most_a_day"]
    out = []
    for policy, n_days in days.items():
        own = rows[rows["policy"] == policy]
        if own.empty:
            continue
        per = max(1, n_days)
        minutes = 0.0
        for _, changes in own.groupby(["replication", "target"], sort=False):
            ordered = changes.sort_values("applied_at", kind="mergesort")
            at = ordered["applied_at"].to_numpy(dtype=float)
            agents = ordered["agents"].to_numpy(dtype=float)
            ends = np.append(at[1:], horizon_seconds)
            close = np.full_like(at, horizon_seconds)
            if day_seconds is not None:  # a week: each day opens on the plan
                close = np.minimum((np.floor(at / day_seconds) + 1) * day_seconds, close)
            held = np.clip(np.minimum(ends, close) - at, 0.0, None)
            minutes += float(np.sum(np.where(agents > 0, agents * held, 0.0))) / 60.0
        moves = own[own["agents"] > 0]
        group = moves["target"].astype(str).str.partition("/")[0]
        most = moves["agents"].groupby([moves["replication"], group]).max()
        out.append((policy, len(own) / per, minutes / per, float(most.sum()) / per))
    return pd.DataFrame(out, columns=columns)


def _moves_sentence(moves: pd.Series, day: str = "day") -> str:
    """`` Moves: 1,234 agent-minutes (20.6 agent-hours) a day serving another queue first,
    ...; up to 12.5 agents moved a day ...`` (``day``: ``week`` for a week's figures)."""
    minutes = moves["agent_minutes_a_day"]
    return (
        f" Moves: {minutes:,.0f} agent-minutes ({minutes / 60:,.1f} agent-hours) a {day} "
        "serving another queue first, counting the group's agents on the phone at each move "
        "until it goes back to plan or the day ends; up to "
        f"{moves['agents_at_most_a_day']:,.1f} agents moved a {day} (each group's largest "
        "move, summed)."
    )


def _kind_line(
    scenario: Scenario, kind: str, rows: pd.DataFrame, days: int, moves: pd.Series | None
) -> str:
    """One bullet: what the policy did of one kind, how often, when, on what, and why;
    for skill-priority changes, with ``moves`` (the policy's row of
    :func:`preference_moves`)."""
    verb, agents = _DID.get(kind, (f"applied `{kind}`", "per_day"))
    times, day = len(rows), period(scenario)
    text = f"- {verb} {times / days:,.1f} times a {day}"
    reached = float(rows["agents"].sum())
    if agents == "per_day" and reached:
        text += f" ({reached / days:,.1f} agents a {day})"
    targets = _counts(rows["target"].astype(str))
    target = f"`{targets.index[0]}`" if len(targets) == 1 else _share_list(targets, times)
    text += f", {_when(scenario, rows['decided_at'])}, for {target}{_reasons(rows)}."
    if agents == "moves" and moves is not None and moves["agent_minutes_a_day"] > 0:
        text += _moves_sentence(moves, day)
    return text


def _money_by(scenario: Scenario, rows: pd.DataFrame) -> str:
    """The clock time by which half of ``rows``' money (their ``cost``) was decided."""
    ordered = rows.sort_values("decided_at", kind="mergesort")
    amounts = ordered["cost"].abs().cumsum().to_numpy()
    at = ordered["decided_at"].to_numpy()[int(np.searchsorted(amounts, amounts[-1] / 2))]
    return scenario.clock(float(at))


def _money(scenario: Scenario, rows: pd.DataFrame, days: int) -> str:
    """`` 141 EUR a day in premiums, half of it decided by 10:30.`` (and savings), or ``""``."""
    currency = scenario.costs.currency
    parts = []
    for sign, words in ((1, "in premiums"), (-1, "saved (unpaid time off)")):
        own = rows[np.sign(rows["cost"]) == sign]
        if own.empty:
            continue
        amount = abs(float(own["cost"].sum())) / days
        parts.append(
            f"{amount:,.0f} {currency} a {period(scenario)} {words}, half of it decided by "
            f"{_money_by(scenario, own)}"
        )
    return (" " + "; ".join(parts) + ".") if parts else ""


def action_paragraphs(scenario: Scenario, actions: pd.DataFrame, days: dict[str, int]) -> list[str]:
    """Markdown lines: per policy that acted, when in the day and why, in words.

    ``actions`` is the actions table; ``days`` the simulated days per policy (every policy
    that ran, in report order): figures are means per simulated day. A policy's heading line
    gives its actions a day, its busiest hours (the shortest run of whole hours holding at
    least half of its decisions; left to the bullet when it did one kind of thing) and its
    money (premiums positive, time-off savings negative in the table) with the time by
    which half of it was decided; then one bullet per kind of action, the most frequent
    first: how often, its busiest hours, its targets (the three most frequent, with shares)
    and its two most common reasons (grouped with numbers masked; shares of that kind's
    actions). Skill-priority changes are not counted as agents reached but by
    :func:`preference_moves` (agent-minutes a day serving another queue first, counting the
    agents on the phone at each move, and the most agents moved a day), up to the end of
    the scenario's day. Policies without actions are named in one closing line. In a week
    (``scenario.day_names``) the figures are a week's and the hours are those of its days
    taken together.
    """
    lines: list[str] = []
    acted = set(actions["policy"])
    moves = preference_moves(
        actions, scenario.horizon_seconds, days, _day_seconds(scenario)
    ).set_index("policy")
    for policy, n_days in days.items():
        if policy not in acted:
            continue
        per = max(1, n_days)
        rows = actions[actions["policy"] == policy]
        kinds = _counts(rows["action"]).index
        # With one kind of action its bullet already says when.
        when = f", {_when(scenario, rows['decided_at'])}" if len(kinds) > 1 else ""
        heading = f"**{policy}**: {len(rows) / per:,.1f} actions a {period(scenario)}{when}."
        lines += ["", heading + _money(scenario, rows, per), ""]
        own_moves = moves.loc[policy] if policy in moves.index else None
        lines += [_kind_line(scenario, k, rows[rows["action"] == k], per, own_moves) for k in kinds]
    idle = [p for p in days if p not in acted]
    if idle:
        lines += ["", "No actions: " + ", ".join(f"`{p}`" for p in idle) + "."]
    return lines
