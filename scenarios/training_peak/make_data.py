"""Regenerate the training_peak scenario's data files (see README.md).

Run from anywhere: ``python scenarios/training_peak/make_data.py``. ``forecast.csv`` and
``skills.csv`` are the default scenario's; ``staffing.csv`` is the default's without the
``service`` column, whose agents work the shifts of ``PLAN`` instead (``schedule.csv``,
with their breaks, lunches and the training block in ``activities.csv``).
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

DAY_START, INTERVAL = 8 * 60, 30
#: The service group's shifts: (start, hours, morning break, lunch, afternoon break,
#: agents), found by shift_plan.fit for the default's service column (187.5 on-phone
#: agent-hours; this plan gives 186.75, before the training).
PLAN = [
    ("08:00", 4, "09:30", None, None, 10),
    ("08:30", 8, "11:00", "11:30", "14:30", 1),
    ("08:30", 8, "11:00", "11:30", "15:00", 1),
    ("08:30", 8, "11:00", "12:30", "15:00", 1),
    ("09:00", 8, "11:30", "12:00", "15:00", 1),
    ("09:00", 6, "11:00", None, "13:00", 2),
    ("09:30", 6, "11:30", None, "14:00", 7),
    ("13:00", 6, "14:30", None, "17:00", 1),
    ("13:30", 6, "15:00", None, "17:30", 3),
    ("14:00", 6, "16:00", None, "18:00", 4),
    ("14:00", 6, "16:00", None, "18:30", 3),
    ("15:00", 4, "16:30", None, None, 2),
    ("16:00", 4, "17:30", None, None, 1),
]
#: The training block: start, minutes, agents (the first ones free then); cancellable.
TRAINING = ("14:00", 60, 4)


def agents() -> list:
    """The service agents with their breaks, lunches and training."""
    out = shift_plan.agents_for("service", "svc", PLAN)
    start, length, count = TRAINING
    begin = shift_plan.minutes(start)
    trainees = [a for a in out if a.free(begin, begin + length)][:count]
    if len(trainees) < count:
        raise ValueError(f"only {len(trainees)} service agents are free for the training")
    for a in trainees:
        a.items.append(shift_plan.Item("training", begin, length, cancellable=True))
    return out


def files() -> dict[str, str]:
    """Every data file's name and text."""
    with (DEFAULT / "staffing.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    staffing = {
        g: [int(r[g]) for r in rows] for g in rows[0] if g not in ("interval_start", "service")
    }
    team = agents()
    return {
        "forecast.csv": (DEFAULT / "forecast.csv").read_text(),
        "skills.csv": (DEFAULT / "skills.csv").read_text(),
        "staffing.csv": shift_plan.interval_csv(DAY_START, INTERVAL, staffing),
        "schedule.csv": shift_plan.schedule_csv(team),
        "activities.csv": shift_plan.activities_csv(team),
    }


if __name__ == "__main__":
    for name, text in files().items():
        (HERE / name).write_text(text)
