"""Regenerate forecast.csv, staffing.csv and export_example.csv of the default scenario
(see README.md).

Run from anywhere: ``python scenarios/default/make_data.py``. Handle times, wrap-up,
patience, service levels and chat settings are read from configs/scenario/default.yaml,
the skills from skills.csv; the daily volumes, curve shapes, email staffing and lunch
cuts are below, and so are the made-up days of the example WFM export.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

import numpy as np
from omegaconf import OmegaConf

from sim.analytic import required_agents

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
START_HOUR, INTERVALS = 8.0, 24  # 08:00-20:00 in half-hours

#: Contacts per day and the intraday shape: a base load plus Gaussian bumps
#: (centre hour, width in hours, height), scaled to the daily volume.
DAILY: dict[str, tuple[float, float, list[tuple[float, float, float]]]] = {
    "sales": (900, 0.30, [(11.0, 1.2, 0.9), (15.0, 1.2, 0.7), (18.75, 0.9, 0.6)]),
    "service": (1700, 0.35, [(10.5, 1.0, 1.0), (14.75, 1.1, 0.85), (18.5, 0.8, 0.3)]),
    "billing": (700, 0.30, [(10.0, 1.0, 1.0), (14.0, 1.2, 0.7), (18.5, 0.8, 0.2)]),
    "service_fr": (250, 0.35, [(10.5, 1.0, 1.0), (14.75, 1.1, 0.85), (18.5, 0.8, 0.3)]),
    "chat": (
        650,
        0.40,
        [(10.75, 1.2, 0.7), (12.75, 0.6, 0.4), (14.5, 1.2, 0.7), (19.0, 0.8, 0.6)],
    ),
    "email": (240, 0.12, [(8.25, 0.6, 2.0), (10.0, 1.5, 0.7)]),  # the night's backlog at 08:00
}

#: Email is level-2 work of the digital group, answered within 4 hours: these extra
#: digital agents give 33 agent-hours for about 24 hours of email work (chats come first).
EMAIL_AGENTS = [5] * 4 + [4] * 4 + [3] * 4 + [2] * 6 + [1] * 6

#: Agents fewer than required at 12:00, 12:30 and 13:00 (lunch breaks), per group.
LUNCH_INTERVALS = (8, 9, 10)
LUNCH_CUT = {"sales": 1, "service": 2, "billing": 1, "digital": 1}
MIN_AGENTS = 2  # nobody works alone
CHAT_OTHERS = 0.0  # other chats in hand assumed when a chat starts (0: stretch ignored)


def clock(k: int) -> str:
    minutes = int(START_HOUR * 60 + 30 * k)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def forecast() -> dict[str, list[float]]:
    mid = [START_HOUR + 0.5 * k + 0.25 for k in range(INTERVALS)]
    out = {}
    for name, (total, base, bumps) in DAILY.items():
        w = [base + sum(h * math.exp(-0.5 * ((t - c) / s) ** 2) for c, s, h in bumps) for t in mid]
        out[name] = [round(total * x / sum(w), 1) for x in w]
    return out


def staffing(fc: dict[str, list[float]]) -> dict[str, list[int]]:
    scenario = OmegaConf.load(ROOT / "configs" / "scenario" / "default.yaml")
    top = OmegaConf.load(ROOT / "configs" / "config.yaml").service_level
    with (HERE / "skills.csv").open(newline="") as f:
        primary = {r["group"]: r["contact_type"] for r in csv.DictReader(f) if r["level"] == "1"}
    out = {}
    for group, ctype in primary.items():
        t = scenario.contact_types[ctype]
        settings = scenario.groups.get(group, {})
        concurrency = settings.get("chat_concurrency", 1) if t.channel == "chat" else 1
        stretch = 1.0
        if t.channel == "chat":  # each chat is stretched by the others in hand
            stretch += settings.get("chat_stretch", 0.0) * CHAT_OTHERS
        aht = t.handle_time.mean_seconds * stretch + (t.wrap_up.mean_seconds if t.wrap_up else 0)
        threshold = t.get("service_level", {}).get("threshold_seconds") or top.threshold_seconds
        target = t.get("service_level", {}).get("target") or top.target
        patience = t.patience.mean_seconds if t.patience else None
        agents = []
        for k, contacts in enumerate(fc[ctype]):
            slots = required_agents(contacts / 1800, aht, threshold, target, patience)
            n = max(MIN_AGENTS, math.ceil(slots / concurrency))
            if group == "digital":
                n += EMAIL_AGENTS[k]
            if k in LUNCH_INTERVALS:
                n = max(MIN_AGENTS, n - LUNCH_CUT.get(group, 0))
            agents.append(n)
        out[group] = agents
    return out


def write(path: Path, columns: dict[str, list]) -> None:
    with path.open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["interval_start", *columns])
        for k in range(INTERVALS):
            writer.writerow([clock(k), *(f"{columns[c][k]:g}" for c in columns)])


#: The example WFM export's dates (a Monday and a Tuesday) and their volume over the forecast.
EXPORT_DAYS = {"2026-03-02": 1.08, "2026-03-03": 0.96}
EXPORT_SEED = 13


def export_example(fc: dict[str, list[float]]) -> list[list[str]]:
    """Made-up rows of a WFM/ACD interval export of the default day: offered drawn around
    the forecast; talk time longest early and late in the day (x1.12) and shortest mid-
    afternoon (x0.88) around the config's means, wrap-up half as variable; about 4% abandoned
    (``abandoned`` and ``service_level`` are there as exports have them; ccsim ignores them)."""
    scenario = OmegaConf.load(ROOT / "configs" / "scenario" / "default.yaml")
    rng = np.random.default_rng(EXPORT_SEED)
    rows = [
        [
            "date",
            "interval_start",
            "queue",
            "offered",
            "answered",
            "abandoned",
            "aht_seconds",
            "acw_seconds",
            "service_level",
        ]
    ]
    for date, volume in EXPORT_DAYS.items():
        assert dt.date.fromisoformat(date).weekday() < 5
        for k in range(INTERVALS):
            hour = START_HOUR + 0.5 * k
            shape = 1.0 + 0.12 * math.cos(2.0 * math.pi * (hour - START_HOUR) / 12.0)
            for name, curve in fc.items():
                t = scenario.contact_types[name]
                offered = int(rng.poisson(curve[k] * volume))
                abandoned = int(rng.binomial(offered, 0.04)) if t.patience else 0
                talk = t.handle_time.mean_seconds * shape * rng.normal(1.0, 0.03)
                wrap = (
                    t.wrap_up.mean_seconds * (1.0 + 0.5 * (shape - 1.0)) * rng.normal(1.0, 0.03)
                    if t.wrap_up
                    else 0.0
                )
                level = min(1.0, max(0.0, rng.normal(0.82, 0.06)))
                rows.append(
                    [
                        date,
                        clock(k),
                        name,
                        str(offered),
                        str(offered - abandoned),
                        str(abandoned),
                        f"{talk:.0f}",
                        f"{wrap:.0f}",
                        f"{level:.3f}",
                    ]
                )
    return rows


if __name__ == "__main__":
    fc = forecast()
    write(HERE / "forecast.csv", fc)
    write(HERE / "staffing.csv", staffing(fc))
    with (HERE / "export_example.csv").open("w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(export_example(fc))
