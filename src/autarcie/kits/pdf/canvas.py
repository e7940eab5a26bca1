"""The page frame every kit sheet shares: fonts, header, witness footer, page x/y, a writer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from autarcie.kits.content import french_moment, french_text
from autarcie.kits.pdf.layout import (
    FOOTER_TOP,
    MARGIN,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    TOP,
    Box,
    place_fields,
    wrap,
)

REGULAR = "KitSans"
BOLD = "KitSans-Bold"
MONO = "KitMono"
_FONT_FILES = {
    REGULAR: "DejaVuSans.ttf",
    BOLD: "DejaVuSans-Bold.ttf",
    MONO: "DejaVuSansMono.ttf",
}


class FontError(Exception):
    """The Unicode font the kits embed is missing."""


def register_fonts(font_dir: Path) -> None:
    """Embed DejaVu (accents, ≥ ≤, narrow no-break spaces); the PDF base fonts lack them."""
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name, file_name in _FONT_FILES.items():
        if name in registered:
            continue
        path = font_dir / file_name
        if not path.exists():
            raise FontError(
                f"font {file_name} not found in {font_dir}: install Debian's fonts-dejavu-core "
                "or set AUTARCIE_KITS_FONT_DIR"
            )
        pdfmetrics.registerFont(TTFont(name, str(path)))


@dataclass(frozen=True)
class Frame:
    """What every page of a kit file says about itself."""

    hospital: str
    unit: str
    title: str
    generated_at: Any
    data_as_of: Any
    head_seq: int
    head_hash: str
    compact: bool = False  # label sheets: the frame fits in the 15 mm margins


CONFIDENTIAL = (
    "CONFIDENTIEL — secret médical. Ne pas laisser sans surveillance ; "
    "détruire au broyeur après usage ou à la réception du kit suivant."
)


class KitCanvas(Canvas):  # type: ignore[misc]
    """A canvas that writes the footers at the end, once the page count is known."""

    def __init__(self, path: str, frame: Frame) -> None:
        super().__init__(path, pagesize=A4, pageCompression=1, invariant=1)
        self.kit_frame = frame
        self._pages: list[dict[str, Any]] = []
        # Areas drawn as graphics (barcodes), by page number: text must never cross them.
        self.reserved: list[tuple[int, Box]] = []
        self.setTitle(f"{frame.title} — {frame.unit}")
        self.setAuthor("Autarcie")

    def reserve(self, box: Box) -> None:
        self.reserved.append((len(self._pages) + 1, box))

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._footer(number, total)
            Canvas.showPage(self)
        Canvas.save(self)

    @property
    def page_count(self) -> int:
        return len(self._pages)

    def _footer(self, number: int, total: int) -> None:
        f = self.kit_frame
        # The page's own drawing may have left a dash pattern or a colour set: reset them.
        self.setDash()
        self.setFillColorRGB(0, 0, 0)
        self.setStrokeColorRGB(0, 0, 0)
        if f.compact:
            self._compact_footer(number, total)
            return
        self.setLineWidth(0.6)
        self.line(MARGIN, 17 * mm, PAGE_WIDTH - MARGIN, 17 * mm)
        self.setFont(BOLD, 8.5)
        self.drawString(
            MARGIN,
            13.5 * mm,
            french_text(
                f"{f.unit} · Édité le {french_moment(f.generated_at)} · "
                f"Données arrêtées au {french_moment(f.data_as_of)}"
            ),
        )
        self.drawRightString(PAGE_WIDTH - MARGIN, 13.5 * mm, f"Page {number}/{total}")
        self.setFont(REGULAR, 7.5)
        self.drawString(MARGIN, 10 * mm, french_text(CONFIDENTIAL))
        self.setFont(MONO, 6.5)
        self.drawString(
            MARGIN, 6.5 * mm, f"Témoin du journal avant édition : n° {f.head_seq} · {f.head_hash}"
        )

    def _compact_footer(self, number: int, total: int) -> None:
        f = self.kit_frame
        top = PAGE_HEIGHT - 4.5 * mm
        self.setFont(BOLD, 7.5)
        self.drawString(7 * mm, top, french_text(f"{f.hospital} — {f.unit} · {f.title}"))
        self.drawRightString(PAGE_WIDTH - 7 * mm, top, f"Page {number}/{total}")
        self.setFont(REGULAR, 7)
        self.drawString(
            7 * mm,
            top - 3.3 * mm,
            french_text(
                f"Édité le {french_moment(f.generated_at)} · "
                f"Données arrêtées au {french_moment(f.data_as_of)}"
            ),
        )
        self.setFont(REGULAR, 6.5)
        self.drawString(7 * mm, top - 6.3 * mm, french_text(CONFIDENTIAL))
        self.setFont(MONO, 6)
        self.drawString(
            7 * mm, 6 * mm, f"Témoin du journal avant édition : n° {f.head_seq} · {f.head_hash}"
        )


Cell = tuple[str, float]  # text, width in points
Band = Callable[["Writer"], None]  # draws the band under the header of every page of a section


class WriterError(Exception):
    """Layout code drew before starting a section: the page would have no known header."""


class Writer:
    """A top-down cursor over pages: headings, wrapped paragraphs, boxed rows, checkboxes.

    Pages come in sections (a patient's summary, a blank form…). Each section says which band
    heads its pages; a page a section runs onto gets that section's band and no other one."""

    def __init__(self, canvas: KitCanvas) -> None:
        self.c = canvas
        self.band: Band | None = None
        self.y = TOP
        self.started = False

    @property
    def width(self) -> float:
        return float(PAGE_WIDTH - 2 * MARGIN)

    def section(self, band: Band | None) -> None:
        """Start a section on a fresh page, headed by ``band`` (or by no band at all)."""
        self.band = band
        self._next_page()

    def _next_page(self) -> None:
        if self.started:
            self.c.showPage()
        self.started = True
        self.y = TOP
        self._header()
        if self.band is not None:
            self.band(self)

    def _header(self) -> None:
        f = self.c.kit_frame
        title = french_text(f.title)
        self.c.setFont(BOLD, 10)
        self.c.drawRightString(PAGE_WIDTH - MARGIN, self.y - 9, title)
        room = self.width - pdfmetrics.stringWidth(title, BOLD, 10) - 12
        left = wrap(french_text(f"{f.hospital} — {f.unit}"), BOLD, 10, room)
        for line in left:
            self.c.drawString(MARGIN, self.y - 9, line)
            self.y -= 12
        self.y -= 1
        self.c.setLineWidth(0.6)
        self.c.line(MARGIN, self.y, PAGE_WIDTH - MARGIN, self.y)
        self.y -= 6

    def ensure(self, height: float) -> None:
        if not self.started:
            raise WriterError("start a section (Writer.section) before drawing")
        if self.y - height < FOOTER_TOP:
            self._next_page()

    def lines(self, text: str, font: str, size: float, leading: float, width: float = 0) -> None:
        """Wrapped lines from the cursor down, with no page break (for a page's band)."""
        self.c.setFont(font, size)
        for line in wrap(french_text(text), font, size, width or self.width):
            self.y -= leading
            self.c.drawString(MARGIN, self.y, line)

    def heading(self, text: str, size: float = 15) -> None:
        for line in wrap(french_text(text), BOLD, size, self.width):
            self.ensure(size * 2.2)
            self.y -= size * 1.15
            self.c.setFont(BOLD, size)
            self.c.drawString(MARGIN, self.y, line)
        self.y -= size * 0.5

    def para(self, text: str, size: float = 11, bold: bool = False, indent: float = 0) -> None:
        font = BOLD if bold else REGULAR
        leading = size * 1.25
        for raw in text.splitlines() or [""]:
            for line in wrap(french_text(raw), font, size, self.width - indent):
                self.ensure(leading)
                self.y -= leading
                self.c.setFont(font, size)
                self.c.drawString(MARGIN + indent, self.y + size * 0.25, line)

    def gap(self, points: float) -> None:
        self.y -= points

    def row(
        self,
        cells: Sequence[Cell],
        size: float = 10,
        bold: bool = False,
        height: float | None = None,
        boxed: bool = True,
    ) -> float:
        """One table row; each cell wraps inside its width; the row grows to fit.

        Returns the row's height."""
        font = BOLD if bold else REGULAR
        leading = size * 1.2
        wrapped = [wrap(french_text(text), font, size, width - 6) for text, width in cells]
        needed = max(len(lines) for lines in wrapped) * leading + 6
        row_height = max(height or 0.0, needed)
        self.ensure(row_height)
        x = MARGIN
        top = self.y
        self.c.setFont(font, size)
        for (_, width), lines in zip(cells, wrapped, strict=True):
            if boxed:
                self.c.rect(x, top - row_height, width, row_height)
            text_y = top - 3 - size
            for line in lines:
                self.c.drawString(x + 3, text_y, line)
                text_y -= leading
            x += width
        self.y = top - row_height
        return float(row_height)

    def checkbox(self, x: float, y: float, label: str, size: float = 10) -> float:
        """A square to tick then its label; returns the x after it."""
        self.c.rect(x, y - 1, size * 0.9, size * 0.9)
        self.c.setFont(REGULAR, size)
        text = french_text(label)
        self.c.drawString(x + size * 1.3, y, text)
        return float(x + size * 1.3 + pdfmetrics.stringWidth(text, REGULAR, size) + size)

    def choices(self, label: str, options: Sequence[tuple[str, str]], size: float = 10) -> None:
        """A labelled line of boxes to tick, wrapping as needed: 'code libellé'."""
        text = french_text(label)
        boxes_x = MARGIN + max(150, pdfmetrics.stringWidth(text, BOLD, size) + 12)
        self.ensure(size * 2.6)
        self.y -= size * 1.5
        self.c.setFont(BOLD, size)
        self.c.drawString(MARGIN, self.y, text)
        x = boxes_x
        for code, option in options:
            item = f"{code} {option}".strip()
            needed = size * 1.3 + pdfmetrics.stringWidth(french_text(item), REGULAR, size)
            if x > boxes_x and x + needed > PAGE_WIDTH - MARGIN:
                self.ensure(size * 1.6)
                self.y -= size * 1.5
                x = boxes_x
            x = self.checkbox(x, self.y, item, size)
        self.y -= size * 0.4

    def fields(self, labels: Sequence[tuple[str, float]], size: float = 11) -> None:
        """A row of 'Label : ________' writing lines, broken over lines to fit the page."""
        placed = place_fields(labels, REGULAR, size)
        for number in range(placed[-1].line + 1):
            self.ensure(size * 2.4)
            self.y -= size * 2
            self.c.setFont(REGULAR, size)
            for field in (f for f in placed if f.line == number):
                if field.label:
                    self.c.drawString(field.label_x, self.y, field.label)
                self.c.setDash(1, 2)
                self.c.line(field.line_start, self.y - 2, field.line_end, self.y - 2)
                self.c.setDash()
