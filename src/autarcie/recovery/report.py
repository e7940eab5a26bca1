"""The downtime report for the crisis cell (PDF): counts, timeline, what is still pending."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from autarcie.core.errors import ConfigurationError
from autarcie.recovery.checklist import KIND_LABELS, Overview
from autarcie.recovery.state import STATUS_LABELS

PARIS = ZoneInfo("Europe/Paris")
REGULAR, BOLD = "RecoverySans", "RecoverySans-Bold"
_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}
WIDTH, HEIGHT = A4
MARGIN = 15 * mm
LINE = 5 * mm


def _fonts() -> None:
    """DejaVu, for accents and symbols the PDF base fonts lack (the kits' font directory)."""
    folder = Path(settings.KITS_FONT_DIR)
    for name, file_name in _FILES.items():
        if name in pdfmetrics.getRegisteredFontNames():
            continue
        path = folder / file_name
        if not path.exists():
            raise ConfigurationError(
                f"font {file_name} not found in {folder}: set AUTARCIE_KITS_FONT_DIR"
            )
        pdfmetrics.registerFont(TTFont(name, str(path)))


def _when(moment: dt.datetime | None) -> str:
    return moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M") if moment else "—"


class _Writer:
    """Lines down the page, a new page when full."""

    def __init__(self, canvas: Canvas, title: str) -> None:
        self.canvas = canvas
        self.title = title
        self.page = 1
        self.y = HEIGHT - MARGIN
        self._header()

    def _header(self) -> None:
        self.canvas.setFont(BOLD, 9)
        self.canvas.drawString(MARGIN, HEIGHT - 10 * mm, self.title)
        self.canvas.drawRightString(WIDTH - MARGIN, HEIGHT - 10 * mm, f"page {self.page}")
        self.y = HEIGHT - 20 * mm

    def line(self, text: str, *, bold: bool = False, size: int = 10, indent: float = 0) -> None:
        if self.y < MARGIN + LINE:
            self.canvas.showPage()
            self.page += 1
            self._header()
        self.canvas.setFont(BOLD if bold else REGULAR, size)
        self.canvas.drawString(MARGIN + indent, self.y, text[:110])
        self.y -= LINE * (1.4 if size > 11 else 1)

    def gap(self) -> None:
        self.y -= LINE / 2


def build_report(view: Overview, *, hospital: str, generated_at: dt.datetime) -> bytes:
    """The whole downtime on a few pages; identifiers only, no names (it circulates)."""
    _fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle("Rapport de la période de fonctionnement dégradé")
    out = _Writer(canvas, f"{hospital} — reprise après fonctionnement dégradé")
    out.line("Rapport de la période de fonctionnement dégradé", bold=True, size=14)
    out.line(f"Établi le {_when(generated_at)} pour la cellule de crise.")
    out.line(f"Période couverte : du {_when(view.first)} au {_when(view.last)}.")
    out.gap()
    out.line("Bilan", bold=True, size=12)
    out.line(f"{view.total} saisies ; {view.remaining} restent à reprendre.")
    for status, count in sorted(view.counts.items()):
        out.line(f"{STATUS_LABELS[status]} : {count}", indent=5 * mm)
    out.gap()
    out.line("Par nature", bold=True, size=12)
    for kind, count in sorted(view.by_kind.items()):
        out.line(f"{kind} : {count}", indent=5 * mm)
    out.gap()
    out.line("Chronologie (saisies par jour, heure de Paris)", bold=True, size=12)
    for day, count in view.by_day:
        out.line(f"{day:%d/%m/%Y} : {count}", indent=5 * mm)
    out.gap()
    out.line("Reste à faire, par unité", bold=True, size=12)
    for unit in view.units:
        out.line(
            f"{unit.code} {unit.label} : {len(unit.remaining)} sur {len(unit.records)}", bold=True
        )
        for entry in unit.remaining:
            item = entry.item
            detail = f" — {entry.answer}" if entry.answer else ""
            out.line(
                f"{_when(item.written_at)}  {KIND_LABELS.get(item.kind, item.kind)}  "
                f"{item.label}  {entry.label}{detail}  (saisi par {item.author})",
                size=8,
                indent=5 * mm,
            )
    canvas.save()
    return buffer.getvalue()
