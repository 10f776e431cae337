"""The table of a Hydra multirun (a sweep): KPIs against the swept parameters.

A sweep folder holds one ordinary run folder per job (``0/``, ``1/``, ...), each with its
``summary.csv`` and ``.hydra/overrides.yaml``. The parameters swept are the override keys
whose value differs between jobs (e.g. ``scenario.agents``). Plain pandas: the Hydra
callback in :mod:`sim.cli.sweep_callback` writes it (and the figure) at the end of a
multirun; :func:`sim.report.sweep.write_sweep_summary` can be called by hand on the
folder of an interrupted sweep.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.kpi.definitions import ALL

__all__ = ["KPIS", "swept_columns", "swept_parameters", "sweep_table"]

log = logging.getLogger("ccsim.sweep")

#: KPIs of the sweep table, each with ``_ci_low``/``_ci_high``; those absent from every
#: job's summary (e.g. the policy costs before they exist) are left out.
KPIS = (
    "service_level",
    "abandon_rate",
    "asa_seconds",
    "occupancy",
    "cost",
    "cost_per_contact",
    "missed_target",
)
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _value(text: str) -> Any:
    """An override's value: a number when it reads as one, else the text (unquoted)."""
    text = text.strip()
    if text == "null":
        return None
    if _NUMBER.fullmatch(text):
        return int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _overrides(job_dir: Path) -> dict[str, Any]:
    """``key: value`` of a job's ``.hydra/overrides.yaml`` (``+``/``++``/``~`` stripped)."""
    items = yaml.safe_load((job_dir / ".hydra" / "overrides.yaml").read_text(encoding="utf-8"))
    found: dict[str, Any] = {}
    for item in items or []:
        key, _, value = str(item).partition("=")
        found[key.lstrip("+~")] = _value(value)
    return found


def _job_number(job_dir: Path) -> int | None:
    if job_dir.name.isdigit():
        return int(job_dir.name)
    hydra_yaml = job_dir / ".hydra" / "hydra.yaml"  # a custom hydra.sweep.subdir
    try:
        num = yaml.safe_load(hydra_yaml.read_text(encoding="utf-8"))["hydra"]["job"]["num"]
        return int(num)
    except (OSError, KeyError, TypeError, ValueError, yaml.YAMLError):
        return None


def _jobs(sweep_dir: Path) -> dict[int, tuple[Path, dict[str, Any]]]:
    """Every job folder of the sweep (finished or not), by job number."""
    jobs: dict[int, tuple[Path, dict[str, Any]]] = {}
    if not sweep_dir.is_dir():
        return jobs
    for job_dir in sorted(sweep_dir.iterdir()):
        if not (job_dir / ".hydra" / "overrides.yaml").is_file():
            continue
        num = _job_number(job_dir)
        if num is None:
            log.warning(
                "%s: no job number in its folder name or .hydra/hydra.yaml; skipped", job_dir
            )
            continue
        jobs[num] = (job_dir, _overrides(job_dir))
    return dict(sorted(jobs.items()))


def _is_sweep(value: str) -> bool:
    """Whether an override's value is a sweep: ``a,b`` (a comma outside brackets and
    quotes) or one of Hydra's sweep functions (``range(...)``, ``choice(...)``, ...)."""
    if value.startswith(("range(", "choice(", "interval(", "glob(", "tag(")):
        return True
    depth, quote = 0, ""
    for char in value:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            return True
    return False


def _declared_sweeps(sweep_dir: Path) -> list[str]:
    """The keys swept on the command line, from the sweep's ``multirun.yaml`` ([] if none).

    They name the parameters even when a sweep stopped after its first job.
    """
    try:
        doc = yaml.safe_load((sweep_dir / "multirun.yaml").read_text(encoding="utf-8"))
        task = doc["hydra"]["overrides"]["task"] or []
    except (OSError, KeyError, TypeError, yaml.YAMLError):
        return []
    keys = []
    for item in task:
        key, _, value = str(item).partition("=")
        if _is_sweep(value.strip()):
            keys.append(key.lstrip("+~"))
    return keys


def swept_parameters(overrides: list[dict[str, Any]], declared: Iterable[str] = ()) -> list[str]:
    """The keys whose value differs between jobs (or is missing in some), or ``declared``
    as swept, in the order of the overrides."""
    keys: dict[str, None] = {}
    for job in overrides:
        keys.update(dict.fromkeys(job))
    declared = set(declared)
    keys.update(dict.fromkeys(sorted(declared - set(keys))))
    return [k for k in keys if k in declared or len({repr(job.get(k)) for job in overrides}) > 1]


def _totals_row(summary: Path) -> pd.DataFrame | None:
    """The all-types, all-groups rows (one per policy) of a job's ``summary.csv``."""
    frame = pd.read_csv(summary)
    rows = frame[(frame["contact_type"] == ALL) & (frame["group"] == ALL)]
    return None if rows.empty else rows


def sweep_table(sweep_dir: Path) -> pd.DataFrame:
    """One row per (job, policy): the swept parameters and the all-types, all-groups KPIs.

    Columns: ``job``, one per swept parameter (numbers where the values read as numbers),
    ``policy``, ``replications``, then each KPI of :data:`KPIS` present in the summaries with
    its 95% CI. Jobs without ``summary.csv`` (failed, or interrupted before any replication
    finished) are skipped with a warning. Sorted by the swept parameters, then by policy in
    the order policies first appear.
    """
    sweep_dir = Path(sweep_dir)
    jobs = _jobs(sweep_dir)
    params = swept_parameters([ov for _, ov in jobs.values()], _declared_sweeps(sweep_dir))
    frames = []
    for num, (job_dir, overrides) in jobs.items():
        summary = job_dir / "summary.csv"
        if not summary.is_file():
            log.warning(
                "job %d (%s): no summary.csv (failed or interrupted); skipped", num, job_dir
            )
            continue
        rows = _totals_row(summary)
        if rows is None:
            log.warning("job %d (%s): summary.csv has no all/all row; skipped", num, job_dir)
            continue
        rows = rows.copy()
        for k, key in enumerate(params):
            rows.insert(k, key, [overrides.get(key)] * len(rows))
        rows.insert(0, "job", num)
        frames.append(rows)
    kpi_columns = [
        f"{kpi}{suffix}"
        for kpi in KPIS
        if any(kpi in f.columns for f in frames)
        for suffix in ("", "_ci_low", "_ci_high")
    ]
    columns = ["job", *params, "policy", "replications", *kpi_columns]
    if not frames:
        return pd.DataFrame(columns=columns)
    table = pd.concat(frames, ignore_index=True).reindex(columns=columns)
    table["job"] = table["job"].astype(int)
    for key in params:  # one type per column: numbers if every value is one, else text
        values = table[key].dropna()
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            table[key] = table[key].map(lambda v: v if v is None else str(v))
        elif all(isinstance(v, int) for v in values) and len(values) == len(table):
            table[key] = table[key].astype(int)
        else:
            table[key] = pd.to_numeric(table[key])
    rank = {p: k for k, p in enumerate(table["policy"].drop_duplicates())}
    table["_rank"] = table["policy"].map(rank)
    table = table.sort_values([*params, "_rank", "job"], kind="stable", na_position="last")
    return table.drop(columns="_rank").reset_index(drop=True)


def swept_columns(table: pd.DataFrame) -> list[str]:
    """The swept-parameter columns of a sweep table: those between ``job`` and ``policy``."""
    columns = list(table.columns)
    return columns[columns.index("job") + 1 : columns.index("policy")]
