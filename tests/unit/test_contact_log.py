"""The contact log of ``mode=calibrate``: read as data, every bad row named by file and line,
and written back the same way (:mod:`sim.config.contact_log`)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim import Distribution, simulate, single_queue
from sim.calibration.simulated import simulated_log
from sim.config.contact_log import (
    LOG_COLUMNS,
    SHOWN_PROBLEMS,
    contact_log_csv,
    read_contact_log,
)
from sim.config.data_files import DataFileError
from sim.core.contact_log import ABANDONED, ANSWERED, BLOCKED

HEADER = ",".join(LOG_COLUMNS)
GOOD = [
    "sales,2026-03-02 09:00:05,answered,0,200.5,10",
    "service,2026-03-02 09:00:07,abandoned,35.2,,",
    "sales,2026-03-02 09:01:00,blocked,,,",
    "sales,2026-03-02 09:01:00,answered,12,300,",
]


def _write(tmp_path, rows, header=HEADER, name="log.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _problems(tmp_path, rows, header=HEADER, **kwargs) -> list[str]:
    with pytest.raises(DataFileError) as info:
        read_contact_log(_write(tmp_path, rows, header), **kwargs)
    return info.value.problems


def test_a_good_log_is_read_as_arrays(tmp_path):
    log = read_contact_log(_write(tmp_path, GOOD))
    assert log.types == ("sales", "service")  # alphabetical, whatever the log's order
    assert log.contact_type.tolist() == [0, 1, 0, 0]
    assert log.outcome.tolist() == [ANSWERED, ABANDONED, BLOCKED, ANSWERED]
    assert log.day.tolist() == [dt.date(2026, 3, 2).toordinal()] * 4
    assert log.arrival.tolist() == [32405.0, 32407.0, 32460.0, 32460.0]
    np.testing.assert_array_equal(log.wait, [0.0, 35.2, np.nan, 12.0])
    np.testing.assert_array_equal(log.talk, [200.5, np.nan, np.nan, 300.0])
    np.testing.assert_array_equal(log.wrap, [10.0, np.nan, np.nan, np.nan])  # empty: not recorded


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("sales,2026-03-02 09:02:00,hung_up,3,,", "outcome 'hung_up' is not allowed"),
        ("sales,2026-03-02 9:02,answered,3,100,5", "arrived_at '2026-03-02 9:02' is not a date"),
        ("sales,2026-02-30 09:02:00,answered,3,100,5", "is not a date and time"),
        ("sales,2026-03-02 08:59:59,answered,3,100,5", "earlier than the row before it (line 5)"),
        ("sales,2026-03-02 09:02:00,answered,-3,100,5", "wait_seconds '-3' is negative"),
        ("sales,2026-03-02 09:02:00,answered,3,-100,5", "talk_seconds '-100' is negative"),
        ("sales,2026-03-02 09:02:00,answered,3,nan,5", "talk_seconds 'nan' is not a number"),
        ("sales,2026-03-02 09:02:00,abandoned,3,100,", "talk_seconds is given for a abandoned"),
        ("sales,2026-03-02 09:02:00,blocked,,,4", "wrap_seconds is given for a blocked"),
        ("sales,2026-03-02 09:02:00,answered,,100,5", "wait_seconds is empty; required"),
        ("sales,2026-03-02 09:02:00,answered,3,,5", "talk_seconds is empty; required"),
        ("all,2026-03-02 09:02:00,answered,3,100,5", "contact_type 'all' is not allowed"),
        ("${oc.env:HOME},2026-03-02 09:02:00,answered,3,100,5", "contact_type"),
        ("sales,2026-03-02 09:02:00,answered,3,100,5,extra", "7 fields but the header has 6"),
    ],
)
def test_a_bad_row_is_named_by_file_and_line(tmp_path, row, expected):
    problems = _problems(tmp_path, [*GOOD, row])
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"calibrate.log_file: {tmp_path / 'log.csv'} line 6: ")
    assert expected in problems[0]


def test_missing_columns_are_named_and_the_header_is_never_quoted(tmp_path):
    header = "contact_type,arrived,outcome,secret-looking-header-text,talk_seconds,wrap_seconds"
    (problem,) = _problems(tmp_path, GOOD, header=header)
    assert "line 1: lacks column(s) ['arrived_at', 'wait_seconds']" in problem
    assert "secret" not in problem


def test_long_cells_are_not_quoted_and_problems_are_capped(tmp_path):
    rows = [f"{'x' * 40} {k},2026-03-02 09:00:{k:02d},answered,1,1,1" for k in range(30)]
    problems = _problems(tmp_path, rows)
    assert len(problems) == SHOWN_PROBLEMS + 1
    assert problems[-1].endswith("... and 10 more problem(s)")
    assert "xxxx" not in "".join(problems) and "(a 42-character value)" in problems[0]


def test_empty_and_header_only_logs_are_refused(tmp_path):
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    with pytest.raises(DataFileError, match="empty.csv line 1: the file is empty"):
        read_contact_log(tmp_path / "empty.csv")
    assert "no contacts" in _problems(tmp_path, [])[0]


def test_size_limit_missing_file_and_folder_are_refused_unread(tmp_path):
    path = _write(tmp_path, GOOD)
    with pytest.raises(DataFileError, match="larger than the limit of 100 .*run.allow_large"):
        read_contact_log(path, max_bytes=100)
    assert len(read_contact_log(path, max_bytes=None)) == 4
    with pytest.raises(DataFileError, match="cannot be read"):
        read_contact_log(tmp_path / "nowhere.csv")
    with pytest.raises(DataFileError, match="not a regular file"):
        read_contact_log(tmp_path)


def test_a_simulated_log_is_written_and_read_back(tmp_path):
    scenario = single_queue(
        "t",
        900,
        [30] * 4,
        [5] * 4,
        Distribution("lognormal", 200, 0.8),
        wrap_up=Distribution("gamma", 20, 0.5),
        patience=Distribution.exponential(90),
        trunks=8,
        start_clock_seconds=8 * 3600,
    )
    outcomes = [simulate(scenario, 5, r) for r in range(2)]
    log = simulated_log(scenario, outcomes, dt.date(2026, 3, 2))
    assert set(log.outcome.tolist()) == {ANSWERED, ABANDONED, BLOCKED}
    path = tmp_path / "sim.csv"
    path.write_text(contact_log_csv(log), encoding="utf-8")
    back = read_contact_log(path)
    assert back.types == log.types and len(back) == len(log)
    assert back.day.tolist() == log.day.tolist()
    np.testing.assert_array_equal(back.arrival, np.floor(log.arrival))
    np.testing.assert_array_equal(back.outcome, log.outcome)
    for column in ("wait", "talk", "wrap"):
        np.testing.assert_allclose(getattr(back, column), getattr(log, column), atol=0.051)
