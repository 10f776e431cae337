"""Hydra callbacks (registered under ``hydra.callbacks`` in ``configs/hydra/``).

``SweepSummary`` writes a multirun's ``sweep_summary.csv`` and ``figures/sweep.png``
(:func:`sim.cli.sweep_jobs.summarize_sweep`) into the sweep folder: after each job (so a
sweep cut short still has one) and once more at the end.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hydra.core.utils import JobStatus
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

__all__ = ["SweepSummary"]

log = logging.getLogger("ccsim.sweep")


def _summarize(config: DictConfig) -> Path | None:
    """Write the sweep summary of ``config``'s sweep dir; its CSV path, or None. Never raises."""
    # Imported here, not at the top: Hydra builds this callback at every start, and a single
    # run (or a refused config) should not pay for pandas and matplotlib.
    from sim.cli.sweep_jobs import summarize_sweep

    try:
        sweep_dir = Path(str(config.hydra.sweep.dir))
        target = OmegaConf.select(config, "service_level.target", default=None)
        table = summarize_sweep(sweep_dir, target=None if target is None else float(target))
    except Exception:  # noqa: BLE001 - a summary must never fail the sweep it summarizes
        log.exception("could not write the sweep summary")
        return None
    return None if table is None else sweep_dir / "sweep_summary.csv"


class SweepSummary(Callback):
    """Writes the sweep summary of a Hydra multirun into its sweep folder."""

    def on_job_end(self, config: DictConfig, job_return: Any = None, **kwargs: Any) -> None:
        # Hydra skips on_multirun_end when a job fails or exits (bad config, Ctrl-C): keep
        # the summary current after each job so that a partial sweep still has one.
        # Quietly: the warnings about unfinished jobs come once, at the end.
        if OmegaConf.select(config, "hydra.mode") != RunMode.MULTIRUN:
            return
        level = log.level
        log.setLevel(logging.ERROR)
        try:
            path = _summarize(config)
        finally:
            log.setLevel(level)
        if path is not None and getattr(job_return, "status", None) == JobStatus.FAILED:
            log.warning("a job failed; the sweep summary of the jobs so far: %s", path)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        path = _summarize(config)
        if path is not None:
            log.info("sweep summary: %s (figure: %s)", path, path.parent / "figures" / "sweep.png")
