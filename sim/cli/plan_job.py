"""``python -m sim mode=plan``: the hiring frontier. Runs every staffing variant of
``plan.scales`` under the policies on the same days and writes ``plan.csv``,
``figures/frontier.png`` and ``report.md`` into the run folder."""

from __future__ import annotations

import logging
from pathlib import Path

from sim.cli.failures import create_run_folder, one_line_failures
from sim.config.run import RunSpec
from sim.core.provenance import Provenance
from sim.experiment.executors import open_pool
from sim.experiment.hiring_plan import adjacent_steps, plan_table, run_plan
from sim.report.figures import save_png
from sim.report.plan import frontier_figure, plan_report

__all__ = ["run_hiring_plan"]

log = logging.getLogger("ccsim")


def run_hiring_plan(spec: RunSpec, run_dir: Path, provenance: Provenance | None = None) -> None:
    """Simulate the plan variants of ``spec`` and write ``plan.csv``, the frontier figure
    and ``report.md`` into ``run_dir``; failures end with one line on stderr (exit 1 or 2),
    an interruption with exit 130 (nothing is kept: a plan cannot be resumed)."""
    with one_line_failures(interrupted="interrupted: the plan's tables were not written"):
        _run(spec, run_dir, provenance)


def _run(spec: RunSpec, run_dir: Path, provenance: Provenance | None) -> None:
    terms = spec.plan
    if terms is None:  # build_run sets it with mode=plan
        raise ValueError("a plan run needs spec.plan")
    pool_context = open_pool(spec.executor, spec.workers, spec.dask_address)
    with pool_context as pool, create_run_folder(run_dir) as folder:
        folder.write_manifest(
            "plan:" + spec.fingerprint(), spec.scenario.name, spec.seed, spec.policies, provenance
        )
        log.info(
            "scenario %s, mode=plan: %d staffing plans x %d policies x %d replications, seed %d",
            spec.scenario.name,
            len(terms.scales),
            len(spec.policies),
            spec.replications,
            spec.seed,
        )
        per_rep = run_plan(
            spec.scenario,
            spec.policies,
            spec.replications,
            spec.seed,
            terms,
            workers=spec.workers,
            params=spec.policy_params,
            pool=pool,
        )
        plan = plan_table(per_rep)
        steps = adjacent_steps(per_rep)
        folder.write_text("plan.csv", plan.to_csv(index=False, lineterminator="\n"))
        save_png(frontier_figure(spec.scenario, plan), run_dir / "figures" / "frontier.png")
        report = plan_report(
            spec.scenario, plan, steps, terms, spec.replications, spec.seed, provenance
        )
        folder.write_text("report.md", report)
        folder.mark_complete()
    log.info("hiring frontier written: %s", run_dir / "report.md")
