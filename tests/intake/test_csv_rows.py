"""CSV records as users' files hold them: a quoted cell with a line break does not shift the
row numbers of the rows below it, and cells right of the last header are an error."""

import duckdb

from analytics.intake import read_file, validate


def _report(intake_demo_db, text: str):
    with duckdb.connect(str(intake_demo_db), read_only=True) as con:
        return validate(con, read_file(text.encode("utf-8"), "rows.csv"), "en")


def test_a_quoted_line_break_keeps_the_row_numbers_of_the_rows_below(intake_demo_db):
    text = (
        'park_id;quarter;"Jobs at residents\n(persons)";residents_count\n'  # lines 1-2
        'XD-P001;2024Q1;"12\n3";5\n'  # lines 3-4
        "XD-P002;2024Q1;-5;6\n"  # line 5
    )
    report = _report(intake_demo_db, text)
    assert report.read.table.column("_row").to_pylist() == [3, 5]
    negative = [i for i in report.issues if i.key == "intake.error.negative"]
    assert [(i.row, i.value) for i in negative] == [(5, "-5")]


def test_cells_right_of_the_last_column_are_an_error_with_row_and_value(intake_demo_db):
    text = (
        "park_id,quarter,jobs_total,residents_count\n"
        "XD-P001,2024Q1,12,5\n"
        "XD-P002,2024Q1,12,5,5\n"  # a decimal comma split "5,5"
        "XD-P002,2024Q2,12,5,,\n"  # trailing empty cells are harmless
    )
    report = _report(intake_demo_db, text)
    extra = [i for i in report.issues if i.key == "intake.error.extra_cells"]
    assert [(i.row, i.value, i.severity) for i in extra] == [(3, "5", "error")]
    assert extra[0].params == {"cells": 5, "columns": 4}
    for lang in ("ru", "uk", "en"):
        assert "5" in extra[0].message(lang)
    assert not report.ok
