"""The Hydra application: ``python -m sim``. The only module that imports Hydra.

It composes the config, validates it into a run, runs the replications, and writes the
run folder (Hydra's run dir): tables, figures and report.
"""

from __future__ import annotations

import logging
import math
import os
import signal
import sys
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack
from pathlib import Path

import hydra
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from sim.config.run import PROJECT_ROOT, ConfigError, build_run
from sim.config.safety import exit_if_unsafe
from sim.config.schema import Config, DayScenarioConfig, ErlangScenarioConfig
from sim.experiment.comparison import compare_policies, max_half_width
from sim.experiment.replications import run_replications
from sim.experiment.run_folder import RunFolder, RunFolderError
from sim.experiment.tables import replication_table
from sim.kpi.definitions import ALL
from sim.report.figures import render_figures
from sim.report.markdown import render_report

__all__ = ["main"]

log = logging.getLogger("ccsim")


def _register() -> None:
    cs = ConfigStore.instance()
    cs.store(name="base_config", node=Config)
    cs.store(group="scenario", name="day_schema", node=DayScenarioConfig)
    cs.store(group="scenario", name="erlang_schema", node=ErlangScenarioConfig)
    if not OmegaConf.has_resolver("pid"):
        # Part of the run-dir name, so that runs started in the same microsecond never collide.
        OmegaConf.register_new_resolver("pid", os.getpid)


def _fail(problems: list[str]) -> None:
    sys.stderr.write("ccsim: invalid configuration, nothing was simulated:\n")
    for problem in problems:
        sys.stderr.write(f"  - {problem}\n")
    sys.exit(2)


def run(cfg: DictConfig, run_dir: Path) -> RunFolder:
    """Validate ``cfg``, simulate, and write every output into ``run_dir``.

    A run folder refused or corrupt (exit 2), a failed read or write (exit 1) and running
    out of memory (exit 1) end the run with one line on stderr, never a traceback; the run
    folder's lock is released however the run ends.
    """
    with ExitStack() as stack:
        try:
            return _run(cfg, run_dir, stack)
        except RunFolderError as exc:
            _stop(str(exc), exc.code)
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            _stop(f"{where}{exc.strerror or exc}", 1)
        except MemoryError:
            _stop(
                "out of memory: lower run.workers or run.replications, or free memory; "
                "finished replications are kept in parts/ (run.resume=<run folder>)",
                1,
            )
    raise AssertionError("unreachable")  # pragma: no cover


def _stop(message: str, code: int) -> None:
    sys.stderr.write(f"ccsim: {message}\n")
    sys.exit(code)


def _run(cfg: DictConfig, run_dir: Path, stack: ExitStack) -> RunFolder:
    """:func:`run`, with the run folder's lock released by ``stack``."""
    missing = sorted(OmegaConf.missing_keys(cfg))
    if missing:
        _fail([f"{key}: required value not set" for key in missing])
    try:
        spec = build_run(cfg)
    except ConfigError as exc:
        _fail(exc.problems)
    done: set[tuple[str, int]] = set()
    if spec.resume is not None:
        run_dir = spec.resume
        folder = stack.enter_context(RunFolder.resume(run_dir))
        if folder.read_manifest().get("fingerprint") != spec.fingerprint():
            _fail(
                [
                    f"run.resume = '{spec.resume}': that run simulated another scenario, policies "
                    "or seed; only the same configuration can be resumed (replications may differ)"
                ]
            )
        done = {(r.policy, r.replication) for r in folder.load_parts()}
        log.info("resuming %s: %d replications already done", run_dir, len(done))
    else:
        here = {Path.cwd(): "the current folder", PROJECT_ROOT: "the project root"}
        folder = stack.enter_context(RunFolder.create(run_dir, protected=here))
        folder.write_manifest(spec.fingerprint(), spec.scenario.name, spec.seed, spec.policies)
    log.info(
        "scenario %s: %d replications x %d policies, seed %d",
        spec.scenario.name,
        spec.replications,
        len(spec.policies),
        spec.seed,
    )
    interrupted = False
    replications = spec.replications
    try:
        while True:
            run_replications(
                spec.scenario,
                spec.policies,
                replications,
                spec.seed,
                workers=spec.workers,
                skip=done,
                on_result=folder.save_part,
                params=spec.policy_params,
            )
            more = _replications_for_precision(spec, folder, replications)
            if more is None:
                break
            done = {(r.policy, r.replication) for r in folder.load_parts()}
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
        ),
    )
    if not interrupted:
        folder.mark_complete()  # last: tables, figures and report are all written
    summary = tables["summary"]
    totals = summary[(summary["contact_type"] == ALL) & (summary["group"] == ALL)]
    for row in totals.itertuples():
        log.info(
            "%s: service level %.1f%% (%.1f%% to %.1f%%), ASA %.1f s, abandoned %.1f%%, occupancy %.1f%%",
            row.policy,
            100 * row.service_level,
            100 * row.service_level_ci_low,
            100 * row.service_level_ci_high,
            row.asa_seconds,
            100 * row.abandon_rate,
            100 * row.occupancy,
        )
    if len(spec.scenario.contact_types) > 1:
        by_type = summary[(summary["contact_type"] != ALL) & (summary["group"] == ALL)]
        for row in by_type.itertuples():
            log.info(
                "  %s / %s: service level %.1f%%, ASA %.1f s, abandoned %.1f%%",
                row.policy,
                row.contact_type,
                100 * row.service_level,
                row.asa_seconds,
                100 * row.abandon_rate,
            )
    log.info("run folder: %s", run_dir)
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


@hydra.main(version_base="1.3", config_path=str(PROJECT_ROOT / "configs"), config_name="config")
def _app(cfg: DictConfig) -> None:
    try:
        run(cfg, Path(HydraConfig.get().runtime.output_dir))
    except BrokenProcessPool:
        sys.stderr.write(
            "ccsim: a worker process died (killed by the system, often for lack of memory): "
            "lower run.workers; finished replications are kept in parts/ "
            "(run.resume=<run folder>)\n"
        )
        sys.exit(1)


class _Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised in the main thread: a run stops as on Ctrl-C, and writes
    its tables from the replications finished so far."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


_stop_signals: list[int] = []  # the stop signal received, if any


def _on_stop_signal(signum: int, frame: object) -> None:
    if _stop_signals:
        return  # already stopping: let the tables be written
    _stop_signals.append(signum)
    raise _Stopped(signum)


def _handle_stop_signals() -> None:
    """SIGTERM and SIGHUP stop a run like Ctrl-C, unless they were ignored when ccsim
    started (``nohup`` ignores SIGHUP). The pool's workers ignore them: the parent stops
    them, and they die with it if it is killed (see :mod:`sim.experiment.replications`)."""
    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is not None and signal.getsignal(signum) is signal.SIG_DFL:
            signal.signal(signum, _on_stop_signal)


def main() -> None:
    """Entry point of ``python -m sim`` and the ``ccsim`` command."""
    exit_if_unsafe(sys.argv[1:], PROJECT_ROOT / "configs")
    _handle_stop_signals()
    _register()
    try:
        _app()
    except _Stopped as exc:  # before or after the replications: nothing was interrupted
        sys.stderr.write(f"ccsim: stopped by {exc}\n")
        sys.exit(128 + exc.signum)
    except SystemExit as exc:
        if _stop_signals and exc.code == 130:  # a run interrupted by SIGTERM or SIGHUP
            sys.exit(128 + _stop_signals[0])  # 143 or 129, as the shell reports them
        raise
