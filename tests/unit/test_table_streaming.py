"""A run's tables built from its replications one at a time (issue 11): the running sums of
:class:`RunningSummary` give :func:`summarize`'s numbers bit for bit, :class:`TableBuilder`
the whole-table functions' frames, and a run folder's parts are read one at a time."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim.experiment.replications import ReplicationResult, run_replications
from sim.experiment.run_folder import RunFolder, RunFolderError, run_tables
from sim.experiment.tables import (
    AGENT_KPIS,
    INTERVAL_KEYS,
    RunningSummary,
    TableBuilder,
    action_table,
    agent_table,
    interval_table,
    replication_table,
    summarize,
)
from sim.kpi.definitions import KPI_NAMES
from sim.policies.api import ACTION_COLUMNS

KPIS = ("service_level", "asa_seconds", "offered")  # a share (clipped to [0, 1]) and two >= 0


def _result(policy: str = "none", replication: int = 0) -> ReplicationResult:
    row = {"contact_type": "all", "group": "all", **{k: 1.0 for k in KPI_NAMES}}
    intervals = {k: [v, v] for k, v in row.items()} | {"interval": [0, 1]}
    action = {c: 0.0 for c in ACTION_COLUMNS}
    return ReplicationResult(policy, replication, [row], intervals, [], [action])


def _random_table(seed: int) -> pd.DataFrame:
    """Replications of a few groups, values of every magnitude, NaNs, infinities, a group
    seen in some replications only and a group with two rows in one replication."""
    rng = np.random.default_rng(seed)
    rows = []
    for replication in range(int(rng.integers(1, 40))):
        for policy in ("none", "analyst"):
            groups = [("all", k) for k in range(6)]
            if replication % 3 == 1:
                groups.append(("late", 0))  # first seen after other groups
            if replication == 2:
                groups.append(("all", 3))  # twice in one replication
            for group, interval in groups:
                row = {"policy": policy, "replication": replication, "group": group}
                row["interval"] = interval
                row["service_level"] = rng.random()
                row["asa_seconds"] = rng.exponential(30) * 10.0 ** rng.integers(-4, 6)
                row["offered"] = float(rng.integers(0, 10**6))
                for kpi in KPIS:
                    if rng.random() < 0.15:
                        row[kpi] = np.nan
                if rng.random() < 0.01:
                    row["asa_seconds"] = np.inf
                rows.append(row)
    return pd.DataFrame(rows)


def _running(table: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    summary = RunningSummary(by, KPIS)
    for (policy, replication), part in table.groupby(["policy", "replication"], sort=False):
        keys = [part[c].tolist() for c in by]
        summary.add((policy, replication), keys, {k: part[k].tolist() for k in KPIS})
    return summary.frame()


@pytest.mark.parametrize("seed", range(25))
def test_running_summary_is_summarize_bit_for_bit(seed):
    table = _random_table(seed)
    by = ["policy", "group", "interval"]
    expected = summarize(table, by, kpis=KPIS)
    found = _running(table, by)
    pd.testing.assert_frame_equal(found, expected, check_exact=True)
    assert found.to_csv(index=False) == expected.to_csv(index=False)


def test_running_summary_of_integers_is_summarize_of_an_integer_column():
    table = pd.DataFrame(
        {
            "policy": ["none"] * 6,
            "replication": [0, 0, 1, 1, 2, 2],
            "interval": [0, 1] * 3,
            **{k: [3, 10**15 + 1, 4, 7, 5, 2**53 + 3] for k in KPIS},
        }
    )
    assert table["offered"].dtype == np.int64
    expected = summarize(table, ["policy", "interval"], kpis=KPIS)
    pd.testing.assert_frame_equal(
        _running(table, ["policy", "interval"]), expected, check_exact=True
    )


def test_a_replication_added_twice_is_refused():
    summary = RunningSummary(["policy"], KPIS)
    summary.add(("none", 0), [["none"]], dict.fromkeys(KPIS, [1.0]))
    with pytest.raises(ValueError, match=r"replication \('none', 0\) added twice"):
        summary.add(("none", 0), [["none"]], dict.fromkeys(KPIS, [1.0]))


@pytest.fixture(scope="module")
def days(erlang_scenario) -> list[ReplicationResult]:
    return run_replications(erlang_scenario, ["none", "overtime"], 5, 7)


@pytest.fixture(scope="module")
def erlang_scenario():
    from sim.cli.app import compose_config
    from sim.config.run import build_run

    return build_run(compose_config(["scenario=erlang", "scenario.hours=3"])).scenario


def test_table_builder_gives_the_whole_table_frames(days, erlang_scenario, monkeypatch):
    monkeypatch.setattr(TableBuilder, "CHUNK_ROWS", 4)  # day-level rows in several chunks
    builder = TableBuilder()
    for day in days:
        builder.add(day)
    pd.testing.assert_frame_equal(builder.replications(), replication_table(days), check_exact=True)
    expected = summarize(interval_table(days), INTERVAL_KEYS)
    pd.testing.assert_frame_equal(builder.intervals(), expected, check_exact=True)
    pd.testing.assert_frame_equal(
        builder.actions(erlang_scenario), action_table(erlang_scenario, days), check_exact=True
    )
    assert builder.agents() is None and agent_table(days).empty


def test_agents_are_summarized_as_the_agent_table():
    rng = np.random.default_rng(3)
    days = []
    for replication in range(7):
        day = _result("none", replication)
        agents = [
            {"group": g, "agent": f"{g}-{a}", **{k: float(rng.random()) for k in AGENT_KPIS}}
            for g in ("sales", "service")
            for a in range(3)
        ]
        agents[0]["adherence"] = np.nan
        days.append(ReplicationResult("none", replication, day.rows, day.intervals, agents))
    builder = TableBuilder()
    for day in days:
        builder.add(day)
    expected = summarize(agent_table(days), ["policy", "group", "agent"], kpis=AGENT_KPIS)
    pd.testing.assert_frame_equal(builder.agents(), expected, check_exact=True)


def test_run_tables_reads_a_generator_once(days, erlang_scenario):
    consumed = []

    def one_at_a_time():
        for day in days:
            consumed.append(day.replication)
            yield day

    tables = run_tables(erlang_scenario, one_at_a_time())
    assert len(consumed) == len(days)
    assert set(tables) == {"summary", "replications", "intervals", "comparison", "actions"}
    assert set(tables["intervals"]["replications"]) == {5}


# -- the run folder's parts, one at a time ----------------------------------------------------


def test_parts_are_read_one_at_a_time_in_policy_and_replication_order(tmp_path):
    folder = RunFolder(tmp_path / "run")
    saved = [("none", 100_000), ("none", 99_999), ("none", 3), ("none+x", 0), ("a", 7)]
    for policy, replication in saved:
        folder.save_part(_result(policy, replication))
    assert folder.part_keys() == sorted(saved)
    parts = folder.iter_parts()
    assert not isinstance(parts, list)
    assert [(p.policy, p.replication) for p in parts] == sorted(saved)
    some = folder.iter_parts([("none", 3), ("a", 7)])
    assert [(p.policy, p.replication) for p in some] == [("a", 7), ("none", 3)]
    assert [(p.policy, p.replication) for p in folder.load_parts()] == sorted(saved)


@pytest.mark.parametrize(
    "name", ["notes.json", "none-r3.json", "none-r00003x.json", "-r00001.json"]
)
def test_a_file_not_named_as_a_part_is_corrupt(tmp_path, name):
    folder = RunFolder(tmp_path / "run")
    folder.save_part(_result("none", 0))
    (folder.parts / name).write_text(json.dumps({}), encoding="utf-8")
    with pytest.raises(RunFolderError, match="is corrupt: delete it and resume"):
        folder.part_keys()


def test_a_part_with_a_text_interval_value_is_corrupt(tmp_path):
    folder = RunFolder(tmp_path / "run")
    folder.save_part(_result("none", 0))
    doc = json.loads((folder.parts / "none-r00000.json").read_text(encoding="utf-8"))
    doc["intervals"]["offered"] = ["1.5", 2.0]
    (folder.parts / "none-r00000.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(RunFolderError, match="none-r00000.json is corrupt"):
        folder.load_parts()


def test_results_built_without_their_parts_have_the_same_tables(days, erlang_scenario, tmp_path):
    from sim.report.results import RunResults

    common = {"seed": 7, "policies": ["none", "overtime"], "fingerprint": "f"}
    held = RunResults.from_replications(erlang_scenario, days, **common)
    streamed = RunResults.from_replications(erlang_scenario, iter(days), **common, keep_parts=False)
    assert len(held.parts) == len(days) and streamed.parts == ()
    for name, table in held.tables.items():
        pd.testing.assert_frame_equal(streamed.tables[name], table, check_exact=True)
    with pytest.raises(ValueError, match="hold no replications"):
        streamed.save(tmp_path / "run")
    assert not (tmp_path / "run").exists()
