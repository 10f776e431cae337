"""The run folder: part files per finished replication, then the tables.

Every finished replication is written at once to ``parts/`` (atomically), so an
interrupted run loses no finished work: the tables can be rebuilt from what is there.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from sim.core.scenario import Scenario
from sim.experiment.comparison import compare_policies
from sim.experiment.replications import ReplicationResult
from sim.experiment.tables import (
    AGENT_KPIS,
    KEY_COLUMNS,
    action_table,
    agent_table,
    interval_table,
    replication_table,
    summarize,
)
from sim.kpi.definitions import ALL

__all__ = ["RunFolder"]


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _jsonable(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _from_json(value):
    if value is None:
        return math.nan
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value


class RunFolder:
    """Writes one run's outputs into ``path`` (created if needed)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.parts = self.path / "parts"
        self.parts.mkdir(parents=True, exist_ok=True)

    def write_manifest(self, fingerprint: str, scenario: str, seed: int, policies) -> None:
        """Record what this run simulates, so that ``run.resume`` can check it is the same."""
        doc = {
            "fingerprint": fingerprint,
            "scenario": scenario,
            "seed": seed,
            "policies": list(policies),
        }
        _atomic_write_text(self.path / "manifest.json", json.dumps(doc, indent=2))

    def read_manifest(self) -> dict:
        """The manifest of this run folder ({} if there is none)."""
        path = self.path / "manifest.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}

    def save_part(self, result: ReplicationResult) -> None:
        """Record one finished replication (called as each one arrives)."""
        doc = {
            "policy": result.policy,
            "replication": result.replication,
            "rows": [{k: _jsonable(v) for k, v in row.items()} for row in result.rows],
            "agents": result.agents,
            "actions": [{k: _jsonable(v) for k, v in a.items()} for a in result.actions],
            "intervals": {k: _jsonable(v) for k, v in result.intervals.items()},
        }
        name = f"{result.policy}-r{result.replication:05d}.json"
        _atomic_write_text(self.parts / name, json.dumps(doc))

    def load_parts(self) -> list[ReplicationResult]:
        """Every replication saved so far, sorted by (policy, replication)."""
        results = []
        for file in sorted(self.parts.glob("*.json")):
            doc = json.loads(file.read_text(encoding="utf-8"))
            results.append(
                ReplicationResult(
                    doc["policy"],
                    doc["replication"],
                    [{k: _from_json(v) for k, v in row.items()} for row in doc["rows"]],
                    {k: _from_json(v) for k, v in doc["intervals"].items()},
                    doc.get("agents", []),
                    doc.get("actions", []),
                )
            )
        results.sort(key=lambda r: (r.policy, r.replication))
        return results

    def write_tables(
        self, scenario: Scenario, results: Iterable[ReplicationResult]
    ) -> dict[str, pd.DataFrame]:
        """Write ``summary.csv``, ``replications.csv``, ``intervals.csv``, ``actions.csv``
        and (with a baseline and another policy) ``comparison.csv``; return them.

        The baseline of the comparison is ``none`` if it ran, else the first policy run.
        """
        results = list(results)
        per_rep = replication_table(results)
        summary = summarize(per_rep, KEY_COLUMNS)
        intervals = summarize(interval_table(results), [*KEY_COLUMNS, "interval"])
        forecasts = {t.name: t.forecast for t in scenario.contact_types}
        forecasts[ALL] = scenario.forecast_total()
        staffing = {g.name: g.staffing for g in scenario.groups}
        staffing[ALL] = scenario.staffing_total()
        nan = math.nan
        rows = list(
            zip(intervals["contact_type"], intervals["group"], intervals["interval"], strict=True)
        )
        intervals.insert(4, "interval_start", [scenario.interval_label(int(k)) for _, _, k in rows])
        intervals.insert(5, "forecast", [forecasts[t][k] if g == ALL else nan for t, g, k in rows])
        intervals.insert(
            6, "scheduled_agents", [staffing[g][k] if t == ALL else nan for t, g, k in rows]
        )
        tables = {"summary": summary, "replications": per_rep, "intervals": intervals}
        policies = list(dict.fromkeys(per_rep["policy"]))
        if len(policies) > 1:
            baseline = "none" if "none" in policies else policies[0]
            tables["comparison"] = compare_policies(per_rep, baseline)
        tables["actions"] = action_table(scenario, results)
        agents = agent_table(results)
        if len(agents):
            tables["agents"] = summarize(agents, ["policy", "group", "agent"], kpis=AGENT_KPIS)
        for name, frame in tables.items():
            _atomic_write_text(
                self.path / f"{name}.csv", frame.to_csv(index=False, lineterminator="\n")
            )
        return tables

    def write_text(self, name: str, text: str) -> Path:
        """Write a text file (e.g. ``report.md``) atomically into the run folder."""
        path = self.path / name
        _atomic_write_text(path, text)
        return path
