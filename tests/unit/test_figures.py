"""The figures of a run and of a sweep (``sim.report.figures``, ``sim.report.sweep``):
public functions returning matplotlib Figures, the policies the line figures draw
(``report.figure_policies``, checked before anything runs), the service-level heatmap, the
currency on cost axes, nothing clipped, and the Erlang line of an Erlang sweep."""

from __future__ import annotations

import struct
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from matplotlib.figure import Figure

from sim import analytic, erlang_scenario, run_replications
from sim.cli.app import compose_config
from sim.config.run import ConfigError, build_run
from sim.experiment.run_folder import run_tables
from sim.experiment.sweep import job_configs
from sim.report.figures import (
    MAX_FIGURE_POLICIES,
    _relative_to_target,
    actions_figure,
    cost_figure,
    figure_policies,
    heatmap_figure,
    occupancy_figure,
    queue_length_figure,
    render_figures,
    save_png,
    service_level_figure,
    staffing_figure,
)
from sim.report.sweep import erlang_reference, sweep_figure

#: Made-up policies and how much each adds to the baseline's service level.
SHIFTS = {"none": 0.0, "a": 0.05, "b": -0.02, "c": 0.03, "d": 0.01, "e": 0.04}


@pytest.fixture(scope="module")
def scenario():
    return erlang_scenario(calls_per_hour=200, aht_seconds=180, agents=14, hours=1, warmup_hours=0)


@pytest.fixture(scope="module")
def tables(scenario) -> dict[str, pd.DataFrame]:
    """A real run of ``none``, and five made-up policies with shifted service levels."""
    real = run_tables(scenario, run_replications(scenario, ["none"], 2, 7))
    out = dict(real)
    for name in ("summary", "intervals"):
        frames = []
        for policy, shift in SHIFTS.items():
            frame = real[name].copy()
            frame["policy"] = policy
            for column in ("service_level", "service_level_ci_low", "service_level_ci_high"):
                frame[column] = frame[column] + shift
            frames.append(frame)
        out[name] = pd.concat(frames, ignore_index=True)
    return out


def _labels(figure: Figure) -> set[str]:
    return {line.get_label() for line in figure.axes[0].get_lines()}


# -- which policies the line figures draw -----------------------------------------------------


def test_figure_policies_are_the_baseline_and_the_three_best(tables):
    assert MAX_FIGURE_POLICIES == 3
    assert figure_policies(tables["summary"]) == ["none", "a", "e", "c"]
    assert figure_policies(tables["summary"], ["b"]) == ["none", "b"]
    assert figure_policies(tables["summary"], ["none", "d", "b"]) == ["none", "d", "b"]
    # without a summary to rank by: the first ones, in order
    assert figure_policies(tables["intervals"]) == ["none", "a", "b", "c"]


def test_line_figures_draw_only_the_chosen_policies(scenario, tables):
    shown = figure_policies(tables["summary"])
    figure = service_level_figure(scenario, tables["intervals"], shown)
    assert _labels(figure) & set(SHIFTS) == set(shown)
    assert "target" in _labels(figure) and "Erlang C" in _labels(figure)
    figure = occupancy_figure(scenario, tables["intervals"], ["none", "b"])
    assert _labels(figure) & set(SHIFTS) == {"none", "b"}


def test_render_figures_writes_the_heatmap_and_honours_figure_policies(scenario, tables, tmp_path):
    paths = render_figures(
        scenario,
        tables["intervals"],
        tmp_path,
        summary=tables["summary"],
        actions=tables["actions"],
        policies=["d"],
    )
    names = {p.name for p in paths}
    assert names >= {
        "service_level.png",
        "service_level_heatmap.png",
        "queue_length.png",
        "cost_vs_service_level.png",
        "actions.png",
    }
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (
            "[none,nope]",
            "report.figure_policies[1] = 'nope': not a policy of this run; "
            "allowed: ['none', 'analyst']",
        ),
        ("[analyst,analyst]", "report.figure_policies = ['analyst', 'analyst']: must not name"),
        ("3", "report.figure_policies = 3: must be a policy name or a list of policy names"),
    ],
)
def test_report_figure_policies_is_checked_before_anything_runs(value, problem):
    overrides = ["scenario=erlang", "policies=[none,analyst]", f"report.figure_policies={value}"]
    with pytest.raises(ConfigError) as caught:
        build_run(compose_config(overrides))
    (found,) = caught.value.problems
    assert found.startswith(problem)


def test_report_figure_policies_at_most_three_besides_the_baseline():
    policies = "policies=[none,analyst,overtime,callback,playbook]"
    spec = build_run(
        compose_config([policies, "report.figure_policies=[none,analyst,overtime,callback]"])
    )
    assert spec.figure_policies == ("none", "analyst", "overtime", "callback")
    with pytest.raises(ConfigError) as caught:
        build_run(
            compose_config(
                [policies, "report.figure_policies=[analyst,overtime,callback,playbook]"]
            )
        )
    assert caught.value.problems == [
        "report.figure_policies = ['analyst', 'overtime', 'callback', 'playbook']: at most three "
        "policies besides the baseline 'none', which is always drawn"
    ]
    assert build_run(compose_config(["report.figure_policies=analyst"])).figure_policies == (
        "analyst",
    )
    assert build_run(compose_config([])).figure_policies is None


# -- the heatmap ------------------------------------------------------------------------------


def test_colours_diverge_at_each_types_own_target():
    values = np.array([[0.0, 0.4, 0.8, 0.9, 1.0, np.nan], [0.45, 0.9, 0.95, 1.0, 0.0, 0.3]])
    scaled = _relative_to_target(values, np.array([0.8, 0.9]))
    expected = [[-1.0, -0.5, 0.0, 0.5, 1.0, np.nan], [-0.5, 0.0, 0.5, 1.0, -1.0, 0.3 / 0.9 - 1]]
    np.testing.assert_allclose(scaled, expected)


def test_heatmap_is_the_baselines_service_level_by_interval_and_type(scenario, tables):
    figure = heatmap_figure(scenario, tables["intervals"])
    ax = figure.axes[0]
    image = ax.images[0].get_array()
    none = tables["intervals"].query(
        "policy == 'none' and group == 'all' and contact_type == 'calls'"
    )
    assert image.shape == (1, scenario.intervals)
    sl = none["service_level"].to_numpy(dtype=float)
    np.testing.assert_allclose(image[0], _relative_to_target(sl[None, :], np.array([0.8]))[0])
    assert [t.get_text() for t in ax.texts] == [f"{100 * v:.0f}" for v in sl]
    assert "policy none" in ax.get_title()
    bar = figure.axes[1]
    assert [t.get_text() for t in bar.get_yticklabels()] == ["0%", "40%", "80%", "90%", "100%"]
    assert "policy a" in heatmap_figure(scenario, tables["intervals"], "a").axes[0].get_title()


# -- every figure is a Figure; currency; nothing clipped ---------------------------------------


def test_every_figure_function_returns_a_figure(scenario, tables):
    for figure in (
        service_level_figure(scenario, tables["intervals"]),
        occupancy_figure(scenario, tables["intervals"]),
        staffing_figure(scenario, tables["intervals"]),
        heatmap_figure(scenario, tables["intervals"]),
        queue_length_figure(scenario, tables["intervals"]),
        cost_figure(scenario, tables["summary"]),
        actions_figure(scenario, tables["actions"], tables["summary"]),
    ):
        assert isinstance(figure, Figure)


def test_cost_axis_names_the_currency(scenario, tables):
    francs = replace(scenario, costs=replace(scenario.costs, currency="CHF"))
    assert "(CHF)" in cost_figure(francs, tables["summary"]).axes[0].get_xlabel()


def _png_width(path: Path) -> int:
    return struct.unpack(">I", path.read_bytes()[16:20])[0]


def test_save_png_keeps_labels_outside_the_axes(tmp_path):
    figure = Figure(figsize=(4, 3))
    ax = figure.add_subplot()
    ax.annotate("a label right of the axes", (1.05, 0.5), xycoords="axes fraction")
    width = _png_width(save_png(figure, tmp_path / "label.png"))
    assert width > 4 * 100  # the image grew to hold the label instead of cutting it


# -- the sweep figure's Erlang line -------------------------------------------------------------


def _sweep_table(agents: list[int]) -> pd.DataFrame:
    rows = []
    for job, n in enumerate(agents):
        rows.append(
            {
                "job": job,
                "scenario.agents": n,
                "policy": "none",
                "replications": 3,
                "service_level": 0.5 + 0.1 * job,
                "service_level_ci_low": 0.45 + 0.1 * job,
                "service_level_ci_high": 0.55 + 0.1 * job,
                "cost": 100.0 * n,
                "cost_ci_low": 100.0 * n,
                "cost_ci_high": 100.0 * n,
            }
        )
    return pd.DataFrame(rows)


def _erlang_config(agents: int, patience: float | None = None) -> dict:
    return {
        "scenario": {
            "calls_per_hour": 200,
            "aht_seconds": 180,
            "agents": agents,
            "patience_seconds": patience,
            "hours": 2,
            "warmup_hours": 1,
        },
        "service_level": {"threshold_seconds": 20, "target": 0.8},
        "costs": {"currency": "GBP"},
    }


def test_erlang_reference_is_erlang_c_or_a_per_job():
    table = _sweep_table([12, 13, 14])
    configs = {0: _erlang_config(12), 1: _erlang_config(13), 2: _erlang_config(14, 300.0)}
    reference = erlang_reference(table, configs)
    assert reference["job"].tolist() == [0, 1, 2]
    assert reference["model"].tolist() == ["Erlang C", "Erlang C", "Erlang A"]
    rate = 200 / 3600
    expected = [
        analytic.erlang_c_metrics(12, rate, 180, 20).service_level,
        analytic.erlang_c_metrics(13, rate, 180, 20).service_level,
        analytic.erlang_a_metrics(14, rate, 180, 300.0, 20).service_level,
    ]
    np.testing.assert_allclose(reference["service_level"], expected)
    day = {0: {"scenario": {"name": "default", "data_dir": "scenarios/default"}}}
    assert erlang_reference(table, day).empty  # a day scenario has no Erlang line
    # an unstable Erlang C queue (load 10 on 9 agents) has none either
    assert erlang_reference(_sweep_table([9]), {0: _erlang_config(9)}).empty


def test_sweep_figure_draws_the_erlang_line_and_the_currency():
    table = _sweep_table([12, 13, 14])
    configs = {k: _erlang_config(n) for k, n in enumerate([12, 13, 14])}
    reference = erlang_reference(table, configs)
    figure = sweep_figure(table, 0.8, reference=reference, currency="GBP")
    (line,) = [ln for ln in figure.axes[0].get_lines() if "Erlang C" in str(ln.get_label())]
    assert list(line.get_xdata()) == [12, 13, 14]
    np.testing.assert_allclose(line.get_ydata(), reference["service_level"])
    assert "(GBP)" in figure.axes[1].get_ylabel()


def test_job_configs_reads_each_jobs_resolved_config(tmp_path):
    for job, agents in enumerate([12, 13]):
        hydra = tmp_path / str(job) / ".hydra"
        hydra.mkdir(parents=True)
        (hydra / "overrides.yaml").write_text(f"- scenario.agents={agents}\n", encoding="utf-8")
        (hydra / "config.yaml").write_text(yaml.safe_dump(_erlang_config(agents)), encoding="utf-8")
    (tmp_path / "2" / ".hydra").mkdir(parents=True)  # a job whose config is missing
    (tmp_path / "2" / ".hydra" / "overrides.yaml").write_text("[]\n", encoding="utf-8")
    configs = job_configs(tmp_path)
    assert sorted(configs) == [0, 1]
    assert configs[1]["scenario"]["agents"] == 13
