"""Blank forms for the paper era: admissions with temporary ids, emergency passages (RPU),
progress notes and result entry, laid out to be typed back in item by item."""

from __future__ import annotations

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm

from autarcie.kits.content import UnitKit
from autarcie.kits.pdf.canvas import BOLD, MARGIN, MONO, PAGE_WIDTH, Writer
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


def draw_barcode(w: Writer, value: str, x: float, y: float, height: float = 12 * mm) -> float:
    """Code 128 of ``value`` with its text below; returns the barcode's width."""
    code = Code128(value, barHeight=height, barWidth=0.95, quiet=False)
    code.drawOn(w.c, x, y)
    w.c.setFont(MONO, 11)
    w.c.drawString(x, y - 12, value)
    return float(code.width)


def _tempid_block(w: Writer, tempid: str, what: str) -> None:
    w.ensure(80)
    top = w.y
    w.c.setFont(BOLD, 12)
    w.c.drawString(MARGIN, top - 14, f"Identifiant temporaire pré-attribué\u202f: {tempid}")
    w.c.setFont("KitSans", 9.5)
    w.c.drawString(
        MARGIN,
        top - 28,
        f"À utiliser pour {what} ; à recopier sur le bracelet et chaque document.",
    )
    draw_barcode(w, tempid, PAGE_WIDTH - MARGIN - 190, top - 46, 10 * mm)
    w.y = top - 64


def _identity_fields(w: Writer) -> None:
    w.fields([("Nom de naissance", 170), ("Nom utilisé", 0)])
    w.fields([("Prénom(s)", 170), ("Date de naissance", 90), ("Lieu (commune)", 0)])
    w.choices("Sexe", Sex.choices())
    w.fields([("IPP connu (si retrouvé)", 130), ("INS (si carte Vitale / pièce)", 0)])
    w.fields([("Adresse", 0)])
    w.fields([("Personne à prévenir", 230), ("Téléphone", 0)])


def admission_form(w: Writer, kit: UnitKit, tempid: str) -> None:
    w.new_page(banner=None)
    w.heading("Admission en mode dégradé")
    _tempid_block(w, tempid, "un patient admis pendant la panne")
    w.heading("Identité (pièce d'identité vérifiée : oui / non)", 12)
    _identity_fields(w)
    w.heading("Séjour", 12)
    w.fields([("Date et heure d'entrée", 160), ("Chambre-lit", 80), ("Provenance", 0)])
    w.fields([("Médecin responsable", 230), ("Motif d'admission", 0)])
    w.fields([("Allergies connues", 0)])
    w.fields([("Traitement habituel", 0)])
    w.fields([("", 0)])
    w.heading("Traçabilité", 12)
    w.fields([("Saisi par (nom, fonction)", 230), ("Signature", 0)])
    w.fields([("Ressaisi dans le SIH le", 130), ("par", 120), ("IPP définitif", 0)])


def passage_form(w: Writer, kit: UnitKit, tempid: str) -> None:
    """The 18 RPU items, each with every allowed value printed as a box to tick."""
    w.new_page(banner=None)
    w.heading("Passage aux urgences (RPU) — mode dégradé")
    _tempid_block(w, tempid, "ce passage")
    w.fields([("Nom", 170), ("Prénom", 130), ("Date de naissance (NAISSANCE)", 0)], 10.5)
    w.choices("SEXE", Sex.choices())
    w.fields([("Code postal (CP)", 80), ("Commune (COMMUNE)", 0)], 10.5)
    w.fields([("ENTREE : date", 90), ("heure", 60), ("Motif de recours (MOTIF, CIM-10)", 0)], 10.5)
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
    w.new_page(banner=None)
    w.heading("Observations et transmissions")
    w.fields([("Patient (nom ou identifiant temporaire)", 250), ("Ch.-lit", 0)])
    w.gap(6)
    widths = [70.0, 45.0, 0.0, 70.0]
    widths[2] = w.width - sum(widths)
    header = ["Date", "Heure", "Observation / transmission ciblée", "Nom, initiales"]
    w.row(list(zip(header, widths, strict=True)), size=10, bold=True)
    while w.y - 26 > 24 * mm:
        w.row([("", width) for width in widths], height=26)


def result_entry(w: Writer, kit: UnitKit) -> None:
    w.new_page(banner=None)
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
