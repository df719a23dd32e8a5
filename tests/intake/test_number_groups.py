"""Thousands separators must group digits by three: "1 234 567,5" is a number, "12 3" (a line
break typed inside a number, read as a space) or "1 2" is not, and is reported rather than
read as the digits glued together (123, 12)."""

import duckdb
import pytest

from analytics.intake import read_file, validate


def _report(intake_demo_db, jobs: str, residents: str = "5"):
    # CP1251 with semicolons and decimal commas, as 1C and Russian Excel save it
    text = f'park_id;quarter;jobs_total;residents_count\nXD-P001;2024Q1;"{jobs}";"{residents}"\n'
    with duckdb.connect(str(intake_demo_db), read_only=True) as con:
        return validate(con, read_file(text.encode("cp1251"), "rows.csv"), "ru")


@pytest.mark.parametrize(
    "typed, number",
    [("1 234", 1234), ("12 345", 12345), ("1 234 567", 1234567), ("1\xa0234", 1234), ("42", 42)],
)
def test_digits_grouped_by_three_are_one_number(intake_demo_db, typed, number):
    report = _report(intake_demo_db, typed)
    assert not report.errors, report.errors  # (a tenfold jump may be warned about)
    assert report.typed.column("jobs_total").to_pylist() == [number]


@pytest.mark.parametrize("typed", ["12 3", "1 2", "12 34", "1234 567", "12\n3"])
def test_other_spacing_inside_a_number_is_an_error_with_the_value(intake_demo_db, typed):
    report = _report(intake_demo_db, typed)
    (issue,) = report.errors
    assert issue.key == "intake.error.not_a_number"
    assert issue.row == 2 and issue.severity == "error"
    assert issue.value == typed.replace("\n", " ")  # what the reader made of the cell
    assert not report.ok
