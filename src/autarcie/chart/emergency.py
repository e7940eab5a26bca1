"""The emergency department's board: passages in progress, longest waiting first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from autarcie.care.models import CareEntry, EntryKind, TempPatient
from autarcie.care.passage import PASSAGE_FIELDS
from autarcie.care.queries import current
from autarcie.chart import queries
from autarcie.mirror.models import Patient

# CCMU code -> its wording, from the passage form's choices ("3 — état susceptible…").
_TRIAGE = {
    code: label.split(" — ", 1)[-1]
    for code, label in next(f.choices for f in PASSAGE_FIELDS if f.name == "ccmu")
}


@dataclass(frozen=True)
class EdLine:
    patient_id: int  # 0 for a temporary identity
    temp_patient_id: int | None
    family: str
    given: str
    hidden: bool
    arrival: dt.datetime | None
    triage: str  # the CCMU code, empty until triaged
    reason: str  # the reason for attending (ICD-10), when recorded
    room: str
    bed: str
    recorded: bool  # a passage form was recorded in degraded mode (else: the mirror's stay)

    @property
    def triage_label(self) -> str:
        return _TRIAGE.get(self.triage, "")

    @property
    def location(self) -> str:
        return "-".join(p for p in (self.room, self.bed) if p)

    def waiting(self, now: dt.datetime) -> str:
        """Time since arrival, "3 h 05" (or "45 min")."""
        if self.arrival is None:
            return "—"
        minutes = max(0, int((now - self.arrival).total_seconds() // 60))
        hours, rest = divmod(minutes, 60)
        return f"{hours} h {rest:02d}" if hours else f"{rest} min"


def _key(entry: CareEntry) -> str:
    if entry.temp_patient_id is not None:
        return f"temp:{entry.temp_patient_id}"
    return f"patient:{entry.patient_id}"


def _latest_passages(unit_code: str) -> dict[str, CareEntry]:
    """Each patient's latest passage recorded in the unit (by arrival)."""
    rows = current(CareEntry.objects.filter(kind=EntryKind.PASSAGE, unit_code=unit_code))
    latest: dict[str, CareEntry] = {}
    for entry in rows.filter(cancelled=False).order_by("written_at", "pk"):
        latest[_key(entry)] = entry  # the later one wins
    return latest


def _from_passage(
    entry: CareEntry, row: queries.CensusRow | None, who: Patient | TempPatient
) -> EdLine:
    data = entry.data
    return EdLine(
        patient_id=entry.patient_id or 0,
        temp_patient_id=entry.temp_patient_id,
        family=who.used_family or who.birth_family,
        given=who.given,
        hidden=isinstance(who, Patient) and who.hidden,
        arrival=dt.datetime.fromisoformat(data["entry"]) if data.get("entry") else None,
        triage=str(data.get("ccmu", "")),
        reason=str(data.get("reason", "")),
        room=row.room if row else "",
        bed=row.bed if row else "",
        recorded=True,
    )


def _from_stay(row: queries.CensusRow) -> EdLine:
    return EdLine(
        patient_id=row.patient_id,
        temp_patient_id=row.temp_patient_id,
        family=row.used_family or row.birth_family,
        given=row.given,
        hidden=row.hidden,
        arrival=row.admitted_at,
        triage="",
        reason="",
        room=row.room,
        bed=row.bed,
        recorded=False,
    )


def board(unit_code: str, now: dt.datetime) -> list[EdLine]:
    """Passages in progress: recorded and not yet left, or present in the unit's census
    with no passage recorded; a passage with its exit time is over, whatever the census says."""
    census = {
        (f"temp:{r.temp_patient_id}" if r.temp_patient_id else f"patient:{r.patient_id}"): r
        for r in queries.census(unit_code, now)
    }
    passages = _latest_passages(unit_code)
    open_ = {k: e for k, e in passages.items() if not e.data.get("exit")}
    patients = Patient.objects.in_bulk([e.patient_id for e in open_.values() if e.patient_id])
    temps = TempPatient.objects.in_bulk(
        [e.temp_patient_id for e in open_.values() if e.temp_patient_id]
    )
    lines = []
    for key, entry in open_.items():
        who = (
            temps[entry.temp_patient_id]
            if entry.temp_patient_id
            else patients[entry.patient_id or 0]
        )
        lines.append(_from_passage(entry, census.get(key), who))
    lines += [_from_stay(r) for k, r in census.items() if k not in passages]
    far_past = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(lines, key=lambda line: (line.arrival or far_past, line.family))
