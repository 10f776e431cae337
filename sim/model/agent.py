"""One logged-in agent's state, as the router and the model see it."""

from __future__ import annotations

import math

import simpy

__all__ = ["Agent"]


class Agent:
    """One logged-in agent: its group, what it holds, and its place in the indexes."""

    __slots__ = (
        "id",
        "group",
        "sessions",
        "exclusive",
        "leaving",
        "logged_out",
        "away",
        "free_event",
        "offline",
        "offline_since",
        "in_hand",
        "stamp",
        "bucket",
        "since",
        "busy_since",
        "busy_open",
        "login_at",
        "logout_at",
        "talk_until",
        "doing",
        "absent_until",
        "leaving_at",
    )

    def __init__(self, agent_id: int, group: int, now: float) -> None:
        self.id = agent_id
        self.group = group
        self.sessions = 0  # contacts in hand (talk or wrap-up)
        self.exclusive = False  # holding a voice call or an email: nothing else fits
        self.leaving = False
        self.logged_out = False
        self.away = False  # on (or waiting to start) a break, activity or aux: no new contacts
        self.free_event: simpy.Event | None = None  # succeeds when an away agent is free
        self.offline = 0  # outages keeping it off the phone (site down, partial outage)
        self.offline_since = now
        self.in_hand: list[int] = []  # contacts held, tracked only when outages may drop them
        self.stamp = 0
        self.bucket = -1  # which availability deque lists it; -1 = none
        self.since = now  # when it entered its availability deque
        self.busy_since = now
        self.busy_open = False  # a busy period (at least one contact in hand) is running
        self.login_at = now
        self.logout_at = math.nan
        self.talk_until = now  # end of talk on the last voice contact taken; wrap-up after
        self.doing: str | None = None  # the break, lunch, activity or aux under way
        self.absent_until: float | None = None  # leaving early: absent from log-out to this
        self.leaving_at = math.nan  # when it was last told to leave once free (NaN: not)
