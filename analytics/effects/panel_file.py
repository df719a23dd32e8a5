"""Reading a panel CSV for the ``effects`` command, fast: the delimiter, the decimal mark and
the encoding are decided once from the file's first lines, then the whole file goes through
a compiled reader (pyarrow's multi-threaded one, or pandas' C parser for decimal commas).

pandas' ``sep=None`` sniffs with the pure-Python engine, which was 6 s of the 8 s a 1.6 M-row
panel took from the command line. Files from Russian and Ukrainian statistics offices come as
Windows-1251 with semicolons and decimal commas; those are read too.
"""

from __future__ import annotations

import codecs
import csv
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from analytics.errors import UserError

ENCODINGS = ("utf-8-sig", "cp1251")
DELIMITERS = ",;\t|"
SAMPLE_BYTES = 64 * 1024
# A number written with a decimal comma, as a whole cell: "1,5" or "-0,25" between delimiters.
_DECIMAL_COMMA = r"(?:^|{sep})\s*-?\d+,\d+\s*(?={sep}|$)"


def read_panel(path: str) -> pd.DataFrame:
    """The CSV at ``path`` (UTF-8, else Windows-1251), its delimiter and decimal mark taken
    from the first lines; a UserError naming the file and the reason when it cannot be read."""
    file = Path(path)
    if not file.is_file():
        raise UserError("effects.cli.unreadable", path=path, reason="no such file")
    with file.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    encoding, sample = _encoding(head)
    lines = sample.splitlines()[:50]
    if not lines:
        raise UserError("effects.cli.unreadable", path=path, reason="no rows")
    sep = _delimiter(lines)
    decimal = "," if sep != "," and _has_decimal_commas(lines[1:], sep) else "."
    try:
        try:
            data = _read(file, encoding, sep, decimal)
        except (UnicodeDecodeError, pa.ArrowInvalid) as exc:
            if encoding == ENCODINGS[-1] or not _bad_text(exc):
                raise
            data = _read(file, ENCODINGS[-1], sep, decimal)  # a non-UTF-8 byte past the sample
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise UserError("effects.cli.unreadable", path=path, reason=_one_line(exc)) from None
    except (pa.ArrowInvalid, OSError, ValueError) as exc:
        raise UserError("effects.cli.unreadable", path=path, reason=_one_line(exc)) from None
    if data.empty:
        raise UserError("effects.cli.unreadable", path=path, reason="no rows")
    return data


def _bad_text(error: Exception) -> bool:
    """Whether reading failed on bytes that are not UTF-8 (pyarrow says "invalid UTF8")."""
    text = str(error).lower().replace("-", "")
    return isinstance(error, UnicodeDecodeError) or "utf8" in text


def _encoding(head: bytes) -> tuple[str, str]:
    """The first encoding that decodes the sample (its last character may be cut in two)."""
    for encoding in ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            return encoding, decoder.decode(head, final=False)
        except UnicodeDecodeError:
            continue
    return ENCODINGS[-1], head.decode(ENCODINGS[-1], errors="replace")


def _delimiter(lines: list[str]) -> str:
    """The delimiter of the header and first rows; a one-column file has none of ours."""
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _has_decimal_commas(rows: list[str], sep: str) -> bool:
    pattern = re.compile(_DECIMAL_COMMA.format(sep=re.escape(sep)))
    return any(pattern.search(row) for row in rows)


def _read(file: Path, encoding: str, sep: str, decimal: str) -> pd.DataFrame:
    if decimal == "." and encoding == "utf-8-sig":
        return _read_arrow(file, sep)
    return pd.read_csv(file, sep=sep, decimal=decimal, encoding=encoding, engine="c")


def _read_arrow(file: Path, sep: str) -> pd.DataFrame:
    """pyarrow's multi-threaded reader (UTF-8, "." decimals). Cells it would take for dates
    stay text as the other readers leave them: the estimators parse periods themselves."""
    table = pacsv.read_csv(
        file,
        parse_options=pacsv.ParseOptions(delimiter=sep),
        convert_options=pacsv.ConvertOptions(timestamp_parsers=[]),
    )
    if any(pa.types.is_binary(column.type) for column in table.schema):
        # pyarrow keeps cells that are not UTF-8 as bytes: the file is Windows-1251 after all.
        raise UnicodeDecodeError("utf-8", b"", 0, 1, "invalid UTF8 past the first lines")
    if _quotes_unbalanced(file):
        # pyarrow runs a quote never closed to the end of the file; the other readers refuse.
        raise ValueError("a quoted cell is never closed (the file may be cut off)")
    for i, column in enumerate(table.schema):
        if pa.types.is_temporal(column.type):
            table = table.set_column(i, column.name, pc.cast(table.column(i), pa.string()))
    return table.to_pandas()


def _quotes_unbalanced(file: Path) -> bool:
    count = 0
    with file.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            count += chunk.count(b'"')
    return count % 2 == 1


def _one_line(error: object) -> str:
    return " ".join(str(error).split())[:200]
