"""Blank forms for the paper era: admissions with temporary ids, emergency passages (RPU),
progress notes and result entry, laid out to be typed back in item by item."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from autarcie.kits.content import UnitKit, french_text
from autarcie.kits.pdf.canvas import BOLD, MONO, REGULAR, Band, Writer
from autarcie.kits.pdf.layout import MARGIN, RIGHT, TOP, Box, text_box, wrap
from autarcie.recovery.rpu.model import (
    Ccmu,
    Destination,
    EntryMode,
    ExitMode,
    Orientation,
    Provenance,
    Sex,
    Transport,
    TransportCare,
)

BLANK = "FORMULAIRE VIERGE"
_TITLE_SIZE, _HINT_SIZE, _CODE_TEXT_SIZE = 12.0, 9.5, 11.0
_BAR_HEIGHT = 10 * mm


def blank_band(unit: str, tempid: str = "") -> Band:
    """The band of a blank form: the unit, its own temporary id, and no patient's identity."""

    def band(w: Writer) -> None:
        w.lines(f"{BLANK} — aucune identité de patient pré-imprimée", BOLD, 13, 16)
        who = f"Identifiant temporaire : {tempid}" if tempid else "Patient : à écrire à la main"
        w.lines(f"Unité : {unit} · {who}", BOLD, 10.5, 14)
        w.y -= 6
        w.c.setLineWidth(1.2)
        w.c.line(MARGIN, w.y, MARGIN + w.width, w.y)
        w.c.setLineWidth(0.6)
        w.y -= 4

    return band


@dataclass(frozen=True)
class TempidBlock:
    """The temporary id block of a form: text on the left, barcode on the right, apart."""

    title: tuple[tuple[str, float], ...]  # (line, baseline)
    hint: tuple[tuple[str, float], ...]
    bars: Box
    readable: Box  # the identifier printed under the bars
    bar_x: float
    bar_y: float
    bottom: float

    def text_boxes(self) -> list[Box]:
        boxes = [text_box(t, BOLD, _TITLE_SIZE, MARGIN, y) for t, y in self.title]
        return boxes + [text_box(t, REGULAR, _HINT_SIZE, MARGIN, y) for t, y in self.hint]


def _code128(value: str) -> Code128:
    return Code128(value, barHeight=_BAR_HEIGHT, barWidth=0.95, quiet=False)


def _readable_baseline(bar_y: float) -> float:
    return bar_y - 4 - _CODE_TEXT_SIZE * 0.8


def tempid_block(tempid: str, what: str, top: float) -> TempidBlock:
    """Lay out the block whose top edge is at ``top``: the barcode takes the right of the
    line, the text wraps in what is left of it, so neither can print over the other."""
    bars_width = float(_code128(tempid).width)
    code_width = max(bars_width, stringWidth(tempid, MONO, _CODE_TEXT_SIZE))
    bar_x = RIGHT - code_width
    bar_y = top - 4 - _BAR_HEIGHT
    bars = Box(bar_x, bar_y, bar_x + bars_width, top - 4)
    readable = text_box(tempid, MONO, _CODE_TEXT_SIZE, bar_x, _readable_baseline(bar_y))
    text_width = bar_x - 14 - MARGIN
    title = french_text(f"Identifiant temporaire pré-attribué : {tempid}")
    hint = french_text(f"À utiliser pour {what} ; à recopier sur le bracelet et chaque document.")
    y = top
    placed_title = []
    for line in wrap(title, BOLD, _TITLE_SIZE, text_width):
        y -= _TITLE_SIZE * 1.2
        placed_title.append((line, y))
    y -= 3
    placed_hint = []
    for line in wrap(hint, REGULAR, _HINT_SIZE, text_width):
        y -= _HINT_SIZE * 1.25
        placed_hint.append((line, y))
    bottom = min(y - 0.25 * _HINT_SIZE, readable.y0) - 8
    return TempidBlock(
        tuple(placed_title), tuple(placed_hint), bars, readable, bar_x, bar_y, bottom
    )


def _draw_tempid_block(w: Writer, tempid: str, what: str) -> None:
    w.ensure(TOP - tempid_block(tempid, what, TOP).bottom)
    block = tempid_block(tempid, what, w.y)
    w.c.setFont(BOLD, _TITLE_SIZE)
    for line, y in block.title:
        w.c.drawString(MARGIN, y, line)
    w.c.setFont(REGULAR, _HINT_SIZE)
    for line, y in block.hint:
        w.c.drawString(MARGIN, y, line)
    _code128(tempid).drawOn(w.c, block.bar_x, block.bar_y)
    w.c.setFont(MONO, _CODE_TEXT_SIZE)
    w.c.drawString(block.bar_x, _readable_baseline(block.bar_y), tempid)
    w.c.reserve(block.bars)
    w.y = block.bottom


def _identity_fields(w: Writer) -> None:
    w.fields([("Nom de naissance", 170), ("Nom utilisé", 0)])
    w.fields([("Prénom(s)", 105), ("Date de naissance", 65), ("Né(e) à", 0)])
    w.choices("Sexe", Sex.choices())
    w.fields([("IPP connu (si retrouvé)", 130), ("INS (si carte Vitale / pièce)", 0)])
    w.fields([("Adresse", 0)])
    w.fields([("Personne à prévenir", 230), ("Téléphone", 0)])


def _unit(kit: UnitKit) -> str:
    return f"{kit.unit_code} {kit.unit_label}"


def admission_form(w: Writer, kit: UnitKit, tempid: str) -> None:
    w.section(blank_band(_unit(kit), tempid))
    w.heading("Admission en mode dégradé")
    _draw_tempid_block(w, tempid, "un patient admis pendant la panne")
    w.heading("Identité (pièce d'identité vérifiée : oui / non)", 12)
    _identity_fields(w)
    w.heading("Séjour", 12)
    w.fields([("Date, heure d'entrée", 95), ("Ch.-lit", 45), ("Provenance", 0)])
    w.fields([("Médecin responsable", 160), ("Motif d'admission", 0)])
    w.fields([("Allergies connues", 0)])
    w.fields([("Traitement habituel", 0)])
    w.fields([("", 0)])
    w.heading("Traçabilité", 12)
    w.fields([("Saisi par (nom, fonction)", 230), ("Signature", 0)])
    w.fields([("Ressaisi dans le SIH le", 75), ("par", 90), ("IPP définitif", 0)])


def passage_form(w: Writer, kit: UnitKit, tempid: str) -> None:
    """The 18 RPU items, each with every allowed value printed as a box to tick."""
    w.section(blank_band(_unit(kit), tempid))
    w.heading("Passage aux urgences (RPU) — mode dégradé")
    _draw_tempid_block(w, tempid, "ce passage")
    w.fields([("Nom", 120), ("Prénom", 85), ("Né(e) le (NAISSANCE)", 0)], 10.5)
    w.choices("SEXE", Sex.choices())
    w.fields([("Code postal (CP)", 80), ("Commune (COMMUNE)", 0)], 10.5)
    w.fields([("ENTREE : date", 75), ("heure", 45), ("Motif (MOTIF, CIM-10)", 0)], 10.5)
    w.choices("MODE_ENTREE", EntryMode.choices())
    w.choices("PROVENANCE", Provenance.choices())
    w.choices("TRANSPORT", Transport.choices())
    w.choices("TRANSPORT_PEC", TransportCare.choices())
    w.choices("GRAVITE (CCMU)", Ccmu.choices(), 9.5)
    w.fields([("Diagnostic principal (DP, CIM-10)", 0)], 10.5)
    w.fields([("Diagnostics associés (LISTE_DA)", 0)], 10.5)
    w.fields([("Actes (LISTE_ACTES, CCAM)", 0)], 10.5)
    w.fields([("SORTIE : date", 90), ("heure", 60), ("Médecin", 0)], 10.5)
    w.choices("MODE_SORTIE", ExitMode.choices())
    w.choices("DESTINATION", Destination.choices())
    w.choices("ORIENT", Orientation.choices(), 9.5)
    w.fields([("Saisi par", 200), ("Ressaisi le", 0)], 10.5)


def progress_notes(w: Writer, kit: UnitKit) -> None:
    w.section(blank_band(_unit(kit)))
    w.heading("Observations et transmissions")
    w.fields([("Patient (nom ou identifiant temporaire)", 180), ("Ch.-lit", 0)])
    w.gap(6)
    widths = [70.0, 45.0, 0.0, 70.0]
    widths[2] = w.width - sum(widths)
    header = ["Date", "Heure", "Observation / transmission ciblée", "Nom, initiales"]
    w.row(list(zip(header, widths, strict=True)), size=10, bold=True)
    while w.y - 26 > 24 * mm:
        w.row([("", width) for width in widths], height=26)


def result_entry(w: Writer, kit: UnitKit) -> None:
    w.section(blank_band(_unit(kit)))
    w.heading("Résultats reçus sur papier ou par téléphone")
    w.para(
        "Un résultat par ligne ; relire la valeur à l'émetteur. "
        "Reporter l'IPP ou l'identifiant temporaire pour la ressaisie.",
        10,
    )
    widths = [90.0, 95.0, 60.0, 60.0, 45.0, 70.0, 0.0]
    widths[-1] = w.width - sum(widths)
    header = ["IPP / id. temp.", "Examen", "Valeur", "Unité", "H/B", "Prélevé le", "Reçu de / par"]
    w.row(list(zip(header, widths, strict=True)), size=9.5, bold=True)
    while w.y - 26 > 24 * mm:
        w.row([("", width) for width in widths], height=26)


def blank_forms(w: Writer, kit: UnitKit) -> None:
    for tempid in kit.admission_ids:
        admission_form(w, kit, tempid)
    for tempid in kit.passage_ids:
        passage_form(w, kit, tempid)
    progress_notes(w, kit)
    result_entry(w, kit)
