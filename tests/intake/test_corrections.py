"""Corrections never erase by omission: a blank cell, a missing column or a short row means
"not in this file" and the stored value stays; only the clearing marker empties a cell.

The scenario of issue 12: an editor takes the quarterly-report template, fills only park,
quarter, jobs and residents for two parks and commits. Every other stored value of both
rows (area, wage, investment, taxes, report date...) must stay as it was.
"""

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from analytics.cli import main
from analytics.intake.columns import kind_spec
from tests.intake.conftest import table_checksums

PARKS = ("XD-P001", "XD-P002")
QUARTER = dt.date(2025, 10, 1)
CHANGED = {"jobs_total", "residents_count"}


def stored_rows(db: Path, parks=PARKS, quarter=QUARTER) -> dict[str, dict]:
    """The latest stored report of each park for the quarter, every column but source_id."""
    with duckdb.connect(str(db), read_only=True) as con:
        frame = con.execute(
            "SELECT * EXCLUDE (source_id) FROM stg_park_quarter "
            "WHERE park_id IN ? AND quarter = ? ORDER BY park_id",
            [list(parks), quarter],
        ).df()
    return {row["park_id"]: row.to_dict() for _, row in frame.iterrows()}


def _same(a, b) -> bool:
    return (a != a and b != b) or a == b  # NaN equals NaN here: an empty cell stays empty


def assert_only_changed(before: dict, after: dict, new_values: dict[str, dict]) -> None:
    for park, old in before.items():
        for column, value in old.items():
            expected = new_values[park].get(column, value)
            assert _same(after[park][column], expected), (park, column, value, after[park][column])


def new_values(before: dict) -> dict[str, dict]:
    return {
        park: {"jobs_total": row["jobs_total"] + 7, "residents_count": row["residents_count"] + 1}
        for park, row in before.items()
    }


def filled_template(db: Path, path: Path, values: dict[str, dict], lang: str = "ru") -> Path:
    """The CLI's park_quarter template with only park, quarter, jobs and residents filled."""
    assert main(["--lang", lang, "template", "--kind", "park_quarter", "-o", str(path)]) == 0
    book = load_workbook(path)
    sheet = book.worksheets[0]
    names = [c.name for c in kind_spec("park_quarter").columns]
    for r, (park, row) in enumerate(values.items(), start=2):
        sheet.cell(r, names.index("park_id") + 1, park)
        sheet.cell(r, names.index("quarter") + 1, "IV кв. 2025")
        for column, value in row.items():
            sheet.cell(r, names.index(column) + 1, value)
    book.save(path)
    return path


def test_template_with_two_columns_filled_leaves_every_other_stored_value(db, tmp_path, capsys):
    before = stored_rows(db)
    values = new_values(before)
    path = filled_template(db, tmp_path / "report.xlsx", values)
    assert main(["--lang", "ru", "import", str(path), "--db", str(db), "--user", "anna"]) == 0
    capsys.readouterr()
    assert_only_changed(before, stored_rows(db), values)


def _csv_rows(values: dict[str, dict], header: list[str], short: bool) -> str:
    lines = [",".join(header)]
    for park, row in values.items():
        cells = {"park_id": park, "quarter": "2025Q4", **{k: str(v) for k, v in row.items()}}
        line = [cells.get(h, "") for h in header]
        if short:  # the row ends after its last filled cell, as 1C writes it
            while line and line[-1] == "":
                line.pop()
        lines.append(",".join(line))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("shape", ["blank cells", "short rows"])
def test_csv_with_blank_cells_or_short_rows_keeps_stored_values(db, tmp_path, capsys, shape):
    before = stored_rows(db)
    values = new_values(before)
    # Jobs and residents first, the rest of the template's columns after them, empty.
    names = [c.name for c in kind_spec("park_quarter").columns]
    header = ["park_id", "quarter", "jobs_total", "residents_count"]
    header += [n for n in names if n not in header]
    path = tmp_path / "correction.csv"
    path.write_text(_csv_rows(values, header, short=shape == "short rows"), encoding="utf-8")
    assert main(["--lang", "en", "import", str(path), "--db", str(db), "--user", "anna"]) == 0
    capsys.readouterr()
    assert_only_changed(before, stored_rows(db), values)


def test_refused_import_changes_no_table(db, tmp_path, capsys):
    before = table_checksums(db)
    path = tmp_path / "bad.csv"
    path.write_text("park_id,quarter,jobs_total\nXD-P001,2025Q4,-5\n", encoding="utf-8")
    assert main(["--lang", "ru", "import", str(path), "--db", str(db), "--user", "anna"]) == 1
    capsys.readouterr()
    assert table_checksums(db) == before
