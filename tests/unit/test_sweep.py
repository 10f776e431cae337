"""The sweep summary (``sim.sweep``) from hand-made multirun job folders."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest

from sim.cli.sweep_jobs import parse_overrides, summarize_sweep, swept_keys
from sim.experiment.sweep import declared_overrides, job_overrides, swept_parameters
from sim.experiment.sweep import sweep_table as _sweep_table
from sim.report.figures import save_png
from sim.report.sweep import sweep_figure

BASE_KPIS = ("service_level", "abandon_rate", "asa_seconds", "occupancy")
COSTS = ("cost", "cost_per_contact", "missed_target")
PNG = b"\x89PNG\r\n\x1a\n"


def sweep_table(sweep: Path) -> pd.DataFrame:
    """The sweep table of a folder, its overrides parsed as the CLI parses them."""
    overrides = {num: parse_overrides(lines) for num, lines in job_overrides(sweep).items()}
    return _sweep_table(sweep, overrides, swept_keys(declared_overrides(sweep)))


def _kpi_columns(kpis) -> list[str]:
    return [f"{k}{s}" for k in kpis for s in ("", "_ci_low", "_ci_high")]


def make_job(
    sweep: Path,
    num: int | str,
    overrides: list[str],
    sl: dict[str, float] | None,
    costs: bool = False,
    replications: int = 3,
) -> Path:
    """A job folder as the CLI writes it; ``sl`` (policy -> service level) None: no summary."""
    job = sweep / str(num)
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "overrides.yaml").write_text(
        "".join(f"- {o}\n" for o in overrides), encoding="utf-8"
    )
    if sl is None:
        return job
    kpis = BASE_KPIS + (COSTS if costs else ())
    rows = []
    for policy, value in sl.items():
        for contact_type, group in (("all", "all"), ("calls", "all"), ("all", "team")):
            row = {"policy": policy, "contact_type": contact_type, "group": group}
            row["replications"] = replications
            for kpi in kpis:
                v = value if contact_type == "all" and group == "all" else -1.0
                row.update({kpi: v, f"{kpi}_ci_low": v - 0.05, f"{kpi}_ci_high": v + 0.05})
            row["offered"] = 100.0  # a KPI the sweep table leaves out
            rows.append(row)
    pd.DataFrame(rows).to_csv(job / "summary.csv", index=False)
    return job


def agents_sweep(sweep: Path, costs: bool = False) -> None:
    """Jobs 0-2 with 14, 10 and 12 agents, policies none and overtime."""
    for num, agents in enumerate((14, 10, 12)):
        overrides = ["scenario=erlang", f"scenario.agents={agents}", "run.replications=3"]
        make_job(sweep, num, overrides, {"none": agents / 20, "overtime": agents / 19}, costs=costs)


def test_one_row_per_job_and_policy_sorted_by_parameter_then_policy(tmp_path):
    agents_sweep(tmp_path)
    table = sweep_table(tmp_path)
    expected = ["job", "scenario.agents", "policy", "replications", *_kpi_columns(BASE_KPIS)]
    assert list(table.columns) == expected
    assert table["scenario.agents"].tolist() == [10, 10, 12, 12, 14, 14]
    assert table["policy"].tolist() == ["none", "overtime"] * 3
    assert table["job"].tolist() == [1, 1, 2, 2, 0, 0]
    assert pd.api.types.is_integer_dtype(table["job"])
    assert pd.api.types.is_integer_dtype(table["scenario.agents"])
    # the all/all row's values, not another row's
    assert table["service_level"].tolist() == pytest.approx(
        [10 / 20, 10 / 19, 12 / 20, 12 / 19, 14 / 20, 14 / 19]
    )
    assert table["service_level_ci_low"].tolist() == pytest.approx(table["service_level"] - 0.05)


def test_policy_order_is_that_of_first_appearance(tmp_path):
    make_job(tmp_path, 0, ["scenario.agents=10"], {"zeta": 0.5, "alpha": 0.6})
    make_job(tmp_path, 1, ["scenario.agents=11"], {"zeta": 0.7, "alpha": 0.8})
    assert sweep_table(tmp_path)["policy"].tolist() == ["zeta", "alpha", "zeta", "alpha"]


def test_cost_columns_only_when_in_the_summaries(tmp_path):
    agents_sweep(tmp_path / "plain")
    agents_sweep(tmp_path / "costs", costs=True)
    assert not set(_kpi_columns(COSTS)) & set(sweep_table(tmp_path / "plain").columns)
    table = sweep_table(tmp_path / "costs")
    assert list(table.columns)[4:] == _kpi_columns(BASE_KPIS + COSTS)
    assert table["cost"].notna().all()


def test_job_without_summary_is_skipped_with_a_warning(tmp_path, caplog):
    agents_sweep(tmp_path)
    make_job(tmp_path, 3, ["scenario=erlang", "scenario.agents=16", "run.replications=3"], None)
    with caplog.at_level(logging.WARNING, logger="ccsim.sweep"):
        table = sweep_table(tmp_path)
    assert sorted(table["job"].unique()) == [0, 1, 2]
    assert 16 not in table["scenario.agents"].tolist()
    assert any("job 3" in r.message and "summary.csv" in r.message for r in caplog.records)


def test_values_become_numbers_when_they_read_as_numbers(tmp_path):
    jobs = [
        ["scenario=split", "service_level.target=0.8", "scenario.patience_seconds=60"],
        ["scenario=pooled", "service_level.target=0.85", "scenario.patience_seconds=null"],
        ["scenario=split", "service_level.target=0.9", "scenario.patience_seconds=300"],
    ]
    for num, overrides in enumerate(jobs):
        make_job(tmp_path, num, overrides, {"none": 0.5 + num / 10})
    table = sweep_table(tmp_path)
    assert list(table.columns[:4]) == [
        "job",
        "scenario",
        "service_level.target",
        "scenario.patience_seconds",
    ]
    assert table["scenario"].tolist() == ["pooled", "split", "split"]  # text, sorted
    assert pd.api.types.is_float_dtype(table["service_level.target"])
    # numbers with a null: floats, and null sorts last (not as the text "null")
    assert pd.api.types.is_float_dtype(table["scenario.patience_seconds"])
    assert table["job"].tolist() == [1, 0, 2]


def test_swept_parameters_are_the_keys_that_differ(tmp_path):
    jobs = [
        {"scenario": "erlang", "scenario.agents": 10, "scenario.hours": 2},
        {"scenario": "erlang", "scenario.agents": 12, "scenario.hours": 2, "run.seed": 1},
    ]
    assert swept_parameters(jobs) == ["scenario.agents", "run.seed"]
    make_job(tmp_path, 0, ["+scenario.extra=1", "scenario.agents=10"], {"none": 0.5})
    make_job(tmp_path, 1, ["+scenario.extra=2", "scenario.agents=10"], {"none": 0.6})
    assert "scenario.extra" in sweep_table(tmp_path).columns  # '+' stripped from the key


def test_summarize_sweep_writes_table_and_figure(tmp_path):
    agents_sweep(tmp_path, costs=True)
    table = summarize_sweep(tmp_path, target=0.8)
    assert table is not None
    written = pd.read_csv(tmp_path / "sweep_summary.csv")
    assert written["scenario.agents"].tolist() == table["scenario.agents"].tolist()
    assert list(written.columns) == list(table.columns)
    figure = tmp_path / "figures" / "sweep.png"
    assert figure.read_bytes()[:8] == PNG
    assert not list(tmp_path.rglob("*.tmp"))


def test_summarize_sweep_without_finished_jobs_returns_none(tmp_path, caplog):
    make_job(tmp_path, 0, ["scenario.agents=10"], None)
    make_job(tmp_path, 1, ["scenario.agents=11"], None)
    with caplog.at_level(logging.WARNING, logger="ccsim.sweep"):
        assert summarize_sweep(tmp_path) is None
    assert not (tmp_path / "sweep_summary.csv").exists()
    assert not (tmp_path / "figures").exists()
    assert "no job of the sweep has finished" in caplog.text
    assert summarize_sweep(tmp_path / "no_such_folder") is None


def test_plot_two_parameters_text_axis_and_single_job(tmp_path):
    for num, (scenario, patience) in enumerate(
        [("split", 60), ("split", 300), ("pooled", 60), ("pooled", 300)]
    ):
        overrides = [f"scenario={scenario}", f"scenario.patience_seconds={patience}"]
        make_job(tmp_path / "two", num, overrides, {"none": 0.5, "callback": 0.6}, costs=True)
    table = sweep_table(tmp_path / "two")
    assert list(table.columns[1:3]) == ["scenario", "scenario.patience_seconds"]
    path = save_png(sweep_figure(table, target=0.8), tmp_path / "two.png")
    assert path.read_bytes()[:8] == PNG
    make_job(tmp_path / "one", 0, ["scenario.agents=10"], {"none": 0.5}, replications=1)
    one = sweep_table(tmp_path / "one")
    assert list(one.columns[:2]) == ["job", "policy"]  # nothing swept: x is the job
    assert save_png(sweep_figure(one), tmp_path / "one.png").read_bytes()[:8] == PNG


def test_a_sweep_cut_short_still_names_its_parameters(tmp_path):
    """One job finished, the next refused: multirun.yaml says what was swept."""
    (tmp_path / "multirun.yaml").write_text(
        "hydra:\n  overrides:\n    task:\n    - scenario=erlang\n"
        "    - scenario.agents=9,0,11\n    - 'scenario.outages=[{kind:telephony}]'\n"
        "    - run.seed=range(1,3)\n",
        encoding="utf-8",
    )
    make_job(tmp_path, 0, ["scenario=erlang", "scenario.agents=9", "run.seed=1"], {"none": 0.1})
    make_job(tmp_path, 1, ["scenario=erlang", "scenario.agents=0", "run.seed=1"], None)
    table = summarize_sweep(tmp_path)
    assert table is not None
    assert list(table.columns[:4]) == ["job", "scenario.agents", "run.seed", "policy"]
    assert table["scenario.agents"].tolist() == [9]
