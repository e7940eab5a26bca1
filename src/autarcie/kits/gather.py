"""Read what a unit's kit prints, through ``autarcie.chart``, into plain dataclasses."""

from __future__ import annotations

import datetime as dt

from django.apps import apps

from autarcie.chart import queries
from autarcie.chart.banner import Allergies, temp_allergies
from autarcie.kits.content import Lab, Med, Panel, PatientSheet, Report, french_moment

REPORTS_PRINTED = 3
REPORT_CHARS = 1500
DOWNTIME_PRINTED = 10


def _meds(summary: queries.Summary) -> tuple[Med, ...]:
    return tuple(
        Med(
            drug=line.drug,
            dose=line.dose,
            route=line.route,
            frequency=line.frequency,
            prescriber=line.prescriber,
            start=line.start,
            rounds=line.rounds,
        )
        for line in summary.prescriptions
    )


def _panels(summary: queries.Summary) -> tuple[Panel, ...]:
    return tuple(
        Panel(
            title,
            tuple(
                Lab(r.label, r.value, r.unit, r.reference_range, r.flag, r.observed_at, r.previous)
                for r in lines
            ),
        )
        for title, lines in summary.panels.items()
    )


# A replaced report prints its newest version: the sheet says so, an older paper copy may exist.
_REPORT_STATUS = {"C": " (version corrigée)", "P": " (non signé)"}


def _reports(summary: queries.Summary) -> tuple[Report, ...]:
    out = []
    for doc in summary.documents[:REPORTS_PRINTED]:
        text = doc.text if len(doc.text) <= REPORT_CHARS else doc.text[:REPORT_CHARS] + " […]"
        title = (doc.title or doc.type_label or "Document") + _REPORT_STATUS.get(doc.status, "")
        out.append(Report(title, doc.authored_at, text))
    return tuple(out)


def sheet(row: queries.CensusRow, summary: queries.Summary, moment: dt.datetime) -> PatientSheet:
    patient = summary.patient
    return PatientSheet(
        patient_id=row.patient_id,
        ipp=patient.ipp,
        birth_family=row.birth_family,
        used_family=row.used_family,
        given=row.given,
        sex=row.sex,
        birth_date=row.birth_date,
        age=row.age,
        hidden=row.hidden,
        ins=patient.ins if patient.ins_trusted else "",
        ins_status=row.ins_status,
        room=row.room,
        bed=row.bed,
        admitted_at=row.admitted_at,
        attending=row.attending,
        on_leave=row.on_leave,
        allergies=summary.allergy_status.lines(),
        allergy_names=tuple(
            f"{a.label} ({a.severity})" if a.severity else a.label for a in summary.allergies
        ),
        allergy_status=summary.allergy_status.label,
        conditions=tuple(c.label for c in summary.conditions),
        meds=_meds(summary),
        panels=_panels(summary),
        reports=_reports(summary),
        downtime=tuple(
            f"{french_moment(e.written_at)} — {e.get_kind_display()}"
            for e in summary.downtime[:DOWNTIME_PRINTED]
        ),
    )


def temporary_sheet(row: queries.CensusRow, allergies: Allergies) -> PatientSheet:
    """A patient admitted in degraded mode: only what the admission form recorded."""
    return PatientSheet(
        patient_id=0,
        ipp=row.tempid,
        birth_family=row.birth_family,
        used_family=row.used_family,
        given=row.given,
        sex=row.sex,
        birth_date=row.birth_date,
        age=row.age,
        hidden=False,
        ins="",
        ins_status=row.ins_status,
        room=row.room,
        bed=row.bed,
        admitted_at=row.admitted_at,
        attending=row.attending,
        on_leave=row.on_leave,
        allergies=allergies.items,
        allergy_status=allergies.note or "Allergies non renseignées",
        temporary=True,
    )


def unit_sheets(unit_code: str, moment: dt.datetime) -> tuple[PatientSheet, ...]:
    """Every patient present in the unit, in bed order, with the summary chart gives."""
    rows = queries.census(unit_code, moment)
    # chart.summary takes a patient row and chart has no lookup by id for a non-user reader:
    # the one read of the mirror's model here, by the ids chart's census returned.
    patient_model = apps.get_model("mirror", "Patient")
    found = patient_model.objects.in_bulk([r.patient_id for r in rows])
    present = [found[r.patient_id] for r in rows if r.patient_id in found]
    by_id = {s.patient.pk: s for s in queries.summaries(present, moment)}
    temps = temp_allergies(r.temp_patient_id for r in rows if r.temp_patient_id is not None)
    sheets = []
    for row in rows:
        if row.temp_patient_id is not None:
            sheets.append(temporary_sheet(row, temps[row.temp_patient_id]))
        elif row.patient_id in by_id:
            sheets.append(sheet(row, by_id[row.patient_id], moment))
    return tuple(sheets)
