"""Census and patient summary, from the current projections or as of a past instant."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from autarcie.care.models import CareEntry
from autarcie.chart import overlay, schedule
from autarcie.core import clock
from autarcie.core.read_many import Statement, fetch_many
from autarcie.formats.ucum import display_value
from autarcie.mirror import allergies as allergies_of
from autarcie.mirror import asof
from autarcie.mirror.allergies import NOTHING, PatientAllergies, ReconciledAllergy
from autarcie.mirror.identity import age, ins_status
from autarcie.mirror.models import Patient, Result, Stay

RESULT_WINDOW = dt.timedelta(hours=72)
NEW_RESULT_WINDOW = dt.timedelta(hours=12)


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
    known_by_movement: bool = False  # present, but its admission was never received
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
    allergic = allergies_of.allergic(ids)  # a "no known allergy" statement is no badge
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
            age=age(s.patient.birth_date, moment),
            birth_date=s.patient.birth_date,
            admitted_at=s.admitted_at,
            attending=s.attending,
            on_leave=s.status == "on_leave",
            hidden=s.patient.hidden,
            ins_status=ins_status(s.patient.statuses, s.patient.ins_trusted, s.patient.authority),
            allergy=s.patient_id in allergic,
            new_result=s.patient_id in fresh,
            known_by_movement=s.source == "by_movement",
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
                age=age(birth, moment),
                birth_date=birth,
                admitted_at=admitted,
                attending="",
                on_leave=line.status == "on_leave",
                hidden=bool(p.get("hidden")),
                ins_status=ins_status(
                    " ".join(p.get("statuses", [])),
                    bool(p.get("ins_trusted")),
                    str(p.get("authority", "")),
                ),
                known_by_movement=line.known_by_movement,
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
    key: str = ""  # what a downtime administration names: "mirror:<rkey>"
    rounds: tuple[str, ...] = ()  # local clock times "HH:MM"; empty: if needed or unknown


@dataclass(frozen=True)
class StayLine:
    pk: int
    nda: str
    unit_code: str
    room: str
    bed: str
    admitted_at: dt.datetime | None
    attending: str
    known_by_movement: bool = False  # present, but its admission was never received


@dataclass(frozen=True)
class ConditionLine:
    label: str
    code: str


@dataclass(frozen=True)
class ImmunizationLine:
    label: str
    code: str
    occurred_at: dt.datetime | None
    done: bool  # False: recorded as not done (status not-done)


@dataclass(frozen=True)
class DocumentLine:
    title: str
    type_label: str
    text: str
    authored_at: dt.datetime | None
    status: str = ""  # F signed, C replaced by a newer version (this one), P not yet signed


@dataclass(frozen=True)
class MovementLine:
    start: dt.datetime | None
    kind: str
    unit_code: str
    room: str
    bed: str


@dataclass
class Summary:
    patient: Patient
    stay: StayLine | None
    # Reconciled across feeds, active only; ``allergy_status`` tells "aucune allergie connue"
    # (a feed said so) from "non renseignées" (nothing received) when the list is empty.
    allergies: list[ReconciledAllergy] = field(default_factory=list)
    allergy_status: PatientAllergies = NOTHING
    prescriptions: list[PrescriptionLine] = field(default_factory=list)
    panels: dict[str, list[ResultLine]] = field(default_factory=dict)
    documents: list[DocumentLine] = field(default_factory=list)
    conditions: list[ConditionLine] = field(default_factory=list)
    immunizations: list[ImmunizationLine] = field(default_factory=list)
    movements: list[MovementLine] = field(default_factory=list)
    downtime: list[CareEntry] = field(default_factory=list)

    @property
    def ins_status(self) -> str:
        return ins_status(self.patient.statuses, self.patient.ins_trusted, self.patient.authority)


# The summary is read with plain SQL, only the columns it shows: it is opened on every bedside
# look-up, and building the same ORM queries and model instances cost more than the SQL itself.
# The tables are the mirror's projections; the filters are the ones the projections define
# (a deleted result or document has status "D", an ended allergy or condition active false).
DOCUMENTS_SHOWN = 10
_HISTORY_PER_TEST = 2  # the latest value of each test and the one before it


def instant(value: Any) -> dt.datetime | None:
    """A datetime column read by plain SQL: PostgreSQL gives it aware, SQLite naive in UTC."""
    if value is None:
        return None
    if isinstance(value, str):  # SQLite loses the declared type of some derived columns
        value = dt.datetime.fromisoformat(value)
    moment: dt.datetime = value
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


Rows = list[tuple[Any, ...]]


def _read(sql: str, ids: list[int], *params: Any) -> Statement:
    """``sql`` with its ``{ids}`` made one placeholder per id, and its parameters."""
    marks = ", ".join(["%s"] * len(ids))
    return sql.format(ids=marks), [*ids, *params]


_STAYS = (
    "SELECT id, patient_id, nda, unit_code, room, bed, admitted_at, attending, source "
    "FROM mirror_stay "
    "WHERE patient_id IN ({ids}) AND status <> %s ORDER BY patient_id, admitted_at DESC, id DESC"
)


def _latest_stays(rows: Rows) -> dict[int, StayLine]:
    latest: dict[int, StayLine] = {}
    for pk, patient_id, nda, unit, room, bed, admitted, attending, source in rows:
        if patient_id not in latest:
            latest[patient_id] = StayLine(
                pk, nda, unit, room, bed, instant(admitted), attending, source == "by_movement"
            )
    return latest


_CONDITIONS = (
    "SELECT patient_id, label, code FROM mirror_condition "
    "WHERE patient_id IN ({ids}) AND active = %s"
)


def _conditions(rows: Rows) -> dict[int, list[ConditionLine]]:
    grouped: dict[int, list[ConditionLine]] = defaultdict(list)
    for patient_id, label, code in rows:
        grouped[patient_id].append(ConditionLine(label, code))
    return grouped


# Newest first; one entered in error is no immunization.
_IMMUNIZATIONS = (
    "SELECT patient_id, label, code, occurred_at, status FROM mirror_immunization "
    "WHERE patient_id IN ({ids}) AND status <> %s ORDER BY patient_id, occurred_at DESC"
)


def _immunizations(rows: Rows) -> dict[int, list[ImmunizationLine]]:
    grouped: dict[int, list[ImmunizationLine]] = defaultdict(list)
    for patient_id, label, code, occurred, status in rows:
        line = ImmunizationLine(label, code, instant(occurred), status != "not-done")
        grouped[patient_id].append(line)
    return grouped


# The newest documents only: a long stay has hundreds, each with its full text.
_DOCUMENTS = (
    "SELECT patient_id, title, type_label, text, authored_at, status FROM ("
    " SELECT patient_id, title, type_label, text, authored_at, status, ROW_NUMBER() OVER ("
    "  PARTITION BY patient_id ORDER BY authored_at DESC) AS row_rank FROM mirror_document"
    " WHERE patient_id IN ({ids}) AND confidential = %s AND status <> %s"
    ") AS newest WHERE row_rank <= %s ORDER BY patient_id, row_rank"
)


def _documents(rows: Rows) -> dict[int, list[DocumentLine]]:
    grouped: dict[int, list[DocumentLine]] = defaultdict(list)
    for patient_id, title, type_label, text, authored, status in rows:
        line = DocumentLine(title, type_label, text, instant(authored), status)
        grouped[patient_id].append(line)
    return grouped


# The movements of every stay of the patients (the latest stay is known only once the stays
# are read, and all the reads of a summary go out together).
_MOVEMENTS = (
    "SELECT stay_id, start, kind, unit_code, room, bed FROM mirror_movement WHERE stay_id IN"
    " (SELECT id FROM mirror_stay WHERE patient_id IN ({ids}) AND status <> %s)"
    " AND cancelled = %s ORDER BY start"
)


def _movements(rows: Rows) -> dict[int, list[MovementLine]]:
    grouped: dict[int, list[MovementLine]] = defaultdict(list)
    for stay_id, start, kind, unit, room, bed in rows:
        grouped[stay_id].append(MovementLine(instant(start), kind, unit, room, bed))
    return grouped


_PRESCRIPTIONS = (
    'SELECT patient_id, drug_label, dose, dose_unit, route, frequency, times, start, "end",'
    " prescriber, rkey FROM mirror_prescription"
    " WHERE patient_id IN ({ids}) AND active = %s ORDER BY drug_label"
)


def _prescriptions(rows: Rows, moment: dt.datetime) -> dict[int, list[PrescriptionLine]]:
    grouped: dict[int, list[PrescriptionLine]] = defaultdict(list)
    for row in rows:
        patient_id, drug, dose, dose_unit, route, frequency, times, start, end = row[:9]
        prescriber, rkey = row[9:]
        ends = instant(end)
        if ends is not None and ends <= moment:
            continue
        grouped[patient_id].append(
            PrescriptionLine(
                drug=drug,
                dose=f"{dose} {dose_unit}".strip(),
                route=route,
                frequency=schedule.label(frequency),
                start=instant(start),
                prescriber=prescriber,
                next_due=schedule.next_due(frequency, moment, 3, times),
                key=f"mirror:{rkey}",
                rounds=schedule.rounds(frequency, times),
            )
        )
    return grouped


# The two newest values of each test: a patient in for weeks has hundreds of results.
_RESULTS = (
    "SELECT patient_id, code, panel_code, panel_label, label, value, unit, reference_range,"
    " flag, status, observed_at FROM ("
    " SELECT patient_id, code, panel_code, panel_label, label, value, unit, reference_range,"
    "  flag, status, observed_at, ROW_NUMBER() OVER ("
    "  PARTITION BY patient_id, code ORDER BY observed_at DESC) AS row_rank FROM mirror_result"
    " WHERE patient_id IN ({ids}) AND status <> %s"
    ") AS newest WHERE row_rank <= %s ORDER BY patient_id, code, row_rank"
)


@dataclass(frozen=True)
class _Value:
    """One result row as read: its test and panel, and the line it shows if it is the newest."""

    code: str
    panel: str
    line: ResultLine  # without its previous value, known once the test's rows are grouped


def _results(rows: Rows) -> dict[int, list[_Value]]:
    """Each patient's results, by code, newest first: two per code at most."""
    grouped: dict[int, list[_Value]] = defaultdict(list)
    for row in rows:
        patient_id, code, panel_code, panel_label, label, value, unit, ref, flag, status = row[:10]
        panel = panel_label or panel_code or "Autres"
        line = ResultLine(label, value, unit, ref, flag, status, instant(row[10]))
        grouped[patient_id].append(_Value(code, panel, line))
    return grouped


def _panels(rows: list[_Value], moment: dt.datetime) -> dict[str, list[ResultLine]]:
    """Latest value of each test of the last 72 h, grouped by panel, with the previous one.

    ``rows`` are one patient's results ordered by code, newest first.
    """
    by_code: dict[str, list[_Value]] = defaultdict(list)
    for row in rows:
        by_code[row.code].append(row)
    panels: dict[str, list[ResultLine]] = defaultdict(list)
    for history in by_code.values():
        latest = history[0].line
        if latest.observed_at is None or latest.observed_at < moment - RESULT_WINDOW:
            continue
        before = history[1].line if len(history) > 1 else None
        previous = display_value(before.value, before.unit) if before else ""
        panels[history[0].panel].append(dataclasses.replace(latest, previous=previous))
    return dict(sorted(panels.items()))


def summaries(patients: list[Patient], now: dt.datetime | None = None) -> list[Summary]:
    """Summaries of many patients in a fixed number of queries (a unit's paper kit)."""
    moment = now or clock.now()
    ids = [p.pk for p in patients]
    if not ids:
        return []
    (
        stay_rows,
        allergy_rows,
        prescription_rows,
        result_rows,
        document_rows,
        condition_rows,
        immunization_rows,
        movement_rows,
        downtime_rows,
    ) = fetch_many(
        [
            _read(_STAYS, ids, "cancelled"),
            _read(allergies_of.ROWS_SQL, ids),
            _read(_PRESCRIPTIONS, ids, True),
            _read(_RESULTS, ids, "D", _HISTORY_PER_TEST),
            _read(_DOCUMENTS, ids, False, "D", DOCUMENTS_SHOWN),
            _read(_CONDITIONS, ids, True),
            _read(_IMMUNIZATIONS, ids, "entered-in-error"),
            _read(_MOVEMENTS, ids, "cancelled", False),
            overlay.current_entries_read(ids),
        ]
    )
    stays = _latest_stays(stay_rows)
    allergies = allergies_of.from_rows(allergy_rows)
    prescriptions = _prescriptions(prescription_rows, moment)
    results = _results(result_rows)
    documents = _documents(document_rows)
    conditions = _conditions(condition_rows)
    immunizations = _immunizations(immunization_rows)
    movements = _movements(movement_rows)
    downtime = overlay.downtime_entries_by_patient(downtime_rows)
    found = []
    for patient in patients:
        stay = stays.get(patient.pk)
        allergy_status = allergies.get(patient.pk, allergies_of.NOTHING)
        found.append(
            Summary(
                patient=patient,
                stay=stay,
                allergies=list(allergy_status.items),
                allergy_status=allergy_status,
                prescriptions=prescriptions.get(patient.pk, []),
                panels=_panels(results.get(patient.pk, []), moment),
                documents=documents.get(patient.pk, []),
                conditions=conditions.get(patient.pk, []),
                immunizations=immunizations.get(patient.pk, []),
                movements=movements.get(stay.pk, []) if stay else [],
                downtime=downtime.get(patient.pk, []),
            )
        )
    return found


def summary(patient: Patient, now: dt.datetime | None = None) -> Summary:
    return summaries([patient], now)[0]
