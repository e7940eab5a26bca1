"""Wristband labels on a standard A4 sheet of 3 by 7 labels (63.5 by 38.1 mm, L7160 layout)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from autarcie.kits.content import PatientSheet, french_date
from autarcie.kits.pdf.canvas import BOLD, MONO, REGULAR

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


def _draw(c: Canvas, label: Label, x: float, y: float) -> None:
    """One label whose lower-left corner is (x, y); blank fields get writing lines."""
    left = x + 3 * mm
    top = y + LABEL_H - 5 * mm
    if label.name:
        c.setFont(BOLD, 10)
        c.drawString(left, top, label.name[:34])
        c.setFont(REGULAR, 8)
        c.drawString(left, top - 10, f"Né(e) {label.birth_name}"[:44])
        c.drawString(left, top - 20, f"le {label.birth_date} · sexe {label.sex or '—'}")
    else:
        c.setFont(REGULAR, 8)
        for offset, text in ((0, "Nom :"), (10, "Né(e) :"), (20, "Le :            Sexe :")):
            c.drawString(left, top - offset, text.replace(" :", "\u202f:"))
    code = Code128(label.identifier, barHeight=8 * mm, barWidth=0.75, quiet=False)
    code.drawOn(c, left, y + 6 * mm)
    c.setFont(MONO, 8)
    c.drawString(left, y + 2.5 * mm, f"{label.kind} {label.identifier}")


def label_pages(c: Canvas, labels: Sequence[Label]) -> None:
    """Fill as many sheets as needed (the page frame goes in the sheet's margins)."""
    per_page = COLUMNS * ROWS
    for start in range(0, max(len(labels), 1), per_page):
        for index, label in enumerate(labels[start : start + per_page]):
            column, row = index % COLUMNS, index // COLUMNS
            x = LEFT_MARGIN + column * PITCH_X
            y = A4[1] - TOP_MARGIN - (row + 1) * LABEL_H
            _draw(c, label, x, y)
        c.showPage()
