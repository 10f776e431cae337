"""A real multirun (``python -m sim -m ...``) writes the sweep summary through the Hydra callback."""

from __future__ import annotations

import os
from pathlib import Path

import ccsim_process
import pandas as pd
import pytest

from sim import analytic
from sim.experiment.sweep import job_configs
from sim.report.sweep import erlang_reference

PROJECT = Path(__file__).resolve().parents[2]


def test_multirun_writes_sweep_summary_and_figure(tmp_path):
    sweep = tmp_path / "sweep"
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    env["MPLBACKEND"] = "Agg"
    args = [
        "-m",
        "scenario=erlang",
        "scenario.agents=9,11",
        "scenario.hours=2",
        "run.replications=2",
        "run.workers=1",
        f"hydra.sweep.dir={sweep}",
    ]
    proc = ccsim_process.run(args, cwd=tmp_path, env=env, timeout=120)
    output = proc.stderr + proc.stdout
    assert proc.returncode == 0, output
    assert "Traceback" not in output
    assert "sweep summary" in output

    table = pd.read_csv(sweep / "sweep_summary.csv")
    assert list(table.columns[:4]) == ["job", "scenario.agents", "policy", "replications"]
    none = table[table["policy"] == "none"]
    assert len(none) == 2
    assert none["scenario.agents"].tolist() == [9, 11]
    assert none["replications"].tolist() == [2, 2]
    low, high = none["service_level"].tolist()
    assert low < high
    assert (none["service_level_ci_low"] <= none["service_level"]).all()
    figure = sweep / "figures" / "sweep.png"
    assert figure.is_file() and figure.stat().st_size > 0
    # the figure's Erlang line: each job's Erlang C service level, from its resolved config
    # (none for 9 agents: a load of 10 Erlangs on 9 agents has no steady state)
    reference = erlang_reference(table, job_configs(sweep))
    assert reference["job"].tolist() == [1] and reference["model"].tolist() == ["Erlang C"]
    expected = analytic.erlang_c_metrics(11, 200 / 3600, 180, 20).service_level
    assert reference["service_level"].tolist() == pytest.approx([expected])
    # each job is an ordinary run folder
    for job in (0, 1):
        assert (sweep / str(job) / "summary.csv").is_file()
