"""PDF layout for the crisis cell (main courante, call directory; shared by the RETEX).

Pure builders: rows in, bytes out. DejaVu fonts carry French accents; without them the
built-in Helvetica is used and the PDF says nothing wrong, only less pretty.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from autarcie.crisis.drafts import local
from autarcie.crisis.models import Contact, ContactKind, Crisis, LogEntry


@cache
def fonts() -> tuple[str, str]:
    """(regular, bold) font names: DejaVu (Debian's fonts-dejavu-core), found on reportlab's
    own font search path, else the built-in Helvetica."""
    try:
        pdfmetrics.registerFont(TTFont("DejaVuSans", "DejaVuSans.ttf"))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", "DejaVuSans-Bold.ttf"))
    except TTFError:
        return "Helvetica", "Helvetica-Bold"
    return "DejaVuSans", "DejaVuSans-Bold"


def styles() -> dict[str, ParagraphStyle]:
    regular, bold = fonts()
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("t", parent=base["Title"], fontName=bold, fontSize=16),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontName=bold, fontSize=12),
        "body": ParagraphStyle(
            "b", parent=base["BodyText"], fontName=regular, fontSize=9, leading=11
        ),
        "banner": ParagraphStyle(
            "x", parent=base["Title"], fontName=bold, fontSize=14, textColor=colors.red
        ),
    }


def para(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def table(rows: Sequence[Sequence[str]], widths: Sequence[float]) -> Table:
    st = styles()
    data = [[para(str(cell), st["body"]) for cell in row] for row in rows]
    grid = Table(data, colWidths=list(widths), repeatRows=1)
    grid.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return grid


def header(crisis: Crisis, title: str, hospital: str, now: dt.datetime) -> list[Flowable]:
    st = styles()
    story: list[Flowable] = []
    if crisis.is_exercise:
        story.append(para("EXERCICE — EXERCICE — EXERCICE", st["banner"]))
    story += [
        para(title, st["title"]),
        para(
            f"{hospital} · crise n° {crisis.pk} « {crisis.title} » · édité le {local(now)}",
            st["body"],
        ),
        Spacer(1, 4 * mm),
    ]
    return story


def build(story: list[Flowable], crisis: Crisis) -> bytes:
    buffer = io.BytesIO()
    regular, _ = fonts()
    mark = "EXERCICE · " if crisis.is_exercise else ""

    def footer(canvas: Any, doc: Any) -> None:
        canvas.setFont(regular, 8)
        canvas.drawString(
            15 * mm, 8 * mm, f"{mark}Autarcie · crise n° {crisis.pk} · page {doc.page}"
        )

    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"{mark}Autarcie",
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def log_pdf(crisis: Crisis, entries: Sequence[LogEntry], hospital: str, now: dt.datetime) -> bytes:
    """The main courante as printed paper: every entry, corrections pointing back."""
    rows = [["n°", "fait", "écrit", "auteur", "catégorie", "texte"]]
    for e in entries:
        text = e.text + (f" [corrige le n° {e.corrects.number}]" if e.corrects else "")
        rows.append(
            [
                str(e.number),
                local(e.fact_at),
                local(e.written_at),
                e.author.username,
                e.get_category_display(),
                text,
            ]
        )
    story = header(crisis, "Main courante", hospital, now)
    story.append(table(rows, [10 * mm, 24 * mm, 24 * mm, 22 * mm, 22 * mm, 78 * mm]))
    return build(story, crisis)


def directory_pdf(
    contacts: Sequence[Contact], hospital: str, data_at: dt.datetime | None, now: dt.datetime
) -> bytes:
    """The staff call directory on paper: it must still serve when the servers are gone.

    Staff by unit with blank "called at / answer" columns for a call tree run by hand, then
    the partners. ``data_at`` is when the directory was last imported.
    """
    st = styles()
    staff = sorted(
        (c for c in contacts if c.kind == ContactKind.STAFF), key=lambda c: (c.unit, c.name)
    )
    partners = [c for c in contacts if c.kind == ContactKind.PARTNER]
    dated = f"données au {local(data_at)}" if data_at else "données : annuaire jamais importé"
    story: list[Flowable] = [
        para("Annuaire de crise — appel du personnel", st["title"]),
        para(f"{hospital} · {dated} · imprimé le {local(now)}", st["body"]),
        Spacer(1, 3 * mm),
        para(f"Personnel ({len(staff)})", st["h2"]),
    ]
    rows = [["unité", "nom", "fonction", "groupes", "astr.", "téléphone", "courriel", "appelé à"]]
    rows += [
        [
            c.unit,
            c.name,
            c.function,
            c.groups.replace(";", ", "),
            "oui" if c.on_call else "",
            c.phone,
            c.email,
            "",
        ]
        for c in staff
    ]
    widths = [16, 42, 38, 34, 11, 30, 56, 40]
    story.append(table(rows, [w * mm for w in widths]))
    story += [Spacer(1, 4 * mm), para(f"Partenaires ({len(partners)})", st["h2"])]
    rows = [["organisation", "nom", "fonction", "téléphone", "courriel"]]
    rows += [[c.organisation, c.name, c.function, c.phone, c.email] for c in partners]
    story.append(table(rows, [w * mm for w in (50, 55, 50, 40, 72)]))
    return _build_landscape(story, f"Annuaire de crise · {dated}")


def _build_landscape(story: list[Flowable], footer_text: str) -> bytes:
    buffer = io.BytesIO()
    regular, _ = fonts()

    def footer(canvas: Any, doc: Any) -> None:
        canvas.setFont(regular, 8)
        canvas.drawString(15 * mm, 8 * mm, f"Autarcie · {footer_text} · page {doc.page}")

    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=15 * mm,
        title="Annuaire de crise",
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
