"""The notebook API: ``sim.load`` a run as ``python -m sim`` would compose and validate it,
``sim.run`` it in this process, and get its tables, figures and run folder.

It lives in :mod:`sim.cli` because loading a config is composing it, and Hydra (the one
composer of ccsim's configs, with their defaults lists, groups and experiments) is imported
by :mod:`sim.cli` alone; ``sim`` exposes :func:`load` and :func:`run` lazily, so
``import sim`` stays light. No Hydra app runs: no working-folder change, no log file, no
run folder until :meth:`~sim.report.results.RunResults.save`. The configs are read from the
project's ``configs/`` and data paths resolved against the project root, whatever the
current folder.
"""

from __future__ import annotations

from collections.abc import Sequence

from hydra.errors import HydraException
from omegaconf.errors import OmegaConfBaseException

from sim.cli.app import compose_config
from sim.cli.job import replicate
from sim.config.run import PROJECT_ROOT, ConfigError, RunSpec, build_run
from sim.config.safety import unsafe_start
from sim.experiment.executors import open_pool
from sim.experiment.replications import ReplicationResult
from sim.report.results import RunResults

__all__ = ["load", "run"]

CONFIGS = PROJECT_ROOT / "configs"


def _scenarios() -> list[str]:
    return sorted(p.stem for p in (CONFIGS / "scenario").glob("*.yaml"))


#: Lines of Hydra's and OmegaConf's messages that say nothing to a notebook's user.
_NOISE = (
    "full_key:",
    "object_type=",
    "reference_type=",
    "Config search path",
    "provider=",
    "To append to your config",  # adding a key with + is refused anyway
)


def _composition_problem(exc: BaseException) -> str:
    """Hydra's or OmegaConf's complaint about an override (and its cause), on one line."""
    lines: list[str] = []
    current: BaseException | None = exc
    while current is not None:
        lines += [line.strip() for line in str(current).splitlines()]
        current = current.__cause__
    kept = [line for line in lines if line and not line.startswith(_NOISE)]
    return " ".join(dict.fromkeys(kept)) or "cannot be composed"


def load(name: str = "default", overrides: Sequence[str] = ()) -> RunSpec:
    """The validated run of scenario ``name`` (a file of ``configs/scenario/``) with the
    command line's ``overrides`` (e.g. ``["run.replications=5", "policies=[none,analyst]"]``):
    what ``python -m sim scenario=NAME OVERRIDES`` would simulate, composed the same way
    (defaults, ``configs/local/``, ``experiment=...``) and checked the same way.

    Raises :class:`~sim.config.run.ConfigError` (a ``ValueError``) listing every problem,
    each naming its config key, the bad value and what is allowed, before anything runs.
    """
    if isinstance(overrides, str):
        raise TypeError(f"overrides must be a list of strings, e.g. [{overrides!r}]")
    scenarios = _scenarios()
    if name not in scenarios:
        raise ConfigError([f"scenario = {name!r}: no such scenario; allowed: {scenarios}"])
    args = [f"scenario={name}", *(str(o) for o in overrides)]
    problems = unsafe_start(args, CONFIGS)
    if problems:
        raise ConfigError(problems)
    try:
        cfg = compose_config(args)
    except (HydraException, OmegaConfBaseException) as exc:
        raise ConfigError([f"overrides {list(overrides)}: {_composition_problem(exc)}"]) from None
    return build_run(cfg)


def run(spec: RunSpec) -> RunResults:
    """Simulate ``spec`` (from :func:`load`, ``mode=run``) in this process (with
    ``run.workers`` worker processes, or on Dask with ``run.executor=dask``) and return its
    results: tables as pandas DataFrames (``summary``, ``intervals``, ``replications``,
    ``comparison``, ``actions``), figures (``figure_service_level()``, ...), the report, and
    ``save(folder)`` for the run folder ``python -m sim`` writes. With
    ``run.target_precision``, replications are added in rounds as on the command line."""
    if spec.mode != "run":
        raise ValueError(
            f"mode = {spec.mode!r}: sim.run simulates mode=run; run mode={spec.mode} with "
            "python -m sim"
        )
    if spec.resume is not None:
        raise ValueError(
            f"run.resume = '{spec.resume}': resuming a run folder is for python -m sim; "
            "leave it null"
        )
    results: list[ReplicationResult] = []
    with open_pool(spec.executor, spec.workers, spec.dask_address) as pool:
        replicate(spec, pool, results.append, lambda: results)
    return RunResults.from_replications(
        spec.scenario,
        sorted(results, key=lambda r: (r.policy, r.replication)),
        seed=spec.seed,
        policies=spec.policies,
        fingerprint=spec.fingerprint(),
        chosen=spec.figure_policies,
        alerts=spec.alerts,
        figures=spec.figures,
    )
