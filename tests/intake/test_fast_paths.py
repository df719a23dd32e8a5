"""The shortcuts that make a million-row import fast give the same answers as the plain paths:
the CSV fast path (pyarrow over the file's bytes) reads what csv.reader reads, the number
fast path casts what the cleaning casts, and rebuilding only the touched marts leaves the
warehouse as a full build does."""

import random
import sys

import duckdb
import pyarrow as pa
import pytest

from analytics.intake import commit_import, plan_import, read_file, validate
from analytics.intake.validate import _arrow_number, _cast_sql, clean_number_sql, number_sql
from analytics.warehouse.build import build

from .test_revisions import GOOD

readers = sys.modules["analytics.intake.readers"]
# The fast path starts at 2 MB; the tests lower the threshold to keep their files small.
SMALL_FAST_PATH = 64 * 1024


@pytest.fixture
def small_fast_path(monkeypatch):
    monkeypatch.setattr(readers, "FAST_PATH_BYTES", SMALL_FAST_PATH)


def _big_csv(tmp_path, encoding: str, name: str):
    """The good CP1251 file with its body repeated past the fast-path size, re-encoded."""
    text = (GOOD / "park_quarter_cp1251_semicolon.csv").read_bytes().decode("cp1251")
    header, *body = text.splitlines()
    body[3] = " " + body[3].replace(";", "; ", 2) + " "  # cells with spaces to strip
    lines = [header]
    while sum(len(line) for line in lines) < 2.5 * SMALL_FAST_PATH:
        lines += body
    path = tmp_path / name
    path.write_bytes("\r\n".join(lines).encode(encoding) + b"\r\n")
    return path


@pytest.mark.parametrize(
    ("encoding", "expected"), [("cp1251", "cp1251"), ("utf-8-sig", "utf-8-sig"), ("utf-8", "utf-8")]
)
def test_the_csv_fast_path_reads_what_the_exact_path_reads(
    tmp_path, monkeypatch, small_fast_path, encoding, expected
):
    path = _big_csv(tmp_path, encoding, f"big_{encoding}.csv")
    used = []
    fast = readers._csv_fast
    monkeypatch.setattr(readers, "_csv_fast", lambda *a: used.append(fast(*a)) or used[-1])
    quick = read_file(path, limits=readers.Limits(max_bytes=50 * 1024 * 1024))
    assert isinstance(used[-1].records, pa.Table)  # the fast path was taken
    monkeypatch.setattr(readers, "FAST_PATH_BYTES", 1 << 40)
    exact = read_file(path, limits=readers.Limits(max_bytes=50 * 1024 * 1024))
    assert quick.detected == exact.detected and quick.detected.encoding == expected
    assert quick.checksum == exact.checksum
    assert quick.table.to_pydict() == exact.table.to_pydict()
    assert quick.table.column("park_id")[3].as_py() == "XD-P001"  # stripped


def test_a_blank_line_sends_a_big_file_to_the_exact_path(tmp_path, small_fast_path):
    path = _big_csv(tmp_path, "utf-8", "blank.csv")
    # A blank line after the header and after each of the first four data lines.
    data = path.read_bytes().replace(b"\r\n", b"\r\n\r\n", 5)
    path.write_bytes(data)
    read = read_file(path, limits=readers.Limits(max_bytes=50 * 1024 * 1024))
    rows = read.table.column("_row").to_pylist()
    assert rows[:5] == [3, 5, 7, 9, 11]  # blank lines are rows in Excel too


@pytest.mark.parametrize("decimal", [".", ","])
def test_the_number_fast_path_equals_the_cleaning(decimal):
    rng = random.Random(7)
    chars = "0123456789 ,.-−'e\u00a0_+\t\u202fxnaif"
    values = ["".join(rng.choice(chars) for _ in range(rng.randint(0, 9))) for _ in range(20_000)]
    values += ["1 234,5", "1.234,5", "1,234.5", "1,234", "−3,5", "nan", "inf", "1e5", " 12 "]
    con = duckdb.connect()
    con.register("v", pa.table({"s": pa.array(values)}))
    slow = number_sql(clean_number_sql("s"), decimal)
    differ = con.execute(
        f"SELECT s FROM (SELECT s, {slow} AS a, {_cast_sql('s', decimal)} AS b FROM v) "
        "WHERE a IS DISTINCT FROM b AND NOT (isnan(a) AND isnan(b))"
    ).fetchall()
    assert differ == []
    # Arrow's cast, tried first on whole columns, reads a subset of these, identically.
    exact = con.execute(f"SELECT CASE WHEN isfinite(x) THEN x END FROM (SELECT {slow} AS x FROM v)")
    for text, (expected,) in zip(values, exact.fetchall(), strict=True):
        arrow = _arrow_number(pa.chunked_array([pa.array([text])]), decimal)
        assert arrow is None or arrow[0].as_py() == expected, text


def _marts(con) -> dict[str, list]:
    tables = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
            "AND NOT starts_with(table_name, 'raw_')"
        ).fetchall()
        if r[0] != "build_stamp"  # when the build ran, not what it built
    ]
    return {n: con.execute(f"SELECT * FROM {n} ORDER BY ALL").fetchall() for n in tables}


def test_an_import_rebuilds_its_marts_as_a_full_build_would(db, tmp_path):
    corrected = tmp_path / "corrected.csv"
    text = (GOOD / "park_quarter_utf8_bom.csv").read_text(encoding="utf-8-sig").splitlines()
    cells = text[4].split(",")
    cells[6] = str(float(cells[6]) + 7)  # jobs at residents
    text[4] = ",".join(cells)
    corrected.write_text("\n".join(text) + "\n", encoding="utf-8")
    with duckdb.connect(str(db)) as con:
        report = validate(con, read_file(corrected), "en")
        summary = commit_import(con, plan_import(con, report), user="anna", accept_warnings=True)
        assert summary.updated == 1
        after_import = _marts(con)
        build(con)
        assert _marts(con) == after_import


def test_build_inside_the_callers_transaction_rolls_back_with_it(db):
    with duckdb.connect(str(db)) as con:
        before = con.execute("SELECT count(*) FROM park_quarter").fetchall()
        con.execute("BEGIN TRANSACTION")
        con.execute("DELETE FROM raw_park_quarter")
        build(con, transaction=False, tables=["park_quarter"])
        assert con.execute("SELECT count(*) FROM park_quarter").fetchall() == [(0,)]
        con.execute("ROLLBACK")
        assert con.execute("SELECT count(*) FROM park_quarter").fetchall() == before


def test_a_header_cell_with_a_line_break_keeps_row_numbers_on_both_paths(
    tmp_path, monkeypatch, small_fast_path
):
    path = _big_csv(tmp_path, "utf-8", "two_line_header.csv")
    header, rest = path.read_bytes().split(b"\r\n", 1)
    cells = header.split(b";")
    cells[2] = b'"' + cells[2] + b'\r\n(mln)"'  # an Excel header wrapped onto two lines
    path.write_bytes(b";".join(cells) + b"\r\n" + rest)
    used = []
    fast = readers._csv_fast
    monkeypatch.setattr(readers, "_csv_fast", lambda *a: used.append(fast(*a)) or used[-1])
    quick = read_file(path, limits=readers.Limits(max_bytes=50 * 1024 * 1024))
    assert isinstance(used[-1].records, pa.Table)  # the fast path was taken
    monkeypatch.setattr(readers, "FAST_PATH_BYTES", 1 << 40)
    exact = read_file(path, limits=readers.Limits(max_bytes=50 * 1024 * 1024))
    # Rows as Excel numbers them: the two-line header is row 1, the first record row 2.
    assert quick.table.column("_row").to_pylist()[:2] == [2, 3]
    assert quick.table.to_pydict() == exact.table.to_pydict()
