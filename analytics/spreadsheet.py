"""Spreadsheet-safe CSV and XLSX writers: cells that would run as formulas are neutralised (used by
intake, the app and the reports).

A cell whose text a spreadsheet would run as a formula — it starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return (which some spreadsheets strip before evaluating) — is
written with a leading apostrophe, so Excel and LibreOffice show it as text instead of
running it (OWASP "CSV injection"). ``-2+3+cmd|' /C calc'!A0`` starts like a number and is
a formula all the same, so only a cell that is wholly a number ("-15", "+3,2 %",
"-1 234,5") keeps its sign unescaped: a spreadsheet reads it as that number and runs
nothing. Numbers, dates and missing values are written as they are.

Every way data leave the product goes through :func:`neutralise`: these writers, the
templates filled with data, the XLSX report and the app's tables (whose own CSV download
and clipboard copy do not neutralise).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
# A signed number as our formatters and users write it: digits, group spaces, one decimal
# sign, an optional percent.
_SIGNED_NUMBER = re.compile(r"[-+][\d \u00a0\u202f]*(?:[.,]\d+)?\s*%?")


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet would run ``text`` as a formula (leading spaces ignored)."""
    stripped = text.lstrip(" \u00a0")
    if not stripped.startswith(DANGEROUS_START):
        return False
    return not (stripped[0] in "+-" and _SIGNED_NUMBER.fullmatch(stripped))


def neutralise(value: Any) -> Any:
    """``value`` safe for a spreadsheet: formula-like text gets a leading apostrophe."""
    if isinstance(value, str) and looks_like_formula(value):
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
