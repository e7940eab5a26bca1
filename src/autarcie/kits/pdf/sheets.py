"""Patient sheets: the census, one summary per patient, administration grids, vitals charts."""

from __future__ import annotations

import datetime as dt

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from autarcie.chart.schedule import due_instants
from autarcie.formats.ucum import display_value, french_range
from autarcie.kits.content import (
    PatientSheet,
    UnitKit,
    french_date,
    french_day,
    french_moment,
    french_text,
    french_time,
)
from autarcie.kits.pdf.canvas import BOLD, REGULAR, Band, Writer
from autarcie.kits.pdf.layout import MARGIN

PRN_SLOTS = 4  # boxes for 'if needed' drugs, with no time printed


def patient_band(patient: PatientSheet, title: str) -> Band:
    """The identity band heading every page of a patient's sheet: who, where, allergies."""

    def band(w: Writer) -> None:
        room = f"Ch. {patient.bed_label()}"
        room_width = stringWidth(room, BOLD, 12) + 12
        w.c.setFont(BOLD, 12)
        w.c.drawRightString(MARGIN + w.width, w.y - 16, room)
        w.y -= 2
        w.lines(patient.printed_name(), BOLD, 14, 14, w.width - room_width)
        born = "" if patient.hidden else f"Nom de naissance : {patient.birth_family} · "
        line = (
            f"{born}Sexe : {patient.sex or '—'} · Né(e) le : {patient.printed_birth()}"
            f" · Âge : {patient.age if patient.age is not None else '—'}"
            f" · {patient.id_kind} : {patient.ipp}"
        )
        w.lines(line, REGULAR, 10.5, 13)
        w.lines(f"{title} — ALLERGIES : {patient.allergy_banner()}", BOLD, 10.5, 13)
        w.y -= 6
        w.c.setLineWidth(1.2)
        w.c.line(MARGIN, w.y, MARGIN + w.width, w.y)
        w.c.setLineWidth(0.6)
        w.y -= 4

    return band


def census_sheet(w: Writer, kit: UnitKit) -> None:
    w.section(None)  # many patients: no one's band
    w.heading(f"Liste des patients présents — {len(kit.patients)} patient(s)")
    w.para("À tenir à jour à la main : entrées, sorties et mutations depuis l'édition.", 10)
    w.gap(4)
    widths = [48.0, 130.0, 34.0, 94.0, 70.0, 72.0, 0.0]
    widths[-1] = w.width - sum(widths)
    header = [
        "Ch.-lit",
        "Nom, prénom",
        "Sexe",
        "Né(e) le (âge)",
        "IPP",
        "Entrée",
        "Alertes / notes",
    ]
    w.row(list(zip(header, widths, strict=True)), size=10, bold=True)
    for p in kit.patients:
        age = f" ({p.age})" if p.age is not None else ""
        alerts = []
        if p.allergies:
            alerts.append("ALLERGIE")
        if p.on_leave:
            alerts.append("permission")
        cells = [
            p.bed_label(),
            p.printed_name(),
            p.sex or "—",
            f"{p.printed_birth()}{age}",
            p.ipp,
            french_date(p.admitted_at),
            " · ".join(alerts),
        ]
        w.row(list(zip(cells, widths, strict=True)), size=10.5, height=24)


def summary_sheet(w: Writer, p: PatientSheet) -> None:
    w.section(patient_band(p, "Synthèse"))
    # In full here, with type and reactions: the band names substances and severity only.
    w.para("Allergies : " + (" ; ".join(p.allergies) or p.allergy_status), 10.5, bold=True)
    if p.ins:
        w.para(f"INS (qualifiée) : {p.ins}", 10)
    w.para(
        f"Entrée le {french_moment(p.admitted_at)} · Médecin : {p.attending or '—'}"
        f" · Identité : {p.ins_status}",
        10,
    )
    if p.conditions:
        w.para("Problèmes actifs : " + "; ".join(p.conditions), 10)
    w.heading("Prescriptions actives", 12.5)
    if not p.meds:
        w.para("Aucune prescription active au moment de l'édition.", 10.5)
    widths = [170.0, 80.0, 60.0, 105.0, 0.0]
    widths[-1] = w.width - sum(widths)
    if p.meds:
        header = ["Médicament", "Dose", "Voie", "Fréquence", "Horaires"]
        w.row(list(zip(header, widths, strict=True)), size=9.5, bold=True)
    for m in p.meds:
        times = " ".join(m.rounds) if m.rounds else "si besoin"
        cells = [m.drug, m.dose, m.route, m.frequency, times]
        w.row(list(zip(cells, widths, strict=True)), size=10)
    _results(w, p)
    _reports(w, p)
    if p.downtime:
        w.heading("Saisies en mode dégradé", 12.5)
        for line in p.downtime:
            w.para(line, 10)


def _results(w: Writer, p: PatientSheet) -> None:
    w.heading("Résultats récents (72 h)", 12.5)
    if not p.panels:
        w.para("Aucun résultat dans les 72 dernières heures.", 10.5)
        return
    widths = [140.0, 95.0, 40.0, 95.0, 80.0, 0.0]
    widths[-1] = w.width - sum(widths)
    header = ["Examen", "Valeur", "Alerte", "Normes", "Précédent", "Prélevé le"]
    for panel in p.panels:
        w.para(panel.title, 10.5, bold=True)
        w.row(list(zip(header, widths, strict=True)), size=9, bold=True)
        for lab in panel.lines:
            flag = f"{lab.flag} !" if lab.abnormal else ""
            cells = [
                lab.label,
                display_value(lab.value, lab.unit),
                flag,
                french_range(lab.reference_range),
                lab.previous,
                french_moment(lab.observed_at),
            ]
            w.row(list(zip(cells, widths, strict=True)), size=9.5, bold=lab.abnormal)


def _reports(w: Writer, p: PatientSheet) -> None:
    if not p.reports:
        return
    w.heading("Derniers comptes rendus", 12.5)
    for report in p.reports:
        w.para(f"{report.title} — {french_moment(report.authored_at)}", 10.5, bold=True)
        w.para(report.text, 9.5, indent=8)
        w.gap(4)


def mar_sheet(w: Writer, p: PatientSheet, start: dt.datetime, hours: int) -> None:
    """Administration grid: one row per prescription, one box per due time (time, initials)."""
    w.section(patient_band(p, f"Administration {hours} h"))
    end = start + dt.timedelta(hours=hours)
    w.para(
        f"Du {french_moment(start)} au {french_moment(end)}. Dans chaque case : heure réelle et "
        "initiales ; barrer et noter le motif si non administré.",
        9.5,
    )
    if not p.meds:
        w.para("Aucune prescription active au moment de l'édition.", 10.5)
    per_line = 6
    slot = (w.width - 190) / per_line
    for m in p.meds:
        due = due_instants(m.rounds, start, hours)
        labels = [(french_day(d), french_time(d)) for d in due]
        if not due:
            labels = [("si besoin", "")] * PRN_SLOTS
        chunks = [labels[i : i + per_line] for i in range(0, len(labels), per_line)]
        first = True
        for chunk in chunks:
            drug = f"{m.drug}\n{m.dose} · {m.route}\n{m.frequency}" if first else "(suite)"
            w.ensure(54)
            height = w.row([(drug, 190.0)], size=9.5, height=50)
            top = w.y + height  # the row moved to a new page if it had to
            for index, (day, clock) in enumerate(chunk):
                x = MARGIN + 190 + index * slot
                w.c.rect(x, top - height, slot, height)
                w.c.setFont(REGULAR, 7.5)
                w.c.drawString(x + 3, top - 9, day)
                w.c.setFont(BOLD, 11)
                w.c.drawString(x + 3, top - 21, clock)
                w.c.setFont(REGULAR, 7.5)
                w.c.drawString(x + 3, top - 33, french_text("h : ……"))
                w.c.drawString(x + 3, top - 45, french_text("init. : ……"))
            w.y = top - height
            first = False
    w.gap(10)
    w.fields([("Traitement personnel / ajouts manuscrits", 0)], 10)
    for _ in range(3):
        w.fields([("", 0)], 10)


VITALS: tuple[str, ...] = ("Pouls (/min)", "PA (mmHg)", "T° (°C)", "SpO₂ (%)", "FR (/min)")
VITALS += ("Douleur (EVA)", "Conscience", "Diurèse (ml)", "Initiales")


def vitals_sheet(w: Writer, p: PatientSheet, start: dt.datetime) -> None:
    """A 24 h vitals chart: one column per 4 h, rows for each parameter, to fill by hand."""
    w.section(patient_band(p, "Surveillance"))
    first = start.replace(minute=0, second=0, microsecond=0)
    columns = [first + dt.timedelta(hours=4 * i) for i in range(7)]
    label_width = 110.0
    slot = (w.width - label_width) / len(columns)
    cells = [("Paramètre", label_width)]
    cells += [(f"{french_day(c)}\n{french_time(c)}", slot) for c in columns]
    w.row(cells, size=9, bold=True)
    for name in VITALS:
        w.row([(name, label_width)] + [("", slot)] * len(columns), size=10, height=30)
    w.gap(8)
    w.para("Observations, transmissions ciblées (date, heure, initiales) :", 10.5, bold=True)
    line_y = w.y
    while line_y - 18 > 26 * mm:
        line_y -= 18
        w.c.setDash(1, 2)
        w.c.line(MARGIN, line_y, MARGIN + w.width, line_y)
        w.c.setDash()
    w.y = line_y
