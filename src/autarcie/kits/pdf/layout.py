"""Where things go on a kit page, computed before anything is drawn: text is wrapped to its
width and rows of fields break to a new line, so nothing runs off the page or under a barcode."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth

from autarcie.kits.content import french_text

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 14 * mm
RIGHT = PAGE_WIDTH - MARGIN
TOP = PAGE_HEIGHT - 12 * mm
FOOTER_TOP = 20 * mm  # body text stops above the footer block
MIN_LINE = 45.0  # the shortest writing line a field may get, in points
FIELD_GAP = 10.0  # between a field's line and the next label


@dataclass(frozen=True)
class Box:
    """A rectangle in PDF coordinates (origin bottom left, y upwards)."""

    x0: float
    y0: float
    x1: float
    y1: float

    def intersects(self, other: Box) -> bool:
        return (
            self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1
        )

    def inside(self, other: Box, slack: float = 0.5) -> bool:
        return (
            self.x0 >= other.x0 - slack
            and self.x1 <= other.x1 + slack
            and self.y0 >= other.y0 - slack
            and self.y1 <= other.y1 + slack
        )


def text_box(text: str, font: str, size: float, x: float, baseline: float) -> Box:
    """The room a line of text takes: its advance width, descent to cap height."""
    return Box(x, baseline - 0.25 * size, x + stringWidth(text, font, size), baseline + size)


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of ``text`` no wider than ``width``: at spaces, and inside a word too long for a
    line (an unbroken identifier or pasted string would otherwise run off the page)."""
    lines: list[str] = []
    for split in simpleSplit(text, font, size, width) or [""]:
        rest = split
        while stringWidth(rest, font, size) > width and len(rest) > 1:
            cut = len(rest) - 1
            while cut > 1 and stringWidth(rest[:cut], font, size) > width:
                cut -= 1
            hyphen = rest.rfind("-", 0, cut)
            cut = hyphen + 1 if hyphen > 0 else cut  # a compound name breaks at its hyphen
            lines.append(rest[:cut])
            rest = rest[cut:]
        lines.append(rest)
    return lines


def fit_lines(
    text: str, font: str, size: float, width: float, smallest: float, most: int = 1
) -> tuple[float, list[str]]:
    """The largest size, from ``size`` down to ``smallest``, at which ``text`` takes at most
    ``most`` lines of ``width``, and those lines (more only if even ``smallest`` is too big)."""
    while size > smallest and len(wrap(text, font, size, width)) > most:
        size -= 0.25
    size = max(size, smallest)
    return size, wrap(text, font, size, width)


@dataclass(frozen=True)
class PlacedField:
    """One 'Label : ______' of a row: its label's x, its writing line, the row line it is on."""

    label: str  # as printed (with its colon), empty for a bare writing line
    label_x: float
    line_start: float
    line_end: float
    line: int


def field_label(label: str) -> str:
    return french_text(f"{label} :") if label else ""


def place_fields(
    fields: Sequence[tuple[str, float]],
    font: str,
    size: float,
    left: float = MARGIN,
    right: float = RIGHT,
) -> list[PlacedField]:
    """Lay fields left to right; one that does not fit (label and at least ``MIN_LINE`` of
    writing line) starts the next line. A width of 0 takes the rest of the line; a requested
    width is cut to what the line has left."""
    placed: list[PlacedField] = []
    x, line = left, 0
    for label, width in fields:
        text = field_label(label)
        label_width = stringWidth(text, font, size) + (4 if text else 0)
        wanted = max(width, MIN_LINE)
        if x > left and x + label_width + wanted > right:
            x, line = left, line + 1
        start = x + label_width
        end = right if width == 0 else min(start + width, right)
        placed.append(PlacedField(text, x, start, end, line))
        x = end + FIELD_GAP
    return placed
