"""A line break typed inside a cell (Alt+Enter) reads as one space on every path (CSV exact
and fast, XLSX), and the big-file path numbers rows and lines as the exact path does."""

import sys

import duckdb
import pyarrow.compute as pc
import pytest
from openpyxl import Workbook

from analytics.intake import read_file, validate

readers = sys.modules["analytics.intake.readers"]
NAME = "Технопарк «Север»"
REGISTRY_HEADER = "park_id;name_ru;park_type\r\n"


@pytest.mark.parametrize(
    "typed",
    [
        "Технопарк\n«Север»",  # Excel: a bare LF inside the quoted cell
        "Технопарк\r\n«Север»",  # other programs: CRLF
        "Технопарк \n «Север»",  # spaces around the break
        "Технопарк\n\n«Север»\n",  # an empty line between, a break at the end
    ],
    ids=["LF", "CRLF", "spaces around", "empty line and trailing break"],
)
def test_a_registry_name_typed_on_two_lines_is_read_with_one_space(typed):
    text = REGISTRY_HEADER + f'XD-P900;"{typed}";technopark\r\nXD-P901;Парк;technopark\r\n'
    read = read_file(text.encode("cp1251"), "parks.csv", kind="park")
    assert read.table.column("name_ru").to_pylist() == [NAME, "Парк"]
    assert read.table.column("_row").to_pylist() == [2, 3]


def test_an_xlsx_cell_with_a_line_break_is_read_as_the_csv_one(tmp_path):
    book = Workbook()
    book.active.append(["park_id", "name_ru", "park_type"])
    book.active.append(["XD-P900", "Технопарк\n«Север»", "technopark"])
    book.save(tmp_path / "parks.xlsx")
    read = read_file(tmp_path / "parks.xlsx", kind="park")
    assert read.table.column("name_ru").to_pylist() == [NAME]
    assert read.line_shifts == ()


def _big_file(names: list[str]) -> tuple[bytes, list[int]]:
    """A park_quarter CSV (CP1251, ';', CRLF rows) of 2,000 records over 64 KB whose park
    cell cycles through ``names``, and the editor line each record starts on, counted while
    writing it: a record takes one line plus one per line break in its name."""
    text, starts, line = "Парк;Квартал;Рабочие места у резидентов\r\n", [], 2
    for i in range(2000):
        name = names[i % len(names)]
        starts.append(line)
        text += f'"{name}";{2014 + i // 4}Q{i % 4 + 1};{600 + i % 7}\r\n'
        line += 1 + name.count("\n")  # "\r\n" holds one "\n", as a bare "\n" does
    return text.encode("cp1251"), starts


def test_the_fast_path_reads_line_breaks_as_the_exact_path(intake_demo_db, monkeypatch):
    with duckdb.connect(str(intake_demo_db), read_only=True) as con:
        parks = con.execute(
            "SELECT park_id, name_ru FROM park WHERE park_id IN ('XD-P001', 'XD-P002') "
            "ORDER BY park_id"
        ).fetchall()
    one_line = [name for _, name in parks]
    typed = [one_line[0].replace(" «", "\n«"), one_line[1].replace(" «", "\r\n«"), one_line[0]]
    data, starts = _big_file(typed)
    monkeypatch.setattr(readers, "FAST_PATH_BYTES", 64 * 1024)
    # Blocks of 4 KB: many quoted line breaks straddle two blocks.
    monkeypatch.setattr(readers, "FAST_PATH_BLOCK_BYTES", 4096)
    used = []
    fast = readers._csv_fast
    monkeypatch.setattr(readers, "_csv_fast", lambda *a: used.append(fast(*a)) or used[-1])
    quick = read_file(data, "big.csv")
    assert used[-1] is not None  # the fast path was taken
    monkeypatch.setattr(readers, "FAST_PATH_BYTES", 1 << 40)
    exact = read_file(data, "big.csv")
    assert quick.table.to_pydict() == exact.table.to_pydict()
    assert quick.line_shifts == exact.line_shifts
    rows = quick.table.column("_row").to_pylist()
    assert rows == list(range(2, 2002))  # Excel rows: one per record
    assert [quick.line_of(r) for r in rows] == starts
    assert quick.table.column("park_id").to_pylist()[:3] == [one_line[0], one_line[1], one_line[0]]
    with duckdb.connect(str(intake_demo_db), read_only=True) as con:
        report = validate(con, quick, "ru")
    codes = report.typed.column("park_id")
    assert pc.unique(codes).to_pylist() == ["XD-P001", "XD-P002"]
    assert not [i for i in report.issues if i.key == "intake.error.unknown_park"]
