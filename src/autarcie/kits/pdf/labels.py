"""Wristband labels on a standard A4 sheet of 3 by 7 labels (63.5 by 38.1 mm, L7160 layout)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from autarcie.kits.content import PatientSheet, french_date
from autarcie.kits.pdf.canvas import BOLD, MONO, REGULAR, KitCanvas
from autarcie.kits.pdf.layout import Box, fit_lines

COLUMNS, ROWS = 3, 7
LABEL_W, LABEL_H = 63.5 * mm, 38.1 * mm
PITCH_X = 66.0 * mm
LEFT_MARGIN = 7.2 * mm
TOP_MARGIN = 15.15 * mm


@dataclass(frozen=True)
class Label:
    name: str
    birth_name: str
    birth_date: str
    sex: str
    identifier: str  # IPP, or a temporary identifier
    kind: str  # "IPP" or "ID TEMP"


def patient_label(p: PatientSheet) -> Label:
    # The real name even for a hidden identity: the band stays on the patient (docs/kits.md).
    return Label(
        name=p.real_name(),
        birth_name=p.birth_family,
        birth_date=french_date(p.birth_date),
        sex=p.sex,
        identifier=p.ipp,
        kind=p.id_kind,
    )


def blank_label(tempid: str) -> Label:
    return Label("", "", "", "", tempid, "ID TEMP")


INNER = LABEL_W - 6 * mm  # text and barcode keep 3 mm from each side of the label
_BAR_HEIGHT = 8 * mm


def _barcode(identifier: str) -> Code128:
    """Code 128 at the usual bar width, narrowed if a long identifier would leave the label."""
    code = Code128(identifier, barHeight=_BAR_HEIGHT, barWidth=0.75, quiet=False)
    if code.width > INNER:
        code = Code128(
            identifier, barHeight=_BAR_HEIGHT, barWidth=0.75 * INNER / code.width, quiet=False
        )
    return code


def _fitted(
    c: Canvas, text: str, font: str, size: float, x: float, y: float, most: int = 1
) -> float:
    """Draw ``text`` shrunk to the label's width (down to 6 pt) rather than cut: a wristband
    that drops the end of a name identifies someone else. Returns the next line's baseline."""
    fitted, lines = fit_lines(text, font, size, INNER, 6, most)
    c.setFont(font, fitted)
    for line in lines:
        c.drawString(x, y, line)
        y -= fitted * 1.2
    return y


def _draw(c: KitCanvas, label: Label, x: float, y: float) -> None:
    """One label whose lower-left corner is (x, y); blank fields get writing lines."""
    left = x + 3 * mm
    top = y + LABEL_H - 5 * mm
    if label.name:
        below = _fitted(c, label.name, BOLD, 10, left, top, most=3)
        below = _fitted(c, f"Né(e) {label.birth_name}", REGULAR, 8, left, below)
        _fitted(c, f"le {label.birth_date} · sexe {label.sex or '—'}", REGULAR, 8, left, below)
    else:
        c.setFont(REGULAR, 8)
        for offset, text in ((0, "Nom :"), (10, "Né(e) :"), (20, "Le :            Sexe :")):
            c.drawString(left, top - offset, text.replace(" :", "\u202f:"))
    code = _barcode(label.identifier)
    code.drawOn(c, left, y + 6 * mm)
    c.reserve(Box(left, y + 6 * mm, left + float(code.width), y + 6 * mm + _BAR_HEIGHT))
    _fitted(c, f"{label.kind} {label.identifier}", MONO, 8, left, y + 2.5 * mm)


def label_pages(c: KitCanvas, labels: Sequence[Label]) -> None:
    """Fill as many sheets as needed (the page frame goes in the sheet's margins)."""
    per_page = COLUMNS * ROWS
    for start in range(0, max(len(labels), 1), per_page):
        for index, label in enumerate(labels[start : start + per_page]):
            column, row = index % COLUMNS, index // COLUMNS
            x = LEFT_MARGIN + column * PITCH_X
            y = A4[1] - TOP_MARGIN - (row + 1) * LABEL_H
            _draw(c, label, x, y)
        c.showPage()
