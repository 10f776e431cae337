"""``python -m sim mode=staff``: the staffing solver. Solves the count-staffed groups'
staffing, checks it on days the search never saw, and writes ``staffing_required.csv``,
``staffing_solved.csv``, ``staffing_verification.csv``, ``figures/staffing_gap.png`` and
``report.md`` into the run folder."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.cli.failures import create_run_folder, one_line_failures
from sim.config.run import RunSpec
from sim.core.provenance import Provenance
from sim.experiment.executors import LocalPool, Pool, open_pool
from sim.experiment.staffing_solver import (
    required_table,
    solve_staffing,
    solved_table,
    verification_seed,
    verify_staffing,
)
from sim.report.figures import save_png
from sim.report.staffing import staffing_gap_figure, staffing_report

__all__ = ["run_staffing_solver"]

log = logging.getLogger("ccsim")


def run_staffing_solver(spec: RunSpec, run_dir: Path, provenance: Provenance | None = None) -> None:
    """Solve the staffing of ``spec`` and write its tables, figure and ``report.md`` into
    ``run_dir``; failures end with one line on stderr (exit 1 or 2), an interruption with
    exit 130 (nothing is kept: a solve cannot be resumed)."""
    with one_line_failures(interrupted="interrupted: the staffing tables were not written"):
        _run(spec, run_dir, provenance)


@contextmanager
def _solver_pool(spec: RunSpec) -> Iterator[Pool | None]:
    """Workers for the solver's candidate days: the run's Dask cluster, or a local process
    pool of ``run.workers`` (0: one per core; 1: none, all in this process)."""
    with open_pool(spec.executor, spec.workers, spec.dask_address) as cluster:
        if cluster is not None:
            yield cluster
            return
        workers = min(spec.workers or os.cpu_count() or 1, spec.replications)
        if workers <= 1:
            yield None
            return
        pool = LocalPool(workers)
        try:
            yield pool
        except BaseException:
            pool.stop()
            raise
        pool.close()


def _run(spec: RunSpec, run_dir: Path, provenance: Provenance | None) -> None:
    terms = spec.staffing
    if terms is None:  # build_run sets it with mode=staff
        raise ValueError("a staffing run needs spec.staffing")
    with create_run_folder(run_dir) as folder:
        folder.write_manifest(
            "staff:" + spec.fingerprint(), spec.scenario.name, spec.seed, ("none",), provenance
        )
        log.info(
            "scenario %s, mode=staff: %d replications per candidate, seed %d",
            spec.scenario.name,
            terms.replications,
            spec.seed,
        )
        with _solver_pool(spec) as pool:
            solved = solve_staffing(spec.scenario, terms, spec.seed, pool)
        required = required_table(spec.scenario, solved, terms.shrinkage)
        folder.write_text(
            "staffing_required.csv", required.to_csv(index=False, lineterminator="\n")
        )
        folder.write_text(
            "staffing_solved.csv",
            solved_table(spec.scenario, solved).to_csv(index=False, lineterminator="\n"),
        )
        fresh = verification_seed(spec.seed)
        log.info(
            "verifying the solved staffing on %d fresh days (seed %d)",
            terms.verify_replications,
            fresh,
        )
        verification = verify_staffing(
            spec.scenario, solved.required, fresh, terms.verify_replications
        )
        folder.write_text(
            "staffing_verification.csv", verification.to_csv(index=False, lineterminator="\n")
        )
        save_png(
            staffing_gap_figure(spec.scenario, required), run_dir / "figures" / "staffing_gap.png"
        )
        report = staffing_report(
            spec.scenario, required, verification, terms, spec.seed, provenance
        )
        folder.write_text("report.md", report)
        folder.mark_complete()
    log.info("staffing solved: %s", run_dir / "report.md")
