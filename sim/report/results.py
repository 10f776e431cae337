"""The results of one run, in memory: its tables, figures and report, and the run folder.

:class:`RunResults` is what ``sim.run(spec)`` returns in a notebook, and what the command
line (:mod:`sim.cli.job`) writes its run folder with: :meth:`RunResults.write` is the one
code path of the tables, figures and ``report.md`` of a run folder, and
:meth:`RunResults.save` writes a whole run folder (manifest, parts, tables, figures,
report) as ``python -m sim`` would, less Hydra's own files (``.hydra/``, ``ccsim.log``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from sim.core.alerts import AlertThresholds
from sim.core.provenance import Provenance
from sim.core.scenario import Scenario
from sim.experiment.replications import ReplicationResult
from sim.experiment.run_folder import RunFolder, run_tables
from sim.report.alerts import alerts_table
from sim.report.figures import (
    actions_figure,
    cost_figure,
    heatmap_figure,
    occupancy_figure,
    queue_length_figure,
    render_figures,
    service_level_figure,
    staffing_figure,
)
from sim.report.figures import figure_policies as _figure_policies
from sim.report.markdown import render_report

__all__ = ["RunResults"]


@dataclass(frozen=True, eq=False)
class RunResults:
    """One run's replications and tables (pandas DataFrames, the run folder's CSV files).

    ``tables``: by name, as :func:`~sim.experiment.run_folder.run_tables` builds them;
    ``parts``: the replications they come from (the run folder's ``parts/``), empty when
    the tables were built without holding them (``keep_parts=False``).
    ``fingerprint``: what a resumed run must match (``RunSpec.fingerprint()``), for the
    manifest. ``chosen``: ``report.figure_policies`` (``None``: the three best).
    ``alert_thresholds``: ``alerts.*``, for :attr:`alerts` and the report's views.
    ``draw_figures``: ``report.figures`` (false: :meth:`write` draws no ``figures/*.png``).
    """

    scenario: Scenario
    tables: dict[str, pd.DataFrame]
    parts: tuple[ReplicationResult, ...]
    seed: int
    policies: tuple[str, ...]
    fingerprint: str
    chosen: tuple[str, ...] | None = None
    provenance: Provenance | None = field(default=None, repr=False)
    alert_thresholds: AlertThresholds = field(default_factory=AlertThresholds, repr=False)
    draw_figures: bool = True

    @classmethod
    def from_replications(
        cls,
        scenario: Scenario,
        results: Iterable[ReplicationResult],
        *,
        seed: int,
        policies: Sequence[str],
        fingerprint: str,
        chosen: Sequence[str] | None = None,
        provenance: Provenance | None = None,
        keep_parts: bool = True,
        alerts: AlertThresholds | None = None,
        figures: bool = True,
    ) -> RunResults:
        """Build the tables of ``results`` (finished replications of ``policies``).

        ``keep_parts`` False: read each result once, as the tables are built, and hold
        none (``parts`` is empty; :meth:`save` is then refused): the command line builds
        its tables so from its run folder's parts (:meth:`RunFolder.iter_parts
        <sim.experiment.run_folder.RunFolder.iter_parts>`), in memory that does not grow
        with the replications.
        """
        parts = tuple(results) if keep_parts else ()
        return cls(
            scenario,
            run_tables(scenario, parts if keep_parts else results),
            parts,
            int(seed),
            tuple(policies),
            fingerprint,
            None if chosen is None else tuple(chosen),
            provenance,
            AlertThresholds() if alerts is None else alerts,
            figures,
        )

    def __repr__(self) -> str:
        reps = int(self.summary["replications"].min())
        return (
            f"<RunResults scenario {self.scenario.name!r}: {len(self.policies)} "
            f"{'policy' if len(self.policies) == 1 else 'policies'} "
            f"({', '.join(self.policies)}) x {reps} replications, seed {self.seed}>"
        )

    # -- tables ------------------------------------------------------------------------------

    @property
    def summary(self) -> pd.DataFrame:
        """``summary.csv``: per policy, contact type and group (``all``: every one), each
        KPI's mean over replications with ``_ci_low`` / ``_ci_high``."""
        return self.tables["summary"]

    @property
    def intervals(self) -> pd.DataFrame:
        """``intervals.csv``: the same per interval, with the forecast and the schedule."""
        return self.tables["intervals"]

    @property
    def replications(self) -> pd.DataFrame:
        """``replications.csv``: every KPI per replication (simulated day; a week run's:
        simulated week)."""
        return self.tables["replications"]

    @property
    def comparison(self) -> pd.DataFrame:
        """``comparison.csv``: each policy minus the baseline, paired by day (or week), with CIs;
        empty (no rows, no columns) when one policy ran."""
        return self.tables.get("comparison", pd.DataFrame())

    @property
    def actions(self) -> pd.DataFrame:
        """``actions.csv``: one row per action a policy applied."""
        return self.tables["actions"]

    # -- figures -----------------------------------------------------------------------------

    @property
    def alerts(self) -> pd.DataFrame:
        """``alerts.csv``: where the expected day crosses ``alerts.*`` and who is told
        (:func:`sim.report.alerts.alerts_table`)."""
        return alerts_table(self.scenario, self.summary, self.intervals, self.alert_thresholds)

    def figure_policies(self) -> list[str]:
        """The policies the per-interval figures draw: the baseline and ``chosen`` or the
        three best by the day's service level."""
        return _figure_policies(self.summary, self.chosen)

    def figure_service_level(self, policies: Sequence[str] | None = None) -> Figure:
        """Service level per interval and contact type (``figures/service_level.png``);
        ``policies``: those drawn (default: :meth:`figure_policies`)."""
        shown = self.figure_policies() if policies is None else list(policies)
        return service_level_figure(self.scenario, self.intervals, shown)

    def figure_occupancy(self, policies: Sequence[str] | None = None) -> Figure:
        """Occupancy per interval and group (``figures/occupancy.png``)."""
        shown = self.figure_policies() if policies is None else list(policies)
        return occupancy_figure(self.scenario, self.intervals, shown)

    def figure_queue_length(self, policies: Sequence[str] | None = None) -> Figure:
        """Queue length per interval and contact type (``figures/queue_length.png``)."""
        shown = self.figure_policies() if policies is None else list(policies)
        return queue_length_figure(self.scenario, self.intervals, shown)

    def figure_heatmap(self, policy: str | None = None) -> Figure:
        """Service level by interval and contact type of ``policy`` (default: the
        baseline), colours diverging at the target (``figures/service_level_heatmap.png``)."""
        return heatmap_figure(self.scenario, self.intervals, policy)

    def figure_staffing(self) -> Figure:
        """Demand and staffing per interval (``figures/staffing.png``)."""
        return staffing_figure(self.scenario, self.intervals)

    def figure_cost(self) -> Figure:
        """Cost per day against the day's service level, per policy
        (``figures/cost_vs_service_level.png``)."""
        return cost_figure(self.scenario, self.summary)

    def figure_actions(self) -> Figure:
        """Applied actions per interval, per policy that acted (``figures/actions.png``)."""
        return actions_figure(self.scenario, self.actions, self.summary)

    # -- report and run folder ---------------------------------------------------------------

    def report(self) -> str:
        """``report.md``: the short Markdown report a manager can read."""
        return render_report(
            self.scenario,
            self.summary,
            self.intervals,
            int(self.summary["replications"].min()),
            self.seed,
            comparison=self.tables.get("comparison"),
            actions=self.actions,
            per_replication=self.replications,
            provenance=self.provenance,
            alerts=self.alerts,
            figures=self.draw_figures,
            days=self.tables.get("days"),
        )

    def write(self, folder: RunFolder) -> None:
        """Write the tables (``<name>.csv``), ``figures/*.png`` and ``report.md`` into
        ``folder``: the outputs of a run folder, but its manifest, parts and ``complete``."""
        folder.write_frames({**self.tables, "alerts": self.alerts})
        if self.draw_figures:
            render_figures(
                self.scenario,
                self.intervals,
                folder.path / "figures",
                summary=self.summary,
                actions=self.actions,
                policies=self.chosen,
            )
        folder.write_text("report.md", self.report())

    def save(self, folder: str | Path) -> Path:
        """Write the run folder ``python -m sim`` writes into ``folder`` (created; refused
        if it already holds a run or is the current folder): ``manifest.json``, ``parts/``,
        the tables, ``figures/``, ``report.md`` and, last, ``complete``. Hydra's own files
        (``.hydra/``, ``ccsim.log``) are the command line's alone. Returns the folder."""
        if not self.parts:
            raise ValueError(
                "these results hold no replications (built with keep_parts=False, from a run "
                "folder): that folder is their saved run"
            )
        protected = {Path.cwd(): "the current folder"}
        with RunFolder.create(Path(folder), protected=protected) as run:
            run.write_manifest(
                self.fingerprint, self.scenario.name, self.seed, self.policies, self.provenance
            )
            for part in self.parts:
                run.save_part(part)
            self.write(run)
            run.mark_complete()
        return run.path
