"""Reading downtime records: current versions, where each patient is, likely duplicates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import TypeVar

from django.db.models import Exists, OuterRef, Q, QuerySet

from autarcie.care.models import CareEntry, EntryKind, StockEntry, TempPatient
from autarcie.mirror.asof import PRESENT
from autarcie.mirror.models import Patient, PatientToken, Stay
from autarcie.mirror.normalise import fold

V = TypeVar("V", CareEntry, StockEntry)


@dataclass(frozen=True)
class Subject:
    """Whom a care entry is about: a mirror patient or a temporary identity, never both."""

    patient: Patient | None = None
    temp: TempPatient | None = None
    # The subject's units and placement, read once per request (see subject_units and
    # subject_placement); a movement forgets them.
    _units: dict[str, frozenset[str]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _placed: list[Placement | None] = field(
        default_factory=list, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if (self.patient is None) == (self.temp is None):
            raise ValueError("a subject is a mirror patient or a temporary identity")

    @property
    def who(self) -> Patient | TempPatient:
        return self.temp if self.temp is not None else self.patient  # type: ignore[return-value]

    @property
    def key(self) -> str:
        prefix = "temp" if self.temp is not None else "patient"
        return f"{prefix}:{self.who.pk}"

    @property
    def target(self) -> tuple[str, int]:
        """(journal target type, id)."""
        return ("temp_patient" if self.temp is not None else "patient"), int(self.who.pk)

    @property
    def display_name(self) -> str:
        return f"{self.who.used_family or self.who.birth_family} {self.who.given}".strip()

    @property
    def sex(self) -> str:
        return self.who.sex

    @property
    def birth_date(self) -> dt.date | None:
        return self.who.birth_date

    def forget_units(self) -> None:
        self._units.clear()
        self._placed.clear()

    def entries(self) -> QuerySet[CareEntry]:
        if self.temp is not None:
            return CareEntry.objects.filter(temp_patient=self.temp)
        return CareEntry.objects.filter(patient=self.patient)


def subject_of(entry: CareEntry) -> Subject:
    return Subject(patient=entry.patient, temp=entry.temp_patient)


def current(rows: QuerySet[V]) -> QuerySet[V]:
    """Only the latest version of each chain."""
    newer = rows.model.objects.filter(chain=OuterRef("chain"), version__gt=OuterRef("version"))
    return rows.exclude(Exists(newer))


def history(entry: CareEntry) -> list[CareEntry]:
    return list(CareEntry.objects.filter(chain=entry.chain).order_by("version"))


@dataclass(frozen=True)
class Placement:
    """Where the downtime movements put a patient, and since when."""

    unit_code: str
    room: str
    bed: str
    status: str  # admitted, on_leave, discharged
    since: dt.datetime
    last_kind: str
    # When the stay began, the earliest known (mirror stay or downtime admission): entries
    # written before it are refused (see validation).
    admitted_at: dt.datetime | None = None


def _seed(patient_ids: set[int]) -> dict[int, Stay]:
    stays = Stay.objects.filter(patient_id__in=patient_ids, status__in=PRESENT)
    return {s.patient_id: s for s in stays.order_by("admitted_at")}


def _key(entry: CareEntry) -> str:
    if entry.temp_patient_id is not None:
        return f"temp:{entry.temp_patient_id}"
    return f"patient:{entry.patient_id}"


def placements(
    moment: dt.datetime | None = None, subject: Subject | None = None
) -> dict[str, Placement]:
    """Subject key -> placement, from the current movement entries (clinical time order)."""
    rows = current(CareEntry.objects.filter(kind=EntryKind.MOVEMENT)).filter(cancelled=False)
    if moment is not None:
        rows = rows.filter(written_at__lte=moment)
    if subject is None:
        entries = list(rows.order_by("written_at", "pk"))
    else:
        # Sorted here: ordered by SQL, SQLite would walk the (kind, written_at) index through
        # the whole hospital's movements to save a sort of this patient's few.
        rows = rows.filter(patient=subject.patient, temp_patient=subject.temp)
        entries = sorted(rows, key=lambda e: (e.written_at, e.pk))
    stays = _seed({e.patient_id for e in entries if e.patient_id is not None})
    result: dict[str, Placement] = {}
    for entry in entries:
        key = _key(entry)
        before = result.get(key)
        if before is None and entry.patient_id in stays:
            stay = stays[entry.patient_id]
            before = Placement(
                stay.unit_code,
                stay.room,
                stay.bed,
                "admitted",
                entry.written_at,
                "",
                stay.admitted_at,
            )
        result[key] = _move(before, entry)
    return result


def _move(before: Placement | None, entry: CareEntry) -> Placement:
    data = entry.data
    kind = str(data.get("movement", ""))
    unit = str(data.get("unit_code") or (before.unit_code if before else entry.unit_code))
    room = str(data.get("room") or (before.room if before and kind != "transfer" else ""))
    bed = str(data.get("bed") or (before.bed if before and kind != "transfer" else ""))
    status = {"leave": "on_leave", "discharge": "discharged"}.get(kind, "admitted")
    admitted = before.admitted_at if before else None
    if kind == "admission" and (admitted is None or entry.written_at < admitted):
        admitted = entry.written_at
    return Placement(unit, room, bed, status, entry.written_at, kind, admitted)


def subject_units(subject: Subject) -> set[str]:
    """Units the subject is in now (downtime first, then mirror), or was last in.

    Read once per ``Subject`` (a request checks the scope, picks the entry's unit and checks
    the scope again after a save); recording a movement forgets them.
    """
    if "now" not in subject._units:
        subject._units["now"] = frozenset(_read_units(subject))
    return set(subject._units["now"])


def subject_placement(subject: Subject) -> Placement | None:
    """Where the downtime movements put the subject now (None: none recorded), read once."""
    if not subject._placed:
        subject._placed.append(placements(subject=subject).get(subject.key))
    return subject._placed[0]


def _read_units(subject: Subject) -> set[str]:
    placed = subject_placement(subject)
    if placed is not None:
        return {placed.unit_code}
    if subject.temp is not None:
        return {subject.temp.unit_code}
    return set(
        Stay.objects.filter(patient=subject.patient, status__in=PRESENT).values_list(
            "unit_code", flat=True
        )
    )


@dataclass(frozen=True)
class Duplicate:
    label: str
    origin: str  # "miroir" or "identité provisoire"
    identifier: str
    birth_date: dt.date | None
    score: float


def _similar(a: str, b: str) -> float:
    a, b = fold(a), fold(b)
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, a, b).ratio()


def _first_word(text: str) -> str:
    return text.split(" ", maxsplit=1)[0] if text else ""


def _score(
    family: str, given: str, birth: dt.date | None, sex: str, other: Patient | TempPatient
) -> float:
    names = max(_similar(family, other.birth_family), _similar(family, other.used_family or ""))
    first = _similar(_first_word(given), _first_word(other.given))
    same_birth = False
    if birth is not None and other.birth_date is not None:
        # Day and month swapped is the commonest typing slip on a birth date.
        same_birth = birth == other.birth_date or (
            birth.day <= 12 and birth.replace(day=birth.month, month=birth.day) == other.birth_date
        )
    score = 0.45 * names + 0.25 * first
    score += 0.25 if same_birth else 0.1 if birth is None or other.birth_date is None else 0.0
    score += 0.05 if sex and sex == other.sex else 0.0
    return score


def _candidates(
    family: str, birth: dt.date | None
) -> tuple[QuerySet[Patient], QuerySet[TempPatient]]:
    words = fold(family).split()
    token = words[0][:4] if words else ""
    by_token = PatientToken.objects.filter(token__startswith=token).values("patient_id")[:2000]
    dates = [birth] if birth else []
    if birth and birth.day <= 12:
        dates.append(birth.replace(day=birth.month, month=birth.day))
    mirror = (
        Patient.objects.filter(Q(birth_date__in=dates) | Q(pk__in=by_token))
        if token
        else (Patient.objects.filter(birth_date__in=dates))
    )
    temps = TempPatient.objects.filter(Q(birth_date__in=dates) | Q(birth_family__icontains=token))
    return mirror.filter(merged_into__isnull=True)[:500], temps[:500]


def find_duplicates(
    family: str, given: str, birth: dt.date | None, sex: str, *, exclude_temp: int | None = None
) -> list[Duplicate]:
    """Likely duplicates in the mirror and among temporary identities, best first."""
    mirror, temps = _candidates(family, birth)
    found = [
        Duplicate(f"{p.birth_family} {p.given}", "miroir", p.ipp, p.birth_date, s)
        for p in mirror
        if not p.hidden and (s := _score(family, given, birth, sex, p)) >= 0.75
    ]
    found += [
        Duplicate(f"{t.birth_family} {t.given}", "identité provisoire", t.tempid, t.birth_date, s)
        for t in temps
        if t.pk != exclude_temp and (s := _score(family, given, birth, sex, t)) >= 0.75
    ]
    return sorted(found, key=lambda d: -d.score)[:10]


@dataclass(frozen=True)
class Occupant:
    """Someone in a unit now: from the mirror, or placed there by a downtime movement."""

    key: str
    patient_id: int | None
    temp_id: int | None
    room: str
    bed: str
    on_leave: bool
    downtime: bool
    since: dt.datetime | None


def occupants(unit_code: str) -> list[Occupant]:
    """The unit's patients: the frozen mirror, corrected by the downtime movements."""
    placed = placements()
    found: list[Occupant] = []
    for stay in Stay.objects.filter(unit_code=unit_code, status__in=PRESENT):
        key = f"patient:{stay.patient_id}"
        if key not in placed:
            on_leave = stay.status == "on_leave"
            found.append(
                Occupant(
                    key,
                    stay.patient_id,
                    None,
                    stay.room,
                    stay.bed,
                    on_leave,
                    False,
                    stay.admitted_at,
                )
            )
    for key, where in placed.items():
        if where.unit_code != unit_code or where.status == "discharged":
            continue
        kind, pk = key.split(":")
        patient_id, temp_id = (int(pk), None) if kind == "patient" else (None, int(pk))
        found.append(
            Occupant(
                key,
                patient_id,
                temp_id,
                where.room,
                where.bed,
                where.status == "on_leave",
                True,
                where.since,
            )
        )
    return found


@dataclass(frozen=True)
class WardLine:
    """One line of care's census screen."""

    subject_kind: str  # "patient" or "temp"
    subject_id: int
    identifier: str  # IPP or temporary identifier
    room: str
    bed: str
    family: str
    given: str
    birth_date: dt.date | None
    sex: str
    on_leave: bool
    hidden: bool
    origin: str


def ward_lines(unit_code: str) -> list[WardLine]:
    """The unit's census for the downtime screens: mirror and downtime, origin marked."""
    present = occupants(unit_code)
    patients = Patient.objects.in_bulk([o.patient_id for o in present if o.patient_id])
    temps = TempPatient.objects.in_bulk([o.temp_id for o in present if o.temp_id])
    lines = []
    for o in present:
        who: Patient | TempPatient = (
            temps[o.temp_id] if o.temp_id is not None else patients[o.patient_id or 0]
        )
        kind = "temp" if o.temp_id is not None else "patient"
        lines.append(
            WardLine(
                subject_kind=kind,
                subject_id=who.pk,
                identifier=who.tempid if isinstance(who, TempPatient) else who.ipp,
                room=o.room,
                bed=o.bed,
                family=who.used_family or who.birth_family,
                given=who.given,
                birth_date=who.birth_date,
                sex=who.sex,
                on_leave=o.on_leave,
                hidden=isinstance(who, Patient) and who.hidden,
                origin="saisie mode dégradé" if o.downtime else "miroir",
            )
        )
    return sorted(lines, key=lambda w: (w.room.zfill(6), w.bed.zfill(3), w.family))
