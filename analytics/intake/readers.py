"""Reading the files people really send: XLSX and CSV from 1C or Excel on ru/uk Windows.

The reader detects (and reports) the encoding, delimiter, decimal sign, header row and
language, layout and kind, and returns every recognised column as *text* with the file's
row number in ``_row``. Turning text into numbers, dates and codes is validation's job, so
that every bad cell can be reported with its row and column.

Rows are numbered as Excel shows the file: a CSV record whose quoted cell holds a line break
(Alt+Enter) is one row, though a text editor shows it on two lines; ``ReadResult.line_of``
gives the editor's line. A line break inside a cell is read as one space (see ``_one_line``).

Layouts: ``long`` (one row per key, as the templates), ``indicator_wide`` (area statistics
with one column per indicator) and ``period_wide`` (a statistics office's table: areas in
rows, quarters in columns, the indicator named in title rows above, footnotes below).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import xml.etree.ElementTree as ET  # expat refuses entity expansion bombs (Python >= 3.11)
import zipfile
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from analytics.errors import UserError
from analytics.intake import stat_tables
from analytics.intake.columns import (
    KINDS,
    area_indicators,
    header_label,
    kind_spec,
    match_header,
    normalise_header,
)
from analytics.intake.encodings import decode
from analytics.intake.periods import looks_like_quarter
from analytics.intake.safety import (
    Limits,
    check_line_lengths,
    check_size,
    check_zip,
    plain_count,
    scan_sheet,
)

HEADER_SCAN_ROWS = 30
MB = 1024 * 1024
_COMPOUND_FILE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and encrypted .xlsx
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
DELIMITERS = (";", ",", "\t")
FAST_PATH_BYTES = 2 * 1024 * 1024
FAST_PATH_BLOCK_BYTES = 1 << 24  # pyarrow parses blocks of this size in parallel
# Statistics offices mark "no data" with these instead of leaving a cell empty.
NO_DATA_MARKS = {"-", "–", "—", "…", "...", "х", "x", "н/д", "н.д."}
_FOOTNOTE_MARK = re.compile(r"[*¹²³⁴⁵⁶⁷⁸⁹⁾)]+$")
_COMMA_DECIMAL = re.compile(r"^-?\d[\d \u00a0\u202f]*,\d+$")
_DOT_DECIMAL = re.compile(r"^-?\d+\.\d+$")
# A line break inside a cell (Alt+Enter in Excel) with the spaces around it. Python's re and
# Arrow's RE2 read this pattern alike, so every path turns it into the same single space.
_LINE_BREAK = r"[ \t]*[\r\n][ \t\r\n]*"
_LINE_BREAK_RE = re.compile(_LINE_BREAK)
# A physical line with its end, cut where a text editor (and csv, and pyarrow) cuts: at
# \r\n, \r or \n. str.splitlines also cuts at \x0b, \x1c, \u2028... and drops the ends,
# which glued the two lines of a quoted cell together ("Технопарк«Север»").
_PHYSICAL_LINE = re.compile(r"[^\r\n]*(?:\r\n|[\r\n])|[^\r\n]+")


@dataclass(frozen=True)
class ReadIssue:
    """A structural problem found while reading (validation turns it into an Issue)."""

    row: int | None
    column: str | None
    value: str | None
    severity: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ShortRow:
    """A CSV record with fewer cells than the header has columns (1C, and Excel after row
    16, drop trailing empty cells): its row, its number of cells, the header's and the
    recognised columns (canonical names) right of its end. Validation decides whether any
    of those was required."""

    row: int
    cells: int
    columns: int
    beyond: tuple[str, ...]


@dataclass(frozen=True)
class Detected:
    """What the reader found out about a file, to show the user."""

    format: str  # csv | xlsx
    kind: str
    layout: str  # long | indicator_wide | period_wide
    header_language: str  # ru | uk | en | code | mixed
    header_row: int  # 1-based row of the header in the file / sheet
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str = "."
    sheet: str | None = None
    indicator: str | None = None  # period_wide: the indicator named in the title

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class ReadResult:
    """A file read as text. ``table`` has one string column per recognised column (canonical
    names), ``_row`` (the file's row number as Excel shows it) and ``_col`` (the header of
    the cell a melted value came from, wide layouts only). ``headers`` maps canonical names
    to the file's own header text, for messages. ``line_shifts`` holds (row, line) at each
    CSV row that starts on another line than the rows before it imply (a quoted line break
    above it); ``line_of`` reads it."""

    file_name: str
    checksum: str
    size: int
    table: pa.Table
    detected: Detected
    headers: dict[str, str]
    issues: tuple[ReadIssue, ...] = ()
    short_rows: tuple[ShortRow, ...] = ()
    line_shifts: tuple[tuple[int, int], ...] = ()

    @property
    def kind(self) -> str:
        return self.detected.kind

    @property
    def frame(self) -> pd.DataFrame:
        return self.table.to_pandas()

    @property
    def rows(self) -> int:
        return self.table.num_rows

    def line_of(self, row: int) -> int:
        """The line of the file (as a text editor numbers them) that ``row`` starts on."""
        i = bisect_right(self.line_shifts, (row, float("inf"))) - 1
        if i < 0:
            return row
        shift_row, shift_line = self.line_shifts[i]
        return row + shift_line - shift_row


# ---------------------------------------------------------------- entry point


def read_file(
    source: str | Path | bytes,
    filename: str | None = None,
    *,
    kind: str | None = None,
    sheet: str | None = None,
    limits: Limits | None = None,
) -> ReadResult:
    """Read an upload (a path or its bytes) into text columns and say what was detected.

    Raises UserError for files that cannot be read at all (too big, zip bomb, endless
    line, empty, no recognisable header); cell-level problems are left to validation.
    """
    limits = limits or Limits()
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    if isinstance(source, (str, Path)):
        path = Path(source)
        filename = filename or path.name
        check_size(path.stat().st_size, limits, filename)  # before reading a byte
        data = path.read_bytes()
    else:
        data = bytes(source)
        filename = filename or "upload"
    check_size(len(data), limits, filename)
    if not data or data.isspace():  # strip() would copy the whole file
        raise UserError("intake.empty_file", file=filename)
    # Hashing a big file takes as long as parsing it; hashlib releases the GIL, so both run
    # at once.
    with ThreadPoolExecutor(max_workers=1) as pool:
        checksum = pool.submit(lambda: hashlib.sha256(data).hexdigest())
        grid = _read_grid(data, filename, kind, sheet, limits)
        read = _assemble(grid, filename, checksum.result(), len(data))
    _check_cell_lengths(read, limits)
    return read


@dataclass(frozen=True)
class _CsvBody:
    """CSV records below the header: lists of cells (exact path) or an Arrow table of text
    (fast path); the file line each record starts on (None: one line each, from the line
    below the header); the records' structural problems; and the rows that have fewer cells
    than the header, as (row, cells)."""

    records: list[list[str]] | pa.Table
    lines: Sequence[int] | None
    issues: list[ReadIssue] = field(default_factory=list)
    short: list[tuple[int, int]] = field(default_factory=list)


@dataclass(frozen=True)
class _Grid:
    """A file as rows: the first rows (to find the header in), the header's index and kind,
    the rows below the header, the format found, and (CSV) the rows' line shifts."""

    head: list[list]
    header_idx: int
    kind: str
    body: list[list] | _CsvBody
    fmt: dict[str, Any]
    line_shifts: tuple[tuple[int, int], ...] = ()


def _read_grid(
    data: bytes, filename: str, kind: str | None, sheet: str | None, limits: Limits
) -> _Grid:
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        check_zip(data, limits, filename)
        table = _xlsx_table(data, filename, sheet, kind, limits)
        fmt = {"format": "xlsx", "sheet": table.name}
        body = table.rows[table.header_idx + 1 :]
        return _Grid(table.rows, table.header_idx, table.kind, body, fmt)
    if data[:8] == _COMPOUND_FILE:
        # Excel saves a password-protected .xlsx inside the old compound-file container.
        if _ENCRYPTED_PACKAGE in data[:MB]:
            raise UserError("intake.read.xlsx_encrypted", file=filename)
        raise UserError("intake.xls_old", file=filename)
    check_line_lengths(data, limits, filename)
    text, encoding = decode(data, filename)
    if _holds_nothing(text):
        raise UserError("intake.empty_file", file=filename)
    delimiter = _detect_delimiter(text)
    head = _records(islice(_physical_lines(text), HEADER_SCAN_ROWS), delimiter, 1, filename)
    grid = head.records
    header_idx, header_kind = _find_header(grid, kind, filename)
    fmt = {"format": "csv", "encoding": encoding, "delimiter": delimiter}
    width = len(grid[header_idx])
    # Physical lines up to the end of the header record (a header cell may hold a line break).
    header_end = head.lines[header_idx + 1] - 1 if header_idx + 1 < len(grid) else None
    header_end = header_end or _record_end(text, delimiter, header_idx)
    body = _csv_body(data, text, encoding, delimiter, header_end, width, header_idx + 2, filename)
    # Without its own lines, the body goes on one line per record below the header.
    body_lines = [header_end + 1] if body.lines is None else body.lines
    lines = np.concatenate((head.lines[: header_idx + 1], body_lines)).astype(np.int64)
    return _Grid(grid, header_idx, header_kind, body, fmt, _line_shifts(lines))


# ---------------------------------------------------------------- CSV


def _holds_nothing(text: str) -> bool:
    """Only a BOM, spaces, line ends or delimiters: an empty file (small files only; a big
    one holds something, and stripping it would copy it)."""
    return len(text) < MB and not text.strip(" \t\r\n;,\ufeff\u00a0")


def _detect_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the same number of fields most often.

    Commas inside decimal numbers vary from line to line, the real delimiter does not.
    """
    lines = [line for line in text[:200_000].splitlines()[:50] if line.strip()]
    best, best_score = ";", (-1.0, -1)
    for delim in DELIMITERS:
        counts = [_field_count(line, delim) for line in lines]
        if not counts or max(counts) < 2:
            continue
        mode = max(set(counts), key=counts.count)
        score = (counts.count(mode) / len(counts), mode)
        if mode >= 2 and score > best_score:
            best, best_score = delim, score
    return best


def _field_count(line: str, delimiter: str) -> int:
    try:
        return len(next(csv.reader([line], delimiter=delimiter)))
    except csv.Error:  # a cell past csv's field limit: the record is refused later, by line
        return line.count(delimiter) + 1


def _physical_lines(text: str) -> Iterator[str]:
    """The lines of ``text`` with their ends, one at a time (a million-line file is not
    split into a million strings at once)."""
    return (match.group() for match in _PHYSICAL_LINE.finditer(text))


def _records(lines: Iterable[str], delimiter: str, first_line: int, file: str) -> _CsvBody:
    """Records of ``lines`` with the line number each starts on, counting from ``first_line``.
    csv.reader keeps a quoted line break in its cell because the lines keep their ends."""
    reader = csv.reader(lines, delimiter=delimiter)
    rows, numbers, consumed = [], [], 0
    try:
        for row in reader:
            numbers.append(first_line + consumed)
            consumed = reader.line_num  # lines read so far: a record may take several
            rows.append(row)
    except csv.Error as exc:
        # Outside strict mode csv.reader stops only at a cell longer than its field limit
        # (131,072 characters), in practice a quote left open; anything else is named too.
        line = first_line + consumed
        if "field limit" in str(exc):
            limit = plain_count(csv.field_size_limit())
            raise UserError(
                "intake.read.cell_too_long_line", file=file, line=line, limit=limit
            ) from exc
        raise UserError("intake.read.csv_broken", file=file, line=line) from exc
    return _CsvBody(rows, numbers)


def _record_end(text: str, delimiter: str, header_idx: int) -> int:
    """Physical lines up to the end of record ``header_idx`` (when the head scan held no
    record after it)."""
    reader = csv.reader(_physical_lines(text), delimiter=delimiter)
    for _ in range(header_idx + 1):
        next(reader, None)
    return reader.line_num


def _line_shifts(lines: np.ndarray) -> tuple[tuple[int, int], ...]:
    """(row, line) at each record whose first line is not the one the record above implies,
    for records numbered 1, 2, ... starting on ``lines``: all ``ReadResult.line_of`` needs,
    without a line number per row."""
    rows = np.arange(1, len(lines) + 1)
    offsets = lines - rows
    changes = np.flatnonzero(np.diff(offsets, prepend=0))
    return tuple((int(rows[i]), int(lines[i])) for i in changes)


def _csv_body(
    data: bytes,
    text: str,
    encoding: str,
    delimiter: str,
    header_end: int,
    width: int,
    first_row: int,
    file: str,
) -> _CsvBody:
    """The records below the header (which ends on line ``header_end``; the first record is
    row ``first_row``): for big clean files an Arrow table parsed by pyarrow's multi-threaded
    reader, else records from csv.reader with their lines, extra and missing cells noted."""
    if len(text) > FAST_PATH_BYTES:
        fast = _csv_fast(data, text, encoding, delimiter, header_end, width)
        if fast is not None:
            return fast
    lines = islice(_physical_lines(text), header_end, None)
    body = _records(lines, delimiter, header_end + 1, file)
    # Before the loop below clears a swallowing record, which would hide where the file ends.
    cut = _cut_off(text, body, width, first_row, delimiter)
    for row, record in enumerate(body.records, start=first_row):
        swallowed = _swallowed_lines(record, delimiter, width)
        if swallowed is not None:
            body.issues.append(
                ReadIssue(row, None, swallowed, "error", "intake.read.unclosed_quote")
            )
            record.clear()  # its cells are the rows below: one message, not one per cell
            continue
        if len(record) < width and any(cell.strip() for cell in record):  # blank: dropped
            body.short.append((row, len(record)))
        extra = [cell.strip() for cell in record[width:] if cell.strip()]
        if extra:
            # Usually an unquoted delimiter inside a value (a decimal comma in a ','
            # file): the row's cells have moved right, and the last ones would be lost.
            cells = max(i for i, cell in enumerate(record) if cell.strip()) + 1
            params = {"cells": cells, "columns": width}
            body.issues.append(
                ReadIssue(row, None, extra[0], "error", "intake.error.extra_cells", params)
            )
    if cut is not None:
        if cut.key == "intake.error.cut_off_quote":
            # The quote runs to the end of the file: one message for the row, the one that
            # says the file ends inside the cell (it may be cut off), not a second one.
            body.issues[:] = [
                i
                for i in body.issues
                if not (i.row == cut.row and i.key == "intake.read.unclosed_quote")
            ]
        body.issues.append(cut)
    return body


def _cut_off(
    text: str, body: _CsvBody, width: int, first_row: int, delimiter: str
) -> ReadIssue | None:
    """The last record when the file ends inside it (an interrupted download or copy): a
    quoted cell never closed (csv.reader would silently take the rest of the file into
    it), or a row shorter than the header with no line end after it. A short row that
    ends with its line is complete as written (1C drops trailing empty cells)."""
    records = body.records
    last = len(records) - 1
    while last >= 0 and not any(cell.strip() for cell in records[last]):
        last -= 1
    if last < 0:
        return None
    row = first_row + last
    # Quotes come in pairs in a well-formed file: only an odd count needs the exact check.
    if text.count('"') % 2 and _ends_inside_quotes(text, body.lines[last], delimiter):
        return ReadIssue(row, None, None, "error", "intake.error.cut_off_quote")
    cells = len(records[last])
    if cells < width and last == len(records) - 1 and not text.endswith(("\n", "\r")):
        params = {"cells": cells, "columns": width}
        return ReadIssue(row, None, None, "error", "intake.error.cut_off", params)
    return None


def _ends_inside_quotes(text: str, line: int, delimiter: str) -> bool:
    """Whether the record starting on physical ``line`` (1-based) runs into the end of the
    text inside a quoted cell."""
    offset = 0
    for number, match in enumerate(_PHYSICAL_LINE.finditer(text), start=1):
        if number == line:
            offset = match.start()
            break
    try:
        for _ in csv.reader(
            io.StringIO(text[offset:], newline=""), delimiter=delimiter, strict=True
        ):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _swallowed_lines(record: list[str], delimiter: str, width: int) -> str | None:
    """The start of a cell that holds whole further rows of the file (a quote opened and
    never closed takes every line below it into one cell), or None."""
    for cell in record:
        if "\n" not in cell and "\r" not in cell:
            continue
        lines = cell.splitlines()
        if any(line.count(delimiter) >= max(width - 1, 1) for line in lines[1:]):
            return lines[0][:60]
    return None


def _csv_fast(
    data: bytes, text: str, encoding: str, delimiter: str, header_end: int, width: int
) -> _CsvBody | None:
    """Parse with pyarrow when every line is a plain record; None sends the caller to the
    exact (slow) path, which reports broken lines with their numbers.

    UTF-8 files are parsed from their own bytes (no copy); CP1251 is transcoded once.
    """
    if encoding == "utf-8":
        buf, start = data, 0
    elif encoding == "utf-8-sig":
        buf, start = data, 3
    else:
        buf, start = text.encode("utf-8"), 0
    for _ in range(header_end):  # the header's lines too: the body starts below them
        newline = buf.find(b"\n", start)
        if newline < 0:
            return None
        start = newline + 1
    end = len(buf)
    while end > start and buf[end - 1] in (10, 13):
        end -= 1
    # pyarrow skips blank lines, which would shift the row numbers after them.
    if buf.find(b"\n\n", start, end) >= 0 or buf.find(b"\r\n\r\n", start, end) >= 0:
        return None
    # Only a quoted cell can hold a line break. pyarrow must then not cut its blocks inside
    # quotes (it stops with "parser got out of sync" when a break straddles two), and the
    # cells' breaks must be counted. Without a quote anywhere (one memchr) neither is needed.
    quoted = buf.find(b'"', start, end) >= 0
    if quoted and buf.count(b'"', start, end) % 2:
        return None  # perhaps a quote never closed: the exact path finds out and says where
    bad_rows = []

    def on_invalid(row) -> str:
        bad_rows.append(row)
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(buf).slice(start, end - start)),
            read_options=pacsv.ReadOptions(
                autogenerate_column_names=True, block_size=FAST_PATH_BLOCK_BYTES
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=quoted, invalid_row_handler=on_invalid
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(width)},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return None
    if bad_rows or table.num_columns != width:
        return None
    if not quoted or not _cells_hold_line_ends(buf, start, end, table.num_rows):
        return _CsvBody(table, None)
    table, breaks = _one_line_table(table)
    if breaks is None:
        return _CsvBody(table, None)
    # Each record starts below the previous one's lines: one, plus its cells' line breaks.
    before = np.concatenate(([0], np.cumsum(breaks)[:-1]))
    return _CsvBody(table, header_end + 1 + np.arange(table.num_rows) + before)


def _cells_hold_line_ends(buf: bytes, start: int, end: int, records: int) -> bool:
    """Whether a cell of ``buf[start:end]`` holds a line break: the text has more line ends
    than its ``records`` need, or a bare CR. Counting bytes is much cheaper than searching
    every cell of a million rows."""
    returns = buf.count(b"\r", start, end)
    if returns and returns != buf.count(b"\r\n", start, end):
        return True
    return buf.count(b"\n", start, end) > records - 1


def _one_line(text: str) -> str:
    """A cell's line breaks (and the spaces around them) as one space.

    A line break typed in a cell (Alt+Enter) only wraps the text on screen: "Технопарк
    «Север»" on two lines is the park "Технопарк «Север»" of the registry, and a name stored
    with the break would show broken in tables and reports and differ from the same name
    typed on one line. Kept as a space, not removed: removing would glue the words.
    """
    return _LINE_BREAK_RE.sub(" ", text) if "\n" in text or "\r" in text else text


def _one_line_array(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """``_one_line`` over a text column (Arrow's RE2 reads the same pattern)."""
    return pc.replace_substring_regex(values, _LINE_BREAK, " ")


def _line_breaks(values: pa.ChunkedArray) -> np.ndarray | None:
    """Line breaks in each cell (\\r\\n, \\r or \\n count one each); None when there are none."""
    if not pc.any(
        pc.or_(pc.match_substring(values, "\n"), pc.match_substring(values, "\r"))
    ).as_py():
        return None
    counts = [pc.count_substring(values, s).to_numpy() for s in ("\n", "\r", "\r\n")]
    return counts[0] + counts[1] - counts[2]


def _one_line_table(table: pa.Table) -> tuple[pa.Table, np.ndarray | None]:
    """The table with its cells' line breaks as spaces, and each record's line breaks
    (None when no cell holds one)."""
    breaks = None
    columns = []
    for column in table.columns:
        found = _line_breaks(column)
        if found is not None:
            breaks = found if breaks is None else breaks + found
            column = _one_line_array(column)
        columns.append(column)
    return pa.table(columns, names=table.column_names), breaks


# ---------------------------------------------------------------- XLSX


def _cell_text(value: Any) -> str | None:
    """A spreadsheet cell as text: numbers without locale, dates as ISO."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class _SheetTable:
    """The worksheet a table was found on: its rows as text, the header's index and kind."""

    rows: list[list]
    name: str
    header_idx: int
    kind: str


def _xlsx_table(
    data: bytes, filename: str, sheet: str | None, kind: str | None, limits: Limits
) -> _SheetTable:
    import openpyxl  # heavy; only needed for workbooks

    _refuse_dense_sheets(data, filename, limits)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken archives
        raise UserError("intake.xlsx_broken", file=filename) from exc
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            workbook = _Workbook(book, archive, filename, limits)
            table = workbook.table(sheet, kind)
            workbook.check_formulas(table)
            return table
    finally:
        book.close()


_SHEET_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "p": "http://schemas.openxmlformats.org/package/2006/relationships",
}


def _refuse_dense_sheets(data: bytes, filename: str, limits: Limits) -> None:
    """Refuse a sheet of more cells than the limit before openpyxl opens the workbook: for
    a sheet without a declared size openpyxl parses all of its XML just to measure it (half a
    minute for a few million cells), while a byte count of its cell tags takes a second."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name, member in _sheet_members(archive):
                cells, _ = scan_sheet(archive, member, filename)
                if cells > limits.max_cells:
                    raise UserError(
                        "intake.read.too_many_cells",
                        file=filename,
                        sheet=name,
                        cells=plain_count(cells),
                        limit=plain_count(limits.max_cells),
                    )
    except (zipfile.BadZipFile, KeyError, ET.ParseError):
        return  # not a readable workbook: openpyxl says so below, in the usual words


def _sheet_members(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, worksheet part) in the workbook's order, from workbook.xml and its
    relationships."""
    book = ET.fromstring(archive.read("xl/workbook.xml"))
    rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    relations = rels.findall("p:Relationship", _SHEET_NS)
    targets = {r.get("Id"): r.get("Target", "") for r in relations}
    names = set(archive.namelist())
    out = []
    for sheet in book.findall("m:sheets/m:sheet", _SHEET_NS):
        target = targets.get(sheet.get(f"{{{_SHEET_NS['r']}}}id"), "").lstrip("/")
        member = target if target.startswith("xl/") else f"xl/{target}"
        if member in names:
            out.append((sheet.get("name", ""), member))
    return out


def _quoted_names(names: Sequence[str]) -> str:
    return ", ".join(f"«{name}»" for name in names)


class _Workbook:
    """An open workbook (read-only openpyxl, and its zip archive for byte scans): finds the
    sheet holding the table and reads it within the cell limit."""

    def __init__(self, book, archive: zipfile.ZipFile, filename: str, limits: Limits) -> None:
        self.book, self.archive, self.file, self.limits = book, archive, filename, limits
        self.names: list[str] = list(book.sheetnames)
        self.has_formulas: dict[str, bool] = {}

    def table(self, sheet: str | None, kind: str | None) -> _SheetTable:
        """The table of ``sheet``, or of the first sheet; when the first sheet holds none and
        another does, the user is told which (an empty first sheet may mean the wrong file,
        so the choice is confirmed, not guessed)."""
        if sheet is not None:
            if sheet not in self.names:
                raise UserError(
                    "intake.sheet_missing",
                    file=self.file,
                    sheet=sheet,
                    sheets=_quoted_names(self.names),
                )
            return self._table_of(sheet, kind)
        if not self.names:
            raise UserError("intake.empty_file", file=self.file)
        first, others = self.names[0], self.names[1:]
        first_head = self.head(first)
        if _header_score(first_head, kind) > 0:
            return self._table_of(first, kind)
        for name in others:
            if _header_score(self.head(name), kind) > 0:
                key = (
                    "intake.read.data_on_other_sheet" if first_head else "intake.first_sheet_empty"
                )
                raise UserError(
                    key, file=self.file, sheet=first, other=name, sheets=_quoted_names(self.names)
                )
        if first_head:
            return self._table_of(first, kind)  # kind given: validation names the headers
        filled = next((name for name in others if self.head(name)), None)
        if filled is None:
            raise UserError("intake.empty_file", file=self.file)
        raise UserError(
            "intake.first_sheet_empty",
            file=self.file,
            sheet=first,
            other=filled,
            sheets=_quoted_names(self.names),
        )

    def _table_of(self, name: str, kind: str | None) -> _SheetTable:
        rows = self.rows(name)
        if not rows:
            raise UserError("intake.sheet_empty", file=self.file, sheet=name)
        header_idx, header_kind = _find_header(rows, kind, self.file)
        return _SheetTable(rows, name, header_idx, header_kind)

    def _worksheet(self, name: str):
        sheet = self.book[name]
        if not hasattr(sheet, "iter_rows"):  # a chart sheet holds no cells
            return None
        # Rows as long as their own last cell: the <dimension> a file declares may be wrong
        # or hostile (A1:XFD1048576 would pad every row to 16,384 cells).
        sheet.reset_dimensions()
        return sheet

    def head(self, name: str) -> list[list]:
        """The first rows of a sheet (where a header can be), blank rows at the end dropped."""
        sheet = self._worksheet(name)
        if sheet is None:
            return []
        return self._read(sheet, name, HEADER_SCAN_ROWS)

    def rows(self, name: str) -> list[list]:
        """Every row of a sheet as text, refused past the cell limit: first from a byte
        count of its XML, then while streaming (gaps and padding count as cells)."""
        sheet = self._worksheet(name)
        if sheet is None:
            return []
        member = getattr(sheet, "_worksheet_path", None)
        if member in set(self.archive.namelist()):
            cells, formulas = scan_sheet(self.archive, member, self.file)
            self.has_formulas[name] = formulas
            if cells > self.limits.max_cells:
                self._too_many(name, cells)
        return self._read(sheet, name, None)

    def _read(self, sheet, name: str, max_row: int | None) -> list[list]:
        rows: list[list] = []
        widest = 1
        try:
            for values in sheet.iter_rows(max_row=max_row, values_only=True):
                # The used range (rows so far x widest row) is what the table is built as.
                widest = max(widest, len(values))
                if (len(rows) + 1) * widest > self.limits.max_cells:
                    self._too_many(name, (len(rows) + 1) * widest)
                rows.append([_cell_text(v) for v in values])
        except UserError:
            raise
        except Exception as exc:  # a worksheet part openpyxl cannot parse
            raise UserError("intake.xlsx_broken", file=self.file) from exc
        while rows and not any(c not in (None, "") for c in rows[-1]):
            rows.pop()
        return rows

    def _too_many(self, name: str, cells: int) -> None:
        raise UserError(
            "intake.read.too_many_cells",
            file=self.file,
            sheet=name,
            cells=plain_count(cells),
            limit=plain_count(self.limits.max_cells),
        )

    def check_formulas(self, table: _SheetTable) -> None:
        """Refuse formulas without saved values in the table (on or below its header):
        openpyxl reads them as empty cells, which would quietly lose the figures."""
        if not self.has_formulas.get(table.name):
            return
        member = self.book[table.name]._worksheet_path
        recalc = _recalculated_on_load(self.archive)
        header = table.rows[table.header_idx]
        cells = [
            (row, col)
            for row, col in formula_cells_without_values(self.archive, member, recalc)
            if row > table.header_idx and col <= len(header)
        ]
        if not cells:
            return
        row, col = min(cells)
        from openpyxl.utils import get_column_letter

        raise UserError(
            "intake.read.formulas_without_values",
            file=self.file,
            sheet=table.name,
            cell=f"{get_column_letter(col)}{row}",
            column=header[col - 1] or get_column_letter(col),
            more=len(cells) - 1,
        )


_FULL_CALC = re.compile(rb"fullCalcOnLoad\s*=\s*[\"'](?:1|true)[\"']")


def _recalculated_on_load(archive: zipfile.ZipFile) -> bool:
    """Whether the workbook asks to be recalculated when opened: programs that cannot
    calculate (openpyxl, xlsxwriter) say so and store no value, or a placeholder 0, for
    every formula; a workbook Excel saved does not."""
    try:
        return _FULL_CALC.search(archive.read("xl/workbook.xml")) is not None
    except KeyError:
        return False


def formula_cells_without_values(
    archive: zipfile.ZipFile, member: str, recalc: bool
) -> list[tuple[int, int]]:
    """(row, column), 1-based, of each formula cell of a worksheet without a saved value
    (every formula cell when ``recalc``). Streams the XML; memory stays flat."""
    from openpyxl.utils.cell import coordinate_to_tuple

    found: list[tuple[int, int]] = []
    sheet_data = None
    with archive.open(member) as stream:
        for event, element in ET.iterparse(stream, events=("start", "end")):
            tag = element.tag.rpartition("}")[2]
            if event == "start":
                if tag == "sheetData":
                    sheet_data = element
                continue
            if tag == "c":
                children = {child.tag.rpartition("}")[2]: child for child in element}
                value = children.get("v")
                saved = value is not None and (value.text or "").strip() != ""
                if "f" in children and (recalc or not saved) and element.get("r"):
                    found.append(coordinate_to_tuple(element.get("r")))
            elif tag == "row" and sheet_data is not None:
                sheet_data.clear()  # rows read so far: nothing is kept
    return found


# ---------------------------------------------------------------- header and layout


def _row_matches(row: list, kind: str | None) -> tuple[int, str | None]:
    """How many cells of ``row`` are known headers, and for which kind most."""
    best, best_kind = 0, None
    quarters = sum(looks_like_quarter(c) for c in row if c)
    for candidate in [kind] if kind else KINDS:
        spec = kind_spec(candidate)
        matched = {m[0] for c in row if c and (m := match_header(c, candidate))}
        score = len(matched)
        if candidate in {"region_quarter", "municipality_quarter"} and quarters >= 2:
            score += quarters
        # A kind is only plausible when its own key columns are there.
        keys_found = sum(k in matched for k in spec.keys if k not in {"quarter"})
        score += keys_found
        if score > best:
            best, best_kind = score, candidate
    return best, best_kind


def _best_header(grid: list[list], kind: str | None) -> tuple[int | None, int, str | None]:
    """(index, score, kind) of the row of ``grid`` that looks most like a header."""
    best_idx, best_score, best_kind = None, 0, kind
    for idx, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        score, fits = _row_matches(row, kind)
        if score > best_score and sum(1 for c in row if c not in (None, "")) >= 2:
            best_idx, best_score, best_kind = idx, score, fits
    return best_idx, best_score, best_kind


def _header_score(grid: list[list], kind: str | None) -> int:
    """How much the best header row of ``grid`` looks like one (0: no header at all)."""
    return _best_header(grid, kind)[1]


def _find_header(grid: list[list], kind: str | None, filename: str) -> tuple[int, str]:
    """The header row (0-based) and the kind it fits best; the first non-empty row when none
    matches (validation then lists the unknown headers with suggestions)."""
    stat = stat_tables.find_header(grid, kind)  # a statistics office's table (stat_tables.py)
    if stat is not None:
        return stat
    best_idx, _, best_kind = _best_header(grid, kind)
    if best_idx is None:
        if kind is None:
            raise UserError("intake.kind_unknown", file=filename)
        nonempty = [i for i, r in enumerate(grid) if any(c not in (None, "") for c in r)]
        return nonempty[0], kind
    return best_idx, best_kind or kind


def _language(langs: list[str]) -> str:
    found = {lang for lang in langs if lang != "code"}
    if not found:
        return "code"
    if len(found) == 1:
        return found.pop()
    # ru and uk share many words; the language with more matches wins unless it is a tie.
    counts = {lang: langs.count(lang) for lang in found}
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    return ranked[0][0] if ranked[0][1] > ranked[1][1] else "mixed"


def _columns_of(body: list[list] | _CsvBody, width: int) -> list[list]:
    records = body.records if isinstance(body, _CsvBody) else body
    if isinstance(records, pa.Table):
        return [records.column(i) for i in range(width)]
    columns: list[list] = [[] for _ in range(width)]
    for row in records:
        for i in range(width):
            columns[i].append(row[i] if i < len(row) else None)
    return columns


def _assemble(grid: _Grid, filename: str, checksum: str, size: int) -> ReadResult:
    header_idx, kind, fmt = grid.header_idx, grid.kind, grid.fmt
    header = _header_cells(grid.head, header_idx, filename)
    width = len(header)
    first_row = header_idx + 2  # 1-based row number of the first body row
    body = _without_footnotes(grid.body, first_row)
    quarter_cols = [i for i, h in enumerate(header) if looks_like_quarter(h)]
    title = _title_text(grid.head, header_idx)
    if kind in stat_tables.STAT_KINDS:
        stat = _stat_table(grid, kind, first_row, title, filename, checksum, size)
        if stat is not None:
            return stat
    if kind in {"region_quarter", "municipality_quarter"} and len(quarter_cols) >= 2:
        # Footnotes and notes beside a statistics table are normal: no extra-cell check.
        read = _period_wide(
            body.records if isinstance(body, _CsvBody) else body,
            header,
            quarter_cols,
            kind,
            fmt,
            filename,
            checksum,
            size,
            first_row,
            title,
        )
        return replace(read, line_shifts=grid.line_shifts)
    matches = [match_header(h, kind) if h else None for h in header]
    issues = []
    headers: dict[str, str] = {}
    keep: dict[str, int] = {}
    for i, (text, match) in enumerate(zip(header, matches, strict=True)):
        if not text:
            continue
        if match is None:
            issues.append(ReadIssue(header_idx + 1, text, None, "warning", "intake.unknown_column"))
        elif match[0] in keep:
            issues.append(
                ReadIssue(header_idx + 1, text, None, "error", "intake.error.column_twice")
            )
        else:
            keep[match[0]] = i
            headers[match[0]] = text
    language = _language([m[1] for m in matches if m])
    columns = _columns_of(body, width)
    n = len(columns[0]) if columns else 0
    arrays = _string_arrays(columns, keep)
    arrays["_row"] = pa.array(np.arange(first_row, first_row + n), pa.int64())
    short_rows: tuple[ShortRow, ...] = ()
    if isinstance(body, _CsvBody):
        issues += body.issues
        short_rows = _short_rows(body.short, keep, width)
    table = _drop_blank_rows(pa.table(arrays))
    layout = "long"
    spec = kind_spec(kind)
    indicator_cols = [c for c in keep if c not in spec.names]
    if kind in {"region_quarter", "municipality_quarter"} and indicator_cols:
        table = _melt_indicators(table, indicator_cols, headers, kind)
        layout = "indicator_wide"
    detected = Detected(
        kind=kind,
        layout=layout,
        header_language=language,
        header_row=header_idx + 1,
        decimal=_detect_decimal(table, fmt),
        **fmt,
    )
    return ReadResult(
        filename,
        checksum,
        size,
        table,
        detected,
        headers,
        tuple(issues),
        short_rows,
        grid.line_shifts,
    )


def _stat_table(grid: _Grid, kind, first_row, title, filename, checksum, size):
    """A table in the layout statistics offices publish (stat_tables.py), or None."""
    body = grid.body.records if isinstance(grid.body, _CsvBody) else grid.body
    if isinstance(body, pa.Table):
        body = [list(r.values()) for r in body.to_pylist()]
    stat = stat_tables.read_stat_table(grid.head, body, kind, first_row, title)
    if stat is None:
        return None
    indicator = stat.indicator  # the title's, of the frequency the columns have
    issues = [ReadIssue(**i) for i in stat.issues]
    if indicator is None:
        issues.append(ReadIssue(None, None, title[:120], "error", "intake.error.no_indicator"))
    detected = Detected(
        kind=kind,
        layout="period_wide",
        header_language="mixed",
        header_row=first_row - 1,
        indicator=indicator,
        decimal=_detect_decimal(stat.table, grid.fmt),
        **grid.fmt,
    )
    return ReadResult(
        filename, checksum, size, stat.table, detected, stat.headers, tuple(issues), (),
        grid.line_shifts,
    )  # fmt: skip


# ---------------------------------------------------------------- notes below a table

# Words a note under a statistics table or a report starts with (ru, uk, en), lower case.
FOOTNOTE_WORDS = (
    "примечание",
    "примечания",
    "прим.",
    "примітка",
    "примітки",
    "источник",
    "джерело",
    "справочно",
    "довідково",
    "составлено",
    "складено",
    "рассчитано",
    "розраховано",
    "по данным",
    "за даними",
    "note",
    "source",
)
# A footnote's mark: "*", "¹", "1)", "(1)", "1. text".
_FOOTNOTE_START = re.compile(r"^(?:[*¹²³⁴⁵⁶⁷⁸⁹⁰]+|\(?\d{1,2}\)|\d{1,2}\.\s+\D)")
_NUMBER_TEXT = re.compile(r"^[-−+]?\d[\d \u00a0\u202f]*(?:[.,]\d+)?%?$")


def is_footnote(text: object) -> bool:
    """Whether a cell reads as a note under a table: it starts with a footnote mark or a
    word notes start with ("Примечание", "Источник", "Note", ...)."""
    value = str(text).strip().lower()
    return bool(value) and (
        value.startswith(FOOTNOTE_WORDS) or _FOOTNOTE_START.match(value) is not None
    )


def _is_note_row(row: Sequence) -> bool:
    """A footnote row: its first filled cell is a note and no cell after it holds a number
    (a note that wrapped into the next cells is still text)."""
    cells = [str(c).strip() for c in row if c not in (None, "") and str(c).strip()]
    if not cells:
        return True  # blank rows between the table and its notes
    return is_footnote(cells[0]) and not any(_NUMBER_TEXT.match(c) for c in cells[1:])


def footnote_start(rows: Sequence[Sequence]) -> int:
    """Where the block of notes (and blank rows) at the end of ``rows`` begins: the index
    after the table's last row of data, ``len(rows)`` when the table ends the file."""
    end = len(rows)
    while end > 0 and _is_note_row(rows[end - 1]):
        end -= 1
    return end


def _without_footnotes(body: list[list] | _CsvBody, first_row: int) -> list[list] | _CsvBody:
    """The rows below the header without the notes after the table: footnotes are not data.
    (Arrow tables of the fast CSV path have a full record on every line, so no notes.)"""
    records = body.records if isinstance(body, _CsvBody) else body
    if isinstance(records, pa.Table) or not records:
        return body
    end = footnote_start(records)
    if end == len(records):
        return body
    if not isinstance(body, _CsvBody):
        return records[:end]
    last_row = first_row + end  # rows from here on are notes
    return replace(
        body,
        records=records[:end],
        lines=None if body.lines is None else body.lines[:end],
        # A note's text may hold a delimiter; a quote left open is reported all the same.
        issues=[
            i
            for i in body.issues
            if i.row is None or i.row < last_row or i.key != "intake.error.extra_cells"
        ],
        short=[s for s in body.short if s[0] < last_row],
    )


def _check_cell_lengths(read: ReadResult, limits: Limits) -> None:
    """Refuse a cell longer than an Excel cell can be (byte lengths first: they come from
    the offsets alone, without reading the text)."""
    table = read.table
    for name in table.column_names:
        if name.startswith("_") or not pa.types.is_string(table.schema.field(name).type):
            continue
        column = table.column(name)
        if (
            len(column) == 0
            or (pc.max(pc.binary_length(column)).as_py() or 0) <= limits.max_cell_chars
        ):
            continue
        lengths = pc.utf8_length(column)
        longest = pc.max(lengths).as_py() or 0
        if longest <= limits.max_cell_chars:
            continue
        at = pc.index(pc.greater(lengths, limits.max_cell_chars), True).as_py()
        row = table.column("_row")[at].as_py()
        header = read.headers.get(name) or ""
        if "_col" in table.column_names and not header:
            header = table.column("_col")[at].as_py() or name
        raise UserError(
            "intake.read.cell_too_long",
            file=read.file_name,
            row=row,
            column=header or name,
            chars=plain_count(longest),
            limit=plain_count(limits.max_cell_chars),
        )


def _short_rows(
    short: list[tuple[int, int]], keep: dict[str, int], columns: int
) -> tuple[ShortRow, ...]:
    """The short records that end before a recognised column (others lack only cells the
    file does not use)."""
    found = []
    for row, cells in short:
        beyond = tuple(name for name, i in keep.items() if i >= cells)
        if beyond:
            found.append(ShortRow(row, cells, columns, beyond))
    return tuple(found)


_HEADER_MARK = re.compile(r"\s*[*¹²³⁴⁵⁶⁷⁸⁹⁰]+$")


def _header_cells(grid: list[list], header_idx: int, filename: str) -> list[str | None]:
    """The header's cells on one line, without footnote marks ("I кв. 2024¹", "Занятость*")."""
    if header_idx >= len(grid):
        raise UserError("intake.empty_file", file=filename)
    header = [
        _HEADER_MARK.sub("", _one_line(str(c).strip())) or None if c not in (None, "") else None
        for c in grid[header_idx]
    ]
    while header and header[-1] is None:
        header.pop()
    return header


def _string_arrays(columns: list, keep: dict[str, int]) -> dict[str, pa.Array]:
    """The kept columns as trimmed text; Arrow columns are trimmed in parallel (the kernels
    release the GIL)."""
    if not keep or not isinstance(columns[0], (pa.Array, pa.ChunkedArray)):
        return {name: _as_string_array(columns[i]) for name, i in keep.items()}
    with ThreadPoolExecutor(max_workers=pa.cpu_count()) as pool:
        trimmed = pool.map(lambda i: _as_string_array(columns[i]), keep.values())
        return dict(zip(keep, trimmed, strict=True))


def _as_string_array(values) -> pa.Array:
    """A column as trimmed text, an empty cell as missing (as csv.reader and openpyxl give
    it). Cells of Python lists (exact CSV path, XLSX) get their line breaks made spaces
    here; the fast CSV path did that while counting the lines."""
    if not isinstance(values, (pa.Array, pa.ChunkedArray)):
        values = pa.array([None if v is None else str(v) for v in values], pa.string())
        if pc.any(pc.match_substring_regex(values, "[\r\n]")).as_py():
            values = _one_line_array(values)
    trimmed = pc.utf8_trim_whitespace(values)
    if len(trimmed) and (pc.min(pc.binary_length(trimmed)).as_py() or 0) == 0:
        empty = pc.equal(pc.binary_length(trimmed), 0)
        trimmed = pc.if_else(empty, pa.scalar(None, trimmed.type), trimmed)
    return trimmed


def _drop_blank_rows(table: pa.Table) -> pa.Table:
    data_cols = [c for c in table.column_names if not c.startswith("_")]
    if not data_cols or table.num_rows == 0:
        return table
    # A row is blank only when every cell is: when one column has no empty cell, none is.
    first = table.column(data_cols[0])
    if first.null_count == 0 and (pc.min(pc.utf8_length(first)).as_py() or 0) > 0:
        return table
    blank = None
    for name in data_cols:
        col = table.column(name)
        empty = pa.compute.or_kleene(
            pa.compute.is_null(col), pa.compute.equal(pa.compute.utf8_length(col), 0)
        ).fill_null(True)
        blank = empty if blank is None else pa.compute.and_(blank, empty)
    return table.filter(pa.compute.invert(blank))


def _detect_decimal(table: pa.Table, fmt: dict) -> str:
    """``,`` when numbers in the file use a decimal comma more often than a decimal point."""
    if fmt.get("delimiter") == ",":
        return "."
    sample = table.slice(0, 2000).to_pylist()
    comma = dot = 0
    for row in sample:
        for key, value in row.items():
            if key.startswith("_") or not isinstance(value, str):
                continue
            comma += bool(_COMMA_DECIMAL.match(value))
            dot += bool(_DOT_DECIMAL.match(value))
    return "," if comma > dot else "."


def _melt_indicators(table: pa.Table, indicators: list[str], headers: dict, kind: str):
    """Area statistics with one column per indicator → one row per area, quarter, indicator."""
    frame = table.to_pandas()
    area = "region_code" if kind == "region_quarter" else "municipality_code"
    ids = [c for c in (area, "quarter", "_row") if c in frame]
    long = frame.melt(id_vars=ids, value_vars=indicators, var_name="indicator", value_name="value")
    long["_col"] = long["indicator"].map(headers)
    long = long[long["value"].notna()]
    return pa.Table.from_pandas(long.astype({"_row": "int64"}), preserve_index=False)


def _title_text(grid: list[list], header_idx: int) -> str:
    return " ".join(str(c) for row in grid[:header_idx] for c in row if c not in (None, ""))


def _indicator_from_title(title: str, kind: str) -> str | None:
    """The area indicator whose name (in any language) appears in the title rows."""
    norm = f" {normalise_header(title)} "
    entity = "region" if kind == "region_quarter" else "municipality"
    hits = []
    for code in area_indicators():
        for lang in ("ru", "uk", "en"):
            name = normalise_header(header_label(code, lang, entity))
            if f" {name} " in norm or f" {normalise_header(code)} " in norm:
                hits.append((len(name), code))
    return max(hits)[1] if hits else None


def _period_wide(
    body: list[list],
    header: list,
    quarter_cols: list[int],
    kind: str,
    fmt: dict,
    filename: str,
    checksum: str,
    size: int,
    first_row: int,
    title: str,
) -> ReadResult:
    """A statistics office's table: the first non-quarter column names the area."""
    area = "region_code" if kind == "region_quarter" else "municipality_code"
    label_col = next(i for i in range(len(header)) if i not in quarter_cols)
    indicator = _indicator_from_title(title, kind)
    issues = []
    if indicator is None:
        issues.append(ReadIssue(None, None, title[:120], "error", "intake.error.no_indicator"))
    records = {area: [], "quarter": [], "indicator": [], "value": [], "_row": [], "_col": []}
    for offset, row in enumerate(body):
        label = row[label_col] if label_col < len(row) else None
        cells = [row[i] if i < len(row) else None for i in quarter_cols]
        values = [_stat_value(c) for c in cells]
        if label in (None, "") or all(v is None for v in values):
            continue  # spacer, sub-heading or footnote
        for col, value in zip(quarter_cols, values, strict=True):
            if value is None:
                continue
            records[area].append(_FOOTNOTE_MARK.sub("", _one_line(str(label))).strip())
            records["quarter"].append(str(header[col]))
            records["indicator"].append(indicator)
            records["value"].append(value)
            records["_row"].append(first_row + offset)
            records["_col"].append(str(header[col]))
    table = pa.table(
        {k: pa.array(v, pa.int64() if k == "_row" else pa.string()) for k, v in records.items()}
    )
    langs = [m[1] for h in header if h and (m := match_header(h, kind))]
    detected = Detected(
        kind=kind,
        layout="period_wide",
        header_language=_language(langs) if langs else "mixed",
        header_row=first_row - 1,
        indicator=indicator,
        **fmt,
    )
    detected = replace(detected, decimal=_detect_decimal(table, fmt))
    headers = {area: str(header[label_col]), "quarter": "", "value": ""}
    return ReadResult(filename, checksum, size, table, detected, headers, tuple(issues))


def _stat_value(cell: Any) -> str | None:
    if cell is None:
        return None
    text = str(cell).strip()
    if not text or text.lower() in NO_DATA_MARKS:
        return None
    return _FOOTNOTE_MARK.sub("", text).strip() or None
