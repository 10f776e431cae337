"""``python -m sim mode=calibrate``: a scenario estimated from a contact log. Writes
``calibration.csv``, ``calibration.md`` with ``figures/calibration_handle_time.png`` and
``figures/calibration_patience.png``, and the calibrated scenario
(``configs/scenario/<name>.yaml``, ``scenarios/<name>/``) into the run folder."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from sim.calibration.estimate import CALIBRATION_COLUMNS, Calibration, calibrate, calibration_rows
from sim.cli.failures import create_run_folder, one_line_failures
from sim.config.calibrate import CalibratedType, CalibrationSpec, log_label, scenario_files
from sim.core.provenance import Provenance
from sim.experiment.run_folder import atomic_write
from sim.report.calibration import (
    FIGURE_HANDLE,
    FIGURE_PATIENCE,
    calibration_report,
    handle_time_figure,
    patience_figure,
    scenario_readme,
)
from sim.report.figures import save_png

__all__ = ["calibrated_files", "run_calibration"]

log = logging.getLogger("ccsim")


def run_calibration(
    spec: CalibrationSpec, run_dir: Path, provenance: Provenance | None = None
) -> None:
    """Calibrate from ``spec``'s log and write the table, report, figures and scenario
    into ``run_dir``; failures end with one line on stderr (exit 1 or 2), an interruption
    with exit 130."""
    with one_line_failures(interrupted="interrupted: the calibration was not written"):
        _run(spec, run_dir, provenance)


def calibrated_files(spec: CalibrationSpec, cal: Calibration) -> dict[str, str]:
    """The calibrated scenario's files (its YAML, tables and README), by path relative to
    the run folder."""
    types = [
        CalibratedType(
            t.name,
            t.handle.distribution(),
            None if t.wrap is None else t.wrap.distribution(),
            None if t.patience is None else t.patience.distribution(),
        )
        for t in cal.types
    ]
    demand = cal.demand
    label = log_label(spec.log_file)
    description = (
        f"Calibrated from the contact log {label}: {len(spec.log):,} contacts on "
        f"{len(demand.days)} day(s); one group of agents serving every type, staffing "
        "inferred from answered concurrency"
    )
    files = scenario_files(
        spec.name,
        description,
        spec.interval_minutes,
        int(round(demand.shape.start_seconds / 60)),
        types,
        demand.forecast,
        demand.staffing,
    )
    files[f"scenarios/{spec.name}/README.md"] = scenario_readme(spec.name, spec.log, cal, label)
    return files


def _run(spec: CalibrationSpec, run_dir: Path, provenance: Provenance | None) -> None:
    log.info(
        "mode=calibrate: %d contacts of %d type(s) from %s, scenario %s",
        len(spec.log),
        len(spec.log.types),
        spec.log_file,
        spec.name,
    )
    cal = calibrate(spec.log, spec.interval_minutes * 60.0, spec.threshold_seconds)
    files = calibrated_files(spec, cal)
    with create_run_folder(run_dir) as folder:
        folder.write_manifest(
            f"calibrate:{spec.source.sha256}:{spec.interval_minutes}", spec.name, 0, (), provenance
        )
        table = pd.DataFrame(calibration_rows(cal), columns=list(CALIBRATION_COLUMNS))
        folder.write_text("calibration.csv", table.to_csv(index=False, lineterminator="\n"))
        for relative, text in files.items():
            path = run_dir / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, text)
        save_png(handle_time_figure(spec.log, cal), run_dir / FIGURE_HANDLE)
        save_png(patience_figure(cal), run_dir / FIGURE_PATIENCE)
        report = calibration_report(spec.name, spec.log, cal, sorted(files), provenance)
        folder.write_text("calibration.md", report)
        folder.mark_complete()
    log.info("calibration written: %s", run_dir / "calibration.md")
