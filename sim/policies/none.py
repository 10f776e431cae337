"""The baseline: the analyst watches and does nothing."""

from __future__ import annotations

from .base import Policy


class NoPolicy(Policy):
    """Never intervenes; every other policy is compared against it."""

    name = "none"
    description = "baseline: no realtime intervention"
    check_interval_seconds = None
