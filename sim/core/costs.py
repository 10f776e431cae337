"""What a day costs: agents' paid hours, overtime premiums, an outsourcer, lost customers.

Plain data, in one currency. The model records what happened; :mod:`sim.kpi.definitions` turns it
into the ``cost`` and ``cost_per_contact`` KPIs with these rates.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Costs"]


@dataclass(frozen=True)
class Costs:
    """Cost rates of a day.

    ``hourly``: cost of one logged-in agent hour (every group unless ``hourly_by_group``
    names it, as ``(group, rate)`` pairs). ``overtime_premium``: extra share of the hourly
    cost paid for overtime hours (0.5 = time and a half). ``outsourced_contact``: what the
    outsourcer charges per contact it takes. ``abandoned_contact``: the business's estimate
    of what an abandoned contact costs (lost sale, repeat call); 0 leaves it out.
    ``repeat_contact``: the estimate of what a repeat contact (a customer calling again
    about an unresolved problem) costs beyond the agents' time; 0 leaves it out.
    """

    hourly: float = 0.0
    hourly_by_group: tuple[tuple[str, float], ...] = ()
    overtime_premium: float = 0.5
    outsourced_contact: float = 0.0
    abandoned_contact: float = 0.0
    repeat_contact: float = 0.0
    currency: str = "EUR"

    def rate(self, group: str) -> float:
        """Cost of one logged-in hour of an agent of ``group``."""
        for name, rate in self.hourly_by_group:
            if name == group:
                return rate
        return self.hourly
