"""Refusing hostile or broken uploads before any parser sees them.

Size, zip expansion (XLSX files are zip archives) and line length are checked on the raw
bytes, so a 10 GB "xlsx" of zeros or a CSV with one endless line never reaches openpyxl
or the CSV parser. A workbook small on disk can still hold millions of cells: its cells
are counted in the sheet's XML (a byte scan, no parsing) before openpyxl reads it, and the
reader counts them again while streaming (see ``readers._sheet_rows``).

Every refusal is a UserError in our own words: the exceptions of zipfile and openpyxl
("File is not a zip file", "Bad CRC-32 ...") never reach the user.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from dataclasses import dataclass, field

import numpy as np

from analytics.errors import UserError

MB = 1024 * 1024
# Excel's own limit for the text of one cell: longer text comes from no spreadsheet.
EXCEL_CELL_CHARS = 32_767
_SCAN_CHUNK = 4 * MB


def _env_number(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


@dataclass(frozen=True)
class Limits:
    """Upload limits. ``max_bytes`` defaults to PARKS_MAX_UPLOAD_MB (50 MB); ``max_cells``
    (cells of one worksheet, counted with the empty ones inside the used range) to
    PARKS_MAX_XLSX_CELLS (2 million: openpyxl reads about 300,000 cells a second, so a
    refused workbook is answered in seconds; a CSV of the same data has no such limit)."""

    max_bytes: int = field(default_factory=lambda: int(_env_number("PARKS_MAX_UPLOAD_MB", 50) * MB))
    max_line_bytes: int = 1 * MB
    max_unzipped_bytes: int = 500 * MB
    # Real spreadsheets compress 5-30x; a bomb is in the thousands.
    max_zip_ratio: float = 200.0
    max_cells: int = field(
        default_factory=lambda: int(_env_number("PARKS_MAX_XLSX_CELLS", 2_000_000))
    )
    max_cell_chars: int = EXCEL_CELL_CHARS


def plain_count(n: int) -> str:
    """A count with no-break spaces between thousands ("2 000 000"): readable in every
    language of the catalogue, for messages raised before a language is known."""
    return f"{n:,}".replace(",", "\u00a0")


def check_size(size: int, limits: Limits, file: str) -> None:
    if size > limits.max_bytes:
        raise UserError(
            "intake.file_too_large",
            file=file,
            size_mb=f"{size / MB:.1f}",
            limit_mb=f"{limits.max_bytes / MB:.1f}",
        )


# What a zip archive that is not an .xlsx workbook holds, by a part only it has.
_OTHER_PACKAGES = (
    ("xl/workbook.bin", "intake.read.zip_xlsb"),
    ("word/document.xml", "intake.read.zip_word"),
    ("ppt/presentation.xml", "intake.read.zip_powerpoint"),
    ("content.xml", "intake.read.zip_opendocument"),
)


def check_zip(data: bytes, limits: Limits, file: str) -> None:
    """Refuse an archive that is cut off, damaged, not a workbook or would expand past the
    limits, reading only its directory (and the shared-strings part's length in items)."""
    archive = _open_zip(data, file)
    with archive:
        infos = archive.infolist()
        names = {info.filename for info in infos}
        total = sum(info.file_size for info in infos)
        packed = max(sum(info.compress_size for info in infos), 1)
        if total > limits.max_unzipped_bytes or total / packed > limits.max_zip_ratio:
            raise UserError(
                "intake.zip_bomb",
                file=file,
                unzipped_mb=f"{total / MB:.0f}",
                ratio=f"{total / packed:.0f}",
            )
        if "xl/workbook.xml" not in names:
            for part, key in _OTHER_PACKAGES:
                if part in names:
                    raise UserError(key, file=file)
            raise UserError("intake.read.zip_not_workbook", file=file)
        if "xl/sharedStrings.xml" in names:
            # openpyxl loads every shared string before the first row; a million of them
            # take longer than the whole import should.
            strings = count_tags(archive, "xl/sharedStrings.xml", (b"<si>", b"<si "), file)
            if strings > limits.max_cells:
                raise UserError(
                    "intake.read.too_many_strings",
                    file=file,
                    strings=plain_count(strings),
                    limit=plain_count(limits.max_cells),
                )


def _open_zip(data: bytes, file: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        # The directory of a zip archive is at its end: without it, the file was cut off.
        if b"PK\x05\x06" not in data[-(66 * 1024) :]:
            raise UserError("intake.read.xlsx_truncated", file=file) from exc
        raise UserError("intake.xlsx_broken", file=file) from exc
    except (OSError, ValueError, NotImplementedError, EOFError) as exc:
        raise UserError("intake.xlsx_broken", file=file) from exc


def count_tags(archive: zipfile.ZipFile, member: str, tags: tuple[bytes, ...], file: str) -> int:
    """Occurrences of ``tags`` in an archive member, decompressed in chunks (bounded memory;
    a tag split across two chunks is found in the carried tail)."""
    carry = min(len(tag) for tag in tags) - 1
    found, tail = 0, b""
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(_SCAN_CHUNK):
                block = tail + chunk
                found += sum(block.count(tag) for tag in tags)
                # Shorter than a tag: a tag cut by the chunk end is found once, in the next.
                tail = block[-carry:]
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise UserError("intake.xlsx_broken", file=file) from exc
    return found


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[ >/]")


def scan_sheet(archive: zipfile.ZipFile, member: str, file: str) -> tuple[int, bool]:
    """(cells written in a worksheet's XML, whether any cell holds a formula): one pass over
    the decompressed bytes, no XML parsing, so a sheet of millions of cells is measured in
    about a second."""
    cells, formulas, tail = 0, False, b""
    tags = (b"<c ", b"<c>")
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(_SCAN_CHUNK):
                block = tail + chunk
                cells += sum(block.count(tag) for tag in tags)
                formulas = formulas or _FORMULA_TAG.search(block) is not None
                tail = block[-2:]  # shorter than a tag: no tag is counted twice
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise UserError("intake.xlsx_broken", file=file) from exc
    return cells, formulas


def check_line_lengths(data: bytes, limits: Limits, file: str) -> None:
    """Refuse text with a line longer than the limit (found with numpy, not a Python loop)."""
    if len(data) <= limits.max_line_bytes:
        return
    # A line longer than the limit covers a whole aligned block of half the limit; when
    # every such block holds a newline (a few hundred memchr calls), no line is too long.
    step = max(limits.max_line_bytes // 2, 1)
    if all(data.find(b"\n", i, i + step) >= 0 for i in range(0, len(data) - step + 1, step)):
        return
    newlines = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    bounds = np.concatenate(([-1], newlines, [len(data)]))
    gaps = np.diff(bounds) - 1
    longest = int(gaps.max())
    if longest > limits.max_line_bytes:
        line = int(np.argmax(gaps)) + 1
        raise UserError(
            "intake.line_too_long",
            file=file,
            line=line,
            size_mb=f"{longest / MB:.1f}",
            limit_mb=f"{limits.max_line_bytes / MB:.1f}",
        )
