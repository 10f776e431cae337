"""``mode=calibrate``: its config keys, reading its contact log, and the calibrated
scenario's files (the YAML and CSV shapes a day scenario is read from).

:func:`sim.config.run.build_run` checks the ``calibrate`` keys with the rest of the config
(:func:`check_calibrate`); :func:`read_calibration` then reads and checks the log
(:mod:`sim.config.contact_log`) before anything is estimated. :func:`scenario_files` writes
a day scenario in the shape :mod:`sim.config.day` reads: ``configs/scenario/<name>.yaml``
and ``scenarios/<name>/`` with the forecast, staffing and skills tables (one group,
``agents``, serving every contact type: a log does not say who answered).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.config.checks import Checker
from sim.config.constants import ALLOWED_INTERVAL_MINUTES
from sim.config.contact_log import MAX_LOG_BYTES, read_contact_log
from sim.config.data_files import DataFileError
from sim.config.provenance import checksum
from sim.config.safety import folder_label
from sim.config.schema import CalibrateConfig, RunConfig
from sim.core.contact_log import MIN_FIT_VALUES, ContactLog
from sim.core.distributions import Distribution
from sim.core.provenance import DataFile
from sim.units import clock

__all__ = [
    "GROUP",
    "NAME",
    "CalibratedType",
    "CalibrationSpec",
    "check_calibrate",
    "log_label",
    "read_calibration",
    "scenario_files",
]

#: What ``calibrate.name`` may be: it names a folder, a config file and a YAML value.
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,39}")
#: The one agent group of a calibrated scenario.
GROUP = "agents"


@dataclass(frozen=True)
class CalibrationSpec:
    """A checked calibration: the log read, and what to make of it.

    ``log_file``: the path as given; ``source``: the log's size and checksum (for
    ``manifest.json`` and the report); ``threshold_seconds`` and ``target``: the root
    ``service_level``, for the log's own service level.
    """

    name: str
    log_file: str
    interval_minutes: int
    threshold_seconds: float
    target: float
    log: ContactLog
    source: DataFile


@dataclass(frozen=True)
class CalibratedType:
    """One contact type's laws, as the calibrated scenario's YAML gives them."""

    name: str
    handle_time: Distribution
    wrap_up: Distribution | None
    patience: Distribution | None


def check_calibrate(c: Checker, cal: CalibrateConfig, run: RunConfig, root: Path) -> None:
    """The ``calibrate`` keys (with ``mode=calibrate``); ``root`` is the project folder,
    whose shipped scenario names ``calibrate.name`` may not take."""
    c.name("calibrate.log_file", cal.log_file, "the contact log (a CSV file) to calibrate from")
    if not isinstance(cal.name, str) or NAME.fullmatch(cal.name) is None:
        c.fail(
            "calibrate.name",
            cal.name,
            "must be letters, digits and _, starting with a letter, at most 40 characters",
        )
    elif (root / "configs" / "scenario" / f"{cal.name}.yaml").exists():
        c.fail(
            "calibrate.name",
            cal.name,
            "is a shipped scenario's name (configs/scenario/): choose another, so that "
            "installing the calibrated scenario never replaces it",
        )
    if cal.interval_minutes not in ALLOWED_INTERVAL_MINUTES:
        c.fail(
            "calibrate.interval_minutes",
            cal.interval_minutes,
            f"allowed: {list(ALLOWED_INTERVAL_MINUTES)}",
        )
    for key, value in (("run.resume", run.resume), ("run.target_precision", run.target_precision)):
        if value is not None:
            c.fail(key, value, "not available with mode=calibrate: leave it null")


def read_calibration(cfg: Any, cwd: Path | None = None) -> CalibrationSpec:
    """Read and check the log of a config that passed :func:`~sim.config.run.build_run`
    with ``mode=calibrate``. ``calibrate.log_file`` is relative to ``cwd`` (default: the
    current folder). Raises :class:`~sim.config.data_files.DataFileError` with every
    problem of the log, each with the file and line."""
    cal = cfg.calibrate
    given = str(cal.log_file)
    path = Path(given)
    if not path.is_absolute():
        path = (cwd or Path.cwd()) / path
    limit = None if cfg.run.allow_large else MAX_LOG_BYTES
    log = read_contact_log(path, "calibrate.log_file", shown=given, max_bytes=limit)
    problems = []
    for k, name in enumerate(log.types):
        mine = (log.contact_type == k) & log.answered
        n = int(np.count_nonzero(log.talk[mine] > 0))
        if n < MIN_FIT_VALUES:
            problems.append(
                f"calibrate.log_file: {given}: contact type {name!r} has {n} answered "
                f"contact(s) with talk_seconds > 0; its handle time needs at least "
                f"{MIN_FIT_VALUES}"
            )
    if problems:
        raise DataFileError(problems)
    try:
        size, digest = checksum(path)
    except OSError as exc:
        raise DataFileError(
            [f"calibrate.log_file: {given}: cannot be read ({exc.strerror})"]
        ) from None
    return CalibrationSpec(
        name=str(cal.name),
        log_file=given,
        interval_minutes=int(cal.interval_minutes),
        threshold_seconds=float(cfg.service_level.threshold_seconds),
        target=float(cfg.service_level.target),
        log=log,
        source=DataFile("calibrate.log_file", given, size, digest),
    )


def _decimal(x: float) -> str:
    """A number for a YAML or CSV file: 3 decimals at most, always with a decimal point."""
    text = f"{float(x):.3f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def _law(d: Distribution | None) -> str:
    if d is None:
        return "null"
    fields = [f"distribution: {d.kind}", f"mean_seconds: {_decimal(max(d.mean, 0.001))}"]
    if d.kind in ("lognormal", "gamma"):
        fields.append(f"cv: {_decimal(max(d.cv, 0.001))}")
    return "{" + ", ".join(fields) + "}"


def _table(columns: Sequence[str], starts: Sequence[str], values: np.ndarray, whole: bool) -> str:
    """An interval table: ``interval_start`` then ``columns``, ``values[column, interval]``."""
    lines = [",".join(["interval_start", *columns])]
    for k, start in enumerate(starts):
        cells = [str(int(v)) if whole else _decimal(v) for v in values[:, k]]
        lines.append(",".join([start, *cells]))
    return "\n".join(lines) + "\n"


def scenario_files(
    name: str,
    description: str,
    interval_minutes: int,
    start_minutes: int,
    types: Sequence[CalibratedType],
    forecasts: Mapping[str, np.ndarray],
    staffing: Mapping[str, np.ndarray],
) -> dict[str, str]:
    """The calibrated scenario's files, by path relative to the run folder:
    ``configs/scenario/<name>.yaml`` and ``scenarios/<name>/`` with ``skills.csv`` and,
    per day group ``g`` of ``forecasts`` and ``staffing`` (``""``: every day; else a
    weekday label), ``forecast[_g].csv`` (``forecasts[g][type, interval]``) and
    ``staffing[_g].csv`` (``staffing[g][interval]``, whole agents of :data:`GROUP`).

    The YAML reads the data from ``scenarios/<name>`` (relative to the project root, where
    the folder belongs once installed). ``name`` must match :data:`NAME`, each type name be
    a log's contact type (:data:`sim.config.contact_log.TYPE_NAME`).
    """
    if NAME.fullmatch(name) is None:
        raise ValueError(f"not a scenario name: {name!r}")
    names = [t.name for t in types]
    n = len(next(iter(forecasts.values()))[0])
    starts = [clock(60.0 * (start_minutes + k * interval_minutes)) for k in range(n)]
    folder = f"scenarios/{name}"
    files: dict[str, str] = {}
    for group, table in forecasts.items():
        suffix = f"_{group}" if group else ""
        files[f"{folder}/forecast{suffix}.csv"] = _table(names, starts, np.asarray(table), False)
        files[f"{folder}/staffing{suffix}.csv"] = _table(
            [GROUP], starts, np.asarray(staffing[group]).reshape(1, -1), True
        )
    files[f"{folder}/skills.csv"] = "group,contact_type,proficiency,level\n" + "".join(
        f"{GROUP},{t},1.0,1\n" for t in names
    )
    safe = "".join(ch for ch in description if ch.isprintable() and ch not in "${}\\")
    lines = [
        f"# Calibrated by ccsim (mode=calibrate) as {name}: see scenarios/{name}/README.md.",
        "# Install: copy this file to configs/scenario/ and the folder scenarios/" + name,
        "# to scenarios/ (both from the run folder), then: python -m sim scenario=" + name,
        "defaults:",
        "  - day_schema",
        "  - _self_",
        "",
        f"name: {name}",
        f"description: {json.dumps(safe)}",
        f"data_dir: scenarios/{name}",
        "forecast_file: forecast.csv   # interval_start, then one column per contact type",
        f"staffing_file: staffing.csv   # interval_start, {GROUP} (inferred: see the README)",
        "skills_file: skills.csv",
        f"interval_minutes: {int(interval_minutes)}",
        "",
        "contact_types:",
    ]
    for t in types:
        lines += [
            f"  {t.name}:",
            "    channel: voice",
            f"    handle_time: {_law(t.handle_time)}",
            f"    wrap_up: {_law(t.wrap_up)}",
            f"    patience: {_law(t.patience)}"
            + ("   # no abandons logged" if t.patience is None else ""),
        ]
    lines += ["", "default_policies: [none]"]
    files[f"configs/scenario/{name}.yaml"] = "\n".join(lines) + "\n"
    return files


def log_label(log_file: str) -> str:
    """The log's file name, made safe to quote in a generated file."""
    return folder_label(Path(log_file).name, "contact_log")
