"""A day that continues from a snapshot (:class:`~sim.core.day_state.DayState`).

The contacts a snapshot carries come first in the continuation's arrays, in arrival
order: those waiting at the moment and those in an agent's hands. Then come the day's own
contacts that arrive from the moment on: the whole day is drawn as always and the earlier
arrivals are dropped, so arrivals keep their streams (and policies their common random
numbers).

What a snapshot cannot know is drawn given what it does know. A waiting contact's
patience is drawn from its type's law given that it has lasted the wait so far; a contact
in hand gets talk and wrap-up draws whose work (talk times the agent's multiplier, plus
wrap-up) exceeds the seconds it has already been in contact. Both are drawn by rejection
from the type's own laws (exact for every law); if 16,384 draws never get that far (a
wait or a contact far out in its law's tail), the rest is drawn as exponential with the
law's mean. Each has its own streams (``carried_<source>:<type>``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.core.day_state import DayState
from sim.core.distributions import Distribution
from sim.core.scenario import Scenario
from sim.core.streams import Streams
from sim.model.draws import ContactDraws
from sim.model.scales import IntervalScales
from sim.model.states import Origin

__all__ = ["Continuation", "continue_draws"]

_BATCH = 256
_BATCHES = 64


@dataclass(frozen=True)
class Continuation:
    """The draws of a continued day and where its carried contacts go.

    ``carried``: how many slots at the start of ``draws`` are carried (the day's own
    arrivals follow). ``holders``: per agent of the state (in its order), the slots of
    the contacts it holds, in the order it took them. ``work``: per carried slot, the agent
    time a contact in hand takes in all (talk times the group's proficiency, chat stretch
    and handle-time scale, plus wrap-up times its scale; seconds since it was taken); NaN
    for the waiting ones. ``callbacks``: the carried slots waiting for a callback.
    """

    draws: ContactDraws
    carried: int
    holders: tuple[tuple[int, ...], ...]
    work: np.ndarray
    callbacks: tuple[int, ...] = ()


def continue_draws(
    scenario: Scenario, streams: Streams, state: DayState, day: ContactDraws
) -> Continuation:
    """The continuation of ``day`` (the day's draws made as always) from ``state``."""
    at = state.at_seconds
    types = scenario.contact_types
    scales = IntervalScales.of(scenario)
    # Per carried contact: arrival, type, talk draw, wrap-up draw, patience, origin, work.
    rows: list[tuple[float, int, float, float, float, int, float]] = []
    called_back: list[int] = []  # rows of waiting contacts that accepted a callback
    for w in state.waiting:
        t = types[w.contact_type]
        waited = at - w.arrived_at
        patience = math.inf
        if t.patience is not None:
            patience = waited + _beyond(t.patience, waited, streams[f"carried_patience:{t.name}"])
        handle = float(t.handle_time.sample(streams[f"carried_handle_time:{t.name}"], 1)[0])
        wrap = 0.0
        if t.wrap_up:
            wrap = float(t.wrap_up.sample(streams[f"carried_wrap_up:{t.name}"], 1)[0])
        if w.callback:  # called back: no patience runs out
            patience = math.inf
            called_back.append(len(rows))
        origin = Origin.OVERNIGHT if w.overnight else Origin.WAITING
        rows.append((w.arrived_at, w.contact_type, handle, wrap, patience, origin, math.nan))
    owners: list[tuple[int, int]] = []  # (agent, order taken) of each in-hand row
    for a, agent in enumerate(state.agents):
        group = scenario.groups[agent.group]
        for taken, (k, elapsed) in enumerate(agent.in_contact):
            t = types[k]
            skill = group.skill_for(t.name)
            factor = skill.proficiency if skill is not None else 1.0
            if t.channel == "chat":
                before = agent.chats_before[taken] if agent.chats_before else taken
                factor *= 1.0 + group.chat_stretch * before
            arrived = at - elapsed
            talk_scale, wrap_scale = (
                (1.0, 1.0) if scales is None else scales.apply(k, arrived, 1.0, 1.0)
            )
            handle, wrap = _work_beyond(
                t.handle_time,
                t.wrap_up,
                factor * talk_scale,
                wrap_scale,
                elapsed,
                streams[f"carried_handle_time:{t.name}"],
            )
            total = handle * factor * talk_scale + wrap * wrap_scale
            rows.append((arrived, k, handle, wrap, math.inf, Origin.IN_HAND, total))
            owners.append((a, taken))
    order = sorted(range(len(rows)), key=lambda r: (rows[r][0], r))
    slot_of = {r: s for s, r in enumerate(order)}
    holders: list[list[int]] = [[] for _ in state.agents]
    for r, (a, _taken) in zip(range(len(state.waiting), len(rows)), owners, strict=True):
        holders[a].append(slot_of[r])
    keep = day.arrival >= at
    carried = [rows[r] for r in order]
    draws = ContactDraws(
        arrival=np.concatenate([[c[0] for c in carried], day.arrival[keep]]).astype(float),
        handle=np.concatenate([[c[2] for c in carried], day.handle[keep]]).astype(float),
        wrap=np.concatenate([[c[3] for c in carried], day.wrap[keep]]).astype(float),
        patience=np.concatenate([[c[4] for c in carried], day.patience[keep]]).astype(float),
        contact_type=np.concatenate(
            [np.array([c[1] for c in carried], dtype=np.int32), day.contact_type[keep]]
        ).astype(np.int32),
        origin=np.concatenate(
            [np.array([c[5] for c in carried], dtype=np.uint8), np.zeros(int(keep.sum()), np.uint8)]
        ),
    )
    work = np.array([c[6] for c in carried], dtype=float)
    callbacks = tuple(sorted(slot_of[r] for r in called_back))
    return Continuation(draws, len(carried), tuple(tuple(h) for h in holders), work, callbacks)


def _beyond(law: Distribution, elapsed: float, rng: np.random.Generator) -> float:
    """How much longer a duration of ``law`` lasts, given that it has lasted ``elapsed``
    seconds: the first draw beyond ``elapsed``, less ``elapsed``."""
    for _ in range(_BATCHES):
        draws = law.sample(rng, _BATCH)
        beyond = draws[draws > elapsed]
        if len(beyond):
            return float(beyond[0]) - elapsed
    return float(rng.exponential(law.mean))


def _work_beyond(
    handle: Distribution,
    wrap: Distribution | None,
    talk_factor: float,
    wrap_factor: float,
    elapsed: float,
    rng: np.random.Generator,
) -> tuple[float, float]:
    """A talk draw and a wrap-up draw (before its factor) of a contact in hand for
    ``elapsed`` seconds: the first pair whose work (talk x ``talk_factor`` plus wrap-up x
    ``wrap_factor``) exceeds ``elapsed``."""
    for _ in range(_BATCHES):
        talk = handle.sample(rng, _BATCH)
        after = wrap.sample(rng, _BATCH) if wrap is not None else np.zeros(_BATCH)
        work = talk * talk_factor + after * wrap_factor
        beyond = np.flatnonzero(work > elapsed)
        if len(beyond):
            return float(talk[beyond[0]]), float(after[beyond[0]])
    rest = float(rng.exponential(handle.mean * talk_factor))
    return (elapsed + rest) / talk_factor, 0.0
