"""One run of ``python -m sim`` once Hydra has composed the config: validate it, simulate,
and write the run folder (tables, figures, report).

Kept apart from the Hydra app (:mod:`sim.cli.app`) so that pandas, scipy and matplotlib are
imported only once a config is to be run: a refused config or ``--help`` answers quickly.
"""

from __future__ import annotations

import logging
import math
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path

from tqdm import tqdm

from sim.cli.failures import create_run_folder, one_line_failures, stop
from sim.config.run import RunSpec
from sim.core.provenance import Provenance
from sim.experiment.comparison import compare_policies, max_half_width
from sim.experiment.executors import Pool, open_pool
from sim.experiment.replications import ReplicationResult, run_replications
from sim.experiment.run_folder import RunFolder
from sim.experiment.tables import replication_table
from sim.report.console import console_summary
from sim.report.results import RunResults

__all__ = ["replicate", "run"]

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
    # First: a cluster that cannot be reached or runs another ccsim leaves no run folder.
    pool = stack.enter_context(open_pool(spec.executor, spec.workers, spec.dask_address))
    if pool is not None:
        log.info(
            "run.executor = %s: %d workers on %s",
            spec.executor,
            pool.workers,
            spec.dask_address or "a local cluster",
        )
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
        # each part is read (and checked) once, none held: memory does not grow with them
        done = {(r.policy, r.replication) for r in folder.iter_parts()}
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
        if result.day_state is not None:
            folder.save_snapshot(result.day_state, spec.scenario, result.replication)
        bar.update(1)

    def next_round(before: int, after: int) -> None:
        nonlocal replications
        bar.total = (bar.total or 0) + (after - before) * len(spec.policies)
        bar.refresh()
        replications = after

    try:
        replicate(spec, pool, saved, folder.iter_parts, done, next_round)
    except KeyboardInterrupt:
        interrupted = True
        log.warning("interrupted: writing the tables from the replications finished so far")
    keys = [(p, r) for p, r in folder.part_keys() if p in spec.policies and r < replications]
    if not keys:
        sys.stderr.write("ccsim: interrupted before any replication finished\n")
        sys.exit(130)
    # The parts are read one at a time into the tables' running sums, none held: the
    # memory of the tables does not grow with the replications.
    outputs = RunResults.from_replications(
        spec.scenario,
        folder.iter_parts(keys),
        seed=spec.seed,
        policies=spec.policies,
        fingerprint=spec.fingerprint(),
        chosen=spec.figure_policies,
        alerts=spec.alerts,
        figures=spec.figures,
        provenance=provenance,
        keep_parts=False,
    )
    outputs.write(folder)
    if not interrupted:
        folder.mark_complete()  # last: tables, figures and report are all written
    for line in console_summary(
        spec.scenario,
        outputs.summary,
        outputs.replications,
        outputs.tables.get("comparison"),
        run_dir / "report.md",
    ):
        log.info(line)
    if interrupted:
        sys.exit(130)
    return folder


def replicate(
    spec: RunSpec,
    pool: Pool | None,
    on_result: Callable[[ReplicationResult], None],
    finished: Callable[[], Iterable[ReplicationResult]],
    done: Iterable[tuple[str, int]] = (),
    on_round: Callable[[int, int], None] | None = None,
) -> None:
    """Simulate the replications of ``spec`` not ``done`` ((policy, replication) pairs) on
    ``pool`` (:func:`~sim.experiment.executors.open_pool`); then, with
    ``run.target_precision``, more rounds until it is reached. ``on_result`` gets each
    replication as it finishes; ``finished()`` returns every one finished so far (the
    rounds are sized from them; read once each round, one at a time: a generator such as
    :meth:`RunFolder.iter_parts <sim.experiment.run_folder.RunFolder.iter_parts>` keeps
    them out of memory); ``on_round(before, after)`` is told of each new round's
    replications per policy. The command line and ``sim.run`` both simulate with it."""
    replications = spec.replications
    while True:
        run_replications(
            spec.week if spec.week is not None else spec.scenario,  # a week: day by day
            spec.policies,
            replications,
            spec.seed,
            workers=spec.workers,
            skip=done,
            on_result=on_result,
            params=spec.policy_params,
            pool=pool,
            keep=False,  # on_result saves each: memory does not grow with the count
            snapshot_at=spec.snapshot_at,
        )
        if spec.target_precision is None or len(spec.policies) < 2:
            return
        seen: set[tuple[str, int]] = set()
        more = _replications_for_precision(spec, _noting(finished(), seen), replications)
        if more is None:
            return
        done = seen
        if on_round is not None:
            on_round(replications, more)
        replications = more


def _noting(
    results: Iterable[ReplicationResult], seen: set[tuple[str, int]]
) -> Iterator[ReplicationResult]:
    """``results``, one at a time, each (policy, replication) noted in ``seen``."""
    for result in results:
        seen.add((result.policy, result.replication))
        yield result


def _replications_for_precision(
    spec: RunSpec, finished: Iterable[ReplicationResult], done: int
) -> int | None:
    """With ``run.target_precision``: how many replications to reach it (None: stop now).
    ``finished`` is read to its end, one at a time (only its day-level rows are kept).

    The paired service-level differences' CI half-width shrinks like 1/sqrt(n): the next
    round aims at n * (half-width / target)^2 plus 10%, at least two more, at most the cap.
    """
    if spec.target_precision is None or len(spec.policies) < 2:
        return None
    table = replication_table(
        r for r in finished if r.policy in spec.policies and r.replication < done
    )
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
