"""Every contact's own attributes, drawn before the day is simulated (common random numbers).

A contact is an index into these arrays. With redials on, the arrays have a second block
of the same size: slot ``originals + i`` is the redial of contact ``i``, drawn up front
too (its arrival time is set only if contact ``i`` does call again). With repeats or
escalations (:mod:`sim.core.follow_ups`), the slots of every follow-up a customer may make
come after those, generation by generation, each drawn up front as well.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.core.scenario import Scenario
from sim.core.streams import Streams
from sim.model.arrivals import arrival_times
from sim.model.demand import realised_forecast
from sim.model.states import Attempt

__all__ = ["ContactDraws", "draw_contacts"]


@dataclass(frozen=True)
class ContactDraws:
    """Every contact's own attributes, drawn before the day is simulated.

    ``arrival`` is sorted (seconds from time 0); ``contact_type`` indexes
    ``Scenario.contact_types``; ``handle`` is the base talk time (before a group's
    proficiency), ``wrap`` the after-contact work (0 for none), ``patience`` how long the
    contact will wait (inf for never abandoning). Tests build these by hand to script exact
    event sequences.
    """

    arrival: np.ndarray
    handle: np.ndarray
    wrap: np.ndarray
    patience: np.ndarray
    contact_type: np.ndarray
    originals: int | None = None  # first attempts; the rest are redial slots (None: all)
    redial: np.ndarray | None = None  # per original: will it call again if not answered
    redial_delay: np.ndarray | None = None  # per original: after how many seconds
    # Follow-ups (sim.core.follow_ups), per slot; None when no type has any:
    follow_up: np.ndarray | None = None  # the slot of its repeat or escalation (-1: none)
    follow_delay: np.ndarray | None = None  # seconds from the end of its talk to the follow-up
    resolve_draw: np.ndarray | None = None  # uniform: resolved if below the group's probability
    escalate: np.ndarray | None = None  # handed to the escalation type at the end of its talk
    # Empowerment: money paid if its talk resolves it (None: no type has a problem_value).
    concession: np.ndarray | None = None
    attempt: np.ndarray | None = None  # Attempt (None: firsts, then redial slots)
    customer: np.ndarray | None = None  # slot of its customer's first contact (None: itself)
    # A continued day (sim.model.resume): per slot, NEW, WAITING or IN_HAND (None: all new).
    origin: np.ndarray | None = None

    @property
    def first_attempts(self) -> int:
        """Number of original contacts (the arrival chain runs over these)."""
        return len(self.arrival) if self.originals is None else self.originals

    def attempts(self) -> np.ndarray:
        """Per slot, which call of its customer it is (:class:`~sim.model.states.Attempt`)."""
        if self.attempt is not None:
            return self.attempt
        kinds = np.full(len(self.arrival), Attempt.FIRST, dtype=np.int8)
        kinds[self.first_attempts :] = Attempt.REDIAL
        return kinds

    def customers(self) -> np.ndarray:
        """Per slot, the slot of its customer's first contact."""
        if self.customer is not None:
            return self.customer
        n = self.first_attempts
        return np.arange(len(self.arrival)) % max(n, 1)

    @classmethod
    def scripted(cls, arrival, handle, wrap=None, patience=None, contact_type=None) -> ContactDraws:
        """Contacts given explicitly; wrap 0, infinite patience and type 0 by default."""
        arrival = np.asarray(arrival, dtype=float)
        n = len(arrival)
        return cls(
            arrival=arrival,
            handle=np.asarray(handle, dtype=float),
            wrap=np.zeros(n) if wrap is None else np.asarray(wrap, dtype=float),
            patience=np.full(n, math.inf)
            if patience is None
            else np.asarray(patience, dtype=float),
            contact_type=np.zeros(n, dtype=np.int32)
            if contact_type is None
            else np.asarray(contact_type, dtype=np.int32),
        )


def draw_contacts(scenario: Scenario, streams: Streams) -> ContactDraws:
    """Draw the day's contacts; each type and each source has its own stream.

    Streams are named ``<source>:<contact type>``, so adding a contact type or changing
    one type's demand leaves every other type's draws unchanged. Arrivals follow the day's
    realised forecast (``Scenario.demand``: forecast error, interval noise, surges; see
    :mod:`sim.model.demand`), which draws from streams of its own.
    """
    forecast = realised_forecast(scenario, streams)
    parts = []
    for k, t in enumerate(scenario.contact_types):
        arrival = arrival_times(
            forecast[k], scenario.interval_seconds, streams[f"arrivals:{t.name}"]
        )
        n = len(arrival)
        parts.append(
            (
                arrival,
                t.handle_time.sample(streams[f"handle_time:{t.name}"], n),
                t.wrap_up.sample(streams[f"wrap_up:{t.name}"], n) if t.wrap_up else np.zeros(n),
                t.patience.sample(streams[f"patience:{t.name}"], n)
                if t.patience
                else np.full(n, math.inf),
                np.full(n, k, dtype=np.int32),
            )
        )
    arrays = [np.concatenate(column) for column in zip(*parts, strict=True)]
    order = np.argsort(arrays[0], kind="stable")
    arrival, handle, wrap, patience, contact_type = (a[order] for a in arrays)
    if not scenario.redials.on:
        draws = ContactDraws(arrival, handle, wrap, patience, contact_type)
    else:
        draws = _with_redial_slots(scenario, streams, arrival, handle, wrap, patience, contact_type)
    if all(t.resolution.always and t.escalation is None for t in scenario.contact_types):
        return draws
    return _with_follow_up_slots(scenario, streams, draws)


def _with_redial_slots(
    scenario, streams, arrival, handle, wrap, patience, contact_type
) -> ContactDraws:
    """Add one redial slot per contact, with its decision, delay and own draws."""
    n = len(arrival)
    redials = scenario.redials
    decision = streams["redial_decision"].random(n) < redials.probability
    delay = redials.delay_seconds.sample(streams["redial_delay"], n)
    handle2, wrap2, patience2 = np.empty(n), np.zeros(n), np.full(n, math.inf)
    for k, t in enumerate(scenario.contact_types):
        mine = contact_type == k
        m = int(mine.sum())
        handle2[mine] = t.handle_time.sample(streams[f"redial_handle_time:{t.name}"], m)
        if t.wrap_up:
            wrap2[mine] = t.wrap_up.sample(streams[f"redial_wrap_up:{t.name}"], m)
        if t.patience:
            patience2[mine] = t.patience.sample(streams[f"redial_patience:{t.name}"], m)
    return ContactDraws(
        np.concatenate([arrival, np.full(n, np.nan)]),
        np.concatenate([handle, handle2]),
        np.concatenate([wrap, wrap2]),
        np.concatenate([patience, patience2]),
        np.concatenate([contact_type, contact_type]),
        originals=n,
        redial=decision,
        redial_delay=delay,
    )


def _with_follow_up_slots(
    scenario: Scenario, streams: Streams, draws: ContactDraws
) -> ContactDraws:
    """Add the slots of every follow-up a customer may make (:mod:`sim.core.follow_ups`).

    Generation by generation from the first contacts: each contact draws a uniform for
    "resolved?" (stream ``resolution:<type>``), whether it is escalated
    (``escalation:<type>``) and a repeat delay (``repeat_delay:<type>``); its follow-up is
    the transfer if it is escalated, else its repeat while repeats are left. A contact of a
    type with a ``problem_value`` also draws its problem's value (``problem_value:<type>``):
    above ``Scenario.empowerment.authority`` it is escalated (as is one its escalation draw
    escalates), else its concession is set and its talk draw gets the extra handle seconds.
    The first contacts' values do not depend on the authority, so an authority sweep
    meets the same problems. A follow-up
    gets a slot with its own draws (``follow_up_<source>:<type>``), used only if the
    follow-up happens. A redial shares its first contact's decisions and follow-up (only
    one of the two can be answered).
    """
    types = scenario.contact_types
    index = {t.name: k for k, t in enumerate(types)}
    n = draws.first_attempts
    size = len(draws.arrival)  # firsts and redial slots; follow-up slots come after
    # Per block of slots (the first block: firsts and redial slots; then one per generation).
    blocks: dict[str, list[np.ndarray]] = {
        name: [] for name in ("follow_up", "delay", "resolve", "escalate", "concession", "extra")
    }
    power = scenario.empowerment
    valued = any(t.problem_value is not None for t in types)
    attempt, customer = [draws.attempts()], [draws.customers()]
    ctype, handle, wrap, patience = (
        [draws.contact_type],
        [draws.handle],
        [draws.wrap],
        [draws.patience],
    )
    # The current generation: its first slot, types, customers and repeats in a row so far.
    first, kinds, owners = 0, draws.contact_type[:n].astype(np.int64), np.arange(n)
    in_a_row = np.zeros(n, dtype=np.int64)
    while len(kinds):
        m = len(kinds)
        u, handed, wait = np.empty(m), np.zeros(m, dtype=bool), np.zeros(m)
        paid, extra = np.zeros(m), np.zeros(m)
        child = np.full(m, -1, dtype=np.int64)  # the follow-up's type
        for k, t in enumerate(types):
            mine = np.flatnonzero(kinds == k)
            if not len(mine):
                continue
            u[mine] = streams[f"resolution:{t.name}"].random(len(mine))
            res, esc = t.resolution, t.escalation
            if res.repeats:
                assert res.repeat_delay is not None
                wait[mine] = res.repeat_delay.sample(streams[f"repeat_delay:{t.name}"], len(mine))
                child[mine[in_a_row[mine] < res.max_repeats]] = k
            if esc is not None and esc.share > 0:
                up = mine[streams[f"escalation:{t.name}"].random(len(mine)) < esc.share]
                handed[up] = True
                wait[up] = esc.transfer_seconds
                child[up] = index[esc.to]
            if t.problem_value is not None:
                assert esc is not None
                value = t.problem_value.sample(streams[f"problem_value:{t.name}"], len(mine))
                above = value > power.authority
                up = mine[above]
                handed[up] = True
                wait[up] = esc.transfer_seconds
                child[up] = index[esc.to]
                within = mine[~above & ~handed[mine]]
                paid[within] = power.concession_share * value[~above & ~handed[mine]]
                extra[within] = power.extra_handle_seconds
        parents = np.flatnonzero(child >= 0)
        follow_up = np.full(m, -1, dtype=np.int64)
        follow_up[parents] = size + np.arange(len(parents))
        for name, values in (
            ("follow_up", follow_up),
            ("delay", wait),
            ("resolve", u),
            ("escalate", handed),
            ("concession", paid),
            ("extra", extra),
        ):
            blocks[name].append(values)
            if first == 0 and draws.redial is not None:  # the redial slots: the same
                blocks[name].append(values)
        transfer = handed[parents]
        first, size = size, size + len(parents)
        kinds, owners = child[parents], owners[parents]
        in_a_row = np.where(transfer, 0, in_a_row[parents] + 1)
        attempt.append(np.where(transfer, Attempt.TRANSFER, Attempt.REPEAT).astype(np.int8))
        customer.append(owners)
        ctype.append(kinds.astype(draws.contact_type.dtype))
        for column, values in zip(
            (handle, wrap, patience), _follow_up_draws(scenario, streams, kinds), strict=True
        ):
            column.append(values)
    talk = np.concatenate(handle)
    if valued:
        talk = talk + np.concatenate(blocks["extra"])
    return ContactDraws(
        np.concatenate([draws.arrival, np.full(size - len(draws.arrival), np.nan)]),
        talk,
        np.concatenate(wrap),
        np.concatenate(patience),
        np.concatenate(ctype),
        originals=n,
        redial=draws.redial,
        redial_delay=draws.redial_delay,
        follow_up=np.concatenate([np.zeros(0, dtype=np.int64), *blocks["follow_up"]]),
        follow_delay=np.concatenate([np.zeros(0), *blocks["delay"]]),
        resolve_draw=np.concatenate([np.zeros(0), *blocks["resolve"]]),
        escalate=np.concatenate([np.zeros(0, dtype=bool), *blocks["escalate"]]),
        concession=np.concatenate([np.zeros(0), *blocks["concession"]]) if valued else None,
        attempt=np.concatenate(attempt),
        customer=np.concatenate(customer),
    )


def _follow_up_draws(
    scenario: Scenario, streams: Streams, kinds: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Talk, wrap-up and patience draws of follow-up contacts of types ``kinds``."""
    m = len(kinds)
    handle, wrap, patience = np.empty(m), np.zeros(m), np.full(m, math.inf)
    for k, t in enumerate(scenario.contact_types):
        mine = kinds == k
        c = int(mine.sum())
        if not c:
            continue
        handle[mine] = t.handle_time.sample(streams[f"follow_up_handle_time:{t.name}"], c)
        if t.wrap_up:
            wrap[mine] = t.wrap_up.sample(streams[f"follow_up_wrap_up:{t.name}"], c)
        if t.patience:
            patience[mine] = t.patience.sample(streams[f"follow_up_patience:{t.name}"], c)
    return handle, wrap, patience
