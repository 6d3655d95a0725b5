"""Reading printed pages back as a printer and a phone would: poppler-utils renders the PDF
(pdftoppm) and places its words (pdftotext -bbox), zxing-cpp reads the QR codes.

Poppler comes from Debian (`make test` installs it, like chromium): without it these tests skip
with a loud reason, and fail in CI.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest

SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
MM = 72 / 25.4  # PDF points in a millimetre
_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)
_PAGE = re.compile(r"<page [^>]*>(.*?)</page>", re.DOTALL)


def require_poppler() -> None:
    if shutil.which("pdftoppm") and shutil.which("pdftotext"):
        return
    reason = (
        "!!! LETTER PDF TESTS NOT RUN: pdftoppm/pdftotext missing. "
        "Install them with `apt-get install poppler-utils` to run them. !!!"
    )
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@dataclass(frozen=True)
class Word:
    """A word on the page, its box in millimetres from the top-left corner."""

    text: str
    left: float
    top: float
    right: float
    bottom: float

    def inside(self, left: float, top: float, width: float, height: float) -> bool:
        slack = 0.1  # mm: points rounded to millimetres
        return (
            self.left >= left - slack
            and self.top >= top - slack
            and self.right <= left + width + slack
            and self.bottom <= top + height + slack
        )

    def overlaps(self, left: float, top: float, width: float, height: float) -> bool:
        return not (
            self.right <= left
            or self.left >= left + width
            or self.bottom <= top
            or self.top >= top + height
        )


def words_by_page(pdf: Path) -> list[list[Word]]:
    out = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    return [
        [
            Word(unescape(text), *(float(value) / MM for value in box))
            for *box, text in _WORD.findall(page)
        ]
        for page in _PAGE.findall(out)
    ]


def render_pages(pdf: Path, folder: Path, *, dpi: int = 150) -> list[Path]:
    """Each page as an image, the way a 150 dpi scan (or a phone's camera) sees the paper.

    Grey levels in the raw PGM format (the letters are printed in black): pdftoppm writes 30
    pages in 0.3 s that way, where compressing them to PNG took 6 s. `keep` saves a PNG."""
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-gray", str(pdf), str(folder / "page")], check=True
    )
    return sorted(folder.glob("page-*.pgm"))


def qr_codes(png: Path) -> list[str]:
    import zxingcpp
    from PIL import Image

    with Image.open(png) as image:
        found = zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
        return [code.text for code in found]


def keep(png: Path, name: str) -> Path:
    """Save a rendered page as a PNG in test-artifacts/screenshots/ to look at."""
    from PIL import Image

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / name
    with Image.open(png) as image:
        image.save(target, format="PNG")
    return target
