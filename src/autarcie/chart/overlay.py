"""The downtime overlay: care's movements and temporary identities joined onto the mirror.

The mirror is frozen during a downtime; what staff record in degraded mode (admissions under
temporary identifiers, transfers, leaves, discharges) is laid on top, each census line saying
where it comes from.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from autarcie.care.banner import temp_allergies
from autarcie.care.models import CareEntry, TempPatient
from autarcie.care.queries import Occupant, current, occupants
from autarcie.chart import allergies, queries
from autarcie.core.plain_load import columns, instances
from autarcie.core.read_many import Statement
from autarcie.mirror.identity import age, ins_status
from autarcie.mirror.models import Patient

MIRROR = "miroir"
DOWNTIME = "saisie mode dégradé"


def _mirror_row(patient: Patient, o: Occupant, moment: dt.datetime) -> queries.CensusRow:
    return queries.CensusRow(
        patient_id=patient.pk,
        room=o.room,
        bed=o.bed,
        birth_family=patient.birth_family,
        used_family=patient.used_family,
        given=patient.given,
        sex=patient.sex,
        age=age(patient.birth_date, moment),
        birth_date=patient.birth_date,
        admitted_at=o.since,
        attending="",
        on_leave=o.on_leave,
        hidden=patient.hidden,
        ins_status=ins_status(patient.statuses, patient.ins_trusted, patient.authority),
        allergy=allergies.for_patient(patient.pk).state is allergies.AllergyState.LISTED,
        origin=DOWNTIME,
    )


def _temp_row(
    temp: TempPatient, o: Occupant, moment: dt.datetime, allergic: bool
) -> queries.CensusRow:
    return queries.CensusRow(
        patient_id=0,
        room=o.room,
        bed=o.bed,
        birth_family=temp.birth_family,
        used_family=temp.used_family,
        given=temp.given,
        sex=temp.sex,
        age=age(temp.birth_date, moment),
        birth_date=temp.birth_date,
        admitted_at=o.since,
        attending="",
        on_leave=o.on_leave,
        hidden=False,
        ins_status="provisoire",
        allergy=allergic,
        origin=DOWNTIME,
        temp_patient_id=temp.pk,
        tempid=temp.tempid,
    )


def join_census(
    unit_code: str, rows: list[queries.CensusRow], moment: dt.datetime
) -> list[queries.CensusRow]:
    """The mirror's rows of the unit, corrected and completed by the downtime movements."""
    present = occupants(unit_code)
    by_patient = {r.patient_id: r for r in rows}
    patients = Patient.objects.in_bulk(
        [o.patient_id for o in present if o.downtime and o.patient_id is not None]
    )
    temps = TempPatient.objects.in_bulk([o.temp_id for o in present if o.temp_id is not None])
    allergies = temp_allergies(temps)  # what each admission form said
    joined = []
    for o in present:
        if o.temp_id is not None:
            allergic = bool(allergies[o.temp_id].items)
            joined.append(_temp_row(temps[o.temp_id], o, moment, allergic))
        elif not o.downtime:
            if o.patient_id in by_patient:
                joined.append(by_patient[o.patient_id])
        elif o.patient_id in by_patient:
            joined.append(
                dataclasses.replace(
                    by_patient[o.patient_id],
                    room=o.room,
                    bed=o.bed,
                    on_leave=o.on_leave,
                    origin=DOWNTIME,
                )
            )
        elif o.patient_id in patients:
            joined.append(_mirror_row(patients[o.patient_id], o, moment))
    return joined


# ``care.queries.current`` in plain SQL (no newer version of the same chain): this runs for
# every summary opened, and building the ORM query cost seven times the query itself.
_CURRENT_ENTRIES = (
    "SELECT {columns} FROM care_careentry e WHERE e.patient_id IN ({ids}) AND e.cancelled = %s"
    " AND NOT EXISTS (SELECT 1 FROM care_careentry newer"
    " WHERE newer.chain = e.chain AND newer.version > e.version)"
    " ORDER BY e.written_at DESC, e.id DESC"
)


def current_entries_read(patient_ids: list[int]) -> Statement:
    """The statement of the patients' current downtime records, newest clinical time first
    (read with ``downtime_entries_by_patient``)."""
    marks = ", ".join(["%s"] * len(patient_ids))
    sql = _CURRENT_ENTRIES.format(columns=columns(CareEntry, "e"), ids=marks)
    return sql, [*patient_ids, False]


def downtime_entries_by_patient(rows: list[tuple[Any, ...]]) -> dict[int, list[CareEntry]]:
    grouped: dict[int, list[CareEntry]] = {}
    for entry in instances(CareEntry, rows):
        if entry.patient_id is not None:
            grouped.setdefault(entry.patient_id, []).append(entry)
    return grouped


def downtime_entries(patient: Patient) -> list[CareEntry]:
    """The patient's current downtime records, newest clinical time first."""
    rows = current(CareEntry.objects.filter(patient=patient)).filter(cancelled=False)
    return list(rows.order_by("-written_at", "-pk"))
