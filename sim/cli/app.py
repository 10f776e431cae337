"""The Hydra application: ``python -m sim``. With the sweep callback, the only code that
imports Hydra.

Before Hydra starts, the config files are checked (:mod:`sim.config.safety`) and stop signals
are handled like Ctrl-C; Hydra composes the config, and :func:`sim.cli.job.run` validates,
simulates and writes the run folder (Hydra's run dir).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import NoReturn

import hydra
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from sim.config.data_files import DataFileError
from sim.config.provenance import data_files
from sim.config.run import PROJECT_ROOT, ConfigError, RunSpec, build_run
from sim.config.safety import folder_label, unsafe_start
from sim.config.schema import Config, DayScenarioConfig, ErlangScenarioConfig
from sim.core.provenance import Provenance

__all__ = ["compose_config", "group_overrides", "main"]


def _register() -> None:
    cs = ConfigStore.instance()
    cs.store(name="base_config", node=Config)
    cs.store(group="scenario", name="day_schema", node=DayScenarioConfig)
    cs.store(group="scenario", name="erlang_schema", node=ErlangScenarioConfig)
    if not OmegaConf.has_resolver("pid"):
        # Part of the run-dir name, so that runs started in the same microsecond never collide.
        OmegaConf.register_new_resolver("pid", os.getpid)
    if not OmegaConf.has_resolver("scenario_folder"):
        # The run-dir name's last part (configs/hydra/output/ccsim.yaml).
        OmegaConf.register_new_resolver("scenario_folder", _scenario_folder)


def compose_config(overrides: list[str] | tuple[str, ...] = ()) -> DictConfig:
    """The root config ``python -m sim OVERRIDES`` would run, composed in this process
    (for scripts, benchmarks and tests; :func:`sim.config.run.build_run` validates it)."""
    from hydra import compose, initialize_config_dir

    _register()
    with initialize_config_dir(config_dir=str(PROJECT_ROOT / "configs"), version_base="1.3"):
        return compose(config_name="config", overrides=group_overrides(list(overrides)))


def _scenario_folder(*, _root_: DictConfig) -> str:
    """The scenario's name, made safe for a folder name (:func:`folder_label`): its
    ``scenario.name``, else (an Erlang scenario has none) the scenario config chosen; with
    ``mode=calibrate``, ``calibrate.name``."""
    name = OmegaConf.select(_root_, "scenario.name", default=None, throw_on_missing=False)
    if OmegaConf.select(_root_, "mode", default=None) == "calibrate":
        name = OmegaConf.select(_root_, "calibrate.name", default=None, throw_on_missing=False)
    if not isinstance(name, str) or name == "???":
        name = OmegaConf.select(_root_, "hydra.runtime.choices.scenario", default=None)
    return folder_label(name)


def _refuse(
    problems: list[str], what: str = "invalid configuration, nothing was simulated"
) -> NoReturn:
    """Every problem of the configuration (or of a contact log) at once, exit 2: nothing
    was simulated."""
    sys.stderr.write(f"ccsim: {what}:\n")
    for problem in problems:
        sys.stderr.write(f"  - {problem}\n")
    sys.exit(2)


@hydra.main(version_base="1.3", config_path=str(PROJECT_ROOT / "configs"), config_name="config")
def _app(cfg: DictConfig) -> None:
    missing = sorted(OmegaConf.missing_keys(cfg))
    if missing:
        _refuse([f"{key}: required value not set" for key in missing])
    try:
        spec = build_run(cfg)
        provenance = _provenance(spec, cfg)
    except (ConfigError, DataFileError) as exc:
        _refuse(exc.problems)
    # Imported once the config is valid: pandas, scipy and matplotlib load only then, so a
    # refused config is answered quickly.
    run_dir = Path(HydraConfig.get().runtime.output_dir)
    if spec.mode == "calibrate":
        _calibrate(cfg, run_dir)
        return
    if spec.mode == "plan":
        from sim.cli.plan_job import run_hiring_plan

        run_hiring_plan(spec, run_dir, provenance)
        return
    if spec.mode == "staff":
        from sim.cli.staff_job import run_staffing_solver

        run_staffing_solver(spec, run_dir, provenance)
        return
    from sim.cli.job import run

    run(spec, run_dir, provenance)


def _calibrate(cfg: DictConfig, run_dir: Path) -> None:
    """``mode=calibrate``: read and check the log (every problem at once, exit 2, before
    anything is estimated), then calibrate into ``run_dir``."""
    from sim import __version__
    from sim.config.calibrate import read_calibration

    try:
        spec = read_calibration(cfg)
    except DataFileError as exc:
        _refuse(exc.problems, "invalid contact log, nothing was calibrated")
    provenance = Provenance(
        scenario=spec.name,
        seed=0,
        replications=0,
        version=__version__,
        overrides=tuple(str(o) for o in HydraConfig.get().overrides.task),
        data_files=(spec.source,),
    )
    from sim.cli.calibrate_job import run_calibration

    run_calibration(spec, run_dir, provenance)


def _provenance(spec: RunSpec, cfg: DictConfig) -> Provenance:
    """How this run is made: Hydra's task overrides (the command line's, as typed) and
    every data file the scenario reads, with its size and checksum."""
    from sim import __version__

    return Provenance(
        scenario=spec.scenario.name,
        seed=spec.seed,
        replications=spec.replications,
        version=__version__,
        overrides=tuple(str(o) for o in HydraConfig.get().overrides.task),
        data_files=data_files(OmegaConf.to_object(cfg.scenario), PROJECT_ROOT),
    )


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


def group_overrides(args: list[str]) -> list[str]:
    """The command line with each plain ``scenario.groups.<group>...=value`` made ``++``
    (add or override): a group's settings may be absent from the scenario's YAML, which
    Hydra would refuse for a plain override; a wrong group or key is still refused, by the
    config check, naming what is allowed."""
    return ["++" + a if a.startswith("scenario.groups.") and "=" in a else a for a in args]


def main() -> None:
    """Entry point of ``python -m sim`` and the ``ccsim`` command."""
    sys.argv[1:] = group_overrides(sys.argv[1:])
    problems = unsafe_start(sys.argv[1:], PROJECT_ROOT / "configs")
    if problems:
        _refuse(problems)
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
