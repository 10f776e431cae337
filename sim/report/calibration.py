"""The report, figures and scenario README of ``mode=calibrate``.

Goodness of fit is shown, not only tested: per contact type, the talk times' histogram
against both fitted densities (:func:`handle_time_figure`) and the Kaplan-Meier survival of
patience, with its interval, against both fitted survival functions
(:func:`patience_figure`). Names and paths from the log or the command line appear only as
code spans (:func:`sim.report.provenance.code`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from sim.calibration.durations import FAMILIES, DurationFit, Interval
from sim.calibration.estimate import Calibration
from sim.core.contact_log import ContactLog
from sim.core.provenance import Provenance
from sim.experiment.statistics import confidence_interval
from sim.report.provenance import code, subtitle
from sim.units import clock

__all__ = [
    "FIGURE_HANDLE",
    "FIGURE_PATIENCE",
    "MAX_PANELS",
    "calibration_report",
    "handle_time_figure",
    "patience_figure",
    "scenario_readme",
]

#: The figures, relative to the run folder.
FIGURE_HANDLE = "figures/calibration_handle_time.png"
FIGURE_PATIENCE = "figures/calibration_patience.png"
#: The most contact types a figure shows (the largest by contacts).
MAX_PANELS = 12
#: One colour per family, in every panel.
_COLOURS = {"lognormal": "C0", "gamma": "C1", "exponential": "C2"}


def _shown_types(cal: Calibration) -> list[int]:
    order = sorted(range(len(cal.types)), key=lambda k: -cal.types[k].contacts)
    return sorted(order[:MAX_PANELS])


def _panels(count: int, title: str) -> tuple[Figure, list]:
    columns = min(3, max(count, 1))
    rows = math.ceil(max(count, 1) / columns)
    fig = Figure(figsize=(4.2 * columns, 3.2 * rows + 0.6))
    fig.set_layout_engine("constrained")
    axes = np.atleast_1d(fig.subplots(rows, columns, squeeze=False)).ravel().tolist()
    for ax in axes[count:]:
        ax.set_visible(False)
    fig.suptitle(title)
    return fig, axes[:count]


def _law_label(family: str, fit: DurationFit) -> str:
    if family == "lognormal":
        mu, sigma = fit.params["lognormal"]
        mean, cv = math.exp(mu + sigma**2 / 2), math.sqrt(math.expm1(sigma**2))
    else:
        shape, scale = fit.params["gamma"]
        mean, cv = shape * scale, 1 / math.sqrt(shape)
    chosen = " (chosen)" if family == fit.family else ""
    return f"{family}{chosen}: mean {mean:.0f} s, cv {cv:.2f}"


def handle_time_figure(log: ContactLog, cal: Calibration) -> Figure:
    """Per contact type: the histogram (density) of the answered contacts' talk times
    against the fitted lognormal and gamma densities, the chosen one solid."""
    shown = _shown_types(cal)
    fig, axes = _panels(len(shown), "Handle time (talk): histogram vs fitted laws")
    for ax, k in zip(axes, shown, strict=True):
        t = cal.types[k]
        talk = log.talk[(log.contact_type == k) & log.answered]
        talk = talk[np.isfinite(talk) & (talk > 0)]
        top = float(np.quantile(talk, 0.99))
        ax.hist(talk[talk <= top], bins=40, density=True, color="0.8", label="log")
        x = np.linspace(top / 400, top, 300)
        for family in FAMILIES:
            ax.plot(
                x,
                t.handle.pdf(x, family),
                linestyle="-" if family == t.handle.family else "--",
                color=_COLOURS[family],
                label=_law_label(family, t.handle),
            )
        ax.set_title(f"{t.name} ({t.handle.n:,} answered)", fontsize="medium")
        ax.set_xlabel("talk seconds (99% of contacts shown)")
        ax.set_ylabel("density")
        ax.legend(fontsize="x-small")
    return fig


def patience_figure(cal: Calibration) -> Figure:
    """Per contact type with abandons: the Kaplan-Meier survival of patience (the share
    still willing to wait after t seconds) with its pointwise interval, against the fitted
    exponential and lognormal survival functions, the chosen one solid."""
    shown = [k for k in _shown_types(cal) if cal.types[k].patience is not None]
    fig, axes = _panels(len(shown), "Patience: Kaplan-Meier survival vs fitted laws")
    if not shown:
        ax = fig.subplots()
        ax.text(0.5, 0.5, "no abandons logged: patience not estimable", ha="center")
        ax.set_axis_off()
    for ax, k in zip(axes, shown, strict=True):
        t = cal.types[k]
        p = t.patience
        assert p is not None
        top = float(p.km_time[-1]) if len(p.km_time) else 1.0
        ax.step(p.km_time, p.km_survival, where="post", color="black", label="Kaplan-Meier")
        ax.fill_between(
            p.km_time,
            p.km_low,
            p.km_high,
            step="post",
            color="0.85",
            label=f"{p.level:.0%} interval",
        )
        x = np.linspace(0.0, top, 300)
        labels = {"exponential": f"exponential: mean {p.exponential_mean.estimate:.0f} s"}
        if p.lognormal_mean is not None and p.lognormal_cv is not None:
            labels["lognormal"] = (
                f"lognormal: mean {p.lognormal_mean.estimate:.0f} s, "
                f"cv {p.lognormal_cv.estimate:.2f}"
            )
        for family, label in labels.items():
            chosen = family == p.family
            ax.plot(
                x,
                p.sf(x, family),
                linestyle="-" if chosen else "--",
                color=_COLOURS[family],
                label=label + (" (chosen)" if chosen else ""),
            )
        ax.set_title(
            f"{t.name} ({p.abandons:,} abandons, {p.censored:,} censored)", fontsize="medium"
        )
        ax.set_xlabel("seconds waited")
        ax.set_ylabel("share still waiting")
        ax.set_ylim(0, 1.02)
        ax.legend(fontsize="x-small")
    return fig


def _ci(x: Interval, digits: int = 0, unit: str = "") -> str:
    if math.isnan(x.low):
        return f"{x.estimate:.{digits}f}{unit}"
    return f"{x.estimate:.{digits}f}{unit} [{x.low:.{digits}f}, {x.high:.{digits}f}]"


def _date(ordinal: int) -> str:
    return dt.date.fromordinal(ordinal).isoformat()


def _laws_table(cal: Calibration) -> list[str]:
    lines = [
        "| contact type | contacts | handle time (talk) | wrap-up | patience | naive mean of abandon times |",
        "|---|---|---|---|---|---|",
    ]
    for t in cal.types:
        handle = f"{t.handle.family}, mean {_ci(t.handle.mean, 1, ' s')}, cv {_ci(t.handle.cv, 3)}"
        wrap = (
            "none recorded (null)"
            if t.wrap is None
            else f"{t.wrap.family}, mean {_ci(t.wrap.mean, 1, ' s')}, cv {_ci(t.wrap.cv, 3)}"
        )
        p = t.patience
        if p is None:
            patience, naive = "no abandons (null)", "-"
        else:
            patience = f"{p.family}, mean {_ci(p.mean, 1, ' s')}"
            if p.family == "lognormal" and p.lognormal_cv is not None:
                patience += f", cv {_ci(p.lognormal_cv, 3)}"
            naive = f"{p.naive_mean:.1f} s"
        lines.append(
            f"| {code(t.name, True)} | {t.contacts:,} | {handle} | {wrap} | {patience} | {naive} |"
        )
    return lines


def _kpi_line(label: str, values: np.ndarray, share: bool = True) -> str:
    mean, low, high = confidence_interval(values)
    low, high = max(low, 0.0), min(high, 1.0) if share else high  # the KPI's possible range
    if share:
        body = f"{mean:.1%}" + ("" if math.isnan(low) else f" [{low:.1%}, {high:.1%}]")
    else:
        body = f"{mean:,.1f}" + ("" if math.isnan(low) else f" [{low:,.1f}, {high:,.1f}]")
    return f"| {label} | {body} |"


def _day_groups(cal: Calibration) -> str:
    groups = [g for g in cal.demand.forecast if g]
    return ", ".join(groups) if groups else ""


def calibration_report(
    name: str,
    log: ContactLog,
    cal: Calibration,
    files: Sequence[str],
    provenance: Provenance | None = None,
) -> str:
    """``calibration.md``: the log, the laws with their intervals and how they were
    chosen, the goodness-of-fit figures, the log's own service level and abandon rate,
    the inferred staffing and the scenario folder written (``files``, relative paths)."""
    days = cal.demand.days
    shape = cal.demand.shape
    source = provenance.data_files[0] if provenance and provenance.data_files else None
    lines = [f"# Calibration: {name}", "", *subtitle(provenance)]
    lines += [
        "## The log",
        "",
        f"{len(log):,} contacts of {len(log.types)} type(s) on {len(days)} day(s), "
        f"{_date(days[0])} to {_date(days[-1])}"
        + (f" (weekdays: {_day_groups(cal)})" if _day_groups(cal) else "")
        + f"; arrivals from {clock(shape.start_seconds)} to "
        f"{clock(shape.start_seconds + shape.intervals * shape.interval_seconds)} "
        f"({shape.intervals} intervals of {shape.interval_seconds / 60:g} minutes).",
        "",
        "## Laws",
        "",
        f"Estimates with their {cal.level:.0%} confidence intervals in brackets (all in "
        "`calibration.csv`, with how each was made). Handle time is the talk time, wrap-up the "
        "after-contact work: the model draws them separately (`handle_time`, `wrap_up`). "
        "Lognormal and gamma are fitted by maximum likelihood (location 0) and the one with "
        "the higher likelihood is kept. Patience is censored by answers: an answered "
        "contact's wait is a lower bound of its caller's patience, an abandoned one's is the "
        "patience itself, and blocked contacts say nothing; exponential (total wait over "
        "abandons) and lognormal (censored maximum likelihood) are fitted and the lower AIC "
        "is kept.",
        "",
        *_laws_table(cal),
        "",
        "The naive mean of the abandon times is shown only to be ignored: the patient callers "
        "were answered before they could show their patience, so it is far below the mean "
        "patience.",
        "",
        "## Goodness of fit",
        "",
        f"![handle time]({FIGURE_HANDLE})",
        "",
        f"![patience]({FIGURE_PATIENCE})",
        "",
        "## The log's own service level",
        "",
        f"Per day, as the model defines them (offered: every contact, blocked ones too; "
        f"answered within {cal.threshold_seconds:g} s over offered; abandoned over offered), "
        f"mean over the {len(days)} logged day(s) with its {cal.level:.0%} interval: what the "
        "calibrated scenario should reproduce when simulated with the same staffing.",
        "",
        "| all contact types | mean per day |",
        "|---|---|",
        _kpi_line("offered", cal.observed["all"]["offered"], share=False),
        _kpi_line("service level", cal.observed["all"]["service_level"]),
        _kpi_line("abandon rate", cal.observed["all"]["abandon_rate"]),
        "",
        "## Staffing",
        "",
        *_staffing_lines(cal),
        "",
        "## The calibrated scenario",
        "",
        "Written into this run folder:",
        "",
        *[f"- {code(f)}" for f in files],
        "",
        f"Try it in place: `python -m sim --config-dir <run folder>/configs scenario={name} "
        f"scenario.data_dir=<run folder>/scenarios/{name} scenario.allow_outside_paths=true`; "
        f"or install it: copy `configs/scenario/{name}.yaml` to the project's "
        f"`configs/scenario/` and `scenarios/{name}/` to `scenarios/`, then "
        f"`python -m sim scenario={name}`.",
        "",
        "## How this calibration was made",
        "",
    ]
    if provenance is not None:
        lines.append(f"- ccsim {code(provenance.version)}.")
        if provenance.overrides:
            lines.append(
                "- Command-line overrides: " + " ".join(code(o) for o in provenance.overrides) + "."
            )
    if source is not None:
        lines.append(
            f"- Log read: {code(source.path)}, {source.size_bytes:,} bytes, SHA-256 "
            f"{code(source.sha256)} (first 12 hex digits)."
        )
    lines.append(
        "- No random numbers: every interval is analytic (chi-square, Fisher or observed "
        "information), so the same log gives the same files."
    )
    return "\n".join(lines) + "\n"


def _staffing_lines(cal: Calibration) -> list[str]:
    staffing = cal.demand.staffing[""]
    exact = cal.demand.exact[""]
    return [
        "Inferred from answered concurrency: per interval, the most agents seen busy at once "
        "(talk plus wrap-up) on any logged day. A log does not say who answered, so one pool "
        "of agents serving every type is assumed. At the answer of a contact that had waited "
        "every agent was busy, so in an interval where someone waited the count is the agents "
        "logged in; elsewhere it is a lower bound (idle agents leave no trace).",
        "",
        f"- {int(exact.sum())} of {len(exact)} intervals exact (someone waited), "
        f"{int((~exact).sum())} lower bounds; {float(staffing.sum()) * cal.demand.shape.interval_seconds / 3600:,.1f} "
        f"agent-hours a day, at most {int(staffing.max())} agents at once.",
        "- Replace `staffing.csv` with the staffing you plan (or solve it: `mode=staff`) where "
        "the count is a lower bound, or where your agents are split into groups.",
    ]


def scenario_readme(name: str, log: ContactLog, cal: Calibration, log_label: str) -> str:
    """The calibrated scenario's ``README.md``: what it represents, where its numbers come
    from, and its files."""
    days = cal.demand.days
    weekdays = [g for g in cal.demand.forecast if g]
    exact = cal.demand.exact[""]
    lines = [
        f"# Scenario `{name}`: calibrated from a contact log",
        "",
        f"What it represents: the day of the log {code(log_label)}: {len(log):,} contacts "
        f"of {len(log.types)} type(s) on {len(days)} day(s), {_date(days[0])} to "
        f"{_date(days[-1])}, calibrated by `python -m sim mode=calibrate` (see "
        "`calibration.md` and `calibration.csv` in the run folder for every estimate, its "
        "confidence interval and the goodness-of-fit figures).",
        "",
        "## Where the numbers come from",
        "",
        "- Laws (`configs/scenario/" + name + ".yaml`): handle time (talk) and wrap-up, "
        "lognormal or gamma by maximum likelihood; patience, exponential or lognormal by "
        "censored maximum likelihood (answered contacts' waits are censored observations). "
        "Every type is a voice queue: set `channel` if some are chats or emails.",
        f"- `forecast.csv`: contacts arriving per interval, the mean over the {len(days)} "
        "logged day(s)."
        + (
            " `forecast_<weekday>.csv` and `staffing_<weekday>.csv`: the same for the days of "
            f"one weekday ({', '.join(weekdays)}); use them with "
            f"`scenario.forecast_file=forecast_{weekdays[0]}.csv "
            f"scenario.staffing_file=staffing_{weekdays[0]}.csv`."
            if weekdays
            else ""
        ),
        "- `staffing.csv`: inferred from answered concurrency, one group `agents` serving "
        "every type (the log does not say who answered): the most agents seen busy at once "
        f"in each interval on any logged day; exact where someone waited ({int(exact.sum())} "
        f"of {len(exact)} intervals), a lower bound elsewhere. Replace it with the staffing "
        "you plan where it matters.",
        "- `skills.csv`: `agents` serve every type, proficiency 1, level 1.",
        "",
        "## Files",
        "",
        "| file | columns | meaning |",
        "| --- | --- | --- |",
        "| `forecast.csv` | `interval_start` (HH:MM), then one column per contact type | mean contacts arriving per interval |",
        "| `staffing.csv` | `interval_start`, `agents` | agents logged in (inferred) |",
        "| `skills.csv` | `group`, `contact_type`, `proficiency`, `level` | who serves what |",
        "",
    ]
    return "\n".join(lines)
