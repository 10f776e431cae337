"""One run of ``python -m sim`` once Hydra has composed the config: validate it, simulate,
and write the run folder (tables, figures, report).

Kept apart from the Hydra app (:mod:`sim.cli.app`) so that pandas, scipy and matplotlib are
imported only once a config is to be run: a refused config or ``--help`` answers quickly.
"""

from __future__ import annotations

import logging
import math
import sys
from contextlib import ExitStack
from pathlib import Path

from tqdm import tqdm

from sim.cli.failures import create_run_folder, one_line_failures, stop
from sim.config.run import RunSpec
from sim.core.provenance import Provenance
from sim.experiment.comparison import compare_policies, max_half_width
from sim.experiment.replications import run_replications
from sim.experiment.run_folder import RunFolder
from sim.experiment.tables import replication_table
from sim.report.console import console_summary
from sim.report.figures import render_figures
from sim.report.markdown import render_report

__all__ = ["run"]

log = logging.getLogger("ccsim")


def run(spec: RunSpec, run_dir: Path, provenance: Provenance | None = None) -> RunFolder:
    """Simulate the validated run ``spec`` and write every output into ``run_dir``.

    ``provenance`` (the command-line overrides and the data files read) goes into the
    manifest of a new run and into ``report.md``.

    A run folder refused or corrupt (exit 2), a failed read or write (exit 1) and running
    out of memory or a worker killed by the system (exit 1) end the run with one line on
    stderr, never a traceback; the run folder's lock is released however the run ends.
    """
    kept = "; finished replications are kept in parts/ (run.resume=<run folder>)"
    with ExitStack() as stack, one_line_failures(kept):
        return _run(spec, run_dir, stack, provenance)
    raise AssertionError("unreachable")  # pragma: no cover


def _run(
    spec: RunSpec, run_dir: Path, stack: ExitStack, provenance: Provenance | None
) -> RunFolder:
    """:func:`run`, with the run folder's lock released by ``stack``."""
    done: set[tuple[str, int]] = set()
    if spec.resume is not None:
        run_dir = spec.resume
        folder = stack.enter_context(RunFolder.resume(run_dir))
        if folder.read_manifest().get("fingerprint") != spec.fingerprint():
            stop(
                "invalid configuration, nothing was simulated:\n"
                f"  - run.resume = '{spec.resume}': that run simulated another scenario, "
                "policies or seed; only the same configuration can be resumed (replications "
                "may differ)",
                2,
            )
        done = {(r.policy, r.replication) for r in folder.load_parts()}
        log.info("resuming %s: %d replications already done", run_dir, len(done))
    else:
        folder = stack.enter_context(create_run_folder(run_dir))
        folder.write_manifest(
            spec.fingerprint(), spec.scenario.name, spec.seed, spec.policies, provenance
        )
    log.info(
        "scenario %s: %d replications x %d policies, seed %d",
        spec.scenario.name,
        spec.replications,
        len(spec.policies),
        spec.seed,
    )
    interrupted = False
    replications = spec.replications
    # A progress bar with the time left, on a terminal only (logs and CI stay clean).
    bar = stack.enter_context(
        tqdm(
            total=replications * len(spec.policies) - len(done),
            unit="day",
            desc="simulating",
            disable=not sys.stderr.isatty(),
            leave=False,
            dynamic_ncols=True,
        )
    )

    def saved(result) -> None:
        folder.save_part(result)
        bar.update(1)

    try:
        while True:
            run_replications(
                spec.scenario,
                spec.policies,
                replications,
                spec.seed,
                workers=spec.workers,
                skip=done,
                on_result=saved,
                params=spec.policy_params,
            )
            more = _replications_for_precision(spec, folder, replications)
            if more is None:
                break
            done = {(r.policy, r.replication) for r in folder.load_parts()}
            bar.total = (bar.total or 0) + (more - replications) * len(spec.policies)
            bar.refresh()
            replications = more
    except KeyboardInterrupt:
        interrupted = True
        log.warning("interrupted: writing the tables from the replications finished so far")
    results = [
        r for r in folder.load_parts() if r.policy in spec.policies and r.replication < replications
    ]
    if not results:
        sys.stderr.write("ccsim: interrupted before any replication finished\n")
        sys.exit(130)
    tables = folder.write_tables(spec.scenario, results)
    render_figures(
        spec.scenario,
        tables["intervals"],
        run_dir / "figures",
        summary=tables["summary"],
        actions=tables["actions"],
    )
    reps = int(tables["summary"]["replications"].min())
    folder.write_text(
        "report.md",
        render_report(
            spec.scenario,
            tables["summary"],
            tables["intervals"],
            reps,
            spec.seed,
            comparison=tables.get("comparison"),
            actions=tables["actions"],
            per_replication=tables["replications"],
            provenance=provenance,
        ),
    )
    if not interrupted:
        folder.mark_complete()  # last: tables, figures and report are all written
    for line in console_summary(
        spec.scenario,
        tables["summary"],
        tables["replications"],
        tables.get("comparison"),
        run_dir / "report.md",
    ):
        log.info(line)
    if interrupted:
        sys.exit(130)
    return folder


def _replications_for_precision(spec, folder: RunFolder, done: int) -> int | None:
    """With ``run.target_precision``: how many replications to reach it (None: stop now).

    The paired service-level differences' CI half-width shrinks like 1/sqrt(n): the next
    round aims at n * (half-width / target)^2 plus 10%, at least two more, at most the cap.
    """
    if spec.target_precision is None or len(spec.policies) < 2:
        return None
    results = [r for r in folder.load_parts() if r.policy in spec.policies and r.replication < done]
    table = replication_table(results)
    baseline = "none" if "none" in spec.policies else spec.policies[0]
    half = max_half_width(compare_policies(table, baseline))
    if half < spec.target_precision:
        log.info(
            "target precision reached with %d replications: service-level differences "
            "within +/-%.2f points",
            done,
            100 * half,
        )
        return None
    if done >= spec.max_replications:
        log.warning(
            "run.max_replications = %d reached: service-level differences within +/-%.2f "
            "points, target %.2f",
            done,
            100 * half,
            100 * spec.target_precision,
        )
        return None
    wanted = math.ceil(1.1 * done * (half / spec.target_precision) ** 2) if half == half else 0
    more = min(spec.max_replications, max(done + 2, wanted))
    log.info(
        "service-level differences within +/-%.2f points after %d replications; "
        "running up to %d for +/-%.2f",
        100 * half,
        done,
        more,
        100 * spec.target_precision,
    )
    return more
