"""A sweep's summary: its table (``sweep_summary.csv``) and its figure, service level and cost
per policy against the swept parameter (``figures/sweep.png``), with the Erlang C or A service
level beside the simulated points when the jobs are Erlang scenarios."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping
from itertools import cycle
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sim.core.scenario import ServiceLevel, erlang_scenario
from sim.experiment.run_folder import atomic_write
from sim.experiment.sweep import job_configs, sweep_table, swept_columns
from sim.report.empowerment import AUTHORITY_COLUMN, authority_sweep_report
from sim.report.figures import save_png
from sim.report.formatting import analytic_reference

__all__ = ["erlang_reference", "sweep_figure", "write_sweep_summary"]

log = logging.getLogger("ccsim.sweep")

#: The keys of an Erlang scenario's config (``scenario=erlang``) the reference needs.
_ERLANG_KEYS = ("calls_per_hour", "aht_seconds", "agents")


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


def erlang_reference(table: pd.DataFrame, configs: Mapping[int, Mapping[str, Any]]) -> pd.DataFrame:
    """The Erlang C (no patience) or Erlang A service level of each job of ``table`` (a
    sweep table) that simulated an Erlang scenario, from its resolved config (``configs``,
    by job number: :func:`sim.experiment.sweep.job_configs`). Columns ``job``, ``model``,
    ``service_level``; no row for a job of a day scenario, or one whose queue is unstable
    (Erlang C with load >= agents)."""
    rows = []
    for job in dict.fromkeys(table["job"]):
        config = configs.get(int(job), {})
        scenario, sl = config.get("scenario"), config.get("service_level") or {}
        if not isinstance(scenario, Mapping) or not all(k in scenario for k in _ERLANG_KEYS):
            continue
        try:
            built = erlang_scenario(
                float(scenario["calls_per_hour"]),
                float(scenario["aht_seconds"]),
                int(scenario["agents"]),
                scenario.get("patience_seconds"),
                float(scenario.get("hours", 8.0)),
                float(scenario.get("warmup_hours", 1.0)),
                service_level=ServiceLevel(
                    float(sl.get("threshold_seconds", 20.0)), float(sl.get("target", 0.8))
                ),
            )
            ref = analytic_reference(built)
        except (TypeError, ValueError):
            continue
        if ref is not None:
            rows.append({"job": job, "model": ref["model"], "service_level": ref["service_level"]})
    return pd.DataFrame(rows, columns=["job", "model", "service_level"])


def _plot_reference(
    ax: Any, table: pd.DataFrame, reference: pd.DataFrame, x: str, others: list[str], positions
) -> None:
    """The Erlang service level against ``x``: one black line per combination of the other
    swept parameters, at the swept values themselves (the simulated points are dodged)."""
    keys = list(dict.fromkeys(["job", x, *others]))
    rows = reference.merge(table[keys].drop_duplicates("job"), on="job")
    if positions is None:
        rows = rows.dropna(subset=[x])
    styles = cycle(["-", "-.", ":", (0, (6, 2, 1, 2, 1, 2))])  # "--" is the target
    groups = rows.groupby(others, sort=False, dropna=False) if others else [((), rows)]
    for key, group in groups:
        key = key if isinstance(key, tuple) else (key,)
        at = group[x].to_numpy(dtype=float) if positions is None else group[x].map(positions)
        order = np.argsort(np.asarray(at, dtype=float), kind="stable")
        models = ", ".join(dict.fromkeys(group["model"]))
        label = ", ".join(
            [models, *(f"{name}={_label(v)}" for name, v in zip(others, key, strict=True))]
        )
        ax.plot(
            np.asarray(at, dtype=float)[order],
            group["service_level"].to_numpy(dtype=float)[order],
            color="black",
            linestyle=next(styles),
            marker="_",
            markersize=12,
            linewidth=1.1,
            label=f"{label} (theory)",
        )


def sweep_figure(
    table: pd.DataFrame,
    target: float | None = None,
    reference: pd.DataFrame | None = None,
    currency: str | None = None,
    period: str = "day",
) -> Figure:
    """Service level (and cost, if in the table) per policy against the first swept parameter.

    With several swept parameters, one line per policy and combination of the others. Each
    point is the mean over replications with its 95% CI. ``target``: a horizontal line on
    the service-level panel. ``reference`` (:func:`erlang_reference`): the Erlang C or A
    service level of each job, drawn as a black line at the swept values. ``currency``:
    named on the cost axis; ``period``: what a replication is (``week``: jobs of a week
    scenario, ``scenario.days``). Without a swept parameter, the x axis is the job number.
    """
    params = swept_columns(table)
    x, others = (params[0], params[1:]) if params else ("job", [])
    numeric = pd.api.types.is_numeric_dtype(table[x])
    positions = None if numeric else {v: float(k) for k, v in enumerate(table[x].unique())}
    panels = [("service_level", "Service level (answered within threshold / offered)")]
    if "cost" in table.columns and table["cost"].notna().any():
        panels.append(("cost", f"Cost per {period}"))
    fig = Figure(figsize=(6.4 * len(panels), 4.6), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False).ravel().tolist()
    for ax, (kpi, title) in zip(axes, panels, strict=True):
        _plot_panel(ax, table, x, others, kpi, positions)
        ax.set_title(title, fontsize="medium")
    axes[0].set_ylim(-0.02, 1.02)
    if reference is not None and len(reference):
        _plot_reference(axes[0], table, reference, x, others, positions)
    if target is not None and not math.isnan(target):
        axes[0].axhline(target, color="black", linestyle="--", linewidth=1.2, label="target")
    if len(panels) > 1:
        axes[1].yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        axes[1].set_ylabel(f"cost per {period}{f' ({currency})' if currency else ''}")
    reps = table["replications"].dropna()
    fig.suptitle(
        f"Sweep over {x}: means over {_label(reps.min()) if len(reps) else '?'}"
        f"{'' if reps.nunique() <= 1 else '+'} replications with 95% CIs"
    )
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(
        handles, labels, fontsize="small", loc="outside lower center", ncols=min(4, len(labels))
    )
    return fig


def _currency(configs: Mapping[int, Mapping[str, Any]]) -> str | None:
    """The jobs' one currency (``costs.currency``), or None if they name none or several."""
    found = {str((c.get("costs") or {}).get("currency")) for c in configs.values()}
    found.discard("None")
    return found.pop() if len(found) == 1 else None


def _period(configs: Mapping[int, Mapping[str, Any]]) -> str:
    """``week`` when every job is a week (``scenario.days``), else ``day``."""
    weeks = [bool((c.get("scenario") or {}).get("days")) for c in configs.values()]
    return "week" if weeks and all(weeks) else "day"


def write_sweep_summary(
    sweep_dir: Path,
    overrides: Mapping[int, Mapping[str, Any]],
    swept: Iterable[str] = (),
    target: float | None = None,
) -> pd.DataFrame | None:
    """Write ``sweep_summary.csv`` and ``figures/sweep.png`` (:func:`sweep_figure`, with
    the Erlang reference of an Erlang scenario's jobs) into ``sweep_dir``; the table.

    ``overrides`` and ``swept``: the jobs' parsed overrides and the keys swept, as
    :func:`sim.experiment.sweep.sweep_table` takes them (:mod:`sim.cli.sweep_jobs` reads them
    from the folder). ``None`` (with a warning) if no job of the sweep has a ``summary.csv``
    yet. If ``service_level.target`` is itself swept, no target line is drawn.
    """
    sweep_dir = Path(sweep_dir)
    table = sweep_table(sweep_dir, overrides, swept)
    if table.empty:
        log.warning("%s: no job of the sweep has finished; no sweep summary written", sweep_dir)
        return None
    csv = sweep_dir / "sweep_summary.csv"
    atomic_write(csv, table.to_csv(index=False, lineterminator="\n"), real_folder=False)
    if "service_level.target" in swept_columns(table):
        target = None
    configs = job_configs(sweep_dir)
    figure = sweep_figure(
        table,
        target,
        reference=erlang_reference(table, configs),
        currency=_currency(configs),
        period=_period(configs),
    )
    save_png(figure, sweep_dir / "figures" / "sweep.png")
    if AUTHORITY_COLUMN in table.columns and "cost" in table.columns:
        report = authority_sweep_report(table, _currency(configs) or "", _period(configs))
        atomic_write(sweep_dir / "sweep_report.md", report, real_folder=False)
        for line in report.splitlines():
            if line.startswith("Policy `"):
                log.info("%s", line.replace("**", ""))
    return table
