"""Reading a panel CSV for the ``effects`` command, fast: the delimiter, the decimal mark and
the encoding are decided once from the file's first lines, then the whole file goes through
pandas' C parser with those options.

pandas' ``sep=None`` sniffs with the pure-Python engine, which was 6 s of the 8 s a 1.6 M-row
panel took from the command line. pyarrow's multi-threaded reader, tried next, was slower in a
fresh process on this 2-core machine than the C parser (0.3-0.9 s against 0.1 s for that
panel, and 60 MB more peak memory: its thread pool and memory pool start cold, and the table
is copied into pandas). Files from Russian and Ukrainian statistics offices come as
Windows-1251 with semicolons and decimal commas; those are read too.
"""

from __future__ import annotations

import codecs
import csv
import re
from pathlib import Path

import pandas as pd

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
        except UnicodeDecodeError:
            if encoding == ENCODINGS[-1]:
                raise
            data = _read(file, ENCODINGS[-1], sep, decimal)  # a non-UTF-8 byte past the sample
    except (OSError, ValueError) as exc:  # pandas' ParserError and UnicodeDecodeError among them
        raise UserError("effects.cli.unreadable", path=path, reason=_one_line(exc)) from None
    if data.empty:
        raise UserError("effects.cli.unreadable", path=path, reason="no rows")
    return data


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
    # Dates stay text (no parse_dates): the estimators parse periods themselves.
    return pd.read_csv(file, sep=sep, decimal=decimal, encoding=encoding, engine="c")


def _one_line(error: object) -> str:
    return " ".join(str(error).split())[:200]
