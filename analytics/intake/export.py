"""CSV and XLSX writers that neutralise formula injection (used by intake, the app, reports).

A cell whose text starts with ``=``, ``+``, ``-``, ``@`` (or a tab / carriage return, which
some spreadsheets strip before evaluating) is written with a leading apostrophe, so Excel
and LibreOffice show it as text instead of running it (OWASP "CSV injection"). Numbers,
dates and missing values are written as they are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(DANGEROUS_START):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell (and header) made safe; other columns untouched."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_string_dtype(out[col]) or out[col].dtype == object:
            out[col] = out[col].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def write_csv(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    sep: str = ";",
    decimal: str = ",",
    encoding: str = "utf-8-sig",
) -> Path:
    """A CSV Excel on a ru/uk machine opens correctly: ``;``, decimal comma, UTF-8 with BOM."""
    path = Path(path)
    neutralise_frame(frame).to_csv(path, sep=sep, decimal=decimal, index=False, encoding=encoding)
    return path


def write_xlsx(sheets: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """One worksheet per frame, text cells neutralised, header row frozen."""
    path = Path(path)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            neutralise_frame(frame).to_excel(writer, sheet_name=name[:31], index=False)
            writer.sheets[name[:31]].freeze_panes = "A2"
    return path
