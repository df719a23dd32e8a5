"""Corrections never erase by omission: a blank cell, a missing column or a short row means
"not in this file" and the stored value stays; only the clearing marker empties a cell.

The scenario of issue 12: an editor takes the quarterly-report template, fills only park,
quarter, jobs and residents for two parks and commits. Every other stored value of both
rows (area, wage, investment, taxes, report date...) must stay as it was.
"""

import datetime as dt
import json
from pathlib import Path

import duckdb
import pandas as pd
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
    """Equal, or both empty (None, NaN, NaT, pd.NA): an empty cell stays empty."""
    if pd.isna(a) or pd.isna(b):
        return pd.isna(a) and pd.isna(b)
    return a == b


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


# ------------------------------------------------------------------ the clearing marker


def _key_cells(kind: str, row: dict) -> dict[str, str]:
    """A stored row's key as a user would type it in a file."""
    spec = kind_spec(kind)
    cells = {}
    for name in spec.keys:
        value = row[name]
        dtype = spec.column(name).dtype
        if dtype == "quarter" or (dtype == "period" and row.get("period_type") == "quarter"):
            value = pd_date(value)
            cells[name] = f"{value.year}Q{(value.month - 1) // 3 + 1}"
        elif dtype == "period":
            cells[name] = str(pd_date(value).year)
        else:
            cells[name] = str(value)
    return cells


def pd_date(value) -> dt.date:
    return value.date() if hasattr(value, "date") else value


def _stored_row(db: Path, kind: str, column: str) -> dict:
    """The first stored row of ``kind`` (by key) whose ``column`` holds a value."""
    keys = ", ".join(kind_spec(kind).keys)
    with duckdb.connect(str(db), read_only=True) as con:
        frame = con.execute(
            f"SELECT * EXCLUDE (source_id) FROM stg_{kind} WHERE {column} IS NOT NULL "
            f"ORDER BY {keys} LIMIT 1"
        ).df()
    return frame.iloc[0].to_dict()


def _stored_by_key(db: Path, kind: str, row: dict) -> dict:
    keys = kind_spec(kind).keys
    where = " AND ".join(f"{k} = ?" for k in keys)
    with duckdb.connect(str(db), read_only=True) as con:
        frame = con.execute(
            f"SELECT * EXCLUDE (source_id) FROM stg_{kind} WHERE {where}",
            [pd_date(row[k]) if hasattr(row[k], "date") else row[k] for k in keys],
        ).df()
    assert len(frame) == 1
    return frame.iloc[0].to_dict()


def _cli(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


CLEARABLE = [
    ("park", "electricity_mw", "park"),  # a number
    ("park", "operating_on", "park"),  # a date
    ("park", "exclusion_reason", "park"),  # text
    ("park_quarter", "avg_wage", "park"),
    ("park_quarter", "reported_on", "park"),
    ("park_target", "document", "park"),
    ("region", "latitude", "region"),
    ("municipality", "kind", "municipality"),  # an enum a municipality may leave empty
    ("region_quarter", "value", "region"),
    ("municipality_quarter", "value", "municipality"),
]
MARKERS = ["очистить", "ОЧИСТИТИ", "Clear"]  # every language's word, any case, any file


@pytest.mark.parametrize(("kind", "column", "target"), CLEARABLE)
def test_the_clearing_marker_clears_exactly_that_cell_after_acceptance(
    db, tmp_path, capsys, kind, column, target
):
    row = _stored_row(db, kind, column)
    marker = MARKERS[CLEARABLE.index((kind, column, target)) % len(MARKERS)]
    cells = {**_key_cells(kind, row), column: marker}
    if kind == "region":  # the demo warehouse names no country of its own to imply
        cells["country_code"] = row["country_code"]
    path = tmp_path / f"clear_{kind}.csv"
    path.write_text(";".join(cells) + "\n" + ";".join(cells.values()) + "\n", encoding="utf-8")
    cmd = ["--lang", "en", "import", str(path), "--db", str(db), "--user", "anna"]

    # The preview names the one cell, old → cleared, and the commit needs acceptance.
    before = table_checksums(db)
    code, out, _ = _cli([*cmd, "--dry-run", "--format", "json"], capsys)
    payload = json.loads(out)
    assert code == 1 and payload["status"] == "warnings"
    (cell,) = payload["changes"]["cells"]
    assert (cell["column"], cell["change"], cell["new"]) == (column, "cleared", None)
    assert cell["old"] is not None
    assert payload["changes"]["values"]["cleared"] == 1
    assert [i["key"] for i in payload["issues"]] == ["intake.warning.clearing"]
    code, _, err = _cli(cmd, capsys)
    assert code == 1 and "--accept-warnings" in err
    assert table_checksums(db) == before

    code, out, _ = _cli([*cmd, "--accept-warnings"], capsys)
    assert code == 0, out
    after = _stored_by_key(db, kind, row)
    for name, value in row.items():
        if name == column:
            assert pd.isna(after[name])
        else:
            assert _same(after[name], value), (name, value, after[name])

    code, out, _ = _cli(
        [
            "history",
            "--db",
            str(db),
            f"--{target}",
            str(row[kind_spec(kind).keys[0]]),
            "--format",
            "json",
        ],
        capsys,
    )
    (entry,) = [e for e in json.loads(out) if e["column_name"] == column]
    assert (entry["change"], entry["new"], entry["loaded_by"], entry["file_name"]) == (
        "cleared",
        None,
        "anna",
        path.name,
    )
    code, out, _ = _cli(
        [
            "--lang",
            "ru",
            "history",
            "--db",
            str(db),
            f"--{target}",
            str(row[kind_spec(kind).keys[0]]),
        ],
        capsys,
    )
    line = next(x for x in out.splitlines() if f"· {column}:" in x)
    assert line.endswith("→ очищено") and "anna" in line and path.name in line


@pytest.mark.parametrize(
    ("kind", "column", "key"),
    [
        ("park", "park_type", "intake.error.cannot_clear"),  # an enum every park needs
        ("park", "name_en", "intake.error.cannot_clear"),
        ("park_target", "target_value", "intake.error.cannot_clear"),
        ("park_quarter", "park_id", "intake.error.cannot_clear_key"),
        ("region_quarter", "indicator", "intake.error.cannot_clear_key"),
    ],
)
def test_a_marker_cannot_clear_a_key_or_a_value_every_record_needs(
    db, tmp_path, capsys, kind, column, key
):
    row = _stored_row(db, kind, column)
    cells = {**_key_cells(kind, row), column: "clear"}
    path = tmp_path / "bad_clear.csv"
    path.write_text(",".join(cells) + "\n" + ",".join(cells.values()) + "\n", encoding="utf-8")
    before = table_checksums(db)
    cmd = ["--lang", "uk", "import", str(path), "--db", str(db), "--user", "anna"]
    code, out, _ = _cli([*cmd, "--accept-warnings", "--format", "json"], capsys)
    payload = json.loads(out)
    assert code == 1 and payload["status"] == "errors"
    assert key in [i["key"] for i in payload["issues"] if i["severity"] == "error"]
    assert table_checksums(db) == before


# ------------------------------------------------------------------ the preview's warnings


@pytest.mark.parametrize("factor", [11, 1 / 11])
def test_a_change_of_more_than_tenfold_either_way_needs_acceptance(db, tmp_path, capsys, factor):
    before = stored_rows(db, parks=("XD-P001",))["XD-P001"]
    wage = round(before["avg_wage"] * factor)
    path = tmp_path / "wage.csv"
    path.write_text(f"park_id,quarter,avg_wage\nXD-P001,2025Q4,{wage}\n", encoding="utf-8")
    cmd = ["--lang", "en", "import", str(path), "--db", str(db), "--user", "anna"]
    code, out, _ = _cli([*cmd, "--format", "json"], capsys)
    payload = json.loads(out)
    assert code == 1 and payload["status"] == "warnings"
    (cell,) = payload["changes"]["cells"]
    assert (cell["change"], cell["tenfold"], cell["old"], cell["new"]) == (
        "changed",
        True,
        before["avg_wage"],
        float(wage),
    )
    assert "intake.warning.tenfold_change" in [i["key"] for i in payload["issues"]]
    code, out, _ = _cli([*cmd, "--accept-warnings"], capsys)
    assert code == 0
    assert stored_rows(db, parks=("XD-P001",))["XD-P001"]["avg_wage"] == wage


def test_the_text_preview_lists_each_changed_value_and_the_new_records(db, tmp_path, capsys):
    before = stored_rows(db, parks=("XD-P001",))["XD-P001"]
    path = tmp_path / "mixed.csv"
    path.write_text(
        "park_id;quarter;jobs_total;reported_on\n"
        f"XD-P001;2025Q4;{before['jobs_total'] + 3:.0f};\n"
        f"XD-P001;2026Q1;{before['jobs_total']:.0f};\n",
        encoding="utf-8",
    )
    code, out, _ = _cli(["--lang", "ru", "import", str(path), "--db", str(db), "--dry-run"], capsys)
    assert code == 0
    jobs = f"{before['jobs_total']:.0f} → {before['jobs_total'] + 3:.0f}"
    assert f"  строка 2 · XD-P001 · IV кв. 2025 · Рабочие места у резидентов: {jobs}" in out
    assert "Новые записи (1):\n  строка 3 · XD-P001 · I кв. 2026" in out
    # The new record's one value, the changed one; blank cells keep the rest.
    assert "Значений: новых 1, изменённых 1, очищенных 0, без изменений 0;" in out


# ------------------------------------------------------------------ files cut off


def _write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


CUT_OFF = {
    # The download stopped inside the last row: 3 of 5 cells, no line end after them.
    "short_last_row.csv": (
        "park_id,quarter,jobs_total,residents_count,avg_wage\n"
        "XD-P001,2025Q4,170,5,60000\nXD-P002,2025Q4,29",
        "intake.error.cut_off",
        3,
    ),
    # ... or inside a quoted cell, which csv.reader would silently run to the end of the file.
    "unclosed_quote.csv": (
        "park_id;quarter;jobs_total;reported_on\n"
        'XD-P001;2025Q4;170;"20.01.2026\nXD-P002;2025Q4;290;21.01.2026\n',
        "intake.error.cut_off_quote",
        2,  # where the quote opens: the row takes the rest of the file
    ),
}


@pytest.mark.parametrize("name", CUT_OFF)
def test_a_file_that_stops_mid_record_is_refused_with_the_row_named(db, tmp_path, capsys, name):
    text, key, row = CUT_OFF[name]
    path = _write(tmp_path / name, text)
    before = table_checksums(db)
    cmd = ["--lang", "ru", "import", str(path), "--db", str(db), "--user", "anna"]
    code, out, _ = _cli([*cmd, "--accept-warnings", "--format", "json"], capsys)
    payload = json.loads(out)
    assert code == 1 and payload["status"] == "errors"
    (issue,) = [i for i in payload["issues"] if i["key"] == key]
    assert issue["row"] == row
    code, out, _ = _cli([*cmd, "--accept-warnings"], capsys)
    assert code == 1 and f"{name}, строка {row}: " in out and "обрезан" in out
    assert table_checksums(db) == before


def test_a_big_file_with_an_unclosed_quote_is_refused_too(db, tmp_path, capsys):
    """Over the size where pyarrow parses the body (which would take the rest as one cell)."""
    from analytics.intake.readers import FAST_PATH_BYTES

    lines = ["park_id;quarter;jobs_total;reported_on"]
    row = "XD-P001;2025Q4;170;20.01.2026"
    lines += [row] * (FAST_PATH_BYTES // len(row) + 10)
    path = _write(tmp_path / "big.csv", "\n".join(lines) + '\nXD-P002;2025Q4;290;"21.01.2026\n')
    code, out, _ = _cli(
        ["import", str(path), "--db", str(db), "--dry-run", "--format", "json"], capsys
    )
    keys = {i["key"]: i["row"] for i in json.loads(out)["issues"]}
    assert code == 1 and keys["intake.error.cut_off_quote"] == len(lines) + 1


def test_a_short_last_row_that_ends_its_line_is_a_row_without_its_last_cells(db, tmp_path, capsys):
    before = stored_rows(db)
    path = _write(
        tmp_path / "complete.csv",
        "park_id,quarter,jobs_total,residents_count,avg_wage\n"
        f"XD-P001,2025Q4,{before['XD-P001']['jobs_total'] + 1:.0f}\n",
    )
    code, out, _ = _cli(
        ["import", str(path), "--db", str(db), "--user", "anna", "--format", "json"], capsys
    )
    assert code == 0, out
    values = {"XD-P001": {"jobs_total": before["XD-P001"]["jobs_total"] + 1}, "XD-P002": {}}
    assert_only_changed(before, stored_rows(db), values)


# ------------------------------------------------------------------ repeated keys


def test_a_key_repeated_with_other_values_is_refused_naming_both_rows(db, tmp_path, capsys):
    path = _write(
        tmp_path / "twice.csv",
        "park_id,quarter,jobs_total,residents_count\n"
        "XD-P001,2025Q4,170,5\nXD-P002,2025Q4,290,6\nXD-P001,IV кв. 2025,171,5\n",
    )
    before = table_checksums(db)
    code, out, _ = _cli(
        ["--lang", "en", "import", str(path), "--db", str(db), "--user", "a", "--format", "json"],
        capsys,
    )
    (issue,) = [i for i in json.loads(out)["issues"] if i["key"] == "intake.error.duplicate"]
    assert code == 1 and issue["row"] == 4
    assert "row 2" in issue["message"] and '"jobs_total"' in issue["message"]
    assert table_checksums(db) == before


def test_an_exactly_repeated_row_is_loaded_once_with_a_note(db, tmp_path, capsys):
    before = stored_rows(db)
    jobs = before["XD-P001"]["jobs_total"] + 2
    path = _write(
        tmp_path / "copy_paste.csv",
        f"park_id,quarter,jobs_total\nXD-P001,2025Q4,{jobs:.0f}\nXD-P001,2025Q4,{jobs:.1f}\n",
    )
    code, out, _ = _cli(
        ["--lang", "en", "import", str(path), "--db", str(db), "--user", "a", "--format", "json"],
        capsys,
    )
    payload = json.loads(out)
    assert code == 0 and payload["status"] == "committed"
    (note,) = payload["issues"]
    assert (note["severity"], note["key"], note["row"]) == ("info", "intake.note.repeated_row", 3)
    assert payload["summary"]["updated"] == 1 and payload["changes"]["values"]["changed"] == 1
    with duckdb.connect(str(db), read_only=True) as con:
        written = con.execute(
            "SELECT count(*) FROM raw_park_quarter WHERE source_id = ?",
            [payload["summary"]["source_id"]],
        ).fetchall()[0][0]
    assert written == 1


# ------------------------------------------------------------------ registry corrections


def test_a_registry_correction_needs_no_type_status_or_region(db, tmp_path, capsys):
    with duckdb.connect(str(db), read_only=True) as con:
        before = con.execute(
            "SELECT * EXCLUDE (source_id) FROM stg_park WHERE park_id = 'XD-P001'"
        ).df()
    path = _write(tmp_path / "area.csv", "park_id;total_area_ha\nXD-P001;321,5\n")
    code, out, _ = _cli(
        ["--lang", "ru", "import", str(path), "--db", str(db), "--user", "a"], capsys
    )
    assert code == 0, out
    with duckdb.connect(str(db), read_only=True) as con:
        after = con.execute(
            "SELECT * EXCLUDE (source_id) FROM stg_park WHERE park_id = 'XD-P001'"
        ).df()
    for name in before.columns:
        expected = 321.5 if name == "total_area_ha" else before.loc[0, name]
        assert _same(after.loc[0, name], expected), name


def test_a_new_record_still_needs_its_required_columns(db, tmp_path, capsys):
    path = _write(tmp_path / "new_park.csv", "park_id;name_ru;total_area_ha\nXD-P999;Новый;12\n")
    before = table_checksums(db)
    code, out, _ = _cli(
        ["--lang", "en", "import", str(path), "--db", str(db), "--user", "a", "--format", "json"],
        capsys,
    )
    errors = [i for i in json.loads(out)["issues"] if i["severity"] == "error"]
    assert code == 1
    assert {i["key"] for i in errors} == {"intake.error.missing_column_new_row"}
    required = [c for c in kind_spec("park").columns if c.required and c.name != "park_id"]
    assert {i["row"] for i in errors} == {2} and len(errors) == len(required) >= 2
    assert any('"Park type"' in i["message"] for i in errors)
    assert table_checksums(db) == before


# ------------------------------------------------------------------ all or nothing


def test_an_import_that_fails_while_writing_changes_no_table(db, tmp_path, capsys, monkeypatch):
    import analytics.intake.load as load

    def broken_build(*args, **kwargs):
        raise RuntimeError("the disk is full")

    path = _write(tmp_path / "ok.csv", "park_id,quarter,jobs_total\nXD-P001,2025Q4,1\n")
    before = table_checksums(db)
    monkeypatch.setattr(load, "build", broken_build)
    with pytest.raises(RuntimeError):
        main(["import", str(path), "--db", str(db), "--user", "a", "--accept-warnings"])
    capsys.readouterr()
    assert table_checksums(db) == before


# A plan made before another import: tests/intake/test_conflicts.py.


# ------------------------------------------------------------------ the template explains it


@pytest.mark.parametrize("lang", ["ru", "uk", "en"])
def test_the_guide_sheet_documents_blank_cells_and_every_clearing_word(tmp_path, lang):
    from analytics.i18n import t
    from analytics.intake.templates import write_template

    book = load_workbook(write_template(tmp_path / "t.xlsx", "park_quarter", lang))
    guide = " ".join(str(c.value) for row in book.worksheets[1].iter_rows() for c in row if c.value)
    assert t("intake.template.rule_blank", lang) in guide
    for word in ("очистить", "очистити", "clear"):
        assert word in guide


def test_a_period_wide_table_lists_its_changes_in_file_order_then_by_key(db, capsys):
    """A row of a statistics office's table holds a value per quarter: its changed cells are
    listed by file row, then by quarter, so two previews of one file list them alike (they
    came in the database's order within a row, and a file and a server disagreed)."""
    path = (
        Path(__file__).resolve().parents[1] / "fixtures/good/region_quarter_stat_office_marks.csv"
    )
    code = main(["--lang", "en", "import", str(path), "--db", str(db), "--dry-run",
                 "--format", "json"])  # fmt: skip
    assert code == 0
    cells = json.loads(capsys.readouterr().out)["changes"]["cells"]
    assert len({c["row"] for c in cells}) < len(cells)  # rows hold several records
    order = [(c["row"], c["column"], c["key"]["region_code"], c["key"]["quarter"]) for c in cells]
    assert order == sorted(order)
