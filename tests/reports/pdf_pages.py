"""Reading rendered documents as a person sees them, with poppler (pdftotext, pdftoppm) and
LibreOffice (DOCX to PDF): page texts, word boxes, page images."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils")
needs_office = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (libreoffice-writer-nogui)")

_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
)


@dataclass(frozen=True)
class Word:
    x0: float
    y0: float  # from the top of the page, in points
    x1: float
    y1: float
    text: str

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    words: tuple[Word, ...]

    def lines(self, tolerance: float = 2.0) -> list[str]:
        """The page's words grouped into lines by their top, left to right."""
        rows: list[list[Word]] = []
        for word in sorted(self.words, key=lambda w: (w.y0, w.x0)):
            if rows and abs(rows[-1][0].y0 - word.y0) <= tolerance:
                rows[-1].append(word)
            else:
                rows.append([word])
        return [" ".join(w.text for w in sorted(row, key=lambda w: w.x0)) for row in rows]


def page_texts(pdf: Path) -> list[str]:
    """Each page's text as pdftotext lays it out (columns kept apart by spaces)."""
    out = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return out.replace("\xa0", " ").split("\f")[:-1]


def pages(pdf: Path) -> list[Page]:
    """Every page's size and word boxes (pdftotext -bbox)."""
    out = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    found = []
    for width, height, body in _PAGE.findall(out):
        words = tuple(
            Word(float(a), float(b), float(c), float(d), html.unescape(text))
            for a, b, c, d, text in _WORD.findall(body)
        )
        found.append(Page(float(width), float(height), words))
    return found


def page_count(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", out.stdout, re.M).group(1))


def to_pdf(documents: list[Path], folder: Path) -> list[Path]:
    """DOCX files converted by LibreOffice headless (one start for all of them)."""
    folder.mkdir(parents=True, exist_ok=True)
    profile = folder / "lo-profile"  # its own profile: no clash with another soffice
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(folder), *map(str, documents)],
        capture_output=True, check=True, timeout=300,
    )  # fmt: skip
    return [folder / f"{d.stem}.pdf" for d in documents]


def png(pdf: Path, page: int, target: Path, dpi: int = 80) -> Path:
    """One page as a PNG image at ``target`` (without its extension)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile",
         str(pdf), str(target)],
        check=True,
    )  # fmt: skip
    return target.with_suffix(".png")
