"""Letters and door cards as PDF (ReportLab), with the deep link as a QR code (segno).

The "provider" of the letter: it turns outreach.letters.content.PaperContent into pages, the
way bot/twilio_sms.py turns a message into an API call. Positions are in millimetres from the
top-left corner of the sheet, as a ruler on the paper reads them.

The window envelope: a DL envelope (110 x 220 mm) with a window of 45 x 100 mm on the right,
20 mm from the right edge and 15 mm from the bottom, the usual French "fenêtre 45x100". An A4
sheet folded in three puts its top third behind it. La Poste's guidance for window envelopes
places the address block in a frame 85 mm wide and 33 mm high, 110 mm from the left edge and
55 mm from the top of the sheet: inside the window however the folded sheet slides in the
envelope. Nothing else is printed in the window zone, so the outside shows the address and
nothing about the team, the procedure or a debt.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterable

import segno
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from outreach.letters.content import PaperContent

# (left, top, width, height) in mm on the A4 sheet.
ADDRESS_FRAME = (110.0, 55.0, 85.0, 33.0)
# What the envelope's window can show of the sheet, with the play of the sheet in it.
WINDOW_ZONE = (95.0, 40.0, 110.0, 58.0)
MARGIN = 20.0
QR_SIZE = 32.0  # mm, quiet zone included: phones read it from 20 cm
QR_QUIET = 4  # modules of white around the code, as ISO/IEC 18004 asks

REGULAR, BOLD = "Helvetica", "Helvetica-Bold"
ADDRESS_SIZE = 10.0  # pt; La Poste asks for 9 to 12 in the address block
BODY_SIZE = 11.0
LEADING = 1.35  # line height, as a multiple of the font size


def letters_pdf(letters: Iterable[PaperContent], *, title: str) -> bytes:
    """One A4 page per letter, in the order given (a batch is one PDF)."""
    buffer = io.BytesIO()
    canvas = _canvas(buffer, A4, title)
    for content in letters:
        _letter_page(canvas, content)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def card_pdf(content: PaperContent, *, title: str) -> bytes:
    """The door card: one A6 page, to print on card stock or cut from an A4 sheet."""
    buffer = io.BytesIO()
    canvas = _canvas(buffer, A6, title)
    _card_page(canvas, content)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _canvas(buffer: io.BytesIO, size: tuple[float, float], title: str) -> Canvas:
    # invariant: no creation date or random id in the file, so the same letters give the same
    # bytes (tests, re-downloads).
    canvas = Canvas(buffer, pagesize=size, invariant=True, pageCompression=1)
    canvas.setTitle(printable(title))
    canvas.setAuthor("Aller-Vers")
    return canvas


class _Pen:
    """Writes lines downwards from a top position, in mm from the top-left of the page."""

    def __init__(self, canvas: Canvas, *, left: float, top: float, width: float) -> None:
        self.canvas, self.left, self.y, self.width = canvas, left, top, width
        self.height = canvas._pagesize[1] / mm

    def line(self, text: str, *, size: float = BODY_SIZE, bold: bool = False) -> None:
        font = BOLD if bold else REGULAR
        self.y += size * 0.3528  # the baseline sits one font size (pt -> mm) below the top
        self.canvas.setFont(font, size)
        self.canvas.drawString(self.left * mm, (self.height - self.y) * mm, printable(text))
        self.y += size * 0.3528 * (LEADING - 1)

    def paragraph(
        self, text: str, *, size: float = BODY_SIZE, bold: bool = False, hard: bool = False
    ) -> None:
        """Wrapped at spaces; `hard`: anywhere (a link has no space)."""
        font = BOLD if bold else REGULAR
        split = _hard_split if hard else simpleSplit
        for part in split(printable(text), font, size, self.width * mm):
            self.line(part, size=size, bold=bold)

    def skip(self, millimetres: float) -> None:
        self.y += millimetres


def _letter_page(canvas: Canvas, content: PaperContent) -> None:
    page_width = A4[0] / mm
    width = page_width - 2 * MARGIN
    head = _Pen(canvas, left=MARGIN, top=18, width=80)
    head.line(content.organisation, size=13, bold=True)
    head.paragraph(content.header, size=9)
    left, top, frame_width, _height = ADDRESS_FRAME
    window = _Pen(canvas, left=left, top=top, width=frame_width)
    for line in content.address:
        window.line(line, size=ADDRESS_SIZE)
    body = _Pen(canvas, left=MARGIN, top=104, width=width)
    body.line(content.date_line, size=10)
    body.skip(4)
    body.line(content.title, bold=True)
    body.skip(4)
    if content.greeting:
        body.line(content.greeting)
        body.skip(2)
    for paragraph in content.paragraphs:
        body.paragraph(paragraph)
        body.skip(2.5)
    for line in content.reach:
        body.paragraph(line, size=12, bold=True)
    body.skip(3)
    if content.link and content.scan:
        _qr_with_text(canvas, content, left=MARGIN, top=body.y, width=width)
        body.skip(QR_SIZE + 4)
    for line in content.closing:
        body.line(line)


def _card_page(canvas: Canvas, content: PaperContent) -> None:
    margin = 8.0
    width = A6[0] / mm - 2 * margin
    pen = _Pen(canvas, left=margin, top=8, width=width)
    pen.line(content.organisation, size=11, bold=True)
    if content.header:
        pen.paragraph(content.header, size=8)
    pen.skip(4)
    pen.paragraph(content.title, size=15, bold=True)
    pen.skip(2)
    for paragraph in content.paragraphs:
        pen.paragraph(paragraph, size=10)
    pen.skip(2)
    for line in content.reach:
        pen.paragraph(line, size=11, bold=True)
    pen.skip(3)
    if content.link and content.scan:
        _qr_with_text(canvas, content, left=margin, top=pen.y, width=width, size=9)


def _qr_with_text(
    canvas: Canvas,
    content: PaperContent,
    *,
    left: float,
    top: float,
    width: float,
    size: float = BODY_SIZE,
) -> None:
    assert content.link is not None and content.scan is not None
    draw_qr(canvas, content.link, left=left, top=top, size=QR_SIZE)
    beside = _Pen(canvas, left=left + QR_SIZE + 3, top=top + 4, width=width - QR_SIZE - 3)
    beside.paragraph(content.scan, size=size)
    beside.skip(1.5)
    beside.paragraph(content.link, size=size - 3, hard=True)


def draw_qr(canvas: Canvas, data: str, *, left: float, top: float, size: float) -> None:
    """The QR code as vector squares (sharp at any printer resolution), quiet zone included."""
    code = segno.make(data, error="m", micro=False)
    matrix = code.matrix
    modules = len(matrix) + 2 * QR_QUIET
    unit = size / modules * mm
    height = canvas._pagesize[1]
    x0, y0 = left * mm + QR_QUIET * unit, height - top * mm - QR_QUIET * unit
    canvas.setFillColorRGB(0, 0, 0)
    for row_index, row in enumerate(matrix):
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            canvas.rect(
                x0 + start * unit,
                y0 - (row_index + 1) * unit,
                (column - start) * unit,
                unit,
                stroke=0,
                fill=1,
            )


def _hard_split(text: str, font: str, size: float, width: float) -> list[str]:
    lines, current = [], ""
    for char in text:
        if current and stringWidth(current + char, font, size) > width:
            lines.append(current)
            current = ""
        current += char
    return [*lines, current] if current else lines


def printable(text: str) -> str:
    """The text in the characters the standard PDF fonts have (Windows-1252): a letter outside
    them loses its accent (ł -> l) rather than print as a black box."""
    kept = []
    for char in text:
        try:
            char.encode("cp1252")
            kept.append(char)
        except UnicodeEncodeError:
            plain = unicodedata.normalize("NFKD", char).encode("cp1252", "ignore").decode("cp1252")
            kept.append(plain or "?")
    return "".join(kept)
