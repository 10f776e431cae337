"""The table of a Hydra multirun (a sweep): KPIs against the swept parameters.

A sweep folder holds one ordinary run folder per job (``0/``, ``1/``, ...), each with its
``summary.csv`` and ``.hydra/overrides.yaml``. The parameters swept are the override keys
whose value differs between jobs (e.g. ``scenario.agents``). Plain pandas: the overrides
come here as plain data, parsed by Hydra's own override parser in :mod:`sim.cli.sweep_jobs`
(the only place that knows their grammar); the Hydra callback in
:mod:`sim.cli.sweep_callback` writes the table (and the figure) at the end of a multirun,
and :func:`sim.cli.sweep_jobs.summarize_sweep` can be called by hand on the folder of an
interrupted sweep.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.kpi.definitions import ALL

__all__ = [
    "KPIS",
    "declared_overrides",
    "job_configs",
    "job_overrides",
    "swept_columns",
    "swept_parameters",
    "sweep_table",
]

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
    "escalated",
    "repeats",
    "concession_cost",
)


def _override_lines(path: Path) -> list[str]:
    """The overrides listed in a ``.hydra/overrides.yaml``, as written."""
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [str(item) for item in items or []]


def _job_number(job_dir: Path) -> int | None:
    if job_dir.name.isdigit():
        return int(job_dir.name)
    hydra_yaml = job_dir / ".hydra" / "hydra.yaml"  # a custom hydra.sweep.subdir
    try:
        num = yaml.safe_load(hydra_yaml.read_text(encoding="utf-8"))["hydra"]["job"]["num"]
        return int(num)
    except (OSError, KeyError, TypeError, ValueError, yaml.YAMLError):
        return None


def _jobs(sweep_dir: Path) -> dict[int, tuple[Path, list[str]]]:
    """Every job folder of the sweep (finished or not), with its overrides as written, by
    job number."""
    jobs: dict[int, tuple[Path, list[str]]] = {}
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
        jobs[num] = (job_dir, _override_lines(job_dir / ".hydra" / "overrides.yaml"))
    return dict(sorted(jobs.items()))


def job_overrides(sweep_dir: Path) -> dict[int, list[str]]:
    """Each job's command-line overrides as Hydra wrote them (``.hydra/overrides.yaml``,
    e.g. ``scenario.agents=12``), by job number; every job, finished or not."""
    return {num: lines for num, (_, lines) in _jobs(Path(sweep_dir)).items()}


def declared_overrides(sweep_dir: Path) -> list[str]:
    """The sweep's own command-line overrides, as written in its ``multirun.yaml``
    (e.g. ``scenario.agents=12,13,14``; [] if none). They name the parameters swept even
    when a sweep stopped after its first job."""
    try:
        doc = yaml.safe_load((Path(sweep_dir) / "multirun.yaml").read_text(encoding="utf-8"))
        task = doc["hydra"]["overrides"]["task"] or []
    except (OSError, KeyError, TypeError, yaml.YAMLError):
        return []
    return [str(item) for item in task]


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


def sweep_table(
    sweep_dir: Path,
    overrides: Mapping[int, Mapping[str, Any]],
    swept: Iterable[str] = (),
) -> pd.DataFrame:
    """One row per (job, policy): the swept parameters and the all-types, all-groups KPIs.

    ``overrides``: each job's overrides by job number, ``key: value`` (prefixes ``+``,
    ``++``, ``~`` dropped from the keys; values as parsed: numbers, text, ``None`` for
    null); ``swept``: keys swept on the command line (a parameter even if its jobs did not
    all run). Both as :mod:`sim.cli.sweep_jobs` reads them from the folder.

    Columns: ``job``, one per swept parameter (numbers where the values read as numbers),
    ``policy``, ``replications``, then each KPI of :data:`KPIS` present in the summaries with
    its 95% CI. Jobs without ``summary.csv`` (failed, or interrupted before any replication
    finished) are skipped with a warning. Sorted by the swept parameters, then by policy in
    the order policies first appear.
    """
    sweep_dir = Path(sweep_dir)
    jobs = {
        num: (job_dir, dict(overrides.get(num, {})))
        for num, (job_dir, _) in _jobs(sweep_dir).items()
    }
    params = swept_parameters([ov for _, ov in jobs.values()], swept)
    frames = []
    for num, (job_dir, job) in jobs.items():
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
            rows.insert(k, key, [job.get(key)] * len(rows))
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


def job_configs(sweep_dir: Path) -> dict[int, dict[str, Any]]:
    """Each job's resolved config (its ``.hydra/config.yaml``, a plain dict) by job number;
    a job whose config cannot be read is left out."""
    configs: dict[int, dict[str, Any]] = {}
    for num, (job_dir, _) in _jobs(Path(sweep_dir)).items():
        try:
            doc = yaml.safe_load((job_dir / ".hydra" / "config.yaml").read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        if isinstance(doc, dict):
            configs[num] = doc
    return configs


def swept_columns(table: pd.DataFrame) -> list[str]:
    """The swept-parameter columns of a sweep table: those between ``job`` and ``policy``."""
    columns = list(table.columns)
    return columns[columns.index("job") + 1 : columns.index("policy")]
