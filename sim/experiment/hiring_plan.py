"""The hiring frontier (``mode=plan``): staffing variants run on the same days, annualised.

Each variant multiplies every count-staffed group's staffing table by its ``scale``, each
interval rounded half up to whole agents (``floor(staffing * scale + 0.5)``); groups on
individual shifts are not scaled. A variant given as a table (``plan.staffing_files``)
replaces the count-staffed groups' tables; its ``scale`` is its agent-intervals over the
reference plan's, so that variants of both kinds line up by size. Every variant is run under the policies on the same
simulated days (same seed: common random numbers), so a variant's difference to the
reference plan (scale 1.0) is paired on the replication.

Definitions, per replication (from the day's all-contacts, all-groups KPIs), then averaged
over replications:

* ``agent_hours_per_day`` = ``agents_logged_in`` x measured hours (the day after the
  warm-up): logged-in agent-hours, absences and policy changes (overtime, sent home)
  included;
* ``fte`` = ``agent_hours_per_day`` x ``days_per_year`` / (``paid_hours_per_fte`` x
  (1 - ``shrinkage``));
* ``annual_cost`` = ``cost`` x ``days_per_year`` + ``hiring_cost_per_fte`` x
  ``attrition_rate`` x ``fte`` (``cost``: the day's cost KPI, agents' hours at their
  rates, overtime premiums, outsourcing and abandons as the costs config prices them);
* ``abandoned_per_year`` = ``abandoned`` x ``days_per_year``;
* ``missed_target_days_per_year`` = ``missed_target`` x ``days_per_year`` (days on which
  the all-types service level is below the scenario's target);
* ``service_level`` and ``cost_per_contact``: the day's KPIs.

Pure: no files (the CLI writes ``plan.csv``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from sim.core.planning import REFERENCE_SCALE, PlanTerms, StaffingVariant, scaled_staffing
from sim.core.scenario import Scenario
from sim.experiment.comparison import compare_policies
from sim.experiment.executors import Pool
from sim.experiment.replications import ReplicationResult, run_replications
from sim.experiment.tables import replication_table, summarize
from sim.kpi.definitions import ALL

__all__ = [
    "DIFF_KPIS",
    "MEETS_TARGET_SHARE",
    "PLAN_COLUMNS",
    "STEP_COLUMNS",
    "adjacent_steps",
    "plan_variants",
    "annualise",
    "meets_target",
    "plan_replications",
    "plan_table",
    "run_plan",
    "scaled_scenario",
    "variant_label",
]

#: The per-replication values of a plan, averaged in ``plan.csv``.
_VALUES = (
    "agent_hours_per_day",
    "fte",
    "annual_cost",
    "service_level",
    "abandoned_per_year",
    "missed_target_days_per_year",
    "cost_per_contact",
)

#: The values whose paired difference to the reference plan ``plan.csv`` carries.
DIFF_KPIS = (
    "service_level",
    "fte",
    "annual_cost",
    "abandoned_per_year",
    "missed_target_days_per_year",
)

#: The columns of ``plan.csv``, in order.
PLAN_COLUMNS = [
    "variant",
    "scale",
    "policy",
    "replications",
    "agent_hours_per_day",
    "fte",
    "annual_cost",
    "service_level",
    "service_level_ci_low",
    "service_level_ci_high",
    "abandoned_per_year",
    "missed_target_days_per_year",
    "cost_per_contact",
    *[f"diff_{k}{end}" for k in DIFF_KPIS for end in ("", "_ci_low", "_ci_high")],
]

#: A variant meets the target when it misses it on at most this share of days.
MEETS_TARGET_SHARE = 0.2

#: The columns of :func:`adjacent_steps`.
STEP_COLUMNS = [
    "policy",
    "from_variant",
    "to_variant",
    *[f"diff_{k}{end}" for k in DIFF_KPIS for end in ("", "_ci_low", "_ci_high")],
]


def variant_label(scale: float) -> str:
    """A variant's name: ``x`` and its scale (``x0.95``)."""
    return f"x{scale:g}"


def scaled_scenario(scenario: Scenario, scale: float) -> Scenario:
    """``scenario`` with every count-staffed group's staffing multiplied by ``scale``, each
    interval rounded half up to whole agents; groups on individual shifts unchanged."""
    groups = tuple(
        g
        if g.scheduled
        else replace(g, staffing=tuple(float(n) for n in scaled_staffing(g.staffing, scale)))
        for g in scenario.groups
    )
    return replace(scenario, groups=groups)


def table_scenario(scenario: Scenario, variant: StaffingVariant) -> Scenario:
    """``scenario`` with every count-staffed group's staffing from ``variant``."""
    groups = tuple(
        g if g.scheduled else replace(g, staffing=tuple(variant.agents(g.name)))
        for g in scenario.groups
    )
    return replace(scenario, groups=groups)


def plan_variants(scenario: Scenario, terms: PlanTerms) -> list[tuple[str, float, Scenario]]:
    """``(name, scale, scenario)`` of every variant: each scale, then each table."""
    variants = [(variant_label(s), s, scaled_scenario(scenario, s)) for s in terms.scales]
    reference = sum(sum(g.staffing) for g in scenario.groups if not g.scheduled)
    for variant in terms.variants:
        size = sum(sum(agents) for _, agents in variant.staffing)
        variants.append(
            (
                variant.name,
                size / reference if reference else math.nan,
                table_scenario(scenario, variant),
            )
        )
    return variants


def plan_replications(
    results: Mapping[tuple[str, float], Iterable[ReplicationResult]],
    scenario: Scenario,
    terms: PlanTerms,
) -> pd.DataFrame:
    """One row per variant, policy and replication with the plan's values (see the module).

    ``results``: each variant's (name, scale) replication results. The day's all-contacts,
    all-groups KPIs are annualised with ``terms``.
    """
    measured_hours = (scenario.intervals - scenario.warmup_intervals) * (
        scenario.interval_seconds / 3600.0
    )
    frames = []
    for (name, scale), found in results.items():
        table = replication_table(found)
        table = table[(table["contact_type"] == ALL) & (table["group"] == ALL)]
        frames.append(
            pd.DataFrame(
                {
                    "variant": name,
                    "scale": float(scale),
                    "policy": table["policy"].to_numpy(),
                    "replication": table["replication"].to_numpy(),
                    "agents_logged_in": table["agents_logged_in"].to_numpy(dtype=float),
                    "cost": table["cost"].to_numpy(dtype=float),
                    "service_level": table["service_level"].to_numpy(dtype=float),
                    "abandoned": table["abandoned"].to_numpy(dtype=float),
                    "missed_target": table["missed_target"].to_numpy(dtype=float),
                    "cost_per_contact": table["cost_per_contact"].to_numpy(dtype=float),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    return annualise(out, measured_hours, terms)


def annualise(day: pd.DataFrame, measured_hours: float, terms: PlanTerms) -> pd.DataFrame:
    """Add the plan's yearly values to ``day`` (columns ``agents_logged_in``, ``cost``,
    ``abandoned``, ``missed_target``), as the module defines them."""
    out = day.copy()
    days = terms.days_per_year
    out["agent_hours_per_day"] = out["agents_logged_in"] * measured_hours
    out["fte"] = (
        out["agent_hours_per_day"] * days / (terms.paid_hours_per_fte * (1.0 - terms.shrinkage))
    )
    out["annual_cost"] = (
        out["cost"] * days + terms.hiring_cost_per_fte * terms.attrition_rate * out["fte"]
    )
    out["abandoned_per_year"] = out["abandoned"] * days
    out["missed_target_days_per_year"] = out["missed_target"] * days
    return out


def _paired(per_rep: pd.DataFrame, policy: str, baseline: str) -> pd.DataFrame:
    """Each variant of ``policy`` minus the ``baseline`` variant, paired on replication."""
    rows = per_rep[per_rep["policy"] == policy]
    table = pd.DataFrame(
        {
            "policy": rows["variant"].to_numpy(),
            "replication": rows["replication"].to_numpy(),
            "contact_type": ALL,
            "group": ALL,
            **{k: rows[k].to_numpy(dtype=float) for k in DIFF_KPIS},
        }
    )
    return compare_policies(table, baseline, kpis=DIFF_KPIS)


def plan_table(per_rep: pd.DataFrame) -> pd.DataFrame:
    """``plan.csv``: one row per variant and policy (by scale, then policy), the means over
    replications, the service level's 95% CI, and each variant's paired difference to the
    reference plan (``diff_<value>`` with its CI; 0 for the reference itself)."""
    summary = summarize(per_rep, ["variant", "scale", "policy"], kpis=_VALUES)
    reference = variant_label(REFERENCE_SCALE)
    diffs = []
    for policy in pd.unique(per_rep["policy"]):
        paired = _paired(per_rep, policy, reference).rename(columns={"policy": "variant"})
        paired["policy"] = policy
        diffs.append(paired)
    diff_columns = PLAN_COLUMNS[PLAN_COLUMNS.index("cost_per_contact") + 1 :]
    merged = summary.merge(
        pd.concat(diffs, ignore_index=True)[["variant", "policy", *diff_columns]],
        on=["variant", "policy"],
        how="left",
    )
    is_reference = merged["variant"] == reference
    merged.loc[is_reference, diff_columns] = 0.0
    merged = merged.sort_values(["scale", "variant", "policy"], kind="stable", ignore_index=True)
    return merged[PLAN_COLUMNS]


def adjacent_steps(per_rep: pd.DataFrame) -> pd.DataFrame:
    """What each step up the scales buys: per policy, each variant minus the next smaller
    one, paired on replication, with 95% CIs (``diff_<value>`` as in ``plan.csv``)."""
    steps = []
    for policy in pd.unique(per_rep["policy"]):
        rows = per_rep[per_rep["policy"] == policy]
        order = (
            rows[["scale", "variant"]]
            .drop_duplicates()
            .sort_values(["scale", "variant"], kind="stable")["variant"]
            .tolist()
        )
        for low, high in zip(order, order[1:], strict=False):
            pair = rows[rows["variant"].isin([low, high])]
            diff = _paired(pair, policy, low)
            diff = diff.assign(policy=policy, from_variant=low, to_variant=high)
            steps.append(diff[STEP_COLUMNS])
    if not steps:
        return pd.DataFrame(columns=STEP_COLUMNS)
    return pd.concat(steps, ignore_index=True)


def run_plan(
    scenario: Scenario,
    policies: Iterable[str],
    replications: int,
    seed: int,
    terms: PlanTerms,
    *,
    workers: int = 1,
    params: dict[str, dict[str, Any]] | None = None,
    pool: Pool | None = None,
) -> pd.DataFrame:
    """Run every variant (:func:`plan_variants`) under ``policies`` on the same days (same
    ``seed``); the per-replication table of :func:`plan_replications`. ``workers`` and
    ``pool``: as for :func:`~sim.experiment.replications.run_replications`."""
    policies = list(policies)
    results = {
        (name, scale): run_replications(
            variant,
            policies,
            replications,
            seed,
            workers=workers,
            params=params,
            pool=pool,
        )
        for name, scale, variant in plan_variants(scenario, terms)
    }
    return plan_replications(results, scenario, terms)


def meets_target(plan: pd.DataFrame, days_per_year: float) -> pd.DataFrame:
    """The rows of ``plan`` that miss the service-level target on at most
    :data:`MEETS_TARGET_SHARE` of days."""
    limit = MEETS_TARGET_SHARE * days_per_year + 1e-9
    return plan[np.asarray(plan["missed_target_days_per_year"] <= limit)]
