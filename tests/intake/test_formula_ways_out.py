"""Formula-like text is neutralised on every way data leave the product: CSV and XLSX
exports, templates filled with data, the XLSX report, and the app's tables (whose own CSV
download and copy do not neutralise) including the file names of the imports table.

The hostile text is put into the warehouse directly (an older warehouse, or a loader other
than intake, may hold it; intake itself refuses it) or comes in as an upload's file name,
which no validation touches.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from analytics.i18n import t
from analytics.intake import commit_import, plan_import, read_file, validate
from analytics.spreadsheet import looks_like_formula, neutralise, write_csv, write_xlsx
from analytics.warehouse.build import build
from tests.app.conftest import new_app
from tests.fixtures.make_fixtures import GOOD_PARKS

ROOT = Path(__file__).resolve().parents[2]
FORMULA = "-2+3+cmd|' /C calc'!A0"
HOSTILE = (FORMULA, '=HYPERLINK("http://evil.example")', "+1+cmd|' /C calc'!A0", "@SUM(1)")


@pytest.mark.parametrize("text", [*HOSTILE, "\t=1+2", "\r=1+2", " =1+2", "- 2+cmd|x!A0"])
def test_formula_like_text_is_neutralised(text):
    assert looks_like_formula(text)
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["-15", "+3,2 %", "-1 234,5", "−5", "-", "Технопарк «Север»", ""])
def test_numbers_written_as_text_and_plain_text_are_left_alone(text):
    """The app shows numbers as locale text ("-1 234,5"): a spreadsheet reads them as the
    number, runs nothing, and a leading apostrophe would only spoil the table."""
    assert neutralise(text) == text


def _hostile_frame() -> pd.DataFrame:
    return pd.DataFrame({"name": [*HOSTILE, "-15"], "value": [1.5, -2.0, 3.0, 4.0, -15.0]})


def test_the_csv_export_neutralises_text(tmp_path):
    path = write_csv(_hostile_frame(), tmp_path / "out.csv")
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";"))
    names = [r[0] for r in rows[1:]]
    assert names == [*("'" + h for h in HOSTILE), "-15"]
    assert rows[2][1] == "-2,0"  # numbers are written as numbers


def test_the_xlsx_export_writes_text_cells_not_formulas(tmp_path):
    path = write_xlsx({"Данные": _hostile_frame()}, tmp_path / "out.xlsx")
    sheet = openpyxl.load_workbook(path)["Данные"]
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert [c.value for c in cells if c.column == 1] == [*("'" + h for h in HOSTILE), "-15"]


@pytest.fixture
def hostile_db(db):
    """The demo copy with a park named like a formula in every language."""
    con = duckdb.connect(str(db))
    con.execute(
        "UPDATE raw_park SET name_ru = ?, name_uk = ?, name_en = ? WHERE park_id = ?",
        [FORMULA, FORMULA, FORMULA, GOOD_PARKS[0]],
    )
    build(con)
    con.close()
    return db


def _cli(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "analytics", *args], cwd=ROOT, check=True, capture_output=True
    )


def _xlsx_cells(path: Path) -> list:
    book = openpyxl.load_workbook(path)
    return [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]


def _hostile_cells(cells: list) -> list:
    return [c for c in cells if isinstance(c.value, str) and "cmd|" in c.value]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_template_filled_with_data_neutralises_names(hostile_db, tmp_path, suffix):
    out = tmp_path / f"registry{suffix}"
    _cli(
        "template",
        "--kind",
        "park",
        "--lang",
        "ru",
        "--fill",
        "-o",
        str(out),
        "--db",
        str(hostile_db),
    )
    if suffix == ".csv":
        text = out.read_text(encoding="utf-8-sig")
        assert f"'{FORMULA}" in text
        assert not [line for line in text.splitlines() if line.startswith(FORMULA)]
    else:
        cells = _hostile_cells(_xlsx_cells(out))
        assert cells and all(c.value == "'" + FORMULA and c.data_type == "s" for c in cells)


def test_the_xlsx_report_neutralises_names(hostile_db, tmp_path):
    out = tmp_path / "review.xlsx"
    _cli(
        "report",
        "--quarter",
        "2025Q4",
        "--format",
        "xlsx",
        "--lang",
        "ru",
        "-o",
        str(out),
        "--db",
        str(hostile_db),
    )
    cells = _xlsx_cells(out)
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert "'" + FORMULA in texts  # the park's name in the tables
    assert not [v for v in texts if looks_like_formula(v)]


# ---------------------------------------------------------------- the app's tables


@pytest.fixture
def app_db(demo_db, tmp_path, monkeypatch):
    """A private copy of the demo warehouse the app opens (as tests/app's fixture)."""
    path = tmp_path / "app.duckdb"
    shutil.copyfile(demo_db, path)
    monkeypatch.setenv("PARKS_DB", str(path))
    return path


def _import_under_name(db: Path, file_name: str) -> None:
    """A correct one-row correction uploaded under a hostile file name."""
    text = f"park_id;quarter;jobs_total\n{GOOD_PARKS[0]};2022Q1;901\n"
    con = duckdb.connect(str(db))
    try:
        report = validate(con, read_file(text.encode(), file_name), "en")
        commit_import(con, plan_import(con, report), user="olga", accept_warnings=True)
    finally:
        con.close()


def _shown_cells(at) -> list[str]:
    return [
        v for frame in (d.value for d in at.dataframe) for v in frame.astype(str).to_numpy().ravel()
    ]


def test_the_imports_table_neutralises_uploaded_file_names(app_db):
    name = f"{FORMULA}.csv"
    _import_under_name(app_db, name)
    at = new_app("en").run()
    at = at.switch_page("app_pages/data.py").run()
    assert not at.exception, [e.value for e in at.exception]
    imports = next(d.value for d in at.dataframe if t("data.inserted", "en") in d.value.columns)
    assert "'" + name in list(imports[t("data.col_file", "en")])
    shown = _shown_cells(at)
    assert "'" + name in shown  # the sources table names the batch by its file too
    assert not [v for v in shown if looks_like_formula(v)]


def test_the_parks_table_neutralises_park_names(app_db):
    con = duckdb.connect(str(app_db))
    con.execute("UPDATE raw_park SET name_en = ? WHERE park_id = ?", [FORMULA, GOOD_PARKS[0]])
    build(con)
    con.close()
    at = new_app("en").run()
    at = at.switch_page("app_pages/parks.py").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = _shown_cells(at)
    assert "'" + FORMULA in shown
    assert not [v for v in shown if looks_like_formula(v)]
