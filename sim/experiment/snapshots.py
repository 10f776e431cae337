"""Snapshot files (``run.snapshot_at``): the state of a simulated day at a moment, as the
JSON document ``scenario.snapshot_file`` reads (format ``ccsim-snapshot-1``; the reader and
its checks: :mod:`sim.config.snapshot_file`).

Numbers are written exactly (a float's shortest repr), so a snapshot read back is the
state that was written.
"""

from __future__ import annotations

from typing import Any

from sim.core.day_state import (
    COUNT_ACTUALS,
    GROUP_ACTUALS,
    SNAPSHOT_FORMAT,
    TYPE_ACTUALS,
    DayState,
)
from sim.core.scenario import Scenario
from sim.units import clock_exact

__all__ = ["snapshot_document"]


def snapshot_document(state: DayState, scenario: Scenario) -> dict[str, Any]:
    """The JSON document of ``state``, a day of ``scenario`` at a moment."""
    at = state.at_seconds
    types, groups = scenario.type_names, scenario.group_names
    per_group: dict[str, dict[str, Any]] = {
        name: {"logged_in": 0, "busy": [], "away": []} for name in groups
    }
    for agent in state.agents:
        entry = per_group[groups[agent.group]]
        entry["logged_in"] += 1
        if agent.in_contact:
            contacts = [
                {"contact_type": types[k], "seconds_in_contact": seconds}
                for k, seconds in agent.in_contact
            ]
            for contact, before in zip(contacts, agent.chats_before, strict=False):
                contact["chats_before"] = before
            entry["busy"].append({"contacts": contacts, "leaving": agent.leaving})
        elif agent.away_seconds_left > 0:
            entry["away"].append({"kind": "break", "seconds_left": agent.away_seconds_left})
    started = [
        k for k in range(scenario.intervals) if k * scenario.interval_seconds < at
    ]  # the intervals the figures so far cover
    return {
        "format": SNAPSHOT_FORMAT,
        "scenario": scenario.name,
        "clock": clock_exact(scenario.start_clock_seconds + at),
        "waiting": [
            {"contact_type": types[w.contact_type], "waited_seconds": at - w.arrived_at}
            for w in state.waiting
        ],
        "groups": per_group,
        "actuals": {
            "contact_types": [
                {
                    "interval_start": scenario.interval_label(k),
                    "contact_type": types[t],
                    **_figures(TYPE_ACTUALS, state.type_actuals[:, t, k]),
                }
                for k in started
                for t in range(len(types))
            ],
            "groups": [
                {
                    "interval_start": scenario.interval_label(k),
                    "group": groups[g],
                    **_figures(GROUP_ACTUALS, state.group_actuals[:, g, k]),
                }
                for k in started
                for g in range(len(groups))
            ],
        },
    }


def _figures(names: tuple[str, ...], values) -> dict[str, float | int]:
    return {
        name: int(round(value)) if name in COUNT_ACTUALS else float(value)
        for name, value in zip(names, values.tolist(), strict=True)
    }
