"""``python -m sim mode=calibrate`` writes its table, report, figures and a scenario that
loads; a bad log or bad keys are refused with file and line, exit 2, nothing written."""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import ccsim_process
import pandas as pd
import pytest

from sim.calibration.estimate import CALIBRATION_COLUMNS
from sim.cli.app import compose_config
from sim.config.run import build_run

PROJECT = Path(__file__).resolve().parents[2]
EXAMPLE = PROJECT / "docs" / "examples" / "contact_log.csv"


def _sim(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    env["MPLBACKEND"] = "Agg"
    return ccsim_process.run(args, cwd=tmp, env=env, timeout=120)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, tuple[Path, subprocess.CompletedProcess]]:
    """The three commands, two at a time: a good log, a bad log, bad keys."""
    tmp = tmp_path_factory.mktemp("calibrate")
    bad_log = tmp / "bad.csv"
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()[:4]
    lines[2] = lines[2].replace("answered", "hung_up")  # line 3
    bad_log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cases = {
        "good": [f"calibrate.log_file={EXAMPLE}", "calibrate.name=example_cal"],
        "bad log": [f"calibrate.log_file={bad_log}"],
        "bad keys": ["calibrate.name=../up", "calibrate.interval_minutes=7"],
    }
    out = {name: tmp / name.replace(" ", "_") for name in cases}
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = pool.map(
            lambda name: _sim(tmp, "mode=calibrate", *cases[name], f"hydra.run.dir={out[name]}"),
            cases,
        )
        return {name: (out[name], proc) for name, proc in zip(cases, done, strict=True)}


def test_calibrate_writes_table_report_figures_and_a_loadable_scenario(runs):
    out, proc = runs["good"]
    output = proc.stderr + proc.stdout
    assert proc.returncode == 0, output
    assert "Traceback" not in output
    table = pd.read_csv(out / "calibration.csv")
    assert list(table.columns) == list(CALIBRATION_COLUMNS)
    assert sorted(table["contact_type"].unique()) == ["sales", "service"]
    for parameter in (
        "handle_time_family",
        "handle_time_mean_seconds",
        "handle_time_cv",
        "wrap_up_mean_seconds",
        "patience_family",
        "patience_mean_seconds",
        "abandon_time_mean_seconds",
    ):
        assert (table["parameter"] == parameter).sum() == 2, parameter
    families = table[table["parameter"] == "handle_time_family"].set_index("contact_type")
    assert families["method"].to_dict() == {"sales": "lognormal", "service": "gamma"}
    for figure in ("calibration_handle_time.png", "calibration_patience.png"):
        assert (out / "figures" / figure).stat().st_size > 10_000
    report = (out / "calibration.md").read_text(encoding="utf-8")
    assert "(figures/calibration_patience.png)" in report and "## Staffing" in report
    assert (out / "complete").is_file()
    data = out / "scenarios" / "example_cal"
    assert (data / "staffing.csv").read_text(encoding="utf-8").splitlines()[1] == "09:00,9"
    assert (data / "forecast_mon.csv").is_file() and (data / "README.md").is_file()
    cfg = compose_config(
        [
            f"hydra.searchpath=[file://{out / 'configs'}]",
            "scenario=example_cal",
            f"scenario.data_dir={data}",
            "scenario.allow_outside_paths=true",
        ]
    )
    scenario = build_run(cfg).scenario
    assert scenario.type_names == ("sales", "service")
    assert scenario.interval_label(0) == "09:00" and scenario.intervals == 6
    assert scenario.contact_types[0].handle_time.kind == "lognormal"


def test_a_bad_log_is_refused_with_file_and_line(runs):
    out, proc = runs["bad log"]
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "ccsim: invalid contact log, nothing was calibrated:" in proc.stderr
    assert "bad.csv line 3: outcome 'hung_up' is not allowed" in proc.stderr
    assert not (out / "calibration.csv").exists()


def test_bad_keys_are_refused_together(runs):
    out, proc = runs["bad keys"]
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "calibrate.log_file = None: required" in proc.stderr
    assert "calibrate.name = '../up'" in proc.stderr
    assert "calibrate.interval_minutes = 7" in proc.stderr
    assert not (out / "calibration.csv").exists()
