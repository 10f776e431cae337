"""``python -m sim mode=plan``: the hiring frontier. Runs every staffing variant of
``plan.scales`` under the policies on the same days and writes ``plan.csv``,
``figures/frontier.png`` and ``report.md`` into the run folder."""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path

from sim.cli.failures import one_line_failures
from sim.config.run import PROJECT_ROOT, RunSpec
from sim.core.provenance import Provenance
from sim.experiment.hiring_plan import adjacent_steps, plan_table, run_plan
from sim.experiment.run_folder import RunFolder, atomic_write
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
    here = {Path.cwd(): "the current folder", PROJECT_ROOT: "the project root"}
    with RunFolder.create(run_dir, protected=here) as folder:
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
        )
        plan = plan_table(per_rep)
        steps = adjacent_steps(per_rep)
        folder.write_text("plan.csv", plan.to_csv(index=False, lineterminator="\n"))
        figures = run_dir / "figures"
        figures.mkdir(parents=True, exist_ok=True)
        fig = frontier_figure(spec.scenario, plan)
        atomic_write(figures / "frontier.png", partial(fig.savefig, dpi=100, format="png"))
        report = plan_report(
            spec.scenario, plan, steps, terms, spec.replications, spec.seed, provenance
        )
        folder.write_text("report.md", report)
        folder.mark_complete()
    log.info("hiring frontier written: %s", run_dir / "report.md")
