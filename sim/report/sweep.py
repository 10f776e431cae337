"""A sweep's summary: its table (``sweep_summary.csv``) and its figure, service level and cost
per policy against the swept parameter (``figures/sweep.png``)."""

from __future__ import annotations

import logging
import math
from itertools import cycle
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.experiment.run_folder import atomic_write
from sim.experiment.sweep import sweep_table, swept_columns
from sim.report.figures import save_png

__all__ = ["plot_sweep", "write_sweep_summary"]

log = logging.getLogger("ccsim.sweep")


def _label(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "null"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _plot_panel(
    ax: Any, table: pd.DataFrame, x: str, others: list[str], kpi: str, positions: dict | None
) -> None:
    keys = ["policy", *others]
    lines = list(table.groupby(keys, sort=False, dropna=False))
    xs = table[x].dropna().to_numpy(dtype=float) if positions is None else list(positions.values())
    span = (max(xs) - min(xs)) if len(xs) else 0.0
    dodge = 0.012 * (span or 1.0)  # side by side, so that the CI bars stay readable
    markers = cycle("osD^vP*X")
    for k, (key, rows) in enumerate(lines):
        key = key if isinstance(key, tuple) else (key,)
        label = ", ".join(
            [str(key[0]), *(f"{name}={_label(v)}" for name, v in zip(others, key[1:], strict=True))]
        )
        rows = rows.dropna(subset=[x]) if positions is None else rows
        if positions is None:
            at = rows[x].to_numpy(dtype=float)
        else:
            at = rows[x].map(positions).to_numpy(dtype=float)
        at = at + dodge * (k - (len(lines) - 1) / 2)
        y = rows[kpi].to_numpy(dtype=float)
        # No bar where the CI is NaN (one replication).
        low = np.nan_to_num(y - rows[f"{kpi}_ci_low"].to_numpy(dtype=float)).clip(min=0)
        high = np.nan_to_num(rows[f"{kpi}_ci_high"].to_numpy(dtype=float) - y).clip(min=0)
        ax.errorbar(at, y, yerr=[low, high], marker=next(markers), capsize=3, label=label)
    if positions is not None:
        ax.set_xticks(list(positions.values()), [_label(v) for v in positions])
    elif 0 < len(set(xs)) <= 15:  # ticks at the values swept (e.g. whole agents)
        ticks = sorted(set(xs))
        ax.set_xticks(ticks, [_label(v) for v in ticks])
    ax.set_xlabel(x)
    ax.grid(alpha=0.3)


def plot_sweep(table: pd.DataFrame, path: Path, target: float | None = None) -> Path:
    """Service level (and cost, if in the table) per policy against the first swept parameter.

    With several swept parameters, one line per policy and combination of the others. Each
    point is the mean over replications with its 95% CI. ``target``: a horizontal line on
    the service-level panel. Without a swept parameter, the x axis is the job number.
    """
    params = swept_columns(table)
    x, others = (params[0], params[1:]) if params else ("job", [])
    numeric = pd.api.types.is_numeric_dtype(table[x])
    positions = None if numeric else {v: float(k) for k, v in enumerate(table[x].unique())}
    panels = [("service_level", "Service level (answered within threshold / offered)")]
    if "cost" in table.columns and table["cost"].notna().any():
        panels.append(("cost", "Cost per day"))
    fig = Figure(figsize=(6.4 * len(panels), 4.6), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False).ravel().tolist()
    for ax, (kpi, title) in zip(axes, panels, strict=True):
        _plot_panel(ax, table, x, others, kpi, positions)
        ax.set_title(title, fontsize="medium")
    axes[0].set_ylim(-0.02, 1.02)
    if target is not None and not math.isnan(target):
        axes[0].axhline(target, color="black", linestyle="--", linewidth=1.2, label="target")
    reps = table["replications"].dropna()
    fig.suptitle(
        f"Sweep over {x}: means over {_label(reps.min()) if len(reps) else '?'}"
        f"{'' if reps.nunique() <= 1 else '+'} replications with 95% CIs"
    )
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(
        handles, labels, fontsize="small", loc="outside lower center", ncols=min(4, len(labels))
    )
    return save_png(fig, Path(path))


def write_sweep_summary(sweep_dir: Path, target: float | None = None) -> pd.DataFrame | None:
    """Write ``sweep_summary.csv`` and ``figures/sweep.png`` into ``sweep_dir``; the table.

    ``None`` (with a warning) if no job of the sweep has a ``summary.csv`` yet. If
    ``service_level.target`` is itself swept, no target line is drawn.
    """
    sweep_dir = Path(sweep_dir)
    table = sweep_table(sweep_dir)
    if table.empty:
        log.warning("%s: no job of the sweep has finished; no sweep summary written", sweep_dir)
        return None
    csv = sweep_dir / "sweep_summary.csv"
    atomic_write(csv, table.to_csv(index=False, lineterminator="\n"), real_folder=False)
    if "service_level.target" in swept_columns(table):
        target = None
    plot_sweep(table, sweep_dir / "figures" / "sweep.png", target=target)
    return table
