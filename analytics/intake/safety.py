"""Refusing hostile or broken uploads before any parser sees them.

Size, zip expansion (XLSX files are zip archives) and line length are checked on the raw
bytes, so a 10 GB "xlsx" of zeros or a CSV with one endless line never reaches openpyxl
or the CSV parser.
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass, field

import numpy as np

from analytics.errors import UserError

MB = 1024 * 1024


def _env_mb(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


@dataclass(frozen=True)
class Limits:
    """Upload limits. ``max_bytes`` defaults to PARKS_MAX_UPLOAD_MB (50 MB)."""

    max_bytes: int = field(default_factory=lambda: int(_env_mb("PARKS_MAX_UPLOAD_MB", 50) * MB))
    max_line_bytes: int = 1 * MB
    max_unzipped_bytes: int = 500 * MB
    # Real spreadsheets compress 5-30x; a bomb is in the thousands.
    max_zip_ratio: float = 200.0


def check_size(size: int, limits: Limits) -> None:
    if size > limits.max_bytes:
        raise UserError(
            "intake.file_too_large",
            size_mb=f"{size / MB:.1f}",
            limit_mb=f"{limits.max_bytes / MB:.1f}",
        )


def check_zip(data: bytes, limits: Limits) -> None:
    """Refuse an archive that would expand past the limits, reading only its directory."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise UserError("intake.xlsx_broken", reason=str(exc)) from exc
    with archive:
        infos = archive.infolist()
    total = sum(info.file_size for info in infos)
    packed = max(sum(info.compress_size for info in infos), 1)
    if total > limits.max_unzipped_bytes or total / packed > limits.max_zip_ratio:
        raise UserError(
            "intake.zip_bomb",
            unzipped_mb=f"{total / MB:.0f}",
            ratio=f"{total / packed:.0f}",
        )


def check_line_lengths(data: bytes, limits: Limits) -> None:
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
            line=line,
            size_mb=f"{longest / MB:.1f}",
            limit_mb=f"{limits.max_line_bytes / MB:.1f}",
        )
