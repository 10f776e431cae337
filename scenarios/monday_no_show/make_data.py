"""Regenerate the monday_no_show scenario's data files (see README.md).

Run from anywhere: ``python scenarios/monday_no_show/make_data.py``. The forecast is the
default's x 1.15 (a Monday); every group is staffed for it as the default scenario's
``make_data.py`` staffs the default day (Erlang A per group, lunch cuts), with no
allowance for absence. ``staffing.csv`` keeps the billing, bilingual and digital columns;
the sales and service agents work the shifts of ``PLANS`` (``schedule.csv``, breaks and
lunches in ``activities.csv``), fitted once with ``shift_plan.fit`` to those columns.
"""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT = HERE.parent / "default"


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


shift_plan = _load("ccsim_shift_plan", HERE.parent / "shift_plan.py")
default_data = _load("ccsim_default_make_data", DEFAULT / "make_data.py")

DAY_START, INTERVAL = 8 * 60, 30
MONDAY = 1.15  # Monday volumes: x the default weekday's, same intraday curves
#: Per group on shifts: agent name prefix and shifts (start, hours, morning break, lunch,
#: afternoon break, agents); fitted to the Monday staffing columns (sales 162 on-phone
#: agent-hours, plan 162.75; service 212.5, plan 215.5).
PLANS = {
    "sales": (
        "sal",
        [
            ("08:00", 4, "09:30", None, None, 6),
            ("08:00", 4, "10:00", None, None, 2),
            ("08:30", 4, "10:00", None, None, 2),
            ("09:00", 6, "11:00", None, "13:00", 1),
            ("09:30", 6, "11:30", None, "14:00", 6),
            ("10:00", 6, "12:00", None, "14:30", 1),
            ("11:00", 8, "12:30", "15:00", "16:30", 1),
            ("11:30", 8, "13:00", "16:30", "17:00", 1),
            ("12:00", 8, "14:30", "16:30", "17:30", 1),
            ("12:00", 8, "14:30", "17:00", "17:30", 2),
            ("14:00", 6, "16:00", None, "18:00", 3),
            ("14:00", 6, "16:00", None, "18:30", 2),
            ("15:30", 4, "17:00", None, None, 3),
            ("16:00", 4, "17:30", None, None, 2),
        ],
    ),
    "service": (
        "svc",
        [
            ("08:00", 4, "09:30", None, None, 11),
            ("08:30", 8, "11:00", "11:30", "15:00", 1),
            ("08:30", 8, "11:00", "12:30", "14:30", 2),
            ("08:30", 8, "11:00", "12:30", "15:00", 1),
            ("09:00", 8, "11:30", "12:00", "15:00", 2),
            ("09:00", 6, "11:00", None, "13:00", 2),
            ("09:30", 6, "11:30", None, "14:00", 8),
            ("13:30", 6, "15:00", None, "17:30", 3),
            ("14:00", 6, "16:00", None, "18:00", 3),
            ("14:00", 6, "16:00", None, "18:30", 6),
            ("15:00", 4, "16:30", None, None, 2),
            ("16:00", 4, "17:30", None, None, 1),
        ],
    ),
}


def forecast() -> dict[str, list[float]]:
    """The default forecast x MONDAY, to 0.1 contact."""
    with (DEFAULT / "forecast.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    return {
        k: [round(float(r[k]) * MONDAY, 1) for r in rows] for k in rows[0] if k != "interval_start"
    }


def agents() -> list:
    """The sales and service agents with their breaks and lunches."""
    return [
        a
        for group, (prefix, plan) in PLANS.items()
        for a in shift_plan.agents_for(group, prefix, plan)
    ]


def files() -> dict[str, str]:
    """Every data file's name and text."""
    fc = forecast()
    staffing = {g: n for g, n in default_data.staffing(fc).items() if g not in PLANS}
    team = agents()
    return {
        "forecast.csv": shift_plan.interval_csv(DAY_START, INTERVAL, fc),
        "skills.csv": (DEFAULT / "skills.csv").read_text(),
        "staffing.csv": shift_plan.interval_csv(DAY_START, INTERVAL, staffing),
        "schedule.csv": shift_plan.schedule_csv(team),
        "activities.csv": shift_plan.activities_csv(team),
    }


if __name__ == "__main__":
    for name, text in files().items():
        (HERE / name).write_text(text)
