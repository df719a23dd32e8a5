"""CSV records as users' files hold them: rows are numbered as Excel numbers them (a quoted
cell with a line break is one row), with the text editor's line where the two differ; cells
right of the last header are an error; a row that ends before a required column says so
once, with the columns, and refuses the file."""

from pathlib import Path

import duckdb

from analytics.i18n import t
from analytics.intake import read_file, validate
from tests.intake.conftest import table_checksums
from tests.intake.test_bad_corpus import attempt

FIXTURES = Path(__file__).parents[1] / "fixtures"


def _report(intake_demo_db, text: str):
    with duckdb.connect(str(intake_demo_db), read_only=True) as con:
        return validate(con, read_file(text.encode("utf-8"), "rows.csv"), "en")


def _fixture_report(intake_demo_db, path: Path):
    with duckdb.connect(str(intake_demo_db), read_only=True) as con:
        return validate(con, read_file(path, kind="park_quarter"), "ru")


def test_a_quoted_line_break_is_one_row_and_the_message_gives_the_editor_line(intake_demo_db):
    text = (
        'park_id;quarter;"Jobs at residents\n(persons)";residents_count\n'  # row 1: lines 1-2
        'XD-P001;2024Q1;12;"5\n"\n'  # row 2: lines 3-4 (a break typed after the value)
        "XD-P002;2024Q1;-5;6\n"  # row 3: line 5
    )
    report = _report(intake_demo_db, text)
    assert report.read.table.column("_row").to_pylist() == [2, 3]
    assert report.read.table.column("residents_count").to_pylist() == ["5", "6"]
    negative = [i for i in report.issues if i.key == "intake.error.negative"]
    assert [(i.row, i.line, i.value) for i in negative] == [(3, 5, "-5")]
    assert negative[0].to_dict("en")["line"] == 5
    for lang in ("ru", "uk", "en"):
        assert negative[0].message(lang).endswith(t("intake.where.line", lang, row=3, line=5))


def test_without_line_breaks_the_row_is_the_line_and_no_line_is_given(intake_demo_db):
    text = "park_id;quarter;jobs_total\nXD-P001;2024Q1;12\nXD-P002;2024Q1;-5\n"
    issue = next(i for i in _report(intake_demo_db, text).issues if i.key.endswith("negative"))
    assert (issue.row, issue.line) == (3, None)
    assert "Excel" not in issue.message("en")


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


def test_a_row_ending_before_a_required_column_is_one_error_naming_the_columns(intake_demo_db):
    text = (
        "park_id;quarter;jobs_total;residents_count\n"
        "XD-P001;2024Q1;12;5\n"
        "XD-P002;2024Q1;12\n"  # row 3: only the optional last cell is missing: fine
        "XD-P003\n"  # row 4: ends before the required quarter
        "XD-P003;;7\n"  # row 5: quarter present but empty: the usual message
    )
    report = _report(intake_demo_db, text)
    found = [(i.row, i.key) for i in report.errors]
    assert found == [(4, "intake.error.short_row"), (5, "intake.error.required")]
    short = report.errors[0]
    assert short.params == {"cells": 1, "columns": 4, "missing": ("quarter",)}
    assert short.message("en").startswith(
        'The row ends after cell 1 of 4, so the required columns ("quarter") get no cells.'
    )
    assert "после 1-й ячейки из 4" in short.message("ru") and "(«quarter»)" in short.message("ru")
    assert "після 1-ї клітинки з 4" in short.message("uk")
    # Row 3 draws only the warehouse's tenfold-jump warning (12 jobs after 616), nothing
    # about its missing cell.
    assert {i.key for i in report.issues if i.row == 3} == {"intake.warning.jump"}


def test_a_park_name_split_by_an_unquoted_line_break_is_refused_at_its_row(
    intake_demo_db, refused_db
):
    path = FIXTURES / "bad" / "row_split_by_unquoted_line_break.csv"
    lines = path.read_bytes().decode("cp1251").split("\r\n")
    # Excel (and csv) end a record at the bare line break inside the first name: row 2 is
    # "Индустриальный парк" alone, row 3 starts with "«Тулмленд»".
    first, second = lines[1].split("\n")
    assert ";" not in first and second.startswith("«Тулмленд»;")
    report = _fixture_report(intake_demo_db, path)
    short = next(i for i in report.errors if i.key == "intake.error.short_row")
    assert (short.row, short.line) == (2, None)
    assert short.params == {"cells": 1, "columns": lines[0].count(";") + 1, "missing": ("Квартал",)}
    assert "(«Квартал»)" in short.message("ru") and '("Квартал")' in short.message("en")
    assert not [i for i in report.errors if i.row == 2 and i.key == "intake.error.required"]
    # Both halves name no park of the registry.
    unknown = [(i.row, i.value) for i in report.errors if i.key == "intake.error.unknown_park"]
    assert unknown == [(2, "Индустриальный парк"), (3, "«Тулмленд»")]
    before = table_checksums(refused_db)
    keys, refused = attempt(refused_db, path, path.name, "park_quarter")
    assert "intake.error.short_row" in keys and refused
    assert table_checksums(refused_db) == before


def test_negative_jobs_below_names_on_two_lines_point_at_the_excel_row(intake_demo_db, refused_db):
    path = FIXTURES / "bad" / "negative_jobs_below_names_on_two_lines.csv"
    text = path.read_bytes().decode("cp1251")
    # The header is line 1; each record's quoted name takes two lines, so Excel's row r
    # (r >= 2) starts on line 2 + 2 * (r - 2) = 2r - 2: row 4 on line 6. Check the file:
    # the editor's line 6 opens the third record, the one holding "-15,0".
    physical = text.replace("\r\n", "\n").split("\n")
    assert physical[5].startswith('"Индустриальный парк') and "-15,0" in physical[6]
    report = _fixture_report(intake_demo_db, path)
    assert [(i.key, i.row, i.line, i.value) for i in report.errors] == [
        ("intake.error.negative", 4, 6, "-15,0")
    ]
    for lang in ("ru", "uk", "en"):
        assert report.messages(lang)[0].endswith(t("intake.where.line", lang, row=4, line=6))
    before = table_checksums(refused_db)
    keys, refused = attempt(refused_db, path, path.name, "park_quarter")
    assert keys == {"intake.error.negative", "intake.has_errors"} and refused
    assert table_checksums(refused_db) == before


def test_a_1c_export_with_dropped_trailing_cells_reads_them_as_empty(intake_demo_db):
    path = FIXTURES / "good" / "park_quarter_1c_short_rows.csv"
    lines = path.read_bytes().decode("cp1251").split("\r\n")[1:-1]
    width = lines[0].count(";") + 1
    ended_early = [row for row, line in enumerate(lines, start=2) if line.count(";") + 1 < width]
    assert len(ended_early) == 7  # the demo rows without a wage
    report = _fixture_report(intake_demo_db, path)
    assert report.issues == ()
    read = report.read
    assert [s.row for s in read.short_rows] == ended_early
    assert {s.beyond for s in read.short_rows} == {("avg_wage",)}
    rows = read.table.select(["_row", "avg_wage"]).to_pylist()
    assert [r["_row"] for r in rows if r["avg_wage"] is None] == ended_early
