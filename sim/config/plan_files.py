"""``plan.staffing_files``: staffing plans given as tables, read and checked against the
scenario before anything is simulated.

Each file has the ``staffing.csv`` shape (``interval_start``, then one column per group),
lives in the scenario's data folder (or below it; a path leaving the project folder is
refused unless ``scenario.allow_outside_paths=true``), names exactly the scenario's
count-staffed groups and covers exactly the day's intervals. A file is a variant named
after its stem.
"""

from __future__ import annotations

import re
from pathlib import Path

from sim.config.checks import Checker
from sim.config.data_files import DataFileError, quoted_list, read_interval_table
from sim.config.safety import OUTSIDE
from sim.config.schema import DayScenarioConfig
from sim.core.planning import StaffingVariant
from sim.core.scenario import Scenario
from sim.units import clock

__all__ = ["read_staffing_variants"]

#: A variant's name (the file's stem): letters, digits, '_', '-' and '.'.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def read_staffing_variants(
    c: Checker, files: list[str], s: object, scenario: Scenario, root: Path
) -> tuple[StaffingVariant, ...]:
    """The variants of ``files`` (the ``plan.staffing_files`` list), each checked; problems
    go to ``c`` (then the result is empty)."""
    if not files:
        return ()
    if not isinstance(s, DayScenarioConfig) or not s.data_dir:
        c.fail(
            "plan.staffing_files",
            list(files),
            "needs a day scenario with a data folder (scenario.data_dir); the erlang scenario "
            "varies its staffing with scenario.agents",
        )
        return ()
    data_dir = Path(s.data_dir)
    data_dir = data_dir if data_dir.is_absolute() else root / data_dir
    counted = [g.name for g in scenario.groups if not g.scheduled]
    labels = [scenario.interval_label(k) for k in range(scenario.intervals)]
    minutes = round(scenario.interval_seconds / 60)
    variants: list[StaffingVariant] = []
    before = len(c.problems)
    for i, file in enumerate(files):
        key = f"plan.staffing_files[{i}]"
        path = data_dir / str(file)
        if not _inside(path, root, s.allow_outside_paths is True):
            c.fail(key, file, OUTSIDE)
            continue
        if not path.is_file():
            c.fail(key, file, f"file not found (looked at {path})")
            continue
        name = path.stem
        if not _NAME.match(name):
            c.fail(
                key,
                file,
                "the file's name (its stem names the variant) must be letters, "
                "digits, '_', '-' or '.', at most 64",
            )
            continue
        if any(v.name == name for v in variants):
            c.fail(key, file, f"a second file named {name!r}: each variant needs its own name")
            continue
        try:
            table = read_interval_table(path, key, integer=True, interval_minutes=minutes)
        except DataFileError as exc:
            c.problems.extend(exc.problems)
            continue
        extra = [n for n in table.names if n not in counted]
        missing = [n for n in counted if n not in table.names]
        if extra or missing:
            c.fail(
                key,
                file,
                "must have one column per count-staffed group of the scenario, "
                f"{quoted_list(counted)}"
                + (f"; not such a group: {quoted_list(extra)}" if extra else "")
                + (f"; missing: {quoted_list(missing)}" if missing else ""),
            )
            continue
        starts = [clock(m * 60.0) for m in table.start_minutes]
        if starts != labels:
            c.fail(
                key,
                file,
                f"must cover the scenario's intervals {labels[0]} to {labels[-1]} "
                f"({len(labels)} rows); it has {starts[0]} to {starts[-1]} ({len(starts)} rows)",
            )
            continue
        variants.append(StaffingVariant(name, tuple((g, table.columns[g]) for g in counted)))
    return tuple(variants) if len(c.problems) == before else ()


def _inside(path: Path, root: Path, allowed_outside: bool) -> bool:
    if allowed_outside:
        return True
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError, ValueError):
        return False
