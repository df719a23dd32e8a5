"""Hostile, broken and awkward files through the command line, as a user runs it:
``python -m analytics --lang ru import FILE`` on a copy of the demo warehouse.

Every file of the bad corpus (tests/fixtures/bad, its README names the expected message)
ends with a non-zero exit, within seconds, with its own Russian message, no traceback and
no English text from a library, and leaves every table as it was. The awkward but valid
files (old code pages, Excel's "Unicode text", a named second sheet, statistics tables with
titles, footnote marks and notes) load exactly the values the generator wrote.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analytics.errors import UserError
from analytics.i18n import catalog
from analytics.intake import Limits, read_file
from tests.fixtures.make_fixtures import GOOD_PARKS, awkward_valid_files
from tests.intake.conftest import table_checksums
from tests.intake.test_bad_corpus import corpus

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "fixtures" / "bad"
# Generous: catches a hang, does not time the import (benchmarks under bench/ do that).
SECONDS_PER_FILE = 20
# Three or more English words in a row: what a library's exception text looks like.
ENGLISH_RUN = re.compile(r"(?<![\w-])[A-Za-z]{2,}(?:[ ,:]+[A-Za-z]{2,}){2,}(?![\w-])")
PLACEHOLDER = re.compile(r"\{\w+\}")
QUOTED = re.compile(r"«[^»]*»")


def run_cli(args: list[str], db: Path, env: dict[str, str] | None = None):
    """(exit code, stdout + stderr, seconds) of ``python -m analytics --lang ru import``."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "analytics", "--lang", "ru", "import", *args, "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=SECONDS_PER_FILE * 3,
        cwd=ROOT,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1", **(env or {})},
    )
    return done.returncode, done.stdout + done.stderr, time.perf_counter() - started


def russian_fragment(key: str) -> str:
    """The longest fixed part of the message's Russian text (between its placeholders)."""
    parts = [p.strip(' .,:;()«»"') for p in PLACEHOLDER.split(catalog()[key]["ru"])]
    return max(parts, key=len)


@pytest.mark.parametrize(("name", "kind", "key"), corpus(), ids=[c[0] for c in corpus()])
def test_the_cli_refuses_each_bad_file_in_russian_and_changes_nothing(refused_db, name, kind, key):
    before = table_checksums(refused_db)
    # too_large.csv is small: the upload limit is lowered to 1 KB for it.
    env = {"PARKS_MAX_UPLOAD_MB": str(1 / 1024)} if name == "too_large.csv" else None
    args = [str(BAD / name), *(["--kind", kind] if kind else [])]
    code, output, seconds = run_cli(args, refused_db, env)
    assert code != 0, output
    assert "Traceback" not in output and "Error:" not in output, output
    assert russian_fragment(key) in output, output
    # The file's own text (headers, values) is quoted in «»; our words are Russian.
    english = ENGLISH_RUN.findall(QUOTED.sub("", output.replace(name, "")))
    assert not english, (english, output)
    assert seconds < SECONDS_PER_FILE
    assert table_checksums(refused_db) == before


# ---------------------------------------------------------------- awkward but valid files


@pytest.fixture(scope="module")
def valid_files(intake_demo_db):
    with duckdb.connect(str(intake_demo_db), read_only=True) as con:
        return {spec.name: spec for spec in awkward_valid_files(con)}


VALID = {
    "park_quarter_cp866.csv": {"encoding": "cp866", "delimiter": ";", "decimal": ","},
    "park_quarter_koi8r.csv": {"encoding": "koi8-r", "delimiter": ";"},
    "park_quarter_koi8u_uk.csv": {"encoding": "koi8-u", "header_language": "uk"},
    "park_quarter_unicode_text.txt": {"encoding": "utf-16-le", "delimiter": "\t"},
    "park_quarter_utf16be.csv": {"encoding": "utf-16-be", "delimiter": ";"},
    "park_quarter_second_sheet.xlsx": {"format": "xlsx", "sheet": "Данные"},
    "region_quarter_title_footnotes.xlsx": {"layout": "long", "header_row": 4},
    "region_quarter_stat_office_marks.csv": {"layout": "period_wide", "indicator": "population"},
}


def _stored(con, spec) -> pd.DataFrame:
    columns = list(spec.expected.columns)
    if spec.table == "park_quarter":
        where, params = (
            "park_id IN ? AND quarter BETWEEN ? AND ?",
            [
                list(GOOD_PARKS),
                spec.expected.quarter.min(),
                spec.expected.quarter.max(),
            ],
        )
    else:
        where, params = (
            "indicator = 'population' AND quarter BETWEEN ? AND ?",
            [
                spec.expected.quarter.min(),
                spec.expected.quarter.max(),
            ],
        )
    return con.execute(
        f"SELECT {', '.join(columns)} FROM {spec.table} WHERE {where} ORDER BY ALL", params
    ).df()


def _same(stored: pd.DataFrame, expected: pd.DataFrame) -> None:
    expected = expected.sort_values(list(expected.columns)).reset_index(drop=True)
    for column in expected.columns:
        if pd.api.types.is_numeric_dtype(expected[column]):
            stored[column] = stored[column].astype(float)
            expected[column] = expected[column].astype(float)
        elif "quarter" in column or column.endswith("_on"):
            stored[column] = pd.to_datetime(stored[column]).dt.date
            expected[column] = pd.to_datetime(expected[column]).dt.date
    pd.testing.assert_frame_equal(stored, expected, check_dtype=False, rtol=0, atol=1e-9)


def test_the_awkward_valid_files_are_the_committed_corpus(valid_files):
    assert set(valid_files) == set(VALID)
    good = ROOT / "tests" / "fixtures" / "good"
    for name, spec in valid_files.items():
        if not name.endswith(".xlsx"):  # workbooks carry their time of writing
            assert (good / name).read_bytes() == spec.data, name


@pytest.mark.parametrize("name", list(VALID))
def test_an_awkward_valid_file_loads_exactly(db, tmp_path, valid_files, name):
    spec = valid_files[name]
    path = tmp_path / name
    path.write_bytes(spec.data)
    with duckdb.connect(str(db), read_only=True) as con:
        assert not _stored(con, spec).equals(spec.expected)  # the file changes stored values
    args = [str(path), "--format", "json", *(["--sheet", spec.sheet] if spec.sheet else [])]
    code, output, seconds = run_cli(args, db)
    payload = json.loads(output[output.index("{") :])
    assert code == 0 and payload["status"] == "committed", output
    assert payload["issues"] == []
    detected = payload["summary"]["detected"]
    assert {k: detected[k] for k in VALID[name]} == VALID[name]
    assert payload["summary"]["rows_read"] == len(spec.expected)
    with duckdb.connect(str(db), read_only=True) as con:
        _same(_stored(con, spec), spec.expected.copy())
    assert seconds < SECONDS_PER_FILE


def test_footnotes_below_a_table_are_not_data(valid_files):
    spec = valid_files["region_quarter_title_footnotes.xlsx"]
    read = read_file(spec.data, spec.name)
    assert read.rows == len(spec.expected)  # notes and blank rows below are not rows
    assert read.detected.header_row == 4  # below the two title rows and a blank one


# ---------------------------------------------------------------- workbooks that expand


def _sheet_xml(cells: int, columns: int = 20) -> bytes:
    """A worksheet of ``cells`` distinct numbers (random, so it compresses like real data)."""
    rng = random.Random(7)
    rows = []
    for r in range(cells // columns):
        values = "".join(f"<c><v>{rng.random():.6f}</v></c>" for _ in range(columns))
        rows.append(f'<row r="{r + 1}">{values}</row>')
    return (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{''.join(rows)}</sheetData></worksheet>"
    ).encode()


def _workbook(sheet: bytes, shared: bytes | None = None) -> bytes:
    """A minimal .xlsx around one worksheet part (and a shared-strings part)."""
    ns = "http://schemas.openxmlformats.org"
    rel = f"{ns}/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            f'<Types xmlns="{ns}/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{ns}/spreadsheetml/2006/main" xmlns:r="{rel}">'
            '<sheets><sheet name="Данные" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": sheet,
    }
    if shared is not None:
        parts["xl/sharedStrings.xml"] = shared
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def _refused_quickly(tmp_path: Path, name: str, data: bytes, key: str) -> None:
    """Refused under the default limits, within seconds, with a bounded peak memory (the
    reader runs in its own process; its peak is read from VmHWM, which a new program starts
    afresh, not from ru_maxrss, which Linux carries over from the parent across exec: under
    pytest-xdist that was the worker's own peak, 2.6 GB on CI)."""
    limits = Limits()
    assert len(data) < limits.max_bytes  # under the byte limits
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        unzipped = sum(i.file_size for i in infos)
        ratio = unzipped / sum(i.compress_size for i in infos)
    assert unzipped < limits.max_unzipped_bytes and ratio < limits.max_zip_ratio  # no bomb
    path = tmp_path / name
    path.write_bytes(data)
    script = (
        "import sys\n"
        "from analytics.errors import UserError\n"
        "from analytics.intake import read_file\n"
        "try:\n"
        "    read_file(sys.argv[1])\n"
        "    print('read')\n"
        "except UserError as exc:\n"
        "    print(exc.key)\n"
        "status = open('/proc/self/status').read()\n"
        "print(int(status.split('VmHWM:')[1].split()[0]) // 1024)\n"
    )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        capture_output=True,
        text=True,
        timeout=SECONDS_PER_FILE * 3,
        cwd=ROOT,
    )
    seconds = time.perf_counter() - started
    answer, peak_mb = done.stdout.split()
    assert answer == key, done.stdout + done.stderr
    assert seconds < SECONDS_PER_FILE
    assert int(peak_mb) < 1024  # the whole process: Python, pandas, Arrow and DuckDB included


def test_a_workbook_of_millions_of_cells_is_refused_within_seconds(tmp_path):
    cells = 2_400_000  # over the default limit of 2,000,000
    _refused_quickly(
        tmp_path, "dense.xlsx", _workbook(_sheet_xml(cells)), "intake.read.too_many_cells"
    )


def test_a_workbook_of_millions_of_shared_strings_is_refused_within_seconds(tmp_path):
    rng = random.Random(11)
    strings = "".join(f"<si><t>{rng.getrandbits(40):x}</t></si>" for _ in range(2_100_000))
    shared = (
        f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{strings}</sst>'
    ).encode()
    data = _workbook(_sheet_xml(20), shared)
    _refused_quickly(tmp_path, "strings.xlsx", data, "intake.read.too_many_strings")


def test_the_cell_limit_is_checked_while_streaming_when_the_xml_is_not_counted(tmp_path):
    """Gaps between rows are cells too: a corner cell at XFD1048576 makes a used range of
    17 billion cells, refused after the rows are streamed, not after building them."""
    started = time.perf_counter()
    with pytest.raises(UserError) as caught:
        read_file(BAD / "sparse_corner_cells.xlsx")
    assert caught.value.key == "intake.read.too_many_cells"
    assert time.perf_counter() - started < SECONDS_PER_FILE


def test_a_wrong_declared_dimension_neither_pads_rows_nor_refuses_the_workbook():
    """A <dimension> of A1:XFD1048576 (as some programs write) over three small rows."""
    rows = [("park_id", "quarter", "jobs_total"), (GOOD_PARKS[0], "2022Q1", "640")]
    cells = "".join(
        f'<row r="{r + 1}">'
        + "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in row)
        + "</row>"
        for r, row in enumerate(rows)
    )
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="A1:XFD1048576"/><sheetData>{cells}</sheetData></worksheet>'
    ).encode()
    read = read_file(_workbook(sheet), "dimension.xlsx")
    assert read.rows == 1 and read.kind == "park_quarter"
    assert read.table.column("jobs_total").to_pylist() == ["640"]


# ---------------------------------------------------------------- encodings


@pytest.mark.parametrize("encoding", ["cp1251", "cp866", "koi8-r"])
def test_a_short_cyrillic_file_reads_in_its_code_page(encoding):
    text = "Парк (код или название);Квартал;Рабочие места у резидентов\nXD-P001;2024Q1;640\n"
    read = read_file(text.encode(encoding), "short.csv")
    assert read.detected.encoding == encoding
    assert read.headers["jobs_total"] == "Рабочие места у резидентов"


def test_a_lone_no_break_space_keeps_the_file_windows_1251():
    """One NBSP (a digit group space) is a letter in CP866: Windows-1251 must still win."""
    text = 'park_id;quarter;jobs_total\nXD-P001;2024Q1;"1\xa0234"\n'
    assert read_file(text.encode("cp1251"), "nbsp.csv").detected.encoding == "cp1251"


def test_no_message_of_the_reader_carries_library_text():
    """Messages are ours: no key of the reader's catalogue takes a library's reason."""
    keys = [k for k in catalog() if k.startswith(("intake.read.", "intake.xlsx", "intake.zip"))]
    assert keys
    for key in keys:
        assert "{reason}" not in catalog()[key]["ru"], key
