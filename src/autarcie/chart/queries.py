"""Census and patient summary, from the current projections or as of a past instant."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from autarcie.care.models import CareEntry
from autarcie.chart import overlay, schedule
from autarcie.core import clock
from autarcie.mirror import asof
from autarcie.mirror.models import (
    Allergy,
    Condition,
    Document,
    Movement,
    Patient,
    Prescription,
    Result,
    Stay,
)

T = TypeVar("T")

RESULT_WINDOW = dt.timedelta(hours=72)
NEW_RESULT_WINDOW = dt.timedelta(hours=12)


def age(birth: dt.date | None, on: dt.date) -> int | None:
    if birth is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def ins_status(statuses: str, trusted: bool) -> str:
    """The badge: 'qualifiée' only when the INS may be trusted (DESIGN.md)."""
    codes = statuses.split()
    if trusted:
        return "qualifiée"
    if "VALI" in codes:
        return "validée"
    if "RECUP" in codes:
        return "récupérée"
    return "provisoire"


@dataclass(frozen=True)
class CensusRow:
    patient_id: int
    room: str
    bed: str
    birth_family: str
    used_family: str
    given: str
    sex: str
    age: int | None
    birth_date: dt.date | None
    admitted_at: dt.datetime | None
    attending: str
    on_leave: bool
    hidden: bool
    ins_status: str
    allergy: bool = False
    new_result: bool = False
    origin: str = "miroir"  # or "saisie mode dégradé" (chart.overlay)
    temp_patient_id: int | None = None  # a temporary identity: patient_id is then 0
    tempid: str = ""


def _bed_key(row: CensusRow) -> tuple[str, str]:
    return (row.room.zfill(6), row.bed.zfill(3))


def census(unit_code: str, now: dt.datetime | None = None) -> list[CensusRow]:
    moment = now or clock.now()
    stays = (
        Stay.objects.filter(unit_code=unit_code, status__in=asof.PRESENT)
        .select_related("patient")
        .order_by("room", "bed")
    )
    ids = [s.patient_id for s in stays]
    allergic = set(
        Allergy.objects.filter(patient_id__in=ids, active=True).values_list("patient_id", flat=True)
    )
    # "New" in clinical time: a result taken in the last hours, not one merely received late.
    fresh = set(
        Result.objects.filter(
            patient_id__in=ids, observed_at__gte=moment - NEW_RESULT_WINDOW
        ).values_list("patient_id", flat=True)
    )
    rows = [
        CensusRow(
            patient_id=s.patient_id,
            room=s.room,
            bed=s.bed,
            birth_family=s.patient.birth_family,
            used_family=s.patient.used_family,
            given=s.patient.given,
            sex=s.patient.sex,
            age=age(s.patient.birth_date, moment.date()),
            birth_date=s.patient.birth_date,
            admitted_at=s.admitted_at,
            attending=s.attending,
            on_leave=s.status == "on_leave",
            hidden=s.patient.hidden,
            ins_status=ins_status(s.patient.statuses, s.patient.ins_trusted),
            allergy=s.patient_id in allergic,
            new_result=s.patient_id in fresh,
        )
        for s in stays
    ]
    return sorted(overlay.join_census(unit_code, rows, moment), key=_bed_key)


def census_as_of(unit_code: str, moment: dt.datetime) -> list[CensusRow]:
    """The unit as the mirror had received it by ``moment`` (time travel)."""
    rows = []
    for line in asof.census_as_of(moment, unit_code):
        p = line.patient
        birth = dt.date.fromisoformat(p["birth_date"]) if p.get("birth_date") else None
        admitted = dt.datetime.fromisoformat(line.admitted_at) if line.admitted_at else None
        rows.append(
            CensusRow(
                patient_id=_patient_id(p),
                room=line.room,
                bed=line.bed,
                birth_family=str(p.get("birth_family", "")),
                used_family=str(p.get("used_family", "")),
                given=str(p.get("given", "")),
                sex=str(p.get("sex", "")),
                age=age(birth, moment.date()),
                birth_date=birth,
                admitted_at=admitted,
                attending="",
                on_leave=line.status == "on_leave",
                hidden=bool(p.get("hidden")),
                ins_status=ins_status(" ".join(p.get("statuses", [])), bool(p.get("ins_trusted"))),
            )
        )
    return sorted(rows, key=_bed_key)


def _patient_id(state: dict[str, Any]) -> int:
    rkey = f"{state.get('authority', '')}|{state.get('ipp', '')}"
    found = Patient.objects.filter(rkey=rkey).values_list("pk", flat=True).first()
    return int(found or 0)


@dataclass(frozen=True)
class ResultLine:
    label: str
    value: str
    unit: str
    reference_range: str
    flag: str
    status: str
    observed_at: dt.datetime | None
    previous: str = ""

    @property
    def abnormal(self) -> bool:
        return self.flag.strip().upper() not in ("", "N")


@dataclass(frozen=True)
class PrescriptionLine:
    drug: str
    dose: str
    route: str
    frequency: str
    start: dt.datetime | None
    prescriber: str
    next_due: list[dt.datetime]


@dataclass
class Summary:
    patient: Patient
    stay: Stay | None
    allergies: list[Allergy] = field(default_factory=list)
    prescriptions: list[PrescriptionLine] = field(default_factory=list)
    panels: dict[str, list[ResultLine]] = field(default_factory=dict)
    documents: list[Document] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    movements: list[Movement] = field(default_factory=list)
    downtime: list[CareEntry] = field(default_factory=list)

    @property
    def ins_status(self) -> str:
        return ins_status(self.patient.statuses, self.patient.ins_trusted)


def _panels(rows: list[Result], moment: dt.datetime) -> dict[str, list[ResultLine]]:
    """Latest value of each test of the last 72 h, grouped by panel, with the previous one.

    ``rows`` are one patient's results ordered by code, newest first.
    """
    by_code: dict[str, list[Result]] = defaultdict(list)
    for row in rows:
        by_code[row.code].append(row)
    panels: dict[str, list[ResultLine]] = defaultdict(list)
    for history in by_code.values():
        latest = history[0]
        if latest.observed_at is None or latest.observed_at < moment - RESULT_WINDOW:
            continue
        previous = history[1] if len(history) > 1 else None
        panels[latest.panel_label or latest.panel_code or "Autres"].append(
            ResultLine(
                label=latest.label,
                value=latest.value,
                unit=latest.unit,
                reference_range=latest.reference_range,
                flag=latest.flag,
                status=latest.status,
                observed_at=latest.observed_at,
                previous=f"{previous.value} {previous.unit}".strip() if previous else "",
            )
        )
    return dict(sorted(panels.items()))


def _prescription_lines(rows: list[Prescription], moment: dt.datetime) -> list[PrescriptionLine]:
    return [
        PrescriptionLine(
            drug=p.drug_label,
            dose=f"{p.dose} {p.dose_unit}".strip(),
            route=p.route,
            frequency=schedule.label(p.frequency),
            start=p.start,
            prescriber=p.prescriber,
            next_due=schedule.next_due(p.frequency, moment, 3, p.times),
        )
        for p in rows
        if p.end is None or p.end > moment
    ]


def _by_patient(rows: Iterable[T]) -> dict[int, list[T]]:
    grouped: dict[int, list[T]] = defaultdict(list)
    for row in rows:
        grouped[row.patient_id].append(row)  # type: ignore[attr-defined]
    return grouped


def _latest_stays(ids: list[int]) -> dict[int, Stay]:
    latest: dict[int, Stay] = {}
    rows = Stay.objects.filter(patient_id__in=ids).exclude(status="cancelled")
    for stay in rows.order_by("patient_id", "-admitted_at", "-pk"):
        latest.setdefault(stay.patient_id, stay)
    return latest


def summaries(patients: list[Patient], now: dt.datetime | None = None) -> list[Summary]:
    """Summaries of many patients in a fixed number of queries (a unit's paper kit)."""
    moment = now or clock.now()
    ids = [p.pk for p in patients]
    stays = _latest_stays(ids)
    allergies = _by_patient(
        Allergy.objects.filter(patient_id__in=ids, active=True).order_by("label")
    )
    prescriptions = _by_patient(
        Prescription.objects.filter(patient_id__in=ids, active=True).order_by("drug_label")
    )
    results = _by_patient(
        Result.objects.filter(patient_id__in=ids)
        .exclude(status="D")
        .order_by("patient_id", "code", "-observed_at")
    )
    documents = _by_patient(
        Document.objects.filter(patient_id__in=ids, confidential=False)
        .exclude(status="D")
        .order_by("-authored_at")
    )
    conditions = _by_patient(Condition.objects.filter(patient_id__in=ids, active=True))
    movements: dict[int, list[Movement]] = defaultdict(list)
    for movement in Movement.objects.filter(
        stay_id__in=[s.pk for s in stays.values()], cancelled=False
    ).order_by("start"):
        movements[movement.stay_id].append(movement)
    downtime = overlay.downtime_entries_of(ids)
    found = []
    for patient in patients:
        stay = stays.get(patient.pk)
        found.append(
            Summary(
                patient=patient,
                stay=stay,
                allergies=allergies.get(patient.pk, []),
                prescriptions=_prescription_lines(prescriptions.get(patient.pk, []), moment),
                panels=_panels(results.get(patient.pk, []), moment),
                documents=documents.get(patient.pk, [])[:10],
                conditions=conditions.get(patient.pk, []),
                movements=movements.get(stay.pk, []) if stay else [],
                downtime=downtime.get(patient.pk, []),
            )
        )
    return found


def summary(patient: Patient, now: dt.datetime | None = None) -> Summary:
    return summaries([patient], now)[0]
