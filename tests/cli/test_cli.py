"""End-to-end tests of ``python -m sim``: the files a run writes, reproducibility, run folders
of simultaneous runs, and the error (never a traceback) that each kind of bad input gets.

Every run is a real process of its own (``python -m sim``, forked from a process that has
already imported what it needs: :mod:`ccsim_process`) in its own temp folder with 2-3
replications. To keep the file fast, the runs a group of tests needs are started together, a
few at a time, by a module fixture; each test then checks its own run.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import ccsim_process
import pandas as pd
import pytest
from omegaconf import OmegaConf

PROJECT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = PROJECT / "scenarios" / "default"
FAST = ("run.replications=2", "run.workers=1")
PARALLEL = max(2, min(8, os.cpu_count() or 2))
HEADER = "ccsim: invalid configuration, nothing was simulated:"
OUTPUTS = (
    "summary.csv",
    "replications.csv",
    "intervals.csv",
    "report.md",
    "figures/service_level.png",
    "figures/occupancy.png",
    "figures/staffing.png",
    "figures/service_level_heatmap.png",
    "figures/queue_length.png",
    ".hydra/config.yaml",
    "comparison.csv",
    "actions.csv",
    "figures/cost_vs_service_level.png",
    "figures/actions.png",
)
KPIS = (
    "offered",
    "answered",
    "abandoned",
    "blocked",
    "service_level",
    "abandon_rate",
    "asa_seconds",
    "aht_seconds",
    "occupancy",
)
TABLES = ("summary.csv", "replications.csv", "intervals.csv")


@dataclass(frozen=True)
class Run:
    """A finished ``python -m sim`` process; its run dir is ``cwd/out`` when one was given."""

    cwd: Path
    returncode: int
    stdout: str
    stderr: str

    @property
    def out(self) -> Path:
        return self.cwd / "out"

    @property
    def output(self) -> str:
        return self.stderr + self.stdout


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    env["MPLBACKEND"] = "Agg"
    return env


def ccsim(cwd: Path, *overrides: str, run_dir: bool = True) -> Run:
    """Run ccsim in ``cwd`` (writing into ``cwd/out`` if ``run_dir``) and wait for it."""
    if run_dir:
        overrides = (*overrides, f"hydra.run.dir='{cwd / 'out'}'")
    proc = ccsim_process.run(overrides, cwd=cwd, env=_env(), timeout=300)
    return Run(cwd, proc.returncode, proc.stdout, proc.stderr)


def run_all(jobs: dict[str, tuple[Path, tuple[str, ...]]]) -> dict[str, Run]:
    """Run every ``name: (cwd, overrides)`` job, ``PARALLEL`` at a time."""
    with ThreadPoolExecutor(PARALLEL) as pool:
        futures = {name: pool.submit(ccsim, cwd, *ov) for name, (cwd, ov) in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


def read_csv_column(path: Path, column: str | None) -> list[str]:
    """One column of a CSV file, as text; with ``column`` None, the header."""
    frame = pd.read_csv(path, dtype=str)
    return list(frame.columns) if column is None else frame[column].tolist()


# --- successful runs -------------------------------------------------------------------------

SAME = ("run.replications=3", "policies=[none,playbook,analyst]", "report.figures=false")

GOOD = {
    "default": ("run.replications=3", "run.workers=1"),
    # Three runs of one config, compared table by table: the same twice, and on two workers.
    # Policies whose levers cover every source of a policy's randomness (the playbook's
    # overtime, moves, callbacks and cancellations; the analyst's own), without figures.
    "same": (*SAME, "run.workers=1"),
    "same_again": (*SAME, "run.workers=1"),
    "two_workers": (*SAME, "run.workers=2"),
    "erlang_c": ("scenario=erlang", *FAST),
    "erlang_a": ("scenario=erlang", "scenario.patience_seconds=300", *FAST),
}


#: A run of the baseline policy only, without figures.
ONE_POLICY = (*FAST, "policies=[none]", "report.figures=false")


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> dict[str, Run]:
    """The successful runs of this module, each in its own temp folder, run in parallel."""
    return run_all({name: (tmp_path_factory.mktemp(name), ov) for name, ov in GOOD.items()})


def ok(run: Run) -> Path:
    """The run dir of a run that must have succeeded."""
    assert run.returncode == 0, run.output
    assert "Traceback" not in run.output
    return run.out


def test_default_run_writes_every_output(good):
    """The default run writes the tables, report, figures, one part per replication and config."""
    out = ok(good["default"])
    for name in OUTPUTS:
        assert (out / name).is_file(), name
        assert (out / name).stat().st_size > 0, name
    assert len(list((out / "parts").glob("*.json"))) == 3 * len(DEFAULT_POLICIES)
    assert "replications: 3" in (out / ".hydra" / "config.yaml").read_text()


#: The policies ``python -m sim`` compares by default: the root ``policies`` is null, so the
#: default scenario's own ``default_policies`` (configs/scenario/default.yaml).
DEFAULT_POLICIES = list(
    OmegaConf.load(PROJECT / "configs" / "scenario" / "default.yaml")["default_policies"]
)
assert OmegaConf.load(PROJECT / "configs" / "config.yaml")["policies"] is None


def _baseline(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the baseline policy, ``none``."""
    return frame[frame["policy"] == "none"]


def _totals(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[(frame["contact_type"] == "all") & (frame["group"] == "all")]


def test_default_summary_has_a_row_per_type_and_group_with_every_kpi_and_its_ci(good):
    """summary.csv: an all/all row, one row per contact type and per group; CIs bracket means."""
    every = pd.read_csv(ok(good["default"]) / "summary.csv")
    assert set(every["policy"]) == set(DEFAULT_POLICIES) and "none" in DEFAULT_POLICIES
    assert len(DEFAULT_POLICIES) >= 5
    summary = _baseline(every)
    types = read_csv_column(DEFAULT_DATA / "forecast.csv", None)[1:]
    groups = read_csv_column(DEFAULT_DATA / "staffing.csv", None)[1:]
    assert list(summary["contact_type"]) == ["all", *types] + ["all"] * len(groups)
    assert list(summary["group"]) == ["all"] * (1 + len(types)) + groups
    assert set(summary["replications"]) == {3}
    for kpi in KPIS:
        for column in (kpi, f"{kpi}_ci_low", f"{kpi}_ci_high"):
            assert column in summary.columns, column
    row = _totals(summary).iloc[0]
    for kpi in KPIS:
        assert row[f"{kpi}_ci_low"] <= row[kpi] + 1e-9 <= row[f"{kpi}_ci_high"] + 2e-9, kpi
    for share in ("service_level", "abandon_rate", "occupancy"):
        assert 0 <= row[share] <= 1 and 0 <= row[f"{share}_ci_low"] <= row[f"{share}_ci_high"] <= 1
    assert 3800 < row["offered"] < 5200  # the default forecast is about 4,400 contacts
    assert row["answered"] + row["abandoned"] + row["blocked"] <= row["offered"] + 1e-9
    assert row["blocked"] == 0  # no line limit in the default scenario
    assert row["asa_seconds"] >= 0 and 200 < row["aht_seconds"] < 600
    by_type = summary[(summary["group"] == "all") & (summary["contact_type"] != "all")]
    by_group = summary[(summary["contact_type"] == "all") & (summary["group"] != "all")]
    assert by_type["offered"].sum() == pytest.approx(row["offered"])
    assert by_group["answered"].sum() == pytest.approx(row["answered"])
    assert by_type["occupancy"].isna().all() and by_group["service_level"].isna().all()
    assert by_group["occupancy"].between(0, 1).all()


def test_default_replications_has_one_row_per_replication(good):
    """replications.csv: rows per replication whose counts add up; summary means match them."""
    out = ok(good["default"])
    reps = _baseline(pd.read_csv(out / "replications.csv"))
    summary = _totals(_baseline(pd.read_csv(out / "summary.csv"))).iloc[0]
    totals = _totals(reps)
    assert list(totals["replication"]) == [0, 1, 2]
    queues = reps[reps["group"] == "all"]
    ended = queues["answered"] + queues["abandoned"] + queues["blocked"] + queues["waiting_at_end"]
    assert (ended == queues["offered"]).all()
    assert totals["service_level"].between(0, 1).all() and totals["occupancy"].between(0, 1).all()
    for kpi in KPIS:
        assert totals[kpi].mean() == pytest.approx(summary[kpi]), kpi


def test_default_intervals_has_one_row_per_interval(good):
    """intervals.csv: 24 rows per selection, 08:00 to 19:30, carrying the data files' values."""
    intervals = _baseline(
        pd.read_csv(ok(good["default"]) / "intervals.csv", dtype={"interval_start": str})
    )
    totals = _totals(intervals)
    assert len(totals) == 24
    assert list(totals["interval"]) == list(range(24))
    forecast = pd.read_csv(DEFAULT_DATA / "forecast.csv", dtype={"interval_start": str})
    staffing = pd.read_csv(DEFAULT_DATA / "staffing.csv", dtype={"interval_start": str})
    assert list(totals["interval_start"]) == list(forecast["interval_start"])
    assert totals["forecast"].tolist() == pytest.approx(forecast.iloc[:, 1:].sum(axis=1).tolist())
    assert totals["scheduled_agents"].tolist() == staffing.iloc[:, 1:].sum(axis=1).tolist()
    sales = intervals[(intervals["contact_type"] == "sales") & (intervals["group"] == "all")]
    assert sales["forecast"].tolist() == pytest.approx(forecast["sales"].tolist())
    assert sales["scheduled_agents"].isna().all()
    for share in ("service_level", "abandon_rate", "occupancy"):
        assert intervals[share].dropna().between(0, 1).all(), share


def test_default_report_names_the_scenario(good):
    """report.md names the scenario and its description."""
    report = (ok(good["default"]) / "report.md").read_text()
    assert "`default`" in report and "Retail bank service center" in report


def test_erlang_report_compares_with_erlang_c(good):
    """With scenario=erlang, report.md has the Erlang C comparison with the classic 88.8%."""
    report = (ok(good["erlang_c"]) / "report.md").read_text()
    assert "Erlang C" in report and "88.8%" in report
    assert "Erlang A" not in report


def test_erlang_with_patience_report_compares_with_erlang_a(good):
    """With scenario.patience_seconds set, report.md compares with Erlang A instead."""
    report = (ok(good["erlang_a"]) / "report.md").read_text()
    assert "Erlang A" in report and "Erlang C" not in report


def test_same_config_and_seed_give_identical_tables(good):
    """Two runs of the same config and seed into different folders write identical tables."""
    first, again = ok(good["same"]), ok(good["same_again"])
    assert first != again
    for name in (*TABLES, "comparison.csv", "actions.csv"):
        assert (first / name).read_bytes() == (again / name).read_bytes(), name


def test_workers_do_not_change_the_tables(good):
    """run.workers=2 writes byte-identical tables to run.workers=1."""
    one, two = ok(good["same"]), ok(good["two_workers"])
    for name in (*TABLES, "comparison.csv", "actions.csv"):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name


def test_simultaneous_runs_get_their_own_folders(tmp_path):
    """Two runs started at the same moment without hydra.run.dir land in two results/ folders."""
    with ThreadPoolExecutor(2) as pool:
        both = [pool.submit(ccsim, tmp_path, *ONE_POLICY, run_dir=False) for _ in range(2)]
        for run in both:
            assert run.result().returncode == 0, run.result().output
    summaries = sorted((tmp_path / "results").rglob("summary.csv"))
    assert len(summaries) == 2, summaries
    assert summaries[0].parent != summaries[1].parent
    for summary in summaries:
        assert len(list((summary.parent / "parts").glob("*.json"))) == 2


def test_the_run_folder_is_named_for_the_scenario_and_the_report_says_how_it_was_made(tmp_path):
    """Without hydra.run.dir the folder is results/<date>/<time>-p<pid>-<scenario>/; the
    report and manifest list the command-line overrides (an Erlang scenario reads no file)."""
    overrides = (
        "scenario=erlang",
        "run.replications=1",
        "scenario.hours=1",
        "scenario.warmup_hours=0",
        "policies=[none]",
    )
    run = ccsim(tmp_path, *overrides, run_dir=False)
    assert run.returncode == 0, run.output
    (out,) = (tmp_path / "results").glob("*/*")
    assert out.name.endswith("-erlang"), out.name
    assert out.name.split("-")[-2].startswith("p") and out.name.split("-")[-2][1:].isdigit()
    report = (out / "report.md").read_text()
    shown = " ".join(f"`{o}`" for o in overrides)
    assert report.startswith(f"# ccsim run: scenario `erlang`\n\nRun with {shown}.\n")
    assert f"- Command-line overrides: {shown}.\n" in report
    assert "- Data files read: none (the scenario is defined by its config alone).\n" in report
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["overrides"] == list(overrides)
    assert manifest["data_files"] == []


def test_the_default_report_and_manifest_list_the_data_files_with_checksums(good):
    """The default scenario's forecast, staffing and skills files, each with its checksum."""
    out = ok(good["default"])
    manifest = json.loads((out / "manifest.json").read_text())
    report = (out / "report.md").read_text()
    assert [f["key"] for f in manifest["data_files"]] == [
        "scenario.forecast_file",
        "scenario.staffing_file",
        "scenario.skills_file",
    ]
    for f in manifest["data_files"]:
        data = (PROJECT / f["path"]).read_bytes()
        assert f["sha256"] == hashlib.sha256(data).hexdigest()[:12]
        assert f["size_bytes"] == len(data)
        row = f"| `{f['key']}` | `{f['path']}` | {len(data):,} | `{f['sha256']}` |"
        assert row in report


# --- bad input -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bad:
    """A bad command line: ``expected`` texts (key and value) must appear in the output.

    ``by_hydra``: Hydra rejects it itself (exit 1) rather than ccsim's validation (exit 2).
    """

    overrides: tuple[str, ...]
    expected: tuple[str, ...]
    by_hydra: bool = False


ERLANG = "scenario=erlang"
SALES = "scenario.contact_types.sales"
BAD = {
    "zero-agents": Bad((ERLANG, "scenario.agents=0"), ("scenario.agents = 0:",)),
    "negative-agents": Bad((ERLANG, "scenario.agents=-3"), ("scenario.agents = -3:",)),
    "zero-aht": Bad((ERLANG, "scenario.aht_seconds=0"), ("scenario.aht_seconds = 0.0:",)),
    "negative-aht": Bad((ERLANG, "scenario.aht_seconds=-5"), ("scenario.aht_seconds = -5.0:",)),
    "zero-calls": Bad((ERLANG, "scenario.calls_per_hour=0"), ("scenario.calls_per_hour = 0.0:",)),
    "non-numeric-agents": Bad((ERLANG, "scenario.agents=abc"), ("scenario.agents", "abc"), True),
    "non-numeric-aht": Bad(
        (ERLANG, "scenario.aht_seconds=x1"), ("scenario.aht_seconds", "x1"), True
    ),
    "negative-patience": Bad(
        (ERLANG, "scenario.patience_seconds=-1"), ("scenario.patience_seconds = -1.0:",)
    ),
    "negative-threshold": Bad(
        ("service_level.threshold_seconds=-1",), ("service_level.threshold_seconds = -1.0:",)
    ),
    "target-above-one": Bad(("service_level.target=1.5",), ("service_level.target = 1.5:",)),
    "target-zero": Bad(("service_level.target=0",), ("service_level.target = 0.0:",)),
    "zero-replications": Bad(("run.replications=0",), ("run.replications = 0:",)),
    "zero-cv": Bad((f"{SALES}.handle_time.cv=0",), (f"{SALES}.handle_time.cv = 0.0:",)),
    "negative-cv": Bad((f"{SALES}.wrap_up.cv=-0.5",), (f"{SALES}.wrap_up.cv = -0.5:",)),
    "unknown-distribution": Bad(
        (f"{SALES}.handle_time.distribution=weibull",),
        (f"{SALES}.handle_time.distribution = 'weibull':",),
    ),
    "unknown-channel": Bad((f"{SALES}.channel=fax",), (f"{SALES}.channel = 'fax':", "voice")),
    "email-patience": Bad(
        # A null node is set through its parent (an OmegaConf limitation; see README.md).
        ("scenario.contact_types.email={patience:{distribution:exponential,mean_seconds:300}}",),
        ("scenario.contact_types.email.patience = {", "must be null"),
    ),
    "unknown-overflow-group": Bad(
        ("scenario.contact_types.service_fr.overflow=[{after_seconds:60,groups:[nobody]}]",),
        ("scenario.contact_types.service_fr.overflow[0].groups[0] = 'nobody':",),
    ),
    "zero-chat-concurrency": Bad(
        ("scenario.groups.digital.chat_concurrency=0",),
        ("scenario.groups.digital.chat_concurrency = 0:",),
    ),
    "unknown-routing-rule": Bad(
        ("scenario.routing.agent_selection=fastest",),
        ("scenario.routing.agent_selection = 'fastest':", "longest_idle"),
    ),
    "misspelt-type-key": Bad((f"{SALES}.handel_time.cv=1",), ("handel_time",), True),
    "unknown-policy": Bad(("policies=[none,nope]",), ("policies[1] = 'nope':",)),
    "misspelt-key": Bad(("scenario.agentz=3",), ("scenario.agentz=3",), True),
    "misspelt-key-added": Bad(("+scenario.agentz=3",), ("scenario.agentz: unknown key",)),
    "misspelt-run-key-added": Bad(("+run.replicatons=5",), ("run.replicatons: unknown key",)),
    "required-value-unset": Bad(
        (ERLANG, "scenario.agents=???"), ("scenario.agents: required value not set",)
    ),
    "missing-data-dir": Bad(
        ("scenario.data_dir=nowhere",), ("scenario.data_dir = 'nowhere':", "folder not found")
    ),
    "missing-data-file": Bad(
        ("scenario.forecast_file=nope.csv",),
        ("scenario.forecast_file:", "file not found", "nope.csv"),
    ),
    "hours-not-quarter": Bad(
        (ERLANG, "scenario.hours=2.1"), ("scenario.hours = 2.1: must be a multiple of 0.25",)
    ),
    "several-at-once": Bad(
        (
            ERLANG,
            "scenario.agents=0",
            "scenario.aht_seconds=-1",
            "run.replications=0",
            "service_level.target=2",
            "policies=[nope]",
        ),
        (
            "scenario.agents = 0:",
            "scenario.aht_seconds = -1.0:",
            "run.replications = 0:",
            "service_level.target = 2.0:",
            "policies[0] = 'nope':",
        ),
    ),
}


@dataclass(frozen=True)
class BadData:
    """A copy of scenarios/default with ``line`` of ``file`` replaced by ``text`` (None: removed)."""

    file: str
    line: int
    text: str | None
    expected: tuple[str, ...]

    def corrupt(self, folder: Path) -> None:
        path = folder / self.file
        lines = path.read_text().splitlines()
        if self.text is None:
            del lines[self.line - 1]
        else:
            lines[self.line - 1] = self.text
        path.write_text("\n".join(lines) + "\n")


BAD_DATA = {
    "lengths-differ": BadData(
        "staffing.csv",
        25,
        None,
        ("scenario.staffing_file = 'staffing.csv':", "24 intervals", "23 intervals"),
    ),
    "missing-value": BadData(
        "forecast.csv",
        5,
        "09:30,,97.6,52,14.4,27.3,18.5",
        ("scenario.forecast_file: forecast.csv line 5:", "sales '(empty)'"),
    ),
    "negative-value": BadData(
        "staffing.csv",
        7,
        "10:30,-3,25,12,6,9",
        ("scenario.staffing_file: staffing.csv line 7:", "sales '-3'"),
    ),
    "non-numeric-value": BadData(
        "forecast.csv",
        3,
        "08:30,21.2,lots,31,7.4,17.5,41.7",
        ("scenario.forecast_file: forecast.csv line 3:", "service 'lots'"),
    ),
    "fractional-staffing": BadData(
        "staffing.csv",
        2,
        "08:00,7,10.5,7,3,8",
        ("scenario.staffing_file: staffing.csv line 2:", "service '10.5'", "whole number"),
    ),
    "bad-interval-start": BadData(
        "forecast.csv",
        4,
        "9h00,28.5,71.4,43.2,10.5,21.9,25.4",
        ("scenario.forecast_file: forecast.csv line 4:", "interval_start '9h00'", "HH:MM"),
    ),
    "unknown-skill-type": BadData(
        "skills.csv",
        3,
        "sales,mortgage,1.1,2",
        ("scenario.skills_file: skills.csv line 3:", "'mortgage'", "not a contact type"),
    ),
    "unknown-skill-group": BadData(
        "skills.csv",
        3,
        "salez,service,1.1,2",
        ("scenario.skills_file: skills.csv line 3:", "'salez'", "not a group"),
    ),
    "zero-proficiency": BadData(
        "skills.csv",
        2,
        "sales,sales,0,1",
        ("scenario.skills_file: skills.csv line 2:", "proficiency '0'", "> 0"),
    ),
    "zero-level": BadData(
        "skills.csv",
        2,
        "sales,sales,1.0,0",
        ("scenario.skills_file: skills.csv line 2:", "level '0'", "whole number >= 1"),
    ),
    "duplicate-skill": BadData(
        "skills.csv",
        3,
        "sales,sales,1.0,2",
        ("scenario.skills_file: skills.csv line 3:", "already appear on line 2"),
    ),
    "unserved-type": BadData(
        "skills.csv", 12, None, ("scenario.contact_types.email: no group can serve it",)
    ),
}


def _selected(request, argname: str) -> list[str]:
    """The ``argname`` parameter of every selected test of this module."""
    return [
        item.callspec.params[argname]
        for item in request.session.items
        if item.path == request.path
        and hasattr(item, "callspec")
        and argname in item.callspec.params
    ]


#: Bad command lines that get a run of their own: Hydra stops at the first of its errors,
#: a missing value or a data folder stops the checks that need it, and these test that
#: every problem of one line is listed.
ALONE = {
    "required-value-unset",
    "missing-data-dir",
    "missing-data-file",
    "several-at-once",
    "email-patience",
    "misspelt-key-added",
    "misspelt-run-key-added",
}


def _node(override: str) -> str:
    """The config node an override sets a value in (``scenario.contact_types.sales`` for
    ``scenario.contact_types.sales.channel=fax``); a key right under a root node (e.g.
    ``scenario.agents``, checked on its own) is its own node."""
    key = override.lstrip("+").split("=", 1)[0]
    return key.rsplit(".", 1)[0] if key.count(".") >= 2 else key


def _overlap(a: set[str], b: set[str]) -> bool:
    """Whether two sets of nodes touch: one bad value could hide the other's check."""
    return any(x == y or x.startswith(y + ".") or y.startswith(x + ".") for x in a for y in b)


def _shared_runs(names: list[str]) -> list[list[str]]:
    """The other bad command lines, grouped so that one run refuses several at once (ccsim
    lists every problem of a command line): a group shares its scenario and sets no key
    twice or in the same node. Each case still checks its own key and value in the group's
    output."""
    groups: list[tuple[bool, set[str], list[str]]] = []
    for name in names:
        case = BAD[name]
        erlang = ERLANG in case.overrides
        keys = {_node(o) for o in case.overrides if o != ERLANG}
        for on_erlang, used, members in groups:
            if on_erlang == erlang and not _overlap(keys, used) and len(members) < 8:
                used |= keys
                members.append(name)
                break
        else:
            groups.append((erlang, set(keys), [name]))
    return [members for _, _, members in groups]


@pytest.fixture(scope="module")
def bad_runs(request, tmp_path_factory) -> dict[str, Run]:
    """The runs of every selected bad-input test, in temp folders, in parallel; independent
    refusals of ccsim's own checks share a run (:func:`_shared_runs`)."""
    jobs = {}
    selected = _selected(request, "bad")
    shared = [n for n in selected if n not in ALONE and not BAD[n].by_hydra]
    for name in selected:
        if name not in shared:
            jobs[name] = (tmp_path_factory.mktemp(name), (*FAST, *BAD[name].overrides))
    members_of = {}
    for members in _shared_runs(shared):
        overrides = list(dict.fromkeys(o for n in members for o in BAD[n].overrides))
        jobs[members[0]] = (tmp_path_factory.mktemp(members[0]), (*FAST, *overrides))
        members_of.update({n: members[0] for n in members})
    for name in _selected(request, "bad_data"):
        cwd = tmp_path_factory.mktemp(name)
        shutil.copytree(DEFAULT_DATA, cwd / "data")
        BAD_DATA[name].corrupt(cwd / "data")
        jobs[name] = (
            cwd,
            (*FAST, f"scenario.data_dir='{cwd / 'data'}'", "scenario.allow_outside_paths=true"),
        )
    runs = run_all(jobs)
    return {**runs, **{name: runs[first] for name, first in members_of.items()}}


def assert_refused(run: Run, expected: tuple[str, ...], by_hydra: bool = False) -> None:
    """The run failed cleanly: right exit code, every expected text, no traceback, no results."""
    assert run.returncode == (1 if by_hydra else 2), run.output
    for text in expected:
        assert text in run.output, (text, run.output)
    assert "Traceback" not in run.output
    if not by_hydra:
        lines = run.stderr.splitlines()
        assert lines[0] == HEADER, run.stderr
        assert lines[1:] and all(line.startswith("  - ") for line in lines[1:]), run.stderr
    assert not list(run.cwd.rglob("summary.csv"))
    assert not list(run.cwd.rglob("*.json"))


@pytest.mark.parametrize("bad", list(BAD))
def test_bad_input_is_refused_with_key_and_value(bad_runs, bad):
    """A bad command line exits non-zero naming the key and value, without traceback or results."""
    case = BAD[bad]
    assert_refused(bad_runs[bad], case.expected, case.by_hydra)


@pytest.mark.parametrize("bad", ["several-at-once"])
def test_several_errors_are_reported_in_one_run(bad_runs, bad):
    """Five bad values on one command line give five problem lines in the same output."""
    assert bad_runs[bad].stderr.count("\n  - ") == len(BAD[bad].expected)


@pytest.mark.parametrize("bad_data", list(BAD_DATA))
def test_bad_data_file_is_refused_with_key_file_and_line(bad_runs, bad_data):
    """A corrupted forecast, staffing or skills file is refused naming the key, file and line."""
    assert_refused(bad_runs[bad_data], BAD_DATA[bad_data].expected)
