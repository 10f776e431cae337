"""Unit tests for sim.config.data_files: reading interval tables (one value column per contact type
or group), skills tables and value columns, and the errors a planner gets for each kind of
problem (key, file, line, what is allowed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.config.data_files import (
    DataFileError,
    IntervalTable,
    SkillRow,
    read_interval_table,
    read_skills,
    read_values_column,
)

KEY = "scenario.forecast_file"
SKILLS = "scenario.skills_file"
SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def write(tmp_path: Path, text: str, name: str = "forecast.csv") -> Path:
    """Write ``text`` to ``tmp_path/name`` and return the path."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def forecast(path: Path, *, interval_minutes: int = 30) -> IntervalTable:
    """Read ``path`` as a forecast table (non-negative numbers)."""
    return read_interval_table(path, KEY, integer=False, interval_minutes=interval_minutes)


def staffing(path: Path) -> IntervalTable:
    """Read ``path`` as a staffing table (whole numbers)."""
    return read_interval_table(path, "scenario.staffing_file", integer=True, interval_minutes=30)


def skills(path: Path, **known) -> tuple[SkillRow, ...]:
    """Read ``path`` as a skills table, optionally against known groups and contact types."""
    return read_skills(path, SKILLS, **known)


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
    assert table == IntervalTable((480, 510, 540), {"contacts": (68.5, 80.0, 0.0)})


def test_wide_table_gives_one_tuple_per_column_in_file_order(tmp_path):
    """Every column but interval_start is a value column, kept in the file's order."""
    path = write(tmp_path, "interval_start,sales,chat,email\n08:00,1,2,3\n08:30,4,5.5,0\n")
    table = forecast(path)
    assert table.names == ("sales", "chat", "email")
    assert table.columns == {"sales": (1.0, 4.0), "chat": (2.0, 5.5), "email": (3.0, 0.0)}


def test_interval_start_may_be_any_column(tmp_path):
    """interval_start need not come first; it is never a value column."""
    path = write(tmp_path, "sales,interval_start\n1,08:00\n2,08:30\n")
    assert forecast(path) == IntervalTable((480, 510), {"sales": (1.0, 2.0)})


def test_good_staffing_accepts_whole_numbers_written_as_floats(tmp_path):
    """Integer mode accepts 17 and 17.0 alike and returns them as values."""
    path = write(tmp_path, "interval_start,agents\n08:00,17\n08:30,19.0\n", "staffing.csv")
    assert staffing(path) == IntervalTable((480, 510), {"agents": (17.0, 19.0)})


def test_spaces_after_commas_are_tolerated(tmp_path):
    """Spaces after the comma do not disturb the header or the values."""
    path = write(tmp_path, "interval_start, sales, chat\n08:00, 5, 1\n08:30, 6, 2\n")
    assert forecast(path).columns == {"sales": (5.0, 6.0), "chat": (1.0, 2.0)}


def test_fifteen_minute_intervals_follow_interval_minutes(tmp_path):
    """Interval starts must follow each other at ``interval_minutes``, here 15."""
    path = write(tmp_path, "interval_start,contacts\n23:30,1\n23:45,2\n24:00,3\n")
    assert forecast(path, interval_minutes=15).start_minutes == (1410, 1425, 1440)


def test_the_shipped_default_scenario_reads_cleanly():
    """scenarios/default: 24 half-hours from 08:00, six contact types, five whole-number groups."""
    folder = SCENARIOS / "default"
    f, s = forecast(folder / "forecast.csv"), staffing(folder / "staffing.csv")
    assert f.start_minutes == s.start_minutes == tuple(480 + 30 * k for k in range(24))
    assert f.names == ("sales", "service", "billing", "service_fr", "chat", "email")
    assert s.names == ("sales", "service", "billing", "bilingual", "digital")
    assert all(v == int(v) for column in s.columns.values() for v in column)
    rows = skills(folder / "skills.csv", groups=s.names, contact_types=f.names)
    assert {r.contact_type for r in rows} == set(f.names)
    assert {r.group for r in rows} == set(s.names)


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
    assert problem.startswith(f"{KEY}:") and "cannot read" in problem and "line 3" in problem


def test_header_only_file_has_no_rows(tmp_path):
    """A file with a header and no data rows is reported as having no rows."""
    (problem,) = problems_of(forecast, write(tmp_path, "interval_start,contacts\n"))
    assert problem == f"{KEY}: forecast.csv has no rows"


def test_missing_interval_start_names_it_and_the_columns_present(tmp_path):
    """A missing interval_start column is named with the header's size, never its text (the
    first line of a file that is no CSV at all)."""
    (problem,) = problems_of(forecast, write(tmp_path, "start,contacts\n08:00,1\n"))
    assert problem == (
        f"{KEY}: forecast.csv lacks column 'interval_start' (its header, line 1, has 2 column(s))"
    )


def test_table_without_value_columns_is_reported(tmp_path):
    """A table with only interval_start has nothing to read."""
    (problem,) = problems_of(forecast, write(tmp_path, "interval_start\n08:00\n"))
    assert problem.startswith(f"{KEY}: forecast.csv has no value columns")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("interval_start,sales,sales", "line 1: column(s) ['sales'] appear more than once"),
        ("interval_start,sales,", "line 1: column 3 of the header has no name"),
    ],
    ids=["repeated", "unnamed"],
)
def test_bad_header_is_reported(tmp_path, header, expected):
    """A repeated or unnamed column in the header is reported on line 1."""
    (problem,) = problems_of(forecast, write(tmp_path, f"{header}\n08:00,1,2\n"))
    assert problem == f"{KEY}: forecast.csv {expected}"


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
def test_bad_value_is_reported_with_key_file_line_column_and_allowed(tmp_path, cell, shown):
    """A missing, negative, non-numeric or non-finite value names key, file, line, column, rule."""
    path = write(tmp_path, f"interval_start,sales,chat\n08:00,1,1\n08:30,2,2\n09:00,3,{cell}\n")
    (problem,) = problems_of(forecast, path)
    assert problem == (
        f"{KEY}: forecast.csv line 4: chat {shown} is not allowed; allowed: a number >= 0"
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
    """All bad cells of a file come back in one DataFileError, each with its line and column."""
    path = write(
        tmp_path,
        "interval_start,front,back\n08:00,3,1\n08:30,-1,1\nnoon,4,1\n09:30,2.5,x\n10:00,,1\n",
        "staffing.csv",
    )
    with pytest.raises(DataFileError) as info:
        staffing(path)
    problems = info.value.problems
    expected_lines = [
        "line 3: front '-1'",
        "line 4: interval_start 'noon'",
        "line 5: front '2.5'",
        "line 5: back 'x'",
        "line 6: front '(empty)'",
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


# --- read_skills ------------------------------------------------------------------------------

GOOD_SKILLS = "group,contact_type,proficiency,level\nfront,sales,1,1\nfront,chat,1.2,2\n"


def test_good_skills_give_one_row_each_with_its_line(tmp_path):
    """Each row becomes a SkillRow with its line, proficiency as float and level as int."""
    path = write(tmp_path, GOOD_SKILLS.replace("\nfront,chat", "\n\nfront,chat"), "skills.csv")
    assert skills(path, groups=["front"], contact_types=["sales", "chat"]) == (
        SkillRow(2, "front", "sales", 1.0, 1),
        SkillRow(4, "front", "chat", 1.2, 2),
    )


def test_skills_columns_may_come_in_any_order_with_extras(tmp_path):
    """Column order does not matter and a note column is ignored."""
    path = write(tmp_path, "level,note,contact_type,group,proficiency\n2.0,x,sales,front,0.9\n")
    assert skills(path) == (SkillRow(2, "front", "sales", 0.9, 2),)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("other,sales,1,1", "group 'other' is not a group; allowed: ['front', 'back']"),
        (
            "front,email,1,1",
            "contact_type 'email' is not a contact type; allowed: ['sales', 'chat']",
        ),
        (",sales,1,1", "group is empty; allowed: a group name"),
        ("front,,1,1", "contact_type is empty; allowed: a contact type name"),
        ("back,sales,0,1", "proficiency '0' is not allowed; allowed: a number > 0"),
        ("back,sales,-1,1", "proficiency '-1' is not allowed; allowed: a number > 0"),
        ("back,sales,fast,1", "proficiency 'fast' is not allowed; allowed: a number > 0"),
        ("back,sales,,1", "proficiency '(empty)' is not allowed; allowed: a number > 0"),
        ("back,sales,nan,1", "proficiency 'nan' is not allowed; allowed: a number > 0"),
        ("back,sales,1,0", "level '0' is not allowed; allowed: a whole number >= 1"),
        ("back,sales,1,1.5", "level '1.5' is not allowed; allowed: a whole number >= 1"),
        ("back,sales,1,first", "level 'first' is not allowed; allowed: a whole number >= 1"),
        ("front,chat,1,1", "group 'front' and contact_type 'chat' already appear on line 3"),
    ],
    ids=[
        "unknown-group",
        "unknown-type",
        "empty-group",
        "empty-type",
        "proficiency-zero",
        "proficiency-negative",
        "proficiency-text",
        "proficiency-empty",
        "proficiency-nan",
        "level-zero",
        "level-fraction",
        "level-text",
        "duplicate",
    ],
)
def test_bad_skills_row_is_reported_with_key_file_and_line(tmp_path, row, expected):
    """Each kind of bad skills row is the only problem, named by key, file and line 4."""
    path = write(tmp_path, GOOD_SKILLS + row + "\n", "skills.csv")
    known = {"groups": ["front", "back"], "contact_types": ["sales", "chat"]}
    (problem,) = problems_of(skills, path, **known)
    assert problem.startswith(f"{SKILLS}: skills.csv line 4: {expected}"), problem


def test_unknown_names_are_accepted_when_nothing_is_known(tmp_path):
    """Without known groups and types (their tables unreadable), names are not checked."""
    path = write(tmp_path, "group,contact_type,proficiency,level\nx,y,1,1\n", "skills.csv")
    assert skills(path)[0].group == "x"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("group,contact_type,level\nfront,sales,1\n", "lacks column(s) ['proficiency']"),
        ("group,contact_type,proficiency,level\n", "has no rows"),
    ],
    ids=["missing-column", "no-rows"],
)
def test_skills_file_shape_problems(tmp_path, text, expected):
    """A skills file without a required column or without rows is reported."""
    (problem,) = problems_of(skills, write(tmp_path, text, "skills.csv"))
    assert problem.startswith(f"{SKILLS}: skills.csv {expected}")


def test_every_skills_problem_is_reported_together(tmp_path):
    """Several bad rows, and several faults on one row, all come back in one error."""
    path = write(
        tmp_path,
        GOOD_SKILLS + "back,sales,0,1\n\nfront,sales,1,0\nfront,email,x,1.5\n",
        "skills.csv",
    )
    found = problems_of(skills, path, groups=["front"], contact_types=["sales", "chat"])
    assert [p.split(": ")[1] for p in found] == [
        "skills.csv line 4",
        "skills.csv line 4",
        "skills.csv line 6",
        "skills.csv line 6",
        "skills.csv line 7",
        "skills.csv line 7",
        "skills.csv line 7",
    ]
    assert "group 'back'" in found[0] and "proficiency '0'" in found[1]
    assert "level '0'" in found[2] and "already appear on line 2" in found[3]


# --- read_values_column ---------------------------------------------------------------------


def test_values_column_reads_non_negative_numbers(tmp_path):
    """A column of observations is returned as floats, in file order, other columns ignored."""
    path = write(tmp_path, "talk_seconds,agent\n120,a\n0,b\n305.5,c\n", "talk.csv")
    key = "scenario.handle_time.file"
    assert read_values_column(path, key, "talk_seconds") == (120.0, 0.0, 305.5)


def test_values_column_missing_column(tmp_path):
    """A missing column is named with the header's size (never its text)."""
    path = write(tmp_path, "talk\n1\n", "talk.csv")
    (problem,) = problems_of(read_values_column, path, "scenario.handle_time.file", "seconds")
    assert problem == (
        "scenario.handle_time.file: talk.csv lacks column 'seconds' (its header, line 1, has 1 "
        "column(s))"
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
