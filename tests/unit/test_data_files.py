"""Unit tests for sim.data_files: reading interval tables and value columns, and the
errors a planner gets for each kind of problem (key, file, line, what is allowed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.data_files import DataFileError, IntervalTable, read_interval_table, read_values_column

KEY = "scenario.forecast_file"


def write(tmp_path: Path, text: str, name: str = "forecast.csv") -> Path:
    """Write ``text`` to ``tmp_path/name`` and return the path."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def forecast(path: Path, *, interval_minutes: int = 30) -> IntervalTable:
    """Read ``path`` as a forecast table (non-negative numbers in ``contacts``)."""
    return read_interval_table(
        path, KEY, "contacts", integer=False, interval_minutes=interval_minutes
    )


def staffing(path: Path) -> IntervalTable:
    """Read ``path`` as a staffing table (whole numbers in ``agents``)."""
    return read_interval_table(
        path, "scenario.staffing_file", "agents", integer=True, interval_minutes=30
    )


def problems_of(call, *args, **kwargs) -> list[str]:
    """The problems of the DataFileError that ``call`` raises."""
    with pytest.raises(DataFileError) as info:
        call(*args, **kwargs)
    assert info.value.problems, "a DataFileError must list at least one problem"
    return info.value.problems


# --- read_interval_table: good files --------------------------------------------------------


def test_good_forecast_gives_starts_in_minutes_and_values(tmp_path):
    """A well-formed forecast gives interval starts in minutes after midnight and its values."""
    path = write(tmp_path, "interval_start,contacts\n08:00,68.5\n08:30,80\n09:00,0\n")
    table = forecast(path)
    assert table == IntervalTable((480, 510, 540), (68.5, 80.0, 0.0))


def test_good_staffing_accepts_whole_numbers_written_as_floats(tmp_path):
    """Integer mode accepts 17 and 17.0 alike and returns them as values."""
    path = write(tmp_path, "interval_start,agents\n08:00,17\n08:30,19.0\n", "staffing.csv")
    assert staffing(path) == IntervalTable((480, 510), (17.0, 19.0))


def test_spaces_after_commas_and_extra_columns_are_tolerated(tmp_path):
    """Spaces after the comma and unrelated columns do not disturb the reading."""
    path = write(tmp_path, "interval_start, contacts, note\n08:00, 5, a\n08:30, 6, b\n")
    assert forecast(path).values == (5.0, 6.0)


def test_fifteen_minute_intervals_follow_interval_minutes(tmp_path):
    """Interval starts must follow each other at ``interval_minutes``, here 15."""
    path = write(tmp_path, "interval_start,contacts\n23:30,1\n23:45,2\n24:00,3\n")
    assert forecast(path, interval_minutes=15).start_minutes == (1410, 1425, 1440)


def test_the_shipped_default_scenario_reads_cleanly():
    """scenarios/default/forecast.csv and staffing.csv read as 24 half-hours from 08:00."""
    folder = Path(__file__).resolve().parents[2] / "scenarios" / "default"
    f, s = forecast(folder / "forecast.csv"), staffing(folder / "staffing.csv")
    assert len(f.values) == len(s.values) == 24
    assert f.start_minutes == s.start_minutes == tuple(480 + 30 * k for k in range(24))
    assert all(v == int(v) for v in s.values)


# --- read_interval_table: one problem each ---------------------------------------------------


def test_missing_file_names_key_and_path(tmp_path):
    """A missing file is reported with the config key and the path looked at."""
    path = tmp_path / "nope.csv"
    (problem,) = problems_of(forecast, path)
    assert problem.startswith(f"{KEY}:") and "file not found" in problem and str(path) in problem


def test_empty_file_is_reported_as_unreadable(tmp_path):
    """A zero-byte file is reported (cannot be read as CSV), naming key and file."""
    (problem,) = problems_of(forecast, write(tmp_path, ""))
    assert problem.startswith(f"{KEY}:") and "cannot read" in problem and "forecast.csv" in problem


def test_ragged_row_is_reported_as_unreadable(tmp_path):
    """A row with more fields than the header is reported (not a traceback)."""
    path = write(tmp_path, "interval_start,contacts\n08:00,1\n08:30,2,3\n")
    (problem,) = problems_of(forecast, path)
    assert problem.startswith(f"{KEY}:") and "cannot read" in problem


def test_header_only_file_has_no_rows(tmp_path):
    """A file with a header and no data rows is reported as having no rows."""
    (problem,) = problems_of(forecast, write(tmp_path, "interval_start,contacts\n"))
    assert problem == f"{KEY}: forecast.csv has no rows"


@pytest.mark.parametrize(
    ("header", "missing"),
    [("interval_start,calls", "'contacts'"), ("start,contacts", "'interval_start'")],
)
def test_missing_column_names_it_and_the_columns_present(tmp_path, header, missing):
    """A missing required column is named, together with the columns the file has."""
    path = write(tmp_path, f"{header}\n08:00,1\n")
    (problem,) = problems_of(forecast, path)
    assert problem.startswith(f"{KEY}: forecast.csv lacks column")
    assert missing in problem and header.split(",")[0] in problem


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("", "'(empty)'"),
        ("-3", "'-3'"),
        ("lots", "'lots'"),
        ("NA", "'NA'"),
        ("nan", "'nan'"),
        ("inf", "'inf'"),
    ],
    ids=["empty", "negative", "text", "NA", "nan", "inf"],
)
def test_bad_value_is_reported_with_key_file_line_and_allowed(tmp_path, cell, shown):
    """A missing, negative, non-numeric or non-finite value names key, file, line, value, rule."""
    path = write(tmp_path, f"interval_start,contacts\n08:00,1\n08:30,2\n09:00,{cell}\n")
    (problem,) = problems_of(forecast, path)
    assert problem == (
        f"{KEY}: forecast.csv line 4: contacts {shown} is not allowed; allowed: a number >= 0"
    )


def test_row_without_the_value_field_is_reported_as_empty(tmp_path):
    """A row that stops after interval_start is reported as an empty value on its line."""
    path = write(tmp_path, "interval_start,contacts\n08:00,1\n08:30\n")
    (problem,) = problems_of(forecast, path)
    assert problem.startswith(f"{KEY}: forecast.csv line 3: contacts '(empty)'")


def test_fractional_staffing_is_rejected_in_integer_mode(tmp_path):
    """A staffing count of 17.5 is reported as not a whole number, with key, file and line."""
    path = write(tmp_path, "interval_start,agents\n08:00,17\n08:30,17.5\n", "staffing.csv")
    (problem,) = problems_of(staffing, path)
    assert problem == (
        "scenario.staffing_file: staffing.csv line 3: agents '17.5' is not allowed; "
        "allowed: a whole number >= 0"
    )


@pytest.mark.parametrize("start", ["9h00", "08:60", "0800", "", "ab:cd", "8:00:00"])
def test_bad_interval_start_is_not_a_time(tmp_path, start):
    """An interval_start that is not HH:MM is reported with its line and the allowed form."""
    path = write(tmp_path, f"interval_start,contacts\n07:30,1\n{start},2\n")
    (problem,) = problems_of(forecast, path)
    assert problem == (
        f"{KEY}: forecast.csv line 3: interval_start {start!r} is not a time; allowed: HH:MM"
    )


@pytest.mark.parametrize("start", ["08:00", "08:15", "09:30", "07:30"], ids=str)
def test_interval_starts_must_follow_at_interval_minutes(tmp_path, start):
    """A repeated, too-close, skipped or backward interval_start is reported on its line."""
    path = write(tmp_path, f"interval_start,contacts\n08:00,1\n{start},2\n")
    (problem,) = problems_of(forecast, path)
    assert problem.startswith(f"{KEY}: forecast.csv line 3: interval_start {start!r} does not")
    assert "30 minutes" in problem


# --- read_interval_table: several problems at once -------------------------------------------


def test_every_problem_in_a_file_is_reported_together(tmp_path):
    """All bad rows of a file come back in one DataFileError, each with its own line."""
    path = write(
        tmp_path,
        "interval_start,agents\n08:00,3\n08:30,-1\nnoon,4\n09:30,2.5\n10:00,\n10:30,x\n",
        "staffing.csv",
    )
    with pytest.raises(DataFileError) as info:
        staffing(path)
    problems = info.value.problems
    expected_lines = [
        "line 3: agents '-1'",
        "line 4: interval_start 'noon'",
        "line 5: agents '2.5'",
        "line 6: agents '(empty)'",
        "line 7: agents 'x'",
    ]
    assert len(problems) == len(expected_lines)
    for problem, expected in zip(problems, expected_lines, strict=True):
        assert problem.startswith(f"scenario.staffing_file: staffing.csv {expected}")
    assert str(info.value) == "\n".join(problems)


def test_a_bad_start_does_not_cascade_into_later_rows(tmp_path):
    """After an unreadable interval_start, the following rows are still checked as in sequence."""
    path = write(tmp_path, "interval_start,contacts\n08:00,1\n??,2\n09:00,3\n09:30,4\n")
    (problem,) = problems_of(forecast, path)
    assert "line 3" in problem


def test_line_numbers_count_blank_lines(tmp_path):
    """The line named in an error is the file's line, even after a blank line."""
    path = write(tmp_path, "interval_start,contacts\n08:00,1\n\n08:30,x\n")
    (problem,) = problems_of(forecast, path)
    assert "forecast.csv line 4:" in problem


# --- read_values_column ---------------------------------------------------------------------


def test_values_column_reads_non_negative_numbers(tmp_path):
    """A column of observations is returned as floats, in file order, other columns ignored."""
    path = write(tmp_path, "talk_seconds,agent\n120,a\n0,b\n305.5,c\n", "talk.csv")
    key = "scenario.handle_time.file"
    assert read_values_column(path, key, "talk_seconds") == (120.0, 0.0, 305.5)


def test_values_column_missing_column(tmp_path):
    """A missing column is named together with the columns present."""
    path = write(tmp_path, "talk\n1\n", "talk.csv")
    (problem,) = problems_of(read_values_column, path, "scenario.handle_time.file", "seconds")
    assert problem == (
        "scenario.handle_time.file: talk.csv lacks column 'seconds'; it has ['talk']"
    )


def test_values_column_missing_file(tmp_path):
    """A missing file is reported with the key and the path."""
    path = tmp_path / "talk.csv"
    (problem,) = problems_of(read_values_column, path, "scenario.handle_time.file", "seconds")
    assert problem.startswith("scenario.handle_time.file: file not found") and str(path) in problem


def test_values_column_without_values(tmp_path):
    """A header without rows is reported as having no values."""
    path = write(tmp_path, "seconds\n", "talk.csv")
    (problem,) = problems_of(read_values_column, path, "scenario.handle_time.file", "seconds")
    assert problem == "scenario.handle_time.file: talk.csv column 'seconds' has no values"


def test_values_column_reports_all_bad_lines_together(tmp_path):
    """Negative, empty, text and non-finite values are all listed, by file line, in one error."""
    path = write(tmp_path, "seconds,x\n10,a\n-1,b\n,c\nabc,d\n20,e\ninf,f\n", "talk.csv")
    (problem,) = problems_of(read_values_column, path, "scenario.handle_time.file", "seconds")
    assert problem == (
        "scenario.handle_time.file: talk.csv column 'seconds' lines [3, 4, 5, 7] "
        "are not numbers >= 0"
    )
