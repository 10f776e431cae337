"""Provenance: the data files a scenario reads with their checksums, the report's "How this
run was made" section and title line, the manifest's copy, and the run folder's scenario label.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from sim import erlang_scenario, run_replications
from sim.config.data_files import DataFileError
from sim.config.provenance import data_files
from sim.config.safety import folder_label
from sim.config.schema import DayScenarioConfig, DistributionConfig, ErlangScenarioConfig
from sim.core.provenance import DataFile, Provenance
from sim.experiment.run_folder import RunFolder
from sim.report.markdown import render_report
from sim.report.provenance import code, subtitle

FORECAST = b"interval_start,calls\n08:00,10\n"
SKILLS = b"group,contact_type,proficiency,level\nagents,calls,1,1\n"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


@pytest.fixture
def project(tmp_path):
    data = tmp_path / "scenarios" / "mine"
    data.mkdir(parents=True)
    (data / "forecast.csv").write_bytes(FORECAST)
    (data / "skills.csv").write_bytes(SKILLS)
    (data / "aht.csv").write_bytes(b"seconds\n100\n200\n")
    return tmp_path


def _config(**changes) -> DayScenarioConfig:
    s = DayScenarioConfig(name="mine", data_dir="scenarios/mine", staffing_file=None)
    for key, value in changes.items():
        setattr(s, key, value)
    return s


def test_data_files_lists_each_file_as_given_with_size_and_checksum(project):
    s = _config()
    s.contact_types = {
        "calls": {"handle_time": DistributionConfig("empirical", file="aht.csv", column="seconds")}
    }
    assert data_files(s, project) == (
        DataFile(
            "scenario.forecast_file", "scenarios/mine/forecast.csv", len(FORECAST), _sha(FORECAST)
        ),
        DataFile("scenario.skills_file", "scenarios/mine/skills.csv", len(SKILLS), _sha(SKILLS)),
        DataFile(
            "scenario.contact_types.calls.handle_time.file",
            "scenarios/mine/aht.csv",
            16,
            _sha(b"seconds\n100\n200\n"),
        ),
    )


def test_an_erlang_scenario_reads_no_file(project):
    assert data_files(ErlangScenarioConfig(200, 180, 14), project) == ()


def test_a_file_gone_since_it_was_checked_is_named(project):
    (project / "scenarios" / "mine" / "skills.csv").unlink()
    with pytest.raises(DataFileError) as err:
        data_files(_config(), project)
    assert err.value.problems == [
        "scenario.skills_file: scenarios/mine/skills.csv: cannot be read (No such file or directory)"
    ]


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("default", "default"),
        ("launch-2027_v1.2", "launch-2027_v1.2"),
        ("a b/../..", "a_b"),
        ("..", "scenario"),
        ("/etc/passwd", "etc_passwd"),
        ("été plan", "t_plan"),
        ("x" * 60, "x" * 40),
        (None, "scenario"),
    ],
)
def test_folder_label_keeps_a_name_safe_for_a_folder(name, label):
    assert folder_label(name) == label


PROVENANCE = Provenance(
    scenario="erlang",
    seed=7,
    replications=2,
    version="1.2.3",
    overrides=("scenario=erlang", "scenario.agents=15"),
    data_files=(DataFile("scenario.forecast_file", "data/f|c.csv", 1234, "0123456789ab"),),
)


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    scenario = erlang_scenario(200, 180, 14, hours=1, warmup_hours=0)
    folder = RunFolder(tmp_path_factory.mktemp("run"))
    return scenario, folder.write_tables(scenario, run_replications(scenario, ["none"], 2, 7))


def test_the_report_lists_overrides_and_data_files_with_checksums(tables):
    scenario, t = tables
    text = render_report(scenario, t["summary"], t["intervals"], 2, 7, provenance=PROVENANCE)
    head = text.split("## Assumptions")[0]
    assert head.splitlines()[:3] == [
        "# ccsim run: scenario `erlang`",
        "",
        "Run with `scenario=erlang` `scenario.agents=15`.",
    ]
    section = head.split("## How this run was made\n")[1]
    assert section.splitlines() == [
        "- ccsim `1.2.3`, scenario `erlang`, seed 7, 2 replications asked for.",
        "- Command-line overrides: `scenario=erlang` `scenario.agents=15`.",
        "- Data files read (SHA-256: its first 12 hex digits):",
        "",
        "| config key | path | bytes | SHA-256 |",
        "|---|---|---|---|",
        "| `scenario.forecast_file` | `data/f\\|c.csv` | 1,234 | `0123456789ab` |",
        "",
    ]


def test_a_report_without_overrides_or_provenance(tables):
    scenario, t = tables
    bare = Provenance("erlang", 7, 2, "1.2.3")
    text = render_report(scenario, t["summary"], t["intervals"], 2, 7, provenance=bare)
    assert "Run with" not in text
    assert "- Command-line overrides: none (every value from the config files)." in text
    assert "- Data files read: none (the scenario is defined by its config alone)." in text
    plain = render_report(scenario, t["summary"], t["intervals"], 2, 7)
    assert "How this run was made" not in plain


def test_overrides_and_paths_stay_code_and_long_lists_are_shortened():
    assert code("a`b") == "``a`b``"
    assert code("`x`") == "`` `x` ``"
    assert code("a\nb# c") == "`a\\nb# c`"
    many = Provenance("x", 1, 1, "v", overrides=tuple(f"scenario.key_{i}=1" for i in range(20)))
    line = subtitle(many)[0]
    assert line.endswith("`scenario.key_8=1` and 11 more overrides.")  # 160 characters at most
    assert line.count("`") == 2 * 9


def test_the_manifest_carries_the_version_overrides_and_data_files(tmp_path):
    with RunFolder.create(tmp_path / "run") as folder:
        folder.write_manifest("f" * 64, "erlang", 7, ["none"], PROVENANCE)
    doc = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert doc["version"] == "1.2.3"
    assert doc["overrides"] == ["scenario=erlang", "scenario.agents=15"]
    assert doc["data_files"] == [
        {
            "key": "scenario.forecast_file",
            "path": "data/f|c.csv",
            "size_bytes": 1234,
            "sha256": "0123456789ab",
        }
    ]
