"""Which encoding a text file is in: the ones Russian and Ukrainian offices really send.

UTF-8 (with or without BOM) and UTF-16 (Excel's "Unicode text", with its BOM) say so
themselves. Otherwise the file is one of the Cyrillic single-byte code pages: Windows-1251
(Excel and 1C on Windows), CP866 (DOS programs, old 1C exports) or KOI8-R / KOI8-U (Unix
mail and old servers). The same bytes decode without error in all of them, so each is
scored on what its text looks like: Russian/Ukrainian letters, capitals only at the start of
words, no box-drawing or other stray symbols. A wrong code page gives words like "пАРК"
(KOI8 read as Windows-1251) or "ЏаЁў" (CP866 read as Windows-1251), which score low.

Files that are none of these — binary files, UTF-8 broken in the middle, a download cut
off inside a character — are refused with a message that names the problem.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np

from analytics.errors import UserError

BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig", "utf-8"),
    (b"\xff\xfe", "utf-16-le", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be", "utf-16-be"),
)
# In order of preference when two decode alike (KOI8-U is KOI8-R plus Ukrainian letters).
CODE_PAGES = ("cp1251", "koi8-r", "koi8-u", "cp866")
SAMPLE_BYTES = 256 * 1024
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")
_LETTERS = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґў")
# Typographic signs Cyrillic text uses; anything else above ASCII counts as stray.
_NEUTRAL = set("«»—–…№’‘“”„\u00a0°±§©®™€•·")
# Byte classes: 0 ASCII, 1 lower-case letter, 2 capital letter, 3 neutral sign, 4 stray.
_ASCII, _LOWER, _UPPER, _SIGN, _STRAY = range(5)


@cache
def _classes(encoding: str) -> np.ndarray:
    table = np.zeros(256, dtype=np.int8)
    for byte in range(128, 256):
        char = bytes([byte]).decode(encoding, errors="replace")
        if char.lower() in _LETTERS:
            table[byte] = _LOWER if char == char.lower() else _UPPER
        elif char in _NEUTRAL:
            table[byte] = _SIGN
        else:
            table[byte] = _STRAY
    return table


def score(sample: bytes, encoding: str) -> tuple[float, int]:
    """(score, stray characters) of ``sample`` read in ``encoding``: letters and typographic
    signs count for it; a stray symbol, or a capital right after a lower-case letter
    ("пАРК"), counts against."""
    classes = _classes(encoding)[np.frombuffer(sample, dtype=np.uint8)]
    plausible = np.count_nonzero((classes == _LOWER) | (classes == _UPPER) | (classes == _SIGN))
    stray = int(np.count_nonzero(classes == _STRAY))
    case_breaks = np.count_nonzero((classes[:-1] == _LOWER) & (classes[1:] == _UPPER))
    return float(plausible - 3 * (stray + case_breaks)), stray


def decode(data: bytes, file: str) -> tuple[str, str]:
    """The text of ``data`` and the name of its encoding; UserError when it has none of the
    encodings above."""
    for bom, name, codec in BOMS:
        if data.startswith(bom):
            return _strict(data[len(bom) :], codec, name, file), name
    if b"\x00" in data[:SAMPLE_BYTES]:
        utf16 = _utf16_without_bom(data[:SAMPLE_BYTES])
        if utf16 is None:
            raise UserError("intake.read.binary", file=file)
        return _strict(data, utf16, utf16, file), utf16
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        _refuse_broken_utf8(data, exc, file)
    return _code_page(data, file)


def _strict(data: bytes, codec: str, name: str, file: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3:
            raise UserError("intake.read.cut_off_character", file=file, encoding=name) from exc
        line = data.count(b"\n", 0, exc.start) + 1
        raise UserError("intake.read.bad_bytes", file=file, encoding=name, line=line) from exc


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 saved without its BOM: most ASCII characters leave a zero byte on one side."""
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = len(sample) / 2
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def _refuse_broken_utf8(data: bytes, exc: UnicodeDecodeError, file: str) -> None:
    """A file that is UTF-8 up to a point is not a code-page file: say where it breaks."""
    before = data[: exc.start]
    # A byte of a cut-off character at the very end: the file was truncated.
    if exc.start >= len(data) - 3 and exc.reason == "unexpected end of data":
        raise UserError("intake.read.cut_off_character", file=file, encoding="UTF-8") from exc
    try:
        decoded = before.decode("utf-8")
    except UnicodeDecodeError:  # pragma: no cover - ``before`` ends where decoding failed
        return
    cyrillic = sum(1 for char in decoded[-100_000:] if char.lower() in _LETTERS)
    if cyrillic >= 3:
        line = data.count(b"\n", 0, exc.start) + 1
        raise UserError("intake.read.mixed_encodings", file=file, line=line) from exc


def _code_page(data: bytes, file: str) -> tuple[str, str]:
    sample = _non_ascii_sample(data)
    high = int(np.count_nonzero(np.frombuffer(sample, dtype=np.uint8) >= 128))
    scores = {enc: score(sample, enc) for enc in CODE_PAGES}
    # Windows-1251 is by far the most common: another code page must read clearly better
    # (a lone no-break space is a letter in CP866 and a sign in Windows-1251).
    margin = max(3.0, 0.1 * high)
    encoding = "cp1251"
    for enc in CODE_PAGES[1:]:
        if scores[enc][0] > scores[encoding][0] + (margin if encoding == "cp1251" else 0):
            encoding = enc
    best, stray = scores[encoding]
    # Mostly stray symbols in every code page: not Cyrillic text at all.
    if high and (best <= 0 or stray > 0.25 * high):
        raise UserError("intake.read.unknown_encoding", file=file)
    return data.decode(encoding), encoding


def _non_ascii_sample(data: bytes) -> bytes:
    """Up to SAMPLE_BYTES of the file around its non-ASCII bytes (a file whose first
    megabyte is codes and digits still has names further down)."""
    head = data[:SAMPLE_BYTES]
    if len(data) <= SAMPLE_BYTES or _HIGH_BYTE.search(head, 0, 4096):
        return head
    found = _HIGH_BYTE.search(data)
    first = found.start() if found else 0
    return data[first : first + SAMPLE_BYTES]
