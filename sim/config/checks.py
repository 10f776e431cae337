"""The checker every config module reports into, and the check of a distribution config.

Every check appends ``key = value: what is allowed`` lines to a :class:`Checker`, so that
all problems are reported together before anything is simulated.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from omegaconf import MISSING

from sim.config.data_files import DataFileError, read_values_column
from sim.config.schema import DistributionConfig
from sim.core.distributions import KINDS, Distribution

__all__ = ["Checker", "distribution"]


class Checker:
    """Collects problems as ``key = value: what is allowed`` lines."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, key: str, value: Any, allowed: str) -> None:
        self.problems.append(f"{key} = {value!r}: {allowed}")

    def number(
        self, key: str, value: Any, *, low: float, strict: bool, whole: bool = False
    ) -> bool:
        ok = (
            isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        )
        ok = ok and (value > low if strict else value >= low) and (not whole or value == int(value))
        if not ok:
            kind = "a whole number" if whole else "a number"
            self.fail(key, value, f"must be {kind} {'>' if strict else '>='} {low:g}")
        return ok

    def share(self, key: str, value: Any) -> bool:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= 1
        if not ok:
            self.fail(key, value, "must be a share in (0, 1]")
        return ok

    def name(self, key: str, value: Any, what: str) -> bool:
        ok = isinstance(value, str) and value.strip() != "" and value != MISSING
        if not ok:
            self.fail(key, value, f"required: {what}")
        return ok


def distribution(c: Checker, key: str, d: Any, data_dir: Path) -> Distribution | None:
    """Check a distribution config at ``key``; the :class:`Distribution` or ``None``."""
    if not isinstance(d, DistributionConfig):
        c.fail(key, d, "required: a distribution {distribution, mean_seconds, cv}")
        return None
    if d.distribution not in KINDS:
        c.fail(
            f"{key}.distribution", d.distribution, f"unknown distribution; allowed: {sorted(KINDS)}"
        )
        return None
    if d.distribution == "empirical":
        if not d.file or not d.column:
            c.fail(
                f"{key}.file/{key}.column",
                (d.file, d.column),
                "an empirical distribution needs both",
            )
            return None
        try:
            values = read_values_column(data_dir / d.file, f"{key}.file", d.column)
        except DataFileError as exc:
            c.problems.extend(exc.problems)
            return None
        if not sum(values) > 0:
            c.fail(f"{key}.file", d.file, "the values must have a positive mean")
            return None
        return Distribution.empirical(values)
    ok = c.number(f"{key}.mean_seconds", d.mean_seconds, low=0, strict=True)
    if KINDS[d.distribution]:
        ok &= c.number(f"{key}.cv", d.cv, low=0, strict=True)
    elif d.cv is not None:
        c.fail(f"{key}.cv", d.cv, f"a {d.distribution} distribution takes no cv; leave it null")
        ok = False
    if not ok or d.mean_seconds is None:
        return None
    return Distribution(d.distribution, float(d.mean_seconds), float(d.cv or 1.0))
