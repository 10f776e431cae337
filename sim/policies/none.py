"""The baseline: the analyst watches and does nothing."""

from __future__ import annotations

from sim.policies.base import Policy


class NoPolicy(Policy):
    """Never intervenes; every other policy is compared against it.

    It is never even consulted (no check interval), so a day under ``none`` runs exactly the
    code of a day without any policy machinery.
    """

    name = "none"
    description = "baseline: no realtime intervention"

    @property
    def check_interval_seconds(self) -> float | None:
        return None
